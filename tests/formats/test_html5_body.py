"""A whole HTML5 document sent as a story body yields its article content only (issue 11).

The rule lives in `sanitize.article_content`, called by `clean_html` when a story enters the model, so
every parser (ninjs, NewsML-G2, NITF, feeds) gets it: no page title, no h1 repeating the headline, no
figure or caption text, no page furniture. Body HTML that is no document is left as it was.
"""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from newsflow.model import html_to_text
from newsflow.sanitize import article_content, clean_html

PAGE = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Dam opens | Example</title>"
        "<script>track()</script></head><body><header><a href='/'>Example</a></header><nav>World</nav>"
        "<main><article><header><h1>Dam opens</h1><p>By Ana Ruiz</p><time>Today</time></header>"
        "<figure><img src='https://img.example/dam.jpg' alt='The dam'><figcaption>The dam at noon.</figcaption>"
        "</figure><p>The dam opened at noon.</p><h1>Why it matters</h1><p>Power for <b>90,000</b> homes.</p>"
        "<aside>Read more</aside></article><article><h1>Unrelated teaser</h1></article></main>"
        "<footer>Copyright Example</footer></body></html>")


def test_page_yields_its_first_article() -> None:
    assert clean_html(PAGE) == ("<p>The dam opened at noon.</p><h2>Why it matters</h2>"
                                "<p>Power for <b>90,000</b> homes.</p>")


def test_no_title_heading_figure_or_furniture_text() -> None:
    text = html_to_text(clean_html(PAGE))
    for noise in ("Dam opens", "Example", "By Ana Ruiz", "The dam at noon", "track", "World", "Read more",
                  "Unrelated teaser", "Today"):
        assert noise not in text, noise


def test_body_without_article_keeps_the_body() -> None:
    html = "<html><head><title>T</title></head><body><h1>Headline</h1><p>One.</p><p>Two.</p></body></html>"
    assert clean_html(html) == "<p>One.</p><p>Two.</p>"


def test_bare_title_fragment_drops_the_title() -> None:
    assert clean_html("<title>Page</title><p>Text</p>") == "<p>Text</p>"


def test_text_outside_elements_is_kept_escaped() -> None:
    assert article_content("<article>Lead &amp; more<p>x &lt; y</p>tail</article>") == \
        "Lead &amp; more<p>x &lt; y</p>tail"


def test_body_html_that_is_no_document_is_unchanged() -> None:
    fragment = "<p>One</p><h1>Kept as before</h1><figure><figcaption>c</figcaption></figure><header>x</header>"
    assert article_content(fragment) == fragment


_BLOCK = st.sampled_from(["<p>{}</p>", "<h2>{}</h2>", "<blockquote>{}</blockquote>", "<ul><li>{}</li></ul>"])
_WORDS = st.lists(st.text(alphabet=string.ascii_letters, min_size=1, max_size=8), min_size=1, max_size=5).map(
    " ".join)


@given(blocks=st.lists(st.tuples(_BLOCK, _WORDS), min_size=1, max_size=6), headline=_WORDS, caption=_WORDS)
def test_wrapped_in_a_page_the_article_is_what_it_was(blocks: list[tuple[str, str]], headline: str,
                                                      caption: str) -> None:
    """Any clean body, put in a page with a title, headline h1 and a figure, comes back as itself; and
    cleaning it again changes nothing."""
    body = clean_html("".join(shape.format(words) for shape, words in blocks))
    page = (f"<html><head><title>{headline}</title></head><body><article><h1>{headline}</h1>"
            f"<figure><img src='https://i.example/a.jpg'><figcaption>{caption}</figcaption></figure>{body}"
            "</article></body></html>")
    cleaned = clean_html(page)
    assert cleaned == body
    assert clean_html(cleaned) == cleaned


def test_every_parser_gets_the_rule_through_the_model() -> None:
    """Parsers hand bodies to the model, whose validator cleans them: NewsML-G2, NITF and feeds alike."""
    from newsflow.model import Story

    assert Story(headline="Dam opens", body_html=PAGE).body_html.startswith("<p>The dam opened at noon.</p>")


def test_names_that_only_begin_like_a_page_tag_are_no_page() -> None:
    fragment = "<p>See <body.content> and <titles></p>"
    assert article_content(fragment) == fragment


def test_page_with_characters_xml_cannot_carry() -> None:
    page = "<html><head><title>T\x01</title></head><body><p>A\x00B\ud800C\ufffe</p></body></html>"
    assert clean_html(page) == "<p>ABC</p>"

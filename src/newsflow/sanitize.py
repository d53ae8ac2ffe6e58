"""Story HTML is sanitized once, when it enters the model: an allow-list, no scripts, no handlers.

A whole HTML5 document sent as a body (ninjs `body_html`, an XHTML body of NewsML-G2 or NITF) is cut
to its article content first (`article_content`), so its `<title>`, its headline `<h1>` and its figures
never become body text.

Text is also kept to what XML 1.0 can carry (`first_unsafe`, `strip_unsafe`): every format Newsflow
writes is XML or must be convertible to it, and one character an XML writer refuses would make the
story impossible to deliver in NITF, NewsML-G2, Atom or RSS.
"""

from __future__ import annotations

import html as html_mod
import re

import nh3
from lxml import etree
from lxml import html as lxml_html

# Everything outside XML 1.0's Char production: the C0 controls except TAB, LF and CR (NUL included),
# the surrogates (a lone one is no character at all, and UTF-8 cannot encode it), U+FFFE and U+FFFF.
_UNSAFE = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup", "br", "hr",
    "ul", "ol", "li", "blockquote", "q", "cite", "a", "figure", "figcaption", "table", "thead", "tbody",
    "tr", "th", "td", "abbr", "span", "pre", "code",
}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"},
               "th": {"colspan", "rowspan", "scope"}, "*": {"lang", "dir"}}


def first_unsafe(text: str) -> str | None:
    """The first character of `text` that XML 1.0 cannot carry, or None when there is none."""
    found = _UNSAFE.search(text)
    return found.group() if found else None


def strip_unsafe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return _UNSAFE.sub("", text)


# What marks a whole document (or a page fragment) rather than body HTML: none of these survives clean_html,
# so a cleaned body never matches and cleaning stays idempotent.
_DOCUMENT = re.compile(r"<(?:!doctype|html|head|body|article|title)[\s/>]", re.I)
# Page furniture, not article text: the media are the story's photos, the header repeats headline and byline.
_FURNITURE = ("head", "title", "script", "style", "noscript", "template", "nav", "header", "footer", "aside",
              "figure", "figcaption", "img", "picture", "video", "audio", "iframe", "form")


def article_content(html: str) -> str:
    """The article of a whole HTML5 document: the inside of its first `<article>` (else of `<body>`),
    without the page's `<title>`, the `<h1>` that is the headline, header/footer/nav/aside and figures
    with their captions (a figure's media travel as the story's photos, not as body text). Later `<h1>`s
    become `<h2>` (the model's bodies start at h2). Body HTML that is no document comes back unchanged.

    Called by `clean_html`, so every parser gets the rule when its story enters the model."""
    if not _DOCUMENT.search(html):
        return html
    try:
        doc = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):  # nothing parseable: let the allow-list do what it can
        return html
    root = next(iter(doc.iter("article")), None)
    if root is None:
        root = doc.find("body") if doc.find("body") is not None else doc
    headings = list(root.iter("h1"))  # the first is the headline, in the header or not
    for element in [*headings[:1], *root.iter(*_FURNITURE)]:
        element.drop_tree()  # keeps the text that follows the element
    for heading in headings[1:]:
        heading.tag = "h2"
    inner = html_mod.escape(root.text or "", quote=False)
    return inner + "".join(lxml_html.tostring(child, encoding=str) for child in root)


def clean_html(html: str) -> str:
    if not html:
        return ""
    # Stripped before, because lxml and nh3 cannot take a lone surrogate (nor lxml a NUL), again after the
    # page is cut (lxml decodes character references), and after nh3, which decodes them too, so "&#1;"
    # in the input would come out as a raw U+0001.
    html = article_content(strip_unsafe(html))
    return strip_unsafe(nh3.clean(strip_unsafe(html), tags=_TAGS, attributes=_ATTRIBUTES,
                                  url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")).strip()

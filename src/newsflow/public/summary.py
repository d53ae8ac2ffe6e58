"""The summarized form the public site shows instead of a body, and the words of a story's address."""

from __future__ import annotations

import re
import unicodedata

from newsflow.model import Story, html_to_text

_WORD = re.compile(r"\S+")
_HEADING = re.compile(r"<h[1-6][\s>]", re.I)
_HEADING_BLOCK = re.compile(r"<h([1-6])[^>]*>.*?</h\1>", re.I | re.S)


def _cut(text: str, words: int) -> str:
    found = list(_WORD.finditer(text))
    if len(found) <= words:
        return text.strip()
    return text[:found[words - 1].end()].rstrip(" ,;:-—") + " …"


def _paragraphs(html: str) -> list[str]:
    """Plain-text paragraphs of body HTML, sub-headings left out."""
    return [p for p in html_to_text(_HEADING_BLOCK.sub("", html)).split("\n\n") if p.strip()]


def summarize(story: Story, words: int = 80) -> str:
    """What the public site shows instead of the body, never more than `words` words.

    The editor's summary when there is one; otherwise the leading paragraphs, and never more than half
    the body, so a short story is not given away whole under the name of a summary.
    """
    words = max(words, 1)
    if story.summary:
        return _cut(story.summary, words)
    everything = _paragraphs(story.body_html)
    if not everything:
        return ""
    # the lead is what comes before the first sub-heading, and never the body's last paragraph
    before = _HEADING.split(story.body_html, maxsplit=1)[0]
    lead = _paragraphs(before) if before.strip() else []
    if not lead or lead == everything:
        lead = everything[:-1] or everything
    total = sum(len(_WORD.findall(p)) for p in everything)
    budget = min(words, max(total // 2, 1))
    out: list[str] = []
    used = 0
    for paragraph in lead:
        count = len(_WORD.findall(paragraph))
        if used + count > budget:
            if not out:  # the first paragraph alone is over budget: cut it
                out.append(_cut(paragraph, budget - used))
            break
        out.append(paragraph)
        used += count
    return "\n\n".join(out)


def slug(headline: str, limit: int = 80) -> str:
    """URL words of a headline; letters of every script are kept (Arabic and Turkish stay readable)."""
    text = unicodedata.normalize("NFKC", headline).casefold()
    words = re.findall(r"\w+", text)
    out = "-".join(words)[:limit].strip("-")
    return out or "story"

"""Story HTML is sanitized once, when it enters the model: an allow-list, no scripts, no handlers.

Text is also kept to what XML 1.0 can carry (`first_unsafe`, `strip_unsafe`): every format Newsflow
writes is XML or must be convertible to it, and one character an XML writer refuses would make the
story impossible to deliver in NITF, NewsML-G2, Atom or RSS.
"""

from __future__ import annotations

import re

import nh3

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


def clean_html(html: str) -> str:
    if not html:
        return ""
    # Stripped on both sides: before, because nh3 cannot take a lone surrogate; after, because it decodes
    # character references, so "&#1;" in the input would come out as a raw U+0001.
    return strip_unsafe(nh3.clean(strip_unsafe(html), tags=_TAGS, attributes=_ATTRIBUTES,
                                  url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")).strip()

"""Story HTML is sanitized once, when it enters the model: an allow-list, no scripts, no handlers."""

from __future__ import annotations

import nh3

_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "sub", "sup", "br", "hr",
    "ul", "ol", "li", "blockquote", "q", "cite", "a", "figure", "figcaption", "table", "thead", "tbody",
    "tr", "th", "td", "abbr", "span", "pre", "code",
}
_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"},
               "th": {"colspan", "rowspan", "scope"}, "*": {"lang", "dir"}}


def clean_html(html: str) -> str:
    if not html:
        return ""
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer").strip()

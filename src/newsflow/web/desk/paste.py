"""HTML pasted into the desk editor, made into body HTML.

Word and Google Docs put meaning in places the sanitizer (newsflow/sanitize.py) rightly throws away:
bold and italic in `style` attributes, Word's lists as paragraphs with `mso-list` styles and a bullet
typed in a hidden span, Docs' whole paste wrapped in a `<b>` that is not bold. `office_to_semantic`
turns those into the tags they mean and removes the tools' furniture; `clean_paste` then hands the
result to the same `clean_html` every story body goes through on its way into the model, so what the
editor shows after a paste is what the server would keep on save.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from newsflow.sanitize import clean_html, strip_unsafe

# Elements that are the clipboard page's, never the text's.
_DROP = ("head", "title", "style", "script", "meta", "link", "xml", "template")
# A Word list item's marker: a number or letter with its stop is an ordered list, anything else a bullet.
_ORDERED_MARKER = re.compile(r"^\(?[0-9a-zA-Z]{1,4}[.)]")
_BOLD = re.compile(r"(?:^|;)font-weight:(bold|bolder|[6-9]00)")
_NOT_BOLD = re.compile(r"(?:^|;)font-weight:(normal|lighter|[1-4]00)")
_ITALIC = re.compile(r"(?:^|;)font-style:(italic|oblique)")
_EMPTY = re.compile(r"^[\s\u00a0]*$")


def _style(element: etree._Element) -> str:
    return re.sub(r"\s+", "", str(element.get("style") or "")).lower()


def _styled_by_a_tool(element: etree._Element) -> bool:
    """Word and Docs put a style (or Word an Mso class) on every element they write."""
    return bool(element.get("style")) or str(element.get("class") or "").startswith("Mso")


def _word_lists(body: etree._Element) -> None:
    """Word's list paragraphs (style `mso-list:l0 level1 lfo1`) as `<ul>`/`<ol>` of `<li>`, one list
    for each run of them (levels are flattened: the body model has no nested lists to speak of)."""
    current: etree._Element | None = None
    for p in list(body.iter("p")):
        style = _style(p)
        if "mso-list:" not in style or "mso-list:ignore" in style:
            current = None
            continue
        marker = next((m for m in p.iter("span") if "mso-list:ignore" in _style(m)), None)
        ordered = bool(marker is not None and _ORDERED_MARKER.match((marker.text_content() or "").strip()))
        tag = "ol" if ordered else "ul"
        previous = p.getprevious()
        if current is None or previous is not current or current.tag != tag:
            current = etree.Element(tag)
            p.addprevious(current)
        p.tag = "li"
        current.append(p)  # moves it (its tail stays where it was)


def office_to_semantic(html: str) -> str:
    """`html` (a clipboard's HTML, a whole document or a fragment) with the office tools' styling made
    into tags and their furniture removed; not yet sanitized."""
    if _EMPTY.match(html):
        return ""
    try:
        doc = lxml_html.document_fromstring(strip_unsafe(html))
    except (etree.ParserError, ValueError):
        return html  # nothing lxml can read: the sanitizer does what it can
    body = doc.find("body")
    if body is None:
        body = doc
    for element in [*body.iter(*_DROP)]:
        element.drop_tree()
    for comment in [*body.iter(etree.Comment)]:  # conditional comments, StartFragment markers
        comment.drop_tree()
    _word_lists(body)
    for element in list(body.iter()):
        if not isinstance(element.tag, str):
            continue
        style = _style(element)
        if "mso-list:ignore" in style or "Apple-interchange-newline" in str(element.get("class") or ""):
            element.drop_tree()  # a Word list's typed bullet, a Docs trailing line break
            continue
        tag = element.tag
        if tag in ("b", "strong") and _NOT_BOLD.search(style):
            element.drop_tag()  # Docs wraps the whole paste in <b style="font-weight:normal">
            continue
        if tag in ("span", "font"):
            bold, italic = _BOLD.search(style), _ITALIC.search(style)
            if bold or italic:
                element.tag = "strong" if bold else "em"
                if bold and italic:
                    inner = etree.Element("em")
                    inner.text, element.text = element.text, None
                    for child in list(element):
                        inner.append(child)
                    element.append(inner)
                for name in list(element.attrib):
                    del element.attrib[name]
                continue
            if element.attrib and not _styled_by_a_tool(element):
                continue  # a writer's own <span lang="fr">
            element.drop_tag()
            continue
        if tag == "h1":
            element.tag = "h2"  # a body's headings start at h2; the headline is the story's h1
        if _styled_by_a_tool(element):
            for name in ("style", "class", "dir", "lang", "role", "id"):
                element.attrib.pop(name, None)
    for element in [*body.iter("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote")]:
        if _EMPTY.match(element.text_content()) and not len(element.findall(".//br")):
            element.drop_tree()  # Word's spacer paragraphs (<o:p>&nbsp;</o:p>)
    for p in [*body.iter("p")]:
        parent = p.getparent()
        if parent is not None and parent.tag == "li":
            p.drop_tag()  # Docs writes <li><p role=presentation>…</p></li>
    inner = lxml_html.tostring(body, encoding=str)
    return re.sub(r"^<body[^>]*>|</body>$", "", inner.strip())


def clean_paste(html: str) -> str:
    """Pasted HTML as the body HTML the server would store: office styling made semantic, then the
    story sanitizer."""
    return clean_html(office_to_semantic(html))

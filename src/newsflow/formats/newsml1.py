"""IPTC NewsML 1.x (1.2 as AFP sends it): read each NewsItem of a NewsML document as a story version.

What is read, and from where:

- guid: `PublicIdentifier` without its trailing `:{RevisionId}` (a NewsML URN names one revision;
  the story is the URN without it), else `urn:newsml:{ProviderId}:{DateId}:{NewsItemId}`.
  version: `RevisionId`.
- first_published / version_created: `NewsManagement/FirstCreated` / `ThisRevisionCreated` (ISO 8601
  basic format, e.g. `20140829T134951+0000`), falling back to the envelope's `DateAndTime`.
- pubstatus: `Status` (Usable, Withheld, Canceled; Embargoed is usable with the embargo taken from
  `StatusWillChange/DateAndTime`). urgency: `Urgency`, else the envelope's `Priority`.
- headline, spot, byline, dateline, slugline: `NewsLines/HeadLine`, `SubHeadLine`, `ByLine`,
  `DateLine`, `SlugLine` of the first component that has them (`KeywordLine`s become keywords).
- language: `DescriptiveMetadata/Language`, else the NewsItem's `xml:lang`.
- subjects: every `SubjectCode/Subject|SubjectMatter|SubjectDetail` as an IPTC subject code
  `subj:{FormalName}` (the file carries no labels, so the name is the code); duplicates once.
- keywords: `Property FormalName="Keyword"`; places: `Location`s other than the origin (the origin is
  the dateline's place, used when there is no `DateLine`); related: `AssociatedWith@NewsItem`.
- body: the first text `ContentItem`'s `DataContent` (NITF, XHTML or plain text); photos: `ContentItem`s
  of media type Photo with an http(s) `Href`, captioned by their component's `HeadLine` / caption text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from lxml import etree
from pydantic import ValidationError

from newsflow.formats.base import FormatError
from newsflow.formats.newsmlg2 import element_html, nitf_html, parse_dt, text_html
from newsflow.formats.xmlsafe import parse_xml
from newsflow.model import Concept, Contributor, Photo, PubStatus, StoryVersion, is_language_tag


def parse(data: bytes, source: str) -> list[StoryVersion]:
    """One story version per NewsItem that holds words; a NewsML with none is an error."""
    root = parse_xml(data, source)
    if etree.QName(root).localname != "NewsML":
        raise FormatError(source, f"not NewsML 1.x: the root element is <{etree.QName(root).localname}>, "
                                  "expected NewsML", root.sourceline)
    envelope = _child(root, "NewsEnvelope")
    sent = parse_dt(_child(envelope, "DateAndTime"), source)
    priority = _int(_attr(_child(envelope, "Priority"), "FormalName"))
    items = _children(root, "NewsItem")
    if not items:
        raise FormatError(source, "the NewsML document holds no NewsItem", root.sourceline)
    return [_item(item, source, sent, priority) for item in items]


def _item(item: etree._Element, source: str, sent: datetime | None, priority: int | None) -> StoryVersion:
    ident = _child(_child(item, "Identification"), "NewsIdentifier")
    revision = _int(_text(_child(ident, "RevisionId"))) or 1
    public_id = _text(_child(ident, "PublicIdentifier"))
    if public_id:
        guid = re.sub(rf":{revision}$", "", public_id)
    else:
        parts = [_text(_child(ident, name)) for name in ("ProviderId", "DateId", "NewsItemId")]
        guid = "urn:newsml:" + ":".join(parts) if all(parts) else ""
    line = item.sourceline
    if not guid:
        raise FormatError(source, "a NewsItem needs a NewsIdentifier", line)

    management = _child(item, "NewsManagement")
    f: dict[str, Any] = {"guid": guid, "version": max(revision, 1)}
    created = parse_dt(_child(management, "ThisRevisionCreated"), source)
    first = parse_dt(_child(management, "FirstCreated"), source)
    f["version_created"] = created or first or sent
    f["first_published"] = first or f["version_created"]
    if f["version_created"] is None:
        raise FormatError(source, f"NewsItem {guid!r} has no ThisRevisionCreated or FirstCreated", line)
    status = (_attr(_child(management, "Status"), "FormalName") or "").lower()
    f["pubstatus"] = {"withheld": PubStatus.withheld, "canceled": PubStatus.canceled,
                      "cancelled": PubStatus.canceled}.get(status, PubStatus.usable)
    if status == "embargoed":
        f["embargo"] = parse_dt(_child(_child(management, "StatusWillChange"), "DateAndTime"), source)
    urgency = _int(_attr(_child(management, "Urgency"), "FormalName"))
    f["urgency"] = next((u for u in (urgency, priority) if u is not None and 1 <= u <= 9), 5)
    f["related"] = [a.get("NewsItem", "").strip() for a in _children(management, "AssociatedWith")
                    if a.get("NewsItem", "").strip()][:100]

    components = list(_descendants(item, "NewsComponent"))
    _news_lines(components, f)
    _descriptive(item, components, f)
    body, photos, nitf_head = _contents(components)
    f["body_html"] = body
    f["photos"] = photos[:200]
    f["headline"] = f.get("headline") or nitf_head.get("headline") or ""
    if not f.get("spot") and nitf_head.get("spot"):
        f["spot"] = nitf_head["spot"][:2000]
    if not f.get("contributors") and nitf_head.get("byline"):
        f["contributors"] = [Contributor(name=nitf_head["byline"][:1000])]
    if not f["headline"]:
        raise FormatError(source, f"NewsItem {guid!r} has no headline", line)
    f["headline"] = f["headline"][:500]
    try:
        return StoryVersion(**f)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise FormatError(source, f"NewsItem {guid!r}: {where}: {problem['msg']}", line) from None


def _news_lines(components: list[etree._Element], f: dict[str, Any]) -> None:
    keywords: list[str] = []
    for component in components:
        lines = _child(component, "NewsLines")
        if lines is None:
            continue
        for key, name, limit in (("headline", "HeadLine", 500), ("spot", "SubHeadLine", 2000),
                                 ("dateline", "DateLine", 200), ("slugline", "SlugLine", 200)):
            value = _text(_child(lines, name))
            if value and key not in f:
                f[key] = value[:limit]
        byline = re.sub(r"^by\s+", "", _text(_child(lines, "ByLine")), flags=re.I)
        if byline and "contributors" not in f:
            f["contributors"] = [Contributor(name=byline[:1000])]
        keywords += [_text(k) for k in _children(lines, "KeywordLine") if _text(k)]
    f["_keywords"] = keywords


def _descriptive(item: etree._Element, components: list[etree._Element], f: dict[str, Any]) -> None:
    keywords: list[str] = f.pop("_keywords")
    subjects: dict[str, Concept] = {}
    places: list[Concept] = []
    language = None
    for component in components:
        meta = _child(component, "DescriptiveMetadata")
        if meta is None:
            continue
        language = language or _attr(_child(meta, "Language"), "FormalName")
        for code in _children(meta, "SubjectCode"):
            for subject in code:
                formal = (subject.get("FormalName") or "").strip() if isinstance(subject.tag, str) else ""
                if formal:
                    qcode = f"subj:{formal}"
                    subjects.setdefault(qcode, Concept(name=qcode, code=qcode))
        keywords += [p.get("Value", "").strip() for p in _children(meta, "Property")
                     if p.get("FormalName") == "Keyword" and p.get("Value", "").strip()]
        for location in _children(meta, "Location"):
            values = {p.get("FormalName"): p.get("Value", "").strip()
                      for p in _children(location, "Property")}
            name = values.get("City") or values.get("Region") or values.get("Country")
            if not name:
                continue
            if location.get("HowPresent") == "Origin":
                f.setdefault("dateline", name[:200])  # where it was filed: the dateline's place
            else:
                places.append(Concept(name=name[:1000]))
    f["language"] = _language(language or item.get("{http://www.w3.org/XML/1998/namespace}lang"))
    f["subjects"] = list(subjects.values())[:100]
    f["places"] = places[:100]
    f["keywords"] = [k[:1000] for k in dict.fromkeys(keywords)][:100]


def _contents(components: list[etree._Element]) -> tuple[str, list[Photo], dict[str, str]]:
    """The first text ContentItem's HTML (not a caption), the photos, and NITF head fields."""
    body, head = "", {}
    photos: list[Photo] = []
    for component in components:
        role = (_attr(_child(component, "Role"), "FormalName") or "").lower()
        for content in _children(component, "ContentItem"):
            media = (_attr(_child(content, "MediaType"), "FormalName") or "").lower()
            href = (content.get("Href") or "").strip()
            if media == "photo" and re.match(r"^https?://", href) and len(href) <= 2000:
                photos.append(_photo(component, href))
            elif media == "text" and not body and role != "caption":
                body, head = _data_html(_child(content, "DataContent"))
    return body, photos, head


def _photo(component: etree._Element, href: str) -> Photo:
    title = _text(_child(_child(component, "NewsLines"), "HeadLine")) or None
    caption = ""
    for part in _descendants(component, "NewsComponent"):
        if (_attr(_child(part, "Role"), "FormalName") or "").lower() == "caption":
            caption = " ".join(_text(data) for data in _descendants(part, "DataContent"))
    credit = _text(_child(_child(component, "NewsLines"), "CreditLine"))
    return Photo(href=href, title=title[:500] if title else None, caption=caption[:4000], credit=credit[:500])


def _data_html(data: etree._Element | None) -> tuple[str, dict[str, str]]:
    if data is None:
        return "", {}
    root = next((el for el in data if isinstance(el.tag, str)), None)
    if root is None:
        return text_html(data.text or ""), {}
    name = etree.QName(root).localname.lower()
    if name == "nitf":
        return nitf_html(root)
    body = next((el for el in root.iter() if isinstance(el.tag, str)
                 and etree.QName(el).localname.lower() == "body"), None)
    return element_html(body if body is not None else data), {}


def _language(tag: str | None) -> str:
    if tag:
        parts = tag.strip().replace("_", "-").split("-")
        tag = "-".join([parts[0].lower(), *parts[1:]])
        if is_language_tag(tag):
            return tag
    return "en"


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    if el is None:
        return []
    return [child for child in el if isinstance(child.tag, str) and etree.QName(child).localname == name]


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _descendants(el: etree._Element, name: str) -> Iterator[etree._Element]:
    return (d for d in el.iter() if isinstance(d.tag, str) and etree.QName(d).localname == name)


def _attr(el: etree._Element | None, name: str) -> str | None:
    return el.get(name) if el is not None else None


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _int(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None

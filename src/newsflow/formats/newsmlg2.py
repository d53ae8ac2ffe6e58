"""IPTC NewsML-G2 2.35: a story version as a newsItem or a newsMessage, and G2 from the wires.

How the model maps to G2 (the renderer writes this; the parser reads it back exactly):

- guid: `newsItem@guid` = `urn:newsml:{host}:{YYYYMMDD}:{guid}` (RFC 3085) for our date-prefixed
  guids; a guid holding a `:` (another provider's URI) or without a date prefix is written as it is.
  The parser turns our URN shape back into the bare guid. version: `@version`.
- first_published / version_created: `itemMeta/firstCreated` / `versionCreated` (repeated as
  `contentMeta/contentCreated` / `contentModified`).
- pubstatus: `itemMeta/pubStatus` `stat:usable` / `stat:withheld` / `stat:canceled`; embargo:
  `itemMeta/embargoed`; editor_note: `itemMeta/edNote`.
- is_correction: `itemMeta/signal qcode="sig:correction"` (`sig:update` marks other updates).
- translation_group: `itemMeta/memberOf qcode="nftrans:…"`, the set of items that translate each other.
- related: `itemMeta/link rel="irel:seeAlso"`, `residref` = the item's G2 guid, `href` = its API URL.
- photos: `itemMeta/link rel="irel:associatedWith"` to the picture, with hints about the target inside
  (the Link1Type extension point): `itemClass ninat:picture`, `title`, `description
  role="drol:caption"`, `description role="nfdesc:alt"`, `creditline`. A stored photo links to its
  original rendition and carries its media id in `residref`, which the parser recognises.
- urgency: `contentMeta/urgency`.
- contributors: `creator` (reporter, writer, photographer, videographer, producer) or `contributor`
  (editor, translator), in model order, `role="nfrole:{role}"`, the place as
  `related rel="nfrel:filedFrom"`; the byline is also written as `by`.
- public: `contentMeta/audience qcode="nfaud:public"` for stories in the public portion.
- language: `contentMeta/language@tag` plus `xml:lang` (and `dir="rtl"` for right-to-left scripts)
  on the item and on the XHTML.
- keywords: `keyword`. subjects / places / people / organisations: `subject` with `type`
  `cpnat:abstract` / `cpnat:geoArea` / `cpnat:person` / `cpnat:organisation`, a `name`, and the code
  as `qcode` (IPTC schemes), `uri` (absolute URIs) or else `literal`.
- categories / dossier: `subject qcode="nfcat:…"` / `nfdossier:…` (percent-encoded, since a qcode
  cannot hold spaces; the `name` child holds the text).
- slugline, headline, dateline: the elements of those names.
- spot / summary: `description role="drol:summary"` / `description role="nfdesc:publicSummary"`.
- body_html: `contentSet/inlineXML contenttype="application/xhtml+xml"`, an XHTML `html` document.

Every `nf…` scheme alias is declared in an inline `<catalog>` whose scheme URIs live under the
context's `base_url` (`/cv/…`); IPTC aliases come from the IPTC catalog via `catalogRef`. A
concept code whose scheme we cannot declare is written as `literal` so no undeclared alias leaks.

The parser is lenient where real wires deviate: element names are matched by local name and case
(some wires put NITF or XHTML in the G2 namespace or capitalise `Header`), timestamps may be padded,
lack a zone (taken as UTC) or use `+0100`; content may be XHTML, NITF or plain text `inlineData`.
Single-line and block texts are whitespace-normalised (pretty-printing is not content), so line
breaks inside captions or notes are not preserved.

Items in a newsMessage: every packageItem's referenced items that are inline in the message are
read; in a package that holds a text item, its picture items become that story's photos and its
video/audio items are dropped (the model holds neither). Items no package references are read on
their own; a media item with no words at all is skipped. A packageItem whose items are not inline
(alone, or in a message without them) becomes a story of its own when it has a headline or a
description (its item references become `related`), else yields nothing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html
from pydantic import ValidationError

from newsflow.formats.base import FormatError, RenderContext, clip
from newsflow.formats.g2xml import (
    NAR,
)
from newsflow.formats.g2xml import (
    attr as _attr,
)
from newsflow.formats.g2xml import (
    child as _child,
)
from newsflow.formats.g2xml import (
    children as _children,
)
from newsflow.formats.g2xml import (
    code as _code,
)
from newsflow.formats.g2xml import (
    first as _first,
)
from newsflow.formats.g2xml import (
    integer as _int,
)
from newsflow.formats.g2xml import (
    kids as _kids,
)
from newsflow.formats.g2xml import (
    local as _local,
)
from newsflow.formats.g2xml import (
    q as _q,
)
from newsflow.formats.g2xml import (
    split_qcode as _split_qcode,
)
from newsflow.formats.g2xml import (
    sub as _sub,
)
from newsflow.formats.g2xml import (
    text as _text,
)
from newsflow.formats.xmlsafe import parse_xml
from newsflow.model import Concept, Contributor, Photo, PubStatus, Role, StoryVersion, is_language_tag, utcnow

XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STANDARD_VERSION = "2.35"
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"
NEWSITEM_TYPE = "application/vnd.iptc.g2.newsitem+xml"

# Newsflow's own schemes: alias -> (path under {base_url}/cv/, what it names).
OWN_SCHEMES: dict[str, tuple[str, str]] = {
    "nfcat": ("category", "Newsflow categories (sections)"),
    "nfdossier": ("dossier", "Newsflow dossiers: running topics grouping stories"),
    "nftrans": ("translation-group", "Newsflow translation groups: the same story in other languages"),
    "nfrole": ("contributor-role", "Newsflow contributor roles"),
    "nfrel": ("relation", "Newsflow relations"),
    "nfdesc": ("description-role", "Newsflow description roles"),
    "nfaud": ("audience", "Newsflow audiences"),
}
# IPTC catalog aliases a Concept code may use as a qcode without an inline declaration.
IPTC_CONCEPT_ALIASES = frozenset({"subj", "medtop", "iso3166-1a2", "iso3166-1a3", "genre", "cpnat"})
CREATOR_ROLES = frozenset({Role.reporter, Role.writer, Role.photographer, Role.videographer, Role.producer})
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"})
MEDIA_CLASSES = frozenset({"picture", "graphic", "video", "audio"})

_QCODE = re.compile(r"^[^\s:]+:\S+$")
_URI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|urn:|tag:)\S+$")
_OUR_URN = re.compile(r"^urn:newsml:[^:]+:(\d{8}):(\1-[^:\s]+)$")
_DATED_GUID = re.compile(r"^(\d{8})-[^:\s]+$")
_HTMLISH = re.compile(r"<\s*(p|br|div|h[1-6])[\s/>]", re.I)


# ---------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------

def render_item(version: StoryVersion, ctx: RenderContext) -> bytes:
    """One newsItem, UTF-8 with an XML declaration; valid against the NewsItem 2.35 XSD."""
    return _serialize(_build_item(version, ctx))


def render_message(versions: list[StoryVersion], ctx: RenderContext) -> bytes:
    """A newsMessage whose itemSet carries one newsItem per version, built by the same code."""
    if not versions:
        raise ValueError("a newsMessage needs at least one item")
    message = etree.Element(_q("newsMessage"), nsmap={None: NAR})
    header = _sub(message, "header")
    _sub(header, "sent", _dt(utcnow()))
    _sub(header, "sender", _host(ctx))
    item_set = _sub(message, "itemSet")
    bodies: list[tuple[etree._Element, StoryVersion]] = []
    for version in versions:
        item, body = _build_item_parts(version, ctx)
        item_set.append(item)
        bodies.append((body, version))
    # Indent the G2 structure only: whitespace added inside the XHTML body would change the story.
    etree.indent(message, space="  ")
    for body, version in bodies:
        _fill_body(body, version.body_html)
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8")


def _serialize(item: etree._Element) -> bytes:
    return etree.tostring(item, xml_declaration=True, encoding="UTF-8")


def _build_item(version: StoryVersion, ctx: RenderContext) -> etree._Element:
    item, body = _build_item_parts(version, ctx)
    etree.indent(item, space="  ")
    _fill_body(body, version.body_html)
    return item


def _build_item_parts(v: StoryVersion, ctx: RenderContext) -> tuple[etree._Element, etree._Element]:
    """The newsItem and its (still empty) XHTML body, filled after indenting."""
    item = etree.Element(_q("newsItem"), nsmap={None: NAR})
    item.set("guid", item_guid(v.guid, ctx))
    item.set("version", str(v.version))
    item.set("standard", "NewsML-G2")
    item.set("standardversion", STANDARD_VERSION)
    item.set("conformance", "power")
    _set_lang(item, v.language)

    _sub(item, "catalogRef", href=IPTC_CATALOG)
    catalog = _sub(item, "catalog")
    for alias, (path, title) in OWN_SCHEMES.items():
        scheme = _sub(catalog, "scheme", alias=alias, uri=f"{ctx.base_url.rstrip('/')}/cv/{path}/")
        _sub(scheme, "name", title)

    rights = _sub(item, "rightsInfo")
    holder = _sub(rights, "copyrightHolder", uri=ctx.provider_uri or None)
    _sub(holder, "name", ctx.provider)

    _item_meta(_sub(item, "itemMeta"), v, ctx)
    _content_meta(_sub(item, "contentMeta"), v)

    content_set = _sub(item, "contentSet")
    inline = _sub(content_set, "inlineXML", contenttype="application/xhtml+xml")
    page = etree.SubElement(inline, f"{{{XHTML}}}html", nsmap={None: XHTML})
    page.set("lang", v.language)
    _set_lang(page, v.language)
    head = etree.SubElement(page, f"{{{XHTML}}}head")
    etree.SubElement(head, f"{{{XHTML}}}title").text = v.headline
    body = etree.SubElement(page, f"{{{XHTML}}}body")
    return item, body


def _item_meta(meta: etree._Element, v: StoryVersion, ctx: RenderContext) -> None:
    # Element order follows the XSD's ItemManagementGroup sequence.
    _sub(meta, "itemClass", qcode="ninat:text")
    provider = _sub(meta, "provider", uri=ctx.provider_uri or None)
    _sub(provider, "name", ctx.provider)
    _sub(meta, "versionCreated", _dt(v.version_created))
    _sub(meta, "firstCreated", _dt(v.first_published))
    if v.embargo is not None:
        _sub(meta, "embargoed", _dt(v.embargo))
    _sub(meta, "pubStatus", qcode=f"stat:{v.pubstatus.value}")
    if v.editor_note:
        _sub(meta, "edNote", v.editor_note)
    if v.translation_group:
        _sub(meta, "memberOf", qcode=_own_qcode("nftrans", v.translation_group))
    if v.is_correction:
        _sub(meta, "signal", qcode="sig:correction")
    elif v.version > 1:
        _sub(meta, "signal", qcode="sig:update")
    for rank, photo in enumerate(v.photos, start=1):
        _photo_link(meta, photo, rank, ctx)
    for guid in v.related:
        link = _sub(meta, "link", rel="irel:seeAlso", residref=item_guid(guid, ctx), href=ctx.item_uri(guid),
                    contenttype=NEWSITEM_TYPE)
        _sub(link, "itemClass", qcode="ninat:text")


def _photo_link(meta: etree._Element, photo: Photo, rank: int, ctx: RenderContext) -> None:
    if photo.media_id:
        record = ctx.media(photo.media_id) or {}
        original = (record.get("renditions") or {}).get("original") or {}
        contenttype = original.get("mimetype") or record.get("content_type")
        link = _sub(meta, "link", rel="irel:associatedWith", rank=str(rank),
                    href=ctx.rendition_href(photo.media_id, "original"), residref=photo.media_id,
                    contenttype=contenttype)
    else:
        link = _sub(meta, "link", rel="irel:associatedWith", rank=str(rank), href=photo.href)
    # Hints: properties of the linked picture item, as the Link1Type extension point allows.
    _sub(link, "itemClass", qcode="ninat:picture")
    if photo.title:
        _sub(link, "title", photo.title)
    if photo.caption:
        _sub(link, "description", photo.caption, role="drol:caption")
    if photo.alt:
        _sub(link, "description", photo.alt, role="nfdesc:alt")
    if photo.credit:
        _sub(link, "creditline", photo.credit)


def _content_meta(meta: etree._Element, v: StoryVersion) -> None:
    # Administrative group first (urgency, times, parties, audience), then descriptive properties.
    _sub(meta, "urgency", str(v.urgency))
    _sub(meta, "contentCreated", _dt(v.first_published))
    _sub(meta, "contentModified", _dt(v.version_created))
    for person in v.contributors:
        tag = "creator" if person.role in CREATOR_ROLES else "contributor"
        party = _sub(meta, tag, role=f"nfrole:{person.role.value}")
        _sub(party, "name", person.name)
        if person.place:
            related = _sub(party, "related", rel="nfrel:filedFrom")
            _sub(related, "name", person.place)
    if v.public:
        _sub(meta, "audience", qcode="nfaud:public")
    _sub(meta, "language", tag=v.language)
    for word in v.keywords:
        _sub(meta, "keyword", word)
    for kind, concepts in (("cpnat:abstract", v.subjects), ("cpnat:geoArea", v.places),
                           ("cpnat:person", v.people), ("cpnat:organisation", v.organisations)):
        for concept in concepts:
            subject = _sub(meta, "subject", type=kind, **_code_attrs(concept.code))
            _sub(subject, "name", concept.name)
    for category in v.categories:
        subject = _sub(meta, "subject", type="cpnat:abstract", qcode=_own_qcode("nfcat", category))
        _sub(subject, "name", category)
    if v.dossier:
        subject = _sub(meta, "subject", type="cpnat:abstract", qcode=_own_qcode("nfdossier", v.dossier))
        _sub(subject, "name", v.dossier)
    if v.slugline:
        _sub(meta, "slugline", v.slugline)
    _sub(meta, "headline", v.headline)
    if v.dateline:
        _sub(meta, "dateline", v.dateline)
    if v.byline:
        _sub(meta, "by", v.byline)
    if v.spot:
        _sub(meta, "description", v.spot, role="drol:summary")
    if v.summary:
        _sub(meta, "description", v.summary, role="nfdesc:publicSummary")


def _fill_body(body: etree._Element, body_html: str) -> None:
    """Sanitized body HTML into the XHTML body (HTML fragments parsed as HTML, not XML)."""
    if not body_html.strip():
        return
    for fragment in lxml_html.fragments_fromstring(body_html):
        if isinstance(fragment, str):  # only the first fragment can be loose text
            body.text = (body.text or "") + fragment
            continue
        for node in fragment.iter():
            if isinstance(node.tag, str):
                node.tag = f"{{{XHTML}}}{node.tag}"
        body.append(fragment)


def _code_attrs(code: str | None) -> dict[str, str]:
    if not code:
        return {}
    if _URI.match(code):
        return {"uri": code}
    alias = code.split(":", 1)[0]
    if _QCODE.match(code) and (alias in IPTC_CONCEPT_ALIASES or alias in OWN_SCHEMES):
        return {"qcode": code}
    return {"literal": code}  # a scheme we cannot declare: keep the code without an undeclared alias


def _own_qcode(alias: str, value: str) -> str:
    return f"{alias}:{quote(value, safe='')}"


def item_guid(guid: str, ctx: RenderContext) -> str:
    """The G2 guid of one of our stories (see the module docstring)."""
    dated = _DATED_GUID.match(guid)
    if dated is None:
        return guid
    return f"urn:newsml:{_host(ctx)}:{dated.group(1)}:{guid}"


def _host(ctx: RenderContext) -> str:
    return urlsplit(ctx.base_url).hostname or "localhost"


def _set_lang(element: etree._Element, language: str) -> None:
    element.set(XML_LANG, language)
    if language.split("-")[0].lower() in RTL_LANGUAGES:
        element.set("dir", "rtl")


def _dt(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------

_ROLE_HINTS: tuple[tuple[str, Role], ...] = (
    ("phot", Role.photographer), ("video", Role.videographer), ("camera", Role.videographer),
    ("transl", Role.translator), ("writ", Role.writer), ("edit", Role.editor), ("lasted", Role.editor),
    ("produc", Role.producer), ("report", Role.reporter), ("author", Role.reporter),
)
_SPOT_ROLES = frozenset({"summary", "abstract", "intro", "teaser", "lead", "standfirst"})
_HTML_SKIP = frozenset({"head", "header", "title", "script", "style", "media", "body.head",
                        "nitf-table-metadata", "meta", "link", "noscript"})
_HTML_UNWRAP = frozenset({"body", "body.content", "body.end", "block", "section", "article", "main", "div",
                          "html"})
_HTML_RENAME = {"hl1": "h2", "hl2": "h2"}
_HTML_VOID = frozenset({"br", "hr"})
_HTML_ATTRS = frozenset({"href", "title", "colspan", "rowspan", "scope", "lang", "dir"})


@dataclass
class _Header:
    """What a newsMessage header lends its items when they lack it."""

    priority: int | None = None
    sent: datetime | None = None


@dataclass
class _Read:
    """One G2 item read into model fields, before the story is validated."""

    element: etree._Element
    guid: str
    item_class: str
    fields: dict[str, Any]
    has_text: bool
    media_photos: list[Photo] = field(default_factory=list)

    @property
    def has_words(self) -> bool:
        return bool(self.fields.get("headline")) or self.has_text


def parse(data: bytes, source: str) -> list[StoryVersion]:
    """Stories from a NewsML-G2 newsItem, packageItem or newsMessage (see the module docstring)."""
    root = parse_xml(data, source)
    name = _local(root)
    namespace = etree.QName(root).namespace
    if namespace not in (None, NAR) or name not in ("newsitem", "newsmessage", "packageitem"):
        raise FormatError(source, f"not NewsML-G2: the root element is <{etree.QName(root).localname}>, "
                                  "expected newsItem, packageItem or newsMessage", root.sourceline)
    if name == "newsitem":
        return [_story(_read_item(root, source, _Header()), source)]
    if name == "packageitem":
        return _lone_package(root, source, _Header())
    return _read_message(root, source)


def _read_message(root: etree._Element, source: str) -> list[StoryVersion]:
    header = _Header()
    head = _child(root, "header")
    if head is not None:
        header.priority = _int(_text(_child(head, "priority")))
        header.sent = parse_dt(_child(head, "sent"), source)
    item_set = _child(root, "itemSet")
    members = [el for el in (item_set if item_set is not None else []) if isinstance(el.tag, str)]
    news_items = [_read_item(el, source, header) for el in members if _local(el) == "newsitem"]
    packages = [el for el in members if _local(el) == "packageitem"]
    if not news_items and not packages:
        raise FormatError(source, "the newsMessage holds no newsItem or packageItem", root.sourceline)

    by_guid: dict[str, _Read] = {}
    for read in news_items:
        by_guid.setdefault(read.element.get("guid") or "", read)
    stories: list[StoryVersion] = []
    used: set[int] = set()
    for package in packages:
        inline = [by_guid[ref] for ref in _item_refs(package)
                  if ref in by_guid and id(by_guid[ref]) not in used]
        if not inline:
            stories.extend(_lone_package(package, source, header))
            continue
        used.update(id(read) for read in inline)
        stories.extend(_package_stories(inline, source))
    for read in news_items:
        if id(read) in used:
            continue
        if read.has_words:
            stories.append(_story(read, source))
        elif read.item_class in MEDIA_CLASSES:
            continue  # a picture, video or sound with no words and no package: not a story
        else:
            raise _empty_item(read, source)
    return stories


def _package_stories(inline: list[_Read], source: str) -> list[StoryVersion]:
    """A package's inline items; pictures join the first text story, video and audio are dropped."""
    for read in inline:
        if read.item_class not in MEDIA_CLASSES and not read.has_words:
            raise _empty_item(read, source)
    texts = [read for read in inline if read.item_class not in MEDIA_CLASSES]
    if not texts:
        return [_story(read, source) for read in inline if read.has_words]
    lead = texts[0]
    for read in inline:
        if read.item_class in ("picture", "graphic"):
            lead.fields["photos"] = [*lead.fields.get("photos", []), *read.media_photos]
    return [_story(read, source) for read in texts]


def _lone_package(package: etree._Element, source: str, header: _Header) -> list[StoryVersion]:
    """A packageItem whose items are elsewhere: a story of its own if it has words, else nothing."""
    read = _read_item(package, source, header)
    if not read.fields.get("headline"):
        return []
    related = [_our_guid(ref) for ref in _item_refs(package)]
    read.fields["related"] = list(dict.fromkeys([*read.fields.get("related", []), *related]))
    return [_story(read, source)]


def _empty_item(read: _Read, source: str) -> FormatError:
    return FormatError(source, f"item {read.guid!r} has no headline and no content", read.element.sourceline)


def _read_item(item: etree._Element, source: str, header: _Header) -> _Read:
    guid = _our_guid((item.get("guid") or "").strip())
    meta = _child(item, "itemMeta")
    content = _child(item, "contentMeta")
    item_class = _code(_attr(_child(meta, "itemClass"), "qcode")).lower()
    f: dict[str, Any] = {"guid": guid, "version": max(_int(item.get("version")) or 1, 1)}

    # Times: itemMeta first, then contentMeta, then the message header.
    created = parse_dt(_child(meta, "versionCreated"), source)
    first = parse_dt(_child(meta, "firstCreated"), source)
    content_created = parse_dt(_child(content, "contentCreated"), source)
    content_modified = parse_dt(_child(content, "contentModified"), source)
    f["version_created"] = created or content_modified or first or content_created or header.sent
    f["first_published"] = first or content_created or f["version_created"]
    f["embargo"] = parse_dt(_child(meta, "embargoed"), source)
    status = _code(_attr(_child(meta, "pubStatus"), "qcode")).lower()
    f["pubstatus"] = {"withheld": PubStatus.withheld, "canceled": PubStatus.canceled,
                      "cancelled": PubStatus.canceled}.get(status, PubStatus.usable)
    notes = [_text(note) for note in _children(meta, "edNote")]
    f["editor_note"] = "\n".join(note for note in notes if note) or None
    signals = {_code(_attr(sig, "qcode")).lower() for sig in _children(meta, "signal")}
    f["is_correction"] = "correction" in signals
    for member in _children(meta, "memberOf"):
        alias, value = _split_qcode(member.get("qcode"))
        if alias == "nftrans" and value:
            f["translation_group"] = clip(unquote(value), 100)
    related, photos = _links(meta)

    language = _language(item, content)
    f["language"] = language
    f["urgency"] = _urgency(_int(_text(_child(content, "urgency"))), header.priority)
    f["public"] = any(_attr(aud, "qcode") == "nfaud:public" for aud in _children(content, "audience"))
    is_media = item_class in MEDIA_CLASSES
    f["contributors"] = _contributors(content, Role.photographer if is_media else Role.reporter)
    caption, credit = _descriptive(content, f, language, is_media)

    content_set = _child(item, "contentSet")
    body_html, nitf_head = _content_html(content_set)
    f["body_html"] = body_html
    title = f.get("headline") if is_media else None
    media_photos = _remote_photos(content_set, title, caption, credit)
    if not f.get("spot") and nitf_head.get("spot"):
        f["spot"] = clip(nitf_head["spot"], 2000)
    if not f["contributors"] and nitf_head.get("byline"):
        f["contributors"] = [Contributor(name=clip(nitf_head["byline"], 1000))]
    has_text = bool(_plain(body_html))
    # No headline: NITF or XHTML title, itemMeta title, slugline, caption, then the first sentence.
    f["headline"] = clip(f.get("headline") or nitf_head.get("headline") or _text(_child(meta, "title"))
                          or f.get("slugline") or caption or _first_line(_plain(body_html)), 500)
    f["related"] = list(dict.fromkeys(related))[:100]
    f["photos"] = [*photos, *media_photos][:200]
    return _Read(item, guid or "?", item_class, f, has_text, media_photos)


def _story(read: _Read, source: str) -> StoryVersion:
    f = read.fields
    line = read.element.sourceline
    if not f.get("headline"):
        raise _empty_item(read, source)
    if not read.guid or read.guid == "?":
        raise FormatError(source, "a NewsML-G2 item needs a guid", line)
    if f.get("version_created") is None:
        raise FormatError(source, f"item {read.guid!r} has no versionCreated", line)
    try:
        return StoryVersion(**f)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise FormatError(source, f"item {read.guid!r}: {where}: {problem['msg']}", line) from None


def _links(meta: etree._Element | None) -> tuple[list[str], list[Photo]]:
    related: list[str] = []
    photos: list[Photo] = []
    for link in _children(meta, "link"):
        rel = _code(link.get("rel")).lower()
        href = (link.get("href") or "").strip()
        residref = (link.get("residref") or link.get("guidref") or "").strip()
        hint_class = _code(_attr(_child(link, "itemClass"), "qcode")).lower()
        contenttype = (link.get("contenttype") or "").lower()
        if contenttype.startswith("image/") or hint_class in ("picture", "graphic"):
            photo = _link_photo(link, href, residref)
            if photo is not None:
                photos.append(photo)
        elif rel in ("seealso", "associatedwith") and residref:
            related.append(_our_guid(residref))
    return related, photos


def _link_photo(link: etree._Element, href: str, residref: str) -> Photo | None:
    captions = [d for d in _children(link, "description") if _code(d.get("role")).lower() != "alt"]
    alts = [d for d in _children(link, "description") if _code(d.get("role")).lower() == "alt"]
    words = dict(title=clip(_text(_child(link, "title")), 500) or None,
                 caption=clip(_text(captions[0]) if captions else "", 4000),
                 credit=clip(_text(_child(link, "creditline")), 500),
                 alt=clip(_text(alts[0]), 1000) if alts else None)
    # Our stored photos link to /media/{id}/{rendition} and carry the id in residref.
    if residref and re.search(rf"/media/{re.escape(residref)}/[^/]+$", href):
        return Photo(media_id=residref[:64], **words)
    if re.match(r"^https?://", href) and len(href) <= 2000:
        return Photo(href=href, **words)
    return None


def _remote_photos(content_set: etree._Element | None, title: str | None, caption: str,
                   credit: str) -> list[Photo]:
    """The picture in a contentSet: the largest web-reachable image rendition, with the item's words."""
    best: tuple[int, str] | None = None
    for remote in _children(content_set, "remoteContent"):
        href = (remote.get("href") or "").strip()
        kind = (remote.get("contenttype") or "").lower()
        if not re.match(r"^https?://", href) or len(href) > 2000 or (kind and not kind.startswith("image/")):
            continue
        area = (_int(remote.get("width")) or 0) * (_int(remote.get("height")) or 0)
        if best is None or area > best[0]:
            best = (area, href)
    if best is None:
        return []
    return [Photo(href=best[1], title=clip(title, 500) or None, caption=clip(caption, 4000),
                  credit=clip(credit, 500))]


def _language(item: etree._Element, content: etree._Element | None) -> str:
    for candidate in (_attr(_child(content, "language"), "tag"), item.get(XML_LANG)):
        if candidate:
            parts = candidate.strip().replace("_", "-").split("-")
            tag = "-".join([parts[0].lower(), *parts[1:]])
            if is_language_tag(tag):
                return tag
    return "en"


def _urgency(value: int | None, priority: int | None) -> int:
    for candidate in (value, priority):
        if candidate is not None and 1 <= candidate <= 9:
            return candidate
    return 5


def _contributors(content: etree._Element | None, by_role: Role) -> list[Contributor]:
    """creator and contributor parties in order (one per name); else the `by` line in `by_role`."""
    people: list[Contributor] = []
    seen: set[str] = set()
    for party in _kids(content):
        kind = _local(party)
        if kind not in ("creator", "contributor"):
            continue
        name = _concept_name(party, None) or (party.get("literal") or "").strip()
        if not name or name.lower() in seen:
            continue
        seen.add(name.lower())
        place = None
        for related in _children(party, "related"):
            if _code(related.get("rel")).lower() == "filedfrom":
                place = _concept_name(related, None) or related.get("literal")
        people.append(Contributor(name=clip(name, 1000), role=_role(party.get("role"), kind),
                                  place=clip(place, 200) if place else None))
    # The `by` line names the author when no creator is named (e.g. a photographer known by code only).
    by = re.sub(r"^by\s+", "", _text(_child(content, "by")), flags=re.I)
    creators = [party for party in _children(content, "creator")
                if _concept_name(party, None) or party.get("literal")]
    if by and not creators and by.lower() not in seen:
        people.insert(0, Contributor(name=clip(by, 1000), role=by_role))
    return people[:50]


def _role(qcodes: str | None, kind: str) -> Role:
    for qcode in (qcodes or "").split():
        alias, code = _split_qcode(qcode)
        code = code.lower()
        if alias == "nfrole" and code in Role.__members__:
            return Role(code)
        for needle, role in _ROLE_HINTS:
            if needle in code:
                return role
    return Role.reporter if kind == "creator" else Role.editor


def _descriptive(content: etree._Element | None, f: dict[str, Any], language: str,
                 is_media: bool) -> tuple[str, str]:
    """Descriptive properties into `f`; returns the caption and creditline for a picture."""
    keywords: list[str] = []
    buckets: dict[str, list[Concept]] = {"subjects": [], "places": [], "people": [], "organisations": []}
    categories: list[str] = []
    descriptions: list[tuple[str, str]] = []
    credit = ""
    for el in _kids(content):
        kind, text = _local(el), _text(el)
        if kind == "subject":
            _subject(el, language, buckets, categories, f)
        elif not text:
            continue
        elif kind == "keyword":
            keywords.append(clip(text, 1000))
        elif kind == "headline" and "sub" not in (el.get("role") or "").lower():
            f.setdefault("headline", text)  # the first main headline; sub-headlines are not the headline
        elif kind in ("slugline", "dateline"):
            f.setdefault(kind, clip(text, 200))
        elif kind == "creditline":
            credit = credit or text
        elif kind == "description":
            descriptions.append((el.get("role") or "", text))
    if "dateline" not in f:
        # located is where the content was created: the dateline's place when no dateline is given.
        located = _child(content, "located")
        place = _concept_name(located, language) or (_attr(located, "literal") or "").strip()
        if place:
            f["dateline"] = clip(place, 200)
    f["keywords"] = list(dict.fromkeys(keywords))[:100]
    for name, concepts in buckets.items():
        f[name] = list({(c.name, c.code): c for c in concepts}.values())[:100]
    f["categories"] = list(dict.fromkeys(categories))[:20]

    roles = [(role, _code(role).lower(), text) for role, text in descriptions]
    summary = next((text for role, _, text in roles if role == "nfdesc:publicSummary"), None)
    spot = next((text for _, code, text in roles if code in _SPOT_ROLES), None)
    roleless = next((text for role, _, text in roles if not role), None)
    caption = next((text for _, code, text in roles if "caption" in code), None)
    if spot is None:
        # A text's plain description is its summary; a picture's caption is the words shown in lists.
        spot = (caption or roleless) if is_media else roleless
    if summary:
        f["summary"] = clip(summary, 4000)
    if spot:
        f["spot"] = clip(spot, 2000)
    return caption or roleless or spot or "", credit


def _subject(el: etree._Element, language: str, buckets: dict[str, list[Concept]], categories: list[str],
             f: dict[str, Any]) -> None:
    qcode = (el.get("qcode") or "").strip()
    alias, value = _split_qcode(qcode)
    name = _concept_name(el, language)
    if alias == "nfcat":
        categories.append(clip(name or unquote(value), 1000))
        return
    if alias == "nfdossier":
        f["dossier"] = clip(name or unquote(value), 200)
        return
    literal = (el.get("literal") or "").strip()
    uri = (el.get("uri") or "").strip()
    # A literal is the code when a name is given (how we write undeclarable codes), else the name.
    code = qcode or uri or (literal if name else "") or None
    name = name or literal or qcode or uri
    if not name:
        return
    kind = _code(el.get("type")).lower()
    bucket = {"geoarea": "places", "poi": "places", "person": "people", "organisation": "organisations",
              "organization": "organisations"}.get(kind, "subjects")
    buckets[bucket].append(Concept(name=clip(name, 1000), code=code[:300] if code else None))


def _concept_name(el: etree._Element | None, language: str | None) -> str | None:
    """The concept's display name: the item's language if labelled, skipping short/mnemonic names."""
    names = [n for n in _children(el, "name") if _text(n)]
    if not names:
        return None
    plain = [n for n in names if not re.search(r"short|mnemonic", n.get("role") or "", re.I)] or names
    if language:
        wanted = language.split("-")[0]
        for n in plain:
            if (n.get(XML_LANG) or "").split("-")[0].lower() == wanted:
                return _text(n)
    return _text(plain[0])


def _content_html(content_set: etree._Element | None) -> tuple[str, dict[str, str]]:
    """Body HTML from the first usable inlineXML (XHTML or NITF) or inlineData, plus NITF head fields."""
    for node in _kids(content_set):
        kind = _local(node)
        if kind == "inlinexml":
            root = next(_kids(node), None)
            if root is None:
                continue
            if _local(root) == "nitf":
                body, head = _nitf(root)
                if body or head:
                    return body, head
                continue
            body_el = root if _local(root) == "body" else _first(root, "body")
            title = _first(root, "title")
            markup = (_inner_html(body_el) if body_el is not None else _inner_html(node)).strip()
            if _plain(markup):
                return markup, {"headline": _text(title)} if _text(title) else {}
        elif kind == "inlinedata" and node.get("encoding") is None:
            data = node.text or ""
            kind_of = (node.get("contenttype") or "text/plain").lower()
            if not data.strip():
                continue
            return text_html(data, html_given="html" in kind_of), {}
    return "", {}


def nitf_html(nitf: etree._Element) -> tuple[str, dict[str, str]]:
    """Body HTML and head fields (headline, spot, byline) of an NITF document in any namespace."""
    return _nitf(nitf)


def _nitf(nitf: etree._Element) -> tuple[str, dict[str, str]]:
    head: dict[str, str] = {}
    found = {_local(el): el for el in reversed(list(nitf.iter())) if isinstance(el.tag, str)}
    headline = _text(found.get("hl1")) or _text(found.get("title"))
    if headline:
        head["headline"] = headline
    abstract = _text(found.get("abstract"))
    if abstract:
        head["spot"] = abstract
    byline = found.get("byline")
    if byline is not None:
        person = _text(_child(byline, "person"))
        if not person:
            parts = [byline.text or ""] + [child.tail or "" for child in byline]
            person = " ".join(" ".join(parts).split()).rstrip(",")
        person = re.sub(r"^by\s*", "", person, flags=re.I).strip(" ,")
        if person:
            head["byline"] = person
    content = found.get("body.content")
    return (_inner_html(content).strip() if content is not None else ""), head


def text_html(data: str, html_given: bool = False) -> str:
    """Body HTML from wire text: HTML as it is (wires label HTML text/plain too), else one <p> a block."""
    if html_given or _HTMLISH.search(data):
        return data.strip()
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", data)]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)


def element_html(el: etree._Element | None) -> str:
    """The HTML inside an XHTML or NITF element, in any namespace (shared with newsml1)."""
    return _inner_html(el).strip()


def _inner_html(el: etree._Element | None) -> str:
    if el is None:
        return ""
    parts = [html.escape(el.text or "", quote=False)]
    for child in el:
        parts.append(_outer_html(child))
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def _outer_html(el: etree._Element) -> str:
    """HTML for one XHTML/NITF element: known tags kept, wrappers unwrapped, the rest left to nh3."""
    if not isinstance(el.tag, str):
        return ""
    name = _local(el)
    if name in _HTML_SKIP:
        return ""
    name = _HTML_RENAME.get(name, name)
    if name in _HTML_UNWRAP:
        return _inner_html(el)
    attrs = "".join(f' {key}="{html.escape(value)}"' for key, value in el.attrib.items()
                    if key in _HTML_ATTRS)
    if name in _HTML_VOID:
        return f"<{name}{attrs}>"
    return f"<{name}{attrs}>{_inner_html(el)}</{name}>"


# ---------------------------------------------------------------------------------------------------
# Small readers shared with newsml1
# ---------------------------------------------------------------------------------------------------

def parse_datetime(text: str | None) -> datetime | None:
    """A wire timestamp: ISO 8601 (extended or basic), padded or not; no zone means UTC."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = re.sub(r"^(\d{4}-?\d{2}-?\d{2})[ t]", r"\1T", value)
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_dt(el: etree._Element | None, source: str) -> datetime | None:
    if el is None:
        return None
    try:
        return parse_datetime(el.text)
    except ValueError:
        raise FormatError(source, f"<{etree.QName(el).localname}> holds {el.text!r}, not a date and time",
                          el.sourceline) from None


def _our_guid(guid: str) -> str:
    ours = _OUR_URN.match(guid)
    return ours.group(2) if ours else guid


def _item_refs(package: etree._Element) -> list[str]:
    """residrefs of a package's itemRefs, wherever they sit (groupSet/group or, on some wires, directly)."""
    return [ref.get("residref", "").strip() for ref in package.iter()
            if isinstance(ref.tag, str) and _local(ref) == "itemref" and ref.get("residref")]


def _plain(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def _first_line(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return clip(sentence, 200)



"""IPTC NewsML-G2 2.35: a story version as a newsItem (a packageItem for a package) or a newsMessage,
and G2 from the wires. Media renditions and package groups: `newsmlg2_media`.

How the model maps to G2 (the renderer writes this; the parser reads it back exactly):

- guid: `newsItem@guid` = `urn:newsml:{host}:{YYYYMMDD}:{guid}` (RFC 3085) for our date-prefixed
  guids; a guid holding a `:` (another provider's URI) or without a date prefix is written as it is.
  The parser turns our URN shape back into the bare guid. version: `@version`.
- first_published / version_created: `itemMeta/firstCreated` / `versionCreated` (repeated as
  `contentMeta/contentCreated` / `contentModified`).
- kind: `itemMeta/itemClass` `ninat:text` / `ninat:picture` / `ninat:video` / `ninat:audio` /
  `ninat:graphic`; a package is a `packageItem` of class `ninat:composite`.
- pubstatus: `itemMeta/pubStatus` `stat:usable` / `stat:withheld` / `stat:canceled`; embargo:
  `itemMeta/embargoed`; editor_note: `itemMeta/edNote`. desk_note is never written; read from an
  edNote whose `role` or `pubconstraint` code says private, internal, nonpublic or confidential
  (`sttnote:private`, `dpapconstraint:nonpublic`), which then stays out of editor_note.
- is_correction: `itemMeta/signal qcode="sig:correction"` (`sig:update` marks other updates).
- translation_group: `itemMeta/memberOf qcode="nftrans:…"`, the set of items that translate each other.
- related: `itemMeta/link rel="irel:seeAlso"`, `residref` = the item's G2 guid, `href` = its API URL.
- photos: `itemMeta/link rel="irel:associatedWith"` to the media object, with hints about the target
  inside (the Link1Type extension point): `itemClass` (its kind), `title`, `description
  role="drol:caption"`, `description role="nfdesc:alt"`, `creditline`, and a `contentSet` with a
  `remoteContent` per rendition (any element may hint at the target). A stored photo links to its
  original rendition and carries its media id in `residref`, which the parser recognises.
  A media item's first media object is its content instead: a `remoteContent` per rendition (see
  `newsmlg2_media`), its title, caption and alt as `description` roles `nfdesc:mediaTitle`,
  `drol:caption`, `nfdesc:alt`, its credit as `creditline`; its other photos are links.
- members (packages): the `groupSet` (see `newsmlg2_media`).
- urgency: `contentMeta/urgency`.
- contributors: `creator` (reporter, writer, photographer, videographer, producer) or `contributor`
  (editor, translator), in model order, `role="nfrole:{role}"`, the place as
  `related rel="nfrel:filedFrom"`, the job title (`title`) as `related rel="nfrel:jobTitle"` with a
  `name` (the `jobtitle` attribute is a QCode, no place for free text; a wire's is read as its code).
  A name given in parts (`name@part` given / family) is read given name first.
- byline / byline_text: `by` holds the byline; read back, `by` is byline_text (as sent, "By …") and wins
  over the creators, each of which stays a contributor. A `by` that only repeats the contributors'
  names is not kept as byline_text (the byline is the same either way).
- public: `contentMeta/audience qcode="nfaud:public"` for stories in the public portion.
- language: `contentMeta/language@tag` plus `xml:lang` (and `dir="rtl"` for right-to-left scripts)
  on the item and on the XHTML.
- keywords: `keyword`. subjects / places / people / organisations: `subject` with `type`
  `cpnat:abstract` / `cpnat:geoArea` / `cpnat:person` / `cpnat:organisation`, a `name`, and the code
  as `qcode` (IPTC schemes), `uri` (absolute URIs) or else `literal`.
- categories / dossier: `subject qcode="nfcat:…"` / `nfdossier:…` (percent-encoded, since a qcode
  cannot hold spaces; the `name` child holds the text).
- slugline, headline, dateline: the elements of those names; subheadline: `headline
  role="nfhl:subheadline"` (read from any headline role with "sub" in it; one that only repeats the
  headline is not kept).
- spot / summary / tagline: `description role="drol:summary"` / `role="nfdesc:publicSummary"` /
  `role="nfdesc:tagline"` (G2 has no end line of its own; any `…:tagline` role is read as one).
- body_html: `contentSet/inlineXML contenttype="application/xhtml+xml"`, an XHTML `html` document
  (none for a media item without words, nor for a package: a packageItem has no content). An XHTML
  body that is a whole web page (h1, article, figure, …) is cut to its article (`sanitize.article_content`).

Every `nf…` scheme alias is declared in an inline `<catalog>` whose scheme URIs live under the
context's `base_url` (`/cv/…`); IPTC aliases come from the IPTC catalog via `catalogRef`. A
concept code whose scheme we cannot declare is written as `literal` so no undeclared alias leaks.

The parser is lenient where real wires deviate: element names are matched by local name and case
(some wires put NITF or XHTML in the G2 namespace or capitalise `Header`), timestamps may be padded,
lack a zone (taken as UTC) or use `+0100`; content may be XHTML, NITF or plain text `inlineData`.
Single-line and block texts are whitespace-normalised (pretty-printing is not content), so line
breaks inside captions or notes are not preserved.

Items in a newsMessage: every newsItem is an item of its kind, and every packageItem a package whose
members are its itemRefs (their kind and headline from the itemRef's hints, else from the inline
item), read after the items. A package without a headline takes its first member's title; one with
neither yields nothing. A media item without words of its own takes the headline
of the package that groups it (a video wire's picture, video and sound parts); without one it is
skipped. Text an item class does not name (`icls:text`, unknown classes) is read as text.

Written by a Newsflow (its catalog declares `nfdesc`): every field is explicit, so the wire heuristics
(a caption as the spot, the headline as a picture's title) are not applied and the round trip is exact.
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html
from pydantic import ValidationError

from newsflow.formats.base import FormatError, RenderContext, clip
from newsflow.formats.g2xml import NAR, grouped
from newsflow.formats.g2xml import attr as _attr
from newsflow.formats.g2xml import child as _child
from newsflow.formats.g2xml import children as _children
from newsflow.formats.g2xml import code as _code
from newsflow.formats.g2xml import first as _first
from newsflow.formats.g2xml import integer as _int
from newsflow.formats.g2xml import kids as _kids
from newsflow.formats.g2xml import local as _local
from newsflow.formats.g2xml import q as _q
from newsflow.formats.g2xml import split_qcode as _split_qcode
from newsflow.formats.g2xml import sub as _sub
from newsflow.formats.g2xml import text as _text
from newsflow.formats.newsmlg2_media import (
    NEWSITEM_TYPE,
    MediaWords,
    item_class,
    kind_of_class,
    kind_of_mimetype,
    read_media,
    read_members,
    render_group_set,
    render_media,
)
from newsflow.formats.xmlsafe import parse_xml
from newsflow.model import (
    MEDIA_KINDS,
    Concept,
    Contributor,
    ItemKind,
    Photo,
    PubStatus,
    Role,
    Story,
    StoryVersion,
    is_language_tag,
    utcnow,
)
from newsflow.sanitize import article_content

XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STANDARD_VERSION = "2.35"
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"

# Newsflow's own schemes: alias -> (path under {base_url}/cv/, what it names).
OWN_SCHEMES: dict[str, tuple[str, str]] = {
    "nfcat": ("category", "Newsflow categories (sections)"),
    "nfdossier": ("dossier", "Newsflow dossiers: running topics grouping stories"),
    "nftrans": ("translation-group", "Newsflow translation groups: the same story in other languages"),
    "nfrole": ("contributor-role", "Newsflow contributor roles"),
    "nfrel": ("relation", "Newsflow relations"),
    "nfdesc": ("description-role", "Newsflow description roles"),
    "nfaud": ("audience", "Newsflow audiences"),
    "nfhl": ("headline-role", "Newsflow headline roles"),
    "nfrnd": ("rendition", "Newsflow rendition names"),
    "nfgrp": ("package-group", "Newsflow package groups"),
}
# IPTC catalog aliases a Concept code may use as a qcode without an inline declaration.
IPTC_CONCEPT_ALIASES = frozenset({"subj", "medtop", "iso3166-1a2", "iso3166-1a3", "genre", "cpnat"})
CREATOR_ROLES = frozenset({Role.reporter, Role.writer, Role.photographer, Role.videographer, Role.producer})
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug"})

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
    bodies: list[tuple[etree._Element | None, StoryVersion]] = []
    for n, version in enumerate(versions):
        item, body = _build_item_parts(version, ctx)
        if n:
            _scope_ids(item, f"i{n + 1}-")
        item_set.append(item)
        bodies.append((body, version))
    # Indent the G2 structure only: whitespace added inside the XHTML body would change the story.
    etree.indent(message, space="  ")
    for body, version in bodies:
        _fill_body(body, version.body_html)
    return etree.tostring(message, xml_declaration=True, encoding="UTF-8")


_ID_REFS = ("original", "root", "idref")  # contentSet@original, groupSet@root, groupRef@idref


def _scope_ids(item: etree._Element, prefix: str) -> None:
    """XML ids are unique per document: the second and later items of a message prefix theirs."""
    for el in item.iter():
        for name in ("id", *_ID_REFS):
            value = el.get(name)
            if value:
                el.set(name, prefix + value)


def _serialize(item: etree._Element) -> bytes:
    return etree.tostring(item, xml_declaration=True, encoding="UTF-8")


def _build_item(version: StoryVersion, ctx: RenderContext) -> etree._Element:
    item, body = _build_item_parts(version, ctx)
    etree.indent(item, space="  ")
    _fill_body(body, version.body_html)
    return item


def _build_item_parts(v: StoryVersion, ctx: RenderContext) -> tuple[etree._Element, etree._Element | None]:
    """The newsItem (packageItem for a package) and its (still empty) XHTML body, filled after indenting:
    None when the item has no body (a package; a media item without words of its own)."""
    is_package = v.kind == ItemKind.package
    item = etree.Element(_q("packageItem" if is_package else "newsItem"), nsmap={None: NAR})
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
    if is_package:
        render_group_set(item, v.members, ctx, lambda guid: item_guid(guid, ctx))
        return item, None

    content_set = _sub(item, "contentSet")
    media = _own_media(v)
    if media is not None:
        render_media(content_set, media, ctx)
        if not v.body_html.strip():
            return item, None
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
    _sub(meta, "itemClass", qcode=item_class(v.kind))
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
    for rank, photo in enumerate(_linked_photos(v), start=1):
        _photo_link(meta, photo, rank, ctx)
    for guid in v.related:
        link = _sub(meta, "link", rel="irel:seeAlso", residref=item_guid(guid, ctx), href=ctx.item_uri(guid),
                    contenttype=NEWSITEM_TYPE)
        _sub(link, "itemClass", qcode="ninat:text")


def _own_media(v: StoryVersion) -> Photo | None:
    """A media item's own media object, its content: its first photo when that is of the item's kind."""
    if v.kind in MEDIA_KINDS and v.photos and v.photos[0].kind == v.kind:
        return v.photos[0]
    return None


def _linked_photos(v: StoryVersion) -> list[Photo]:
    """The photos linked from itemMeta: a media item's own media object is its contentSet instead."""
    return v.photos[1:] if _own_media(v) is not None else v.photos


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
    _sub(link, "itemClass", qcode=item_class(photo.kind))
    if photo.title:
        _sub(link, "title", photo.title)
    if photo.caption:
        _sub(link, "description", photo.caption, role="drol:caption")
    if photo.alt:
        _sub(link, "description", photo.alt, role="nfdesc:alt")
    if photo.credit:
        _sub(link, "creditline", photo.credit)
    if photo.media_id or photo.renditions:
        # every file of the linked media, as a hint of the target's content: the link alone names one
        render_media(_sub(link, "contentSet"), photo, ctx, ids=f"l{rank}r")


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
        if person.title:
            related = _sub(party, "related", rel="nfrel:jobTitle")
            _sub(related, "name", person.title)
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
    if v.subheadline:
        _sub(meta, "headline", v.subheadline, role="nfhl:subheadline")
    if v.dateline:
        _sub(meta, "dateline", v.dateline)
    if v.byline:
        _sub(meta, "by", v.byline)
    media = _own_media(v)
    if media is not None and media.credit:
        _sub(meta, "creditline", media.credit)
    if v.spot:
        _sub(meta, "description", v.spot, role="drol:summary")
    if v.summary:
        _sub(meta, "description", v.summary, role="nfdesc:publicSummary")
    if v.tagline:
        _sub(meta, "description", v.tagline, role="nfdesc:tagline")
    if media is not None:  # the words of a media item's own media object
        for words, role in ((media.title, "nfdesc:mediaTitle"), (media.caption, "drol:caption"),
                            (media.alt, "nfdesc:alt")):
            if words:
                _sub(meta, "description", words, role=role)


def _fill_body(body: etree._Element | None, body_html: str) -> None:
    """Sanitized body HTML into the XHTML body (HTML fragments parsed as HTML, not XML)."""
    if body is None or not body_html.strip():
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
    kind: ItemKind
    fields: dict[str, Any]
    has_text: bool

    @property
    def has_words(self) -> bool:
        return bool(self.fields.get("headline")) or self.has_text


def parse(data: bytes, source: str) -> list[StoryVersion]:
    """Stories from a NewsML-G2 newsItem, packageItem or newsMessage (see the module docstring)."""
    root = parse_xml(data, source)
    with grouped():  # the tree is only read from here on
        return _parse_root(root, source)


def _parse_root(root: etree._Element, source: str) -> list[StoryVersion]:
    name = _local(root)
    namespace = etree.QName(root).namespace
    if namespace not in (None, NAR) or name not in ("newsitem", "newsmessage", "packageitem"):
        raise FormatError(source, f"not NewsML-G2: the root element is <{etree.QName(root).localname}>, "
                                  "expected newsItem, packageItem or newsMessage", root.sourceline)
    if name == "newsitem":
        return [_story(_read_item(root, source, _Header()), source)]
    if name == "packageitem":
        read = _read_package(root, source, _Header(), {})
        return [_story(read, source)] if _listable(read) else []
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
    # what a package's itemRef may not say of an item in the same message: its kind and headline
    known = {read.element.get("guid") or "": (read.kind, read.fields.get("headline") or "") for read in news_items}
    package_reads = [_read_package(package, source, header, known) for package in packages]
    grouped_in = {m.guid: read for read in package_reads for m in read.fields["members"]}
    stories: list[StoryVersion] = []
    for read in news_items:
        package = grouped_in.get(read.guid)
        if not read.has_words and read.kind in MEDIA_KINDS and package is not None and read.fields["photos"]:
            # a package's picture, video or sound without words of its own (a news agency's video
            # package): it is called by its package's headline
            read.fields["headline"] = package.fields.get("headline")
        if read.fields.get("headline") or read.has_text:
            stories.append(_story(read, source))
        elif read.kind not in MEDIA_KINDS:
            raise _empty_item(read, source)
        # else a picture, video or sound with no words at all: nothing to call it by
    # packages after the items they group, so a reader that stores in order has each member first
    stories.extend(_story(read, source) for read in package_reads if _listable(read))
    return stories


def _read_package(package: etree._Element, source: str, header: _Header,
                  known: dict[str, tuple[ItemKind, str]]) -> _Read:
    """A packageItem with its members; without a headline it takes its first member's."""
    read = _read_item(package, source, header)
    members = read_members(package, known, _our_guid)
    read.fields["members"] = members
    if not read.fields.get("headline"):
        read.fields["headline"] = next((m.headline for m in members if m.headline), None)
    return read


def _listable(read: _Read) -> bool:
    # a package with no headline (its own or a member's) has nothing to list it by
    return bool(read.fields.get("headline"))


def _empty_item(read: _Read, source: str) -> FormatError:
    return FormatError(source, f"item {read.guid!r} has no headline and no content", read.element.sourceline)


def _read_item(item: etree._Element, source: str, header: _Header) -> _Read:
    guid = _our_guid((item.get("guid") or "").strip())
    meta = _child(item, "itemMeta")
    content = _child(item, "contentMeta")
    is_package = _local(item) == "packageitem"
    kind = ItemKind.package if is_package else (kind_of_class(_attr(_child(meta, "itemClass"), "qcode"))
                                                 or ItemKind.text)
    if kind == ItemKind.package and not is_package:
        kind = ItemKind.text  # a newsItem cannot group items: read as what it holds
    f: dict[str, Any] = {"guid": guid, "version": max(_int(item.get("version")) or 1, 1), "kind": kind}
    # Written by a Newsflow: it says everything explicitly, so no wire heuristics fill what it left out.
    ours = any(scheme.get("alias") == "nfdesc" for catalog in _children(item, "catalog")
               for scheme in _children(catalog, "scheme"))

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
    public_notes, private_notes = _notes(meta)
    f["editor_note"] = "\n".join(public_notes) or None
    f["desk_note"] = clip("\n".join(private_notes), 4000) or None
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
    is_media = kind in MEDIA_KINDS
    f["contributors"] = _contributors(content, Role.photographer if is_media else Role.reporter)
    words = _descriptive(content, f, language, is_media, ours)

    content_set = _child(item, "contentSet")
    body_html, nitf_head = _content_html(content_set)
    f["body_html"] = body_html
    media = read_media(content_set, kind if is_media else None, words)
    if not f.get("spot") and nitf_head.get("spot"):
        f["spot"] = clip(nitf_head["spot"], 2000)
    if not f["contributors"] and nitf_head.get("byline"):
        f["contributors"] = [Contributor(name=clip(nitf_head["byline"], 1000))]
    by = _text(_child(content, "by"))
    # the model's own byline rule, on the contributors alone (model_construct would cost a third of a parse)
    built = _BYLINE_RULE(SimpleNamespace(byline_text=None, contributors=f["contributors"]))
    if by and by != built:
        f["byline_text"] = clip(by, 500)  # as sent; one that only repeats the contributors' names is not kept
    has_text = bool(_plain(body_html))
    # No headline: NITF or XHTML title, itemMeta title, slugline, caption, then the first sentence.
    f["headline"] = clip(f.get("headline") or nitf_head.get("headline") or _text(_child(meta, "title"))
                          or f.get("slugline") or words.caption or _first_line(_plain(body_html)), 500)
    if f.get("subheadline") == f["headline"]:
        del f["subheadline"]  # a wire's copy of the headline in a sub-headline role (ANSA) is no second deck
    f["related"] = list(dict.fromkeys(related))[:100]
    media_photos = [media] if media is not None else []
    # A media item's own media object comes first (its contentSet); a text item's links first.
    f["photos"] = ([*media_photos, *photos] if is_media else [*photos, *media_photos])[:200]
    return _Read(item, guid or "?", kind, f, has_text)


_BYLINE_RULE = Story.byline.fget  # the property's function, called on a stand-in with the two fields it reads


# An edNote for the newsroom only: its role or publishing constraint says so (sttnote:private,
# dpapconstraint:nonpublic, edNoteRole:internal, …).
_PRIVATE_NOTE = re.compile(r"private|internal|non-?public|not-?for-?pub|confidential|desk-?only", re.I)


def _notes(meta: etree._Element | None) -> tuple[list[str], list[str]]:
    """The edNotes' texts: (for the subscriber, for the newsroom only)."""
    public: list[str] = []
    private: list[str] = []
    for note in _children(meta, "edNote"):
        words = _text(note)
        qcodes = f"{note.get('role') or ''} {note.get('pubconstraint') or ''}".split()
        marks = " ".join(_code(qcode) for qcode in qcodes)
        if words:
            (private if _PRIVATE_NOTE.search(marks) else public).append(words)
    return public, private


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
        hinted = kind_of_class(_attr(_child(link, "itemClass"), "qcode"))
        kind = hinted if hinted in MEDIA_KINDS else kind_of_mimetype(link.get("contenttype"))
        if kind is not None:
            photo = _link_photo(link, href, residref, kind)
            if photo is not None:
                photos.append(photo)
        elif rel in ("seealso", "associatedwith") and residref:
            related.append(_our_guid(residref))
    return related, photos


def _link_photo(link: etree._Element, href: str, residref: str, kind: ItemKind) -> Photo | None:
    captions = [d for d in _children(link, "description") if _code(d.get("role")).lower() != "alt"]
    alts = [d for d in _children(link, "description") if _code(d.get("role")).lower() == "alt"]
    words = dict(title=clip(_text(_child(link, "title")), 500) or None,
                 caption=clip(_text(captions[0]) if captions else "", 4000),
                 credit=clip(_text(_child(link, "creditline")), 500),
                 alt=clip(_text(alts[0]), 1000) if alts else None)
    hinted = read_media(_child(link, "contentSet"), kind, MediaWords(**words))
    if hinted is not None:  # every rendition of the linked media
        return hinted
    # Our stored photos link to /media/{id}/{rendition} and carry the id in residref.
    if residref and re.search(rf"/media/{re.escape(residref)}/[^/]+$", href):
        return Photo(kind=kind, media_id=residref[:64], **words)
    if re.match(r"^https?://", href) and len(href) <= 2000:
        return Photo(kind=kind, href=href, **words)
    return None


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
        name = _person_name(party) or (party.get("literal") or "").strip()
        if not name or name.lower() in seen:
            continue
        seen.add(name.lower())
        place = None
        title = unquote(_code(party.get("jobtitle"))) or None  # a wire's job title QCode: its code
        for related in _children(party, "related"):
            rel = _code(related.get("rel")).lower()
            if rel == "filedfrom":
                place = _concept_name(related, None) or related.get("literal")
            elif rel == "jobtitle":
                title = _concept_name(related, None) or related.get("literal") or title
        people.append(Contributor(name=clip(name, 1000), role=_role(party.get("role"), kind),
                                  place=clip(place, 200) if place else None, title=clip(title, 200) or None))
    # The `by` line names the author when no creator is named (e.g. a photographer known by code only).
    by = re.sub(r"^by\s+", "", _text(_child(content, "by")), flags=re.I)
    creators = [party for party in _children(content, "creator")
                if _concept_name(party, None) or party.get("literal")]
    if by and not creators and by.lower() not in seen:
        people.insert(0, Contributor(name=clip(by, 1000), role=by_role))
    return people[:50]


# Parts of a name given apart (name@part): the given name before the family name, as a byline prints it.
_NAME_PART_ORDER = {"given": 0, "first": 0, "forename": 0, "middle": 1, "family": 2, "last": 2, "surname": 2}


def _person_name(party: etree._Element) -> str | None:
    """A party's name; one given in parts (given and family name, in any order) is put together given
    name first, never in the order the parts happen to be listed."""
    parts = [(_NAME_PART_ORDER.get(_code(n.get("part")).lower(), 1), i, _text(n))
             for i, n in enumerate(_children(party, "name")) if n.get("part") and _text(n)]
    if parts:
        return " ".join(words for _, _, words in sorted(parts))
    return _concept_name(party, None)


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


# contentMeta's children whose text _descriptive reads
_WORDS = frozenset({"keyword", "headline", "slugline", "dateline", "creditline", "description"})


def _descriptive(content: etree._Element | None, f: dict[str, Any], language: str, is_media: bool,
                 ours: bool) -> MediaWords:
    """Descriptive properties into `f`; returns what the item says of a media object it carries."""
    keywords: list[str] = []
    buckets: dict[str, list[Concept]] = {"subjects": [], "places": [], "people": [], "organisations": []}
    categories: list[str] = []
    descriptions: list[tuple[str, str]] = []
    credit = ""
    for el in _kids(content):
        kind = _local(el)
        if kind == "subject":
            _subject(el, language, buckets, categories, f)
            continue
        if kind not in _WORDS:
            continue  # creators, audiences, urgency …: read elsewhere, their text is not wanted here
        text = _text(el)
        if not text:
            continue
        if kind == "keyword":
            keywords.append(clip(text, 1000))
        elif kind == "headline" and "sub" in (el.get("role") or "").lower():
            f.setdefault("subheadline", clip(text, 1000))
        elif kind == "headline":
            f.setdefault("headline", text)  # the first main headline
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

    def described(*codes: str) -> str | None:
        return next((text for _, code, text in roles if code in codes), None)

    summary = next((text for role, _, text in roles if role == "nfdesc:publicSummary"), None)
    spot = described(*_SPOT_ROLES)
    roleless = next((text for role, _, text in roles if not role), None)
    caption = next((text for _, code, text in roles if "caption" in code), None)
    tagline = described("tagline")
    if spot is None and not ours:
        # A text's plain description is its summary; a picture's caption is the words shown in lists.
        spot = (caption or roleless) if is_media else roleless
    if summary:
        f["summary"] = clip(summary, 4000)
    if spot:
        f["spot"] = clip(spot, 2000)
    if tagline:
        f["tagline"] = clip(tagline, 1000)
    alt = described("alt")
    if ours:
        return MediaWords(title=described("mediatitle"), caption=caption or "", credit=credit, alt=alt)
    return MediaWords(title=f.get("headline") if is_media else None, caption=caption or roleless or spot or "",
                      credit=credit, alt=alt)


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
    names = [(n, words) for n in _children(el, "name") if (words := _text(n))]
    if not names:
        return None
    plain = [(n, words) for n, words in names if not _SHORT_NAME.search(n.get("role") or "")] or names
    if language:
        wanted = language.split("-")[0]
        for n, words in plain:
            if (n.get(XML_LANG) or "").split("-")[0].lower() == wanted:
                return words
    return plain[0][1]


_SHORT_NAME = re.compile(r"short|mnemonic", re.I)


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
            if body_el is not None and _is_page(body_el):
                markup = article_content(_as_html_document(body_el)).strip()
            else:
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


# What marks an XHTML body as a whole web page (HTML5 article markup) rather than story paragraphs.
_PAGE_PARTS = frozenset({"h1", "article", "figure", "main", "nav", "aside", "footer"})


def _is_page(body: etree._Element) -> bool:
    return any(isinstance(d.tag, str) and _local(d) in _PAGE_PARTS for d in body.iter())


def _as_html_document(body: etree._Element) -> str:
    """An XHTML body as an HTML document without namespaces, for sanitize.article_content (the rule every
    format shares: the article's content only, no page title, headline h1, figures or furniture)."""
    page = copy.deepcopy(body)
    for el in page.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
    etree.cleanup_namespaces(page)
    return f"<html>{etree.tostring(page, method='html', encoding=str, with_tail=False)}</html>"


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


def _plain(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def _first_line(text: str) -> str:
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return clip(sentence, 200)



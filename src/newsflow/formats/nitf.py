"""IPTC NITF 3.6: render a story version as a NITF document, and read NITF wires (3.x, with or
without the NITF namespace) back into story versions.

Where each field goes (written in the NITF 3.6 namespace, valid against the official XSD):

===================  ==========================================================================
headline             head/title and body.head/hedline/hl1
subheadline          body.head/hedline/hl2 (read back unless it only repeats the headline)
spot                 body.head/abstract (one ``p``)
body_html            body.content/block: p, hl2 (h2; h3-h6 as ``hl2 class="h3"`` ...), ul/ol/li,
                     bq, pre, hr, table; inline a, br, q, em (strong, b, i, u, s, sub, sup, abbr,
                     cite, code and span as ``em class="strong"`` etc.), ``lang`` as ``xml:lang``
kind                 a media item (picture, video, audio, graphic): its media first in body.content
                     and docdata/identified-content/classifier type="item-kind"; a text story: none
photos               body.content/media, media-type image, video or audio (a graphic: image with
                     ``class="graphic"``): one media-reference per rendition (stored media: every
                     rendition of the library's record, href from the render context; remote: each of
                     ``renditions`` with its name, plus the href when it is not one of them) with
                     mime-type, width, height and the play time (``time``, in seconds); bytes in
                     media-metadata ``size:{rendition}``; alternate-text = alt, media-caption =
                     caption, media-producer = credit, media-metadata ``title`` and, for stored media,
                     ``newsflow-media-id``
byline_text          body.head/byline holding free text only, first
contributors         one body.head/byline each: ``class`` = role, person, byttl = title, location =
                     place; writers without a title: body.end/tagline ("* Writing by <person/> from
                     <location/>") unless the story has a tagline, which then takes that place
tagline              body.end/tagline, as text
dateline             body.head/dateline/location
categories           docdata/identified-content/classifier type="category"
dossier              docdata/series series.name
subjects             head/tobject/tobject.subject (scheme in .ipr, code in .refnum, label at the level
                     the IPTC code names); subjects without such a code: classifier type="subject"
places/people/orgs   docdata/identified-content location / person / org (code split into
                     code-source + location-code, or idsrc + value)
keywords             docdata/key-list/keyword
translation_group    docdata/identified-content/classifier type="translation-group"
slugline, version    docdata/du-key key, version
guid                 docdata/doc-id id-string (regsrc = provider)
urgency              docdata/urgency ed-urg
pubstatus            docdata management-status
first_published      docdata/date.issue
embargo              docdata/date.release (read back as an embargo only when later than date.issue)
version_created      head/pubdata date.publication
is_correction        docdata/correction (info = editor note, id-string = guid)
editor_note          docdata/ed-msg info
language             nitf baselang and body xml:lang
===================  ==========================================================================

What NITF does not carry (``NOT_CARRIED``), so a round trip leaves these at their defaults:
``summary`` (the public site's own summary; subscribers get the spot as the abstract), ``related``
and ``public`` (agency-internal; NITF has no place for links between items or for the public
portion), ``members`` (NITF cannot group items: a package is written as a text story) and
``desk_note`` (the newsroom's private note: never written). Also lost on a round trip: times finer
than a second; the ``dir`` attribute and the attributes other than ``lang``, ``href``, ``title``,
``colspan`` and ``rowspan`` in the body; whitespace between body blocks and empty paragraphs;
``figure`` wrappers in the body (their content is kept as paragraphs). Order is kept within each
container, not across them: subjects with an IPTC-style code come before those without, bylined
contributors before the writers of the tagline. A ``byline_text`` naming people who are not
contributors brings them back as contributors (see below).

Reading is lenient because real wires are: no namespace or any namespace, any 3.x ``version``,
free-text change dates, dates without a time zone (taken as UTC), missing dates (the time of
reading). Further rules for what wires send:

- no doc-id: the guid is ``nitf:{source}:{YYYY-MM-DD}:{slug}`` (`stable_guid`): source = doc-id
  regsrc, doc.copyright holder, distributor or pubdata name; the day of date.issue (else of the
  publication, release or story date) as the file writes it; the du-key key, else the headline,
  folded to lower-case words. A corrected re-send is then the same story. No date at all: the
  digest of the content (``nitf-…``).
- a NITF is a media item when it says so (the classifier) or its body.content holds media and no
  text; its kind is its first media's.
- a free-text byline ("By Jane Roe and Ola Nordmann") is ``byline_text``; the names in it (split at
  "and" and "&") are contributors unless another byline or the tagline names them. A byttl that is
  just a role's name ("Photographer") gives that role when the byline has no ``class``.
- a tagline other than the writers' credit line is ``tagline``; the <person>s in any tagline are
  writers.
- a media reference that is not an http(s) URL (``photos/harbour.jpg``) goes to the ingest channel's
  resolver (`formats.base.local_media_id`), the largest first; the media id it returns makes a stored
  photo. Without one, the media's absolute renditions are kept, or it is dropped; either is logged.
- remote renditions: a lone reference with no name and no facts is the href; others without a name
  are named ``original`` (the first) and ``rendition-N``.
- a media object with ``newsflow-media-id`` (a Newsflow's stored one) comes back with that id and with
  its renditions' links: a Newsflow that does not hold the id keeps it as remote media.
"""

from __future__ import annotations

import hashlib
import html as html_mod
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import lxml.html
from lxml import etree
from pydantic import ValidationError

from newsflow.formats.base import FormatError, RenderContext, build_version, clip, local_media_id, log
from newsflow.formats.xmlsafe import parse_xml
from newsflow.model import (
    GUID_MAX,
    MEDIA_KINDS,
    Concept,
    Contributor,
    ItemKind,
    Photo,
    PubStatus,
    Rendition,
    Role,
    StoryVersion,
    html_to_text,
    is_language_tag,
    utcnow,
)
from newsflow.sanitize import strip_unsafe

NS = "http://iptc.org/std/NITF/2006-10-18/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The 3.6 XSD fixes these three attribute values on the root.
_ROOT_ATTRS = {"version": "-//IPTC//DTD NITF 3.6//EN", "change.date": "September 11, 2009",
               "change.time": "12:26"}
MEDIA_ID_META = "newsflow-media-id"
SIZE_META = "size:"  # media-metadata "size:{rendition}": that rendition's bytes
ITEM_KIND_CLASSIFIER = "item-kind"
WRITERS_LEAD = "* Writing by "
# desk_note is private to the newsroom; members: NITF cannot group items (a package reads back as text)
NOT_CARRIED = frozenset({"summary", "related", "public", "desk_note", "members"})

_MEDIA_TYPE_OF = {ItemKind.picture: "image", ItemKind.graphic: "image", ItemKind.video: "video",
                  ItemKind.audio: "audio"}
# media-type values seen on the wires, and the top-level mime types when media-type says nothing useful
_KIND_OF_MEDIA_TYPE = {"image": ItemKind.picture, "photo": ItemKind.picture, "picture": ItemKind.picture,
                       "graphic": ItemKind.graphic, "video": ItemKind.video, "audio": ItemKind.audio}
_KIND_OF_MIME = {"image": ItemKind.picture, "video": ItemKind.video, "audio": ItemKind.audio}
_ABSOLUTE = re.compile(r"^https?://", re.I)

_NMTOKEN = re.compile(r"^[\w.:-]+$")
# HTML inline tags NITF has no element for: carried as <em class="tag"> so they come back as they were.
_EM_CLASSES = frozenset({"strong", "b", "i", "u", "s", "sub", "sup", "abbr", "cite", "code", "span"})
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


# --------------------------------------------------------------------------------------------- render

def render(version: StoryVersion, ctx: RenderContext) -> bytes:
    """The version as a NITF 3.6 document (UTF-8). ``desk_note`` is the newsroom's and never written."""
    v = version
    root = etree.Element(_q("nitf"), nsmap={None: NS}, attrib={**_ROOT_ATTRS, "baselang": v.language})
    head = _sub(root, "head")
    _sub(head, "title", v.headline)
    _render_tobject(head, v)
    _render_docdata(head, v, ctx)
    _sub(head, "pubdata", type="web", name=ctx.provider, **{"date.publication": _norm(v.version_created),
                                                           "ex-ref": ctx.item_uri(v.guid)})

    body = _sub(root, "body", **{XML_LANG: v.language})
    # writers are credited in the tagline unless the story has a tagline of its own to print there
    tagline_writers = [c for c in v.contributors if c.role == Role.writer and not c.title] if not v.tagline else []
    _render_body_head(_sub(body, "body.head"), v, ctx, tagline_writers)
    content = _sub(body, "body.content")
    media_first = v.kind in MEDIA_KINDS
    if media_first:  # a picture, video, audio or graphic item: its media is the item, the words follow
        for photo in v.photos:
            _render_photo(content, photo, ctx)
    if v.body_html:
        _html_to_nitf(_sub(content, "block"), v.body_html)
    if not media_first:  # text first, gallery after it: simple consumers read body.content as the story
        for photo in v.photos:
            _render_photo(content, photo, ctx)
    if v.tagline:
        _sub(_sub(body, "body.end"), "tagline", v.tagline)
    elif tagline_writers:
        _render_tagline(_sub(_sub(body, "body.end"), "tagline"), tagline_writers)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _render_tobject(head: etree._Element, v: StoryVersion) -> None:
    tobject = _sub(head, "tobject", **{"tobject.type": "news"})
    for subject in v.subjects:
        coded = _subject_ref(subject.code)
        if coded is None:
            continue
        ipr, refnum = coded
        attrs = {"tobject.subject.ipr": ipr, "tobject.subject.refnum": refnum}
        attrs[f"tobject.subject.{_subject_level(ipr, refnum)}"] = subject.name
        _sub(tobject, "tobject.subject", **attrs)


def _render_docdata(head: etree._Element, v: StoryVersion, ctx: RenderContext) -> None:
    docdata = _sub(head, "docdata", **{"management-status": v.pubstatus.value})
    if v.is_correction:
        _sub(docdata, "correction", info=v.editor_note, regsrc=ctx.provider, **{"id-string": v.guid})
    _sub(docdata, "doc-id", regsrc=ctx.provider, **{"id-string": v.guid})
    _sub(docdata, "urgency", **{"ed-urg": str(v.urgency)})
    _sub(docdata, "date.issue", norm=_norm(v.first_published))
    if v.embargo:
        _sub(docdata, "date.release", norm=_norm(v.embargo))
    if v.dossier:
        _sub(docdata, "series", **{"series.name": v.dossier})
    if v.editor_note:
        _sub(docdata, "ed-msg", info=v.editor_note)
    _sub(docdata, "du-key", version=str(v.version), key=v.slugline)
    _sub(docdata, "doc.copyright", year=str(v.first_published.year), holder=ctx.provider)
    if v.keywords:
        keys = _sub(docdata, "key-list")
        for keyword in v.keywords:
            _sub(keys, "keyword", key=keyword)
    ident = etree.Element(_q("identified-content"))
    for place in v.places:
        source, code = _split_code(place.code)
        _sub(ident, "location", place.name, **{"code-source": source, "location-code": code})
    for tag, concepts in (("person", v.people), ("org", v.organisations)):
        for concept in concepts:
            idsrc, value = _split_code(concept.code)
            _sub(ident, tag, concept.name, idsrc=idsrc, value=value)
    for subject in v.subjects:
        if _subject_ref(subject.code) is None:
            _sub(ident, "classifier", subject.name, type="subject", value=subject.code)
    for category in v.categories:
        _sub(ident, "classifier", category, type="category")
    if v.kind in MEDIA_KINDS:
        _sub(ident, "classifier", type=ITEM_KIND_CLASSIFIER, value=v.kind.value)
    if v.translation_group:
        _sub(ident, "classifier", type="translation-group", value=v.translation_group)
    if len(ident):
        docdata.append(ident)


def _render_body_head(bhead: etree._Element, v: StoryVersion, ctx: RenderContext,
                      tagline_writers: list[Contributor]) -> None:
    hedline = _sub(bhead, "hedline")
    _sub(hedline, "hl1", v.headline)
    if v.subheadline:
        _sub(hedline, "hl2", v.subheadline)
    if v.byline_text:  # the byline as sent or typed, free text as printed
        _sub(bhead, "byline", v.byline_text)
    for person in v.contributors:
        if person in tagline_writers:
            continue
        # the role in class (NITF has no element for it), the job title as printed in byttl
        byline = _sub(bhead, "byline", "By ", **{"class": person.role.value})
        _sub(byline, "person", person.name)
        if person.title:
            _append_text(byline, ", ")
            _sub(byline, "byttl", person.title)
        if person.place:
            _append_text(byline, ", ")
            _sub(byline, "location", person.place)
    _sub(_sub(bhead, "distributor"), "org", ctx.provider)
    if v.dateline:
        _sub(_sub(bhead, "dateline"), "location", v.dateline)
    if v.spot:
        _sub(_sub(bhead, "abstract"), "p", v.spot)


def _render_photo(content: etree._Element, photo: Photo, ctx: RenderContext) -> None:
    media_type = _MEDIA_TYPE_OF[photo.kind]
    # NITF's media-type vocabulary has no graphic: an image whose class says so
    cls = photo.kind.value if photo.kind == ItemKind.graphic else None
    media = _sub(content, "media", **{"media-type": media_type, "class": cls})
    if photo.media_id:
        _sub(media, "media-metadata", name=MEDIA_ID_META, value=photo.media_id)
    if photo.title:
        _sub(media, "media-metadata", name="title", value=photo.title)
    refs = _references(photo, ctx)
    for ref in refs:  # media-reference has no size attribute: one metadata entry per rendition
        if ref.size is not None:
            _sub(media, "media-metadata", name=f"{SIZE_META}{ref.name}", value=str(ref.size))
    for ref in refs:
        _sub(media, "media-reference", **_reference_attrs(ref), **{"alternate-text": photo.alt})
    if photo.caption:
        _sub(media, "media-caption", photo.caption)
    if photo.credit:
        _sub(media, "media-producer", photo.credit)


def _references(photo: Photo, ctx: RenderContext) -> list[Rendition]:
    """Every rendition of a stored media object (the original first, then the larger ones: consumers tend
    to take the first reference), else the remote one's as its sender offered them. A rendition without
    a name is the remote main file that is not among its renditions."""
    if not photo.media_id:
        refs = list(photo.renditions)
        if photo.href and all(r.href != photo.href for r in refs):
            refs.insert(0, Rendition.model_construct(name="", href=photo.href))
        return refs
    record = ctx.media(photo.media_id) or {}
    renditions: dict[str, dict[str, Any]] = record.get("renditions") or {"original": {}}
    names = sorted(renditions, key=lambda n: (n != "original", -int(renditions[n].get("width") or 0)))
    # built, not validated: the href is ours, and whatever the base URL, the reference must be written
    return [Rendition.model_construct(
        name=name, href=ctx.rendition_href(photo.media_id, name), mimetype=info.get("mimetype"),
        width=info.get("width"), height=info.get("height"), size=info.get("size"),
        duration=info.get("duration")) for name, info in ((n, renditions[n]) for n in names)]


def _reference_attrs(r: Rendition) -> dict[str, str | None]:
    return {"source": r.href, "name": r.name or None, "mime-type": r.mimetype,
            "width": str(r.width) if r.width else None, "height": str(r.height) if r.height else None,
            "units": "pixels" if r.width or r.height else None,
            "time": f"{r.duration:g}" if r.duration is not None else None,
            "time-unit-of-measure": "seconds" if r.duration is not None else None}


def _render_tagline(tagline: etree._Element, writers: list[Contributor]) -> None:
    tagline.text = WRITERS_LEAD
    for i, writer in enumerate(writers):
        if i:
            _append_text(tagline, " and ")
        _sub(tagline, "person", writer.name)
        if writer.place:
            _append_text(tagline, " from ")
            _sub(tagline, "location", writer.place)


def _writers_line(writers: list[Contributor]) -> str:
    """The text `_render_tagline` writes for `writers`: a tagline saying only this is the credit line."""
    line = etree.Element(_q("tagline"))
    _render_tagline(line, writers)
    return _inline_text(line)


# Body: sanitized HTML -> NITF. The HTML is the model's own (already cleaned by nh3), so the lenient
# lxml HTML parser is the right tool here; wire input never goes through it.

def _html_to_nitf(block: etree._Element, body_html: str) -> None:
    container = lxml.html.fragment_fromstring(body_html, create_parent="div")
    _blocks_into(block, container)


def _blocks_into(parent: etree._Element, h: etree._Element) -> None:
    """Block content of HTML element `h` into a NITF element that takes block content."""
    loose: etree._Element | None = None  # a <p> gathering inline content found between blocks

    def paragraph() -> etree._Element:
        nonlocal loose
        if loose is None:
            loose = _sub(parent, "p")
        return loose

    if h.text and h.text.strip():
        _append_text(paragraph(), h.text)
    for child in h:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in _BLOCK_TAGS:
            loose = None
            _block(parent, child)
        elif tag:
            _inline_child(paragraph(), child)
        if child.tail and child.tail.strip():
            _append_text(paragraph(), child.tail)
    for p in parent.iterfind(_q("p")):
        _trim(p)


def _block(parent: etree._Element, h: etree._Element) -> None:
    tag = h.tag
    if tag == "p":
        _inline_into(_sub(parent, "p", **_lang(h)), h)
    elif tag in _HEADINGS:
        _inline_into(_sub(parent, "hl2", **_lang(h), **{"class": None if tag == "h2" else tag}), h)
    elif tag in ("ul", "ol"):
        items = [li for li in h if li.tag == "li"]
        if items:
            lst = _sub(parent, tag, **_lang(h))
            for li in items:
                _mixed_into(_sub(lst, "li", **_lang(li)), li)
    elif tag == "blockquote":
        _blocks_into(_sub(_sub(parent, "bq", **_lang(h)), "block"), h)
    elif tag == "pre":
        _sub(parent, "pre", h.text_content(), **_lang(h))
    elif tag == "hr":
        _sub(parent, "hr")
    elif tag == "table":
        _table(parent, h)
    elif tag == "figcaption":
        _inline_into(_sub(parent, "p", **_lang(h)), h)
    else:  # figure, div and the like: keep what they hold
        _blocks_into(parent, h)


def _table(parent: etree._Element, h: etree._Element) -> None:
    head_rows: list[etree._Element] = []
    body_rows: list[etree._Element] = []
    for part in h:
        if part.tag == "thead":
            head_rows.extend(r for r in part if r.tag == "tr")
        elif part.tag in ("tbody", "tfoot"):  # NITF allows one tbody; footers join it
            body_rows.extend(r for r in part if r.tag == "tr")
        elif part.tag == "tr":
            body_rows.append(part)
    table = _sub(parent, "table", **_lang(h))
    for section, rows in (("thead", head_rows), ("tbody", body_rows)):
        cells_rows = [r for r in rows if any(c.tag in ("td", "th") for c in r)]
        if not cells_rows:
            continue
        group = _sub(table, section)
        for row in cells_rows:
            tr = _sub(group, "tr", **_lang(row))
            for cell in row:
                if cell.tag in ("td", "th"):
                    span = {k: cell.get(k) for k in ("colspan", "rowspan") if (cell.get(k) or "").isdigit()}
                    _mixed_into(_sub(tr, cell.tag, **_lang(cell), **span), cell)


def _mixed_into(el: etree._Element, h: etree._Element) -> None:
    """li, td, th: NITF takes both inline and block content there, as HTML does."""
    if any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in h):
        _blocks_into(el, h)
    else:
        _inline_into(el, h)


def _inline_into(el: etree._Element, h: etree._Element) -> None:
    if h.text:
        _append_text(el, h.text)
    for child in h:
        if isinstance(child.tag, str):
            _inline_child(el, child)
        if child.tail:
            _append_text(el, child.tail)
    _trim(el)


def _inline_child(el: etree._Element, h: etree._Element) -> None:
    tag = h.tag
    if tag == "br":
        _sub(el, "br")
        return
    if tag == "a":
        target = _sub(el, "a", href=h.get("href"), title=h.get("title"), **_lang(h))
    elif tag in ("em", "q"):
        target = _sub(el, tag, **_lang(h))
    elif tag in _EM_CLASSES:
        target = _sub(el, "em", **_lang(h), **{"class": tag})
    else:  # anything else is unwrapped: its text stays
        target = el
    if h.text:
        _append_text(target, h.text)
    for child in h:
        if isinstance(child.tag, str):
            _inline_child(target, child)
        if child.tail:
            _append_text(target, child.tail)


_BLOCK_TAGS = frozenset({"p", "ul", "ol", "blockquote", "pre", "hr", "table", "figure", "figcaption", "div",
                         *_HEADINGS})


def _lang(h: etree._Element) -> dict[str, str]:
    lang = h.get("lang")
    return {XML_LANG: lang} if lang and is_language_tag(lang) else {}


def _trim(el: etree._Element) -> None:
    """Leading and trailing white space of a paragraph is layout, not content."""
    if el.text:
        el.text = el.text.lstrip() or None
    if len(el):
        if el[-1].tail:
            el[-1].tail = el[-1].tail.rstrip() or None
    elif el.text:
        el.text = el.text.rstrip() or None


# ---------------------------------------------------------------------------------------------- parse

def parse(data: bytes, source: str) -> list[StoryVersion]:
    """The one story version in a NITF document (any 3.x, with or without the NITF namespace)."""
    root = parse_xml(data, source)
    if _local(root) != "nitf":
        raise FormatError(source, f"not a NITF document: the root element is <{_local(root)}>, not <nitf>",
                          root.sourceline)
    return [parse_nitf_element(root, source)]


def parse_nitf_element(element: etree._Element, source: str,
                       defaults: Mapping[str, Any] | None = None) -> StoryVersion:
    """A story version from a ``<nitf>`` element, e.g. one carried inline in a NewsML-G2 item.

    `defaults` are story fields the caller knows from an envelope (guid, version, dates, ...): they
    fill in what the NITF does not say; what the NITF says wins.
    """
    fields: dict[str, Any] = {**(defaults or {}), **read_nitf_fields(element, source)}
    if not fields.get("headline"):
        text = html_to_text(fields.get("body_html") or "")
        if not text:
            raise FormatError(source, "NITF has no headline (hl1 or title) and no body text: "
                                      "nothing to ingest", element.sourceline)
        fields["headline"] = clip(text.split("\n", 1)[0], 120)
    if not fields.get("guid"):
        fields["guid"] = _guid_without_doc_id(element, fields)
    fields.setdefault("version", 1)
    fields.setdefault("first_published", fields.get("version_created") or utcnow())
    fields.setdefault("version_created", fields["first_published"])
    return build_version(fields, source, "NITF", element.sourceline)


def stable_guid(source: str, day: str, slug: str) -> str:
    """The guid of a NITF without a doc-id: ``nitf:{source}:{YYYY-MM-DD}:{slug}``, the slug folded to
    lower-case words joined by ``-`` (so a re-send's white space or case changes nothing). A corrected
    re-send of a story (same source, day and slug, a changed body) then updates the same story."""
    source = " ".join(strip_unsafe(source).split())
    if len(source) > 64:  # a long source: its digest, so the guid keeps within the model's limit
        source = hashlib.sha256(source.encode()).hexdigest()[:32]
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", slug).casefold())
    folded = "-".join(words) or "-"
    head = f"nitf:{source}:{day}:"
    room = GUID_MAX - len(head)
    if len(folded) > room:  # cut, and tell long slugs that share their start apart by their digest
        folded = folded[: room - 17].rstrip("-") + "-" + hashlib.sha256(folded.encode()).hexdigest()[:16]
    return head + folded


def _guid_without_doc_id(element: etree._Element, fields: Mapping[str, Any]) -> str:
    """source + the day the file gives + slug (headline when no slug): see `stable_guid`. A file without
    a date cannot have one (the day of reading would make each re-send new): its content's digest."""
    head = _child(element, "head")
    docdata, body = _child(head, "docdata"), _child(element, "body")
    bhead = _child(body, "body.head")
    day = _file_day(docdata, head, bhead)
    source = next((s for s in (_attr(_child(docdata, "doc-id"), "regsrc"),
                               _attr(_child(docdata, "doc.copyright"), "holder"),
                               _text(_child(bhead, "distributor")), _attr(_child(head, "pubdata"), "name"))
                   if s), "")
    slug = fields.get("slugline") or fields.get("headline") or ""
    if day and slug:
        return stable_guid(source, day, slug)
    digest = hashlib.sha256(etree.tostring(element, method="c14n")).hexdigest()
    return f"nitf-{digest[:32]}"


def _file_day(docdata: etree._Element | None, head: etree._Element | None,
              bhead: etree._Element | None) -> str | None:
    """The day of the story as the file writes it (its own time zone, not UTC): of date.issue, else the
    publication, release or story date."""
    for el, name in ((docdata, "date.issue"), (_child(head, "pubdata"), "date.publication"),
                     (docdata, "date.release"), (_child(bhead, "dateline"), "story.date")):
        raw = _date_as_written(el, name)
        match = _NORM_DATE.match((raw or "").strip())
        if match and parse_norm(raw) is not None:
            y, mo, d = match.groups()[:3]
            return f"{y}-{mo}-{d}"
    return None


def read_nitf_fields(element: etree._Element, source: str) -> dict[str, Any]:
    """Only the story fields the ``<nitf>`` element actually states (none invented, no defaults)."""
    f: dict[str, Any] = {}
    head, body = _child(element, "head"), _child(element, "body")
    bhead = _child(body, "body.head")
    docdata = _child(head, "docdata")

    headline = _text(_child(_child(bhead, "hedline"), "hl1")) or _text(_child(head, "title"))
    if headline:
        f["headline"] = clip(headline, 500)
    spot = _spot(bhead)
    if spot:
        f["spot"] = clip(spot, 2000)
    subheadline = _subheadline(bhead, headline)
    if subheadline:
        f["subheadline"] = clip(subheadline, 1000)
    body_html = "".join(_html_blocks(c) for c in _children(body, "body.content"))
    if body_html:
        f["body_html"] = body_html
    lang = _language(element, body)
    if lang:
        f["language"] = lang

    bylined, free_text = _bylines(bhead)
    tagline = _child(_child(body, "body.end"), "tagline")
    writers = _tagline(tagline)
    if free_text:
        f["byline_text"] = clip("; ".join(free_text), 500)
    tagline_text = _inline_text(tagline)
    if tagline_text and tagline_text != _writers_line(writers):
        f["tagline"] = clip(tagline_text, 1000)
    contributors = _named_once(bylined + [(w, False) for w in writers])
    if contributors:
        f["contributors"] = contributors[:50]
    dateline = _dateline(_child(bhead, "dateline"))
    if dateline:
        f["dateline"] = clip(dateline, 200)
    photos = [p for media in _descendants(body, "media") if (p := _photo(media, source)) is not None]
    if photos:
        f["photos"] = photos[:200]

    _read_docdata(docdata, f)
    kind = _item_kind(docdata, photos, bool(html_to_text(body_html)))
    if kind is not None:
        f["kind"] = kind
    _read_tobject(_child(head, "tobject"), f)
    published = _date(_child(head, "pubdata"), "date.publication")
    issued = _date(docdata, "date.issue")
    released = _date(docdata, "date.release")
    story_date = _date(_child(bhead, "dateline"), "story.date")
    first = issued or published or released or story_date
    if first:
        f["first_published"] = first
    if published or first:
        f["version_created"] = published or first
    if released and issued and released > issued:
        f["embargo"] = released
    return {k: v for k, v in f.items() if v not in (None, "", [])}


def _read_docdata(docdata: etree._Element | None, f: dict[str, Any]) -> None:
    if docdata is None:
        return
    doc_id = _child(docdata, "doc-id")
    if doc_id is not None and (doc_id.get("id-string") or "").strip():
        f["guid"] = doc_id.get("id-string", "").strip()
    status = (docdata.get("management-status") or "").strip().lower().replace("cancelled", "canceled")
    if status in PubStatus.__members__:
        f["pubstatus"] = PubStatus(status)
    urgency = _child(docdata, "urgency")
    level = (_attr(urgency, "ed-urg") or "").strip()
    if level.isdigit() and 1 <= int(level) <= 9:
        f["urgency"] = int(level)
    du_key = _child(docdata, "du-key")
    if du_key is not None:
        if (du_key.get("version") or "").strip().isdigit() and int(du_key.get("version", "")) >= 1:
            f["version"] = int(du_key.get("version", ""))
        if (du_key.get("key") or "").strip():
            f["slugline"] = clip(du_key.get("key", "").strip(), 200)
    correction = _child(docdata, "correction")
    notes = [_attr(e, "info") for e in (_child(docdata, "ed-msg"), correction)]
    if correction is not None:
        f["is_correction"] = True
    f["editor_note"] = next((n for n in notes if n), None)
    series = _child(docdata, "series")
    if series is not None and _attr(series, "series.name"):
        f["dossier"] = clip(_attr(series, "series.name") or "", 200)
    f["keywords"] = _dedupe(clip(k, 1000) for e in _children(_child(docdata, "key-list"), "keyword")
                            if (k := _attr(e, "key")))[:100]

    places: list[Concept] = []
    people: list[Concept] = []
    orgs: list[Concept] = []
    categories: list[str] = []
    subjects: list[Concept] = []
    for ident in _children(docdata, "identified-content"):
        for e in ident:
            name, kind = _text(e), _local(e)
            if kind == "location" and name:
                places.append(_concept(name, e.get("code-source"), e.get("location-code")))
            elif kind in ("person", "org") and name:
                (people if kind == "person" else orgs).append(_concept(name, e.get("idsrc"), e.get("value")))
            elif kind == "classifier":
                ctype = (e.get("type") or "").strip().lower()
                if ctype == "category" and name:
                    categories.append(clip(name, 1000))
                elif ctype == "subject" and name:
                    subjects.append(_concept(name, e.get("idsrc"), e.get("value")))
                elif ctype == "translation-group" and _attr(e, "value"):
                    f["translation_group"] = clip(_attr(e, "value") or "", 100)
    for evloc in _children(docdata, "evloc"):  # where the event happened: a place
        keys = ("city", "county-dist", "state-prov", "iso-cc")
        name = next((v for k in keys if (v := _attr(evloc, k))), None)
        if name and all(p.name != name for p in places):
            places.append(Concept(name=clip(name, 1000)))
    f["places"], f["people"], f["organisations"] = places[:100], people[:100], orgs[:100]
    f["categories"] = _dedupe(categories)[:20]
    f["subjects"] = subjects  # tobject subjects go in front of these


def _read_tobject(tobject: etree._Element | None, f: dict[str, Any]) -> None:
    coded: list[Concept] = []
    for e in _children(tobject, "tobject.subject"):
        refnum = _attr(e, "tobject.subject.refnum")
        if not refnum:
            continue
        ipr = _attr(e, "tobject.subject.ipr") or "IPTC"
        code = f"subj:{refnum}" if ipr.upper() == "IPTC" else f"{ipr}:{refnum}"
        # the most specific label the wire gives; a bare code stands for itself
        labels = (_attr(e, f"tobject.subject.{k}") for k in ("detail", "matter", "type"))
        name = next((v for v in labels if v), refnum)
        coded.append(Concept(name=clip(name, 1000), code=code[:300]))
    subjects = coded + f.get("subjects", [])
    f["subjects"] = subjects[:100]


def _spot(bhead: etree._Element | None) -> str:
    abstract = _child(bhead, "abstract")
    if abstract is None:
        return ""
    return html_to_text(_html_blocks(abstract)) or _text(abstract)


def _subheadline(bhead: etree._Element | None, headline: str) -> str:
    """The hl2s of the hedline, less one that only repeats the headline (AP keeps its original there)."""
    decks = [t for hl2 in _children(_child(bhead, "hedline"), "hl2")
             if (t := _text(hl2)) and t.casefold() != headline.casefold()]
    return " / ".join(_dedupe(decks))


def _bylines(bhead: etree._Element | None) -> tuple[list[tuple[Contributor, bool]], list[str]]:
    """Each byline's people (and whether the name was only taken from free text), and the free text
    of the bylines that name no <person> ("By BERNARD CONDON", "gr/bp"): the byline as sent."""
    people: list[tuple[Contributor, bool]] = []
    free_text: list[str] = []
    for byline in _children(bhead, "byline"):
        title = _text(_child(byline, "byttl")) or None
        place = _text(_child(byline, "location")) or None
        classes = [c for c in (byline.get("class") or "").lower().split() if c in Role.__members__]
        # the role: ours in class; else a byttl that is just a role's name (a photographer's byline)
        named_role = (title or "").lower()
        role = Role(classes[0]) if classes else Role(named_role) if named_role in Role.__members__ \
            else Role.reporter
        persons = [_text(p) for p in _children(byline, "person")]
        from_text = not any(persons)
        if from_text:
            own = " ".join((byline.text or "").split()).strip(" ,;")
            if own:
                free_text.append(own)
            names = re.sub(r"^by\s+", "", own, flags=re.I)
            # "By Jane Roe and Ola Nordmann" names two people; a byline with only a title names a source
            persons = [n for part in re.split(r"\s+(?:and|&)\s+", names, flags=re.I) if (n := part.strip(" ,;"))]
            persons, title = (persons, title) if persons else ([title or ""], None)
        for name in persons:
            if name:
                people.append((Contributor(name=clip(name, 1000), role=role, place=place and place[:200],
                                           title=title and clip(title, 200)), from_text))
    return people, free_text


def _named_once(people: list[tuple[Contributor, bool]]) -> list[Contributor]:
    """The contributors, less those taken from a free-text byline that another byline names in full
    (Newsflow writes the byline as typed and each contributor's own)."""
    named = {c.name.casefold() for c, from_text in people if not from_text}
    return [c for c, from_text in people if not (from_text and c.name.casefold() in named)]


def _tagline(tagline: etree._Element | None) -> list[Contributor]:
    """Writers credited at the end: each <person>, with the <location> that follows it."""
    writers: list[Contributor] = []
    for e in tagline if tagline is not None else ():
        if _local(e) == "person" and _text(e):
            writers.append(Contributor(name=clip(_text(e), 1000), role=Role.writer))
        elif _local(e) == "location" and writers and _text(e):
            writers[-1] = writers[-1].model_copy(update={"place": _text(e)[:200]})
    return writers


def _dateline(dateline: etree._Element | None) -> str:
    if dateline is None:
        return ""
    parts = [dateline.text or ""]
    for e in dateline:
        if _local(e) != "story.date":
            parts.append(_text(e))
        parts.append(e.tail or "")
    return _ws(" ".join(parts)).strip(" \t\r\n,;-\u2013\u2014")


def _item_kind(docdata: etree._Element | None, photos: list[Photo], has_text: bool) -> ItemKind | None:
    """A media item's kind; None for a text story. Clearly a media item: the file says so (Newsflow's
    ``classifier type="item-kind"``), or its body.content holds media and no text of its own (captions
    are the media's)."""
    if not photos:
        return None
    for ident in _children(docdata, "identified-content"):
        for e in _children(ident, "classifier"):
            declared = (e.get("value") or "").strip().lower()
            if (e.get("type") or "").strip().lower() == ITEM_KIND_CLASSIFIER and declared in ItemKind.__members__ \
                    and ItemKind(declared) in MEDIA_KINDS:
                return ItemKind(declared)
    return None if has_text else photos[0].kind


def _photo(media: etree._Element, source: str) -> Photo | None:
    """A media object: a stored one of Newsflow's (its media id) or a file beside the wire its relative
    reference names (stored by the ingest channel's resolver), with every absolute rendition either way."""
    refs = _children(media, "media-reference")
    kind = _media_kind(media, refs)
    if kind is None:
        return None
    meta = {(m.get("name") or ""): (m.get("value") or "").strip() for m in _children(media, "media-metadata")}
    media_id = meta.get(MEDIA_ID_META) or None
    absolute = [(r, src) for r in refs if (src := _source(r)) and _ABSOLUTE.match(src)]
    relative = [(r, src) for r in refs if (src := _source(r)) and not _ABSOLUTE.match(src)]
    if not media_id and relative:
        # the largest first: the library makes its own renditions from the one file it keeps
        ordered = sorted(relative, key=lambda rs: (_attr(rs[0], "name") != "original", -_int(rs[0].get("width"))))
        media_id = next((m for r, src in ordered if (m := local_media_id(src, _attr(r, "mime-type")))), None)
        if not media_id:
            what = "its absolute renditions kept" if absolute else "dropped"
            log.warning("%s: media %r: %s (no file found for its relative reference)", source,
                        relative[0][1][:200], what)
    if not media_id and not absolute:
        return None
    alt = next((a for r in refs if (a := _attr(r, "alternate-text"))), None)
    caption = " ".join(t for c in _children(media, "media-caption") if (t := _text(c)))
    credit = " ".join(t for c in _children(media, "media-producer") if (t := _text(c)))
    # a stored one keeps its links too: another Newsflow that ingests this file does not hold the media
    # id and fetches the renditions instead (ingest.media.foreign_as_remote)
    href, renditions = _renditions(absolute, meta)
    try:
        return Photo(kind=kind, media_id=media_id[:64] if media_id else None, href=href,
                     renditions=renditions[:50],
                     title=clip(meta["title"], 500) if meta.get("title") else None,
                     caption=clip(caption, 4000), credit=clip(credit, 500),
                     alt=clip(alt, 1000) if alt else None)
    except ValidationError as exc:
        log.warning("%s: media %r dropped: %s", source, (href or media_id or "")[:200], exc.errors()[0]["msg"])
        return None


def _media_kind(media: etree._Element, refs: list[etree._Element]) -> ItemKind | None:
    """picture, graphic, video or audio from media-type (image with class "graphic" is a graphic); for
    media-type text, data, other or none, from the files' mime types; None for no such media."""
    kind = _KIND_OF_MEDIA_TYPE.get((media.get("media-type") or "").strip().lower())
    if kind is None:
        kind = next((k for r in refs if (k := _KIND_OF_MIME.get((r.get("mime-type") or "").split("/")[0]))),
                    None)
    if kind == ItemKind.picture and "graphic" in (media.get("class") or "").lower().split():
        kind = ItemKind.graphic
    return kind


def _source(ref: etree._Element) -> str | None:
    """Where a reference points: an absolute source or data-location first, else a relative one."""
    found = [s for s in (_attr(ref, "source"), _attr(ref, "data-location")) if s]
    return next((s for s in found if _ABSOLUTE.match(s)), found[0] if found else None)


def _renditions(absolute: list[tuple[etree._Element, str]],
                meta: Mapping[str, str]) -> tuple[str | None, list[Rendition]]:
    """(the main href, the renditions) of a remote media object. A lone bare reference (no name, no
    facts) is just the media's href; so is a bare one beside named renditions (its main file). The
    others are renditions; one without a name is the original when first, else rendition-N."""
    bare = [(r, s) for r, s in absolute if not _attr(r, "name") and not _facts(r)]
    href = bare[0][1] if bare else None
    rest = [(r, s) for r, s in absolute if (r, s) != (bare[0] if bare else None)]
    renditions: list[Rendition] = []
    taken: set[str] = set()
    for i, (ref, src) in enumerate(rest):
        name = clip(_attr(ref, "name") or "", 100) or ("original" if i == 0 else f"rendition-{i + 1}")
        if name in taken:
            name = f"{name[:90]}-{i + 1}"
        taken.add(name)
        mimetype = _attr(ref, "mime-type")
        duration = _duration(ref)
        if duration is None and (mimetype or "").split("/")[0] in ("video", "audio"):
            duration = _seconds(meta.get("duration"), None)
        size = meta.get(f"{SIZE_META}{name}", "")
        try:
            renditions.append(Rendition(name=name, href=src, mimetype=mimetype and mimetype[:200],
                                        width=_int(ref.get("width")) or None, height=_int(ref.get("height")) or None,
                                        size=int(size) if size.isdigit() else None, duration=duration))
        except ValidationError:
            continue  # an out-of-range fact or an overlong href: that one file only
    return href, renditions


def _facts(ref: etree._Element) -> bool:
    return any(_attr(ref, k) for k in ("mime-type", "width", "height", "time"))


def _int(value: str | None) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else 0


def _duration(ref: etree._Element) -> float | None:
    return _seconds(_attr(ref, "time"), _attr(ref, "time-unit-of-measure"))


_UNIT_SECONDS = {"": 1.0, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0, "ms": 0.001,
                 "millisecond": 0.001, "milliseconds": 0.001, "min": 60.0, "minute": 60.0, "minutes": 60.0}


def _seconds(value: str | None, unit: str | None) -> float | None:
    """A play time in seconds: a number in `unit` (seconds when none), or h:mm:ss(.f)."""
    value = (value or "").strip()
    if re.fullmatch(r"\d+(:\d{1,2}){1,2}(\.\d+)?", value):
        total = 0.0
        for part in value.split(":"):
            total = total * 60 + float(part)
        return total
    factor = _UNIT_SECONDS.get((unit or "").strip().lower())
    if factor is None or not re.fullmatch(r"\d+(\.\d+)?", value):
        return None
    seconds = float(value) * factor
    return seconds if seconds <= 10**7 else None


def _language(root: etree._Element, body: etree._Element | None) -> str | None:
    for value in (root.get("baselang"), body.get(XML_LANG) if body is not None else None, root.get(XML_LANG)):
        lang = (value or "").strip().replace("_", "-")
        if lang:
            primary, _, rest = lang.partition("-")
            lang = primary.lower() + ("-" + rest if rest else "")
            if is_language_tag(lang):
                return lang
    return None


# Body: NITF -> HTML. The result goes through the model's sanitizer like any other body.

_INLINE_HTML = {"a", "br", "em", "q", "lang", "sub", "sup"}


def _html_blocks(container: etree._Element) -> str:
    out: list[str] = []
    for e in container:
        name = _local(e)
        if name in ("p", "hl2", "credit", "dt"):
            inner = _html_inline(e)
            if not inner:
                continue
            if name == "hl2":
                level = (e.get("class") or "h2").lower()
                tag = level if level in _HEADINGS - {"h1"} else "h2"
            else:
                tag = "p"
            if name == "dt":
                inner = f"<strong>{inner}</strong>"
            out.append(f"<{tag}{_html_lang(e)}>{inner}</{tag}>")
        elif name in ("block", "body.content"):
            out.append(_html_blocks(e))
        elif name in ("note", "fn"):
            out.extend(_html_blocks(c) for c in _children(e, "body.content"))
        elif name in ("ul", "ol"):
            items = "".join(f"<li{_html_lang(li)}>{_html_mixed(li)}</li>" for li in _children(e, "li"))
            if items:
                out.append(f"<{name}{_html_lang(e)}>{items}</{name}>")
        elif name == "dl":
            out.append(_html_blocks(e))
        elif name == "dd":
            inner = _html_mixed(e)
            if inner:
                out.append(inner if inner.startswith("<") and _has_block(e) else f"<p>{inner}</p>")
        elif name == "bq":
            inner = _html_blocks(e)
            if inner:
                out.append(f"<blockquote{_html_lang(e)}>{inner}</blockquote>")
        elif name == "pre":
            out.append(f"<pre{_html_lang(e)}>{_esc(''.join(e.itertext()))}</pre>")
        elif name == "hr":
            out.append("<hr>")
        elif name == "table":
            out.append(_html_table(e))
        elif name in ("media", "tobject", "key-list", "classifier", "byline", "dateline", "copyrite",
                      "abstract", "datasource"):
            continue  # photos and metadata are read elsewhere
        elif isinstance(e.tag, str):
            inner = _html_inline(e)  # unknown block (nitf-table, foreign namespaces): keep its text
            if inner:
                out.append(f"<p>{inner}</p>")
    return "".join(out)


def _html_table(table: etree._Element) -> str:
    rows: list[str] = []
    for part in table:
        name = _local(part)
        if name in ("thead", "tbody", "tfoot"):
            inner = "".join(_html_row(r) for r in _children(part, "tr"))
            tag = "thead" if name == "thead" else "tbody"
            if inner:
                rows.append(f"<{tag}>{inner}</{tag}>")
        elif name == "tr":
            rows.append(_html_row(part))
    return f"<table>{''.join(rows)}</table>" if rows else ""


def _html_row(tr: etree._Element) -> str:
    cells: list[str] = []
    for cell in tr:
        name = _local(cell)
        if name in ("td", "th"):
            span = "".join(f' {k}="{cell.get(k)}"' for k in ("colspan", "rowspan")
                           if (cell.get(k) or "").isdigit())
            cells.append(f"<{name}{span}{_html_lang(cell)}>{_html_mixed(cell)}</{name}>")
    return f"<tr>{''.join(cells)}</tr>"


_NITF_BLOCKS = frozenset({"p", "hl2", "table", "nitf-table", "media", "ol", "ul", "dl", "bq", "fn", "note",
                          "pre", "hr", "block"})


def _has_block(e: etree._Element) -> bool:
    return any(_local(c) in _NITF_BLOCKS for c in e)


def _html_mixed(e: etree._Element) -> str:
    if not _has_block(e):
        return _html_inline(e)
    lead = _ws(_esc(e.text or "")).strip()
    return (f"<p>{lead}</p>" if lead else "") + _html_blocks(e)


def _html_inline(e: etree._Element) -> str:
    """The inline content of a NITF element as HTML, white space from indentation folded."""
    return _ws(_inline_parts(e)).strip(" \t\r\n")


def _inline_parts(e: etree._Element) -> str:
    parts = [_esc(e.text or "")]
    for child in e:
        name = _local(child)
        if name == "br":
            parts.append("<br>")
        elif name == "a":
            href = child.get("href")
            attrs = (f' href="{_esc(href.strip(), True)}"' if href else "") + (
                f' title="{_esc(child.get("title") or "", True)}"' if child.get("title") else "")
            parts.append(f"<a{attrs}{_html_lang(child)}>{_inline_parts(child)}</a>")
        elif name == "em":
            cls = (child.get("class") or "").strip().lower()
            tag = cls if cls in _EM_CLASSES else "em"
            parts.append(f"<{tag}{_html_lang(child)}>{_inline_parts(child)}</{tag}>")
        elif name in ("q", "sub", "sup"):
            parts.append(f"<{name}{_html_lang(child)}>{_inline_parts(child)}</{name}>")
        elif name == "lang":
            parts.append(f"<span{_html_lang(child)}>{_inline_parts(child)}</span>")
        elif name in _NITF_BLOCKS:
            parts.append(" " + _html_blocks_as_text(child) + " ")
        elif isinstance(child.tag, str):
            parts.append(_inline_parts(child))  # person, org, location, chron, money ...: their text
        parts.append(_esc(child.tail or ""))
    return "".join(parts)


def _html_blocks_as_text(e: etree._Element) -> str:
    return _esc(_ws(" ".join(e.itertext())).strip())


def _html_lang(e: etree._Element) -> str:
    lang = e.get(XML_LANG)
    return f' lang="{_esc(lang, True)}"' if lang and is_language_tag(lang) else ""


# ------------------------------------------------------------------------------------------- helpers

def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    """A NITF child element; attributes whose value is None are left out."""
    el = etree.SubElement(parent, _q(tag), {k: v for k, v in attrs.items() if v is not None})
    if text:
        el.text = text
    return el


def _append_text(el: etree._Element, text: str) -> None:
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    """Children by local name: NITF comes with the 2006 namespace, another one, or none."""
    return [] if el is None else [c for c in el if _local(c) == name]


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _descendants(el: etree._Element | None, name: str) -> Iterator[etree._Element]:
    if el is not None:
        yield from (d for d in el.iter() if _local(d) == name)


def _text(el: etree._Element | None) -> str:
    return "" if el is None else _ws(" ".join(el.itertext())).strip()


def _inline_text(el: etree._Element | None) -> str:
    """Mixed content as one line: inline elements (person, location) add no spaces of their own."""
    return "" if el is None else " ".join("".join(el.itertext()).split())


def _attr(el: etree._Element | None, name: str) -> str | None:
    value = el.get(name) if el is not None else None
    return value.strip() or None if value else None


def _ws(text: str) -> str:
    # Line breaks with their indentation are layout; a no-break space is content and stays.
    return re.sub(r"[ \t\r]*\n[ \t\r\n]*", " ", text)


def _esc(text: str, quote: bool = False) -> str:
    return html_mod.escape(text, quote=quote)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def _norm(dt: datetime) -> str:
    """NITF's normalised ISO 8601 form, in UTC (the XSD's "alternative" YYYYMMDDTHHMMSSZ)."""
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


_NORM_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2}))?(?:[.,]\d+)?)?"
                        r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$", re.I)


def parse_norm(value: str | None) -> datetime | None:
    """A NITF ``norm`` date (basic or extended ISO 8601); no zone means UTC; unreadable means None."""
    match = _NORM_DATE.match((value or "").strip())
    if not match:
        return None
    y, mo, d, h, mi, s, zone = match.groups()
    tz = UTC
    if zone and zone.upper() != "Z":
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
        tz = timezone(timedelta(minutes=minutes if zone[0] == "+" else -minutes))
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), tzinfo=tz)
    except ValueError:
        return None
    return dt.astimezone(UTC)


def _date(parent: etree._Element | None, name: str) -> datetime | None:
    return parse_norm(_date_as_written(parent, name))


def _date_as_written(parent: etree._Element | None, name: str) -> str | None:
    """The `name` element's norm date under `parent`, or the parent's own attribute `name`."""
    if parent is None:
        return None
    el = _child(parent, name)
    return el.get("norm") if el is not None else parent.get(name)


def _split_code(code: str | None) -> tuple[str | None, str | None]:
    """"scheme:code" into its two halves (NITF keeps the source apart); URIs and bare codes stay whole."""
    if code and ":" in code and "://" not in code:
        scheme, _, value = code.partition(":")
        if scheme and value:
            return scheme, value
    return None, code


def _concept(name: str, source: str | None, value: str | None) -> Concept:
    source, value = (source or "").strip(), (value or "").strip()
    code = f"{source}:{value}" if source and value else value or None
    return Concept(name=clip(name, 1000), code=code[:300] if code else None)


def _subject_ref(code: str | None) -> tuple[str, str] | None:
    """(ipr, refnum) for a tobject.subject, or None when the code cannot be one (none, a URI, ...)."""
    scheme, value = _split_code(code)
    if not scheme or not value or not _NMTOKEN.match(value):
        return None
    return ("IPTC" if scheme == "subj" else scheme), value


def _subject_level(ipr: str, refnum: str) -> str:
    """Where the label goes: IPTC Subject Codes are three tiers in eight digits."""
    if ipr == "IPTC" and len(refnum) == 8 and refnum.isdigit():
        if refnum.endswith("000000"):
            return "type"
        return "matter" if refnum.endswith("000") else "detail"
    return "type"

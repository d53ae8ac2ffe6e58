"""IPTC NITF 3.6: render a story version as a NITF document, and read NITF wires (3.x, with or
without the NITF namespace) back into story versions.

Where each field goes (written in the NITF 3.6 namespace, valid against the official XSD):

===================  ==========================================================================
headline             head/title and body.head/hedline/hl1
spot                 body.head/abstract (one ``p``)
body_html            body.content/block: p, hl2 (h2; h3-h6 as ``hl2 class="h3"`` ...), ul/ol/li,
                     bq, pre, hr, table; inline a, br, q, em (strong, b, i, u, s, sub, sup, abbr,
                     cite, code and span as ``em class="strong"`` etc.), ``lang`` as ``xml:lang``
photos               body.content/media (after the text): media-reference per rendition (stored
                     photos, href from the render context) or the remote href, alternate-text = alt,
                     media-caption = caption, media-producer = credit, media-metadata ``title`` and,
                     for stored photos, ``newsflow-media-id``
contributors         writers: body.end/tagline ("* Writing by <person/> from <location/>");
                     everyone else: one body.head/byline each (person, byttl = role, location = place)
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
portion). Also lost on a round trip: times finer than a second; the ``dir`` attribute and the
attributes other than ``lang``, ``href``, ``title``, ``colspan`` and ``rowspan`` in the body;
whitespace between body blocks and empty paragraphs; ``figure`` wrappers in the body (their
content is kept as paragraphs). Order is kept within each container, not across them: subjects
with an IPTC-style code come before those without, bylined contributors before writers.

Reading is lenient because real wires are: no namespace or any namespace, any 3.x ``version``,
free-text change dates, dates without a time zone (taken as UTC), missing ids (a stable id is made
from the content), missing dates (the time of reading). Photos whose reference is not an
http(s) URL (an agency's internal picture id) cannot be fetched and are skipped.
"""

from __future__ import annotations

import hashlib
import html as html_mod
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import lxml.html
from lxml import etree
from pydantic import ValidationError

from newsflow.formats.base import FormatError, RenderContext, build_version, clip
from newsflow.formats.xmlsafe import parse_xml
from newsflow.model import (
    Concept,
    Contributor,
    Photo,
    PubStatus,
    Role,
    StoryVersion,
    html_to_text,
    is_language_tag,
    utcnow,
)

NS = "http://iptc.org/std/NITF/2006-10-18/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The 3.6 XSD fixes these three attribute values on the root.
_ROOT_ATTRS = {"version": "-//IPTC//DTD NITF 3.6//EN", "change.date": "September 11, 2009",
               "change.time": "12:26"}
MEDIA_ID_META = "newsflow-media-id"
NOT_CARRIED = frozenset({"summary", "related", "public"})

_NMTOKEN = re.compile(r"^[\w.:-]+$")
_ROLE_TITLES = {role: role.value.capitalize() for role in Role}
# HTML inline tags NITF has no element for: carried as <em class="tag"> so they come back as they were.
_EM_CLASSES = frozenset({"strong", "b", "i", "u", "s", "sub", "sup", "abbr", "cite", "code", "span"})
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


# --------------------------------------------------------------------------------------------- render

def render(version: StoryVersion, ctx: RenderContext) -> bytes:
    """The version as a NITF 3.6 document (UTF-8)."""
    v = version
    root = etree.Element(_q("nitf"), nsmap={None: NS}, attrib={**_ROOT_ATTRS, "baselang": v.language})
    head = _sub(root, "head")
    _sub(head, "title", v.headline)
    _render_tobject(head, v)
    _render_docdata(head, v, ctx)
    _sub(head, "pubdata", type="web", name=ctx.provider, **{"date.publication": _norm(v.version_created),
                                                           "ex-ref": ctx.item_uri(v.guid)})

    body = _sub(root, "body", **{XML_LANG: v.language})
    _render_body_head(_sub(body, "body.head"), v, ctx)
    content = _sub(body, "body.content")
    if v.body_html:
        _html_to_nitf(_sub(content, "block"), v.body_html)
    # Text first, gallery after it: simple consumers read body.content from the top as the story.
    for photo in v.photos:
        _render_photo(content, photo, ctx)
    writers = [c for c in v.contributors if c.role == Role.writer]
    if writers:
        _render_tagline(_sub(_sub(body, "body.end"), "tagline"), writers)
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
    if v.translation_group:
        _sub(ident, "classifier", type="translation-group", value=v.translation_group)
    if len(ident):
        docdata.append(ident)


def _render_body_head(bhead: etree._Element, v: StoryVersion, ctx: RenderContext) -> None:
    _sub(_sub(bhead, "hedline"), "hl1", v.headline)
    for person in v.contributors:
        if person.role == Role.writer:
            continue  # writers are credited in the tagline, as the seed article does at its end
        byline = _sub(bhead, "byline", "By ")
        _sub(byline, "person", person.name).tail = ", "
        title = _sub(byline, "byttl", _ROLE_TITLES[person.role])
        if person.place:
            title.tail = ", "
            _sub(byline, "location", person.place)
    _sub(_sub(bhead, "distributor"), "org", ctx.provider)
    if v.dateline:
        _sub(_sub(bhead, "dateline"), "location", v.dateline)
    if v.spot:
        _sub(_sub(bhead, "abstract"), "p", v.spot)


def _render_photo(content: etree._Element, photo: Photo, ctx: RenderContext) -> None:
    media = _sub(content, "media", **{"media-type": "image"})
    if photo.media_id:
        _sub(media, "media-metadata", name=MEDIA_ID_META, value=photo.media_id)
    if photo.title:
        _sub(media, "media-metadata", name="title", value=photo.title)
    for ref in _references(photo, ctx):
        _sub(media, "media-reference", **ref, **{"alternate-text": photo.alt})
    if photo.caption:
        _sub(media, "media-caption", photo.caption)
    if photo.credit:
        _sub(media, "media-producer", photo.credit)


def _references(photo: Photo, ctx: RenderContext) -> list[dict[str, str | None]]:
    """One reference per rendition of a stored photo, the original first; the href of a remote one."""
    if not photo.media_id:
        return [{"source": photo.href}]
    record = ctx.media(photo.media_id) or {}
    renditions: dict[str, dict[str, Any]] = record.get("renditions") or {"original": {}}
    # the original first, then the larger ones: consumers tend to take the first reference
    names = sorted(renditions, key=lambda n: (n != "original", -int(renditions[n].get("width") or 0)))
    refs: list[dict[str, str | None]] = []
    for name in names:
        info = renditions[name]
        width, height = info.get("width"), info.get("height")
        refs.append({"source": ctx.rendition_href(photo.media_id, name), "name": name,
                     "mime-type": info.get("mimetype"), "width": str(width) if width else None,
                     "height": str(height) if height else None, "units": "pixels" if width else None})
    return refs


def _render_tagline(tagline: etree._Element, writers: list[Contributor]) -> None:
    tagline.text = "* Writing by "
    for i, writer in enumerate(writers):
        if i:
            _append_text(tagline, " and ")
        _sub(tagline, "person", writer.name)
        if writer.place:
            _append_text(tagline, " from ")
            _sub(tagline, "location", writer.place)


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
    # no id in the file: one from its content, so the same file read twice is the same story
    digest = hashlib.sha256(etree.tostring(element, method="c14n")).hexdigest()
    fields.setdefault("guid", f"nitf-{digest[:32]}")
    fields.setdefault("version", 1)
    fields.setdefault("first_published", fields.get("version_created") or utcnow())
    fields.setdefault("version_created", fields["first_published"])
    return build_version(fields, source, "NITF", element.sourceline)


def read_nitf_fields(element: etree._Element, source: str) -> dict[str, Any]:
    """Only the story fields the ``<nitf>`` element actually states (none invented, no defaults)."""
    f: dict[str, Any] = {}
    head, body = _child(element, "head"), _child(element, "body")
    bhead = _child(body, "body.head")
    docdata = _child(head, "docdata")

    headline = _text(_child(_child(bhead, "hedline"), "hl1")) or _text(_child(head, "title"))
    if headline:
        f["headline"] = clip(headline, 500)
    spot = _spot(bhead, headline)
    if spot:
        f["spot"] = clip(spot, 2000)
    body_html = "".join(_html_blocks(c) for c in _children(body, "body.content"))
    if body_html:
        f["body_html"] = body_html
    lang = _language(element, body)
    if lang:
        f["language"] = lang

    contributors = _bylines(bhead) + _tagline(_child(_child(body, "body.end"), "tagline"))
    if contributors:
        f["contributors"] = contributors[:50]
    dateline = _dateline(_child(bhead, "dateline"))
    if dateline:
        f["dateline"] = clip(dateline, 200)
    photos = [p for media in _descendants(body, "media") if (p := _photo(media)) is not None]
    if photos:
        f["photos"] = photos[:200]

    _read_docdata(docdata, f)
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


def _spot(bhead: etree._Element | None, headline: str) -> str:
    abstract = _child(bhead, "abstract")
    if abstract is not None:
        return html_to_text(_html_blocks(abstract)) or _text(abstract)
    # no abstract: a second headline that is not just the first again serves as the standfirst
    for hl2 in _children(_child(bhead, "hedline"), "hl2"):
        text = _text(hl2)
        if text and text.casefold() != headline.casefold():
            return text
    return ""


def _bylines(bhead: etree._Element | None) -> list[Contributor]:
    people: list[Contributor] = []
    for byline in _children(bhead, "byline"):
        title = _text(_child(byline, "byttl"))
        role = Role(title.lower()) if title.lower() in Role.__members__ else Role.reporter
        place = _text(_child(byline, "location")) or None
        persons = [_text(p) for p in _children(byline, "person")]
        if not any(persons):
            # plain-text bylines ("By BERNARD CONDON", "gr/bp"); a byline with only a title names a source
            own = _ws(byline.text or "").strip()
            own = re.sub(r"^by\s+", "", own, flags=re.I).strip(" ,;")
            persons = [own or title]
        for name in persons:
            if name:
                people.append(Contributor(name=clip(name, 1000), role=role, place=place and place[:200]))
    return people


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


def _photo(media: etree._Element) -> Photo | None:
    kind = (media.get("media-type") or "").lower()
    refs = _children(media, "media-reference")
    if kind not in ("image", "photo", "graphic") and not any(
            (r.get("mime-type") or "").startswith("image/") for r in refs):
        return None
    meta = {(m.get("name") or ""): (m.get("value") or "").strip() for m in _children(media, "media-metadata")}
    href = next((s for r in refs for s in (r.get("source"), r.get("data-location"))
                 if s and re.match(r"^https?://", s.strip())), None)
    media_id = meta.get(MEDIA_ID_META) or None
    if not href and not media_id:
        return None  # an agency-internal picture id we cannot fetch
    alt = next((a for r in refs if (a := _attr(r, "alternate-text"))), None)
    caption = " ".join(t for c in _children(media, "media-caption") if (t := _text(c)))
    credit = " ".join(t for c in _children(media, "media-producer") if (t := _text(c)))
    try:
        return Photo(media_id=media_id[:64] if media_id else None,
                     href=None if media_id else (href or "").strip() or None,
                     title=clip(meta["title"], 500) if meta.get("title") else None,
                     caption=clip(caption, 4000), credit=clip(credit, 500),
                     alt=clip(alt, 1000) if alt else None)
    except ValidationError:
        return None


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
    """The `name` element's norm date under `parent`, or the parent's own attribute `name`."""
    if parent is None:
        return None
    el = _child(parent, name)
    return parse_norm(el.get("norm")) if el is not None else parse_norm(parent.get(name))


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

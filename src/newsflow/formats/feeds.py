"""Read Atom (1.0, and 0.3) and RSS (2.0/0.9x, and 1.0 RDF) feeds: each entry or item is a story.

=====================  ==================================  =========================================
story field            Atom                                RSS
=====================  ==================================  =========================================
guid                   id (else alternate link)            guid (else link)
headline               title (text/html/xhtml as text)     title
spot                   summary, as plain text              description, when content:encoded exists
body_html              content (text -> paragraphs;        content:encoded, else description
                       html; xhtml); out-of-line src: none (HTML, or plain text -> paragraphs)
first_published        published (0.3: issued)             pubDate (RFC 822), dc:date
version_created        updated (0.3: modified)             the same as first_published
contributors           author/name, else the feed's        author ("mail (Name)"), dc:creator
categories             category label, else term           category, dc:subject
photos (remote href)   link rel=enclosure image/*,         enclosure image/*, media:content
                       media:content / media:group         (media:title, media:description,
                       (media:thumbnail if nothing else)   media:credit)
language               xml:lang of the entry or the feed   channel language, dc:language, xml:lang
=====================  ==================================  =========================================

Missing ids get a stable one from the entry's content; missing dates fall back to the feed's date,
then to the time of reading. The body goes through the model's sanitizer like any other input.
One vendor extension is read because a real wire needs it: WENN's Atom puts a placeholder in
``<content>`` and the article in ``wenn_cm:first_line`` / ``wenn_cm:body`` (see ``_wenn``).
"""

from __future__ import annotations

import copy
import hashlib
import html as html_mod
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from newsflow.formats.base import FormatError, RenderContext, build_version, clip, render_each
from newsflow.formats.nitf import parse_norm
from newsflow.formats.xmlsafe import parse_xml
from newsflow.model import Contributor, Photo, StoryVersion, html_to_text, is_language_tag, utcnow

ATOM_NS = ("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#")
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
_IMAGE_EXT = re.compile(r"\.(jpe?g|png|gif|webp|avif)(\?|#|$)", re.I)


def parse(data: bytes, source: str) -> list[StoryVersion]:
    root = parse_xml(data, source)
    name, ns = _local(root), etree.QName(root).namespace
    if name == "feed" and (ns in ATOM_NS or ns is None):
        feed = _AtomFeed(root, source)
        return [feed.entry(e, i) for i, e in enumerate(root.iterfind(feed.q("entry")), 1)]
    if name == "entry" and ns in ATOM_NS:  # a single Atom entry document
        return [_AtomFeed(root, source).entry(root, 1)]
    if name == "rss":
        channel = _child(root, "channel")
        if channel is None:
            raise FormatError(source, "RSS document without a <channel>", root.sourceline)
        return _rss(channel, _children(channel, "item"), source)
    if name == "RDF":  # RSS 1.0 / 0.90: items are siblings of the channel, in the RSS namespace
        items = [c for c in root if _local(c) == "item"]
        channel = next((c for c in root if _local(c) == "channel"), root)
        return _rss(channel, items, source)
    raise FormatError(source, f"not an Atom or RSS feed: the root element is <{name}>", root.sourceline)


# ----------------------------------------------------------------------------------------------- Atom

class _AtomFeed:
    """What an entry inherits from its feed: authors, date, language."""

    def __init__(self, root: etree._Element, source: str) -> None:
        self.ns = etree.QName(root).namespace
        self.source = source
        feed = root if _local(root) == "feed" else None
        self.authors = self._authors(feed)
        self.updated = _date(_text(self.find(feed, "updated", "modified")))

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}" if self.ns else name

    def find(self, el: etree._Element | None, *names: str) -> etree._Element | None:
        """The first child of `el` with one of `names`, tried in order (Atom 1.0 names, then 0.3 ones)."""
        for name in names:
            found = None if el is None else el.find(self.q(name))
            if found is not None:
                return found
        return None

    def _authors(self, el: etree._Element | None) -> list[str]:
        if el is None:
            return []
        return [n for a in el.iterfind(self.q("author")) if (n := _text(self.find(a, "name")))]

    def entry(self, entry: etree._Element, index: int) -> StoryVersion:
        published = _date(_text(self.find(entry, "published", "issued", "created")))
        updated = _date(_text(self.find(entry, "updated", "modified")))
        first = published or updated or self.updated
        links = list(entry.iterfind(self.q("link")))
        alternate = next((lk.get("href") for lk in links if lk.get("rel", "alternate") == "alternate"), None)
        photos = [
            _photo(lk.get("href"), title=lk.get("title")) for lk in links
            if lk.get("rel") == "enclosure" and (lk.get("type") or "").startswith("image/")
        ]
        fields: dict[str, Any] = {
            "guid": _text(self.find(entry, "id")) or alternate,
            "headline": _text_construct(self.find(entry, "title")),
            "spot": _text_construct(self.find(entry, "summary")),
            "body_html": _content(self.find(entry, "content")),
            "first_published": first,
            "version_created": updated or first,
            "contributors": self._authors(entry) or self.authors,
            "categories": [c.get("label") or c.get("term") or "" for c in entry.iterfind(self.q("category"))],
            "photos": [p for p in photos if p] + _media_photos(entry),
            "language": _inherited_lang(entry),
        }
        _wenn(entry, fields)
        return _story(fields, entry, index, self.source)


WENN_CM = "http://feed.wenn.com/xmlns/2010/03/wenn_cm"
WENN_NM = "http://feed.wenn.com/xmlns/2010/03/wenn_nm"
_WENN_URGENCY = {"high": 3, "med": 5, "low": 7}


def _wenn(entry: etree._Element, fields: dict[str, Any]) -> None:
    """WENN's article text, language, dates and priority, which its Atom entries carry only in
    their own namespaces (the standard <content> holds a placeholder)."""
    meta = entry.find(f"{{{WENN_CM}}}ContentMetadata")
    if meta is None:
        return
    first_line = _ws(meta.findtext(f"{{{WENN_CM}}}first_line") or "")
    body = meta.findtext(f"{{{WENN_CM}}}body") or ""
    if first_line or body.strip():
        fields["spot"] = first_line or fields["spot"]
        fields["body_html"] = _paragraphs(f"{first_line}\n\n{body}")
    fields["language"] = meta.get("lang") or fields["language"]
    management = entry.find(f"{{{WENN_NM}}}NewsManagement")
    if management is not None:
        published = _date(management.findtext(f"{{{WENN_NM}}}published"))
        updated = _date(management.findtext(f"{{{WENN_NM}}}updated"))
        fields["first_published"] = published or fields["first_published"]
        fields["version_created"] = updated or fields["version_created"]
        priority = (management.findtext(f"{{{WENN_NM}}}feedarticle_priority") or "").strip().lower()
        if priority in _WENN_URGENCY:
            fields["urgency"] = _WENN_URGENCY[priority]


def _text_construct(el: etree._Element | None) -> str:
    """An Atom text construct as plain text, whichever of text, html or xhtml it is."""
    if el is None:
        return ""
    kind = (el.get("type") or "text").lower()
    if kind in ("html", "text/html") or el.get("mode") == "escaped":
        return html_to_text(el.text or "")
    if kind in ("xhtml", "application/xhtml+xml"):
        return html_to_text(_xhtml(el))
    return _ws("".join(el.itertext()))


def _content(el: etree._Element | None) -> str:
    if el is None or el.get("src"):
        return ""  # out-of-line content is not fetched
    kind = (el.get("type") or "text").lower()
    if kind in ("html", "text/html") or el.get("mode") == "escaped":
        return el.text or ""
    if kind in ("xhtml", "application/xhtml+xml"):
        return _xhtml(el)
    if kind == "text" or kind.startswith("text/"):
        return _paragraphs("".join(el.itertext()))
    return ""  # base64 media and other types are not a story body


def _xhtml(el: etree._Element) -> str:
    """The markup inside an xhtml construct's <div>, without namespaces."""
    div = next((c for c in el if _local(c) == "div"), el)
    holder = copy.deepcopy(div)  # a copy whose tags we may rename
    for node in holder.iter():
        if isinstance(node.tag, str):
            node.tag = _local(node)
    etree.cleanup_namespaces(holder)
    inner = html_mod.escape(holder.text or "", quote=False)
    return inner + "".join(etree.tostring(c, encoding="unicode", method="html") for c in holder)


# ------------------------------------------------------------------------------------------------ RSS

def _rss(channel: etree._Element, items: list[etree._Element], source: str) -> list[StoryVersion]:
    channel_lang = _text(_child(channel, "language")) or _text(channel.find(f"{{{DC}}}language"))
    channel_date = _date(_text(_child(channel, "pubDate")) or _text(_child(channel, "lastBuildDate"))
                         or _text(channel.find(f"{{{DC}}}date")))
    stories = []
    for index, item in enumerate(items, 1):
        description = _child(item, "description")
        encoded = item.find(f"{{{CONTENT}}}encoded")
        described = _html_or_text(description.text if description is not None else "")
        if encoded is not None and (encoded.text or "").strip():
            body, spot = _html_or_text(encoded.text or ""), html_to_text(described)
        else:
            body, spot = described, ""
        published = _date(_text(_child(item, "pubDate")) or _text(item.find(f"{{{DC}}}date"))) or channel_date
        authors = [_rss_author(_text(a)) for a in _children(item, "author")]
        authors += [_text(a) for a in item.iterfind(f"{{{DC}}}creator")]
        photos = [_photo(e.get("url")) for e in _children(item, "enclosure")
                  if (e.get("type") or "").startswith("image/")]
        title = _child(item, "title")
        fields: dict[str, Any] = {
            "guid": _text(_child(item, "guid")) or _text(_child(item, "link")),
            "headline": html_to_text(_text(title)) if title is not None else "",
            "spot": spot, "body_html": body, "first_published": published, "version_created": published,
            "contributors": authors,
            "categories": [_text(c) for c in _children(item, "category")]
            + [_text(c) for c in item.iterfind(f"{{{DC}}}subject")],
            "photos": [p for p in photos if p] + _media_photos(item),
            "language": _inherited_lang(item) or channel_lang,
        }
        stories.append(_story(fields, item, index, source))
    return stories


def _rss_author(value: str) -> str:
    """RSS gives "mail@example.org (Jane Doe)": the name is what a byline wants."""
    match = re.match(r"^\S+@\S+\s*\((.+)\)$", value)
    return match.group(1).strip() if match else value


def _html_or_text(value: str) -> str:
    """RSS descriptions are HTML as often as plain text; plain text becomes paragraphs."""
    return value.strip() if _HTML_TAG.search(value) else _paragraphs(html_mod.unescape(value))


# --------------------------------------------------------------------------------------------- shared

def _media_photos(item: etree._Element) -> list[Photo]:
    """Media RSS pictures: media:content (also inside media:group); thumbnails only if nothing else."""
    contents = [c for c in item.iterfind(f"{{{MEDIA}}}content")]
    for group in item.iterfind(f"{{{MEDIA}}}group"):
        contents += list(group.iterfind(f"{{{MEDIA}}}content"))
    photos: list[Photo] = []
    for c in contents:
        medium, mime, url = c.get("medium"), c.get("type") or "", c.get("url") or ""
        untyped_image = not medium and not mime and _IMAGE_EXT.search(url)
        if medium == "image" or mime.startswith("image/") or untyped_image:
            photo = _photo(url, title=_media_text(c, item, "title"),
                           caption=_media_text(c, item, "description"), credit=_media_text(c, item, "credit"))
            if photo:
                photos.append(photo)
    if not photos:
        thumb = item.find(f"{{{MEDIA}}}thumbnail")
        if thumb is not None and (photo := _photo(thumb.get("url"), title=_media_text(thumb, item, "title"))):
            photos.append(photo)
    return photos


def _media_text(el: etree._Element, item: etree._Element, name: str) -> str:
    """A media:title/description/credit of the picture itself, else of its group or item."""
    parent = el.getparent()
    for scope in (el, parent, item):
        if scope is not None and (found := scope.find(f"{{{MEDIA}}}{name}")) is not None:
            value = _text(found)
            return html_to_text(value) if found.get("type") == "html" else value
    return ""


def _photo(href: str | None, title: str | None = None, caption: str = "", credit: str = "") -> Photo | None:
    href = (href or "").strip()
    if not re.match(r"^https?://", href) or len(href) > 2000:
        return None
    return Photo(href=href, title=clip(title, 500) or None, caption=clip(caption, 4000),
                 credit=clip(credit, 500))


def _story(fields: dict[str, Any], el: etree._Element, index: int, source: str) -> StoryVersion:
    """Validate one entry's fields into a version; problems name the entry and its line."""
    body_text = html_to_text(fields["body_html"] or "")
    headline = fields["headline"] or (fields["spot"] or body_text).split("\n", 1)[0]
    if not headline:
        raise FormatError(source, f"feed entry {index} has no title and no text: nothing to ingest",
                          el.sourceline)
    first = fields["first_published"] or utcnow()
    photos: list[Photo] = list({p.href: p for p in fields["photos"]}.values())  # one per picture
    names = [n for n in dict.fromkeys(fields["contributors"]) if n]
    categories = [c for c in dict.fromkeys(c.strip() for c in fields["categories"]) if c]
    values: dict[str, Any] = {
        "guid": fields["guid"] or "feed-" + _digest(el),
        "version": 1,
        "headline": clip(headline, 500 if fields["headline"] else 120),
        "spot": clip(fields["spot"], 2000),
        "body_html": fields["body_html"] or "",
        "first_published": first,
        "version_created": max(first, fields["version_created"] or first),
        "contributors": [Contributor(name=clip(n, 1000)) for n in names][:50],
        "categories": [clip(c, 1000) for c in categories][:20],
        "photos": photos[:200],
    }
    if fields.get("urgency"):
        values["urgency"] = fields["urgency"]
    lang = _language(fields["language"])
    if lang:
        values["language"] = lang
    return build_version(values, source, f"feed entry {index}", el.sourceline)


def _digest(el: etree._Element) -> str:
    """A stable id for an entry that has none: the same entry read twice gets the same id."""
    return hashlib.sha256(etree.tostring(el, method="c14n")).hexdigest()[:32]


def _date(value: str | None) -> datetime | None:
    """RFC 3339 (Atom), RFC 822 (RSS) or the compact ISO form some feeds use; no zone means UTC."""
    value = (value or "").strip()
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return parse_norm(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _language(value: str | None) -> str | None:
    lang = (value or "").strip().replace("_", "-")
    if not lang:
        return None
    primary, _, rest = lang.partition("-")
    lang = primary.lower() + ("-" + rest if rest else "")
    return lang if is_language_tag(lang) else None


def _inherited_lang(el: etree._Element) -> str | None:
    node: etree._Element | None = el
    while node is not None:
        if node.get(XML_LANG):
            return node.get(XML_LANG)
        node = node.getparent()
    return None


def _paragraphs(text: str) -> str:
    """Plain text to HTML paragraphs: blank lines part them, single line breaks are spaces."""
    paras = [_ws(p) for p in re.split(r"\n[ \t\r]*\n", text.strip())]
    return "".join(f"<p>{html_mod.escape(p, quote=False)}</p>" for p in paras if p)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element | None, name: str) -> list[etree._Element]:
    """Children by local name in the element's own namespace (RSS 2.0: none; RSS 1.0: its own)."""
    if el is None:
        return []
    ns = etree.QName(el).namespace
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == name
            and etree.QName(c).namespace == ns]


def _child(el: etree._Element | None, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: etree._Element | None) -> str:
    return "" if el is None else _ws("".join(el.itertext()))


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---- rendering: Atom 1.0 and RSS 2.0 for simple clients ------------------------------------------

# Atom 1.0 alone: the parser above also reads the 0.3 namespace, a renderer writes only the current one.
ATOM = ATOM_NS[0]


@dataclass(frozen=True)
class FeedEntry:
    """How a feed presents one story, beyond what every entry has (headline, dates, authors,
    categories, language): what names it, where it leads, and what it carries."""

    id: str  # Atom id
    link: str  # the page a reader opens
    guid: str  # RSS guid
    guid_is_link: bool  # RSS isPermaLink
    date: datetime  # RSS pubDate
    summary: str | None  # Atom summary, RSS description; None: left out
    content: str | None  # the body HTML (Atom content, RSS content:encoded); None: left out


Presenter = Callable[[StoryVersion], FeedEntry]


def full_body(ctx: RenderContext) -> Presenter:
    """Subscribers' entries: each version an item of the API, the spot as summary, the whole body."""
    def present(v: StoryVersion) -> FeedEntry:
        uri = ctx.item_uri(v.guid)
        return FeedEntry(id=uri, link=f"{uri}?format=html", guid=f"{v.guid}:{v.version}", guid_is_link=False,
                         date=v.version_created, summary=v.spot or None, content=v.body_html)
    return present


def render_atom(versions: list[StoryVersion], *, title: str, feed_id: str, self_href: str,
                ctx: RenderContext, home: str | None = None, entry: Presenter | None = None) -> bytes:
    """An Atom feed, newest first; `entry` decides what each entry carries (default: `full_body`).
    `home` adds the feed's alternate link, the site the feed belongs to. A story whose entry cannot be
    written is left out (and logged), never the feed."""
    present = entry or full_body(ctx)
    e = ElementMaker(namespace=ATOM, nsmap={None: ATOM})
    updated = max((v.version_created for v in versions), default=utcnow())

    def entry_of(v: StoryVersion) -> etree._Element:
        shown = present(v)
        parts = [e.id(shown.id), e.title(v.headline), e.updated(v.version_created.isoformat()),
                 e.published(v.first_published.isoformat()),
                 e.link(rel="alternate", type="text/html", href=shown.link)]
        parts += [e.author(e.name(name)) for name in [c.name for c in v.contributors][:10]]
        parts += [e.category(term=c) for c in v.categories]
        if shown.summary is not None:
            parts.append(e.summary(shown.summary))
        if shown.content is not None:
            parts.append(e.content(shown.content, type="html"))
        return e.entry(*parts, **{XML_LANG: v.language})

    entries = [built for _, built in render_each(versions, entry_of, "Atom feed")]
    links = [e.link(rel="self", href=self_href)] + ([e.link(rel="alternate", href=home)] if home else [])
    feed = e.feed(e.id(feed_id), e.title(title), e.updated(updated.isoformat()), *links,
                  e.author(e.name(ctx.provider)), *entries)
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8")


def render_rss(versions: list[StoryVersion], *, title: str, link: str, description: str,
               ctx: RenderContext, entry: Presenter | None = None) -> bytes:
    """An RSS 2.0 channel, newest first; `entry` decides what each item carries (default: `full_body`,
    the body in content:encoded). A story whose item cannot be written is left out (and logged)."""
    present = entry or full_body(ctx)
    rss = etree.Element("rss", version="2.0", nsmap={"content": CONTENT})
    channel = etree.SubElement(rss, "channel")
    for name, text in (("title", title), ("link", link), ("description", description)):
        etree.SubElement(channel, name).text = text

    def item_of(v: StoryVersion) -> etree._Element:
        shown = present(v)
        item = etree.Element("item", nsmap={"content": CONTENT})  # joins the channel once it is whole
        etree.SubElement(item, "title").text = v.headline
        etree.SubElement(item, "link").text = shown.link
        etree.SubElement(item, "guid", isPermaLink="true" if shown.guid_is_link else "false").text = shown.guid
        etree.SubElement(item, "pubDate").text = format_datetime(shown.date, usegmt=True)
        if shown.summary is not None:
            etree.SubElement(item, "description").text = shown.summary
        for category in v.categories:
            etree.SubElement(item, "category").text = category
        if shown.content is not None:
            etree.SubElement(item, f"{{{CONTENT}}}encoded").text = shown.content
        return item

    channel.extend(built for _, built in render_each(versions, item_of, "RSS feed"))
    return etree.tostring(rss, xml_declaration=True, encoding="utf-8")

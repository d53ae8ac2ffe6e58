"""The public portion as Atom, RSS, JSON Feed and sitemaps: headline, spot and the summary only.

Atom and RSS are formats/feeds.py's renderers, the same the subscribers' feeds use; the public site
hands them `summarized` entries, which carry no content element, so the body never leaves here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree

from newsflow.formats.base import RenderContext, render_each
from newsflow.formats.feeds import ATOM, FeedEntry, Presenter, render_atom, render_rss
from newsflow.model import StoryVersion
from newsflow.web.guid_paths import segment

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

Url = Callable[[StoryVersion], str]
Summary = Callable[[StoryVersion], str]


@dataclass(frozen=True)
class Feed:
    """What every public feed says of itself; the address it lives at is `base/feed.{kind}`."""

    title: str
    base: str
    description: str
    ctx: RenderContext
    query: str = ""  # this page's own query (`?before=…`), empty for the newest page
    older: str | None = None  # the next page's address (`/feed.{kind}?before=…`), None on the last


def _with_next(xml: bytes, parent: str, link: etree._Element) -> bytes:
    """The rendered feed with the link to its next page (RFC 5005 paging) after the `parent`'s first
    children; the formats' renderers know nothing of pages."""
    root = etree.fromstring(xml)
    holder = root if parent == "." else root.find(parent)
    assert holder is not None
    last_link = holder.findall(link.tag)
    (last_link[-1] if last_link else holder[0]).addnext(link)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def stable_id(base: str, v: StoryVersion) -> str:
    """An entry's id: the story's address without its slug (which follows the headline), so that an
    updated headline is the same entry to a feed reader (RFC 4287: an id never changes). The address
    answers with a redirect to the story."""
    return f"{base}/news/{segment(v.guid)}"


def summarized(base: str, url: Url, summary: Summary) -> Presenter:
    """Public entries: one per story at its public address, spot and summary in place of the body."""
    def present(v: StoryVersion) -> FeedEntry:
        ident = stable_id(base, v)
        return FeedEntry(id=ident, link=url(v), guid=ident, guid_is_link=True, date=v.first_published,
                         summary="\n\n".join(p for p in (v.spot, summary(v)) if p), content=None)
    return present


def atom(stories: list[StoryVersion], feed: Feed, url: Url, summary: Summary) -> bytes:
    xml = render_atom(stories, title=feed.title, feed_id=feed.base + "/",
                      self_href=feed.base + "/feed.atom" + feed.query, home=feed.base + "/", ctx=feed.ctx,
                      entry=summarized(feed.base, url, summary))
    if feed.older is None:
        return xml
    return _with_next(xml, ".", etree.Element(f"{{{ATOM}}}link", rel="next", href=feed.base + feed.older))


def rss(stories: list[StoryVersion], feed: Feed, url: Url, summary: Summary) -> bytes:
    xml = render_rss(stories, title=feed.title, link=feed.base + "/", description=feed.description,
                     ctx=feed.ctx, entry=summarized(feed.base, url, summary))
    if feed.older is None:
        return xml
    link = etree.Element(f"{{{ATOM}}}link", rel="next", href=feed.base + feed.older, nsmap={"atom": ATOM})
    return _with_next(xml, "channel", link)


def json_feed(stories: list[StoryVersion], feed: Feed, url: Url, summary: Summary) -> bytes:
    def item_of(v: StoryVersion) -> dict[str, Any]:
        return {
            "id": stable_id(feed.base, v), "url": url(v), "title": v.headline, "summary": v.spot or None,
            "content_text": summary(v), "date_published": v.first_published.isoformat(),
            "date_modified": v.version_created.isoformat(), "language": v.language, "tags": v.categories,
            "authors": [{"name": c.name} for c in v.contributors]}

    items = [item for _, item in render_each(stories, item_of, "JSON feed")]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": feed.title, "home_page_url": feed.base + "/",
           "feed_url": feed.base + "/feed.json" + feed.query, "description": feed.description, "items": items}
    if feed.older is not None:
        doc["next_url"] = feed.base + feed.older
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


# kind (the address's extension) -> renderer and media type
FEEDS: dict[str, tuple[Callable[[list[StoryVersion], Feed, Url, Summary], bytes], str]] = {
    "atom": (atom, "application/atom+xml; charset=utf-8"),
    "rss": (rss, "application/rss+xml; charset=utf-8"),
    "json": (json_feed, "application/feed+json; charset=utf-8"),
}


# ---- sitemaps ------------------------------------------------------------------------------------------

# The sitemaps protocol's ceiling for one file; more URLs go in several files under a sitemap index.
SITEMAP_URLS = 50_000
# Google News takes the stories of the last two days from a news sitemap, and 1,000 URLs at most.
NEWS_SITEMAP_DAYS = 2
NEWS_SITEMAP_URLS = 1_000

Page = tuple[str, datetime | None]


def sitemap(pages: Iterable[Page]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for loc, modified in pages:
        node = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        _loc(node, loc, modified)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def sitemap_index(parts: Iterable[Page]) -> bytes:
    """The index of several sitemaps, each with the time of its newest page."""
    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})
    for loc, modified in parts:
        _loc(etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap"), loc, modified)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _loc(node: etree._Element, loc: str, modified: datetime | None) -> None:
    etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = loc
    if modified:
        etree.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = modified.isoformat()


def news_sitemap(stories: Iterable[StoryVersion], *, publication: str, url: Url) -> bytes:
    """Google News sitemap; the caller picks the stories (the last two days', 1,000 at most). A story
    whose entry cannot be written is left out (and logged)."""
    nsmap = {None: SITEMAP_NS, "news": NEWS_NS}
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=nsmap)

    def url_of(v: StoryVersion) -> etree._Element:
        node = etree.Element(f"{{{SITEMAP_NS}}}url", nsmap=nsmap)  # joins the urlset once it is whole
        etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = url(v)
        news = etree.SubElement(node, f"{{{NEWS_NS}}}news")
        pub = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(pub, f"{{{NEWS_NS}}}name").text = publication
        etree.SubElement(pub, f"{{{NEWS_NS}}}language").text = v.language.split("-")[0]
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = v.first_published.isoformat()
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = v.headline
        return node

    root.extend(node for _, node in render_each(stories, url_of, "news sitemap"))
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")

"""The public portion as Atom, RSS, JSON Feed and sitemaps: headline, spot and the summary only.

formats/feeds.py renders the subscribers' feeds, which carry the whole body; the public ones must
never do that, so they are built here from the same summarized form the pages show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker

from newsflow.model import StoryVersion, utcnow

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"

Url = Callable[[StoryVersion], str]
Summary = Callable[[StoryVersion], str]


def atom(stories: list[StoryVersion], *, title: str, base: str, url: Url, summary: Summary) -> bytes:
    e = ElementMaker(namespace=ATOM_NS, nsmap={None: ATOM_NS})
    updated = max((v.version_created for v in stories), default=utcnow())
    entries = []
    for v in stories:
        parts = [e.id(url(v)), e.title(v.headline), e.updated(v.version_created.isoformat()),
                 e.published(v.first_published.isoformat()), e.link(rel="alternate", type="text/html", href=url(v))]
        parts += [e.author(e.name(c.name)) for c in v.contributors[:10]]
        parts += [e.category(term=c) for c in v.categories]
        parts.append(e.summary("\n\n".join(p for p in (v.spot, summary(v)) if p)))
        entries.append(e.entry(*parts, **{XML_LANG: v.language}))
    feed = e.feed(e.id(base + "/"), e.title(title), e.updated(updated.isoformat()),
                  e.link(rel="self", href=base + "/feed.atom"), e.link(rel="alternate", href=base + "/"),
                  e.author(e.name(title)), *entries)
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8")


def rss(stories: list[StoryVersion], *, title: str, base: str, description: str, url: Url,
        summary: Summary) -> bytes:
    root = etree.Element("rss", version="2.0")
    channel = etree.SubElement(root, "channel")
    for name, text in (("title", title), ("link", base + "/"), ("description", description)):
        etree.SubElement(channel, name).text = text
    for v in stories:
        item = etree.SubElement(channel, "item")
        etree.SubElement(item, "title").text = v.headline
        etree.SubElement(item, "link").text = url(v)
        etree.SubElement(item, "guid", isPermaLink="true").text = url(v)
        etree.SubElement(item, "pubDate").text = format_datetime(v.first_published, usegmt=True)
        etree.SubElement(item, "description").text = "\n\n".join(p for p in (v.spot, summary(v)) if p)
        for category in v.categories:
            etree.SubElement(item, "category").text = category
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def json_feed(stories: list[StoryVersion], *, title: str, base: str, description: str, url: Url,
              summary: Summary) -> bytes:
    items: list[dict[str, Any]] = [{
        "id": url(v), "url": url(v), "title": v.headline, "summary": v.spot or None,
        "content_text": summary(v), "date_published": v.first_published.isoformat(),
        "date_modified": v.version_created.isoformat(), "language": v.language, "tags": v.categories,
        "authors": [{"name": c.name} for c in v.contributors]} for v in stories]
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": title, "home_page_url": base + "/",
            "feed_url": base + "/feed.json", "description": description, "items": items}
    return json.dumps(feed, ensure_ascii=False, indent=1).encode()


def sitemap(pages: list[tuple[str, datetime | None]]) -> bytes:
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for loc, modified in pages:
        node = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = loc
        if modified:
            etree.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = modified.isoformat()
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def news_sitemap(stories: list[StoryVersion], *, publication: str, url: Url) -> bytes:
    """Google News sitemap: only stories first published in the last two days (the caller filters)."""
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS, "news": NEWS_NS})
    for v in stories:
        node = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = url(v)
        news = etree.SubElement(node, f"{{{NEWS_NS}}}news")
        pub = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(pub, f"{{{NEWS_NS}}}name").text = publication
        etree.SubElement(pub, f"{{{NEWS_NS}}}language").text = v.language.split("-")[0]
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = v.first_published.isoformat()
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = v.headline
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")

"""The public portion: which stories the public website may show, and in what summarized form.

`PublicRule.admits` is the ONE answer to "is this story public?"; `is_public` adds what is never
negotiable (killed and still-embargoed copy stay off the site). Every public page, feed, sitemap and
search asks these two and nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from newsflow.errors import NotFound
from newsflow.model import PubStatus, Story, StoryVersion, html_to_text, utcnow
from newsflow.store import Store
from newsflow.store.search import SearchIndex, SearchQuery
from newsflow.wire.products import ProductFilter, StoryFacts, matches
from newsflow.wire.tables import products

# How many recent stories the site looks through for its lists; the rule is applied in Python, so
# this bounds the work of one page, not what a reader can reach (stories keep their URLs).
WINDOW = 300


class Gone(Exception):
    """The story was public and has been killed: its URL answers 410."""


@dataclass(frozen=True)
class PublicRule:
    """A story is public when an editor marked it so, when a product marked public covers it, or when
    it is at least as urgent as `urgency_max` (0 turns that clause off)."""

    urgency_max: int = 0
    products: tuple[ProductFilter, ...] = ()

    def admits(self, story: Story) -> bool:
        if story.public:
            return True
        if self.urgency_max and story.urgency <= self.urgency_max:
            return True
        if not self.products:
            return False
        facts = StoryFacts.of(story)
        return any(matches(f, facts) for f in self.products)


def is_public(version: StoryVersion, rule: PublicRule, now: datetime | None = None) -> bool:
    """Shown on the public site now: in the portion, not killed or withheld, not under embargo."""
    now = now or utcnow()
    return (version.pubstatus == PubStatus.usable and not version.embargoed_at(now)
            and rule.admits(version))


def load_rule(store: Store, urgency_max: int = 0) -> PublicRule:
    """The rule as configured now: the urgency setting and every active product marked public."""
    query = sa.select(products.c.filter).where(products.c.public.is_(True), products.c.active.is_(True))
    with store.read() as conn:
        filters = tuple(ProductFilter.model_validate(raw) for raw in conn.execute(query).scalars())
    return PublicRule(urgency_max=urgency_max, products=filters)


# ---- the summarized form ----------------------------------------------------------------------------

_WORD = re.compile(r"\S+")
_HEADING = re.compile(r"<h[1-6][\s>]", re.I)
_HEADING_BLOCK = re.compile(r"<h([1-6])[^>]*>.*?</h\1>", re.I | re.S)


def _cut(text: str, words: int) -> str:
    found = list(_WORD.finditer(text))
    if len(found) <= words:
        return text.strip()
    return text[:found[words - 1].end()].rstrip(" ,;:-—") + " …"


def _paragraphs(html: str) -> list[str]:
    """Plain-text paragraphs of body HTML, sub-headings left out."""
    return [p for p in html_to_text(_HEADING_BLOCK.sub("", html)).split("\n\n") if p.strip()]


def summarize(story: Story, words: int = 80) -> str:
    """What the public site shows instead of the body, never more than `words` words.

    The editor's summary when there is one; otherwise the leading paragraphs, and never more than half
    the body, so a short story is not given away whole under the name of a summary.
    """
    words = max(words, 1)
    if story.summary:
        return _cut(story.summary, words)
    everything = _paragraphs(story.body_html)
    if not everything:
        return ""
    # the lead is what comes before the first sub-heading, and never the body's last paragraph
    before = _HEADING.split(story.body_html, maxsplit=1)[0]
    lead = _paragraphs(before) if before.strip() else []
    if not lead or lead == everything:
        lead = everything[:-1] or everything
    total = sum(len(_WORD.findall(p)) for p in everything)
    budget = min(words, max(total // 2, 1))
    out: list[str] = []
    used = 0
    for paragraph in lead:
        count = len(_WORD.findall(paragraph))
        if used + count > budget:
            if not out:  # the first paragraph alone is over budget: cut it
                out.append(_cut(paragraph, budget - used))
            break
        out.append(paragraph)
        used += count
    return "\n\n".join(out)


def slug(headline: str, limit: int = 80) -> str:
    """URL words of a headline; letters of every script are kept (Arabic and Turkish stay readable)."""
    text = unicodedata.normalize("NFKC", headline).casefold()
    words = re.findall(r"\w+", text)
    out = "-".join(words)[:limit].strip("-")
    return out or "story"


# ---- what the site reads ------------------------------------------------------------------------------


@dataclass
class PublicSite:
    store: Store
    search_index: SearchIndex
    urgency_max: int = 0

    def rule(self) -> PublicRule:
        return load_rule(self.store, self.urgency_max)

    def stories(self, *, limit: int = 50, category: str | None = None, dossier: str | None = None,
                since: datetime | None = None, now: datetime | None = None) -> list[StoryVersion]:
        """Public stories, newest first, optionally of one category or dossier (case-insensitive)."""
        now = now or utcnow()
        rule = self.rule()
        out: list[StoryVersion] = []
        for v in self.store.latest(limit=WINDOW, now=now):
            if not is_public(v, rule, now):
                continue
            if category and category.casefold() not in {c.casefold() for c in v.categories}:
                continue
            if dossier and (v.dossier or "").casefold() != dossier.casefold():
                continue
            if since and v.version_created < since:
                continue
            out.append(v)
            if len(out) >= limit:
                break
        return out

    def story(self, guid: str, now: datetime | None = None) -> StoryVersion:
        """The current version of a public story; NotFound when it is not (or not yet) public, Gone
        when a public story was killed."""
        now = now or utcnow()
        record = self.store.find_story(guid)
        if record is None or not record.current_version:
            raise NotFound("no such story")
        version = self.store.get_version(guid, record.current_version)
        rule = self.rule()
        if version.pubstatus == PubStatus.canceled and rule.admits(version):
            raise Gone(guid)
        if not is_public(version, rule, now):
            raise NotFound("no such story")
        return version

    def translations(self, version: StoryVersion, now: datetime | None = None) -> list[StoryVersion]:
        """The other public stories of its translation group."""
        if not version.translation_group:
            return []
        return [v for v in self.stories(limit=WINDOW, now=now)
                if v.translation_group == version.translation_group and v.guid != version.guid]

    def search(self, q: str, *, limit: int = 20, now: datetime | None = None) -> list[StoryVersion]:
        """Full-text search over the public portion only. The index is asked as staff (it knows no
        public rule), so every hit is checked against the rule before it is shown."""
        now = now or utcnow()
        result = self.search_index.search(SearchQuery(q=q, limit=100, facets=False), None, now)
        found = self.store.get_versions([(h.guid, h.version) for h in result.hits])
        rule = self.rule()
        ordered: Iterable[StoryVersion] = (found[(h.guid, h.version)] for h in result.hits
                                           if (h.guid, h.version) in found)
        return [v for v in ordered if is_public(v, rule, now)][:limit]

    def categories(self, stories: Iterable[StoryVersion]) -> list[str]:
        seen: dict[str, str] = {}
        for v in stories:
            for c in v.categories:
                seen.setdefault(c.casefold(), c)
        return list(seen.values())

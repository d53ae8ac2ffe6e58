"""The public portion: which stories the public website may show, and in what summarized form.

`PublicRule.admits` is the ONE answer to "is this story public?"; `is_public` adds what is never
negotiable (killed and still-embargoed copy stay off the site). Every public page, feed, sitemap and
search asks these two and nothing else.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newsflow.errors import FieldError, NotFound
from newsflow.model import PubStatus, Story, StoryVersion, html_to_text, utcnow
from newsflow.public_tables import public_rule_settings
from newsflow.store import Store
from newsflow.store.search import SearchIndex, SearchQuery
from newsflow.store.tables import events, versions
from newsflow.store.tables import stories as story_rows
from newsflow.wire.products import ProductFilter, StoryFacts, matches
from newsflow.wire.tables import products

# How many recent stories the site looks through for its lists; the rule is applied in Python, so
# this bounds the work of one page, not what a reader can reach (stories keep their URLs, and the
# sitemap lists them all).
WINDOW = 300
# Stories of one translation group shown on a page at most (a group is one story in a few languages).
TRANSLATIONS = 50


class Gone(Exception):
    """The story was public and has been killed: its URL answers 410."""


@dataclass(frozen=True)
class PublicRule:
    """A story is public when an editor marked it so, when a product marked public covers it, or when
    it is at least as urgent as `urgency_max` (0 turns that clause off)."""

    urgency_max: int = 0
    products: tuple[ProductFilter, ...] = ()

    def admits(self, story: Story) -> bool:
        return self.why(story) is not None

    def why(self, story: Story) -> str | None:
        """Which clause lets the story in ("flag", "urgency", "product"), None when none does — the
        admin face shows it beside each public story."""
        if story.public:
            return "flag"
        if self.urgency_max and story.urgency <= self.urgency_max:
            return "urgency"
        if self.products and any(matches(f, StoryFacts.of(story)) for f in self.products):
            return "product"
        return None

    def narrowed(self) -> sa.ColumnElement[bool] | None:
        """A condition on the versions table that every story `admits` takes also meets, so a scan of
        the whole archive need not read the stories that cannot be public. The flag and the urgency
        are columns; a product's filter is not, so with public products there is nothing to narrow.
        `admits` still judges every story the condition lets through."""
        if self.products:
            return None
        flagged = versions.c.public.is_(True)
        return sa.or_(flagged, versions.c.urgency <= self.urgency_max) if self.urgency_max else flagged


def is_public(version: StoryVersion, rule: PublicRule, now: datetime | None = None) -> bool:
    """Shown on the public site now: in the portion, not killed or withheld, not under embargo."""
    now = now or utcnow()
    return (version.pubstatus == PubStatus.usable and not version.embargoed_at(now)
            and rule.admits(version))


# The part of the rule kept in the database: the filters of every active product marked public.
_PUBLIC_FILTERS = (sa.select(products.c.filter)
                   .where(products.c.public.is_(True), products.c.active.is_(True)).order_by(products.c.id))
# Where the log stands: every version that can change what the site shows is written with an event.
_LAST_SEQ = sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))


_STORED_URGENCY = sa.select(public_rule_settings.c.urgency_max).where(public_rule_settings.c.id == 1)
# Both in one statement: what every public request asks first.
_SEQ_AND_URGENCY = sa.select(_LAST_SEQ.scalar_subquery(), _STORED_URGENCY.scalar_subquery())


@dataclass(frozen=True)
class UrgencySetting:
    urgency_max: int
    updated: datetime | None  # None: nobody set it; the NEWSFLOW_PUBLIC_URGENCY default applies
    updated_by: str


def _current(now: datetime) -> sa.Select[Any]:
    """Keys of the current version of every story that may be shown at `now` (published, not killed
    or withheld, embargo over), newest first."""
    return (sa.select(versions.c.guid, versions.c.version, versions.c.version_created)
            .join(story_rows, sa.and_(story_rows.c.guid == versions.c.guid,
                                      story_rows.c.current_version == versions.c.version))
            .where(versions.c.pubstatus == PubStatus.usable.value,
                   sa.or_(versions.c.embargo.is_(None), versions.c.embargo <= now))
            .order_by(versions.c.version_created.desc(), versions.c.guid.desc()))


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


@dataclass(frozen=True)
class _Window:
    """The public stories among the newest WINDOW, newest first, as read at log position `seq` under
    `rule`. Only a new event or another rule changes which they are, and time: at `until` an embargo
    ends (with or without its lift event) and a story may join."""

    seq: int
    rule: PublicRule
    read_at: datetime
    until: datetime | None
    stories: tuple[StoryVersion, ...]

    def holds(self, seq: int, rule: PublicRule, now: datetime) -> bool:
        return (seq == self.seq and rule == self.rule and self.read_at <= now
                and (self.until is None or now < self.until))


@dataclass
class PublicSite:
    """What the public site reads. Lists come from a window of recent stories kept in memory: each
    request costs one small query (the log's last seq and the public products' filters), and the
    window is read again only when one of them moved, so a publish, update or kill on any node shows
    on the next request."""

    store: Store
    search_index: SearchIndex
    urgency_max: int = 0  # NEWSFLOW_PUBLIC_URGENCY: the urgency clause until an admin sets one
    _rule: tuple[tuple[list[Any], int], PublicRule] | None = field(default=None, init=False, repr=False)
    _window: _Window | None = field(default=None, init=False, repr=False)
    _reading: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def rule(self) -> PublicRule:
        """The rule as configured now: the urgency setting and every active product marked public."""
        with self.store.read() as conn:
            return self._read_rule(conn, conn.execute(_STORED_URGENCY).scalar())

    def _read_rule(self, conn: sa.Connection, stored: int | None) -> PublicRule:
        """The rule from the public products' filters (read here) and the stored urgency (None: unset)."""
        raw = list(conn.execute(_PUBLIC_FILTERS).scalars())
        key = (raw, self.urgency_max if stored is None else int(stored))
        held = self._rule
        if held is not None and held[0] == key:
            return held[1]  # the filters are parsed again only when one changed
        rule = PublicRule(urgency_max=key[1], products=tuple(ProductFilter.model_validate(f) for f in raw))
        self._rule = (key, rule)
        return rule

    def urgency_setting(self) -> UrgencySetting:
        """The urgency clause in force, and who set it (None: the NEWSFLOW_PUBLIC_URGENCY default)."""
        t = public_rule_settings
        with self.store.read() as conn:
            row = conn.execute(sa.select(t.c.urgency_max, t.c.updated, t.c.updated_by).where(t.c.id == 1)).first()
        if row is None:
            return UrgencySetting(self.urgency_max, None, "")
        return UrgencySetting(row.urgency_max, row.updated, row.updated_by)

    def set_urgency(self, urgency_max: int, *, by: str) -> None:
        """Make stories at `urgency_max` or more urgent public (0: urgency makes nothing public). Every
        node follows on its next request: the rule is read with each one."""
        if not 0 <= urgency_max <= 9:
            raise FieldError("urgency_max", "0 (off) or an urgency from 1 (flash) to 9")
        t = public_rule_settings
        with self.store.write() as conn:
            conn.execute(t.delete().where(t.c.id == 1))
            conn.execute(t.insert().values(id=1, urgency_max=urgency_max, updated=utcnow(), updated_by=by[:200]))

    def snapshot(self, now: datetime | None = None) -> object:
        """What the site shows now, as a token: the same object for as long as nothing the site shows
        has changed (no new event, the same rule, no embargo ended), a new one after. Pages rendered
        under one token can be served again while it is current."""
        return self._recent(now or utcnow())

    def _recent(self, now: datetime) -> _Window:
        # the seq is read before the window: a version written in between is then in a window marked
        # with an older seq, which the next request reads again, never the other way round
        with self.store.read() as conn:
            seq, stored = conn.execute(_SEQ_AND_URGENCY).one()
            rule = self._read_rule(conn, stored)
        held = self._window
        if held is not None and held.holds(seq, rule, now):
            return held
        with self._reading:  # one reader at a time; the others get what it read
            held = self._window
            if held is not None and held.holds(seq, rule, now):
                return held
            shown = tuple(v for v in self.store.latest(limit=WINDOW, now=now) if is_public(v, rule, now))
            held = _Window(seq, rule, now, self.store.next_embargo(now), shown)
            self._window = held
            return held

    def stories(self, *, limit: int = 50, category: str | None = None, dossier: str | None = None,
                since: datetime | None = None, now: datetime | None = None) -> list[StoryVersion]:
        """Public stories, newest first, optionally of one category or dossier (case-insensitive)."""
        out: list[StoryVersion] = []
        for v in self._recent(now or utcnow()).stories:
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

    def archive(self, *, since: datetime | None = None, now: datetime | None = None,
                batch: int = 500) -> Iterator[StoryVersion]:
        """Every public story, newest first, however many there are (`since`: first published then or
        later). Read `batch` at a time, each batch in its own short read, so neither memory nor a held
        connection grows with the archive."""
        now = now or utcnow()
        rule = self.rule()
        query = _current(now).limit(batch)
        narrowed = rule.narrowed()
        if narrowed is not None:
            query = query.where(narrowed)
        if since is not None:
            # a version is never older than its story's first publication: the first bound lets the
            # scan stop at `since` on the version_created index
            query = query.where(versions.c.version_created >= since, versions.c.first_published >= since)
        page = query
        while True:
            with self.store.read() as conn:
                keys = conn.execute(page).all()
            found = self.store.get_versions([(k.guid, k.version) for k in keys])
            for k in keys:
                v = found.get((k.guid, k.version))
                if v is not None and is_public(v, rule, now):
                    yield v
            if len(keys) < batch:
                return
            last = keys[-1]
            page = query.where(versions.c.version_created <= last.version_created,
                               sa.or_(versions.c.version_created < last.version_created,
                                      versions.c.guid < last.guid))

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
        """The other public stories of its translation group, newest first, wherever they are in the
        archive: asked of the database by the group, not looked for among recent stories."""
        if not version.translation_group:
            return []
        now = now or utcnow()
        query = _current(now).where(
            versions.c.content["translation_group"].as_string() == version.translation_group,
            versions.c.guid != version.guid).limit(TRANSLATIONS)
        with self.store.read() as conn:
            keys = [(k.guid, k.version) for k in conn.execute(query)]
        found = self.store.get_versions(keys)
        rule = self.rule()
        return [found[k] for k in keys if k in found and is_public(found[k], rule, now)]

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

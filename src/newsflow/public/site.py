"""What the public website reads: the public stories of the whole archive, page by page, and the
token that tells a rendered page is still what the site shows (`PublicSite.snapshot`).

Nothing here asks the database per request. The token changes when something the site shows may
have changed: at once for this node's own writes (a newsroom listener, and a write to the rule's
tables), through the log follower for every node's events (woken by the bus within its latency, or
by its look at the log every NEWSFLOW_LOG_POLL_EVERY seconds when a wake-up is lost), by a look at
the rule on the same beat (an admin on another node), and when an embargo ends.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa

from newsflow.errors import FieldError, NotFound
from newsflow.model import Event, PubStatus, StoryVersion, utcnow
from newsflow.public.paging import Cursor, SearchCursor
from newsflow.public.rule import Gone, PublicRule, is_public
from newsflow.public.tables import public_rule_settings
from newsflow.store import Store
from newsflow.store.search import MAX_LIMIT, MAX_OFFSET, SearchIndex, SearchQuery
from newsflow.store.tables import stories as story_rows
from newsflow.store.tables import versions
from newsflow.wire.products import ProductFilter
from newsflow.wire.tables import products

log = logging.getLogger("newsflow.public")

# Stories of one translation group shown on a page at most (a group is one story in a few languages).
TRANSLATIONS = 50
# Keys read from the archive at a time while filling a page (the rule, a section or a dossier may
# pass over many); each batch is its own short read.
BATCH = 200

# The part of the rule kept in the database: the filters of every active product marked public.
_PUBLIC_FILTERS = (sa.select(products.c.filter)
                   .where(products.c.public.is_(True), products.c.active.is_(True)).order_by(products.c.id))
_STORED_URGENCY = sa.select(public_rule_settings.c.urgency_max).where(public_rule_settings.c.id == 1)
# Writes to these change the rule: seen on this node's connections (`_watch_writes`).
_RULE_TABLES = frozenset({products.name, public_rule_settings.name})
_RULE_WRITTEN = "newsflow.public.rule_written"


@dataclass(frozen=True)
class UrgencySetting:
    urgency_max: int
    updated: datetime | None  # None: nobody set it; the NEWSFLOW_PUBLIC_URGENCY default applies
    updated_by: str


@dataclass(frozen=True)
class Shown:
    """What the site shows, as a token: made at change `generation` under `rule`, good until the
    next change or until `until`, when an embargo ends (with or without its lift event)."""

    generation: int
    rule: PublicRule
    read_at: datetime
    until: datetime | None

    def holds(self, generation: int, now: datetime) -> bool:
        return generation == self.generation and self.read_at <= now and (self.until is None or now < self.until)


@dataclass(frozen=True)
class Page:
    """Public stories, newest first (search: best first), and the cursor of the next page (None: the
    last page)."""

    stories: list[StoryVersion]
    older: str | None


def _current(now: datetime) -> sa.Select[Any]:
    """Keys of the current version of every story that may be shown at `now` (published, not killed
    or withheld, embargo over), newest first: the archive's order, which the list cursor follows."""
    return (sa.select(versions.c.guid, versions.c.version, versions.c.version_created)
            .join(story_rows, sa.and_(story_rows.c.guid == versions.c.guid,
                                      story_rows.c.current_version == versions.c.version))
            .where(versions.c.pubstatus == PubStatus.usable.value,
                   sa.or_(versions.c.embargo.is_(None), versions.c.embargo <= now))
            .order_by(versions.c.version_created.desc(), versions.c.guid.desc()))


def _older_than(version_created: datetime, guid: str) -> sa.ColumnElement[bool]:
    # spelled out rather than as a row comparison: SQLite and PostgreSQL both use the index on
    # version_created for the first term
    return sa.and_(versions.c.version_created <= version_created,
                   sa.or_(versions.c.version_created < version_created, versions.c.guid < guid))


def _in(category: str | None, dossier: str | None) -> Any:
    """The filter of a section's or a dossier's page (case-insensitive, as the names are linked)."""
    def keep(v: StoryVersion) -> bool:
        if category and category.casefold() not in {c.casefold() for c in v.categories}:
            return False
        return not dossier or (v.dossier or "").casefold() == dossier.casefold()
    return keep


@dataclass
class PublicSite:
    store: Store
    search_index: SearchIndex
    urgency_max: int = 0  # NEWSFLOW_PUBLIC_URGENCY: the urgency clause until an admin sets one
    _rule: tuple[tuple[list[Any], int], PublicRule] | None = field(default=None, init=False, repr=False)
    _shown: Shown | None = field(default=None, init=False, repr=False)
    _changes: Iterator[int] = field(default_factory=itertools.count, init=False, repr=False)
    _generation: int = field(default=0, init=False, repr=False)
    _seen_seq: int = field(default=0, init=False, repr=False)  # the newest event already counted
    _reading: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self._generation = next(self._changes)
        self._watch_writes()

    # ---- what the site shows now, and when that changes ----------------------------------------------

    def changed(self, event: Event | None = None) -> None:
        """Something the site shows may have changed: pages rendered before are not served again.
        Safe from any thread (next() on a count is atomic). `event`: this node's own write, which the
        follower then hands over again and need not count twice."""
        self._generation = next(self._changes)
        if event is not None:
            self._seen_seq = max(self._seen_seq, event.seq)

    async def on_events(self, events: list[Event]) -> None:
        """The log follower's handler: events of any node, woken by the bus or found by the poll."""
        if events and events[-1].seq > self._seen_seq:
            self._generation = next(self._changes)
            self._seen_seq = events[-1].seq

    async def watch_rule(self, every: float) -> None:
        """Look at the rule every `every` seconds (the follower's beat): a product made public or
        not on another node changes what this one shows without an event in the log."""
        while True:
            await asyncio.sleep(every)
            try:
                rule = await asyncio.to_thread(self.rule)
            except Exception:  # the next look retries; pages meanwhile follow the events as ever
                log.exception("reading the public rule failed")
                continue
            held = self._shown
            if held is not None and rule != held.rule:
                self.changed()

    def _watch_writes(self) -> None:
        """This node's own writes to the rule's tables (an admin marking a product public, the
        urgency setting) change the token once committed, that is when the connection goes back to
        the pool, so a page rendered in between is never kept under the new token."""
        def executed(conn: sa.Connection, clause: Any, *_: Any) -> None:
            table = getattr(clause, "table", None)
            if isinstance(clause, sa.sql.dml.UpdateBase) and getattr(table, "name", None) in _RULE_TABLES:
                conn.info[_RULE_WRITTEN] = True

        def returned(_dbapi: Any, record: Any) -> None:
            if record.info.pop(_RULE_WRITTEN, False):
                self.changed()

        sa.event.listen(self.store.engine, "after_execute", executed)
        sa.event.listen(self.store.engine.pool, "checkin", returned)

    def snapshot(self, now: datetime | None = None) -> Shown:
        """The token of what the site shows now: the same object for as long as nothing it shows has
        changed, a new one after. Pages rendered under one token can be served again while it is
        current. Asks the database only after a change (the rule, the next embargo's end)."""
        held = self._shown
        if now is None and held is not None and held.generation == self._generation and (
                held.until is None or time.time() < held.until.timestamp()):
            return held  # the common case, without making a datetime
        now = now or utcnow()
        generation = self._generation
        if held is not None and held.holds(generation, now):
            return held
        with self._reading:  # one reader at a time; the others get what it read
            generation = self._generation
            held = self._shown
            if held is not None and held.holds(generation, now):
                return held
            # the generation is taken before the reads: a change meanwhile makes the next request
            # read again, never the other way round
            held = Shown(generation, self.rule(), now, self.store.next_embargo(now))
            self._shown = held
            return held

    # ---- the rule ------------------------------------------------------------------------------------

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
        """Make stories at `urgency_max` or more urgent public (0: urgency makes nothing public). This
        node follows at once, the others at their next look at the rule."""
        if not 0 <= urgency_max <= 9:
            raise FieldError("urgency_max", "0 (off) or an urgency from 1 (flash) to 9")
        t = public_rule_settings
        with self.store.write() as conn:
            conn.execute(t.delete().where(t.c.id == 1))
            conn.execute(t.insert().values(id=1, urgency_max=urgency_max, updated=utcnow(), updated_by=by[:200]))

    # ---- the archive ---------------------------------------------------------------------------------

    def archive(self, *, since: datetime | None = None, before: Cursor | None = None,
                now: datetime | None = None, batch: int = 500) -> Iterator[StoryVersion]:
        """Every public story, newest first, however many there are (`since`: first published then or
        later; `before`: strictly older than that cursor). Read `batch` at a time, each batch in its
        own short read, so neither memory nor a held connection grows with the archive."""
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
        page = query if before is None else query.where(_older_than(before.version_created, before.guid))
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
            page = query.where(_older_than(last.version_created, last.guid))

    def page(self, *, limit: int = 50, category: str | None = None, dossier: str | None = None,
             before: Cursor | None = None, now: datetime | None = None) -> Page:
        """One page of public stories, newest first, optionally of one section or dossier, strictly
        older than `before`; its `older` cursor leads on when there is more."""
        wanted = filter(_in(category, dossier), self.archive(before=before, now=now, batch=BATCH))
        found = list(islice(wanted, limit + 1))
        shown = found[:limit]
        more = len(found) > limit
        return Page(shown, Cursor(shown[-1].version_created, shown[-1].guid).token() if more else None)

    def stories(self, *, limit: int = 50, category: str | None = None, dossier: str | None = None,
                since: datetime | None = None, now: datetime | None = None) -> list[StoryVersion]:
        """The newest public stories, optionally of one category or dossier (case-insensitive)."""
        wanted = filter(_in(category, dossier), self.archive(since=since, now=now, batch=BATCH))
        return list(islice(wanted, limit))

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
        archive: asked of the database by the group."""
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

    # ---- search ----------------------------------------------------------------------------------------

    def search_page(self, q: str, *, limit: int = 20, before: SearchCursor | None = None,
                    now: datetime | None = None) -> Page:
        """Full-text search over the public portion only, best match first, `limit` at a time. The
        index is asked as staff (it knows no public rule), so every hit is checked against the rule
        before it is shown; the cursor counts the index's matches, shown or not."""
        now = now or utcnow()
        start = before or SearchCursor(now, 0)
        rule = self.rule()
        shown: list[tuple[int, StoryVersion]] = []  # (position after it among the matches, story)
        position = start.offset
        while len(shown) <= limit and position <= MAX_OFFSET:
            result = self.search_index.search(SearchQuery(q=q, limit=MAX_LIMIT, offset=position,
                                                          date_to=start.until, facets=False), None, now)
            found = self.store.get_versions([(h.guid, h.version) for h in result.hits])
            for n, h in enumerate(result.hits, position + 1):
                v = found.get((h.guid, h.version))
                if v is not None and is_public(v, rule, now):
                    shown.append((n, v))
            if len(result.hits) < MAX_LIMIT:
                break
            position += len(result.hits)
        page = shown[:limit]
        more = len(shown) > limit
        return Page([v for _, v in page], SearchCursor(start.until, page[-1][0]).token() if more else None)

    def search(self, q: str, *, limit: int = 20, now: datetime | None = None) -> list[StoryVersion]:
        """The first page of `search_page`."""
        return self.search_page(q, limit=limit, now=now).stories

    def categories(self, stories: Iterable[StoryVersion]) -> list[str]:
        seen: dict[str, str] = {}
        for v in stories:
            for c in v.categories:
                seen.setdefault(c.casefold(), c)
        return list(seen.values())

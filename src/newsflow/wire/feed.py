"""Reading the log as one company may see it: the primitive behind the pull feed, the server-held
queue and the stream's catch-up.

The cursor is a `seq`. Events become visible in seq order (see store.py), so "entitled events after
N, in seq order" never skips or repeats one, even while publishing goes on. An event held back by
an embargo is passed over; its `embargo_lift` event delivers the story when the time comes.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsflow.errors import NotFound
from newsflow.etags import etag_of
from newsflow.formats.base import RenderContext, render_each
from newsflow.formats.registry import render
from newsflow.model import Event, EventKind, PubStatus, StoryVersion, utcnow
from newsflow.store import Store
from newsflow.store.tables import events
from newsflow.wire.entitlement import (
    NOWHERE,
    CompanyAccess,
    Reach,
    Verdict,
    archive_expiry,
    deliverable,
    may_see,
)
from newsflow.wire.tables import event_products

MAX_PAGE = 100
PAGES_KEPT = 4096  # full pages kept in memory per database (see `_FullPages`)


@dataclass(frozen=True)
class Entry:
    event: Event
    version: StoryVersion


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    cursor: int  # pass back as `after` for the next page


def read_page(store: Store, company: CompanyAccess, after: int, limit: int, *,
              products: Collection[int] | None = None, now: datetime | None = None) -> Page:
    """Up to `limit` entries the company may see, after `after`, oldest first.

    A full page is kept in memory (see `_FullPages`) and served again without the database while
    `now` leaves every embargo verdict on it unchanged."""
    now = now or utcnow()
    wanted = company.product_ids if products is None else company.product_ids & frozenset(products)
    entries: list[Entry] = []
    cursor = after
    if not company.active or not wanted:
        return Page(entries, cursor)
    key = (company, wanted, after, limit)
    pages = _full_pages(store)
    kept = pages.get(key, now)
    if kept is not None:
        return Page(list(kept.entries), kept.cursor)
    generation = pages.generation  # a kill while this page is read must not leave it kept
    since = _window_start(company, wanted, now)
    opened: datetime | None = None  # the page holds while now >= this: a passed embargo it let through
    closes: datetime | None = None  # … and while now < this: an embargo that held an event back
    while len(entries) < limit:
        scan = limit - len(entries)
        found = _entitled_events(store, wanted, cursor, scan, since)
        if not found:
            break
        versions = store.get_versions([(e.guid, e.version) for e in found])
        for event, reach in found.items():
            version = versions[(event.guid, event.version)]
            verdict = may_see(company, reach.copy, version, now, kind=event.kind, notice=reach.notice)
            if verdict:
                entries.append(Entry(event, deliverable(verdict, version)))
                ends = archive_expiry(company, reach.copy | reach.notice, version, now) if company.windows else None
                if ends is not None:  # an archive window will pass over this entry
                    closes = ends if closes is None else min(closes, ends)
            cursor = event.seq
            embargo = version.embargo
            if embargo is not None and not company.may_receive_embargoed:  # a verdict that depends on now
                if embargo > now:
                    closes = embargo if closes is None else min(closes, embargo)
                else:
                    opened = embargo if opened is None else max(opened, embargo)
        if len(found) < scan:
            break
    if len(entries) == limit:
        pages.put(key, _Kept(tuple(entries), cursor, opened, closes), generation)
    return Page(entries, cursor)


def kept_answer(store: Store, company: CompanyAccess, after: int, limit: int, fmt: str,
                ctx: RenderContext) -> Built | None:
    """The built `/v1/feed` answer for a full page kept in memory, else None. Never touches the
    database, so an event loop may call it directly and go to a thread only when it gets None."""
    kept = _full_pages(store).get((company, company.product_ids, after, limit), utcnow())
    if kept is None or not company.active:
        return None
    built = kept.built.get(fmt)
    if built is None:
        built = kept.built[fmt] = build_page(Page(list(kept.entries), kept.cursor), fmt, ctx)
    return built


def _window_start(company: CompanyAccess, wanted: frozenset[int], now: datetime) -> datetime:
    """The oldest event time any of `wanted` may still grant (the epoch while one is unbounded), so a
    reader whose products all have archive windows is not walked through the whole log."""
    bounds = dict(company.windows)
    if not bounds or any(p not in bounds for p in wanted):
        return _EVER
    return now - timedelta(days=max(bounds[p] for p in wanted))


@dataclass(frozen=True, slots=True)
class _Kept:
    entries: tuple[Entry, ...]
    cursor: int
    opened: datetime | None
    closes: datetime | None
    built: dict[str, Built] = field(default_factory=dict)  # the answer's bytes per format, made once


class _FullPages:
    """Full pages by (company, products, after, limit), the least recently used dropped first.

    A full page covers the events in (after, cursor], and none of what decides it can change once
    written: events become visible in seq order, so no event can still appear in that range; each
    event's products are stamped in the transaction that writes it; versions are immutable; and the
    key holds everything `may_see` asks of the company. Only time can change a verdict, through an
    embargo, so a kept page says for which `now` it holds — and a kill, which takes its story's
    earlier events off every product: `forget` drops the pages that hold the story; and an archive run
    (newsflow.wire.archive), which stamps old events again: `forget_all` drops every page. A page
    that is not full reaches the end of the log, which grows: it is always read afresh.
    """

    def __init__(self, size: int = PAGES_KEPT) -> None:
        self.size = size
        self.generation = 0  # moves on every `forget`, so a page read across one is not kept
        self._pages: OrderedDict[tuple[CompanyAccess, frozenset[int], int, int], _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def forget(self, guids: Collection[str]) -> None:
        with self._lock:
            self.generation += 1
            for key in [k for k, kept in self._pages.items() if any(e.event.guid in guids for e in kept.entries)]:
                del self._pages[key]

    def forget_all(self) -> None:
        with self._lock:
            self.generation += 1
            self._pages.clear()

    def get(self, key: tuple[CompanyAccess, frozenset[int], int, int], now: datetime) -> _Kept | None:
        with self._lock:
            kept = self._pages.get(key)
            if kept is None:
                return None
            if (kept.opened is not None and now < kept.opened) or (kept.closes is not None and now >= kept.closes):
                return None
            self._pages.move_to_end(key)
            return kept

    def put(self, key: tuple[CompanyAccess, frozenset[int], int, int], kept: _Kept, generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            self._pages[key] = kept
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


# One set of kept pages per Store (so per database); it goes when its Store does.
_pages_by_store: weakref.WeakKeyDictionary[Store, _FullPages] = weakref.WeakKeyDictionary()
_pages_lock = threading.Lock()


def _full_pages(store: Store) -> _FullPages:
    pages = _pages_by_store.get(store)
    if pages is None:
        with _pages_lock:
            pages = _pages_by_store.setdefault(store, _FullPages())
    return pages


def forget_killed(store: Store, events: Iterable[Event]) -> None:
    """Drop kept pages that hold a story just killed (the node's follower and its newsroom call this)."""
    killed = {e.guid for e in events if e.kind == EventKind.kill}
    if killed:
        _full_pages(store).forget(killed)


def forget_stamps(store: Store) -> None:
    """Drop every kept page: an archive run changed which products old events reached."""
    _full_pages(store).forget_all()


def render_items(entries: Sequence[Entry], fmt: str, ctx: RenderContext) -> bytes:
    """A page's entries as the JSON array `[{"seq", "event", "item"}, …]`: the one item shape of the
    pull feed and the queue. Each item is rendered through the cache, once per (version, format)."""
    # a story that cannot be rendered is left out (and logged), never the whole page
    made = {(v.guid, v.version, v.pubstatus): item
            for v, item in render_each((e.version for e in entries), lambda v: render(v, fmt, ctx), "feed page")}
    return b"[%s]" % b",".join(b'{"seq":%d,"event":"%s","item":%s}' % (
        e.event.seq, e.event.kind.value.encode(), made[key]) for e in entries
        if (key := (e.version.guid, e.version.version, e.version.pubstatus)) in made)


@dataclass(frozen=True, slots=True)
class Built:
    """The `/v1/feed` answer for a page: its cursor, count and items; its ETag; what it served."""

    body: bytes
    etag: bytes
    served: tuple[tuple[str, int], ...]  # (guid, version) of each item, for the usage log


def build_page(page: Page, fmt: str, ctx: RenderContext) -> Built:
    body = b'{"cursor":%d,"count":%d,"items":%s}' % (page.cursor, len(page.entries),
                                                      render_items(page.entries, fmt, ctx))
    return Built(body, etag_of(body).encode(),
                 tuple((e.version.guid, e.version.version) for e in page.entries))


@functools.lru_cache(maxsize=1024)
def _entitled_query(wanted: tuple[int, ...]) -> sa.Select[Any]:
    """Events after `:after` that reached one of `wanted`, first `:limit` by seq, with those stamps.

    The seqs come from each product's own stretch of `ix_event_products_product`, a bounded range
    scan per product merged by seq: walking the log and testing each event read the whole log for a
    sparse or new product (18 -> 427 ms a page at 100k stories on SQLite). The same shape for the same
    number of products, so SQLAlchemy compiles it once per count; the statement itself is kept per
    product set, so a page read from the database does not build it again."""
    parts = [sa.select(event_products.c.seq).join(events, events.c.seq == event_products.c.seq)
             .where(event_products.c.product_id == product_id, event_products.c.seq > sa.bindparam("after"),
                    # no older than the company's widest archive window (an event is never older than its version)
                    events.c.created >= sa.bindparam("since"))
             .order_by(event_products.c.seq).limit(sa.bindparam("limit")).subquery()
             for product_id in wanted]
    seqs = sa.union(*(sa.select(part.c.seq) for part in parts)).subquery()
    hits = sa.select(seqs.c.seq).order_by(seqs.c.seq).limit(sa.bindparam("limit")).subquery()
    return (sa.select(events.c.seq, events.c.kind, events.c.guid, events.c.version, events.c.created,
                      event_products.c.product_id, event_products.c.notice)
            .join(hits, hits.c.seq == events.c.seq)
            .join(event_products, event_products.c.seq == events.c.seq)
            .where(event_products.c.product_id.in_(list(wanted)))
            .order_by(events.c.seq))


_EVER = datetime(1970, 1, 1, tzinfo=UTC)


def _entitled_events(store: Store, wanted: frozenset[int], after: int, limit: int,
                     since: datetime = _EVER) -> dict[Event, Reach]:
    """Events after `after` that reached one of `wanted`, each with the part of `wanted` it reached.

    `wanted` is part of the company's products, so these decide `may_see` as all of the event's
    products would; reading only them keeps the rows to about one per event (a story may match
    dozens of products)."""
    rows: dict[int, tuple[sa.Row[Any], set[int], set[int]]] = {}
    with store.read() as conn:
        query = _entitled_query(tuple(sorted(wanted)))
        for row in conn.execute(query, {"after": after, "limit": limit, "since": since}):
            held = rows.setdefault(row.seq, (row, set(), set()))
            held[2 if row.notice else 1].add(row.product_id)
    return {Event(seq=row.seq, kind=EventKind(row.kind), guid=row.guid, version=row.version, created=row.created):
            Reach(frozenset(copy), frozenset(notice)) for row, copy, notice in rows.values()}


def item_for(store: Store, company: CompanyAccess, guid: str, version: int | None = None, *,
             now: datetime | None = None) -> StoryVersion | None:
    """What a company gets when it asks for one story (at `version`, or the latest): that version;
    the kill, whichever version it asks for, once the story is killed; the withdrawal notice when it
    held an earlier version and the latest is not covered for it; None when it is not the company's
    (the caller answers that as it answers "no such story", so nothing leaks). Raises NotFound."""
    found, verdict = item_verdict(store, company, guid, version, now=now)
    return found if verdict else None


def item_verdict(store: Store, company: CompanyAccess, guid: str, version: int | None = None, *,
                 now: datetime | None = None) -> tuple[StoryVersion, Verdict]:
    """`item_for` with its verdict, for a caller that says why not (the media route): the version
    (or the kill, or the withdrawal notice) and whether the company may have it. Raises NotFound."""
    found = item_verdicts(store, company, [(guid, version)], now=now).get((guid, version))
    if found is None:
        what = f"version {version} of story {guid!r}" if version else f"published story {guid!r}"
        raise NotFound(f"no {what}")
    return found


def item_verdicts(store: Store, company: CompanyAccess, keys: Collection[tuple[str, int | None]], *,
                  now: datetime | None = None) -> dict[tuple[str, int | None], tuple[StoryVersion, Verdict]]:
    """`item_verdict` for many (guid, version or None for the latest) in a few queries whatever their
    number (a photo used by hundreds of stories); a key naming no published version is left out."""
    now = now or utcnow()
    latest = store.latest_versions({guid for guid, _ in keys})
    older = sorted({(guid, number) for guid, number in keys
                    if guid in latest and number is not None and number != latest[guid].version})
    reach = versions_reach(store, [(guid, v.version) for guid, v in latest.items()] + older)
    held = store.get_versions(older) if older else {}
    out: dict[tuple[str, int | None], tuple[StoryVersion, Verdict]] = {}
    for guid, number in keys:
        top = latest.get(guid)
        if top is None:
            continue
        top_reach = reach[(guid, top.version)]
        verdict = may_see(company, top_reach.copy, top, now, notice=top_reach.notice)
        if top.pubstatus == PubStatus.canceled or verdict.withdrawal:
            out[(guid, number)] = (deliverable(verdict, top), verdict)
        elif number is None or number == top.version:
            out[(guid, number)] = (top, verdict)
        elif (guid, number) in held:
            asked = held[(guid, number)]
            out[(guid, number)] = (asked, may_see(company, reach[(guid, number)].copy, asked, now))
    return out


def reach_of(store: Store, seqs: Iterable[int]) -> dict[int, Reach]:
    """What each event reached; an event that reached nothing (or a killed story's earlier event)
    maps to NOWHERE."""
    wanted = sorted(set(seqs))
    found: dict[int, tuple[set[int], set[int]]] = {}
    with store.read() as conn:
        for start in range(0, len(wanted), 500):
            query = sa.select(event_products).where(event_products.c.seq.in_(wanted[start:start + 500]))
            for seq, product_id, notice in conn.execute(query):
                found.setdefault(seq, (set(), set()))[1 if notice else 0].add(product_id)
    return {seq: Reach(frozenset(found[seq][0]), frozenset(found[seq][1])) if seq in found else NOWHERE
            for seq in wanted}


def version_reach(store: Store, guid: str, version: int) -> Reach:
    """What every event announcing this version reached (publish, lift, kill…)."""
    return versions_reach(store, [(guid, version)]).get((guid, version), NOWHERE)


def versions_reach(store: Store, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Reach]:
    """`version_reach` for many versions in one query per 500 (a portal list, not one per row)."""
    wanted = sorted(set(keys))
    found: dict[tuple[str, int], tuple[set[int], set[int]]] = {}
    with store.read() as conn:
        for start in range(0, len(wanted), 500):
            query = (sa.select(events.c.guid, events.c.version, event_products.c.product_id,
                               event_products.c.notice).distinct()
                     .join(events, events.c.seq == event_products.c.seq)
                     # guid IN first, as in Store.get_versions: the row-value IN alone scans on SQLite
                     .where(events.c.guid.in_(sorted({g for g, _ in wanted[start:start + 500]})),
                            sa.tuple_(events.c.guid, events.c.version).in_(wanted[start:start + 500])))
            for guid, version, product_id, notice in conn.execute(query):
                found.setdefault((guid, version), (set(), set()))[1 if notice else 0].add(product_id)
    return {key: Reach(frozenset(found[key][0]), frozenset(found[key][1])) if key in found else NOWHERE
            for key in wanted}

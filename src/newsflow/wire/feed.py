"""Reading the log as one company may see it: the primitive behind the pull feed, the server-held
queue and the stream's catch-up.

The cursor is a `seq`. Events become visible in seq order (see store.py), so "entitled events after
N, in seq order" never skips or repeats one, even while publishing goes on. An event held back by
an embargo is passed over; its `embargo_lift` event delivers the story when the time comes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from newsflow.model import Event, EventKind, StoryVersion, utcnow
from newsflow.store import Store
from newsflow.store.tables import events
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.tables import event_products

MAX_PAGE = 100


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
    """Up to `limit` entries the company may see, after `after`, oldest first."""
    now = now or utcnow()
    wanted = company.product_ids if products is None else company.product_ids & frozenset(products)
    entries: list[Entry] = []
    cursor = after
    if not company.active or not wanted:
        return Page(entries, cursor)
    while len(entries) < limit:
        scan = limit - len(entries)
        found = _entitled_events(store, wanted, cursor, scan)
        if not found:
            break
        versions = store.get_versions([(e.guid, e.version) for e in found])
        for event, ids in ((e, p) for e, p in found.items()):
            version = versions[(event.guid, event.version)]
            if may_see(company, ids, version, now):
                entries.append(Entry(event, version))
            cursor = event.seq
        if len(found) < scan:
            break
    return Page(entries, cursor)


def _entitled_events(store: Store, wanted: frozenset[int], after: int, limit: int) -> dict[Event, frozenset[int]]:
    """Events after `after` that matched one of `wanted`, each with all the products it matched."""
    hits = (sa.select(events.c.seq).where(events.c.seq > after)
            .where(sa.exists().where(event_products.c.seq == events.c.seq,
                                     event_products.c.product_id.in_(sorted(wanted))))
            .order_by(events.c.seq).limit(limit).subquery())
    query = (sa.select(events, event_products.c.product_id)
             .join(hits, hits.c.seq == events.c.seq)
             .join(event_products, event_products.c.seq == events.c.seq)
             .order_by(events.c.seq))
    out: dict[Event, set[int]] = {}
    with store.read() as conn:
        for row in conn.execute(query):
            event = Event(seq=row.seq, kind=EventKind(row.kind), guid=row.guid, version=row.version,
                          created=row.created)
            out.setdefault(event, set()).add(row.product_id)
    return {event: frozenset(ids) for event, ids in out.items()}


def version_products(store: Store, guid: str, version: int) -> frozenset[int]:
    """Every product any event announcing this version matched (publish, lift, kill…)."""
    query = (sa.select(event_products.c.product_id).distinct()
             .join(events, events.c.seq == event_products.c.seq)
             .where(events.c.guid == guid, events.c.version == version))
    with store.read() as conn:
        return frozenset(conn.execute(query).scalars())

"""The archive a product covers, given to it when it is created or its filter changes.

Entitlement is stamped on each event when the event is written (newsflow.wire.entitlement), so a
product made later, or whose filter said something else then, is missing from the archive's stamps.
Here one product's stamps on every earlier event are derived again with the rules `Subscribers.plan`
applies at write time, replayed story by story in log order, so they read as if the product had
existed with this filter from the start. Every channel still asks only the stamps: entitlement stays
decided once, asked by all.

Nothing goes down live channels: the stream and webhooks follow new events and no event is written
here. Search, items, the portal, media downloads and a feed or stream replayed from an old cursor see
the archive batch by batch as it commits.

A run is a row in `archive_stamping`, queued in the transaction that changes the filter, and carried
out in the background by any node (`ArchiveStamper`, one node per run by a claim with a heartbeat),
in batches of stories in guid order. Each batch is one write transaction holding its stories' rows
the way a writer of those stories does, and it records its progress in the same transaction, so a
restart resumes where the last batch ended. A filter changed again mid-run starts the run over. The
CLI runs the same batches in the foreground (`stamp_product`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsflow.model import EventKind, utcnow
from newsflow.store import Store
from newsflow.store.tables import events, stories, versions
from newsflow.wire.products import Product, ProductFilter, StoryFacts
from newsflow.wire.tables import archive_stamping, event_products, products

log = logging.getLogger(__name__)

BATCH = 500  # stories per transaction: short enough that writers of those stories barely wait
CLAIM_LAPSES = timedelta(seconds=60)  # a run whose node has not reported for this long is free again
_FACT_FIELDS = ("categories", "dossier", "photos", "subjects", "places")  # (the rest are columns)


@dataclass(frozen=True)
class Progress:
    """Where a product's archive run stands, for the admin."""

    product_id: int
    stories_done: int
    stories_total: int
    requested: datetime
    finished: datetime | None

    @property
    def percent(self) -> int:
        if self.finished is not None or not self.stories_total:
            return 100
        return min(99, self.stories_done * 100 // self.stories_total)


# ---- the rule, for one product over one story -----------------------------------------------------


def story_stamps(product: Product, story_events: Sequence[tuple[int, EventKind, int]],
                 facts: Mapping[int, StoryFacts]) -> dict[int, bool]:
    """The product's stamps on one story's events, as `Subscribers.plan` and `record` would have
    made them had the product existed with its filter all along: seq → notice (False: the copy,
    True: a withdrawal notice only); an event the product does not reach is left out.

    `story_events` are (seq, kind, version) in log order; `facts` holds every version of the story.
    """
    reached = last_copy = False
    copies: set[int] = set()
    stamps: dict[int, bool] = {}
    for seq, kind, number in story_events:
        covered = product.covers(facts[number])
        notice = False
        if kind == EventKind.embargo_lift:
            copy = covered or number in copies
        elif kind == EventKind.kill:
            earlier = [n for n in facts if n < number]
            copy = covered or reached or (bool(earlier) and product.covers(facts[max(earlier)]))
        else:
            copy, notice = covered, last_copy and not covered
            last_copy = copy
            if copy:
                copies.add(number)
        reached = reached or copy or notice
        if copy or notice:
            stamps[seq] = not copy
    # A kill takes every earlier event of its story off every product (Subscribers.record).
    kills = [seq for seq, kind, _ in story_events if kind == EventKind.kill]
    if kills:
        stamps = {seq: notice for seq, notice in stamps.items() if seq >= max(kills)}
    return stamps


# ---- queueing and running ---------------------------------------------------------------------------


def queue(conn: sa.Connection, product_id: int, filter: ProductFilter, now: datetime | None = None) -> None:
    """Queue (or start over) the product's archive run; call it in the transaction that changes the
    filter, so the run and the change commit together."""
    head = conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one()
    total = conn.execute(sa.select(sa.func.count()).select_from(stories)).scalar_one()
    values = {"filter": filter.model_dump(mode="json", exclude_defaults=True), "after_guid": None,
              "stories_done": 0, "stories_total": total, "requested": now or utcnow(), "finished": None,
              "node": None, "heartbeat": None, "log_head": head}
    done = conn.execute(archive_stamping.update()
                        .where(archive_stamping.c.product_id == product_id).values(**values))
    if done.rowcount == 0:
        conn.execute(archive_stamping.insert().values(product_id=product_id, **values))


def progress(store: Store, product_ids: Iterable[int] | None = None) -> dict[int, Progress]:
    query = archive_stamping.select()
    if product_ids is not None:
        query = query.where(archive_stamping.c.product_id.in_(sorted(set(product_ids))))
    with store.read() as conn:
        return {r.product_id: Progress(r.product_id, r.stories_done, max(r.stories_total, r.stories_done),
                                       r.requested, r.finished)
                for r in conn.execute(query)}


def stamp_product(store: Store, product_id: int, *, node: str = "cli",
                  report: Callable[[Progress], None] | None = None) -> Progress | None:
    """Run the product's queued archive run to its end in this thread (the CLI, tests, benchmarks);
    None when no run is queued or another node holds it."""
    return _Run(store, product_id, node, report).to_end()


class ArchiveStamper:
    """The node's background worker: takes queued runs one at a time and carries them out."""

    def __init__(self, store: Store, node: str, *, every: float = 1.0,
                 on_change: Callable[[], None] | None = None) -> None:
        self.store = store
        self.node = node
        self.every = every
        # Called after each committed batch and when another node's run moves: stamps changed, so
        # what was kept from them (the feed's full pages) is dropped.
        self.on_change = on_change
        self._seen: tuple[Any, ...] = ()
        self._current: _Run | None = None

    def run_once(self) -> bool:
        """One batch of the run in hand, or of the next queued run this node can claim; True if a
        batch was done. One batch a call: a node told to stop finishes at most one batch (a run at
        a million stories takes minutes; the claim lapses and this or another node resumes it)."""
        self._notice_others()
        if self._current is None:
            self._current = next((run for run in (_Run(self.store, product_id, self.node, self._changed)
                                                  for product_id in self._queued()) if run._claim()), None)
        if self._current is None:
            return False
        state = self._current.step()
        if state is None or state.finished is not None:
            self._current = None
        return state is not None

    async def run(self) -> None:
        while True:
            try:
                worked = await asyncio.to_thread(self.run_once)
            except sa.exc.SQLAlchemyError:
                log.exception("archive stamping: database error, trying again")
                worked = False
            if not worked:
                await asyncio.sleep(self.every)

    def _queued(self) -> list[int]:
        stale = utcnow() - CLAIM_LAPSES
        a = archive_stamping.c
        query = (sa.select(a.product_id).where(a.finished.is_(None),
                                               sa.or_(a.node.is_(None), a.node == self.node, a.heartbeat < stale))
                 .order_by(a.requested))
        with self.store.read() as conn:
            return list(conn.execute(query).scalars())

    def _notice_others(self) -> None:
        """Runs on other nodes change stamps too: one cheap look a second tells this node."""
        with self.store.read() as conn:
            seen = tuple(conn.execute(sa.select(archive_stamping.c.product_id, archive_stamping.c.stories_done,
                                                archive_stamping.c.finished, archive_stamping.c.requested)
                                      .order_by(archive_stamping.c.product_id)).all())
        if seen != self._seen:
            if self._seen or seen:
                self._changed(None)
            self._seen = seen

    def _changed(self, _: Progress | None) -> None:
        if self.on_change is not None:
            self.on_change()


class _Run:
    """One product's run, batch after batch, while this node holds its claim."""

    def __init__(self, store: Store, product_id: int, node: str,
                 report: Callable[[Progress], None] | None) -> None:
        self.store = store
        self.product_id = product_id
        self.node = node
        self.report = report

    def to_end(self) -> Progress | None:
        if not self._claim():
            return None
        while True:
            state = self.step()
            if state is None or state.finished is not None:
                return state

    def step(self) -> Progress | None:
        """One batch, reported; None when the claim was lost or the filter changed (the newer run
        takes over)."""
        state = self._batch()
        if state is not None and self.report is not None:
            self.report(state)
        return state

    def _claim(self) -> bool:
        now = utcnow()
        a = archive_stamping.c
        with self.store.write() as conn:
            done = conn.execute(archive_stamping.update().where(
                a.product_id == self.product_id, a.finished.is_(None),
                sa.or_(a.node.is_(None), a.node == self.node, a.heartbeat < now - CLAIM_LAPSES))
                .values(node=self.node, heartbeat=now))
            return done.rowcount == 1

    def _batch(self) -> Progress | None:
        """One transaction: the next stories (or, at the end, those written to since the run was
        queued), their stamps for this product derived again, and the progress."""
        with self.store.write() as conn:
            job = conn.execute(archive_stamping.select().where(
                archive_stamping.c.product_id == self.product_id)).first()
            if job is None or job.node != self.node or job.finished is not None:
                return None
            row = conn.execute(products.select().where(products.c.id == self.product_id)).first()
            if row is None or row.filter != job.filter:
                return None
            product = Product.of_row(row, ProductFilter.model_validate(row.filter))
            now = utcnow()
            after = stories.c.guid > job.after_guid if job.after_guid is not None else None
            guids = self._locked(conn, after, BATCH)
            if guids:
                _restamp(conn, product, guids)
                values: dict[str, Any] = {"after_guid": guids[-1], "stories_done": job.stories_done + len(guids)}
            else:
                # Stories written to since the run was queued: a writer may have matched them against
                # the filter it read just before the change.
                late = list(conn.execute(sa.select(events.c.guid).where(events.c.seq > job.log_head)
                                         .distinct()).scalars())
                for start in range(0, len(late), BATCH):
                    _restamp(conn, product, self._locked(conn, stories.c.guid.in_(late[start:start + BATCH])))
                values = {"finished": now}
            conn.execute(archive_stamping.update().where(archive_stamping.c.product_id == self.product_id)
                         .values(heartbeat=now, **values))
            return Progress(self.product_id, values.get("stories_done", job.stories_done),
                            max(job.stories_total, values.get("stories_done", job.stories_done)),
                            job.requested, values.get("finished"))

    @staticmethod
    def _locked(conn: sa.Connection, where: sa.ColumnElement[bool] | None, limit: int | None = None) -> list[str]:
        """Guids of the stories chosen, held as a writer of a story holds it (Store._lock_story)."""
        query = sa.select(stories.c.guid).order_by(stories.c.guid).limit(limit)
        if where is not None:
            query = query.where(where)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return list(conn.execute(query).scalars())


def _restamp(conn: sa.Connection, product: Product, guids: list[str]) -> None:
    """Replace the product's stamps on every event of these stories with what its filter gives."""
    logged: dict[str, list[tuple[int, EventKind, int]]] = {}
    for seq, kind, guid, number in conn.execute(
            sa.select(events.c.seq, events.c.kind, events.c.guid, events.c.version)
            .where(events.c.guid.in_(guids)).order_by(events.c.seq)):
        logged.setdefault(guid, []).append((seq, EventKind(kind), number))
    if not logged:
        return
    facts: dict[str, dict[int, StoryFacts]] = {}
    # Only the fields filters look at, not the copy: the body is most of a version's bytes.
    content = versions.c.content
    wanted = [content[name].label(name) for name in _FACT_FIELDS]
    for row in conn.execute(sa.select(versions.c.guid, versions.c.version, versions.c.language, versions.c.urgency,
                                      versions.c.public, *wanted).where(versions.c.guid.in_(list(logged)))):
        fields = row._asdict()
        facts.setdefault(row.guid, {})[row.version] = StoryFacts.of_stored(fields)
    seqs = [seq for story_events in logged.values() for seq, _, _ in story_events]
    conn.execute(event_products.delete().where(event_products.c.product_id == product.id,
                                               event_products.c.seq.in_(seqs)))
    rows = [{"seq": seq, "product_id": product.id, "notice": notice}
            for guid, story_events in logged.items()
            for seq, notice in story_stamps(product, story_events, facts[guid]).items()]
    if rows:
        conn.execute(event_products.insert(), rows)

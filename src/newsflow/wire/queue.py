"""The server-held queue: a position in the distribution log per (company, consumer), for
subscribers who would rather not keep a cursor themselves.

At-least-once, like an agency queue: a take hands out the entitled events after the acknowledged
position and remembers how far the batch reaches; taking again before an ack hands out the same
events again, so a consumer that dies mid-batch loses nothing. An ack moves the position forward with
one conditional UPDATE — never backwards, never beyond what was handed out — so concurrent acks are
safe on SQLite and PostgreSQL alike. Reading goes through `wire.feed.read_page`: the same cursor
primitive and the same entitlement rule (`may_see`) as the pull feed.

Each company has its own namespace of consumer names. The product narrowing is fixed when a consumer
is created: a position over "all my products" acked through a batch narrowed to one product would
silently skip the others.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from newsflow.errors import Conflict, NotFound
from newsflow.model import EventKind, utcnow
from newsflow.store import Store
from newsflow.store.tables import BigId, Json, UTCDateTime, events, metadata, versions
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.feed import Page, reach_of, read_page
from newsflow.wire.tables import event_products

CONSUMER_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
Start = Literal["earliest", "latest"]

queue_positions = sa.Table(
    "queue_positions", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("consumer", sa.String(64), nullable=False),
    sa.Column("products", Json, nullable=True),  # narrowing fixed at creation; null: all the company's products
    sa.Column("acked_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("batch_seq", sa.BigInteger, nullable=False, server_default="0"),  # how far handed-out batches reach
    sa.Column("batch_at", UTCDateTime, nullable=True),  # when the last batch was handed out
    sa.Column("acked_at", UTCDateTime, nullable=True),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("updated", UTCDateTime, nullable=False),
    sa.UniqueConstraint("company_id", "consumer", name="uq_queue_positions_company_consumer"),
)


def validate_consumer(name: str) -> str:
    """The name, or ValueError saying what a consumer name may be."""
    if not CONSUMER_NAME.fullmatch(name) or name in (".", ".."):  # dot segments cannot be addressed in a URL
        raise ValueError(f"consumer name {name!r} is not valid: use 1-64 characters from A-Z, a-z, 0-9, "
                         "'.', '_' and '-' (not '.' or '..' alone)")
    return name


@dataclass(frozen=True)
class Position:
    company_id: str
    consumer: str
    products: frozenset[int] | None  # None: every product the company holds
    acked: int  # everything up to this seq is acknowledged
    batch: int  # the furthest seq a batch handed out reaches (>= acked)
    batch_at: datetime | None
    acked_at: datetime | None
    created: datetime
    updated: datetime


class Queues:
    """Consumer positions of every company. Stateless apart from the store: cheap to make per request."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- positions ------------------------------------------------------------------------------

    def find(self, company_id: str, consumer: str) -> Position | None:
        with self.store.read() as conn:
            row = conn.execute(queue_positions.select().where(*_key(company_id, consumer))).first()
        return None if row is None else _position(row)

    def get(self, company_id: str, consumer: str) -> Position:
        position = self.find(company_id, consumer)
        if position is None:
            raise NotFound(f"no queue consumer {consumer!r}: a first take creates it")
        return position

    def open(self, company_id: str, consumer: str, *, start: Start | None = None,
             products: Collection[int] | None = None, now: datetime | None = None) -> Position:
        """The consumer's position, created on first use at the start of the log (`earliest`, the
        default) or at its end (`latest`). `start` only applies on creation. Asking an existing
        consumer for a different product narrowing is a Conflict: reset it to change that."""
        validate_consumer(consumer)
        wanted = None if products is None else frozenset(products)
        position = self.find(company_id, consumer)
        if position is None:
            now = now or utcnow()
            at = self.store.last_seq() if start == "latest" else 0
            try:
                with self.store.write() as conn:
                    conn.execute(queue_positions.insert().values(
                        company_id=company_id, consumer=consumer, acked_seq=at, batch_seq=at,
                        products=None if wanted is None else sorted(wanted), created=now, updated=now))
            except IntegrityError:
                pass  # a concurrent first take created it: use theirs
            position = self.get(company_id, consumer)
        if wanted is not None and wanted != position.products:
            held = "all your products" if position.products is None else f"products {sorted(position.products)}"
            raise Conflict(f"queue consumer {consumer!r} reads {held}, not products {sorted(wanted)}; "
                           "omit products, or DELETE the consumer to start it afresh with other products")
        return position

    def read(self, company: CompanyAccess, position: Position, after: int, limit: int,
             now: datetime | None = None) -> Page:
        """Up to `limit` entitled entries after `after`, through the feed's primitive."""
        return read_page(self.store, company, after, limit, products=position.products, now=now)

    def handed_out(self, company_id: str, consumer: str, batch: int, now: datetime | None = None) -> None:
        """Remember that a batch reaching `batch` was handed out, so it may be acked."""
        now = now or utcnow()
        col = queue_positions.c.batch_seq
        with self.store.write() as conn:
            done = conn.execute(queue_positions.update().where(*_key(company_id, consumer)).values(
                batch_seq=sa.case((col < batch, batch), else_=col), batch_at=now, updated=now)).rowcount
        if not done:
            raise Conflict(f"queue consumer {consumer!r} was reset during the take; take again")

    def ack(self, company_id: str, consumer: str, batch: int, now: datetime | None = None) -> Position:
        """Move the position to `batch`. An older batch is a no-op; one beyond what was handed out is
        a Conflict. One conditional UPDATE: concurrent acks can only move the position forward."""
        validate_consumer(consumer)
        now = now or utcnow()
        c = queue_positions.c
        advance = (queue_positions.update()
                   .where(*_key(company_id, consumer), c.acked_seq < batch, c.batch_seq >= batch)
                   .values(acked_seq=batch, acked_at=now, updated=now))
        while True:
            with self.store.write() as conn:
                moved = conn.execute(advance).rowcount
            position = self.get(company_id, consumer)
            if moved or batch <= position.acked:
                return position  # advanced, or already there or beyond (an older batch: no-op)
            if batch > position.batch:
                raise Conflict(f"batch {batch} was never handed out to queue consumer {consumer!r}: "
                               f"its batches reach seq {position.batch}; ack the 'batch' a take returned")
            # a take handed this batch out between the UPDATE and the read: try again

    def reset(self, company_id: str, consumer: str) -> None:
        validate_consumer(consumer)
        with self.store.write() as conn:
            gone = conn.execute(queue_positions.delete().where(*_key(company_id, consumer))).rowcount
        if not gone:
            raise NotFound(f"no queue consumer {consumer!r}")

    # ---- what is waiting --------------------------------------------------------------------------

    def backlog(self, company: CompanyAccess, position: Position, now: datetime | None = None) -> int:
        """How many entitled events wait after the acknowledged position. Products are matched in
        SQL, as read_page does; `may_see` then rules on the few versions under an embargo now."""
        now = now or utcnow()
        wanted = company.product_ids if position.products is None else company.product_ids & position.products
        if not company.active or not wanted:
            return 0
        matched = sa.exists().where(event_products.c.seq == events.c.seq,
                                    event_products.c.product_id.in_(sorted(wanted)))
        waiting = sa.select(sa.func.count()).select_from(events).where(events.c.seq > position.acked, matched)
        # Events whose verdict may turn on the embargo: their version has one (lifts included).
        held = (sa.select(events.c.seq, events.c.kind, events.c.guid, events.c.version)
                .join(versions, sa.and_(versions.c.guid == events.c.guid, versions.c.version == events.c.version))
                .where(events.c.seq > position.acked, matched, versions.c.embargo.is_not(None)))
        with self.store.read() as conn:
            count = conn.execute(waiting).scalar_one()
            embargoed = conn.execute(held).all()
        reached = reach_of(self.store, (e.seq for e in embargoed)) if embargoed else {}
        found = self.store.get_versions([(e.guid, e.version) for e in embargoed])
        hidden = sum(1 for e in embargoed
                     if not may_see(company, reached[e.seq].copy, found[(e.guid, e.version)], now,
                                    kind=EventKind(e.kind), notice=reached[e.seq].notice))
        return count - hidden


def describe(position: Position, backlog: int) -> dict[str, Any]:
    """A consumer as the API shows it."""
    def when(t: datetime | None) -> str | None:
        return None if t is None else t.isoformat()

    return {"consumer": position.consumer, "position": position.acked, "last_batch": position.batch,
            "backlog": backlog, "unacked": position.batch > position.acked,
            "products": None if position.products is None else sorted(position.products),
            "last_take": when(position.batch_at), "last_ack": when(position.acked_at),
            "created": when(position.created)}


def _key(company_id: str, consumer: str) -> tuple[sa.ColumnElement[bool], ...]:
    return queue_positions.c.company_id == company_id, queue_positions.c.consumer == consumer


def _position(row: sa.Row[Any]) -> Position:
    return Position(company_id=row.company_id, consumer=row.consumer,
                    products=None if row.products is None else frozenset(row.products),
                    acked=row.acked_seq, batch=row.batch_seq, batch_at=row.batch_at, acked_at=row.acked_at,
                    created=row.created, updated=row.updated)

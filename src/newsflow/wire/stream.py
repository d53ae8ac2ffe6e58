"""Live fan-out to Server-Sent Events connections on this node.

Each new event is rendered once per format and framed once per format; the same bytes are then
queued on every connection whose company may see it. A client too slow to keep up is dropped (its
queue is bounded); it reconnects with Last-Event-ID and catches up from the log, missing nothing.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from newsflow.formats.base import RenderContext
from newsflow.formats.registry import render
from newsflow.model import Event, StoryVersion, utcnow
from newsflow.store import Store
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.usage import Use

QUEUE_LIMIT = 1000
_ids = itertools.count(1)


def sse_frame(event: Event, payload: bytes) -> bytes:
    """One SSE message: `id:` is the seq, so a reconnect resumes exactly after it."""
    data = b"".join(b"data: " + line + b"\n" for line in payload.split(b"\n"))
    return b"id: %d\nevent: %s\n%s\n" % (event.seq, event.kind.value.encode(), data)


@dataclass(eq=False)
class Connection:
    company: CompanyAccess
    fmt: str
    products: frozenset[int] | None = None  # narrowing to some of the company's products
    skip_through: int = 0  # the reader drops queued frames up to this seq: the catch-up sent them
    queue: asyncio.Queue[tuple[int, bytes] | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    id: int = field(default_factory=lambda: next(_ids))
    dropped: bool = False

    def close(self) -> None:
        """The client went away: wake the response so it ends."""
        self.dropped = True
        while not self.queue.empty():  # frames not yet sent are moot; the end marker must fit
            self.queue.get_nowait()
        self.queue.put_nowait(None)

    def offer(self, seq: int, frame: bytes) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait((seq, frame))
        except asyncio.QueueFull:
            self.close()  # the response ends; the client resumes from the log with Last-Event-ID


class StreamHub:
    def __init__(self, store: Store, event_products: Callable[[list[int]], dict[int, frozenset[int]]],
                 ctx: RenderContext, record: Callable[[list[Use]], None] | None = None) -> None:
        self.store = store
        self.record = record  # the usage log: one row per (company, event, format), not per connection
        self.event_products = event_products
        self.ctx = ctx
        self.connections: set[Connection] = set()

    def connect(self, company: CompanyAccess, fmt: str, products: frozenset[int] | None = None) -> Connection:
        conn = Connection(company=company, fmt=fmt, products=products)
        self.connections.add(conn)
        return conn

    def disconnect(self, conn: Connection) -> None:
        self.connections.discard(conn)

    async def on_events(self, events: list[Event]) -> None:
        """LogFollower handler: one read of products and versions for the batch, then fan-out."""
        if not self.connections:
            return
        products = await asyncio.to_thread(self.event_products, [e.seq for e in events])
        versions = await asyncio.to_thread(self.store.get_versions, [(e.guid, e.version) for e in events])
        now = utcnow()
        uses: set[Use] = set()
        for event in events:
            self.fan_out(event, versions[(event.guid, event.version)], products.get(event.seq, frozenset()), now,
                         uses)
        if uses and self.record:
            await asyncio.to_thread(self.record, list(uses))

    def fan_out(self, event: Event, version: StoryVersion, matched: frozenset[int], now: datetime,
                uses: set[Use] | None = None) -> int:
        frames: dict[str, bytes] = {}
        verdicts: dict[tuple[str, frozenset[int] | None], bool] = {}
        sent = 0
        for conn in tuple(self.connections):
            key = (conn.company.id, conn.products)
            allowed = verdicts.get(key)
            if allowed is None:
                ids = matched if conn.products is None else matched & conn.products
                allowed = verdicts[key] = bool(may_see(conn.company, ids, version, now))
            if not allowed:
                continue
            frame = frames.get(conn.fmt)
            if frame is None:
                frame = frames[conn.fmt] = sse_frame(event, render(version, conn.fmt, self.ctx))
            conn.offer(event.seq, frame)
            sent += 1
            if uses is not None:
                uses.add(Use(conn.company.id, "stream", version.guid, version.version, "stream", conn.fmt))
        return sent

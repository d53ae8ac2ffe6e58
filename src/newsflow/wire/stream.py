"""Live fan-out to Server-Sent Events connections on this node.

Each new event is rendered once per format and framed once per format. Connections are grouped by
(company, narrowing, format), so the entitlement rule runs once per group, and the same bytes are then
written to every connection of an entitled group.

The write is direct: once a connection has caught up, the hub calls the server's `send` for it and
runs that coroutine eagerly — to completion on the spot when the socket can take the bytes, which is
nearly always (what Python 3.12's eager tasks do). So publishing to 10,000 clients is one tight loop of
socket writes, not 10,000 task wake-ups. Only a connection whose socket is full gets a task that
waits for it to drain; frames meanwhile queue behind it in order, and a client that falls more than
QUEUE_LIMIT frames behind is dropped (it reconnects with Last-Event-ID and catches up from the log).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsflow.formats.base import RenderContext
from newsflow.formats.registry import render
from newsflow.model import Event, StoryVersion, utcnow
from newsflow.store import Store
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.usage import Use

QUEUE_LIMIT = 1000
HEARTBEAT = 15.0
HEARTBEAT_FRAME = b": heartbeat\n\n"
Send = Callable[[dict[str, Any]], Awaitable[None]]


def sse_frame(event: Event, payload: bytes) -> bytes:
    """One SSE message: `id:` is the seq, so a reconnect resumes exactly after it."""
    data = b"".join(b"data: " + line + b"\n" for line in payload.split(b"\n"))
    return b"id: %d\nevent: %s\n%s\n" % (event.seq, event.kind.value.encode(), data)


def _body(frame: bytes) -> dict[str, Any]:
    return {"type": "http.response.body", "body": frame, "more_body": True}


async def _finish(coro: Coroutine[Any, Any, None], waiting: Any) -> None:
    """Carry on a coroutine that `Connection._write` started and that suspended on `waiting`."""
    while True:
        try:
            if waiting is None:  # a bare yield (sleep(0)): just give the loop a turn
                await asyncio.sleep(0)
            else:
                await waiting
        except BaseException as exc:  # hand the failure to the coroutine, as a task would
            waiting = coro.throw(exc)
            continue
        try:
            waiting = coro.send(None)
        except StopIteration:
            return


@dataclass(eq=False)
class Connection:
    group: Group
    send: Send | None = None  # the server's send, once the catch-up is done and the stream is live
    skip_through: int = 0  # frames up to this seq were sent by the catch-up
    held: list[tuple[int, bytes]] = field(default_factory=list)  # frames waiting: catch-up or full socket
    closed: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    draining: asyncio.Task[None] | None = None

    @property
    def done(self) -> bool:
        return self.closed.done()

    def close(self) -> None:
        """The client went away or fell too far behind: end the response."""
        if not self.closed.done():
            self.closed.set_result(None)
        self.held.clear()

    def offer(self, seq: int, frame: bytes, message: dict[str, Any] | None = None) -> None:
        """Write `frame` now if the connection is live and its socket free, else hold it. `message`
        is the ASGI body message for `frame`, when the caller shares one across connections."""
        if self.closed.done() or seq <= self.skip_through:
            return  # gone, or already sent by the catch-up (this node's follower may lag behind it)
        if self.send is None or self.draining is not None:
            self.held.append((seq, frame))
            if len(self.held) > QUEUE_LIMIT:
                self.close()
            return
        self._write(message or _body(frame))

    def go_live(self, send: Send, sent_through: int) -> None:
        """The catch-up has sent everything up to `sent_through`: write what was held after it, in
        order, and from now on write frames as they come. Synchronous, so no event slips between."""
        self.skip_through = sent_through
        held, self.held = self.held, []
        self.send = send
        frames = [frame for seq, frame in held if seq > sent_through]
        if frames:
            self._write(_body(b"".join(frames)))

    def _write(self, message: dict[str, Any]) -> None:
        assert self.send is not None
        coro = self.send(message)
        try:
            waiting = coro.send(None)  # type: ignore[attr-defined]
        except StopIteration:
            return  # written: the usual case
        except Exception:
            self.close()
            return
        # The socket is full: let a task wait for it; frames queue behind it meanwhile.
        self.draining = asyncio.ensure_future(self._drain(coro, waiting))  # type: ignore[arg-type]

    async def _drain(self, coro: Coroutine[Any, Any, None], waiting: Any) -> None:
        try:
            await _finish(coro, waiting)
            while self.held and not self.done:
                frames, self.held = b"".join(f for _, f in self.held), []
                assert self.send is not None
                await self.send(_body(frames))
        except Exception:
            self.close()
        finally:
            self.draining = None


@dataclass(eq=False)
class Group:
    """The connections that see exactly the same events in the same format."""

    company: CompanyAccess
    fmt: str
    products: frozenset[int] | None
    connections: set[Connection] = field(default_factory=set)


class StreamHub:
    def __init__(self, store: Store, event_products: Callable[[list[int]], dict[int, frozenset[int]]],
                 ctx: RenderContext, record: Callable[[list[Use]], None] | None = None) -> None:
        self.store = store
        self.record = record  # the usage log: one row per (company, event, format), not per connection
        self.event_products = event_products
        self.ctx = ctx
        self.groups: dict[tuple[str, frozenset[int] | None, str], Group] = {}

    @property
    def connections(self) -> int:
        return sum(len(g.connections) for g in self.groups.values())

    def connect(self, company: CompanyAccess, fmt: str, products: frozenset[int] | None = None) -> Connection:
        key = (company.id, products, fmt)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(company, fmt, products)
        else:
            group.company = company  # the newest lookup of the company's subscription wins
        conn = Connection(group)
        group.connections.add(conn)
        return conn

    def disconnect(self, conn: Connection) -> None:
        conn.close()
        group = conn.group
        group.connections.discard(conn)
        if not group.connections and self.groups.get((group.company.id, group.products, group.fmt)) is group:
            del self.groups[(group.company.id, group.products, group.fmt)]

    async def on_events(self, events: list[Event]) -> None:
        """LogFollower handler: one read of products and versions for the batch, then fan-out."""
        if not self.groups:
            return
        products = await asyncio.to_thread(self.event_products, [e.seq for e in events])
        versions = await asyncio.to_thread(self.store.get_versions, [(e.guid, e.version) for e in events])
        now = utcnow()
        uses: set[Use] = set()  # a company with two narrowings in one format is one delivery
        for event in events:
            self.fan_out(event, versions[(event.guid, event.version)], products.get(event.seq, frozenset()), now,
                         uses)
        if uses and self.record:
            self.record(list(uses))  # noted in memory: the usage log writes in batches

    def fan_out(self, event: Event, version: StoryVersion, matched: frozenset[int], now: datetime,
                uses: set[Use] | None = None) -> int:
        frames: dict[str, tuple[bytes, dict[str, Any]]] = {}  # per format: the frame, its ASGI message
        sent = 0
        for group in tuple(self.groups.values()):
            ids = matched if group.products is None else matched & group.products
            if not may_see(group.company, ids, version, now):
                continue
            framed = frames.get(group.fmt)
            if framed is None:
                frame = sse_frame(event, render(version, group.fmt, self.ctx))
                framed = frames[group.fmt] = (frame, _body(frame))
            frame, message = framed
            for conn in tuple(group.connections):
                conn.offer(event.seq, frame, message)
            sent += len(group.connections)
            if uses is not None:
                uses.add(Use(group.company.id, "stream", version.guid, version.version, "stream", group.fmt))
        return sent

    async def heartbeats(self, every: float = HEARTBEAT) -> None:
        """Keep idle streams (and the proxies in between) open: one comment to every live connection."""
        while True:
            await asyncio.sleep(every)
            for group in tuple(self.groups.values()):
                for conn in tuple(group.connections):
                    with contextlib.suppress(Exception):
                        conn.offer(2**62, HEARTBEAT_FRAME)

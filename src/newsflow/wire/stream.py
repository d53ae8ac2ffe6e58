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

Access is re-checked while a connection is open (`check_access`, every ACCESS_CHECK seconds): each
distinct API key, portal user and company of the node's connections is looked up once per tick, however
many connections share it. A revoked key, a deactivated company or user ends the connection with a last
comment saying why (`: closed: API key revoked`); a product taken away narrows the group at once.

Open streams are capped per API key and per company (`StreamCaps`, from NEWSFLOW_STREAMS_PER_KEY and
NEWSFLOW_STREAMS_PER_COMPANY): one more is refused with `StreamsFull` (429), and a closed stream frees
its slot at once. The counts are this node's: N nodes behind a balancer allow up to N times the cap.

A failure is contained where it happens. A database error reading a batch raises to the log follower,
which hands the batch again later (wire.follower): no event is passed over. A story that cannot be
rendered in a format is not transient — it would fail on every try and hold the stream behind it for
ever — so it is logged with its guid and skipped for the groups of that format; every other story,
format and group is still delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newsflow.auth import COMPANY_ROLES
from newsflow.errors import NotFound
from newsflow.formats.base import RenderContext
from newsflow.formats.registry import render
from newsflow.model import Event, StoryVersion, utcnow
from newsflow.ops.metrics import UNWIRED
from newsflow.store import Store, User, credentials
from newsflow.wire.entitlement import NOWHERE, CompanyAccess, Reach, deliverable, may_see
from newsflow.wire.subscribers import Subscribers
from newsflow.wire.usage import Use

log = logging.getLogger("newsflow.wire")
QUEUE_LIMIT = 1000
HEARTBEAT = 15.0
ACCESS_CHECK = 1.0  # seconds between re-checks of open connections' access (the key cache keeps 2 s)
Send = Callable[[dict[str, Any]], Awaitable[None]]
# What ends a line for an SSE parser (the HTML standard): CRLF, a bare CR, a bare LF.
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _lines(value: bytes) -> list[bytes]:
    return _LINE_END.split(value) if b"\r" in value else value.split(b"\n")


def sse_message(data: bytes, *, id: int | None = None, event: str | None = None) -> bytes:
    """One SSE message, the only place SSE fields are written. Each line of `data` gets its own
    `data:` field, so no text in a story can end a field early and forge an `id:` or `event:`."""
    head = b""
    if id is not None:
        head += b"id: %d\n" % id
    if event is not None:
        name = event.encode()
        if len(_lines(name)) > 1:
            raise ValueError(f"an SSE event name cannot hold a line break: {event!r}")
        head += b"event: " + name + b"\n"
    return head + b"".join(b"data: " + line + b"\n" for line in _lines(data)) + b"\n"


def sse_comment(text: str) -> bytes:
    """An SSE comment (clients ignore it; proxies see traffic), one `:` line per line of `text`."""
    return b"".join(b": " + line + b"\n" for line in _lines(text.encode())) + b"\n"


def sse_frame(event: Event, payload: bytes) -> bytes:
    """One SSE message for a log event: `id:` is the seq, so a reconnect resumes exactly after it."""
    return sse_message(payload, id=event.seq, event=event.kind.value)


def render_frame(event: Event, version: StoryVersion, fmt: str, ctx: RenderContext) -> bytes | None:
    """The frame of `version` in `fmt`, or None when it cannot be rendered: logged with the story's guid,
    and skipped rather than retried, since it fails the same way every time (see the module's doc)."""
    try:
        return sse_frame(event, render(version, fmt, ctx))
    except Exception:
        log.exception("stream: %s version %s (seq %s) cannot be rendered as %s; skipped", version.guid,
                      version.version, event.seq, fmt)
        return None


HEARTBEAT_FRAME = sse_comment("heartbeat")
DRAINED = "the server is shutting down; reconnect with Last-Event-ID"
RECONNECT_MS = (1000, 5000)  # a stopped node's clients come back spread over this window, not all at once


def _reconnect_after() -> int:
    return random.randint(*RECONNECT_MS)


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


@dataclass(frozen=True)
class Holder:
    """Whose access an open connection rides on, re-checked while it is open (`StreamHub.check_access`)."""

    key: str | None = field(default=None, repr=False)  # the API key of a /v1/stream connection (a secret)
    user_id: str | None = None  # the signed-in portal user of a /portal/events connection
    session: str | None = field(default=None, repr=False)  # that user's session (its hash): logout ends it


@dataclass(frozen=True)
class StreamCaps:
    """How many streams may be open at once on this node, per API key and per company (None: no cap)."""

    per_key: int | None = None
    per_company: int | None = None


class StreamsFull(Exception):
    """One stream too many for a cap (HTTP 429); says which cap and its value."""

    def __init__(self, cap: str, limit: int) -> None:
        super().__init__(f"too many open streams: {cap} allows {limit} at once on this node; "
                         "close one (a closed stream frees its slot at once) or ask the agency for more")
        self.cap = cap
        self.limit = limit


@dataclass(eq=False)
class Connection:
    group: Group
    holder: Holder = Holder()
    send: Send | None = None  # the server's send, once the catch-up is done and the stream is live
    skip_through: int = 0  # frames up to this seq were sent (by the catch-up) or taken: each seq once
    farewell: bytes = b""  # the last bytes before the response ends: why the stream was closed
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

    def end(self, reason: str, *, retry_ms: int | None = None) -> None:
        """Access ended (or the node is stopping): close with a last comment telling the client why,
        and with `retry_ms`, when to reconnect (SSE's `retry:` field)."""
        if not self.done:
            self.farewell = (b"" if retry_ms is None else b"retry: %d\n" % retry_ms) + sse_comment("closed: " + reason)
            self.close()

    def offer(self, seq: int, frame: bytes, message: dict[str, Any] | None = None) -> None:
        """Write `frame` now if the connection is live and its socket free, else hold it. `message`
        is the ASGI body message for `frame`, when the caller shares one across connections."""
        if self.closed.done() or seq <= self.skip_through:
            return  # gone, or already sent (by the catch-up, or before a batch was handed over again)
        self.skip_through = seq
        self._put(seq, frame, message)

    def comment(self, frame: bytes) -> None:
        """A comment (a heartbeat) to a live connection; skipped while frames wait, which keep it busy."""
        if not self.done and self.send is not None and self.draining is None:
            self._write(_body(frame))

    def _put(self, seq: int, frame: bytes, message: dict[str, Any] | None) -> None:
        if self.send is None or self.draining is not None:
            self.held.append((seq, frame))
            if len(self.held) > QUEUE_LIMIT:
                self.close()
            return
        self._write(message or _body(frame))

    def go_live(self, send: Send, sent_through: int) -> None:
        """The catch-up has sent everything up to `sent_through`: write what was held after it, in
        order, and from now on write frames as they come. Synchronous, so no event slips between."""
        self.skip_through = max(self.skip_through, sent_through)
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


@dataclass(frozen=True)
class Standing:
    """One tick's look-up of the keys, users and companies open connections ride on."""

    keys: dict[str, CompanyAccess | None]  # None: revoked (or unknown)
    users: dict[str, User | None]  # None: gone
    companies: dict[str, CompanyAccess]
    sessions: dict[str, bool] = field(default_factory=dict)  # False: signed out, expired or ended

    @classmethod
    def look_up(cls, subscribers: Subscribers, keys: set[str], users: set[str], companies: set[str],
                sessions: set[str] | None = None) -> Standing:
        """Once per distinct key, user and company (the companies in one query, the sessions in one)."""
        live = credentials.live_sessions(subscribers.store, sessions or set())
        return cls({key: subscribers.company_for_key(key) for key in keys},
                   {uid: _user(subscribers.store, uid) for uid in users}, subscribers.accesses(companies),
                   {s: s in live for s in sessions or set()})

    def refusal(self, holder: Holder, company_id: str) -> str | None:
        """Why `holder` may no longer read a stream of `company_id`'s (None: it still may). A holder
        that connected after this look-up began is not in it: the next tick looks it up."""
        if holder.key in self.keys:
            key = self.keys[holder.key]
            if key is None:
                return "API key revoked"
            if not key.may_use("stream"):
                return "API key no longer has the stream scope"
        if holder.user_id in self.users:
            user = self.users[holder.user_id]
            if user is None or not user.active:
                return "account deactivated"
            if user.role not in COMPANY_ROLES or user.company_id != company_id:
                return "account no longer belongs to this company"
        if holder.session is not None and self.sessions.get(holder.session) is False:
            return "signed out"  # after the account's own checks: a deactivation says so, not this
        return None


def _user(store: Store, user_id: str) -> User | None:
    try:
        return store.get_user(user_id)
    except NotFound:
        return None


class StreamHub:
    def __init__(self, store: Store, event_reach: Callable[[list[int]], dict[int, Reach]],
                 ctx: RenderContext, record: Callable[[list[Use]], None] | None = None, *,
                 subscribers: Subscribers | None = None, caps: StreamCaps = StreamCaps()) -> None:
        self.store = store
        self.caps = caps
        self.per_key: dict[str, int] = {}  # open connections per API key (the key itself: it is in memory anyway)
        self.per_company: dict[str, int] = {}
        self.record = record  # the usage log: one row per (company, event, format), not per connection
        self.event_reach = event_reach
        self.ctx = ctx
        self.subscribers = subscribers  # for re-checking open connections' access (None: never)
        self.groups: dict[tuple[str, frozenset[int] | None, str], Group] = {}
        self.metrics = UNWIRED  # the node's (Services sets it)
        self.stopping = False  # the node is shutting down: every stream, open or new, is ended

    def drain(self) -> int:
        """The node is stopping: end every open stream with a final `retry:` and close it, so the
        server can exit; a stream opened from now on ends the same way at once. Returns how many."""
        self.stopping = True
        ended = 0
        for group in tuple(self.groups.values()):
            for conn in tuple(group.connections):
                if not conn.done:
                    conn.end(DRAINED, retry_ms=_reconnect_after())
                    ended += 1
        return ended

    @property
    def connections(self) -> int:
        return sum(len(g.connections) for g in self.groups.values())

    def connect(self, company: CompanyAccess, fmt: str, products: frozenset[int] | None = None,
                holder: Holder = Holder()) -> Connection:
        self._count_in(company.id, holder)  # before anything is registered: a refusal leaves nothing
        key = (company.id, products, fmt)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(company, fmt, products)
        else:
            group.company = company  # the newest lookup of the company's subscription wins
        conn = Connection(group, holder)
        group.connections.add(conn)
        if self.stopping:
            conn.end(DRAINED, retry_ms=_reconnect_after())
        return conn

    def _count_in(self, company_id: str, holder: Holder) -> None:
        """Take a slot for one more stream of `holder` and `company_id`, or raise StreamsFull."""
        caps = self.caps
        if holder.key is not None and caps.per_key is not None and self.per_key.get(holder.key, 0) >= caps.per_key:
            raise StreamsFull("NEWSFLOW_STREAMS_PER_KEY (streams per API key)", caps.per_key)
        if caps.per_company is not None and self.per_company.get(company_id, 0) >= caps.per_company:
            raise StreamsFull("NEWSFLOW_STREAMS_PER_COMPANY (streams per company)", caps.per_company)
        if holder.key is not None:
            self.per_key[holder.key] = self.per_key.get(holder.key, 0) + 1
        self.per_company[company_id] = self.per_company.get(company_id, 0) + 1

    @staticmethod
    def _count_out(counts: dict[str, int], name: str) -> None:
        left = counts.get(name, 0) - 1
        if left > 0:
            counts[name] = left
        else:
            counts.pop(name, None)

    def disconnect(self, conn: Connection) -> None:
        conn.close()
        group = conn.group
        if conn in group.connections:  # its slot is freed once, however often it is disconnected
            if conn.holder.key is not None:
                self._count_out(self.per_key, conn.holder.key)
            self._count_out(self.per_company, group.company.id)
        group.connections.discard(conn)
        if not group.connections and self.groups.get((group.company.id, group.products, group.fmt)) is group:
            del self.groups[(group.company.id, group.products, group.fmt)]

    async def on_events(self, events: list[Event]) -> None:
        """LogFollower handler: one read of reach and versions for the batch, then fan-out. A failed
        read raises, so the follower hands the batch again (connections take each seq once)."""
        if not self.groups:
            return
        reach = await asyncio.to_thread(self.event_reach, [e.seq for e in events])
        versions = await asyncio.to_thread(self.store.get_versions, [(e.guid, e.version) for e in events])
        now = utcnow()
        uses: set[Use] = set()  # a company with two narrowings in one format is one delivery
        offered: list[datetime] = []  # when each event offered to a connection was written
        for event in events:
            version = versions.get((event.guid, event.version))
            if version is None:  # written with its event in one transaction: never expected
                log.error("stream: %s version %s of seq %s is not in the store; skipped", event.guid,
                          event.version, event.seq)
                continue
            if self.fan_out(event, version, reach.get(event.seq, NOWHERE), now, uses):
                offered.append(event.created)
        self.metrics.delivered("stream", offered)
        if uses and self.record:
            self.record(list(uses))  # noted in memory: the usage log writes in batches

    def fan_out(self, event: Event, version: StoryVersion, matched: Reach, now: datetime,
                uses: set[Use] | None = None) -> int:
        """Offer one event to every group entitled to it; returns how many connections it was offered to.
        A group that fails is logged and skipped; the other groups still get the event."""
        # per (format, withdrawal notice or not): the frame and its ASGI message, None if it failed to render
        frames: dict[tuple[str, bool], tuple[bytes, dict[str, Any]] | None] = {}
        sent = 0
        for group in tuple(self.groups.values()):
            try:
                sent += self._offer(group, event, version, matched, now, frames, uses)
            except Exception:
                log.exception("stream: fan-out of %s version %s (seq %s) to company %s failed; skipped",
                              version.guid, version.version, event.seq, group.company.id)
        return sent

    def _offer(self, group: Group, event: Event, version: StoryVersion, matched: Reach, now: datetime,
               frames: dict[tuple[str, bool], tuple[bytes, dict[str, Any]] | None], uses: set[Use] | None) -> int:
        reach = matched.within(group.products)
        verdict = may_see(group.company, reach.copy, version, now, kind=event.kind, notice=reach.notice)
        if not verdict:
            return 0
        key = (group.fmt, verdict.withdrawal)
        if key not in frames:
            frame = render_frame(event, deliverable(verdict, version), group.fmt, self.ctx)
            frames[key] = None if frame is None else (frame, _body(frame))
        framed = frames[key]
        if framed is None:
            return 0
        frame, message = framed
        for conn in tuple(group.connections):
            conn.offer(event.seq, frame, message)
        if uses is not None:
            uses.add(Use(group.company.id, "stream", version.guid, version.version, "stream", group.fmt))
        return len(group.connections)

    async def heartbeats(self, every: float = HEARTBEAT) -> None:
        """Keep idle streams (and the proxies in between) open: one comment to every live connection."""
        while True:
            await asyncio.sleep(every)
            for group in tuple(self.groups.values()):
                for conn in tuple(group.connections):
                    with contextlib.suppress(Exception):
                        conn.comment(HEARTBEAT_FRAME)

    async def watch_access(self, every: float = ACCESS_CHECK) -> None:
        """Re-check open connections' access every `every` seconds (see `check_access`)."""
        while True:
            await asyncio.sleep(every)
            try:
                await self.check_access()
            except Exception:  # a database error ends nobody's access: the next tick looks again
                log.warning("stream: re-checking access failed", exc_info=True)

    async def check_access(self) -> None:
        """Look up every distinct key, user and company of the open connections once; end those whose
        access ended, with the reason, and give each group its company's current products."""
        if self.subscribers is None or not self.groups:
            return
        groups = tuple(self.groups.values())
        holders = [conn.holder for group in groups for conn in group.connections]
        standing = await asyncio.to_thread(
            Standing.look_up, self.subscribers, {h.key for h in holders if h.key is not None},
            {h.user_id for h in holders if h.user_id is not None}, {group.company.id for group in groups},
            {h.session for h in holders if h.session is not None})
        for group in groups:
            ended = self._regrant(group, standing.companies.get(group.company.id))
            for conn in tuple(group.connections):
                reason = ended or standing.refusal(conn.holder, group.company.id)
                if reason is not None:
                    conn.end(reason)

    @staticmethod
    def _regrant(group: Group, current: CompanyAccess | None) -> str | None:
        """Give `group` its company's current access; why the group's stream ends (None: it goes on)."""
        if current is None or not current.active:
            return "company deactivated"
        left = current.product_ids if group.products is None else current.product_ids & group.products
        if not left:
            return "no product of this stream is in the subscription any more"
        # a product taken away applies from the next event on; scopes belong to a key, not the group
        group.company = dataclasses.replace(current, scopes=group.company.scopes)
        return None

"""The node's one reader of the distribution log: it reads new events once and hands them to every
channel on this node (stream fan-out, webhooks, long-polls), so the database is asked once per
batch of events, not once per subscriber.

Each handler has its own position. A handler that raises on a batch (a transient database error,
say) is not passed over it: it stays at the last seq it handled and is handed the events after it
again, read from the log, with a backoff (RETRY_FIRST doubling up to RETRY_MOST) until it succeeds
and catches up; meanwhile the other handlers, and the long-polls waiting on `last_seq`, go on. A
handler must therefore raise only for what a retry can mend, and contain what it never can (the
stream hub logs and skips a story that cannot be rendered, see wire.stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from newsflow.bus import Bus
from newsflow.model import Event
from newsflow.store import Store

log = logging.getLogger("newsflow.wire")
Handler = Callable[[list[Event]], Awaitable[None]]
RETRY_FIRST = 0.1  # seconds before a failed handler is handed its events again; doubles per failure
RETRY_MOST = 5.0


class _Page(Protocol):
    @property
    def entries(self) -> Sequence[object]: ...

    @property
    def cursor(self) -> int: ...


PageT = TypeVar("PageT", bound=_Page)


@dataclass
class _Behind:
    """A handler that failed on a batch: where it stands, and when it is tried again."""

    position: int  # the last seq it handled
    retry_at: float
    delay: float = RETRY_FIRST


class LogFollower:
    def __init__(self, store: Store, bus: Bus, *, poll_every: float = 1.0, page: int = 1000) -> None:
        self.store = store
        self.bus = bus
        self.poll_every = poll_every  # the safety net when a wake-up is lost
        self.page = page
        self.handlers: list[Handler] = []
        self.last_seq = 0  # how far this node has read the log; a handler not in _behind is here too
        self._behind: dict[Handler, _Behind] = {}
        self._wake = asyncio.Event()
        self._advanced = asyncio.Condition()
        self.stopping = False  # the node is shutting down: long-polls answer at once
        bus.on_wake(self._on_wake)

    def _on_wake(self, seq: int) -> None:
        if seq > self.last_seq:
            self._wake.set()

    async def start(self) -> None:
        self.last_seq = await asyncio.to_thread(self.store.last_seq)

    @property
    def handled_seq(self) -> int:
        """Every handler has handled every event up to this seq."""
        return min((behind.position for behind in self._behind.values()), default=self.last_seq)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            wait = min([self.poll_every, *(b.retry_at - loop.time() for b in self._behind.values())])
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(wait, 0))
            self._wake.clear()
            try:
                await self.catch_up()
            except Exception:  # keep following; the next wake or tick retries
                log.exception("reading the log failed")

    async def catch_up(self) -> None:
        """Hand every handler the events it has not handled yet: first the ones behind after a
        failure (once their backoff is over), then new events to all the others."""
        await self._retry_behind()
        while True:
            events = await asyncio.to_thread(self.store.events_after, self.last_seq, self.page)
            if not events:
                return
            for handler in tuple(self.handlers):
                if handler not in self._behind:
                    await self._hand(handler, events, self.last_seq)
            self.last_seq = events[-1].seq
            async with self._advanced:
                self._advanced.notify_all()
            if len(events) < self.page:
                return

    async def _hand(self, handler: Handler, events: list[Event], before: int) -> bool:
        """Give `events` (those after seq `before`) to `handler`; on failure it falls behind at `before`."""
        try:
            await handler(events)
        except Exception:
            behind = self._failed(handler, before)
            log.exception("channel handler %s failed on events %s-%s; handed them again in %.1f s",
                          _name(handler), events[0].seq, events[-1].seq, behind.delay)
            return False
        return True

    def _failed(self, handler: Handler, position: int) -> _Behind:
        now = asyncio.get_running_loop().time()
        behind = self._behind.get(handler)
        if behind is None:
            behind = self._behind[handler] = _Behind(position, now + RETRY_FIRST)
        else:
            behind.delay = min(behind.delay * 2, RETRY_MOST)
            behind.retry_at = now + behind.delay
        return behind

    async def _retry_behind(self) -> None:
        """Each handler behind whose backoff is over gets the events after its own position, read
        from the log again, up to `last_seq`; caught up, it takes the shared batches again."""
        loop = asyncio.get_running_loop()
        for handler, behind in tuple(self._behind.items()):
            if handler not in self.handlers:  # removed meanwhile (a closed desk live view)
                del self._behind[handler]
                continue
            while behind.retry_at <= loop.time():
                try:
                    read = await asyncio.to_thread(self.store.events_after, behind.position, self.page)
                except Exception:
                    self._failed(handler, behind.position)
                    log.exception("reading the log again for channel handler %s failed", _name(handler))
                    break
                events = [e for e in read if e.seq <= self.last_seq]  # the later ones come in shared batches
                if events:
                    if not await self._hand(handler, events, behind.position):
                        break
                    behind.position = events[-1].seq
                if behind.position >= self.last_seq or not events:
                    del self._behind[handler]
                    log.info("channel handler %s caught up at seq %s", _name(handler), behind.position)
                    break

    async def stop_waiting(self) -> None:
        """The node is stopping: every long-poll answers now with what it has (an empty page), and
        later ones do not wait."""
        self.stopping = True
        async with self._advanced:
            self._advanced.notify_all()

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """Until the node has seen an event after `seq` (True) or the timeout passes (False)."""
        async with self._advanced:
            try:
                await asyncio.wait_for(self._advanced.wait_for(lambda: self.last_seq > seq or self.stopping),
                                       timeout)
            except TimeoutError:
                return False
        return True

    async def long_poll(self, read: Callable[[int], PageT], after: int, wait: float) -> PageT:
        """`read(after)` in a thread until it finds entries or `wait` seconds pass, re-reading only when
        this node has seen a newer event — so a long-poll returns as soon as something arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            page = await asyncio.to_thread(read, after)
            remaining = deadline - loop.time()
            if page.entries or remaining <= 0 or self.stopping:
                return page
            await self.wait_beyond(max(page.cursor, self.last_seq), remaining)
            after = page.cursor


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", repr(handler))

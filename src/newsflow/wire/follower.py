"""The node's one reader of the distribution log: it reads new events once and hands them to every
channel on this node (stream fan-out, webhooks, long-polls), so the database is asked once per
batch of events, not once per subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from newsflow.bus import Bus
from newsflow.model import Event
from newsflow.store import Store

log = logging.getLogger("newsflow.wire")
Handler = Callable[[list[Event]], Awaitable[None]]


class _Page(Protocol):
    @property
    def entries(self) -> Sequence[object]: ...

    @property
    def cursor(self) -> int: ...


PageT = TypeVar("PageT", bound=_Page)


class LogFollower:
    def __init__(self, store: Store, bus: Bus, *, poll_every: float = 1.0, page: int = 1000) -> None:
        self.store = store
        self.bus = bus
        self.poll_every = poll_every  # the safety net when a wake-up is lost
        self.page = page
        self.handlers: list[Handler] = []
        self.last_seq = 0
        self._wake = asyncio.Event()
        self._advanced = asyncio.Condition()
        bus.on_wake(self._on_wake)

    def _on_wake(self, seq: int) -> None:
        if seq > self.last_seq:
            self._wake.set()

    async def start(self) -> None:
        self.last_seq = await asyncio.to_thread(self.store.last_seq)

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_every)
            self._wake.clear()
            try:
                await self.catch_up()
            except Exception:  # keep following; the next wake or tick retries
                log.exception("reading the log failed")

    async def catch_up(self) -> None:
        while True:
            events = await asyncio.to_thread(self.store.events_after, self.last_seq, self.page)
            if not events:
                return
            for handler in self.handlers:
                try:
                    await handler(events)
                except Exception:
                    log.exception("channel handler failed on events %s-%s", events[0].seq, events[-1].seq)
            self.last_seq = events[-1].seq
            async with self._advanced:
                self._advanced.notify_all()
            if len(events) < self.page:
                return

    async def wait_beyond(self, seq: int, timeout: float) -> bool:
        """Until the node has seen an event after `seq` (True) or the timeout passes (False)."""
        async with self._advanced:
            try:
                await asyncio.wait_for(self._advanced.wait_for(lambda: self.last_seq > seq), timeout)
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
            if page.entries or remaining <= 0:
                return page
            await self.wait_beyond(max(page.cursor, self.last_seq), remaining)
            after = page.cursor

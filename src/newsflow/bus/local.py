"""The in-process bus, and the interface every bus offers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

Wake = Callable[[int], None]


class Bus:
    """`notify(seq)` may be called from any thread (the newsroom's writes run in worker threads);
    wake callbacks run on the event loop."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[Wake] = []

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()

    async def close(self) -> None:
        self.loop = None

    @property
    def connected(self) -> bool:
        """Whether wake-ups reach the other nodes now (readiness reports "degraded" when not; the
        node still serves, and its followers look at the log every NEWSFLOW_LOG_POLL_EVERY seconds)."""
        return True

    def on_wake(self, listener: Wake) -> None:
        self._listeners.append(listener)

    def notify(self, seq: int) -> None:
        loop = self.loop
        if loop is None or loop.is_closed():
            return  # not serving (CLI, tests without a loop): followers poll the log anyway
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._deliver(seq)
            self._send(seq)
        else:
            loop.call_soon_threadsafe(self._deliver, seq)
            loop.call_soon_threadsafe(self._send, seq)

    def _deliver(self, seq: int) -> None:
        for listener in self._listeners:
            listener(seq)

    def _send(self, seq: int) -> None:
        """Tell other processes (nothing to do in-process)."""


class LocalBus(Bus):
    """One process: the wake-up is a function call."""

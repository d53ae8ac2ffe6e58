"""NATS JetStream bus: each node publishes "seq N" after a commit and wakes on other nodes' messages.

The bus is never in the way of serving. `start` returns at once and a keeper task connects in the
background, retrying with a backoff (RETRY_FIRST doubling up to RETRY_MOST) while NATS is
unreachable; meanwhile `connected` is False and followers find new events by their look at the log
(NEWSFLOW_LOG_POLL_EVERY). Once connected the keeper checks every CHECK_EVERY seconds that the
stream and this node's consumer still exist: after a NATS restart (the stream is kept in memory) or
a deleted stream, it re-creates both, and wake-ups flow again without a node restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext

from newsflow.bus.local import Bus

log = logging.getLogger("newsflow.bus")
STREAM = os.environ.get("NEWSFLOW_NATS_STREAM", "NEWSFLOW")
RETRY_FIRST = 0.5  # seconds before connecting again after a failure; doubles per failure
RETRY_MOST = 5.0
CHECK_EVERY = 2.0  # seconds between checks that the stream and the consumer are still there
REQUEST_TIMEOUT = 2.0  # each call to NATS, so a stalled server never holds the keeper (or close)


class NatsBus(Bus):
    def __init__(self, url: str, *, stream: str = STREAM, check_every: float = CHECK_EVERY) -> None:
        super().__init__()
        self.url = url
        self.stream, self.subject = stream, f"{stream.lower()}.log"
        self.node = secrets.token_hex(4)
        self.check_every = check_every
        self._nc: Client | None = None
        self._sub: JetStreamContext.PushSubscription | None = None
        self._ready = False  # stream and consumer set up on the current connection
        self._keeper: asyncio.Task[None] | None = None
        self._recheck: asyncio.Event | None = None
        self._pending: set[asyncio.Task[object]] = set()

    @property
    def connected(self) -> bool:
        return self._ready and self._nc is not None and self._nc.is_connected

    async def start(self) -> None:
        await super().start()
        self._recheck = asyncio.Event()  # made here: it belongs to the serving loop
        self._keeper = asyncio.create_task(self._keep(), name="nats-bus")

    async def close(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        nc, self._nc, self._ready = self._nc, None, False
        if nc is not None:
            try:
                await asyncio.wait_for(nc.drain(), REQUEST_TIMEOUT)
            except Exception:  # unreachable: nothing to drain, just let go of the connection
                with contextlib.suppress(Exception):
                    await nc.close()
        await super().close()

    def recheck(self) -> None:
        """Look at the stream and the consumer now rather than at the next check."""
        if self._recheck is not None:
            self._recheck.set()

    async def _keep(self) -> None:
        assert self._recheck is not None
        delay, failing = RETRY_FIRST, False
        while True:
            try:
                if self._nc is None:
                    self._nc = await self._connect()
                if self._ready:
                    await self._check()
                else:
                    await self._set_up()
                if failing:
                    log.warning("NATS at %s: wake-ups flow again", self.url)
                delay, failing, wait = RETRY_FIRST, False, self.check_every
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    log.warning("NATS at %s unusable (%s: %s); followers look at the log meanwhile, retrying",
                                self.url, type(exc).__name__, exc)
                self._ready, failing, wait = False, True, delay
                delay = min(delay * 2, RETRY_MOST)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._recheck.wait(), wait)
            self._recheck.clear()

    async def _connect(self) -> Client:
        # After the first connection the client reconnects by itself; the keeper re-creates the stream.
        return await nats.connect(self.url, name=f"newsflow-{self.node}", connect_timeout=REQUEST_TIMEOUT,
                                  allow_reconnect=True, max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                                  reconnected_cb=self._reconnected, disconnected_cb=self._disconnected,
                                  error_cb=self._error)

    async def _reconnected(self) -> None:
        self._ready = False  # a restarted server has lost the in-memory stream: set it up again
        self.recheck()

    async def _disconnected(self) -> None:
        self._ready = False

    async def _error(self, exc: Exception) -> None:
        log.debug("NATS: %s", exc)  # the keeper reports what matters, once per outage

    async def _set_up(self) -> None:
        assert self._nc is not None
        js = self._nc.jetstream(timeout=REQUEST_TIMEOUT)
        # Wake-ups are only worth something for a short while: keep few, briefly, in memory.
        config = StreamConfig(name=self.stream, subjects=[self.subject], retention=RetentionPolicy.LIMITS,
                              max_msgs=10_000, max_age=60.0, storage=StorageType.MEMORY)
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await js.update_stream(config)
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
        self._sub = await js.subscribe(self.subject, cb=self._on_message, ordered_consumer=True,
                                       deliver_policy=DeliverPolicy.NEW)
        self._ready = True

    async def _check(self) -> None:
        """Raises when the stream or this node's consumer is gone (deleted, or lost in a restart)."""
        assert self._nc is not None and self._sub is not None
        await self._nc.jetstream(timeout=REQUEST_TIMEOUT).stream_info(self.stream)
        await asyncio.wait_for(self._sub.consumer_info(), REQUEST_TIMEOUT)

    async def _on_message(self, msg: Msg) -> None:
        if msg.headers and msg.headers.get("node") == self.node:
            return  # our own wake-up was delivered locally already
        try:
            self._deliver(int(msg.data))
        except ValueError:
            log.warning("ignoring a malformed wake-up on %s: %r", self.subject, msg.data[:40])

    def _send(self, seq: int) -> None:
        if self._nc is None or not self.connected:
            return  # the other nodes see the event on their next look at the log
        js = self._nc.jetstream(timeout=REQUEST_TIMEOUT)
        task: asyncio.Task[object] = asyncio.ensure_future(
            js.publish(self.subject, str(seq).encode(), headers={"node": self.node}))
        self._pending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[object]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # the other nodes will still see the event on their next look at the log; the stream may
            # be gone (no JetStream answer): look now rather than at the next check
            log.warning("wake-up not sent over NATS: %s", task.exception())
            self.recheck()

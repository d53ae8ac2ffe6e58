"""NATS JetStream bus: each node publishes "seq N" after a commit and wakes on other nodes' messages."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy, RetentionPolicy, StorageType, StreamConfig

from newsflow.bus.local import Bus

log = logging.getLogger("newsflow.bus")
STREAM = os.environ.get("NEWSFLOW_NATS_STREAM", "NEWSFLOW")
SUBJECT = f"{STREAM.lower()}.log"


class NatsBus(Bus):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.node = secrets.token_hex(4)
        self._nc: Client | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        await super().start()
        self._nc = await nats.connect(self.url, name=f"newsflow-{self.node}", max_reconnect_attempts=-1,
                                      connect_timeout=5)
        js = self._nc.jetstream()
        # Wake-ups are only worth something for a short while: keep few, briefly, in memory.
        config = StreamConfig(name=STREAM, subjects=[SUBJECT], retention=RetentionPolicy.LIMITS,
                              max_msgs=10_000, max_age=60.0, storage=StorageType.MEMORY)
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await js.update_stream(config)
        await js.subscribe(SUBJECT, cb=self._on_message, ordered_consumer=True,
                           deliver_policy=DeliverPolicy.NEW)

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.drain()
            self._nc = None
        await super().close()

    async def _on_message(self, msg: Msg) -> None:
        if msg.headers and msg.headers.get("node") == self.node:
            return  # our own wake-up was delivered locally already
        try:
            self._deliver(int(msg.data))
        except ValueError:
            log.warning("ignoring a malformed wake-up on %s: %r", SUBJECT, msg.data[:40])

    def _send(self, seq: int) -> None:
        if self._nc is None:
            return
        js = self._nc.jetstream()
        task = asyncio.ensure_future(js.publish(SUBJECT, str(seq).encode(), headers={"node": self.node}))
        self._pending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # the other nodes will still see the event on their next look at the log
            log.warning("wake-up not sent over NATS: %s", task.exception())

"""Stopping a node on SIGTERM/SIGINT within a bound, however many clients hold streams open.

Uvicorn stops accepting connections and then waits for every response to finish before the app's
lifespan ends — which an SSE stream or a long-poll never does by itself. `DrainingServer` drains the
app first: every stream (`/v1/stream`, `/portal/events`, `/desk/events`) gets a final `retry:` and is
closed, every long-poll answers at once with what it has; the clients reconnect to another node with
Last-Event-ID or their cursor and miss nothing. What still runs after the grace period is cancelled
by uvicorn (`timeout_graceful_shutdown`), then the lifespan hands back webhook claims, writes the
usage log and closes the bus. So a node exits within grace + a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from fastapi import FastAPI

from newsflow.services import Services
from newsflow.wire.stream import DRAINED, sse_comment

log = logging.getLogger("newsflow")


async def drain(app: FastAPI) -> None:
    """End the node's streams and long-polls now (see the module's doc)."""
    services: Services | None = getattr(app.state, "services", None)
    if services is None:
        return  # never started
    ended = services.hub.drain()
    live = getattr(app.state, "desk_live", None)
    if live is not None:
        live.drain("retry: 3000\n" + sse_comment("closed: " + DRAINED).decode())
    await services.follower.stop_waiting()
    log.info("shutting down: %d stream(s) ended, long-polls answered", ended)


class DrainingServer(uvicorn.Server):
    """A uvicorn server that drains `app` (see `drain`) before it waits for responses to finish."""

    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.drained_app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await asyncio.wait_for(drain(self.drained_app), 1.0)
        except Exception:  # draining is a courtesy: the grace period still bounds the exit
            log.exception("draining the node failed")
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Uvicorn raises the signal again once it has stopped, so the process ends "killed by SIGTERM";
        # a drained node has handled it and exits 0, which process managers read as a clean stop.
        with super().capture_signals():
            yield
            self._captured_signals.clear()


def serve(app: FastAPI, *, host: str, port: int, grace: float, **options: Any) -> None:
    """Run `app` like `uvicorn.run`, stopping within `grace` seconds after the drain."""
    config = uvicorn.Config(app, host=host, port=port, timeout_graceful_shutdown=grace, **options)
    # What is loaded by now lives as long as the process: out of the collector's way, which also spares
    # the exit a collection of the whole heap (about a second of a stopping node's time)
    gc.freeze()
    DrainingServer(config, app).run()

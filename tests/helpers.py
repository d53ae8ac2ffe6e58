"""Small test helpers shared by several test modules."""

from __future__ import annotations

import contextlib
import io
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import sqlalchemy as sa
import uvicorn
from PIL import Image

from newsflow.model import Story
from newsflow.services import Services
from newsflow.web.app import create_app


def publish_story(svc: Services, headline: str, category: str, **fields: object) -> str:
    """Write and publish a story through the newsroom; returns its guid."""
    desk = svc.newsroom
    guid = desk.create(Story.model_validate({"headline": headline, "categories": [category], **fields})).guid
    desk.publish(guid)
    return guid


def jpeg(width: int = 800, height: int = 533, colour: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "JPEG")
    return buf.getvalue()


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A plain HTTP server on a free loopback port, answering with `handler` in threads (a webhook
    receiver, a partner's feed, a hostile page); yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def live_server(svc: Services) -> Iterator[str]:
    """The app on a real uvicorn server in a thread (real HTTP, e.g. for streams); yields its base URL."""
    config = uvicorn.Config(create_app(svc), host="127.0.0.1", port=0, log_level="warning", loop="asyncio")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    port = srv.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def wait_followed(svc: Services, timeout: float = 10.0) -> None:
    """Until the node's log follower (run by the app's lifespan) has handed every event written so far
    to its channels (stream, webhooks) and raised the saved-search alerts they call for."""
    target = svc.store.last_seq()
    deadline = time.monotonic() + timeout
    while svc.follower.handled_seq < target or svc.alerts.done_seq < target:
        if time.monotonic() > deadline:
            raise AssertionError(f"the follower's handlers are at {svc.follower.handled_seq}, the log at {target}")
        time.sleep(0.02)


def sse_frames(raw: bytes) -> list[dict[str, Any]]:
    """The JSON `data:` of each SSE message in `raw` (single-line JSON payloads, as ninjs frames are)."""
    # lines end at CR LF, CR or LF only (the SSE rule); str.splitlines would also split inside the JSON
    return [json.loads(line[6:]) for line in re.split(r"\r\n|\r|\n", raw.decode()) if line.startswith("data: ")]


def sse_replay(http: httpx.Client, path: str, headers: dict[str, str], expected: int,
               timeout: float = 20.0) -> list[dict[str, Any]]:
    """What a real SSE connection's catch-up sends (e.g. with `Last-Event-ID`): read until `expected`
    frames are in, then a little longer so that one frame too many is seen too; then hang up.
    `http` is closed afterwards (closing it is what ends the open-ended response)."""
    raw = bytearray()

    def pump() -> None:
        with contextlib.suppress(Exception), http.stream("GET", path, headers=headers) as r:
            for chunk in r.iter_raw():
                raw.extend(chunk)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while (b": connected" not in raw or len(sse_frames(bytes(raw))) < expected) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)
    http.close()
    reader.join(5)
    return sse_frames(bytes(raw))


def lift_due_embargoes(svc: Services) -> None:
    """Lift what is due, as the node's own embargo task also does every second: when the two race,
    the log's unique (guid, version, kind) lets one win and the other gets IntegrityError."""
    with contextlib.suppress(sa.exc.IntegrityError):
        svc.newsroom.lift_embargoes()

"""Two `newsflow serve` processes on one PostgreSQL database, woken by NATS JetStream: a story
published through node A reaches an SSE client on node B and a company's webhook over real HTTP, in
well under the nodes' fallback look at the log (set to 30 s here, so only the bus can explain a fast
delivery) — and both nodes dispatching webhooks never send an event twice."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.conftest import IN_CI

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
NATS_URL = os.environ.get("NEWSFLOW_TEST_NATS", "nats://127.0.0.1:4222")


@pytest.fixture
def nats_url() -> str:
    host, port = NATS_URL.removeprefix("nats://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError as exc:
        if IN_CI:
            pytest.fail(f"NATS is required in CI and is not reachable at {NATS_URL}: {exc}")
        pytest.skip(f"NATS not reachable at {NATS_URL} ({exc}); set NEWSFLOW_TEST_NATS to run")
    return NATS_URL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(ThreadingHTTPServer):
    """A subscriber's webhook endpoint: records (arrival, webhook-id, body) of every POST."""

    def __init__(self) -> None:
        self.posts: list[tuple[float, str, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server.posts.append((time.monotonic(), self.headers["webhook-id"], json.loads(body)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.shutdown()


@pytest.fixture
def cluster(pg_schema_url: str, nats_url: str, tmp_path: Path, receiver: Receiver) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")} | {
        "NEWSFLOW_DATABASE_URL": pg_schema_url, "NEWSFLOW_BUS_URL": nats_url, "NEWSFLOW_DEMO": "0",
        "NEWSFLOW_DATA_DIR": str(tmp_path), "NEWSFLOW_LOG_POLL_EVERY": "30",
        "NEWSFLOW_NATS_STREAM": f"NFTEST{os.getpid()}", "NEWSFLOW_WEBHOOK_ALLOW_PRIVATE": "1"}
    setup = ("from newsflow.services import Services\n"
             "svc = Services.open()\n"
             "p = svc.subscribers.create_product('World', {'categories': ['World']})\n"
             "c = svc.subscribers.create_company('Daily')\n"
             "svc.subscribers.assign_product(c.id, p.id)\n"
             "print(svc.subscribers.create_api_key(c.id).secret)\n"
             f"svc.webhooks.create_endpoint(c.id, {receiver.url!r})\n"
             "u = svc.store.create_user(email='ed@example.org', name='Ed', role='editor')\n"
             "print(svc.store.create_token(u.id))\n")
    key, token = subprocess.run([sys.executable, "-c", setup], env=env, capture_output=True, text=True,
                                check=True).stdout.split()
    nodes, procs = {}, []
    for name in ("a", "b"):
        port = _free_port()
        log = (tmp_path / f"{name}.log").open("w")
        procs.append(subprocess.Popen([NEWSFLOW, "serve", "--port", str(port), "--no-demo"], env=env, stdout=log,
                                      stderr=subprocess.STDOUT))
        nodes[name] = f"http://127.0.0.1:{port}"
    try:
        for url in nodes.values():
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(url + "/", timeout=1)
                    break
                except httpx.HTTPError:
                    assert time.monotonic() < deadline, (tmp_path / "a.log").read_text()
                    time.sleep(0.2)
        yield nodes | {"key": key, "token": token}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def test_a_story_published_on_node_a_reaches_a_stream_on_node_b_and_a_webhook_once(
        cluster: dict[str, str], receiver: Receiver) -> None:
    staff = {"Authorization": f"Bearer {cluster['token']}"}
    received: list[tuple[float, dict]] = []
    opened = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", cluster["b"] + "/v1/stream", headers={"Authorization": f"Bearer {cluster['key']}"},
                          timeout=20) as response:
            for line in response.iter_lines():
                if "connected" in line:
                    opened.set()
                if line.startswith("data: "):
                    received.append((time.monotonic(), json.loads(line[6:])))
                    if len(received) == 2:
                        return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert opened.wait(10)
    sent = []
    for headline, category in (("Not for Daily", "Sports"), ("Quake shakes coast", "World"),
                               ("Aftershock follows", "World")):
        guid = httpx.post(cluster["a"] + "/v1/newsroom/stories", headers=staff,
                          json={"headline": headline, "categories": [category]}).json()["guid"]
        sent.append(time.monotonic())
        assert httpx.post(f"{cluster['a']}/v1/newsroom/stories/{guid}/publish", headers=staff).status_code == 201
        time.sleep(0.3)
    thread.join(15)
    assert [d["headlines"][0]["value"] for _, d in received] == ["Quake shakes coast", "Aftershock follows"]
    delays = [at - t for (at, _), t in zip(received, sent[1:], strict=True)]
    assert max(delays) < 5, delays  # the log fallback is 30 s: only the NATS wake-up explains this
    deadline = time.monotonic() + 10
    while len(receiver.posts) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # room for a double send by the second node to show up
    assert [body["headlines"][0]["value"] for _, _, body in receiver.posts] == ["Quake shakes coast",
                                                                                "Aftershock follows"]
    assert len({hook_id for _, hook_id, _ in receiver.posts}) == 2
    hook_delays = [at - t for (at, _, _), t in zip(receiver.posts, sent[1:], strict=True)]
    assert max(hook_delays) < 5, hook_delays

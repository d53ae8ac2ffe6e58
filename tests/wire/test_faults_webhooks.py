"""A webhook delivery claimed by a node that then crashed, or whose database failed between the claim and
the send, is handed back at once — not held for the claim's lease (60 s), which stalled the endpoint."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from newsflow.services import Services
from newsflow.wire.webhook_tables import webhook_deliveries
from tests.helpers import publish_story
from tests.wire.nodes import Node, node_env, set_up_company
from tests.wire.test_faults_bus import PUBLISH

RELEASED_WITHIN = 5.0  # seconds from the restarted node serving to the delivery (the lease is 60 s)


class StallingReceiver(ThreadingHTTPServer):
    """A webhook endpoint whose first POST never gets an answer (the node is killed meanwhile); the
    later ones are answered 204."""

    def __init__(self) -> None:
        self.posts: list[float] = []
        self.stalled = threading.Event()
        self.let_go = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                server.posts.append(time.monotonic())
                if len(server.posts) == 1:
                    server.stalled.set()
                    server.let_go.wait(30)
                    return  # no answer: the connection just ends
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
def stalling() -> Iterator[StallingReceiver]:
    server = StallingReceiver()
    yield server
    server.let_go.set()
    server.shutdown()


ENDPOINT = """
import sys
from newsflow.services import Services
Services.open().webhooks.create_endpoint(sys.argv[1], sys.argv[2])
"""


def test_a_sigkilled_nodes_claim_is_handed_back_when_it_restarts(tmp_path: Path, stalling: StallingReceiver) -> None:
    env = node_env(tmp_path, NEWSFLOW_WEBHOOK_ALLOW_PRIVATE="1", NEWSFLOW_LOG_POLL_EVERY="0.2")
    _, _, company = set_up_company(env)
    subprocess.run([sys.executable, "-c", ENDPOINT, company, stalling.url], env=env, check=True)
    node = Node(env, tmp_path / "node.log").start()
    try:
        node.wait_serving()
        subprocess.run([sys.executable, "-c", PUBLISH], env=env, check=True, capture_output=True)
        assert stalling.stalled.wait(15), node.output()  # claimed, and the POST is in flight
        node.signal(signal.SIGKILL)
        node.wait_exit(10)
        stalling.let_go.set()
        node.start()
        node.wait_serving()
        serving = time.monotonic()
        deadline = serving + RELEASED_WITHIN
        while len(stalling.posts) < 2:
            assert time.monotonic() < deadline, f"not delivered {RELEASED_WITHIN} s after the restarted node served"
            time.sleep(0.05)
        print(f"delivered {stalling.posts[1] - serving:.1f} s after the restarted node served")
    finally:
        node.stop()


def _entitled_endpoint(svc: Services, url: str) -> str:
    product = svc.subscribers.create_product("World", {"categories": ["World"]})
    company = svc.subscribers.create_company("Daily")
    svc.subscribers.assign_product(company.id, product.id)
    return svc.webhooks.create_endpoint(company.id, url).endpoint.id


def _lease(svc: Services) -> Any:
    with svc.store.read() as conn:
        return conn.execute(sa.select(webhook_deliveries.c.lease_owner)).scalar_one()


@pytest.mark.parametrize("release_fails_once", [False, True])
def test_a_database_error_between_claim_and_send_hands_the_claim_back(services: Services,
                                                                       release_fails_once: bool) -> None:
    svc = services
    _entitled_endpoint(svc, "http://127.0.0.1:9/hook")
    publish_story(svc, "Quake", "World")
    assert svc.webhooks.catch_up() >= 1  # planned: one delivery

    reach, write = svc.webhooks.subscribers.event_reach, svc.webhooks.store.write
    writes = 0

    def reach_fails(*args: Any) -> Any:
        raise sa.exc.OperationalError("SELECT …", {}, Exception("server closed the connection"))

    @contextlib.contextmanager
    def second_write_fails() -> Iterator[Any]:  # the claim goes through; the hand-back does not
        nonlocal writes
        writes += 1
        if writes == 2:
            raise sa.exc.OperationalError("UPDATE …", {}, Exception("server closed the connection"))
        with write() as conn:
            yield conn

    svc.webhooks.subscribers.event_reach = reach_fails  # type: ignore[method-assign]
    if release_fails_once:
        svc.webhooks.store.write = second_write_fails  # type: ignore[method-assign]
    with pytest.raises(sa.exc.OperationalError):
        svc.webhooks.next_jobs("node-a", 10)
    svc.webhooks.subscribers.event_reach = reach  # type: ignore[method-assign]
    svc.webhooks.store.write = write  # type: ignore[method-assign]
    if release_fails_once:
        assert _lease(svc) is not None  # still claimed: the database failed for the hand-back too
    else:
        assert _lease(svc) is None
    # the next round on any node sends it now (the failed node hands back first), not after the lease
    jobs, _ = svc.webhooks.next_jobs("node-a" if release_fails_once else "node-b", 10)
    assert [job.guid for job in jobs] != []

"""The bus never stands in the way: a node whose NATS is unreachable serves at once (followers look at the
log), says `connected = False`, stops at once on SIGTERM/SIGINT; and after a NATS restart or a deleted
stream the buses re-create the stream and their consumers, and wake-ups flow again without a restart."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest

from newsflow.bus import LocalBus
from newsflow.bus.nats import NatsBus
from tests.conftest import IN_CI
from tests.test_multinode import nats_url  # noqa: F401  (the fixture: fails in CI without NATS)
from tests.wire.nodes import Node, free_port, node_env, set_up_company

RECOVERY = 10.0  # seconds within which wake-ups flow again after NATS comes back (a few keeper checks)
STOP = 5.0  # seconds within which a node exits on SIGTERM/SIGINT


def _stream() -> str:
    return f"NFFAULT{secrets.token_hex(4).upper()}"


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """(port, store dir) for a NATS server of this test's own, so the test may stop and start it."""
    if shutil.which("nats-server") is None:
        if IN_CI:
            pytest.fail("nats-server is required in CI to restart a NATS server in the fault tests")
        pytest.skip("nats-server is not installed")
    yield free_port(), tmp_path / "js"


def _run_nats(port: int, store: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(["nats-server", "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            assert time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.05)


async def _wakes(sender: NatsBus, receiver: NatsBus, seq: int, within: float) -> float:
    """Seconds until `seq`, sent again and again by `sender`, woke `receiver` (fails after `within`)."""
    got = asyncio.Event()
    receiver.on_wake(lambda s: got.set() if s == seq else None)
    started = time.monotonic()
    while not got.is_set():
        assert time.monotonic() - started < within, (f"no wake-up in {within} s: sender connected="
                                                     f"{sender.connected}, receiver connected={receiver.connected}")
        sender.notify(seq)
        await asyncio.sleep(0.2)
    return time.monotonic() - started


async def _until_connected(bus: NatsBus, within: float) -> float:
    started = time.monotonic()
    while not bus.connected:
        assert time.monotonic() - started < within, f"not connected in {within} s"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def test_every_bus_says_whether_it_is_connected() -> None:
    async def run() -> None:
        local = LocalBus()
        await local.start()
        assert local.connected is True
        unreachable = NatsBus(f"nats://127.0.0.1:{free_port()}", stream=_stream())
        started = time.monotonic()
        await unreachable.start()
        assert time.monotonic() - started < 0.5  # never waits for NATS
        await asyncio.sleep(1.0)
        assert unreachable.connected is False
        unreachable.notify(7)  # dropped quietly: the followers' look at the log finds the event
        started = time.monotonic()
        await unreachable.close()
        assert time.monotonic() - started < 3

    asyncio.run(run())


def test_wake_ups_flow_again_after_the_stream_is_deleted(nats_url: str) -> None:  # noqa: F811
    stream = _stream()

    async def run() -> None:
        a, b = NatsBus(nats_url, stream=stream, check_every=0.5), NatsBus(nats_url, stream=stream, check_every=0.5)
        await a.start()
        await b.start()
        try:
            await _until_connected(a, RECOVERY)
            await _until_connected(b, RECOVERY)
            await _wakes(a, b, 1, RECOVERY)
            admin = await nats.connect(nats_url)
            await admin.jetstream().delete_stream(stream)
            await _wakes(a, b, 2, RECOVERY)  # both re-created stream and consumer within the bound
            assert (await admin.jetstream().stream_info(stream)).config.name == stream
            await admin.close()
        finally:
            await a.close()
            await b.close()
            admin = await nats.connect(nats_url)
            await admin.jetstream().delete_stream(stream)
            await admin.close()

    asyncio.run(run())


def test_wake_ups_flow_again_after_a_nats_restart(private_nats: tuple[int, Path]) -> None:
    port, store = private_nats
    server = _run_nats(port, store)
    url = f"nats://127.0.0.1:{port}"

    async def run() -> None:
        nonlocal server
        stream = _stream()
        a, b = NatsBus(url, stream=stream, check_every=0.5), NatsBus(url, stream=stream, check_every=0.5)
        await a.start()
        await b.start()
        try:
            await _wakes(a, b, 1, RECOVERY)
            server.terminate()
            server.wait(10)
            shutil.rmtree(store, ignore_errors=True)  # a memory stream is gone anyway; be sure of it
            await asyncio.sleep(1.0)
            assert not a.connected and not b.connected
            server = _run_nats(port, store)
            took = await _wakes(a, b, 2, RECOVERY)
            assert a.connected and b.connected
            print(f"wake-ups flowed again {took:.1f} s after NATS came back")
        finally:
            await a.close()
            await b.close()

    try:
        asyncio.run(run())
    finally:
        server.terminate()
        server.wait(10)


PUBLISH = """
from newsflow.model import Story
from newsflow.services import Services
svc = Services.open()
guid = svc.newsroom.create(Story.model_validate({"headline": "Poll only", "categories": ["World"]})).guid
svc.newsroom.publish(guid)
print(guid)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_node_without_its_bus_serves_by_the_log_poll_and_stops_at_once(tmp_path: Path, sig: signal.Signals) -> None:
    env = node_env(tmp_path, NEWSFLOW_BUS_URL=f"nats://127.0.0.1:{free_port()}", NEWSFLOW_LOG_POLL_EVERY="0.2")
    key, _, _ = set_up_company(env)
    node = Node(env, tmp_path / "node.log").start()
    try:
        assert node.wait_serving(20) < 15  # before: the port never opened
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=node.url, timeout=10) as http:
            cursor = http.get("/v1/feed", headers=auth).json()["cursor"]
            # another process publishes, with no bus: only the node's look at the log can find the story
            guid = subprocess.run([sys.executable, "-c", PUBLISH], env=env, capture_output=True, text=True,
                                  check=True).stdout.strip()
            started = time.monotonic()
            page = http.get("/v1/feed", params={"after": cursor, "wait": 10}, headers=auth).json()
            assert page["count"] == 1 and guid in str(page["items"][0])
            assert time.monotonic() - started < 2  # woken by the 0.2 s look at the log, not the 10 s wait
        started = time.monotonic()
        node.signal(sig)
        code = node.wait_exit(STOP)
        assert code is not None, f"still running {STOP} s after {sig.name}:\n{node.output()}"
        assert time.monotonic() - started < STOP
    finally:
        node.stop()



def _through_a_to_b(a: Node, token: str, lines: list[str], within: float) -> float:
    """Publish through node A's API until one story shows on node B's stream within 2 s; returns the
    seconds from the first try (fails after `within`)."""
    staff = {"Authorization": f"Bearer {token}"}
    started = time.monotonic()
    while True:
        assert time.monotonic() - started < within, f"no story reached node B within {within} s"
        guid = httpx.post(a.url + "/v1/newsroom/stories", headers=staff, timeout=10,
                          json={"headline": "Over the bus", "categories": ["World"]}).json()["guid"]
        assert httpx.post(f"{a.url}/v1/newsroom/stories/{guid}/publish", headers=staff, timeout=10).status_code == 201
        sent = time.monotonic()
        while time.monotonic() - sent < 2:
            if any(guid in line for line in tuple(lines)):
                return time.monotonic() - started
            time.sleep(0.02)


def test_two_nodes_wake_each_other_again_after_their_nats_restarts(tmp_path: Path,
                                                                   private_nats: tuple[int, Path]) -> None:
    """Real nodes, a real NATS server stopped and started again: with the log poll set to 30 s, only
    the bus can bring a story published through node A to a stream on node B within seconds."""
    port, store = private_nats
    server = _run_nats(port, store)
    env = node_env(tmp_path, NEWSFLOW_BUS_URL=f"nats://127.0.0.1:{port}", NEWSFLOW_LOG_POLL_EVERY="30")
    key, token, _ = set_up_company(env)
    a, b = Node(env, tmp_path / "a.log").start(), Node(env, tmp_path / "b.log").start()
    lines: list[str] = []
    try:
        a.wait_serving()
        b.wait_serving()

        def listen() -> None:
            with contextlib.suppress(httpx.HTTPError), httpx.stream(
                    "GET", b.url + "/v1/stream", headers={"Authorization": f"Bearer {key}"}, timeout=90) as r:
                lines.extend(r.iter_lines())

        threading.Thread(target=listen, daemon=True).start()
        deadline = time.monotonic() + 10
        while not any("connected" in line for line in tuple(lines)):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        _through_a_to_b(a, token, lines, RECOVERY)
        server.terminate()
        server.wait(10)
        shutil.rmtree(store, ignore_errors=True)
        server = _run_nats(port, store)
        took = _through_a_to_b(a, token, lines, RECOVERY)
        print(f"a story reached node B's stream {took:.1f} s after NATS came back")
    finally:
        a.stop()
        b.stop()
        server.terminate()
        server.wait(10)

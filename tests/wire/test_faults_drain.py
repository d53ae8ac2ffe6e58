"""SIGTERM drains a node: live SSE clients each get a final `retry:` and then the end of the stream, a
long-poll answers at once with an empty page, and the process exits 0 within EXIT_BOUND — a real
`newsflow serve` process, real clients on real sockets."""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from newsflow.config import Settings
from newsflow.web.desk.live import LiveView
from tests.wire.nodes import Node, node_env, set_up_company

EXIT_BOUND = 5.0  # seconds from SIGTERM to exit with every client connected (NEWSFLOW_SHUTDOWN_GRACE=5)
STREAMS = 3


@dataclass
class Client:
    """One HTTP request in a thread, its raw answer as it comes, and when it ended."""

    url: str
    params: dict[str, str]
    headers: dict[str, str]
    raw: bytearray = field(default_factory=bytearray)
    status: int | None = None
    ended: float | None = None  # monotonic time of the end of the response
    error: BaseException | None = None

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        try:
            with httpx.stream("GET", self.url, params=self.params, headers=self.headers, timeout=60) as r:
                self.status = r.status_code
                for chunk in r.iter_raw():
                    self.raw.extend(chunk)
            self.ended = time.monotonic()
        except BaseException as exc:  # the test reports it
            self.error = exc


def test_sigterm_ends_streams_with_retry_answers_long_polls_and_exits_within_the_bound(tmp_path: Path) -> None:
    env = node_env(tmp_path, NEWSFLOW_SHUTDOWN_GRACE="5")
    key, _, _ = set_up_company(env)
    node = Node(env, tmp_path / "node.log").start()
    try:
        node.wait_serving()
        auth = {"Authorization": f"Bearer {key}"}
        streams = [Client(node.url + "/v1/stream", {}, auth) for _ in range(STREAMS)]
        cursor = httpx.get(node.url + "/v1/feed", headers=auth).json()["cursor"]
        poll = Client(node.url + "/v1/feed", {"after": str(cursor), "wait": "30"}, auth)
        threads = [c.start() for c in [*streams, poll]]
        deadline = time.monotonic() + 10
        while not all(b": connected" in c.raw for c in streams):
            assert time.monotonic() < deadline, [bytes(c.raw) for c in streams]
            time.sleep(0.05)
        time.sleep(0.3)  # the long-poll is waiting too

        signalled = time.monotonic()
        node.signal(signal.SIGTERM)
        code = node.wait_exit(EXIT_BOUND)
        took = time.monotonic() - signalled
        assert code == 0, f"exit code {code} {took:.1f} s after SIGTERM:\n{node.output()}"
        for thread in threads:
            thread.join(5)
        for c in streams:
            assert c.error is None and c.ended is not None, (c.error, bytes(c.raw))
            after_connected = bytes(c.raw).split(b": connected", 1)[1]
            assert b"\nretry: " in after_connected and after_connected.endswith(b"\n\n"), after_connected
            assert c.ended - signalled < EXIT_BOUND
        assert poll.error is None and poll.status == 200 and poll.ended is not None
        assert poll.ended - signalled < 2.0  # answered at once, not after its 30 s
        assert b'"count":0' in poll.raw
        print(f"exited {took:.2f} s after SIGTERM with {STREAMS} streams and a long-poll open")
    finally:
        node.stop()


def test_desk_live_tabs_get_a_final_retry_when_the_node_drains(tmp_path: Path) -> None:
    """The desk's live view (a session-signed-in stream) ends the same way, open tabs and new ones."""
    from newsflow.store import Store

    store = Store(f"sqlite:///{tmp_path / 'n.db'}")
    store.migrate()

    async def run() -> None:
        live = LiveView(store)
        tab = live.stream(0)
        assert await anext(tab) == "retry: 3000\n\n"
        pending = asyncio.ensure_future(anext(tab))
        await asyncio.sleep(0.05)
        live.drain("retry: 4000\n: closed\n\n")
        assert await asyncio.wait_for(pending, 1) == "retry: 4000\n: closed\n\n"
        assert [frame async for frame in tab] == []  # ended
        late = [frame async for frame in live.stream(0)]
        assert late == ["retry: 3000\n\n", "retry: 4000\n: closed\n\n"]

    try:
        asyncio.run(run())
    finally:
        store.close()


@pytest.mark.parametrize("value", ["-1", "nan", "3601"])
def test_a_bad_shutdown_grace_is_refused_by_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("NEWSFLOW_SHUTDOWN_GRACE", value)
    with pytest.raises(ValueError, match="NEWSFLOW_SHUTDOWN_GRACE"):
        Settings()

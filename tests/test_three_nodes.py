"""Three `newsflow serve` processes on one PostgreSQL database and NATS JetStream, each with a data dir
of its own (three machines as far as the nodes can tell). Twelve SSE streams of four subscriber
companies are spread over the nodes round robin, as a balancer would; stories are published through
node 1 and node 3 at once, and a kill through node 2. Every stream must carry exactly the events of
the log its company is entitled to — each once, in seq order, nothing else — and each node's
/metrics must show it served its share of the streams (docs/scaling.md says why this holds)."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.test_multinode import nats_url  # noqa: F401  (the fixture: fails in CI without NATS)
from tests.wire.nodes import Node, node_env

# company -> the categories of its products (one product per category)
COMPANIES = {"Daily": ("World",), "Arena": ("Sports",), "Ledger": ("Business", "World"), "Almanac": ("Business",)}
STREAMS_PER_COMPANY = 3
# "Weather" is in no product: its stories must reach no stream
CATEGORIES = ("World", "Sports", "Business", "Weather")
ARRIVAL = 30.0  # seconds for every stream to have everything it is owed (the log poll alone takes 1 s)
QUIET = 1.5  # seconds kept open afterwards, so that a late duplicate or stray event would show up

SETUP = """
import json, sys
from newsflow.services import Services
svc = Services.open()
keys = {}
for name, categories in json.loads(sys.argv[1]).items():
    company = svc.subscribers.create_company(name)
    for category in categories:
        product = svc.subscribers.create_product(f'{name} {category}', {'categories': [category]})
        svc.subscribers.assign_product(company.id, product.id)
    keys[name] = [svc.subscribers.create_api_key(company.id).secret for _ in range(int(sys.argv[2]))]
editor = svc.store.create_user(email='ed@example.org', name='Ed', role='editor')
print(json.dumps({'keys': keys, 'token': svc.store.create_token(editor.id)}))
"""


@dataclass
class Frame:
    seq: int
    kind: str
    data: dict


@dataclass
class Listener:
    """One open GET /v1/stream on one node, read in a thread until `close`."""

    company: str
    node: int
    url: str
    key: str
    raw: bytearray = field(default_factory=bytearray)
    status: int = 0
    opened: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.http = httpx.Client(timeout=httpx.Timeout(5, read=None))
        self.socket: socket.socket | None = None
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        try:
            with self.http.stream("GET", self.url + "/v1/stream",
                                  headers={"Authorization": f"Bearer {self.key}"}) as response:
                self.status = response.status_code
                self.socket = response.extensions["network_stream"].get_extra_info("socket")
                for chunk in response.iter_raw():
                    self.raw.extend(chunk)
                    if b": connected" in self.raw:
                        self.opened.set()
        except httpx.HTTPError:
            pass  # the test hung up (`close`)
        finally:
            self.opened.set()  # a refused stream must not keep the test waiting

    def frames(self) -> list[Frame]:
        """The SSE messages with data received so far (comments and a partial last message left out)."""
        text = bytes(self.raw).decode()
        out = []
        for block in re.split(r"\n\n", text)[:-1]:
            fields: dict[str, list[str]] = {}
            for line in block.split("\n"):
                name, sep, value = line.partition(": ")
                if sep and name in ("id", "event", "data"):
                    fields.setdefault(name, []).append(value)
            if "data" in fields:
                out.append(Frame(int(fields["id"][0]), fields["event"][0], json.loads("\n".join(fields["data"]))))
        return out

    def close(self) -> None:
        # a read blocked in another thread is not ended by closing the client: shut the socket itself
        if self.socket is not None:
            with contextlib.suppress(OSError):
                self.socket.shutdown(socket.SHUT_RDWR)
        self.thread.join(5)
        assert not self.thread.is_alive(), f"the stream of {self.company} on node {self.node} did not end"
        self.http.close()


@pytest.fixture
def three_nodes(pg_schema_url: str, nats_url: str, tmp_path: Path) -> Iterator[tuple[list[Node], dict]]:  # noqa: F811
    shared = {"NEWSFLOW_DATABASE_URL": pg_schema_url, "NEWSFLOW_BUS_URL": nats_url,
              "NEWSFLOW_NATS_STREAM": f"NF3N{secrets.token_hex(4).upper()}",
              "NEWSFLOW_SECRET_KEY": "three-nodes-share-one-secret-key-for-this-test"}
    setup = subprocess.run([sys.executable, "-c", SETUP, json.dumps(COMPANIES), str(STREAMS_PER_COMPANY)],
                           capture_output=True, text=True, env=node_env(tmp_path / "setup", **shared))
    assert setup.returncode == 0, setup.stderr
    made = json.loads(setup.stdout)
    nodes = [Node(node_env(tmp_path / f"node{n}", **shared), tmp_path / f"node{n}.log") for n in (1, 2, 3)]
    try:
        for node in nodes:
            node.start()
        for node in nodes:
            node.wait_serving()
        yield nodes, made
    finally:
        for node in nodes:
            node.stop()


def _open_streams(nodes: list[Node], keys: dict[str, list[str]]) -> list[Listener]:
    """Round robin over the nodes, as a balancer would: with three streams per company and three
    nodes, every node serves every company once."""
    listeners = []
    for i, (company, key) in enumerate((c, k) for c in COMPANIES for k in keys[c]):
        listeners.append(Listener(company, i % len(nodes) + 1, nodes[i % len(nodes)].url, key))
    for listener in listeners:
        assert listener.opened.wait(15) and listener.status == 200, (listener.company, listener.node, listener.status)
    return listeners


def _open_api_streams(node: Node) -> float:
    text = httpx.get(node.url + "/metrics", timeout=5).text
    found = re.search(r'^newsflow_open_streams\{face="api"\} (\S+)$', text, re.M)
    assert found, text[:2000]
    return float(found.group(1))


def _publish(node: Node, staff: dict[str, str], stories: list[tuple[str, str]],
             guids: dict[str, tuple[str, str]]) -> None:
    """Write and publish `stories` (headline, category) through `node`; records guid -> both."""
    with httpx.Client(base_url=node.url, headers=staff, timeout=10) as http:
        for headline, category in stories:
            made = http.post("/v1/newsroom/stories", json={"headline": headline, "categories": [category]})
            assert made.status_code == 201, made.text
            guid = made.json()["guid"]
            guids[guid] = (headline, category)
            assert http.post(f"/v1/newsroom/stories/{guid}/publish").status_code == 201


def test_three_nodes_stream_every_entitled_event_exactly_once(three_nodes: tuple[list[Node], dict]) -> None:
    nodes, made = three_nodes
    staff = {"Authorization": f"Bearer {made['token']}"}
    listeners = _open_streams(nodes, made["keys"])
    try:
        # streams were served by all three nodes, four each (the count is each node's own memory)
        assert [_open_api_streams(node) for node in nodes] == [4.0, 4.0, 4.0]

        # two writers at once, on two nodes: the log's seq orders them, whichever commits first
        guids: dict[str, tuple[str, str]] = {}
        first = [(f"Node one story {i}", CATEGORIES[i % 4]) for i in range(12)]
        third = [(f"Node three story {i}", CATEGORIES[(i + 1) % 4]) for i in range(6)]
        writers = [threading.Thread(target=_publish, args=(nodes[0], staff, first, guids)),
                   threading.Thread(target=_publish, args=(nodes[2], staff, third, guids))]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(60)
        assert len(guids) == 18
        killed = next(guid for guid, (_, category) in guids.items() if category == "World")
        kill = httpx.post(f"{nodes[1].url}/v1/newsroom/stories/{killed}/kill", headers=staff,
                          json={"reason": "Legal advice"}, timeout=10)
        assert kill.status_code == 201, kill.text

        log = httpx.get(nodes[1].url + "/v1/newsroom/events", params={"limit": 1000}, headers=staff, timeout=10).json()
        assert len(log) == 19 and log[-1]["kind"] == "kill" and log[-1]["guid"] == killed
        owed = {company: [(e["seq"], e["kind"], e["guid"]) for e in log if guids[e["guid"]][1] in categories]
                for company, categories in COMPANIES.items()}
        assert all(owed.values())  # every company is owed something, and Weather stories nobody

        deadline = time.monotonic() + ARRIVAL
        while any(len(lst.frames()) < len(owed[lst.company]) for lst in listeners) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(QUIET)
    finally:
        for listener in listeners:
            listener.close()

    by_headline = {headline: guid for guid, (headline, _) in guids.items()}
    for listener in listeners:
        got = [(f.seq, f.kind, by_headline[f.data["headlines"][0]["value"]]) for f in listener.frames()]
        # the same list: every entitled event, once each, in seq order, and nothing else
        assert got == owed[listener.company], (listener.company, listener.node)
    # the kill, written through node 2, reached the World subscribers' streams on nodes 1 and 3 too
    kill_seq = log[-1]["seq"]
    for listener in listeners:
        if "World" in COMPANIES[listener.company]:
            assert any(f.seq == kill_seq and f.kind == "kill" for f in listener.frames()), listener
    assert {lst.node for lst in listeners if "World" in COMPANIES[lst.company]} == {1, 2, 3}

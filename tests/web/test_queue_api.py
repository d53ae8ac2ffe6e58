"""The server-held queue (/v1/queue/{consumer}): at-least-once batches, acks that only move forward,
one namespace of consumer names per company, long-polls that return at once — on both stores."""

from __future__ import annotations

import itertools
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.errors import Conflict
from newsflow.model import utcnow
from newsflow.services import Services
from newsflow.wire.queue import Queues
from tests.helpers import publish_story

_names = itertools.count(1)


@dataclass
class World:
    svc: Services
    world_key: str  # company A: the World product
    sports_key: str  # company B: the Sports product
    twin_key: str  # company C: World too, a separate namespace from A
    embargo_key: str  # company D: World, may receive embargoed copy
    ids: dict[str, str] = field(default_factory=dict)  # key -> company id

    def publish(self, headline: str, category: str, **fields: object) -> str:
        return publish_story(self.svc, headline, category, **fields)


@pytest.fixture
def world(services: Services) -> World:
    subs = services.subscribers
    world = subs.create_product("World desk", {"categories": ["World"]})
    sports = subs.create_product("Sports desk", {"categories": ["Sports"]})
    keys, ids = [], {}
    for name, product, embargoed in (("Daily A", world, False), ("Sports B", sports, False),
                                     ("Twin C", world, False), ("Wire D", world, True)):
        company = subs.create_company(name, may_receive_embargoed=embargoed)
        subs.assign_product(company.id, product.id)
        keys.append(subs.create_api_key(company.id, label="tests").secret)
        ids[keys[-1]] = company.id
    return World(services, *keys, ids=ids)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _take(client: TestClient, key: str, consumer: str, **params: object) -> dict[str, Any]:
    r = client.post(f"/v1/queue/{consumer}/take", params=params, headers=_auth(key))
    assert r.status_code == 200, r.text
    return r.json()


def _ack(client: TestClient, key: str, consumer: str, batch: int) -> dict[str, Any]:
    r = client.post(f"/v1/queue/{consumer}/ack", json={"batch": batch}, headers=_auth(key))
    assert r.status_code == 200, r.text
    return r.json()


def _headlines(batch: dict[str, Any]) -> list[str]:
    return [i["item"]["headlines"][0]["value"] for i in batch["items"]]


def test_take_redelivers_until_acked_then_moves_on(client: TestClient, world: World) -> None:
    for headline in ("One", "Two", "Three"):
        world.publish(headline, "World")
    world.publish("Not for A", "Sports")
    first = _take(client, world.world_key, "cms", limit=2)
    assert first["consumer"] == "cms" and first["count"] == 2 and _headlines(first) == ["One", "Two"]
    assert first["batch"] == first["items"][-1]["seq"]
    # not acked: the same events again (the consumer crashed, say)
    again = _take(client, world.world_key, "cms", limit=2)
    assert again == first
    # a queue item is exactly a feed item
    feed = client.get("/v1/feed", params={"limit": 2}, headers=_auth(world.world_key)).json()
    assert feed["items"] == first["items"]

    state = _ack(client, world.world_key, "cms", first["batch"])
    assert state["position"] == first["batch"] and state["backlog"] == 1 and state["unacked"] is False
    second = _take(client, world.world_key, "cms", limit=2)
    assert _headlines(second) == ["Three"]
    # acking an older batch changes nothing
    assert _ack(client, world.world_key, "cms", first["batch"])["position"] == first["batch"]
    shown = client.get("/v1/queue/cms", headers=_auth(world.world_key)).json()
    assert shown["position"] == first["batch"] and shown["last_batch"] == second["batch"]
    assert shown["backlog"] == 1 and shown["unacked"] is True and shown["last_take"] and shown["last_ack"]
    _ack(client, world.world_key, "cms", second["batch"])
    empty = _take(client, world.world_key, "cms")
    assert empty["items"] == [] and empty["count"] == 0 and empty["batch"] == second["batch"]
    assert client.get("/v1/queue/cms", headers=_auth(world.world_key)).json()["backlog"] == 0
    # every hand-out is a delivery in the usage log, on the "queue" channel
    report = world.svc.usage.report(world.ids[world.world_key])
    assert report["by_channel"] == {"queue": 5, "feed": 2}


def test_start_latest_reset_and_product_narrowing(client: TestClient, world: World) -> None:
    world.publish("Old news", "World")
    assert _take(client, world.world_key, "late", start="latest")["items"] == []
    world.publish("Fresh news", "World")
    # start applies to the first take only
    assert _headlines(_take(client, world.world_key, "late", start="earliest")) == ["Fresh news"]
    assert client.delete("/v1/queue/late", headers=_auth(world.world_key)).status_code == 204
    assert client.get("/v1/queue/late", headers=_auth(world.world_key)).status_code == 404
    assert client.delete("/v1/queue/late", headers=_auth(world.world_key)).status_code == 404
    assert _headlines(_take(client, world.world_key, "late")) == ["Old news", "Fresh news"]  # earliest by default

    pid = str(next(p.id for p in world.svc.subscribers.list_products() if p.name == "World desk"))
    narrow = _take(client, world.world_key, "narrow", products=pid)
    assert _headlines(narrow) == ["Old news", "Fresh news"]
    assert _take(client, world.world_key, "narrow") == narrow  # the narrowing is the consumer's own
    assert client.get("/v1/queue/narrow", headers=_auth(world.world_key)).json()["products"] == [int(pid)]
    r = client.post("/v1/queue/late/take", params={"products": pid}, headers=_auth(world.world_key))
    assert r.status_code == 409 and "all your products" in r.json()["error"] and "DELETE" in r.json()["error"]


def test_each_company_has_its_own_namespace(client: TestClient, world: World) -> None:
    world.publish("Shared story", "World")
    theirs = _take(client, world.twin_key, "ingest")  # company C's "ingest"
    assert _headlines(theirs) == ["Shared story"]
    # company A cannot see, ack or reset C's consumer of the same name
    assert client.get("/v1/queue/ingest", headers=_auth(world.world_key)).status_code == 404
    r = client.post("/v1/queue/ingest/ack", json={"batch": theirs["batch"]}, headers=_auth(world.world_key))
    assert r.status_code == 404 and "ingest" in r.json()["error"]
    assert client.delete("/v1/queue/ingest", headers=_auth(world.world_key)).status_code == 404
    # A's first take makes A's own "ingest", from the start; acking it leaves C's where it was
    mine = _take(client, world.world_key, "ingest")
    assert _headlines(mine) == ["Shared story"]
    _ack(client, world.world_key, "ingest", mine["batch"])
    assert client.get("/v1/queue/ingest", headers=_auth(world.twin_key)).json()["position"] == 0
    assert _take(client, world.twin_key, "ingest") == theirs
    # B (Sports) has an "ingest" too, and never sees World copy
    assert _take(client, world.sports_key, "ingest")["items"] == []


def test_bad_requests_name_the_problem(client: TestClient, world: World) -> None:
    key = _auth(world.world_key)
    assert client.post("/v1/queue/cms/take").status_code == 401
    for bad in ("x" * 65, "no!bang", "sp ace", "caf%C3%A9", ".."):
        r = client.post(f"/v1/queue/{bad}/take", headers=key)
        if bad == "..":  # a dot segment is resolved away by the client: it never reaches the route
            assert r.status_code in (404, 405, 422)
            continue
        assert r.status_code == 422 and "consumer name" in r.json()["error"], (bad, r.text)
    assert client.get("/v1/queue/x%2Fy", headers=key).status_code in (404, 422)
    assert client.get("/v1/queue/" + "y" * 65, headers=key).status_code == 422
    assert client.post("/v1/queue/.", headers=key).status_code in (404, 405, 422)
    for params, word in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "ten"}, "limit"),
                         ({"wait": 31}, "wait"), ({"start": "middle"}, "start"), ({"format": "nitf"}, "nitf"),
                         ({"products": "x"}, "products")):
        r = client.post("/v1/queue/cms/take", params=params, headers=key)
        assert r.status_code == 422 and word in r.json()["error"], (params, r.text)
    r = client.post("/v1/queue/cms/take", params={"products": "999"}, headers=key)
    assert r.status_code == 403 and "999" in r.json()["error"]
    # no consumer yet: nothing to ack
    r = client.post("/v1/queue/cms/ack", json={"batch": 1}, headers=key)
    assert r.status_code == 404 and "cms" in r.json()["error"]

    world.publish("Something", "World")
    batch = _take(client, world.world_key, "cms")["batch"]
    r = client.post("/v1/queue/cms/ack", json={"batch": batch + 1}, headers=key)
    assert r.status_code == 409 and f"batch {batch + 1} was never handed out" in r.json()["error"]
    for body in ({"batch": -1}, {"batch": "soon"}, {}):
        r = client.post("/v1/queue/cms/ack", json=body, headers=key)
        assert r.status_code == 422 and "batch" in r.json()["error"], (body, r.text)
    assert client.get("/v1/queue/cms", headers=key).json()["position"] == 0  # nothing moved


def test_long_poll_returns_as_soon_as_an_event_arrives(client: TestClient, world: World) -> None:
    assert _take(client, world.world_key, "poller")["items"] == []
    timer = threading.Timer(0.5, world.publish, args=("Late news", "World"))
    started = time.monotonic()
    timer.start()
    batch = _take(client, world.world_key, "poller", wait=10)
    elapsed = time.monotonic() - started
    assert _headlines(batch) == ["Late news"]
    assert 0.4 < elapsed < 5
    _ack(client, world.world_key, "poller", batch["batch"])
    started = time.monotonic()
    world.publish("Not for A", "Sports")  # wakes the node, but A is not entitled: keep waiting
    assert _take(client, world.world_key, "poller", wait=0.5)["items"] == []
    assert time.monotonic() - started >= 0.45


def test_embargoed_copy_waits_for_the_lift_in_the_backlog_too(client: TestClient, world: World) -> None:
    until = utcnow() + timedelta(seconds=2)
    world.publish("Budget figures", "World", embargo=until.isoformat())
    world.publish("Open story", "World")
    for key, expected in ((world.world_key, ["Open story"]), (world.embargo_key, ["Budget figures", "Open story"])):
        assert client.get("/v1/queue/q", headers=_auth(key)).status_code == 404
        assert _take(client, key, "q", limit=1)["count"] == 1  # creates the consumer at the start
        assert client.get("/v1/queue/q", headers=_auth(key)).json()["backlog"] == len(expected)
        batch = _take(client, key, "q", limit=10)
        assert _headlines(batch) == expected
        assert _ack(client, key, "q", batch["batch"])["backlog"] == 0
    time.sleep(max(0.0, (until - utcnow()).total_seconds()) + 0.05)
    world.svc.newsroom.lift_embargoes()
    assert client.get("/v1/queue/q", headers=_auth(world.world_key)).json()["backlog"] == 1
    lifted = _take(client, world.world_key, "q")
    assert [(i["event"], i["item"]["headlines"][0]["value"]) for i in lifted["items"]] == [
        ("embargo_lift", "Budget figures")]


def test_concurrent_acks_only_move_forward(world: World) -> None:
    queues = Queues(world.svc.store)
    company = world.ids[world.world_key]
    for n in range(12):
        world.publish(f"Story {n}", "World")
    queues.open(company, "many")
    last = world.svc.store.last_seq()
    queues.handed_out(company, "many", last)
    batches = list(range(1, last + 1)) * 3
    random.Random(7).shuffle(batches)
    with ThreadPoolExecutor(8) as pool:
        positions = list(pool.map(lambda b: queues.ack(company, "many", b).acked, batches))
    assert all(p >= 1 for p in positions)
    assert queues.get(company, "many").acked == last
    with pytest.raises(Conflict):
        queues.ack(company, "many", last + 1)
    assert queues.get(company, "many").acked == last


# ---- the property: acked batches cover every entitled event exactly once, in seq order --------------

Op = tuple[str, int, int]  # (what, which company, argument)
OPS = st.one_of(
    st.tuples(st.just("publish"), st.integers(0, 1), st.integers(0, 2)),  # a story in World/Sports/Culture
    st.tuples(st.just("take"), st.integers(0, 1), st.integers(1, 4)),  # take (or retake, unacked) a batch
    st.tuples(st.just("ack"), st.integers(0, 1), st.integers(0, 3)),  # ack the n-th latest batch taken
    st.tuples(st.just("overreach"), st.integers(0, 1), st.just(0)),  # ack past what was handed out: 409
)
CATEGORIES = ("World", "Sports", "Culture")


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=25))
def test_acked_batches_cover_every_entitled_event_exactly_once(client: TestClient, world: World,
                                                               ops: list[Op]) -> None:
    consumer = f"prop-{next(_names)}"  # one consumer name per example, used by both companies
    keys = (world.world_key, world.sports_key)
    mine: tuple[str, ...] = ("World", "Sports")  # each company's one product
    for key in keys:
        assert _take(client, key, consumer, start="latest")["items"] == []
    entitled: list[list[str]] = [[], []]  # guids each company may see, in publish (= seq) order
    taken: list[list[dict[str, Any]]] = [[], []]  # batches handed out, oldest first
    acked: list[int] = [0, 0]
    covered: list[list[str]] = [[], []]  # what each company's acked batches newly covered
    acked[0] = acked[1] = world.svc.store.last_seq()

    def ack(who: int, batch: dict[str, Any]) -> None:
        state = _ack(client, keys[who], consumer, batch["batch"])
        if batch["batch"] > acked[who]:
            covered[who] += [i["item"]["uri"].rsplit("/", 1)[-1] for i in batch["items"]
                             if acked[who] < i["seq"] <= batch["batch"]]
            acked[who] = batch["batch"]
        assert state["position"] == acked[who]

    for n, (what, who, arg) in enumerate(ops):
        if what == "publish":
            guid = world.publish(f"story {n}", CATEGORIES[arg])
            for c in (0, 1):
                if CATEGORIES[arg] == mine[c]:
                    entitled[c].append(guid)
        elif what == "take":
            batch = _take(client, keys[who], consumer, limit=arg)
            seqs = [i["seq"] for i in batch["items"]]
            assert seqs == sorted(seqs) and all(s > acked[who] for s in seqs)  # from the position, in order
            taken[who].append(batch)
        elif what == "ack" and taken[who]:
            ack(who, taken[who][-1 - min(arg, len(taken[who]) - 1)])
        elif what == "overreach":
            r = client.post(f"/v1/queue/{consumer}/ack", json={"batch": world.svc.store.last_seq() + 1},
                            headers=_auth(keys[who]))
            assert r.status_code == 409 and "never handed out" in r.json()["error"]
    for who in (0, 1):  # drain: take and ack until nothing is left
        while True:
            batch = _take(client, keys[who], consumer, limit=3)
            if not batch["items"]:
                break
            ack(who, batch)
        assert covered[who] == entitled[who]
        state = client.get(f"/v1/queue/{consumer}", headers=_auth(keys[who])).json()
        assert state["backlog"] == 0 and state["position"] == acked[who]

"""Issue 9, items 2, 3 and 6: what a reader gets when it reads the log afresh — from seq 0 on the
pull feed, a new server-held queue, the stream and the portal's events with `Last-Event-ID: 0`,
webhook dead-letter replay — after a kill, a move between products and an embargo lift.

Each story's body carries a word of its own, so its text is recognised wherever it turns up. Real
HTTP against a running node, on SQLite and PostgreSQL. Each test fails on commit 599ed6f.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from newsflow.auth import hash_password
from newsflow.model import EventKind, Story, utcnow
from newsflow.services import Services
from newsflow.wire.webhook_tables import webhook_deliveries
from newsflow.wire.webhooks import DEAD, FAILED, SKIPPED
from tests.helpers import lift_due_embargoes, live_server, sse_replay, wait_followed
from tests.web.test_portal import PASSWORD, sign_in


@dataclass
class Reader:
    name: str
    company_id: str
    key: str
    email: str


@dataclass
class Node:
    svc: Services
    base: str
    products: dict[str, int]

    def reader(self, name: str, *categories: str, embargoed_copy: bool = False) -> Reader:
        subs = self.svc.subscribers
        company = subs.create_company(name, may_receive_embargoed=embargoed_copy)
        for category in categories:
            subs.assign_product(company.id, self.products[category])
        email = f"{name.lower().replace(' ', '.')}@example.org"
        self.svc.store.create_user(email=email, name=name, role="subscriber", company_id=company.id,
                                   password_hash=hash_password(PASSWORD))
        return Reader(name, company.id, subs.create_api_key(company.id).secret, email)

    def write(self, headline: str, category: str, word: str, **fields: Any) -> str:
        story = Story.model_validate({"headline": headline, "categories": [category], "spot": word,
                                      "body_html": f"<p>{word}</p>", **fields})
        return self.svc.newsroom.create(story).guid

    def revise(self, guid: str, category: str, word: str) -> None:
        self.svc.newsroom.edit(guid, {"categories": [category], "spot": word, "body_html": f"<p>{word}</p>"})

    def replays(self, reader: Reader, expected: int) -> dict[str, list[dict[str, Any]]]:
        """Every way of reading the log from its start, as the items each gives (ninjs)."""
        auth = {"Authorization": f"Bearer {reader.key}"}
        with httpx.Client(base_url=self.base, timeout=30) as http:
            feed = http.get("/v1/feed", params={"after": 0, "limit": 100}, headers=auth)
            queue = http.post(f"/v1/queue/replay-{reader.company_id}/take",
                              params={"limit": 100, "start": "earliest"}, headers=auth)
            assert feed.status_code == queue.status_code == 200, (feed.text, queue.text)
        portal = httpx.Client(base_url=self.base, timeout=30)
        sign_in(portal, reader.email)
        return {
            "feed": [i["item"] for i in feed.json()["items"]],
            "queue": [i["item"] for i in queue.json()["items"]],
            "stream": sse_replay(httpx.Client(base_url=self.base, timeout=30), "/v1/stream",
                                 auth | {"Last-Event-ID": "0"}, expected),
            "portal events": sse_replay(portal, "/portal/events", {"Last-Event-ID": "0"}, expected),
        }


@pytest.fixture
def node(services: Services) -> Iterator[Node]:
    subs = services.subscribers
    products = {c: subs.create_product(f"{c} desk", {"categories": [c]}).id for c in ("World", "Sport")}
    with live_server(services) as base:
        yield Node(services, base, products)


def _shape(items: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(int(i["version"]), i["pubstatus"], i["headlines"][0]["value"]) for i in items]


def test_item2_kill_reaches_the_log_past(node: Node) -> None:
    reader = node.reader("Daily", "World")
    guid = node.write("Minister resigns", "World", "originalwordone")
    node.svc.newsroom.publish(guid)
    node.revise(guid, "World", "originalwordtwo")
    node.svc.newsroom.update(guid)
    node.svc.newsroom.kill(guid, "Legal advice")
    wait_followed(node.svc)

    for channel, items in node.replays(reader, expected=1).items():
        text = json.dumps(items)
        assert "originalword" not in text, (channel, text)  # neither earlier version's text, anywhere
        assert _shape(items) == [(3, "canceled", "Minister resigns")], channel  # only the kill notice
    with httpx.Client(base_url=node.base, timeout=30) as http:
        auth = {"Authorization": f"Bearer {reader.key}"}
        for version in (None, 1, 2, 3):
            r = http.get(f"/v1/items/{guid}", params={"version": version} if version else {}, headers=auth)
            assert r.status_code == 410 and "originalword" not in r.text, (version, r.text)
        found = http.get("/v1/search", params={"q": "originalwordone"}, headers=auth)
        assert found.json()["total"] == 0


def test_item2_webhook_retries_and_dead_letter_replay_after_a_kill_send_only_the_kill(node: Node) -> None:
    svc = node.svc
    reader = node.reader("Daily", "World")
    down = svc.webhooks.create_endpoint(reader.company_id, "http://127.0.0.1:9/down").endpoint
    dead = svc.webhooks.create_endpoint(reader.company_id, "http://127.0.0.1:9/dead").endpoint
    guid = node.write("Minister resigns", "World", "originalwordone")
    svc.newsroom.publish(guid)
    svc.webhooks.plan(svc.store.events_after(0))
    d = webhook_deliveries
    with svc.store.write() as conn:  # one endpoint is retrying the story, the other gave up on it
        conn.execute(d.update().where(d.c.endpoint_id == down.id).values(state=FAILED, next_attempt_at=utcnow()))
        conn.execute(d.update().where(d.c.endpoint_id == dead.id).values(state=DEAD))
    svc.newsroom.kill(guid, "Legal advice")
    svc.webhooks.plan(svc.store.events_after(1))
    svc.webhooks.replay(dead.id)  # the admin replays the dead letters

    # the node's dispatcher takes it from here: v1 is settled without being sent, the kill goes out
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        lines = [{d.version: d for d in svc.webhooks.deliveries(e.id)} for e in (down, dead)]
        if all(line[1].state == SKIPPED and line[2].attempts > 0 for line in lines):
            break
        time.sleep(0.1)
    for line in lines:
        assert line[1].state == SKIPPED, line[1]  # the withdrawn text is never sent again
        assert line[2].attempts > 0, line[2]  # the kill notice is what goes


def test_item3_correction_never_reaches_the_unentitled(node: Node) -> None:
    svc = node.svc
    sport_only = node.reader("Sport paper", "Sport")
    world_only = node.reader("World paper", "World")
    hook = svc.webhooks.create_endpoint(sport_only.company_id, "http://127.0.0.1:9/down").endpoint
    guid = node.write("Transfer talks", "Sport", "sportwordone")
    svc.newsroom.publish(guid)
    node.revise(guid, "World", "worldwordtwo")  # the story moves from Sport to World …
    svc.newsroom.update(guid)
    node.revise(guid, "World", "worldwordthree")  # … and is then corrected
    svc.newsroom.correct(guid, "The envoy's name was misspelt")
    wait_followed(svc)

    for channel, items in node.replays(sport_only, expected=2).items():
        text = json.dumps(items)
        assert "worldword" not in text, (channel, text)  # never the World copy
        # its version, then a withdrawal notice saying to stop using it; nothing of the correction
        assert _shape(items) == [(1, "usable", "Transfer talks"),
                                 (2, "canceled", "Withdrawn from your subscription")], channel
    for channel, items in node.replays(world_only, expected=2).items():
        assert [(v, s) for v, s, _ in _shape(items)] == [(2, "usable"), (3, "usable")], channel
    with httpx.Client(base_url=node.base, timeout=30) as http:
        auth = {"Authorization": f"Bearer {sport_only.key}"}
        assert http.get(f"/v1/items/{guid}", params={"version": 3}, headers=auth).status_code == 404
        assert http.get(f"/v1/items/{guid}", params={"version": 2}, headers=auth).status_code == 404
        assert http.get("/v1/search", params={"q": "worldwordthree"}, headers=auth).json()["total"] == 0
    svc.webhooks.plan(svc.store.events_after(0))
    assert sorted(d.version for d in svc.webhooks.deliveries(hook.id)) == [1, 2]  # the copy, the notice
    jobs, _ = svc.webhooks.next_jobs("test", 10)
    assert all(b"worldword" not in job.body for job in jobs)


def test_item6_embargoed_copy_arrives_once_for_every_reader(node: Node) -> None:
    svc = node.svc
    waiting = node.reader("Evening paper", "World")
    partner = node.reader("Wire partner", "World", embargoed_copy=True)
    hooks = [svc.webhooks.create_endpoint(r.company_id, "http://127.0.0.1:9/down").endpoint
             for r in (waiting, partner)]
    now = utcnow()
    guid = node.write("Budget figures", "World", "budgetword", embargo=(now - timedelta(hours=1)).isoformat())
    svc.newsroom.publish(guid, now=now - timedelta(hours=2))  # written under an embargo since passed
    lift_due_embargoes(svc)  # (or the node's own embargo task did)
    kinds = [e.kind for e in svc.store.events_after(0)]
    assert kinds == [EventKind.publish, EventKind.embargo_lift]
    wait_followed(svc)

    for reader in (waiting, partner):
        for channel, items in node.replays(reader, expected=1).items():
            assert [(v, s) for v, s, _ in _shape(items)] == [(1, "usable")], (reader.name, channel)
    # the partner had it with the publish, the evening paper with the lift: each once
    svc.webhooks.plan(svc.store.events_after(0))
    assert [[d.kind for d in svc.webhooks.deliveries(h.id)] for h in hooks] == [["embargo_lift"], ["publish"]]


def test_item2_a_kill_under_embargo_reaches_whoever_had_an_earlier_version_and_leaks_nothing_held(
        node: Node) -> None:
    svc = node.svc
    waiting = node.reader("Evening paper", "World")
    partner = node.reader("Wire partner", "World", embargoed_copy=True)
    guid = node.write("Talks open", "World", "openword")
    svc.newsroom.publish(guid)
    svc.newsroom.edit(guid, {"headline": "Held: deal reached", "spot": "heldword", "body_html": "<p>heldword</p>",
                             "embargo": (utcnow() + timedelta(hours=2)).isoformat()})
    svc.newsroom.update(guid)  # v2 under embargo: only the partner has it
    svc.newsroom.kill(guid, "Legal advice")
    wait_followed(svc)

    for reader in (waiting, partner):
        for channel, items in node.replays(reader, expected=1).items():
            text = json.dumps(items)
            assert "heldword" not in text and "Held: deal" not in text and "openword" not in text, (channel, text)
            # the kill at once, for the evening paper too, which had v1; it names the story as v1 did
            assert _shape(items) == [(3, "canceled", "Talks open")], (reader.name, channel)

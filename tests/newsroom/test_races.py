"""Issue 9, item 1: one story has one state. Two newsroom actions racing on one story, sent as real
concurrent HTTP requests to a running server: one wins, the other is refused (409), and the story ends
in the state the winner left. And the Idempotency-Key header: a retried request answers the first
result, never a second effect.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from newsflow.model import PubStatus, Story, utcnow
from newsflow.services import Services
from tests.helpers import live_server, publish_story

BASE = "/v1/newsroom"
TRIES = 20


@dataclass
class Desk:
    """Two HTTP clients of one running server, and the services behind it."""

    svc: Services
    base: str
    headers: dict[str, str]
    clients: tuple[httpx.Client, httpx.Client]

    def race(self, *requests: tuple[str, str, dict[str, Any] | None],
             headers: dict[str, str] | None = None) -> list[httpx.Response]:
        """Send the requests at the same moment, one per client, and return their answers in order."""
        start = threading.Barrier(len(requests))
        answers: list[httpx.Response | None] = [None] * len(requests)

        def send(index: int, method: str, path: str, body: dict[str, Any] | None) -> None:
            start.wait()
            answers[index] = self.clients[index].request(method, self.base + path, json=body,
                                                         headers=self.headers | (headers or {}))

        threads = [threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert all(answers), "a request did not come back"
        return [a for a in answers if a is not None]


@pytest.fixture
def desk(services: Services) -> Iterator[Desk]:
    user = services.store.create_user(email="racer@example.org", name="Racing Editor", role="editor")
    headers = {"Authorization": f"Bearer {services.store.create_token(user.id, 'races')}"}
    with live_server(services) as base, httpx.Client(timeout=30) as one, httpx.Client(timeout=30) as two:
        yield Desk(services, base, headers, (one, two))


def _kinds(svc: Services, guid: str) -> list[str]:
    return [e.kind for e in svc.store.events_for(guid)]


def _draft(svc: Services, headline: str) -> str:
    return svc.newsroom.create(Story(headline=headline, body_html="<p>Original text.</p>")).guid


def test_item1_publish_racing_publish_gives_one_publish(desk: Desk) -> None:
    for n in range(TRIES):
        guid = _draft(desk.svc, f"Publish race {n}")
        path = f"{BASE}/stories/{guid}/publish"
        answers = desk.race(("POST", path, None), ("POST", path, None))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        assert "already published" in next(a for a in answers if a.status_code == 409).json()["error"]
        assert _kinds(desk.svc, guid) == ["publish"]
        assert [v.version for v in desk.svc.store.list_versions(guid)] == [1]


def test_item1_kill_racing_kill_gives_one_kill_version(desk: Desk) -> None:
    for n in range(TRIES):
        guid = publish_story(desk.svc, f"Kill race {n}", "World")
        path = f"{BASE}/stories/{guid}/kill"
        answers = desk.race(("POST", path, {"reason": "Legal, first desk"}),
                            ("POST", path, {"reason": "Legal, second desk"}))
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        assert _kinds(desk.svc, guid) == ["publish", "kill"]
        assert [v.pubstatus for v in desk.svc.store.list_versions(guid)] == [PubStatus.usable, PubStatus.canceled]


@pytest.mark.parametrize("action", ["update", "correct"])
def test_item1_kill_racing_update_leaves_story_killed(desk: Desk, action: str) -> None:
    refused = 0
    for n in range(TRIES):
        guid = publish_story(desk.svc, f"Kill and {action} race {n}", "World", body_html="<p>Original text.</p>")
        kill, other = desk.race((("POST", f"{BASE}/stories/{guid}/kill", {"reason": "Court order"})),
                                ("POST", f"{BASE}/stories/{guid}/{action}", {"editor_note": "Late change"}))
        assert kill.status_code == 201, kill.text
        if other.status_code == 409:
            # the kill won: the other action is refused and writes nothing
            refused += 1
            assert "was killed" in other.json()["error"]
            assert _kinds(desk.svc, guid) == ["publish", "kill"]
        else:
            # the other action won: it was written first, and the kill after it
            assert other.status_code == 201, other.text
            assert other.json()["version"] < kill.json()["version"]
            assert _kinds(desk.svc, guid) == ["publish", action, "kill"]
        record = desk.svc.store.get_story(guid)
        latest = desk.svc.store.get_version(guid)
        assert record.pubstatus == PubStatus.canceled and latest.pubstatus == PubStatus.canceled
        assert latest.version == record.current_version == kill.json()["version"]
        assert "Original text" not in latest.body_html
        served = desk.clients[0].get(f"{desk.base}/v1/items/{guid}", headers=desk.headers)
        assert served.status_code == 410, served.text
    print(f"{action} refused in {refused} of {TRIES} tries")


def test_item1_edit_racing_kill_never_rewrites_the_killed_story(desk: Desk) -> None:
    for n in range(TRIES):
        guid = publish_story(desk.svc, f"Edit race {n}", "World", body_html="<p>Original text.</p>")
        kill, edit = desk.race(("POST", f"{BASE}/stories/{guid}/kill", {"reason": "Court order"}),
                               ("PATCH", f"{BASE}/stories/{guid}", {"body_html": "<p>Original text, edited.</p>"}))
        assert kill.status_code == 201, kill.text
        assert edit.status_code in (200, 409), edit.text
        # whichever came first, the working copy ends as the withdrawal, as the kill wrote it
        draft = desk.svc.store.get_story(guid).draft
        assert "Original text" not in draft.body_html and "withdrawn" in draft.body_html


# ---- Idempotency-Key ------------------------------------------------------------------------------


def test_item1_idempotency_key_retry_answers_first_result_with_one_draft(
        client: TestClient, staff_headers: dict[str, str], services: Services) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    draft = {"headline": "Harbour reopens", "body_html": "<p>Ships move.</p>"}
    first = client.post(f"{BASE}/stories", headers=staff_headers | key, json=draft)
    again = client.post(f"{BASE}/stories", headers=staff_headers | key, json=draft)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert services.store.count_stories() == 1
    guid = first.json()["guid"]

    # every action: the retry is the first answer, not a 409 and not a second version
    for action, body in (("publish", None), ("update", {"editor_note": "More"}),
                         ("correct", {"editor_note": "Name fixed"}), ("kill", {"reason": "Legal"})):
        key = {"Idempotency-Key": f"{action}-{guid}"}
        first = client.post(f"{BASE}/stories/{guid}/{action}", headers=staff_headers | key, json=body)
        again = client.post(f"{BASE}/stories/{guid}/{action}", headers=staff_headers | key, json=body)
        assert first.status_code == again.status_code == 201, again.text
        assert again.json() == first.json()
    assert _kinds(services, guid) == ["publish", "update", "correct", "kill"]
    # without a key the same retry is a new request, refused by the story's state
    assert client.post(f"{BASE}/stories/{guid}/kill", headers=staff_headers, json={"reason": "x"}).status_code == 409


def test_item1_idempotency_key_for_a_different_request_is_422_naming_the_header(
        client: TestClient, staff_headers: dict[str, str], services: Services) -> None:
    key = {"Idempotency-Key": "one-key"}
    assert client.post(f"{BASE}/stories", headers=staff_headers | key, json={"headline": "A"}).status_code == 201
    # the same JSON spaced differently is the same request
    same = client.post(f"{BASE}/stories", headers=staff_headers | key | {"Content-Type": "application/json"},
                       content=b'{ "headline" :  "A" }')
    assert same.status_code == 201
    other_body = client.post(f"{BASE}/stories", headers=staff_headers | key, json={"headline": "B"})
    guid = same.json()["guid"]
    other_route = client.post(f"{BASE}/stories/{guid}/publish", headers=staff_headers | key)
    for answer in (other_body, other_route):
        assert answer.status_code == 422 and answer.json()["field"] == "Idempotency-Key", answer.text
        assert "Idempotency-Key" in answer.json()["error"]
    assert services.store.count_stories() == 1 and services.store.last_seq() == 0
    too_long = client.post(f"{BASE}/stories", headers=staff_headers | {"Idempotency-Key": "k" * 256},
                           json={"headline": "C"})
    assert too_long.status_code == 422 and "Idempotency-Key" in too_long.json()["error"]


def test_item1_idempotency_keys_are_per_user_refusals_are_not_kept_and_keys_expire(
        client: TestClient, staff_headers: dict[str, str], services: Services) -> None:
    from newsflow.store.tables import idempotency_keys  # here, so the other tests run on code without it

    other = services.store.create_user(email="second@example.org", name="Second Editor", role="editor")
    other_headers = {"Authorization": f"Bearer {services.store.create_token(other.id, 'tests')}"}
    key = {"Idempotency-Key": "shared-key"}
    mine = client.post(f"{BASE}/stories", headers=staff_headers | key, json={"headline": "A"}).json()["guid"]
    theirs = client.post(f"{BASE}/stories", headers=other_headers | key, json={"headline": "A"}).json()["guid"]
    assert mine != theirs
    # a refused request keeps nothing: its retry asks again (and is answered by the story's state)
    refused = {"Idempotency-Key": "refused-kill"}
    assert client.post(f"{BASE}/stories/{mine}/kill", headers=staff_headers | refused,
                       json={"reason": "x"}).status_code == 409
    client.post(f"{BASE}/stories/{mine}/publish", headers=staff_headers)
    assert client.post(f"{BASE}/stories/{mine}/kill", headers=staff_headers | refused,
                       json={"reason": "x"}).status_code == 201
    # after a day the key is forgotten: the same request is a new one
    with services.store.write() as conn:
        conn.execute(idempotency_keys.update().values(created=utcnow() - timedelta(hours=25)))
    again = client.post(f"{BASE}/stories", headers=staff_headers | key, json={"headline": "A"})
    assert again.status_code == 201 and again.json()["guid"] != mine
    me = services.store.user_by_email("editor@example.org").id
    with services.store.read() as conn:
        kept = conn.execute(sa.select(idempotency_keys.c.key).where(idempotency_keys.c.user_id == me)).scalars()
        assert list(kept) == ["shared-key"]  # that user's expired keys went when a new one came


def test_item1_concurrent_requests_with_one_key_make_one_effect(desk: Desk) -> None:
    for n in range(TRIES):
        key = {"Idempotency-Key": f"create-{n}-{uuid.uuid4()}"}
        body = {"headline": f"Same request twice {n}"}
        answers = desk.race(("POST", f"{BASE}/stories", body), ("POST", f"{BASE}/stories", body), headers=key)
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        guid = answers[0].json()["guid"]
        key = {"Idempotency-Key": f"publish-{n}-{uuid.uuid4()}"}
        path = f"{BASE}/stories/{guid}/publish"
        answers = desk.race(("POST", path, None), ("POST", path, None), headers=key)
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json() == answers[1].json()
        assert _kinds(desk.svc, guid) == ["publish"]
    assert desk.svc.store.count_stories() == TRIES
    assert Counter(e.kind for e in desk.svc.store.events_after(0)) == {"publish": TRIES}

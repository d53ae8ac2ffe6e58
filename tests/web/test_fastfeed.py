"""The feed's hot path answers plain pages with exactly the route's bytes, and steps aside otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.model import utcnow
from newsflow.services import Services
from newsflow.web.fastfeed import _plain_query
from tests.web.test_subscriber import World, _auth, _setup


@pytest.fixture
def world(services: Services) -> World:
    return _setup(services)


def _both(client: TestClient, key: str, **params: object) -> tuple[object, object]:
    """The fast path's answer, and the route's (a zero long-poll takes the request past the fast path)."""
    fast = client.get("/v1/feed", params=params, headers=_auth(key))
    routed = client.get("/v1/feed", params={**params, "wait": 0}, headers=_auth(key))
    return ((fast.status_code, fast.content, fast.headers.get("etag"), fast.headers.get("content-type")),
            (routed.status_code, routed.content, routed.headers.get("etag"), routed.headers.get("content-type")))


def test_plain_queries_only() -> None:
    assert _plain_query(b"") == (0, 20, "ninjs")
    assert _plain_query(b"after=7&limit=5&format=ninjs3") == (7, 5, "ninjs3")
    for raw in (b"wait=1", b"products=1", b"after=-1", b"limit=0", b"limit=101", b"format=nitf", b"after=1&after=2",
                b"after=x"):
        assert _plain_query(raw) is None, raw


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["World", "Sports"]), st.booleans(), st.integers(0, 6),
                                st.integers(1, 4), st.sampled_from(["ninjs", "ninjs3"])), min_size=1, max_size=8))
def test_the_fast_path_sends_the_routes_bytes(client: TestClient, world: World,
                                              steps: list[tuple[str, bool, int, int, str]]) -> None:
    start = world.svc.store.last_seq()
    for category, embargoed, after, limit, fmt in steps:
        fields = {"embargo": (utcnow() + timedelta(hours=1)).isoformat()} if embargoed else {}
        world.publish(f"A {category} story", category, **fields)
        for key in (world.world_key, world.sports_key, world.embargo_key):
            fast, routed = _both(client, key, after=start + after, limit=limit, format=fmt)
            assert fast == routed
            assert fast[0] == 200


def test_a_second_request_is_served_from_the_built_page_and_answers_304_to_its_etag(
        client: TestClient, world: World) -> None:
    for i in range(3):
        world.publish(f"Story {i}", "World")
    first = client.get("/v1/feed", params={"limit": 2}, headers=_auth(world.world_key))
    again = client.get("/v1/feed", params={"limit": 2}, headers=_auth(world.world_key) |
                       {"If-None-Match": first.headers["etag"]})
    assert first.status_code == 200 and len(first.json()["items"]) == 2
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]
    report = world.svc.usage.report(world.svc.subscribers.company_for_key(world.world_key).id)
    assert report["by_channel"] == {"feed": 4}  # two items, served twice


def test_keys_revoked_or_missing_and_limits_are_the_routes_answers(client: TestClient, world: World) -> None:
    company = world.svc.subscribers.company_for_key(world.world_key)
    key = world.svc.subscribers.create_api_key(company.id)
    assert client.get("/v1/feed", headers=_auth(key.secret)).status_code == 200
    world.svc.subscribers.revoke_api_key(key.key.id)
    gone = client.get("/v1/feed", headers=_auth(key.secret))
    assert gone.status_code == 401 and "revoked" in gone.text  # at once on the node that revoked it
    assert client.get("/v1/feed").status_code == 401
    world.svc.limiter.burst = world.svc.limiter.rate = 0.001  # nothing left for anyone
    limited = client.get("/v1/feed", headers=_auth(world.world_key))
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_a_key_is_good_only_for_its_scopes(client: TestClient, world: World) -> None:
    company = world.svc.subscribers.company_for_key(world.world_key)
    streamer = world.svc.subscribers.create_api_key(company.id, scopes=["stream"]).secret
    reader = world.svc.subscribers.create_api_key(company.id, scopes=["feed", "items"]).secret
    guid = world.publish("Scoped story", "World")
    refused = client.get("/v1/feed", headers=_auth(streamer))  # the fast path hands it to the route
    assert refused.status_code == 403 and "'feed'" in refused.text and "stream" in refused.text
    assert client.get("/v1/search", params={"q": "scoped"}, headers=_auth(reader)).status_code == 403
    assert client.get(f"/v1/items/{guid}", headers=_auth(streamer)).status_code == 403
    assert client.get("/v1/feed", headers=_auth(reader)).status_code == 200
    assert client.get(f"/v1/items/{guid}", headers=_auth(reader)).status_code == 200
    assert client.get("/v1/quota", headers=_auth(streamer)).status_code == 200  # any key may ask
    bad = client.post(f"/v1/admin/companies/{company.id}/keys", json={"scopes": ["everything"]},
                      headers=_auth(world.world_key))
    assert bad.status_code in (401, 403)  # a subscriber key is no admin

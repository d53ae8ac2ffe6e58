"""Kill means kill on every node: two `newsflow serve` processes on one PostgreSQL database, woken by
NATS JetStream (tests/test_multinode.py's cluster, the log poll set to 30 s). Node B keeps its public
pages in memory; a story killed through node A leaves B's home page, section, search, feed and story
page within the bus's latency — far under the poll, so only the bus explains it."""

from __future__ import annotations

import time

import httpx

from tests.test_multinode import cluster, nats_url, receiver  # noqa: F401  (the shared fixtures)

ADDRESSES = ("/", "/category/Harbour", "/search?q=lighthouse", "/feed.atom", "/feed.json")


def test_a_public_story_killed_on_node_a_leaves_every_public_page_of_node_b_at_once(
        cluster: dict[str, str]) -> None:  # noqa: F811
    staff = {"Authorization": f"Bearer {cluster['token']}"}
    a, b = cluster["a"], cluster["b"]
    guid = httpx.post(a + "/v1/newsroom/stories", headers=staff, json={
        "headline": "Lighthouse keeper found", "categories": ["Harbour"], "public": True}).json()["guid"]
    assert httpx.post(f"{a}/v1/newsroom/stories/{guid}/publish", headers=staff).status_code == 201
    deadline = time.monotonic() + 5
    while "Lighthouse keeper found" not in httpx.get(b + "/").text:  # the publish reached B by the bus too
        assert time.monotonic() < deadline, "the publish did not reach node B within 5 s (the poll is 30 s)"
        time.sleep(0.05)
    story = httpx.get(f"{b}/news/{guid}", follow_redirects=False).headers["location"]
    for _ in range(2):  # rendered, then answered from memory
        for path in (*ADDRESSES, story):
            page = httpx.get(b + path)
            assert page.status_code == 200 and "Lighthouse keeper found" in page.text, path
    killed = time.monotonic()
    assert httpx.post(f"{a}/v1/newsroom/stories/{guid}/kill", headers=staff,
                      json={"reason": "Wrong man"}).status_code == 201
    left: dict[str, float] = {}
    while len(left) < len(ADDRESSES) + 1 and time.monotonic() - killed < 5:
        for path in ADDRESSES:
            if path not in left and "Lighthouse keeper found" not in httpx.get(b + path).text:
                left[path] = time.monotonic() - killed
        if story not in left and httpx.get(b + story).status_code == 410:
            left[story] = time.monotonic() - killed
        time.sleep(0.02)
    assert set(left) == {*ADDRESSES, story}, left
    assert max(left.values()) < 5, left  # the log poll is 30 s: only the NATS wake-up explains this

"""Two nodes on one database, no bus between them (each has its own in-process bus): node B's public
pages, answered from memory, still follow what node A writes within the follower's look at the log
(NEWSFLOW_LOG_POLL_EVERY, 1 s) — the safety net when a wake-up is lost. The NATS case, where the bus
alone explains the speed, is tests/test_public_multinode.py."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsflow.config import Settings
from newsflow.model import Story, StoryVersion
from newsflow.services import Services
from newsflow.web.app import create_app

POLL = 1.0


@pytest.fixture
def node_b(services: Services, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "b", database_url=database_url, media_dir=tmp_path / "b" / "media",
                        demo=False, log_poll_every=POLL)
    other = Services.open(settings, migrate=False)
    assert other.bus is not services.bus
    with TestClient(create_app(other)) as client:
        yield client
    other.close()


def publish(svc: Services, headline: str) -> StoryVersion:
    record = svc.newsroom.create(Story(headline=headline, categories=["Harbour"], public=True))
    return svc.newsroom.publish(record.guid)


def within(seconds: float, check: Callable[[], bool]) -> float:
    """How long until `check()` holds; fails after `seconds`."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_without_a_bus_message_the_log_poll_drops_the_pages_within_about_a_second(
        services: Services, node_b: TestClient) -> None:
    kept = publish(services, "Harbour pilot boards")
    # B renders its pages once its follower has read the story's event, and keeps them
    other: Services = node_b.app.state.services  # type: ignore[attr-defined]
    written = services.store.last_seq()
    within(3 * POLL, lambda: other.follower.last_seq >= written)
    story = node_b.get(f"/news/{kept.guid}", follow_redirects=False).headers["location"]
    addresses = ["/", "/category/Harbour", "/search?q=pilot", "/feed.atom", story]
    assert all(kept.headline in node_b.get(a).text for a in addresses)
    pages = node_b.app.state.public_pages  # type: ignore[attr-defined]
    shown = other.public.snapshot()
    assert all(node_b.get(a).status_code == 200 for a in addresses)
    assert other.public.snapshot() is shown and len(pages._held) >= len(addresses)  # answered from memory
    services.newsroom.kill(kept.guid, "Wrong ship")  # on node A: nothing wakes B but its look at the log
    waited = within(3 * POLL, lambda: kept.headline not in node_b.get("/").text)
    assert all(kept.headline not in node_b.get(a).text for a in addresses[1:4])
    assert node_b.get(story).status_code == 410
    added = publish(services, "Harbour tug returns")
    waited = max(waited, within(3 * POLL, lambda: added.headline in node_b.get("/category/Harbour").text))
    assert waited < 3 * POLL

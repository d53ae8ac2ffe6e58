"""One company never gets another's stories, on any channel.

Random companies (random product sets, some allowed embargoed copy, some inactive) and random stories
(a category each, some under embargo); for every company, every channel — feed, item, search hits and
facet counts, queue, Atom, stream, webhooks — gives exactly the stories an independent oracle allows:
the story's category is in one of the company's products, the company is active, and an embargo is
either passed or the company may receive embargoed copy.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.model import Story, utcnow
from newsflow.services import Services
from newsflow.wire.stream import StreamHub

CATEGORIES = ["World", "Sport", "Economy", "Culture"]
_examples = itertools.count(1)


@dataclass
class Company:
    id: str
    key: str
    categories: set[str]
    embargoed_copy: bool
    active: bool
    product_ids: list[int]
    endpoint_id: str


companies_st = st.lists(st.tuples(st.sets(st.sampled_from(CATEGORIES), max_size=3), st.booleans(),
                                  st.sampled_from([True, True, True, False])),
                        min_size=2, max_size=4)
stories_st = st.lists(st.tuples(st.sampled_from(CATEGORIES), st.booleans()), min_size=1, max_size=6)


def _oracle(company: Company, category: str, embargoed: bool) -> bool:
    return company.active and category in company.categories and (not embargoed or company.embargoed_copy)


def _guids_of_items(items: list[dict[str, Any]]) -> set[str]:
    return {i["item"]["uri"].rsplit("/", 1)[-1] for i in items}


async def _streamed(svc: Services, companies: list[Company], events: list[Any]) -> dict[str, bytes]:
    """Each company's stream connection, fed the example's events by a hub like the node's."""
    hub = StreamHub(svc.store, svc.subscribers.event_products, svc.render_context)
    written: dict[str, list[bytes]] = {c.id: [] for c in companies}

    def socket(company_id: str) -> Any:
        async def send(message: dict[str, Any]) -> None:
            written[company_id].append(message["body"])
        return send

    for c in companies:
        hub.connect(svc.subscribers.access(c.id), "ninjs").go_live(socket(c.id), 0)
    await hub.on_events(events)
    return {cid: b"".join(parts) for cid, parts in written.items()}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(company_specs=companies_st, story_specs=stories_st)
def test_every_channel_gives_each_company_exactly_its_stories(
        client: TestClient, services: Services, company_specs: list[tuple[set[str], bool, bool]],
        story_specs: list[tuple[str, bool]]) -> None:
    svc, subs = services, services.subscribers
    n = next(_examples)
    word = f"isoword{n}x"
    products = {cat: subs.create_product(f"{cat} {n}", {"categories": [cat]}).id for cat in CATEGORIES}
    companies = []
    for i, (cats, embargoed_copy, active) in enumerate(company_specs):
        made = subs.create_company(f"Company {n}-{i}", may_receive_embargoed=embargoed_copy)
        for cat in sorted(cats):
            subs.assign_product(made.id, products[cat])
        key = subs.create_api_key(made.id).secret
        endpoint = svc.webhooks.create_endpoint(made.id, "http://127.0.0.1:9/never-listening").endpoint
        if not active:
            subs.update_company(made.id, active=False)
        companies.append(Company(made.id, key, cats, embargoed_copy, active, [products[c] for c in sorted(cats)],
                                 endpoint.id))
    start = svc.store.last_seq()
    held_until = utcnow() + timedelta(hours=2)
    stories: dict[str, tuple[str, bool]] = {}
    for j, (category, embargoed) in enumerate(story_specs):
        fields: dict[str, Any] = {"headline": f"{word} story {j}", "categories": [category],
                                  "body_html": f"<p>{word} body {j}</p>"}
        if embargoed:
            fields["embargo"] = held_until.isoformat()
        guid = svc.newsroom.create(Story.model_validate(fields)).guid
        svc.newsroom.publish(guid)
        stories[guid] = (category, embargoed)
    events = svc.store.events_after(start, 100)
    streamed = asyncio.run(_streamed(svc, companies, events))
    deadline = time.monotonic() + 20  # the node's webhook planner runs on its own loop
    while svc.webhooks.planned_up_to() < events[-1].seq and time.monotonic() < deadline:
        time.sleep(0.05)

    for c in companies:
        auth = {"Authorization": f"Bearer {c.key}"}
        allowed = {g for g, (cat, emb) in stories.items() if _oracle(c, cat, emb)}
        feed = client.get("/v1/feed", params={"after": start, "limit": 100}, headers=auth)
        assert feed.status_code == 200, feed.text
        assert _guids_of_items(feed.json()["items"]) == allowed, "feed"
        for guid in stories:
            r = client.get(f"/v1/items/{guid}", headers=auth)
            assert r.status_code == (200 if guid in allowed else 404), ("item", guid, r.text)
        found = client.get("/v1/search", params={"q": word}, headers=auth)
        assert found.status_code == 200, found.text
        assert {h["guid"] for h in found.json()["hits"]} == allowed, "search hits"
        counts = {f["value"]: f["count"] for f in found.json()["facets"].get("category", [])}
        expected = {cat: sum(1 for g in allowed if stories[g][0] == cat) for cat in CATEGORIES}
        assert counts == {k: v for k, v in expected.items() if v}, "search facets"
        taken = client.post(f"/v1/queue/iso{n}/take", params={"limit": 100, "start": "earliest"}, headers=auth)
        assert taken.status_code == 200, taken.text
        assert _guids_of_items(taken.json()["items"]) & set(stories) == allowed, "queue"
        for cat, pid in products.items():
            atom = client.get(f"/v1/products/{pid}/atom", params={"key": c.key})
            if cat not in c.categories:
                assert atom.status_code == 403, ("atom", cat)
                continue
            assert atom.status_code == 200
            shown = {g for g in stories if g in atom.text}
            assert shown == {g for g in allowed if stories[g][0] == cat}, ("atom", cat)
        frames = streamed[c.id].decode()
        sent = {json.loads(line[6:])["uri"].rsplit("/", 1)[-1] for line in frames.splitlines()
                if line.startswith("data: ")}
        assert sent == allowed, "stream"
        planned = {d.guid for d in svc.webhooks.deliveries(c.endpoint_id, limit=1000)}
        assert planned == allowed, "webhooks"

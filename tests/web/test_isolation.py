"""One company never gets another's stories, on any channel, live or by replay — decided per version.

Random companies (random product sets, some allowed embargoed copy, some inactive) and random story
histories: a story is published in one category (some under an embargo that is later lifted, some
under one still pending), then updated or corrected into other categories, and perhaps killed. Every
channel — live stream, stream replay from the first seq, pull feed, server-held queue, item, search
hits and facet counts, Atom, webhooks — must give each company exactly what an independent oracle
allows, each version once:

- a version's copy goes to a company whose products cover that version (its category), is active,
  and may hold embargoed copy or gets it with the lift, never both;
- a company that had the previous version's copy and is not covered for the new one gets a
  withdrawal notice (no copy);
- a kill goes to every company any version reached, and after it no replay hands out the story's
  earlier text.

A last company is made after the whole log, with products made after it too: once their archive runs
end (newsflow.wire.archive) it must get by replay exactly what the oracle gives a company that had them
from the start, and nothing on the live stream or webhooks.

Each version's body carries a word of its own, so a leak of any version's text is seen wherever it
appears. The oracle is written from the rules above, not from the code (docs/security.md).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsflow.model import Event, EventKind, Story, utcnow
from newsflow.services import Services
from newsflow.wire import archive
from newsflow.wire.archive import stamp_product
from newsflow.wire.entitlement import WITHDRAWN_HEADLINE
from newsflow.wire.feed import forget_stamps
from newsflow.wire.stream import StreamHub
from tests.helpers import lift_due_embargoes, live_server, sse_frames, sse_replay

CATEGORIES = ["World", "Sport", "Economy", "Culture"]
_examples = itertools.count(1)

Delivery = tuple[str, int, str]  # (guid, version, "copy" | "notice" | "kill")


@dataclass
class Company:
    id: str
    key: str
    categories: set[str]
    embargoed_copy: bool
    active: bool
    endpoint_id: str
    late: bool = False  # made after the log, with products made after it: it has the archive only


@dataclass
class Story_:
    guid: str
    embargo: str  # "none", "lifted" (published under an embargo since lifted) or "pending"
    categories: dict[int, str] = field(default_factory=dict)  # version → category
    killed: int | None = None  # the kill's version


companies_st = st.lists(st.tuples(st.sets(st.sampled_from(CATEGORIES), max_size=3), st.booleans(),
                                  st.sampled_from([True, True, True, False])),
                        min_size=2, max_size=4)
ops_st = st.lists(st.tuples(st.sampled_from(["update", "correct"]), st.sampled_from(CATEGORIES)), max_size=3)
stories_st = st.lists(st.tuples(st.sampled_from(CATEGORIES), st.sampled_from(["none", "none", "lifted", "pending"]),
                                ops_st, st.booleans()),
                      min_size=1, max_size=5)


# ---- the oracle ---------------------------------------------------------------------------------

def _what(c: Company, story: Story_, event: Event) -> str | None:
    """What one event should bring company `c` (None: nothing)."""
    if not c.active:
        return None
    if event.kind == EventKind.kill:
        return "kill" if set(story.categories.values()) & c.categories else None
    category = story.categories[event.version]
    held_back = story.embargo != "none" and event.version == 1 and not c.embargoed_copy
    if event.kind == EventKind.embargo_lift:
        return "copy" if category in c.categories and not c.embargoed_copy else None
    if category in c.categories:
        return None if held_back else "copy"
    before = [v for v in story.categories if v < event.version]
    return "notice" if before and story.categories[max(before)] in c.categories else None


def _expected(c: Company, stories: dict[str, Story_], events: list[Event], *, replay: bool) -> list[Delivery]:
    out = []
    for event in events:
        story = stories[event.guid]
        if replay and story.killed is not None and event.kind != EventKind.kill:
            continue  # a kill takes the story's earlier events out of every replay
        what = _what(c, story, event)
        if what is not None:
            out.append((event.guid, event.version, what))
    return out


def _delivery(item: dict[str, Any]) -> Delivery:
    guid = item["uri"].rsplit("/", 1)[-1]
    if item["pubstatus"] == "usable":
        return guid, int(item["version"]), "copy"
    return guid, int(item["version"]), "notice" if item["headlines"][0]["value"] == WITHDRAWN_HEADLINE else "kill"


def _token(word: str, j: int, version: int) -> str:
    return f"{word}s{j}v{version}z"


# ---- reading the channels ------------------------------------------------------------------------

@pytest.fixture
def node(services: Services) -> Iterator[tuple[Services, str]]:
    with live_server(services) as base:
        yield services, base


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(company_specs=companies_st, story_specs=stories_st,
       late_spec=st.tuples(st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=3), st.booleans()))
# The three histories issue 9 found broken, always tried first (each fails on commit 599ed6f):
# item 2, a kill does not reach the log's past (a replay from seq 0 handed out the withdrawn text);
@example(company_specs=[({"World"}, False, True), (set(), False, True)],
         story_specs=[("World", "none", [("update", "World")], True)], late_spec=({"World"}, False))
# item 3, a correction reached a company whose product the story had left;
@example(company_specs=[({"Sport"}, False, True), ({"World"}, False, True)],
         story_specs=[("Sport", "none", [("update", "World"), ("correct", "World")], False)],
         late_spec=({"Sport"}, False))
# item 6, embargoed copy arrived twice for a reader of the log after the lift.
@example(company_specs=[({"World"}, False, True), ({"World"}, True, True)],
         story_specs=[("World", "lifted", [], False)], late_spec=({"World"}, True))
def test_every_channel_gives_each_company_exactly_its_versions_live_and_by_replay(
        node: tuple[Services, str], company_specs: list[tuple[set[str], bool, bool]],
        story_specs: list[tuple[str, str, list[tuple[str, str]], bool]],
        late_spec: tuple[set[str], bool]) -> None:
    svc, base = node
    subs = svc.subscribers
    n = next(_examples)
    word = f"isoword{n}x"
    # Products reach back over the archive, so each example's match only its own stories (a dossier).
    dossier = f"Iso {n}"
    products = {cat: subs.create_product(f"{cat} {n}", {"categories": [cat], "dossiers": [dossier]}).id
                for cat in CATEGORIES}
    companies = []
    for i, (cats, embargoed_copy, active) in enumerate(company_specs):
        made = subs.create_company(f"Company {n}-{i}", may_receive_embargoed=embargoed_copy)
        for cat in sorted(cats):
            subs.assign_product(made.id, products[cat])
        key = subs.create_api_key(made.id).secret
        endpoint = svc.webhooks.create_endpoint(made.id, "http://127.0.0.1:9/never-listening").endpoint
        if not active:
            subs.update_company(made.id, active=False)
        companies.append(Company(made.id, key, cats, embargoed_copy, active, endpoint.id))

    # A hub like the node's, fed each event as it is written: what live connections receive.
    hub = StreamHub(svc.store, subs.event_reach, svc.render_context)
    live: dict[str, list[bytes]] = {c.id: [] for c in companies}

    def socket(company_id: str) -> Any:
        async def send(message: dict[str, Any]) -> None:
            live[company_id].append(message["body"])
        return send

    loop = asyncio.new_event_loop()
    seen = [svc.store.last_seq()]
    start = seen[0]

    def written() -> None:
        batch = svc.store.events_after(seen[-1], 100)
        if batch:
            loop.run_until_complete(hub.on_events(batch))
            seen.append(batch[-1].seq)

    async def connect() -> None:
        for c in companies:
            hub.connect(subs.access(c.id), "ninjs").go_live(socket(c.id), start)
    loop.run_until_complete(connect())

    now = utcnow()
    stories: dict[str, Story_] = {}
    desk = svc.newsroom
    for j, (category, embargo, ops, kill) in enumerate(story_specs):
        fields: dict[str, Any] = {"headline": f"{word} story {j}", "categories": [category], "dossier": dossier,
                                  "spot": _token(word, j, 1), "body_html": f"<p>{_token(word, j, 1)}</p>"}
        when = None
        if embargo == "lifted":  # written two hours ago under an embargo that ended an hour ago
            fields["embargo"], when = (now - timedelta(hours=1)).isoformat(), now - timedelta(hours=2)
        elif embargo == "pending":
            fields["embargo"] = (now + timedelta(hours=2)).isoformat()
        guid = desk.create(Story.model_validate(fields)).guid
        story = stories[guid] = Story_(guid, embargo, {1: category})
        desk.publish(guid, now=when)
        written()
        if embargo == "lifted":
            lift_due_embargoes(svc)  # (or the node's own embargo task did)
            written()
        if embargo == "pending":
            continue  # (a kill under a pending embargo keeps it: not part of this history)
        for action, new_category in ops:
            version = max(story.categories) + 1
            desk.edit(guid, {"categories": [new_category], "spot": _token(word, j, version),
                             "body_html": f"<p>{_token(word, j, version)}</p>"})
            if action == "update":
                desk.update(guid)
            else:
                desk.correct(guid, f"corrected into {new_category}")
            story.categories[version] = new_category
            written()
        if kill:
            story.killed = desk.kill(guid, "Legal advice").version
            written()
    events = [e for e in svc.store.events_after(start, 1000) if e.guid in stories]
    loop.close()

    # A company given products made after the whole log: once their archive runs end it gets exactly
    # what a company that had them from the start gets by replay — and nothing down live channels.
    cats, embargoed_copy = late_spec
    late = subs.create_company(f"Company {n}-late", may_receive_embargoed=embargoed_copy)
    endpoint = svc.webhooks.create_endpoint(late.id, "http://127.0.0.1:9/never-listening").endpoint
    for cat in sorted(cats):
        made = subs.create_product(f"{cat} {n} late", {"categories": [cat], "dossiers": [dossier]})
        subs.assign_product(late.id, made.id)
        stamp_product(svc.store, made.id)  # None when the node's own stamper took it: wait for that
        deadline = time.monotonic() + 30
        while archive.progress(svc.store, [made.id])[made.id].finished is None:
            assert time.monotonic() < deadline, "the archive run did not end"
            time.sleep(0.05)
    assert svc.store.last_seq() == events[-1].seq, "an archive run writes no event"
    companies.append(Company(late.id, subs.create_api_key(late.id).secret, cats, embargoed_copy, True,
                             endpoint.id, late=True))
    forget_stamps(svc.store)  # (the node's stamper does this too, within its next second)
    deadline = time.monotonic() + 20  # the node's webhook planner runs on its own loop
    while svc.webhooks.planned_up_to() < events[-1].seq and time.monotonic() < deadline:
        time.sleep(0.05)

    tokens = {(guid, v): _token(word, j, v) for j, guid in enumerate(stories) for v in stories[guid].categories}
    http = httpx.Client(base_url=base, timeout=30)
    for c in companies:
        auth = {"Authorization": f"Bearer {c.key}"}
        replay = _expected(c, stories, events, replay=True)
        as_live = _expected(c, stories, events, replay=False)
        copies = {(g, v) for g, v, what in replay if what == "copy"}
        allowed_tokens = {tokens[k] for k in copies}
        where = f"company {c}"

        # live: every event as it happened; replay: the log read afresh from the first seq
        live_frames = [_delivery(f) for f in sse_frames(b"".join(live.get(c.id, [])))]
        assert live_frames == ([] if c.late else as_live), ("live stream", where)
        feed = http.get("/v1/feed", params={"after": 0, "limit": 100}, headers=auth)
        assert feed.status_code == 200, feed.text
        assert [_delivery(i["item"]) for i in feed.json()["items"]] == replay, ("feed replay", where)
        taken = http.post(f"/v1/queue/iso{n}/take", params={"limit": 100, "start": "earliest"}, headers=auth)
        assert taken.status_code == 200, taken.text
        got = [_delivery(i["item"]) for i in taken.json()["items"]]
        assert got == replay, ("queue replay from the earliest", where)
        # (a company's products are this example's own, so from seq 0 it sees only this example's events)
        streamed = sse_replay(httpx.Client(base_url=base, timeout=30), "/v1/stream",
                              {"Authorization": f"Bearer {c.key}", "Last-Event-ID": "0"}, len(replay))
        assert [_delivery(f) for f in streamed] == replay, ("stream replay from 0", where)

        # by id: the latest copy, the notice (410) or nothing (404)
        for guid, story in stories.items():
            r = http.get(f"/v1/items/{guid}", headers=auth)
            mine = [d for d in replay if d[0] == guid]
            latest = mine[-1] if mine else None
            if latest is None or (story.killed is None and latest[1] != max(story.categories)):
                assert r.status_code == 404, ("item", guid, r.text, where)
            elif latest[2] == "copy":
                assert r.status_code == 200 and r.json()["version"] == str(latest[1]), ("item", guid, where)
            else:
                assert r.status_code == 410, ("item", guid, r.text, where)
            for version in story.categories:  # an earlier version of a killed story is never served
                old = http.get(f"/v1/items/{guid}", params={"version": version}, headers=auth)
                if story.killed is not None:
                    assert old.status_code in (404, 410), ("old item after kill", guid, version, where)

        searchable = {g for g, v in copies if stories[g].killed is None and v == max(stories[g].categories)
                      and (stories[g].embargo != "pending" or c.embargoed_copy)}
        found = http.get("/v1/search", params={"q": word}, headers=auth)
        assert found.status_code == 200, found.text
        assert {h["guid"] for h in found.json()["hits"]} == searchable, ("search hits", where)
        counts = {f["value"]: f["count"] for f in found.json()["facets"].get("category", [])}
        expected = {cat: sum(1 for g in searchable if stories[g].categories[max(stories[g].categories)] == cat)
                    for cat in CATEGORIES}
        assert counts == {k: v for k, v in expected.items() if v}, ("search facets", where)

        for cat, pid in products.items():
            atom = http.get(f"/v1/products/{pid}/atom", params={"key": c.key})
            if cat not in c.categories or c.late:  # (the late company holds products of its own)
                assert atom.status_code == 403, ("atom", cat, where)
                continue
            assert atom.status_code == 200
            leaked = {t for t in tokens.values() if t in atom.text} - allowed_tokens
            assert not leaked, ("atom", cat, leaked, where)

        planned = [(d.guid, d.version) for d in svc.webhooks.deliveries(c.endpoint_id, limit=1000)
                   if d.guid in stories]
        if c.late:
            assert planned == [], ("webhooks: the archive is never pushed", where)
            continue
        # planned as the events came (so between the live and the replayed answer), never beyond
        assert {(g, v) for g, v, _ in replay} <= set(planned) <= {(g, v) for g, v, _ in as_live}, ("webhooks", where)
    http.close()

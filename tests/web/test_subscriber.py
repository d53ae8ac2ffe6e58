"""The subscriber's pull API and live stream: only what the company's products cover, cursors that
never skip or repeat, long-polls that return at once, SSE that resumes with nothing missed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.model import Story, utcnow
from newsflow.services import Services
from tests.helpers import live_server


@dataclass
class World:
    svc: Services
    world_key: str  # company A: the World product
    sports_key: str  # company B: the Sports product
    embargo_key: str  # company C: World, may receive embargoed copy
    world_product: int

    def publish(self, headline: str, category: str, **fields: object) -> str:
        desk = self.svc.newsroom
        guid = desk.create(Story.model_validate({"headline": headline, "categories": [category], **fields})).guid
        desk.publish(guid)
        return guid


def _setup(svc: Services) -> World:
    subs = svc.subscribers
    world = subs.create_product("World desk", {"categories": ["World"]})
    sports = subs.create_product("Sports desk", {"categories": ["Sports"]})
    keys = []
    for name, product, embargoed in (("Daily A", world, False), ("Sports B", sports, False),
                                     ("Wire C", world, True)):
        company = subs.create_company(name, may_receive_embargoed=embargoed)
        subs.assign_product(company.id, product.id)
        keys.append(subs.create_api_key(company.id, label="tests").secret)
    return World(svc, *keys, world_product=world.id)


@pytest.fixture
def world(services: Services) -> World:
    return _setup(services)


def _headline(item: dict) -> str:
    return item["headlines"][0]["value"]  # ninjs 2.2 and 3.x: the main headline


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _feed(client: TestClient, key: str, **params: object) -> dict:
    r = client.get("/v1/feed", params=params, headers=_auth(key))
    assert r.status_code == 200, r.text
    return r.json()


def test_feed_holds_only_what_the_company_subscribes_to(client: TestClient, world: World) -> None:
    a = world.publish("Summit opens in Lisbon", "World")
    world.publish("Cup final goes to penalties", "Sports")
    b = world.publish("Talks stall at summit", "World")
    page = _feed(client, world.world_key)
    assert [_headline(i["item"]) for i in page["items"]] == ["Summit opens in Lisbon", "Talks stall at summit"]
    assert [i["event"] for i in page["items"]] == ["publish", "publish"]
    assert page["count"] == 2 and page["cursor"] == page["items"][-1]["seq"]
    sports = _feed(client, world.sports_key)
    assert [_headline(i["item"]) for i in sports["items"]] == ["Cup final goes to penalties"]
    # the next page after the cursor is empty; a new event appears there
    assert _feed(client, world.world_key, after=page["cursor"])["items"] == []
    world.svc.newsroom.kill(a, "Wrong venue")
    after = _feed(client, world.world_key, after=page["cursor"])
    assert [(i["event"], i["item"]["pubstatus"]) for i in after["items"]] == [("kill", "canceled")]
    assert b  # published, listed above
    three = _feed(client, world.world_key, format="ninjs3")
    assert three["items"][0]["item"]["standard"]["version"].startswith("3")


def test_keys_and_bad_requests(client: TestClient, world: World) -> None:
    assert client.get("/v1/feed").status_code == 401
    r = client.get("/v1/feed", headers=_auth("nfk_not-a-key"))
    assert r.status_code == 401 and "invalid" in r.json()["error"]
    r = client.get("/v1/feed", params={"after": "yesterday"}, headers=_auth(world.world_key))
    assert r.status_code == 422 and "after" in r.json()["error"]
    r = client.get("/v1/feed", params={"format": "nitf"}, headers=_auth(world.world_key))
    assert r.status_code == 422 and "nitf" in r.json()["error"]
    r = client.get("/v1/feed", params={"products": "999"}, headers=_auth(world.world_key))
    assert r.status_code == 403 and "999" in r.json()["error"]
    r = client.get("/v1/feed", params={"products": "x,y"}, headers=_auth(world.world_key))
    assert r.status_code == 422
    key = world.svc.subscribers.list_api_keys()[0]
    world.svc.subscribers.revoke_api_key(key.id)
    assert client.get("/v1/feed", headers=_auth(world.world_key)).status_code == 401


def test_products_and_quota(client: TestClient, world: World) -> None:
    mine = client.get("/v1/products", headers=_auth(world.world_key)).json()
    assert [p["name"] for p in mine] == ["World desk"] and mine[0]["filter"]["categories"] == ["World"]
    quota = client.get("/v1/quota", headers=_auth(world.world_key)).json()
    assert quota["limit_per_minute"] == 1200 and 0 < quota["remaining"] <= quota["burst"]


def test_rate_limit_answers_429_with_retry_after(client: TestClient, world: World) -> None:
    from newsflow.web.ratelimit import RateLimiter

    world.svc.limiter = RateLimiter(per_minute=60, burst=3)
    codes = [client.get("/v1/quota", headers=_auth(world.world_key)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = client.get("/v1/quota", headers=_auth(world.world_key))
    assert int(r.headers["retry-after"]) >= 1 and "rate limit" in r.json()["error"]
    # another key has its own bucket
    assert client.get("/v1/quota", headers=_auth(world.sports_key)).status_code == 200


def test_embargo_goes_only_to_companies_allowed_it_until_the_lift(client: TestClient, world: World) -> None:
    until = utcnow() + timedelta(seconds=2)
    world.publish("Budget figures", "World", embargo=until.isoformat())
    assert _feed(client, world.world_key)["items"] == []
    held = _feed(client, world.embargo_key)["items"]
    assert [(i["event"], i["item"]["embargoed"][:19]) for i in held] == [("publish", until.isoformat()[:19])]
    cursor = _feed(client, world.world_key)["cursor"]
    time.sleep(max(0.0, (until - utcnow()).total_seconds()) + 0.05)
    world.svc.newsroom.lift_embargoes()  # the server's task does this every second; here at once
    lifted = _feed(client, world.world_key, after=cursor)["items"]
    assert [i["event"] for i in lifted] == ["embargo_lift"]
    assert _headline(lifted[0]["item"]) == "Budget figures"


def test_long_poll_returns_as_soon_as_an_event_arrives(client: TestClient, world: World) -> None:
    cursor = _feed(client, world.world_key)["cursor"]
    timer = threading.Timer(0.5, world.publish, args=("Late news", "World"))
    started = time.monotonic()
    timer.start()
    page = _feed(client, world.world_key, after=cursor, wait=10)
    elapsed = time.monotonic() - started
    assert [_headline(i["item"]) for i in page["items"]] == ["Late news"]
    assert 0.4 < elapsed < 5
    started = time.monotonic()
    assert _feed(client, world.world_key, after=page["cursor"], wait=0.5)["items"] == []
    assert time.monotonic() - started >= 0.45


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.lists(st.tuples(st.sampled_from(["World", "Sports", "Culture"]), st.integers(1, 4)),
                     min_size=1, max_size=12))
def test_pages_never_skip_or_repeat_while_publishing_goes_on(client: TestClient, world: World,
                                                             plan: list[tuple[str, int]]) -> None:
    start = _feed(client, world.world_key, limit=100)
    cursor, seen = start["cursor"], []
    published = []
    for n, (category, page_size) in enumerate(plan):
        guid = world.publish(f"story {n}", category)
        if category == "World":
            published.append(guid)
        page = _feed(client, world.world_key, after=cursor, limit=page_size)
        seen += [i["item"]["uri"].rsplit("/", 1)[-1] for i in page["items"]]
        cursor = page["cursor"]
    while True:
        page = _feed(client, world.world_key, after=cursor, limit=3)
        if not page["items"]:
            break
        seen += [i["item"]["uri"].rsplit("/", 1)[-1] for i in page["items"]]
        cursor = page["cursor"]
    assert seen == published


# ---- the live stream, over real HTTP ---------------------------------------------------------------

@pytest.fixture
def server(world: World) -> Iterator[str]:
    with live_server(world.svc) as url:
        yield url


def _events(response: httpx.Response, count: int, timeout: float = 10) -> list[dict]:
    out: list[dict] = []
    current: dict = {}
    deadline = time.monotonic() + timeout
    for line in response.iter_lines():
        if time.monotonic() > deadline:
            break
        if line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])
        elif line == "" and "id" in current:
            out.append(current)
            current = {}
            if len(out) == count:
                break
    return out


def test_stream_delivers_entitled_events_live_and_resumes_after_a_drop(server: str, world: World) -> None:
    with httpx.Client(timeout=15) as http:
        with http.stream("GET", server + "/v1/stream", headers=_auth(world.world_key)) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            threading.Timer(0.3, lambda: (world.publish("Not for A", "Sports"),
                                          world.publish("Breaking for A", "World"))).start()
            [first] = _events(response, 1)
        assert first["event"] == "publish" and _headline(first["data"]) == "Breaking for A"
        # while disconnected, two more stories go out; reconnecting with Last-Event-ID brings both
        world.publish("Missed one", "World")
        world.publish("Missed two", "World")
        with http.stream("GET", server + "/v1/stream", headers=_auth(world.world_key)
                         | {"Last-Event-ID": str(first["id"])}) as response:
            threading.Timer(0.3, world.publish, args=("Live again", "World")).start()
            got = _events(response, 3)
    assert [_headline(e["data"]) for e in got] == ["Missed one", "Missed two", "Live again"]
    assert [e["id"] for e in got] == sorted({e["id"] for e in got})


def test_stream_refuses_bad_requests(server: str, world: World) -> None:
    assert httpx.get(server + "/v1/stream").status_code == 401
    r = httpx.get(server + "/v1/stream", headers=_auth(world.world_key) | {"Last-Event-ID": "abc"})
    assert r.status_code == 422 and "Last-Event-ID" in r.json()["error"]
    assert httpx.get(server + "/v1/stream", params={"format": "pdf"}, headers=_auth(world.world_key)).status_code == 422


def test_items_by_key_only_within_products_and_kills_answer_410(client: TestClient, world: World) -> None:
    mine = world.publish("Port strike ends", "World")
    theirs = world.publish("Derby postponed", "Sports")
    r = client.get(f"/v1/items/{mine}", params={"format": "text"}, headers=_auth(world.world_key))
    assert r.status_code == 200 and "Port strike ends" in r.text
    denied = client.get(f"/v1/items/{theirs}", headers=_auth(world.world_key))
    missing = client.get("/v1/items/20990101-0000000000000000", headers=_auth(world.world_key))
    assert denied.status_code == missing.status_code == 404  # not yours looks like not there
    assert "Derby" not in denied.text
    world.svc.newsroom.kill(mine, "Strike not over")
    gone = client.get(f"/v1/items/{mine}", headers=_auth(world.world_key))
    assert gone.status_code == 410 and gone.json()["reason"] == "Strike not over"
    assert "withdrawn" in gone.json()["notice"]
    old = client.get(f"/v1/items/{mine}", params={"version": 1}, headers=_auth(world.world_key))
    assert old.status_code == 410  # no version of a killed story may be used any more


def test_atom_and_rss_per_product_with_the_key_in_the_url(client: TestClient, world: World) -> None:
    from lxml import etree

    world.publish("Harbour reopens", "World", spot="Ferries sail again", body_html="<p>Six ferries left.</p>")
    world.publish("Derby postponed", "Sports")
    gone = world.publish("Retracted claim", "World")
    world.svc.newsroom.kill(gone, "Unverified")
    pid = world.world_product
    atom = client.get(f"/v1/products/{pid}/atom", params={"key": world.world_key})
    assert atom.status_code == 200 and atom.headers["content-type"] == "application/atom+xml"
    root = etree.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [t.text for t in root.findall("a:entry/a:title", ns)] == ["Harbour reopens"]
    assert root.find("a:entry/a:summary", ns).text == "Ferries sail again"
    assert "Six ferries left." in root.find("a:entry/a:content", ns).text
    rss = client.get(f"/v1/products/{pid}/rss", params={"key": world.world_key})
    channel = etree.fromstring(rss.content).find("channel")
    assert [t.text for t in channel.findall("item/title")] == ["Harbour reopens"]
    # the feed parser of our own ingest reads both back
    from newsflow.formats import feeds as feed_format

    assert [v.headline for v in feed_format.parse(atom.content, "atom")] == ["Harbour reopens"]
    assert [v.headline for v in feed_format.parse(rss.content, "rss")] == ["Harbour reopens"]
    assert client.get(f"/v1/products/{pid}/atom", params={"key": world.sports_key}).status_code == 403
    assert client.get(f"/v1/products/{pid}/atom", params={"key": "nfk_bad"}).status_code == 401
    assert client.get(f"/v1/products/{pid}/json", params={"key": world.world_key}).status_code == 404
    again = client.get(f"/v1/products/{pid}/atom", params={"key": world.world_key},
                       headers={"If-None-Match": atom.headers["etag"]})
    assert again.status_code == 304


def test_admin_api_usage_report_and_delivery_explanation(client: TestClient, world: World,
                                                         services: Services) -> None:
    boss = services.store.create_user(email="admin@example.org", name="Ad Min", role="admin")
    h = {"Authorization": f"Bearer {services.store.create_token(boss.id)}"}
    editor = services.store.create_user(email="ed2@example.org", name="Ed", role="editor")
    assert client.get("/v1/admin/companies", headers={
        "Authorization": f"Bearer {services.store.create_token(editor.id)}"}).status_code == 403
    company = client.post("/v1/admin/companies", headers=h, json={"name": "Evening Post"}).json()
    product = client.post("/v1/admin/products", headers=h, json={
        "name": "Culture", "filter": {"categories": ["Culture"]}}).json()
    bad = client.post("/v1/admin/products", headers=h, json={"name": "Bad", "filter": {"urgency_max": 12}})
    assert bad.status_code == 422 and "urgency_max" in bad.json()["error"]
    assert client.put(f"/v1/admin/companies/{company['id']}/products/{product['id']}", headers=h).status_code == 204
    key = client.post(f"/v1/admin/companies/{company['id']}/keys", headers=h, json={"label": "cms"}).json()
    assert key["secret"].startswith("nfk_")
    assert "secret" not in client.get("/v1/admin/keys", headers=h, params={"company": company["id"]}).json()[0]

    story = world.publish("Opera house reopens", "Culture")
    other = world.publish("Border talks", "World")
    page = _feed(client, key["secret"])  # the new key reads the feed
    assert [_headline(i["item"]) for i in page["items"]] == ["Opera house reopens"]

    why = client.get("/v1/admin/explain", headers=h, params={"guid": story, "company": company["id"]}).json()
    assert why["delivered"] is True and why["deliveries"][0]["channel"] == "feed"
    assert why["announcements"][0]["allowed"] is True
    why_not = client.get("/v1/admin/explain", headers=h, params={"guid": other, "company": company["id"]}).json()
    assert why_not["delivered"] is False and why_not["summary"] == "not entitled: no matching product"
    report = client.get(f"/v1/admin/companies/{company['id']}/usage", headers=h).json()
    assert report["by_channel"] == {"feed": 1} and list(report["per_day"].values()) == [{"feed": 1}]
    client.post(f"/v1/admin/keys/{key['id']}/revoke", headers=h)
    assert client.get("/v1/feed", headers=_auth(key["secret"])).status_code == 401
    assert client.get("/v1/admin/companies/nope", headers=h).status_code == 404

"""GET /v1/search over the app, on SQLite and PostgreSQL: hits with snippets and items, facets, filters,
keys, embargo and kills, 422s that name the parameter, ETags, and — as a property — hits and facet
counts that are exactly what `wire.entitlement.may_see` lets each company see."""

# Turkish text is full of the dotless i, which RUF001 takes for a confusable Latin i.
# ruff: noqa: RUF001

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from newsflow.model import PubStatus, Story, StoryVersion, utcnow
from newsflow.services import Services
from newsflow.store.search import MAX_QUERY_CHARS
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.feed import version_reach
from tests.wire.strategies import CATEGORIES, DOSSIERS, STORY_LANGUAGES, filter_specs

DAY = datetime(2026, 2, 27, tzinfo=UTC)


@dataclass
class Agency:
    svc: Services
    world: int  # product ids
    sport: int
    a: str  # Daily A: World
    b: str  # Sports B: Sport
    c: str  # Wire C: World, may receive embargoed copy
    d: str  # Group D: World and Sport
    ids: dict[str, str]  # key → company id

    def publish(self, headline: str, category: str = "World", *, now: datetime | None = None,
                **fields: Any) -> StoryVersion:
        desk = self.svc.newsroom
        draft = Story.model_validate({"headline": headline, "categories": [category], **fields})
        guid = desk.create(draft, now=now).guid
        return desk.publish(guid, now=now)


@pytest.fixture
def agency(services: Services) -> Agency:
    subs = services.subscribers
    world = subs.create_product("World desk", {"categories": ["World"]}).id
    sport = subs.create_product("Sports desk", {"categories": ["Sport"]}).id
    keys, ids = [], {}
    for name, products, embargoed in (("Daily A", [world], False), ("Sports B", [sport], False),
                                      ("Wire C", [world], True), ("Group D", [world, sport], False)):
        company = subs.create_company(name, may_receive_embargoed=embargoed)
        for product in products:
            subs.assign_product(company.id, product)
        key = subs.create_api_key(company.id, label="tests").secret
        keys.append(key)
        ids[key] = company.id
    return Agency(services, world, sport, *keys, ids=ids)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _search(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = client.get("/v1/search", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _guids(result: dict[str, Any]) -> list[str]:
    return [hit["guid"] for hit in result["hits"]]


def _facets(result: dict[str, Any]) -> dict[str, dict[Any, int]]:
    return {name: {f["value"]: f["count"] for f in values} for name, values in result["facets"].items()}


def _headline(item: dict[str, Any]) -> str:
    return item["headlines"][0]["value"]


# ---- what a hit holds ---------------------------------------------------------------------------------


def test_hits_carry_snippet_rank_score_seq_and_the_rendered_item(client: TestClient, agency: Agency) -> None:
    in_body = agency.publish("Harvest report from the valley", body_html="<p>A flood crossed two farms.</p>")
    in_headline = agency.publish("Flood waters rise in the delta", dossier="Floods", urgency=2,
                                 body_html="<p>Farmers move cattle.</p>")
    agency.publish("Parliament debates budget", body_html="<p>Nothing about water.</p>")
    agency.publish("Flood hits the stadium", "Sport")  # not Daily A's

    result = _search(client, _auth(agency.a), q="flood")
    assert result["total"] == 2 and (result["offset"], result["limit"]) == (0, 20)
    assert _guids(result) == [in_headline.guid, in_body.guid]
    first, second = result["hits"]
    assert (first["rank"], second["rank"]) == (1, 2)
    assert first["score"] >= second["score"] > 0
    assert (first["version"], second["version"]) == (1, 1)
    assert "<mark>" in second["snippet"] and "flood" in second["snippet"].lower()
    assert _headline(first["item"]) == "Flood waters rise in the delta"
    assert first["item"]["uri"].endswith(in_headline.guid) and first["item"]["pubstatus"] == "usable"
    # seq: the log position the feed announced this version at
    feed = client.get("/v1/feed", headers=_auth(agency.a)).json()
    announced = {i["item"]["uri"].rsplit("/", 1)[-1]: i["seq"] for i in feed["items"]}
    assert {h["guid"]: h["seq"] for h in result["hits"]} == {g: announced[g] for g in _guids(result)}
    assert _facets(result) == {"category": {"World": 2}, "language": {"en": 2}, "dossier": {"Floods": 1},
                               "urgency": {2: 1, 5: 1}}


def test_query_syntax_phrases_exclusions_or_and_prefixes(client: TestClient, agency: Agency) -> None:
    storm = agency.publish("Storm hits the harbour", body_html="<p>Boats were damaged.</p>")
    market = agency.publish("Harbour market reopens", body_html="<p>Traders return after the storm.</p>")
    vaccine = agency.publish("Vaccine campaign starts", body_html="<p>Clinics open early.</p>")

    def found(q: str) -> set[str]:
        return set(_guids(_search(client, _auth(agency.a), q=q)))

    assert found("storm harbour") == {storm.guid, market.guid}
    assert found('"storm hits"') == {storm.guid}
    assert found("harbour -market") == {storm.guid}
    assert found('harbour -"market reopens"') == {storm.guid}
    assert found("vaccine OR boats") == {storm.guid, vaccine.guid}
    assert found("harb*") == {storm.guid, market.guid}
    for typed in ("NEAR(storm", "headline:storm", "storm's", '"unbalanced', "storm OR", "((storm)"):
        _search(client, _auth(agency.a), q=typed)  # the engines' own operators are only words: no error
    browse = _search(client, _auth(agency.a))  # no words: browse, newest first
    assert _guids(browse) == [vaccine.guid, market.guid, storm.guid]
    assert all(h["score"] == 0 for h in browse["hits"])


def test_turkish_and_arabic_queries(client: TestClient, agency: Agency) -> None:
    turkish = agency.publish("Ankara'da Meclis yeni bütçeyi onayladı", language="tr",
                             spot="İstanbul'da çağ değişti", body_html="<p>Milletvekilleri gece boyunca tartıştı.</p>")
    arabic = agency.publish("القاهرة تستضيف مؤتمر المناخ", language="ar", spot="وزراء من أربعين دولة يشاركون",
                            body_html="<p>بدأت أعمال المؤتمر صباح اليوم في العاصمة المصرية.</p>")
    key = _auth(agency.a)
    for q, expected in [("bütçeyi", turkish), ('"yeni bütçeyi"', turkish), ("İSTANBUL", turkish),
                        ("istanbul", turkish), ("ÇAĞ", turkish), ("milletvek*", turkish),
                        ("القاهرة", arabic), ("العاصمة المصرية", arabic), ('"مؤتمر المناخ"', arabic)]:
        assert _guids(_search(client, key, q=q)) == [expected.guid], q
    hit = _search(client, key, q="المؤتمر", language="ar")["hits"][0]
    assert hit["guid"] == arabic.guid and "<mark>المؤتمر</mark>" in hit["snippet"]
    assert _headline(hit["item"]) == "القاهرة تستضيف مؤتمر المناخ"
    result = _search(client, key, q="bütçeyi OR القاهرة")
    assert set(_guids(result)) == {turkish.guid, arabic.guid}
    assert _facets(result)["language"] == {"tr": 1, "ar": 1}


# ---- entitlement: products, embargo, kills ------------------------------------------------------------


def test_a_company_never_sees_another_companys_hits_or_counts(client: TestClient, agency: Agency) -> None:
    summit = agency.publish("Harbour summit opens", dossier="Summit", language="en-GB", urgency=3)
    derby = agency.publish("Harbour derby postponed", "Sport", dossier="Secret league", language="tr", urgency=1)

    a = _search(client, _auth(agency.a), q="harbour")
    assert _guids(a) == [summit.guid] and a["total"] == 1
    assert _facets(a) == {"category": {"World": 1}, "language": {"en-GB": 1}, "dossier": {"Summit": 1},
                          "urgency": {3: 1}}
    assert "derby" not in str(a).lower() and "Secret league" not in str(a)
    b = _search(client, _auth(agency.b), q="harbour")
    assert _guids(b) == [derby.guid]
    assert _facets(b) == {"category": {"Sport": 1}, "language": {"tr": 1}, "dossier": {"Secret league": 1},
                          "urgency": {1: 1}}
    # filtering on the other's values finds nothing, and counts nothing
    for params in ({"category": "Sport"}, {"dossier": "Secret league"}, {"language": "tr"}, {"urgency": 1}):
        none = _search(client, _auth(agency.a), q="harbour", **params)
        assert none["total"] == 0 and none["hits"] == [] and all(v == [] for v in none["facets"].values())
    # a product of someone else's cannot be asked for
    r = client.get("/v1/search", params={"q": "harbour", "products": agency.sport}, headers=_auth(agency.a))
    assert r.status_code == 403 and str(agency.sport) in r.json()["error"]
    # Group D holds both, and may narrow to either
    assert set(_guids(_search(client, _auth(agency.d), q="harbour"))) == {summit.guid, derby.guid}
    narrowed = _search(client, _auth(agency.d), q="harbour", products=str(agency.sport))
    assert _guids(narrowed) == [derby.guid] and _facets(narrowed)["category"] == {"Sport": 1}
    both = _search(client, _auth(agency.d), q="harbour", products=f"{agency.world},{agency.sport}")
    assert both["total"] == 2


def test_embargoed_copy_only_for_companies_allowed_it(client: TestClient, agency: Agency,
                                                      staff_headers: dict[str, str]) -> None:
    until = utcnow() + timedelta(hours=1)
    held = agency.publish("Budget figures under embargo", embargo=until.isoformat(), dossier="Budget")
    open_ = agency.publish("Budget debate continues")
    daily = _search(client, _auth(agency.a), q="budget")
    assert _guids(daily) == [open_.guid] and daily["total"] == 1
    assert "Budget" not in _facets(daily)["dossier"]  # not even counted
    wire = _search(client, _auth(agency.c), q="budget")
    assert set(_guids(wire)) == {held.guid, open_.guid} and _facets(wire)["dossier"] == {"Budget": 1}
    items = {h["guid"]: h["item"] for h in wire["hits"]}
    assert items[held.guid]["embargoed"][:19] == until.isoformat()[:19]  # marked as embargoed
    assert "embargoed" not in items[open_.guid]
    three = {h["guid"]: h["item"] for h in _search(client, _auth(agency.c), q="budget", format="ninjs3")["hits"]}
    assert three[held.guid]["embargoedUntil"][:19] == until.isoformat()[:19]
    assert set(_guids(_search(client, staff_headers, q="budget"))) == {held.guid, open_.guid}


def test_killed_stories_never_appear_and_updates_replace(client: TestClient, agency: Agency,
                                                         staff_headers: dict[str, str]) -> None:
    killed = agency.publish("Minister resigns over harbour deal")
    updated = agency.publish("Harbour closed after crash")
    agency.svc.newsroom.edit(updated.guid, {"headline": "Harbour reopens to ships"})
    agency.svc.newsroom.update(updated.guid)
    agency.svc.newsroom.kill(killed.guid, "Legal advice")
    for headers in (_auth(agency.a), _auth(agency.c), _auth(agency.d), staff_headers):
        result = _search(client, headers, q="harbour")
        assert [(h["guid"], h["version"]) for h in result["hits"]] == [(updated.guid, 2)]
        assert _headline(result["hits"][0]["item"]) == "Harbour reopens to ships"
        assert _search(client, headers, q="minister OR withdrawn OR crash")["total"] == 0
        assert _search(client, headers)["total"] == 1


# ---- filters, pages, formats --------------------------------------------------------------------------


def test_filters(client: TestClient, agency: Agency) -> None:
    stories = {
        "quake": agency.publish("Earthquake shakes the coast", dossier="Quake", urgency=1,
                                now=DAY + timedelta(hours=3)),
        "aid": agency.publish("Earthquake aid arrives", dossier="Quake", language="en-GB", urgency=4,
                              now=DAY + timedelta(days=1, hours=9)),
        "deprem": agency.publish("Deprem kıyıyı salladı earthquake", language="tr", urgency=3,
                                 now=DAY + timedelta(days=1, hours=23, minutes=59)),
        "match": agency.publish("Earthquake cup final", "Sport", urgency=5, now=DAY + timedelta(days=2, hours=8)),
    }
    by_guid = {sv.guid: name for name, sv in stories.items()}

    def names(**params: Any) -> set[str]:
        return {by_guid[g] for g in _guids(_search(client, _auth(agency.d), q="earthquake", **params))}

    assert names() == {"quake", "aid", "deprem", "match"}
    assert names(category="Sport") == {"match"}
    assert names(category=["Sport", "World"]) == {"quake", "aid", "deprem", "match"}
    assert names(category="sport") == set()  # exact values, as the facets list them
    assert names(dossier="Quake") == {"quake", "aid"}
    assert names(language=["en-GB", "tr"]) == {"aid", "deprem"}
    assert names(urgency=3) == {"quake", "deprem"}
    assert names(**{"from": "2026-02-28"}) == {"aid", "deprem", "match"}
    assert names(to="2026-02-28") == {"quake", "aid", "deprem"}  # a date: that whole day
    assert names(**{"from": "2026-02-28", "to": "2026-02-28"}) == {"aid", "deprem"}
    assert names(**{"from": "2026-02-28T09:00:00Z", "to": "2026-03-01T08:00:00+00:00"}) == {"aid", "deprem", "match"}
    assert names(to="2026-02-28T10:00:00+01:00") == {"quake", "aid"}
    # "+01:00" sent unencoded in a URL arrives as a space: read as meant
    r = client.get("/v1/search?q=earthquake&to=2026-02-28T10:00:00+01:00", headers=_auth(agency.d))
    assert {by_guid[g] for g in _guids(r.json())} == {"quake", "aid"}
    assert names(category="World", language="en", urgency=4, products=str(agency.world)) == {"quake"}
    assert names(**{"from": "0001-01-01", "to": "9999-12-31"}) == set(stories)  # the widest bounds still run


def test_pages_and_facets_switch(client: TestClient, agency: Agency) -> None:
    stories = [agency.publish(f"Story {i} of the series", now=DAY + timedelta(minutes=i)) for i in range(5)]
    newest_first = [sv.guid for sv in reversed(stories)]
    page = _search(client, _auth(agency.a), limit=2, offset=2)
    assert page["total"] == 5 and (page["offset"], page["limit"]) == (2, 2)
    assert _guids(page) == newest_first[2:4] and [h["rank"] for h in page["hits"]] == [3, 4]
    assert _search(client, _auth(agency.a), offset=5)["hits"] == []
    assert _search(client, _auth(agency.a), q="series", facets="false")["facets"] == {}
    assert set(_search(client, _auth(agency.a), q="series", facets="true")["facets"]) == {
        "category", "language", "dossier", "urgency"}


def test_formats(client: TestClient, agency: Agency) -> None:
    agency.publish("Grain ships leave port", body_html="<p>Six ships left.</p>")
    two = _search(client, _auth(agency.a), q="grain")["hits"][0]["item"]
    three = _search(client, _auth(agency.a), q="grain", format="ninjs3")["hits"][0]["item"]
    assert two["standard"]["version"].startswith("2") and three["standard"]["version"].startswith("3")
    assert _headline(two) == _headline(three) == "Grain ships leave port"
    r = client.get("/v1/search", params={"q": "grain", "format": "nitf"}, headers=_auth(agency.a))
    assert r.status_code == 422 and "format" in r.json()["error"] and "/v1/items" in r.json()["error"]


# ---- refusals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "named"), [
    ({"q": "-storm"}, "q"), ({"q": "***"}, "q"), ({"q": "a" * (MAX_QUERY_CHARS + 1)}, "q"), ({"q": "a\x00b"}, "q"),
    ({"urgency": 0}, "urgency"), ({"urgency": 10}, "urgency"), ({"urgency": "flash"}, "urgency"),
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"), ({"offset": 10_001}, "offset"),
    ({"from": "yesterday"}, "from"), ({"from": "2026-03-01T10:00"}, "from"), ({"to": "2026-13-01"}, "to"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"), ({"from": "9999-12-31T23:00:00-05:00"}, "from"),
    ({"to": "0001-01-01T00:00:00+05:00"}, "to"), ({"facets": "maybe"}, "facets"),
    ({"category": ""}, "category"), ({"category": [f"c{i}" for i in range(51)]}, "category"),
    ({"language": "x" * 301}, "language"), ({"dossier": "a\x00"}, "dossier"), ({"products": "x,y"}, "products"),
    ({"format": "pdf"}, "format"),
])
def test_bad_requests_answer_422_naming_the_parameter(client: TestClient, agency: Agency,
                                                      params: dict[str, Any], named: str) -> None:
    r = client.get("/v1/search", params=params, headers=_auth(agency.a))
    assert r.status_code == 422, r.text
    assert r.json()["error"].startswith(named), r.json()


def test_keys(client: TestClient, agency: Agency, staff_headers: dict[str, str]) -> None:
    agency.publish("Storm hits the harbour")
    agency.publish("Storm at the stadium", "Sport")
    r = client.get("/v1/search", params={"q": "storm"})
    assert r.status_code == 401 and "API key" in r.json()["error"] and r.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/search", params={"urgency": 99}).status_code == 401  # the key first
    assert client.get("/v1/search", headers=_auth("nfk_not-a-key")).status_code == 401
    assert client.get("/v1/search", headers=_auth("not-a-token")).status_code == 401
    # staff see every story; narrowing to products is a company's notion
    assert _search(client, staff_headers, q="storm")["total"] == 2
    r = client.get("/v1/search", params={"products": agency.world}, headers=staff_headers)
    assert r.status_code == 422 and r.json()["error"].startswith("products")
    # a revoked key stops at once; an inactive company's key finds nothing
    svc = agency.svc
    key = next(k for k in svc.subscribers.list_api_keys(agency.ids[agency.b]))
    svc.subscribers.revoke_api_key(key.id)
    assert client.get("/v1/search", headers=_auth(agency.b)).status_code == 401
    svc.subscribers.update_company(agency.ids[agency.a], active=False)
    idle = _search(client, _auth(agency.a), q="storm")
    assert idle["total"] == 0 and all(v == [] for v in idle["facets"].values())


def test_etag_answers_304_until_the_results_change(client: TestClient, agency: Agency) -> None:
    agency.publish("Harbour reopens")
    first = client.get("/v1/search", params={"q": "harbour"}, headers=_auth(agency.a))
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("private")
    again = client.get("/v1/search", params={"q": "harbour"}, headers=_auth(agency.a) | {"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    listed = client.get("/v1/search", params={"q": "harbour"},
                        headers=_auth(agency.a) | {"If-None-Match": f'"other", W/{etag}'})
    assert listed.status_code == 304
    other = client.get("/v1/search", params={"q": "harbour", "format": "ninjs3"},
                       headers=_auth(agency.a) | {"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    agency.publish("Harbour cranes return")
    changed = client.get("/v1/search", params={"q": "harbour"}, headers=_auth(agency.a) | {"If-None-Match": etag})
    assert changed.status_code == 200 and changed.json()["total"] == 2 and changed.headers["etag"] != etag


def test_usage_log_records_each_delivered_hit(client: TestClient, agency: Agency,
                                              staff_headers: dict[str, str]) -> None:
    agency.publish("Harbour reopens")
    agency.publish("Harbour cranes return")
    _search(client, _auth(agency.a), q="harbour", format="ninjs3")
    _search(client, _auth(agency.a), q="nothing-matches-this")
    _search(client, staff_headers, q="harbour")  # staff reads are not deliveries
    report = agency.svc.usage.report(agency.ids[agency.a])
    assert report["by_channel"] == {"search": 2} and report["by_format"] == {"ninjs3": 2}


def test_the_route_is_served_and_described(client: TestClient, agency: Agency) -> None:
    # served by this endpoint (no earlier route or catch-all answers for it), and in the OpenAPI description
    assert set(_search(client, _auth(agency.a))) == {"total", "total_exact", "offset", "limit", "hits", "facets"}
    operation = client.get("/openapi.json").json()["paths"]["/v1/search"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "q", "category", "dossier", "language", "urgency", "from", "to", "products", "facets", "limit", "offset",
        "format"}


# ---- the property -------------------------------------------------------------------------------------

_examples = itertools.count()
# Mostly one constraint each, so products overlap and match often; sometimes a random full filter.
product_filters = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)}),
    st.fixed_dictionaries({"languages": st.lists(st.sampled_from(["en", "tr", "ar"]), min_size=1, max_size=2,
                                                 unique=True)}),
    st.fixed_dictionaries({"urgency_max": st.integers(1, 9)}),
    filter_specs(),
)
story_fields = st.fixed_dictionaries({
    "categories": st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True),
    "dossier": st.sampled_from([*DOSSIERS, None]),
    "language": st.sampled_from(STORY_LANGUAGES),
    "urgency": st.integers(1, 9),
    "public": st.booleans(),
    # hours from now: held (ahead) or long passed; far from "now" so the clock cannot flip a verdict
    "embargo": st.sampled_from([None, None, 2, -2]),
})
# A story's fate after publishing: stays, is updated with new fields, or is killed.
fates = st.one_of(st.just("live"), st.just("killed"), story_fields)
# Products as indices into this example's products (so what is drawn never depends on the database):
# the company's, whether it is active, may hold embargoed copy, and the `products=` it narrows to.
company_specs = st.tuples(st.frozensets(st.integers(0, 3), max_size=3), st.sampled_from([True, True, True, False]),
                          st.booleans(), st.one_of(st.none(), st.frozensets(st.integers(0, 3), min_size=1)))


def _word(n: int) -> str:
    """A word no other example's stories hold: letters only, so every tokenizer keeps it whole."""
    return "zq" + "".join(chr(ord("a") + int(digit)) for digit in str(n))


def _draft(term: str, n: int, fields: dict[str, Any], now: datetime) -> dict[str, Any]:
    embargo = fields["embargo"]
    return {**fields, "headline": f"{term} story {n}", "spot": f"Dispatch {n} about {term}",
            "embargo": None if embargo is None else (now + timedelta(hours=embargo)).isoformat()}


@settings(max_examples=20, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(filters=st.lists(product_filters, min_size=4, max_size=4),
       plan=st.lists(st.tuples(story_fields, fates), min_size=1, max_size=6),
       companies=st.lists(company_specs, min_size=1, max_size=3))
def test_hits_and_facets_are_exactly_what_may_see_allows(
        client: TestClient, services: Services, staff_headers: dict[str, str], filters: list[dict[str, Any]],
        plan: list[tuple[dict[str, Any], Any]], companies: list[tuple[frozenset[int], bool, bool, Any]]) -> None:
    n = next(_examples)
    term = _word(n)
    subs, desk = services.subscribers, services.newsroom
    # Fresh products each example; earlier examples' products match these stories too, which is fine:
    # only this example's companies hold this example's products, and only its stories hold `term`.
    products = [subs.create_product(f"p{n}-{i}", spec).id for i, spec in enumerate(filters)]
    guids = []
    for i, (fields, fate) in enumerate(plan):
        guid = desk.create(Story.model_validate(_draft(term, i, fields, utcnow()))).guid
        desk.publish(guid)
        if fate == "killed":
            desk.kill(guid, "Withdrawn for the test")
        elif isinstance(fate, dict):
            desk.edit(guid, _draft(term, i, fate, utcnow()))
            desk.update(guid)
        guids.append(guid)
    current = {}
    for guid in guids:
        sv = services.store.get_version(guid)
        if sv.pubstatus == PubStatus.usable:
            current[guid] = (sv, version_reach(services.store, guid, sv.version).copy)

    for j, (picks, active, embargoed, narrow) in enumerate(companies):
        company = subs.create_company(f"c{n}-{j}", active=active, may_receive_embargoed=embargoed)
        for i in picks:
            subs.assign_product(company.id, products[i])
        key = subs.create_api_key(company.id).secret
        held = frozenset(products[i] for i in picks)
        params: dict[str, Any] = {"q": term, "limit": 100}
        if narrow is not None and picks & narrow:
            held = frozenset(products[i] for i in picks & narrow)
            params["products"] = ",".join(map(str, sorted(held)))
        access = CompanyAccess(id=company.id, product_ids=held, active=active, may_receive_embargoed=embargoed)
        result = _search(client, _auth(key), **params)
        now = utcnow()
        expected = {guid: sv for guid, (sv, ids) in current.items() if may_see(access, ids, sv, now)}
        _check(result, expected)
    _check(_search(client, staff_headers, q=term, limit=100), {guid: sv for guid, (sv, _) in current.items()})


def _check(result: dict[str, Any], expected: dict[str, StoryVersion]) -> None:
    assert result["total"] == len(expected)
    assert set(_guids(result)) == set(expected)
    for hit in result["hits"]:
        sv = expected[hit["guid"]]
        assert hit["version"] == sv.version and _headline(hit["item"]) == sv.headline
        assert ("embargoed" in hit["item"]) == (sv.embargo is not None)
    facets = {name: Counter(counts) for name, counts in _facets(result).items()}
    assert facets["category"] == Counter(c for sv in expected.values() for c in set(sv.categories))
    assert facets["language"] == Counter(sv.language for sv in expected.values())
    assert facets["dossier"] == Counter(sv.dossier for sv in expected.values() if sv.dossier is not None)
    assert facets["urgency"] == Counter(sv.urgency for sv in expected.values())

"""Numbers from outside, as an attacker or a broken client sends them: beyond 64 (or 32) bits, negative,
not numbers at all. Every route that takes a number or an id answers 422 naming it — never a 500 from
the store — on both stores; validation errors have one status wherever they are; a malformed JSON body
is named by line and column; a stream never starts on a Last-Event-ID it cannot resume from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.auth import hash_password
from newsflow.config import Settings
from newsflow.services import Services
from tests.helpers import live_server, publish_story

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1
PASSWORD = "correct horse battery"
# What arrives instead of a small whole number: past 64 bits, past 32, negative, and words.
HOSTILE = [str(2**63), str(2**64), str(10**40), "-1", str(-(2**70)), "abc", "nan", "1e3", "²", "0x10"]


@dataclass
class World:
    svc: Services
    key: dict[str, str]  # a subscriber's API key
    admin: dict[str, str]  # an admin's staff token
    guid: str  # a published story the key may read
    company: str
    endpoint: str  # a webhook endpoint of the company


@pytest.fixture
def world(services: Services) -> World:
    subs = services.subscribers
    product = subs.create_product("World desk", {"categories": ["World"]})
    company = subs.create_company("Daily A")
    subs.assign_product(company.id, product.id)
    key = subs.create_api_key(company.id, label="tests").secret
    admin = services.store.create_user(email="admin@agency.example", name="Ad Min", role="admin",
                                       password_hash=hash_password(PASSWORD))
    services.store.create_user(email="reader@daily-a.example", name="Rea Der", role="subscriber",
                               company_id=company.id, password_hash=hash_password(PASSWORD))
    token = services.store.create_token(admin.id, "tests")
    endpoint = services.webhooks.create_endpoint(company.id, "http://127.0.0.1:9/hook").endpoint.id
    guid = publish_story(services, "Floods close the port", "World")
    return World(services, {"Authorization": f"Bearer {key}"}, {"Authorization": f"Bearer {token}"}, guid,
                 company.id, endpoint)


def _body_int(value: str) -> Any:
    """In a JSON body a number is sent as a number when it is one, else as the string."""
    try:
        return int(value)
    except ValueError:
        return value


def _api_requests(w: World, v: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, url, request kwargs, the parameter the answer must name) for every numeric API input."""
    return [
        ("GET", "/v1/feed", {"params": {"after": v}, "headers": w.key}, "after"),
        ("GET", "/v1/feed", {"params": {"after": v, "wait": "0.1"}, "headers": w.key}, "after"),
        ("GET", "/v1/feed", {"params": {"products": f"1,{v}"}, "headers": w.key}, "products"),
        ("POST", "/v1/queue/cms/take", {"params": {"products": v}, "headers": w.key}, "products"),
        ("POST", "/v1/queue/cms/ack", {"json": {"batch": _body_int(v)}, "headers": w.key}, "batch"),
        ("GET", f"/v1/items/{w.guid}", {"params": {"version": v}, "headers": w.key}, "version"),
        ("GET", f"/v1/items/{w.guid}", {"params": {"version": v}, "headers": w.admin}, "version"),
        ("GET", f"/v1/products/{v}/atom", {"params": {"key": w.key["Authorization"][7:]}}, "product_id"),
        ("GET", f"/v1/newsroom/stories/{w.guid}/versions/{v}", {"headers": w.admin}, "version"),
        ("GET", "/v1/newsroom/stories", {"params": {"offset": v}, "headers": w.admin}, "offset"),
        ("GET", "/v1/newsroom/events", {"params": {"after": v}, "headers": w.admin}, "after"),
        ("PUT", f"/v1/admin/companies/{w.company}/products/{v}", {"headers": w.admin}, "product_id"),
        ("DELETE", f"/v1/admin/companies/{w.company}/products/{v}", {"headers": w.admin}, "product_id"),
        ("PATCH", f"/v1/admin/products/{v}", {"json": {"name": "x"}, "headers": w.admin}, "product_id"),
        ("GET", f"/v1/admin/webhooks/{w.endpoint}/attempts", {"params": {"delivery_id": v}, "headers": w.admin},
         "delivery_id"),
        ("GET", f"/v1/admin/webhooks/{w.endpoint}/deliveries", {"params": {"before_seq": v}, "headers": w.admin},
         "before_seq"),
        ("POST", f"/v1/admin/webhooks/{w.endpoint}/replay", {"json": {"delivery_id": _body_int(v)},
                                                              "headers": w.admin}, "delivery_id"),
        ("POST", f"/v1/admin/companies/{w.company}/webhooks",
         {"json": {"url": "http://127.0.0.1:9/x", "product_ids": [_body_int(v)]}, "headers": w.admin}, "product_ids"),
        ("GET", "/v1/search", {"params": {"offset": v}, "headers": w.key}, "offset"),
        ("GET", "/v1/search", {"params": {"products": v}, "headers": w.key}, "products"),
    ]


def _names(answer: httpx.Response, name: str) -> bool:
    return answer.headers["content-type"].startswith("application/json") and name in answer.json()["error"]


def test_every_numeric_api_input_out_of_range_is_a_422_naming_it(client: TestClient, world: World) -> None:
    for value in HOSTILE:
        for method, url, kwargs, name in _api_requests(world, value):
            r = client.request(method, url, **kwargs)
            assert r.status_code == 422 and _names(r, name), (method, url, value, r.status_code, r.text[:300])


def test_the_largest_values_a_column_holds_are_answered_not_refused(client: TestClient, world: World) -> None:
    """The bounds themselves reach the store and come back as a normal answer (an empty page, a 404)."""
    assert client.post("/v1/queue/cms/take", headers=world.key).status_code == 200
    for method, url, kwargs, expected in (
            ("GET", "/v1/feed", {"params": {"after": INT64_MAX}, "headers": world.key}, 200),
            ("GET", "/v1/newsroom/events", {"params": {"after": INT64_MAX}, "headers": world.admin}, 200),
            ("GET", "/v1/newsroom/stories", {"params": {"offset": INT64_MAX}, "headers": world.admin}, 200),
            ("GET", f"/v1/items/{world.guid}", {"params": {"version": INT32_MAX}, "headers": world.admin}, 404),
            ("GET", f"/v1/newsroom/stories/{world.guid}/versions/{INT32_MAX}", {"headers": world.admin}, 404),
            ("PATCH", f"/v1/admin/products/{INT32_MAX}", {"json": {"name": "x"}, "headers": world.admin}, 404),
            ("GET", f"/v1/admin/webhooks/{world.endpoint}/attempts",
             {"params": {"delivery_id": INT64_MAX}, "headers": world.admin}, 200),
            ("POST", "/v1/queue/cms/ack", {"json": {"batch": INT64_MAX}, "headers": world.key}, 409)):
        r = client.request(method, url, **kwargs)
        assert r.status_code == expected, (method, url, r.status_code, r.text[:300])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.integers() | st.sampled_from([INT64_MAX, INT64_MAX + 1, INT32_MAX, INT32_MAX + 1, -(2**63)]))
def test_any_integer_is_answered_never_a_5xx(client: TestClient, world: World, number: int) -> None:
    """Whatever its size, an integer is served within its column's range and refused (422 naming the
    parameter) outside it — never a 500."""
    for method, url, kwargs, name, low, high in (
            ("GET", "/v1/feed", {"params": {"after": number}, "headers": world.key}, "after", 0, INT64_MAX),
            ("GET", f"/v1/items/{world.guid}", {"params": {"version": number}, "headers": world.key}, "version",
             1, INT32_MAX),
            ("GET", f"/v1/newsroom/stories/{world.guid}/versions/{number}", {"headers": world.admin}, "version",
             1, INT32_MAX),
            ("PATCH", f"/v1/admin/products/{number}", {"json": {"active": True}, "headers": world.admin},
             "product_id", 1, INT32_MAX),
            ("POST", "/v1/queue/cms/ack", {"json": {"batch": number}, "headers": world.key}, "batch", 0, INT64_MAX)):
        r = client.request(method, url, **kwargs)
        assert r.status_code < 500, (url, number, r.text[:300])
        if low <= number <= high:
            assert r.status_code != 422, (url, number, r.text[:300])
        else:
            assert r.status_code == 422 and _names(r, name), (url, number, r.text[:300])


def _sign_in(client: TestClient | httpx.Client, email: str) -> None:
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": ""},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def _csrf(client: TestClient, page: str) -> str:
    return client.get(page).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_the_faces_refuse_out_of_range_ids_and_numbers(client: TestClient, world: World) -> None:
    _sign_in(client, "admin@agency.example")
    token = _csrf(client, f"/admin/companies/{world.company}")
    for value in HOSTILE:
        for method, url, kwargs, name in (
                ("GET", f"/admin/products/{value}", {}, "product_id"),
                ("POST", f"/admin/products/{value}", {"data": {"csrf_token": token, "name": "x"}}, "product_id"),
                ("GET", f"/desk/stories/{world.guid}/diff", {"params": {"a": value, "b": "1"}}, "a"),
                ("GET", f"/desk/stories/{world.guid}/diff", {"params": {"a": "1", "b": value}}, "b"),
                ("GET", "/desk/events", {"params": {"after": value}}, "after")):
            r = client.request(method, url, follow_redirects=False, **kwargs)
            assert r.status_code == 422 and _names(r, name), (method, url, value, r.status_code, r.text[:200])
        # a form's product ids and delivery id: the page says what is wrong, or the value is ignored
        for path, data in ((f"/admin/companies/{world.company}", {"name": "Daily A", "product_ids": value}),
                           (f"/admin/webhooks/{world.endpoint}", {"url": "http://127.0.0.1:9/hook",
                                                                   "format": "ninjs", "product_ids": value}),
                           (f"/admin/webhooks/{world.endpoint}/replay", {"delivery_id": value}),
                           ("/admin/public", {"urgency_max": value})):
            r = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
            assert r.status_code in (303, 404, 422), (path, value, r.status_code, r.text[:200])
        assert client.get(f"/sitemap-{value}.xml").status_code == 404
    client.post("/logout", data={"csrf_token": token})
    client.cookies.clear()
    _sign_in(client, "reader@daily-a.example")
    token = _csrf(client, "/portal/alerts")
    for value in HOSTILE:
        for url in (f"/portal/searches/{value}/delete", f"/portal/searches/{value}/email"):
            r = client.post(url, data={"csrf_token": token}, follow_redirects=False)
            assert r.status_code == 422 and _names(r, "search_id"), (url, value, r.status_code, r.text[:200])
        r = client.get("/portal/events", headers={"Last-Event-ID": value.encode()})  # raw bytes, as sent
        assert r.status_code == 422 and _names(r, "Last-Event-ID"), (value, r.status_code, r.text[:200])


@pytest.fixture
def server(world: World) -> Iterator[str]:
    with live_server(world.svc) as url:
        yield url


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_huge_last_event_id_is_refused_before_the_stream_starts(server: str, world: World) -> None:
    """It used to open the stream (200) and cut it when the catch-up asked the store for that seq."""
    with httpx.Client(base_url=server, timeout=5) as http:
        for value in (str(2**63), str(10**30), "-5", "1e3"):
            r = http.get("/v1/stream", headers=world.key | {"Last-Event-ID": value})
            assert r.status_code == 422 and _names(r, "Last-Event-ID"), (value, r.status_code, r.text[:200])
        # the largest seq there can be is a fine place to resume from: the stream opens and waits
        with http.stream("GET", "/v1/stream", headers=world.key | {"Last-Event-ID": str(INT64_MAX)}) as live:
            assert live.status_code == 200
            assert b": connected" in next(live.iter_raw())


def test_validation_errors_have_one_status_wherever_they_are(client: TestClient, world: World) -> None:
    """Query, path, header and body: 422 with the same body shape, each naming its field."""
    answers = {
        "limit": client.get("/v1/feed", params={"limit": "ten"}, headers=world.key),
        "version": client.get(f"/v1/newsroom/stories/{world.guid}/versions/x", headers=world.admin),
        "Idempotency-Key": client.post("/v1/newsroom/stories", json={"headline": "A"},
                                       headers=world.admin | {"Idempotency-Key": "k" * 256}),
        "name": client.post("/v1/admin/companies", json={"name": ""}, headers=world.admin),
        "format": client.get("/v1/feed", params={"format": "nitf"}, headers=world.key),
        "consumer": client.post("/v1/queue/no!bang/take", headers=world.key),
    }
    for name, r in answers.items():
        assert r.status_code == 422, (name, r.status_code, r.text)
        assert name in r.json()["error"] or (name == "consumer" and "consumer name" in r.json()["error"]), r.text
    fields = [f["field"] for name in ("limit", "version", "Idempotency-Key", "name")
              for f in answers[name].json()["fields"]]
    assert fields == ["limit", "version", "Idempotency-Key", "name"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.recursive(st.none() | st.integers() | st.text(max_size=5),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                      max_size=3)),
       cut=st.integers(min_value=1, max_value=200), newlines=st.booleans())
def test_a_malformed_json_body_is_named_by_line_and_column(client: TestClient, world: World, doc: Any, cut: int,
                                                          newlines: bool) -> None:
    text = json.dumps({"name": doc}, indent=1 if newlines else None)
    broken = text[:min(cut, len(text) - 1)]  # cut short: never valid JSON
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(broken)
    r = client.post("/v1/admin/companies", content=broken.encode(), headers=world.admin | {
        "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    where = f"body: invalid JSON at line {expected.value.lineno} column {expected.value.colno}: {expected.value.msg}"
    assert r.json()["error"] == where and r.json()["fields"] == [{"field": "body", "message": where[6:]}]


def test_ingest_without_a_push_source_says_what_to_do(client: TestClient, world: World) -> None:
    """Retrying a 503 would never help: the agency has to add a push source."""
    r = client.post("/v1/ingest", content=b"<nitf/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 403 and "push source" in r.json()["error"], r.text


def test_cli_webhook_replay_refuses_an_impossible_delivery_id(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A real process: an id past 64 bits exits non-zero naming the option, not with a traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env |= {"NEWSFLOW_DATA_DIR": str(tmp_path), "NEWSFLOW_DEMO": "0", "NEWSFLOW_WEBHOOK_ALLOW_PRIVATE": "1"}
    for name, value in env.items():
        if name.startswith("NEWSFLOW_"):
            monkeypatch.setenv(name, value)
    svc = Services.open(Settings())
    try:
        company = svc.subscribers.create_company("Daily A")
        endpoint = svc.webhooks.create_endpoint(company.id, "http://127.0.0.1:9/hook").endpoint.id
    finally:
        svc.close()
    newsflow = str(Path(sys.executable).with_name("newsflow"))
    for delivery in (str(2**64), str(10**30), "0", "-3"):
        done = subprocess.run([newsflow, "webhook", "replay", endpoint, "--delivery", delivery], env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode != 0 and "--delivery" in done.stderr, (delivery, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
    done = subprocess.run([newsflow, "webhook", "replay", endpoint, "--delivery", str(INT64_MAX)], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Traceback" not in done.stderr and str(INT64_MAX) in done.stdout + done.stderr


def test_a_nul_character_is_refused_not_a_500(client: TestClient, world: World, database_url: str) -> None:
    """PostgreSQL cannot hold NUL in text or JSON (SQLite can): found by the contract test as a 500."""
    answers = [client.post("/v1/admin/products", json={"name": "World\x00desk", "filter": {"categories": ["\x00"]}},
                           headers=world.admin),
               client.post("/v1/admin/companies", json={"name": "Daily\x00A"}, headers=world.admin),
               client.get("/v1/admin/explain", params={"guid": "\x00", "company": world.company}, headers=world.admin),
               client.get("/v1/search", params={"q": "port\x00"}, headers=world.key)]
    for r in answers:
        assert r.status_code < 500, (r.request.url, r.status_code, r.text[:200])
    if database_url.startswith("postgresql"):
        assert [r.status_code for r in answers[:2]] == [422, 422] and "NUL" in answers[0].json()["error"]


def test_a_body_that_is_not_utf8_is_named_not_a_bare_400(client: TestClient, world: World) -> None:
    """Found by the contract test: the framework answered an undocumented 400 naming nothing."""
    r = client.post("/v1/admin/companies", content=b'{"name": "Daily \xff"}', headers=world.admin | {
        "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "body: invalid JSON: not UTF-8 at byte 16", r.text

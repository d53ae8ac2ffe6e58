"""The admin face at /admin through its forms: guards, companies, products with the live preview,
users, API keys that then read the feed, webhooks (test event, log), delivery explanations, usage
chart, subscription requests, and CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler
from itertools import pairwise
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.model import Story
from newsflow.services import Services
from newsflow.web.admin.routes import usage_chart
from tests.helpers import http_server

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'<code class="once" id="secret">([^<]+)</code>')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def secret_of(html: str) -> str:
    found = _SECRET.search(html)
    assert found, "no secret shown on the page"
    return found.group(1)


def sign_in(client: TestClient, svc: Services, role: str = "admin") -> None:
    email = f"{role}@agency.example"
    svc.store.create_user(email=email, name=f"{role.title()} One", role=role, password_hash=hash_password(PASSWORD))
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": ""},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def post(client: TestClient, path: str, data: dict[str, Any] | None = None, page: str = "/admin/companies",
         ) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_of(client.get(page).text), **(data or {})},
                       follow_redirects=False)


def publish(svc: Services, headline: str, category: str, **fields: Any) -> str:
    guid = svc.newsroom.create(Story.model_validate({"headline": headline, "categories": [category],
                                                     **fields})).guid
    svc.newsroom.publish(guid)
    return guid


@pytest.fixture
def admin(client: TestClient, services: Services) -> TestClient:
    sign_in(client, services)
    return client


def _new_company(client: TestClient, name: str, product_ids: list[int] | None = None) -> str:
    r = post(client, "/admin/companies", {"name": name, "active": "on"})
    assert r.status_code == 303, r.text
    company_id = re.match(r"/admin/companies/([0-9a-f]+)", r.headers["location"]).group(1)  # type: ignore[union-attr]
    if product_ids:
        r = post(client, f"/admin/companies/{company_id}", {"name": name, "active": "on",
                                                            "product_ids": [str(p) for p in product_ids]})
        assert r.status_code == 303, r.text
    return company_id


def _new_product(client: TestClient, name: str, categories: str) -> int:
    r = post(client, "/admin/products/new", {"name": name, "categories": categories, "active": "on"},
             page="/admin/products/new")
    assert r.status_code == 303, r.text
    return int(r.headers["location"].split("/")[3].split("?")[0])


def shown_once(client: TestClient, r: Any) -> str:
    """A POST that made a secret redirects; the page it leads to shows the secret, and only once."""
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    secret = secret_of(page.text)
    assert secret not in client.get(r.headers["location"]).text  # a reload neither shows nor makes it again
    return secret


def _new_key(client: TestClient, company_id: str, scopes: tuple[str, ...] = ("feed",)) -> str:
    r = post(client, f"/admin/companies/{company_id}/keys", {"label": "cms", "scopes": list(scopes)})
    return shown_once(client, r)


# ---- guards ------------------------------------------------------------------------------------------------


def test_signed_out_is_sent_to_login_and_non_admins_get_a_403_page(client: TestClient, services: Services) -> None:
    r = client.get("/admin/companies", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=/admin/companies")
    sign_in(client, services, role="editor")
    for path in ("/admin", "/admin/users", "/admin/products", "/admin/products/new", "/admin/explain",
                 "/admin/requests", "/admin/dead-letters"):
        assert client.get(path, follow_redirects=False).status_code == 403, path
    r = client.get("/admin/companies")
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(admin: TestClient,
                                                                     services: Services) -> None:
    r = admin.post("/admin/companies", data={"name": "Sneaky"}, follow_redirects=False)
    assert r.status_code == 403
    r = admin.post("/admin/companies", data={"name": "Sneaky", "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert services.subscribers.list_companies() == []


# ---- companies, products, users, keys ---------------------------------------------------------------------


def test_company_product_user_and_key_made_through_the_forms_then_the_key_reads_the_feed(
        admin: TestClient, services: Services) -> None:
    world = _new_product(admin, "World desk", "World")
    company_id = _new_company(admin, "Daily Planet", [world])
    company = services.subscribers.get_company(company_id)
    assert company.active and not company.may_receive_embargoed
    assert company.product_ids == {world}
    page = admin.get(f"/admin/companies/{company_id}").text
    assert "Daily Planet" in page and "World desk" in page

    r = post(admin, "/admin/users", {"name": "Lois Lane", "email": "lois@planet.example", "role": "subscriber",
                                     "company_id": company_id}, page="/admin/users")
    password = shown_once(admin, r)
    lois = services.store.user_by_email("lois@planet.example")
    assert lois.company_id == company_id and lois.role == "subscriber"
    assert "lois@planet.example" in admin.get(f"/admin/users?company={company_id}").text
    assert password not in admin.get(f"/admin/users?company={company_id}").text  # shown once only

    key = _new_key(admin, company_id)
    listed = services.subscribers.list_api_keys(company_id)
    assert [k.scopes for k in listed] == [("feed",)]
    assert key not in admin.get(f"/admin/companies/{company_id}").text

    publish(services, "Summit ends in agreement", "World")
    publish(services, "Cup final goes to penalties", "Sports")
    r = admin.get("/v1/feed", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    assert "Summit ends in agreement" in r.text
    assert "Cup final" not in r.text
    assert services.subscribers.list_api_keys(company_id)[0].last_used is not None
    assert "never" not in admin.get(f"/admin/companies/{company_id}").text  # the last use is listed

    r = post(admin, f"/admin/keys/{listed[0].id}/revoke")
    assert r.status_code == 303
    assert admin.get("/v1/feed", headers={"Authorization": f"Bearer {key}"}).status_code == 401

    r = post(admin, f"/admin/users/{lois.id}/deactivate", page="/admin/users")
    assert r.status_code == 303
    assert not services.store.get_user(lois.id).active


def test_refused_forms_show_field_errors_and_write_nothing(admin: TestClient, services: Services) -> None:
    r = post(admin, "/admin/companies", {"name": "  "})
    assert r.status_code == 422
    assert 'id="e-name"' in r.text
    assert services.subscribers.list_companies() == []

    r = post(admin, "/admin/products/new", {"name": "Bad", "languages": "english!"}, page="/admin/products/new")
    assert r.status_code == 422
    assert 'id="e-languages"' in r.text and "Nothing was saved" in r.text
    assert services.subscribers.list_products() == []

    company_id = _new_company(admin, "Acme")
    r = post(admin, f"/admin/companies/{company_id}", {"name": "Acme", "product_ids": ["999"]})
    assert r.status_code == 422
    assert "unknown product" in r.text

    world = _new_product(admin, "World desk", "World")
    _new_company(admin, "Taken")
    r = post(admin, f"/admin/companies/{company_id}", {"name": "Taken", "product_ids": [str(world)]})
    assert r.status_code == 409 and "exists already" in r.text
    after = services.subscribers.get_company(company_id)
    assert after.name == "Acme" and after.product_ids == set()  # refused whole: no product assigned either

    r = post(admin, "/admin/users", {"name": "Staffer", "email": "s@agency.example", "role": "editor",
                                     "company_id": company_id}, page="/admin/users")
    assert r.status_code == 422
    assert 'id="e-company_id"' in r.text
    r = post(admin, "/admin/users", {"name": "Nobody", "email": "not-an-address", "role": "subscriber",
                                     "company_id": company_id}, page="/admin/users")
    assert r.status_code == 422
    assert 'id="e-email"' in r.text
    assert [u.email for u in services.store.list_users(company_id)] == []

    r = post(admin, f"/admin/companies/{company_id}/keys", {"label": "x"})
    assert r.status_code == 422 and 'id="e-scopes"' in r.text
    assert services.subscribers.list_api_keys(company_id) == []


def test_product_preview_lists_the_matching_recent_stories_only(admin: TestClient, services: Services) -> None:
    publish(services, "Ceasefire talks resume", "World")
    publish(services, "Marathon record falls", "Sports")
    page = admin.get("/admin/products/new").text
    assert 'src="/static/admin.js"' in page and "/admin/products/preview" in page
    r = admin.post("/admin/products/preview", data={"csrf_token": csrf_of(page), "categories": "world"})
    assert r.status_code == 200
    assert "Ceasefire talks resume" in r.text
    assert "Marathon record falls" not in r.text
    r = admin.post("/admin/products/preview", data={"csrf_token": csrf_of(page), "languages": "??"})
    assert r.status_code == 422 and "not valid" in r.text
    assert admin.post("/admin/products/preview", data={"categories": "world"}).status_code == 403
    assert admin.get("/static/admin.js").status_code == 200

    product_id = _new_product(admin, "Sports desk", "Sports")
    page = admin.get(f"/admin/products/{product_id}").text
    assert 'value="Sports"' in page and "Marathon record falls" in page and "Ceasefire" not in page


# ---- webhooks -----------------------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[bytes]]]:
    hits: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits.append(self.rfile.read(int(self.headers.get("content-length", 0))))
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with http_server(Handler) as url:
        yield f"{url}/hook", hits


def test_webhook_endpoint_test_event_rotation_and_log(admin: TestClient, services: Services,
                                                      receiver: tuple[str, list[bytes]]) -> None:
    url, hits = receiver
    company_id = _new_company(admin, "Hooked")
    r = post(admin, f"/admin/companies/{company_id}/webhooks", {"url": "ftp://nope", "format": "ninjs"})
    assert r.status_code == 422 and 'id="e-url"' in r.text
    assert services.webhooks.list_endpoints(company_id) == []
    r = post(admin, f"/admin/companies/{company_id}/webhooks", {"url": url, "format": "ninjs"})
    first_secret = shown_once(admin, r)
    (endpoint,) = services.webhooks.list_endpoints(company_id)

    page = f"/admin/webhooks/{endpoint.id}"
    r = post(admin, f"{page}/test", page=page)
    assert r.status_code == 200, r.text
    assert "delivered, HTTP 200" in r.text
    assert len(hits) == 1
    attempts = services.webhooks.attempts(endpoint.id)
    assert len(attempts) == 1 and attempts[0].test and attempts[0].status == 200
    assert attempts[0].webhook_id in admin.get(page).text

    r = post(admin, f"{page}/rotate", page=page)
    assert shown_once(admin, r) != first_secret
    assert "previous secret still signs" in admin.get(page).text

    r = post(admin, f"{page}/replay", page=page)
    assert r.status_code == 303
    assert admin.get("/admin/dead-letters").status_code == 200


# ---- explanation, usage, requests -----------------------------------------------------------------------


def test_explain_page_says_delivered_or_why_not(admin: TestClient, services: Services) -> None:
    world = _new_product(admin, "World desk", "World")
    reader = _new_company(admin, "Reader", [world])
    outsider = _new_company(admin, "Outsider")
    key = _new_key(admin, reader)
    guid = publish(services, "Storm hits coast", "World")
    assert "Storm hits coast" in admin.get("/v1/feed", headers={"Authorization": f"Bearer {key}"}).text

    r = admin.get("/admin/explain", params={"guid": guid, "company": reader})
    assert r.status_code == 200
    assert "<h2 id=\"h-verdict\">Delivered</h2>" in r.text
    assert "delivered 1 time(s); last by feed" in r.text

    r = admin.get("/admin/explain", params={"guid": guid, "company": outsider})
    assert "Not delivered" in r.text
    assert "no matching product" in r.text

    r = admin.get("/admin/explain", params={"guid": "no-such-story", "company": reader})
    assert r.status_code == 422 and 'id="e-guid"' in r.text


def test_usage_report_renders_an_inline_svg_bar_chart(admin: TestClient, services: Services) -> None:
    world = _new_product(admin, "World desk", "World")
    company_id = _new_company(admin, "Counted", [world])
    key = _new_key(admin, company_id, ("read",))
    publish(services, "Markets rally", "World")
    for _ in range(2):
        admin.get("/v1/feed", headers={"Authorization": f"Bearer {key}"})
    r = admin.get(f"/admin/companies/{company_id}/usage")
    assert r.status_code == 200
    assert "<svg" in r.text and "<rect" in r.text
    assert "feed: 2" in r.text
    assert "<script" not in r.text  # drawn on the server, no library
    assert admin.get("/admin/companies/nope/usage").status_code == 404


def test_usage_chart_stacks_channels_per_day_and_keeps_empty_days() -> None:
    report = {"per_day": {"2026-11-26": {"feed": 4, "stream": 2}}, "by_channel": {"feed": 4, "stream": 2}}
    chart = usage_chart(report, 3, date(2026, 11, 27))
    assert chart["days"] == ["2026-11-25", "2026-11-26", "2026-11-27"]
    assert chart["top"] == 6
    assert [b["title"] for b in chart["bars"]] == ["2026-11-26 feed: 4", "2026-11-26 stream: 2"]
    assert sum(b["h"] for b in chart["bars"]) == pytest.approx(chart["base"] - 10)


def test_subscription_requests_are_listed(admin: TestClient, services: Services) -> None:
    services.subscription_requests.add({"organisation": "Gazette", "name": "Ann Editor",
                                        "email": "ann@gazette.example", "country": "Malta", "interests": [],
                                        "message": "We would like the world service."})
    r = admin.get("/admin/requests")
    assert r.status_code == 200
    assert "Gazette" in r.text and "ann@gazette.example" in r.text


def test_the_public_rule_page_sets_the_urgency_clause_and_says_why_each_story_is_public(
        admin: TestClient, services: Services) -> None:
    desk = services.newsroom
    flash = desk.publish(desk.create(Story(headline="Dam breach", urgency=1, categories=["World"])).guid)
    flagged = desk.publish(desk.create(Story(headline="Festival opens", public=True, categories=["Culture"])).guid)
    page = admin.get("/admin/public").text
    assert "NEWSFLOW_PUBLIC_URGENCY=0" in page and "Festival opens" in page and "Dam breach" not in page
    assert "an editor marked it public" in page
    r = post(admin, "/admin/public", {"urgency_max": "12"}, page="/admin/public")
    assert r.status_code == 422 and 'id="e-urgency_max"' in r.text
    assert services.public.urgency_setting().updated is None  # nothing was written
    r = post(admin, "/admin/public", {"urgency_max": "2"}, page="/admin/public")
    assert r.status_code == 303
    page = admin.get(r.headers["location"]).text
    assert "Public rule saved" in page and "Dam breach" in page and "its urgency" in page
    assert "Set by admin@" in page
    assert flash.guid in admin.get("/").text and flagged.guid in admin.get("/").text  # the public site follows


def test_a_webhook_endpoint_is_changed_narrowed_deactivated_and_deleted_through_its_form(
        admin: TestClient, services: Services, receiver: tuple[str, list[bytes]]) -> None:
    url, _ = receiver
    world = _new_product(admin, "World desk", "World")
    sport = _new_product(admin, "Sport desk", "Sport")
    company_id = _new_company(admin, "Hooked", [world, sport])
    ep_id = services.webhooks.create_endpoint(company_id, url).endpoint.id
    page = f"/admin/webhooks/{ep_id}"
    r = post(admin, page, {"url": "ftp://nope", "format": "nitf", "active": "on"}, page=page)
    assert r.status_code == 422 and 'id="e-url"' in r.text
    assert services.webhooks.get_endpoint(ep_id).format == "ninjs"  # a refused form writes nothing
    r = post(admin, page, {"url": url + "/v2", "format": "nitf", "product_ids": [str(world)]}, page=page)
    assert r.status_code == 303 and "Endpoint saved" in admin.get(r.headers["location"]).text
    ep = services.webhooks.get_endpoint(ep_id)
    assert (ep.url, ep.format, ep.product_ids, ep.active) == (url + "/v2", "nitf", (world,), False)
    r = post(admin, page, {"url": url, "format": "ninjs", "active": "on"}, page=page)
    ep = services.webhooks.get_endpoint(ep_id)
    assert ep.product_ids is None and ep.active  # nothing ticked: every product again
    r = post(admin, f"{page}/delete", page=page)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/admin/companies/{company_id}")
    assert services.webhooks.list_endpoints(company_id) == []
    assert admin.get(page).status_code == 404


@pytest.mark.parametrize("days", [1, 7, 14, 30, 90, 366])
def test_usage_chart_day_labels_never_touch_and_today_is_labelled(days: int) -> None:
    today = date(2026, 12, 3)
    report = {"per_day": {"2026-12-01": {"feed": 3}}, "by_channel": {"feed": 3}}
    chart = usage_chart(report, days, today)
    xs = [label["x"] for label in chart["labels"]]
    assert xs == sorted(xs) and chart["labels"][-1]["text"] == "12-03"
    # centred labels: two neighbours are clear of each other when their centres are a label's width apart
    assert all(b - a >= chart["label_width"] for a, b in pairwise(xs))
    half = chart["label_width"] / 2
    assert xs[0] - half >= 0 and xs[-1] + half <= chart["width"]  # none cut at the edges
    assert len(xs) >= min(days, 7)  # still a useful number of them
    assert all(b["x"] + b["w"] <= chart["width"] for b in chart["bars"])

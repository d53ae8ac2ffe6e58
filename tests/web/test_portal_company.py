"""A subscriber company's own admin at /portal/company: its people, keys, webhooks, addresses, products
and usage — and the attacks: another company's ids, a plain subscriber, staff roles, missing CSRF
tokens, control characters and huge names, two creations of one e-mail at once."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password, verify_password
from newsflow.services import Services
from newsflow.store import User
from tests.helpers import publish_story
from tests.web.test_admin_face import secret_of
from tests.web.test_portal import PASSWORD, csrf_of, sign_in
from tests.web.test_stream_promises import Sse, Wire, _assert_closed_within_bound, _client, _key, wire

__all__ = ["wire"]  # the stream fixture, used by the revocation test below

HOOK_URL = "https://hooks.daily-a.example/newsflow"


@dataclass
class Two:
    """Company A with its admin, a reader, a key and a webhook; company B with the same."""

    svc: Services
    a: str
    b: str
    admin_a: User
    reader_a: User
    reader_b: User
    key_b: str
    hook_b: str


def _person(svc: Services, email: str, role: str, company_id: str | None) -> User:
    return svc.store.create_user(email=email, name=email.split("@")[0].title(), role=role, company_id=company_id,
                                 password_hash=hash_password(PASSWORD))


@pytest.fixture
def two(services: Services) -> Two:
    subs = services.subscribers
    world = subs.create_product("World desk", {"categories": ["World"], "languages": ["en"]},
                                description="Foreign news in English")
    a, b = subs.create_company("Daily A"), subs.create_company("Daily B")
    subs.assign_product(a.id, world.id)
    key_b = subs.create_api_key(b.id, label="b's cms").key.id
    hook_b = services.webhooks.create_endpoint(b.id, "https://hooks.daily-b.example/in").endpoint.id
    return Two(services, a.id, b.id, _person(services, "boss@daily-a.example", "company_admin", a.id),
               _person(services, "reader@daily-a.example", "subscriber", a.id),
               _person(services, "reader@daily-b.example", "subscriber", b.id), key_b, hook_b)


@pytest.fixture
def boss(client: TestClient, two: Two) -> TestClient:
    sign_in(client, two.admin_a.email)
    return client


def post(client: TestClient, path: str, data: dict[str, object] | None = None) -> httpx.Response:
    token = csrf_of(client.get("/portal/company/users").text)
    return client.post(path, data={"csrf_token": token, **(data or {})}, follow_redirects=False)


def shown_once(client: TestClient, r: httpx.Response) -> str:
    assert r.status_code == 303, r.text[:500]
    page = client.get(r.headers["location"])
    secret = secret_of(page.text)
    assert secret not in client.get(r.headers["location"]).text  # a reload shows it no more
    return secret


def _posts(two: Two) -> list[str]:
    u, k, h = two.reader_a.id, "0" * 16, "0" * 16
    return ["/portal/company/users", f"/portal/company/users/{u}/deactivate", f"/portal/company/users/{u}/activate",
            f"/portal/company/users/{u}/reset", "/portal/company/keys", f"/portal/company/keys/{k}/revoke",
            "/portal/company/webhooks", f"/portal/company/webhooks/{h}/rotate", f"/portal/company/webhooks/{h}/delete"]


PAGES = ("/portal/company", "/portal/company/users", "/portal/company/keys", "/portal/company/webhooks",
         "/portal/company/usage")


# ---- who may --------------------------------------------------------------------------------------------


def test_a_plain_subscriber_and_staff_get_403_on_every_company_route(client: TestClient, two: Two) -> None:
    assert client.get("/portal/company", follow_redirects=False).headers["location"].startswith("/login?next=")
    sign_in(client, two.reader_a.email)
    token = csrf_of(client.get("/password").text)
    for path in PAGES:
        assert client.get(path, follow_redirects=False).status_code == 403, path
    for path in _posts(two):
        r = client.post(path, data={"csrf_token": token, "email": "x@daily-a.example", "name": "X",
                                    "role": "subscriber", "label": "k", "scopes": "read", "url": HOOK_URL})
        assert r.status_code == 403, path
    assert len(two.svc.store.list_users(two.a)) == 2 and not two.svc.subscribers.list_api_keys(two.a)
    assert two.svc.store.get_user(two.reader_a.id).active
    editor = _person(two.svc, "editor@agency.example", "editor", None)
    staff = TestClient(client.app)
    sign_in_staff = csrf_of(staff.get("/login").text)
    staff.post("/login", data={"email": editor.email, "password": PASSWORD, "csrf_token": sign_in_staff})
    assert staff.get("/portal/company", follow_redirects=False).status_code == 403


def test_the_portal_nav_links_the_company_pages_for_its_admin_only(client: TestClient, two: Two) -> None:
    sign_in(client, two.reader_a.email)
    assert 'href="/portal/company"' not in client.get("/portal/history").text
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/password").text)})
    sign_in(client, two.admin_a.email)
    assert 'href="/portal/company"' in client.get("/portal/history").text


# ---- people ---------------------------------------------------------------------------------------------


def test_the_admin_adds_a_person_whose_generated_password_works_once_shown(boss: TestClient, two: Two) -> None:
    r = post(boss, "/portal/company/users", {"email": "New@Daily-A.example", "name": "New Reader",
                                             "role": "company_admin"})
    password = shown_once(boss, r)
    made = two.svc.store.user_by_email("new@daily-a.example")
    assert (made.company_id, made.role, made.name) == (two.a, "company_admin", "New Reader")
    assert verify_password(made.password_hash, password)
    assert "new@daily-a.example" in boss.get("/portal/company/users").text


def test_staff_roles_cannot_be_granted(boss: TestClient, two: Two) -> None:
    for role in ("admin", "editor", "reporter", ""):
        r = post(boss, "/portal/company/users", {"email": f"x{role}@daily-a.example", "name": "X", "role": role})
        assert r.status_code == 422, role
        assert 'id="e-role"' in r.text
    assert all(u.role in ("subscriber", "company_admin") for u in two.svc.store.list_users())
    assert len(two.svc.store.list_users(two.a)) == 2


def test_deactivate_reactivate_and_reset_end_the_persons_sessions(boss: TestClient, two: Two) -> None:
    reader = TestClient(boss.app)
    sign_in(reader, two.reader_a.email)
    assert post(boss, f"/portal/company/users/{two.reader_a.id}/deactivate").headers["location"].endswith(
        "done=deactivated")
    assert not two.svc.store.get_user(two.reader_a.id).active
    assert reader.get("/portal", follow_redirects=False).status_code == 303  # signed out at once
    assert post(boss, f"/portal/company/users/{two.reader_a.id}/activate").status_code == 303
    assert two.svc.store.get_user(two.reader_a.id).active
    sign_in(reader, two.reader_a.email)
    one_time = shown_once(boss, post(boss, f"/portal/company/users/{two.reader_a.id}/reset"))
    assert reader.get("/portal", follow_redirects=False).status_code == 303
    hashed = two.svc.store.get_user(two.reader_a.id).password_hash
    assert verify_password(hashed, one_time) and not verify_password(hashed, PASSWORD)


def test_the_admin_cannot_deactivate_or_reset_itself(boss: TestClient, two: Two) -> None:
    assert post(boss, f"/portal/company/users/{two.admin_a.id}/deactivate").status_code == 409
    assert post(boss, f"/portal/company/users/{two.admin_a.id}/reset").status_code == 409
    me = two.svc.store.get_user(two.admin_a.id)
    assert me.active and verify_password(me.password_hash, PASSWORD)
    assert boss.get("/portal/company/users").status_code == 200  # still signed in


def test_two_creations_of_one_email_at_once_make_one_account(boss: TestClient, two: Two) -> None:
    token = csrf_of(boss.get("/portal/company/users").text)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def create() -> None:
        start.wait()
        r = boss.post("/portal/company/users", data={"csrf_token": token, "email": "twice@daily-a.example",
                                                     "name": "Twice", "role": "subscriber"}, follow_redirects=False)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [303, 409]
    assert [u.email for u in two.svc.store.list_users(two.a)].count("twice@daily-a.example") == 1


# ---- another company's ids ------------------------------------------------------------------------------


def test_ids_of_another_company_or_of_staff_are_404_and_change_nothing(boss: TestClient, two: Two) -> None:
    staff = _person(two.svc, "admin@agency.example", "admin", None)
    before_b = two.svc.store.get_user(two.reader_b.id)
    for user_id in (two.reader_b.id, staff.id, "nobody"):
        for action in ("deactivate", "activate", "reset"):
            assert post(boss, f"/portal/company/users/{user_id}/{action}").status_code == 404, (user_id, action)
    assert post(boss, f"/portal/company/keys/{two.key_b}/revoke").status_code == 404
    for action in ("rotate", "delete"):
        assert post(boss, f"/portal/company/webhooks/{two.hook_b}/{action}").status_code == 404
    assert two.svc.store.get_user(two.reader_b.id) == before_b
    assert two.svc.store.get_user(staff.id).active
    assert two.svc.subscribers.get_api_key(two.key_b).revoked is None
    hook = two.svc.webhooks.get_endpoint(two.hook_b)
    assert hook.rotating_until is None
    listed = boss.get("/portal/company/users").text + boss.get("/portal/company/keys").text
    assert "reader@daily-b.example" not in listed and "b&#39;s cms" not in listed and "b's cms" not in listed
    assert "hooks.daily-b.example" not in boss.get("/portal/company/webhooks").text


# ---- CSRF and bad input ---------------------------------------------------------------------------------


def test_every_post_needs_the_csrf_token(boss: TestClient, two: Two) -> None:
    key = two.svc.subscribers.create_api_key(two.a, label="a's cms").key.id
    hook = two.svc.webhooks.create_endpoint(two.a, HOOK_URL).endpoint.id
    paths = [p.replace("0" * 16, key if "/keys/" in p else hook) for p in _posts(two)]
    for path in paths:
        r = boss.post(path, data={"email": "x@daily-a.example", "name": "X", "role": "subscriber", "label": "k",
                                  "scopes": "read", "url": HOOK_URL}, follow_redirects=False)
        assert r.status_code == 403, path
        r = boss.post(path, data={"csrf_token": "forged", "name": "X"}, follow_redirects=False)
        assert r.status_code == 403, path
    assert len(two.svc.store.list_users(two.a)) == 2 and two.svc.store.get_user(two.reader_a.id).active
    assert [k.revoked for k in two.svc.subscribers.list_api_keys(two.a)] == [None]
    assert [e.id for e in two.svc.webhooks.list_endpoints(two.a)] == [hook]
    assert two.svc.webhooks.get_endpoint(hook).rotating_until is None


@pytest.mark.parametrize(("path", "field", "label", "data"), [
    ("/portal/company/users", "name", "Name", {"email": "ok@daily-a.example", "role": "subscriber"}),
    ("/portal/company/users", "email", "E-mail", {"name": "Fine", "role": "subscriber"}),
    ("/portal/company/keys", "label", "Name", {"scopes": "read"}),
    ("/portal/company/webhooks", "url", "Address", {"format": "ninjs"}),
])
@pytest.mark.parametrize("bad", ["Bell\x07", "line\nbreak", "x" * 10_000])
def test_a_control_character_or_a_huge_value_is_a_400_naming_the_field(
        boss: TestClient, two: Two, path: str, field: str, label: str, data: dict[str, str], bad: str) -> None:
    r = post(boss, path, {**data, field: bad})
    assert r.status_code == 400
    error = re.search(rf'<p class="field-error" id="e-{field}">([^<]+)</p>', r.text)
    assert error and error.group(1).startswith(label), r.text[-2000:]
    assert ("too long" in error.group(1)) == (len(bad) > 1000)
    assert bad not in r.text  # not echoed back either
    assert len(two.svc.store.list_users(two.a)) == 2
    assert not two.svc.subscribers.list_api_keys(two.a) and not two.svc.webhooks.list_endpoints(two.a)


# ---- keys -----------------------------------------------------------------------------------------------


def test_a_key_is_shown_once_reads_the_feed_and_stops_when_revoked(boss: TestClient, two: Two) -> None:
    secret = shown_once(boss, post(boss, "/portal/company/keys", {"label": "Our CMS", "scopes": ["feed", "items"]}))
    (key,) = two.svc.subscribers.list_api_keys(two.a)
    assert (key.label, key.scopes, key.company_id) == ("Our CMS", ("feed", "items"), two.a)
    headers = {"Authorization": f"Bearer {secret}"}
    assert boss.get("/v1/feed", headers=headers).status_code == 200
    page = boss.get("/portal/company/keys").text
    assert "Our CMS" in page and key.prefix in page and secret not in page
    assert post(boss, f"/portal/company/keys/{key.id}/revoke").headers["location"].endswith("done=revoked")
    assert boss.get("/v1/feed", headers=headers).status_code == 401
    assert "revoked" in boss.get("/portal/company/keys").text


def test_a_key_needs_a_name_and_a_use(boss: TestClient, two: Two) -> None:
    assert post(boss, "/portal/company/keys", {"label": "", "scopes": "read"}).status_code == 422
    r = post(boss, "/portal/company/keys", {"label": "No use"})
    assert r.status_code == 422 and 'id="e-scopes"' in r.text
    r = post(boss, "/portal/company/keys", {"label": "Odd", "scopes": "everything"})
    assert r.status_code == 422 and "everything" in r.text
    assert not two.svc.subscribers.list_api_keys(two.a)


def test_revoking_in_the_portal_ends_an_open_stream_on_the_key(wire: Wire) -> None:
    admin = _person(wire.svc, "boss@daily-a.example", "company_admin", wire.company_id)
    with _client(wire) as browser, _client(wire) as http, \
            http.stream("GET", "/v1/stream", headers=_key(wire.key)) as response:
        sse = Sse(response).until_connected()
        sign_in(browser, admin.email)
        token = csrf_of(browser.get("/portal/company/keys").text)
        since = time.monotonic()
        r = browser.post(f"/portal/company/keys/{wire.key_id}/revoke", data={"csrf_token": token},
                         follow_redirects=False)
        assert r.status_code == 303
        _assert_closed_within_bound(sse, since, "API key revoked")


# ---- webhooks -------------------------------------------------------------------------------------------


def test_webhooks_are_made_checked_rotated_and_deleted(boss: TestClient, two: Two) -> None:
    r = post(boss, "/portal/company/webhooks", {"url": "ftp://hooks.daily-a.example/x", "format": "ninjs"})
    assert r.status_code == 422 and 'id="e-url"' in r.text
    r = post(boss, "/portal/company/webhooks", {"url": HOOK_URL, "format": "klingon"})
    assert r.status_code == 422 and 'id="e-format"' in r.text
    assert not two.svc.webhooks.list_endpoints(two.a)
    first = shown_once(boss, post(boss, "/portal/company/webhooks", {"url": HOOK_URL, "format": "nitf"}))
    (hook,) = two.svc.webhooks.list_endpoints(two.a)
    assert (hook.url, hook.format) == (HOOK_URL, "nitf")
    page = boss.get("/portal/company/webhooks").text
    assert HOOK_URL in page and "delivering" in page
    second = shown_once(boss, post(boss, f"/portal/company/webhooks/{hook.id}/rotate"))
    assert second != first and two.svc.webhooks.get_endpoint(hook.id).rotating_until is not None
    assert post(boss, f"/portal/company/webhooks/{hook.id}/delete").status_code == 303
    assert not two.svc.webhooks.list_endpoints(two.a)


# ---- feeds, products, usage -----------------------------------------------------------------------------


def test_the_overview_gives_the_addresses_and_the_products(boss: TestClient, two: Two) -> None:
    page = boss.get("/portal/company").text
    base = two.svc.settings.base_url
    for address in (f"{base}/v1/feed?after=0", f"{base}/v1/stream?format=ninjs", f"{base}/v1/search"):
        assert address in page
    assert 'data-copy="addr-1"' in page
    assert "World desk" in page and "Foreign news in English" in page and "categories: World" in page


def test_usage_counts_what_the_companys_keys_read(boss: TestClient, two: Two) -> None:
    secret = two.svc.subscribers.create_api_key(two.a, label="reader").secret
    two.svc.subscribers.create_api_key(two.b, label="other")
    publish_story(two.svc, "Harbour storm", "World")
    for _ in range(3):
        assert boss.get("/v1/feed", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    report = two.svc.usage.report(two.a, days=7)
    page = boss.get("/portal/company/usage?days=7")
    assert page.status_code == 200
    assert report["by_channel"] and all(f"<th scope=\"col\">{c}</th>" in page.text for c in report["by_channel"])
    assert boss.get("/portal/company/usage?days=0").status_code == 422


@pytest.fixture
def pages(boss: TestClient) -> Iterator[dict[str, str]]:
    yield {path: boss.get(path).text for path in PAGES}


def test_every_company_page_marks_its_tab(pages: dict[str, str]) -> None:
    for path, html in pages.items():
        assert f'href="{path}" aria-current="page"' in html, path

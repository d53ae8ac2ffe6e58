"""Sessions kept server-side and revocable staff tokens (issue 10, item 4), tried as an attacker would:
a cookie replayed after logout or a password change, a token used after it was revoked — also while
its stream is open —, a secret looked for in the cookie, two sign-ins racing, a password sprayed over
many accounts from one address, and cookies of hostile bytes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newsflow.auth import hash_password
from newsflow.cli import app as cli
from newsflow.config import Settings
from newsflow.services import Services
from newsflow.store.store import hash_token
from newsflow.web.app import create_app
from tests.helpers import live_server, publish_story
from tests.web.test_admin_face import PASSWORD, csrf_of, post, secret_of
from tests.web.test_stream_promises import READ_TIMEOUT, Sse

COOKIE = "nf_session"
BOUND = 2.5  # seconds: the 1 s re-check of open streams, plus a margin for a loaded machine


def _account(svc: Services, role: str = "admin", email: str | None = None) -> str:
    email = email or f"{role}@agency.example"
    svc.store.create_user(email=email, name=role.title(), role=role, password_hash=hash_password(PASSWORD))
    return email


def _sign_in(client: TestClient | httpx.Client, email: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": ""},
                       follow_redirects=False)


def _signed_in(client: TestClient, path: str = "/desk") -> bool:
    r = client.get(path, follow_redirects=False)
    assert r.status_code in (200, 303), r.text
    return r.status_code == 200


def _browser(services: Services) -> TestClient:
    """Another browser on the same node (its app's lifespan is the `client` fixture's: not run twice)."""
    return TestClient(create_app(services))


def _fresh(services: Services, cookie: str) -> contextlib.closing[TestClient]:
    """Another browser that presents `cookie` (a stolen or kept copy)."""
    client = _browser(services)
    client.cookies.set(COOKIE, cookie)
    return contextlib.closing(client)


def _decoded(value: str) -> str:
    """The cookie as text, with every base64-looking part decoded too (a signed cookie is readable)."""
    parts = [value]
    for piece in re.split(r"[.:]", value):
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            with contextlib.suppress(ValueError):
                parts.append(decode(piece + "=" * (-len(piece) % 4)).decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.fixture
def admin(client: TestClient, services: Services) -> TestClient:
    assert _sign_in(client, _account(services)).status_code == 303
    return client


# ---- the cookie names a session row; the row is the truth -------------------------------------------------


def test_a_cookie_kept_from_before_logout_signs_nobody_in(admin: TestClient, services: Services) -> None:
    kept = admin.cookies[COOKIE]
    assert _signed_in(admin)
    r = post(admin, "/logout", page="/admin/companies")
    assert r.status_code == 303
    with _fresh(services, kept) as thief:
        assert not _signed_in(thief)
        assert not _signed_in(thief, "/admin/companies")


def test_the_cookie_is_an_opaque_id_and_only_its_hash_is_stored(admin: TestClient, services: Services) -> None:
    value = admin.cookies[COOKIE]
    assert value.startswith("s.") and len(value) > 40
    sid = value[2:]
    with services.store.read() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM sessions"))]
    assert len(rows) == 1
    assert rows[0]["id_hash"] == hash_token(sid)
    assert not any(sid in str(v) for v in rows[0].values())  # the id itself is nowhere in the table
    assert "admin@agency.example" not in _decoded(value)  # nor who it is, in the cookie


def test_a_password_change_ends_every_session_and_token_of_the_account(client: TestClient,
                                                                         services: Services) -> None:
    email = _account(services, "editor", "ed@agency.example")
    user = services.store.user_by_email(email)
    with contextlib.closing(_browser(services)) as laptop, contextlib.closing(_browser(services)) as phone:
        assert _sign_in(laptop, email).status_code == 303 and _sign_in(phone, email).status_code == 303
        token = services.store.create_token(user.id, "cms")
        bearer = {"Authorization": f"Bearer {token}"}
        assert laptop.get("/v1/newsroom/stories", headers=bearer).status_code == 200
        assert _signed_in(laptop) and _signed_in(phone)
        admin_token = services.store.create_token(
            services.store.user_by_email(_account(services)).id, "admin")
        r = laptop.patch(f"/v1/admin/users/{user.id}", json={"password": "a new long passphrase"},
                         headers={"Authorization": f"Bearer {admin_token}"})
        assert r.status_code == 200, r.text
        assert not _signed_in(laptop) and not _signed_in(phone)
        assert laptop.get("/v1/newsroom/stories", headers=bearer).status_code == 401
        # the new password signs in afresh; the old one does not
        assert _sign_in(phone, email).status_code == 401
        assert _sign_in(phone, email, "a new long passphrase").status_code == 303
        assert _signed_in(phone)


def test_changing_ones_own_password_signs_out_everywhere_else(client: TestClient, services: Services) -> None:
    email = _account(services, "editor", "ed@agency.example")
    user = services.store.user_by_email(email)
    token = services.store.create_token(user.id, "cms")
    with contextlib.closing(_browser(services)) as thief:
        assert _sign_in(client, email).status_code == 303 and _sign_in(thief, email).status_code == 303
        before = client.cookies[COOKIE]
        form = csrf_of(client.get("/password").text)
        wrong = client.post("/password", data={"csrf_token": form, "current": "not it", "new": "another passphrase"})
        short = client.post("/password", data={"csrf_token": form, "current": PASSWORD, "new": "short"})
        assert (wrong.status_code, short.status_code) == (401, 422)
        assert _signed_in(thief)  # a refused change ends nothing
        r = client.post("/password", data={"csrf_token": form, "current": PASSWORD, "new": "another passphrase"},
                        follow_redirects=False)
        assert r.status_code == 303
        assert _signed_in(client) and client.cookies[COOKIE] != before  # this browser: a fresh session
        assert not _signed_in(thief)
        assert client.get("/v1/newsroom/stories", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with _fresh(services, before) as old:
        assert not _signed_in(old)


def test_deactivation_ends_sessions_and_tokens_for_good(admin: TestClient, services: Services) -> None:
    email = _account(services, "editor", "ed@agency.example")
    user = services.store.user_by_email(email)
    token = services.store.create_token(user.id, "cms")
    with contextlib.closing(_browser(services)) as desk:
        assert _sign_in(desk, email).status_code == 303
        kept = desk.cookies[COOKIE]
        assert post(admin, f"/admin/users/{user.id}/deactivate", page="/admin/users").status_code == 303
        assert post(admin, f"/admin/users/{user.id}/activate", page="/admin/users").status_code == 303
    # active again, but what was signed in before the deactivation stays out
    with _fresh(services, kept) as old:
        assert not _signed_in(old)
    assert services.store.user_for_token(token) is None


def test_two_sign_ins_at_once_get_two_distinct_working_sessions(client: TestClient, services: Services) -> None:
    email = _account(services, "editor", "ed@agency.example")
    clients = [_browser(services) for _ in range(4)]
    tokens = [csrf_of(c.get("/login").text) for c in clients]
    barrier = threading.Barrier(len(clients))
    answers: list[int] = [0] * len(clients)

    def sign_in(i: int) -> None:
        barrier.wait()
        answers[i] = clients[i].post("/login", data={"email": email, "password": PASSWORD,
                                                     "csrf_token": tokens[i], "next": ""},
                                     follow_redirects=False).status_code

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [303] * len(clients)
    cookies = {c.cookies[COOKIE] for c in clients}
    assert len(cookies) == len(clients)
    assert all(_signed_in(c) for c in clients)
    # one signs out: only that one is out
    assert post(clients[0], "/logout", page="/desk").status_code == 303
    assert [_signed_in(c) for c in clients] == [False, True, True, True]
    for c in clients:
        c.close()


# ---- secrets shown once never ride in a cookie ----------------------------------------------------------


def _cookies_of(*responses: httpx.Response) -> list[str]:
    """The values of every Set-Cookie of `responses` (`name=value; attributes` → value)."""
    return [v.split(";", 1)[0].partition("=")[2] for r in responses for k, v in r.headers.multi_items()
            if k.lower() == "set-cookie"]


def test_a_secret_shown_once_is_never_in_a_cookie(admin: TestClient, services: Services) -> None:
    r = post(admin, "/admin/companies", {"name": "Daily A", "active": "on"})
    company_id = r.headers["location"].split("/")[3].split("?")[0]
    made = [("API key", f"/admin/companies/{company_id}/keys", {"label": "cms", "scopes": ["feed"]},
             "/admin/companies"),
            ("password", "/admin/users", {"email": "new@agency.example", "name": "New", "role": "editor"},
             "/admin/users")]
    for what, path, data, form_page in made:
        response = post(admin, path, data, page=form_page)
        assert response.status_code == 303, (what, response.text)
        page = admin.get(response.headers["location"])
        secret = secret_of(page.text)
        headers = _cookies_of(response, page)
        for cookie in [*headers, *admin.cookies.values()]:
            assert secret not in _decoded(cookie), f"the {what} travels in a cookie"
        assert secret not in admin.get(response.headers["location"]).text  # and it was shown once


# ---- staff tokens: listed, revoked, refused at once --------------------------------------------------------


def test_admin_tokens_section_lists_and_revokes(admin: TestClient, services: Services) -> None:
    user = services.store.user_by_email(_account(services, "editor", "ed@agency.example"))
    token = services.store.create_token(user.id, "nightly import")
    page = admin.get("/admin/tokens").text
    assert "nightly import" in page and "ed@agency.example" in page and token not in page
    token_id = re.search(r'/admin/tokens/([0-9a-f]+)/revoke', page).group(1)  # type: ignore[union-attr]
    assert admin.get("/v1/newsroom/stories", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    r = post(admin, f"/admin/tokens/{token_id}/revoke", page="/admin/tokens")
    assert r.status_code == 303
    assert admin.get("/v1/newsroom/stories", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert post(admin, "/admin/tokens/nope/revoke", page="/admin/tokens").status_code == 404


def test_cli_token_create_list_revoke(services: Services, database_url: str, monkeypatch: pytest.MonkeyPatch,
                                      client: TestClient) -> None:
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSFLOW_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("COLUMNS", "200")  # a table as wide as an operator's terminal, ids not cut
    email = _account(services, "editor", "ed@agency.example")
    runner = CliRunner()
    made = runner.invoke(cli, ["token", "create", "--email", email, "--label", "wire-bot"])
    assert made.exit_code == 0, made.output
    token = made.output.strip()
    listed = runner.invoke(cli, ["token", "list"])
    assert listed.exit_code == 0 and "wire-bot" in listed.output and token not in listed.output
    from newsflow.store.credentials import list_tokens

    (token_id,) = [t.id for t in list_tokens(services.store)]
    assert token_id in listed.output
    assert client.get("/v1/newsroom/stories", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    revoked = runner.invoke(cli, ["token", "revoke", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/v1/newsroom/stories", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    unknown = runner.invoke(cli, ["token", "revoke", "0000000000000000"])
    assert unknown.exit_code != 0 and "0000000000000000" in unknown.output


# ---- open streams end with their credentials ------------------------------------------------------------------


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    with live_server(services) as url:
        yield url


def _closed_within(sse: Sse, since: float) -> None:
    ended = sse.until_closed()
    assert b": closed:" in sse.raw[-120:], sse.raw[-200:]
    assert ended - since < BOUND, f"the stream stayed open {ended - since:.1f} s"


def test_a_revoked_token_ends_its_open_desk_stream(server: str, services: Services) -> None:
    user = services.store.user_by_email(_account(services, "editor", "ed@agency.example"))
    token = services.store.create_token(user.id, "monitor")
    from newsflow.store.credentials import list_tokens, revoke_token  # new with the fix: imported here so
    # the other tests of this file also run on the commit before it
    (info,) = list_tokens(services.store)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server, timeout=httpx.Timeout(10, read=READ_TIMEOUT)) as http:
        with http.stream("GET", "/desk/events", headers=headers) as response:
            sse = Sse(response).read_until(lambda s: b"retry:" in s.raw)
            publish_story(services, "Seen live", "World")
            sse.read_until(lambda s: b"Seen live" in s.raw)
            since = time.monotonic()
            revoke_token(services.store, info.id)
            _closed_within(sse, since)
        assert http.get("/desk/events", headers=headers).status_code == 401


def test_logout_ends_the_sessions_open_desk_and_portal_streams(server: str, services: Services) -> None:
    subs = services.subscribers
    company = subs.create_company("Daily A")
    product = subs.create_product("World", {"categories": ["World"]})
    subs.assign_product(company.id, product.id)
    services.store.create_user(email="reader@daily-a.example", name="Reader", role="subscriber",
                               company_id=company.id, password_hash=hash_password(PASSWORD))
    staff = _account(services, "editor", "ed@agency.example")
    for email, path in ((staff, "/desk/events"), ("reader@daily-a.example", "/portal/events")):
        with httpx.Client(base_url=server, timeout=httpx.Timeout(10, read=READ_TIMEOUT)) as browser, \
                httpx.Client(base_url=server) as other_tab:
            assert _sign_in(browser, email).status_code == 303
            other_tab.cookies.set(COOKIE, browser.cookies[COOKIE])
            with browser.stream("GET", path) as response:
                sse = Sse(response).read_until(lambda s: b"retry:" in s.raw)
                since = time.monotonic()
                # sign out in another tab of the same browser (the same cookie)
                token = csrf_of(other_tab.get("/desk" if path == "/desk/events" else "/portal").text)
                assert other_tab.post("/logout", data={"csrf_token": token}).status_code in (200, 303)
                _closed_within(sse, since)


# ---- throttling: one address spraying many accounts ------------------------------------------------------------


@pytest.fixture
def few_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small allowance (set before the services fixture reads its settings): fewer slow hashes."""
    monkeypatch.setenv("NEWSFLOW_LOGIN_FAILURES_PER_HOUR", "6")


def test_password_spraying_from_one_address_is_throttled_across_accounts(few_failures: None, client: TestClient,
                                                                         services: Services) -> None:
    allowed = 6
    token = csrf_of(client.get("/login").text)
    codes = [client.post("/login", data={"email": f"victim{i}@agency.example", "password": "Summer2026!",
                                         "csrf_token": token}).status_code for i in range(allowed + 1)]
    assert codes[:allowed] == [401] * allowed  # each e-mail tried once: the old per-e-mail limit never fires
    last = client.post("/login", data={"email": "victim-next@agency.example", "password": "x", "csrf_token": token})
    assert codes[-1] == 429 and last.status_code == 429
    assert int(last.headers["Retry-After"]) >= 1
    # even the right password of a real account waits: the address is what is slowed
    email = _account(services, "editor", "ed@agency.example")
    right = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                        follow_redirects=False)
    assert right.status_code == 429


# ---- hostile cookies ----------------------------------------------------------------------------------------


@pytest.fixture
def stranger(client: TestClient, services: Services) -> Iterator[TestClient]:
    with contextlib.closing(_browser(services)) as browser:
        yield browser


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126,
                                                        blacklist_characters=';,"\\'), max_size=300),
                       st.text(alphabet="abcdef0123456789", min_size=64, max_size=64).map(lambda h: "s." + h)))
def test_no_cookie_value_signs_anyone_in_or_breaks_a_page(admin: TestClient, stranger: TestClient,
                                                         value: str) -> None:
    stranger.cookies.clear()
    stranger.cookies.set(COOKIE, value)
    r = stranger.get("/desk", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


# ---- the re-check wrapper of the desk's stream ---------------------------------------------------------------


def test_a_wrapped_stream_ends_with_its_source_or_its_credential_whichever_first() -> None:
    from newsflow.web.sessions import until_ended

    async def three() -> Any:
        for i in range(3):
            yield f"data: {i}\n\n"

    async def forever() -> Any:
        yield "data: first\n\n"
        await asyncio.Event().wait()  # a quiet log: nothing more for a long time
        yield "never"

    async def collect(frames: Any) -> tuple[list[str], float]:
        started, out = time.monotonic(), []
        async for frame in frames:
            out.append(frame)
        return out, time.monotonic() - started

    # the source ends: at once, not at the next re-check
    out, took = asyncio.run(collect(until_ended(three(), lambda: True, every=10)))
    assert out == ["data: 0\n\n", "data: 1\n\n", "data: 2\n\n"] and took < 1
    # the credential ends while the source waits: within one re-check, with a last comment
    checks = iter([True, False])
    out, took = asyncio.run(collect(until_ended(forever(), lambda: next(checks), every=0.2)))
    assert out[0] == "data: first\n\n" and out[-1].startswith(": closed:") and took < 1.5


def test_a_session_lifetime_past_the_calendar_is_refused_at_start(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_SESSION_HOURS", str(10**12))
    with pytest.raises(ValueError, match="NEWSFLOW_SESSION_HOURS must be at most"):
        Settings(data_dir=tmp_path)

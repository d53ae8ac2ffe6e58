"""Password reset (issue 13): by an e-mailed one-time link when NEWSFLOW_SMTP_URL is set (through a real
SMTP server, aiosmtpd), and by an admin in the admin face. Tried as a stranger would: an address with no
account gets the very same answer, asking is rate limited, a used or expired link says so, a short
password is refused, two uses of one link at once let exactly one win, and every session and token of
the account ends."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password, verify_password
from newsflow.services import Services
from newsflow.store import resets
from newsflow.web.app import create_app
from tests.test_alerts import Inbox, smtp  # noqa: F401 (the fixture)
from tests.web.test_admin_face import PASSWORD, csrf_of, secret_of

LINK = re.compile(r"https?://\S+/password/reset\?token=[\w-]+")


@pytest.fixture
def mailing(services: Services, smtp: tuple[Inbox, str]) -> Iterator[tuple[TestClient, Inbox, Services]]:  # noqa: F811
    inbox, url = smtp
    svc = dataclasses.replace(services, settings=dataclasses.replace(services.settings, smtp_url=url))
    with TestClient(create_app(svc)) as client:
        yield client, inbox, svc


def _account(svc: Services, email: str = "ed@agency.example", role: str = "editor") -> str:
    return svc.store.create_user(email=email, name="Ed", role=role, password_hash=hash_password(PASSWORD)).id


def _ask(client: TestClient, email: str) -> tuple[int, str]:
    page = client.get("/password/forgot")
    r = client.post("/password/forgot", data={"email": email, "csrf_token": csrf_of(page.text)})
    return r.status_code, r.text


def _sign_in(client: TestClient, email: str, password: str) -> int:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       follow_redirects=False).status_code


def _choose(client: TestClient, link: str, new: str, again: str | None = None) -> tuple[int, str]:
    token = urlsplit(link).query.removeprefix("token=")
    form = client.get(f"/password/reset?token={token}")
    # a used or expired link shows no form: the session's token is on the request page too
    csrf = csrf_of(form.text if form.status_code == 200 else client.get("/password/forgot").text)
    r = client.post("/password/reset", data={"token": token, "new": new, "again": new if again is None else again,
                                             "csrf_token": csrf})
    return r.status_code, r.text


def test_without_smtp_no_link_is_offered(client: TestClient) -> None:
    assert "/password/forgot" not in client.get("/login").text
    assert client.get("/password/forgot").status_code == 404


def test_a_mailed_link_sets_a_new_password_once_and_ends_every_session(
        mailing: tuple[TestClient, Inbox, Services]) -> None:
    client, inbox, svc = mailing
    user_id = _account(svc)
    assert 'href="/password/forgot"' in client.get("/login").text
    staff_token = svc.store.create_token(user_id, "bot")
    signed_in = TestClient(client.app)
    assert _sign_in(signed_in, "ed@agency.example", PASSWORD) == 303
    assert signed_in.get("/desk", follow_redirects=False).status_code == 200

    status, _ = _ask(client, "ED@agency.example")
    assert status == 200
    (message,) = inbox.messages
    assert message["To"] == "ed@agency.example"
    body = message.get_body(("plain",))
    assert body is not None
    (link,) = LINK.findall(body.get_content())
    assert link.startswith(svc.settings.base_url + "/password/reset?token=")

    assert _choose(client, link, "short")[0] == 422  # the usual rules: 8 characters at least
    assert _choose(client, link, "a long new password", "another long one")[0] == 422
    status, page = _choose(client, link, "a long new password")
    assert status == 200 and "/login" in page
    user = svc.store.get_user(user_id)
    assert verify_password(user.password_hash, "a long new password")
    assert signed_in.get("/desk", follow_redirects=False).status_code == 303  # signed out
    assert svc.store.user_for_token(staff_token) is None
    assert _sign_in(TestClient(client.app), "ed@agency.example", "a long new password") == 303

    status, page = _choose(client, link, "yet another password")
    assert status == 410 and "used already" in page
    assert verify_password(svc.store.get_user(user_id).password_hash, "a long new password")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(mailing: tuple[TestClient, Inbox, Services]) -> None:
    client, inbox, svc = mailing
    _account(svc, "known@agency.example")
    known = _ask(client, "known@agency.example")
    unknown = _ask(client, "nobody@agency.example")
    assert known[0] == unknown[0] == 200

    def _without_address(html: str, address: str) -> str:  # the page echoes the address, and its form token
        return re.sub(r'name="csrf_token" value="[^"]+"', "", html.replace(address, "ADDRESS"))

    assert _without_address(known[1], "known@agency.example") == _without_address(unknown[1], "nobody@agency.example")
    assert [m["To"] for m in inbox.messages] == ["known@agency.example"]


def test_asking_is_rate_limited_per_client(mailing: tuple[TestClient, Inbox, Services]) -> None:
    client, _, _ = mailing
    statuses = [_ask(client, f"someone{i}@agency.example")[0] for i in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429


def test_an_expired_or_made_up_link_says_so(mailing: tuple[TestClient, Inbox, Services]) -> None:
    client, _, svc = mailing
    user_id = _account(svc)
    old = resets.issue(svc.store, user_id, timedelta(seconds=-1))
    r = client.get(f"/password/reset?token={old}")
    assert r.status_code == 410 and "expired" in r.text
    status, page = _choose(client, f"/password/reset?token={old}", "a long new password")
    assert status == 410 and "expired" in page
    assert verify_password(svc.store.get_user(user_id).password_hash, PASSWORD)
    made_up = client.get("/password/reset?token=not-a-token")
    assert made_up.status_code == 404 and "not valid" in made_up.text


def test_a_deactivated_account_gets_no_link(mailing: tuple[TestClient, Inbox, Services]) -> None:
    client, inbox, svc = mailing
    user_id = _account(svc)
    svc.store.update_user(user_id, active=False)
    assert _ask(client, "ed@agency.example")[0] == 200
    assert inbox.messages == []


def test_two_uses_of_one_link_at_once_let_exactly_one_win(services: Services) -> None:
    user_id = _account(services)
    token = resets.issue(services.store, user_id)
    start = threading.Barrier(6)
    outcomes: list[resets.LinkState] = []

    def use(n: int) -> None:
        start.wait()
        outcomes.append(resets.use(services.store, token, hash_password(f"password number {n}"))[0])

    threads = [threading.Thread(target=use, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(resets.LinkState.valid) == 1
    assert outcomes.count(resets.LinkState.used) == 5
    password_hash = services.store.get_user(user_id).password_hash
    assert sum(verify_password(password_hash, f"password number {n}") for n in range(6)) == 1


def test_an_admin_resets_a_password_in_the_admin_face(client: TestClient, services: Services) -> None:
    services.store.create_user(email="admin@agency.example", name="Admin", role="admin",
                               password_hash=hash_password(PASSWORD))
    user_id = _account(services)
    victim = TestClient(client.app)
    assert _sign_in(victim, "ed@agency.example", PASSWORD) == 303
    assert _sign_in(client, "admin@agency.example", PASSWORD) == 303
    users = client.get("/admin/users")
    assert f'action="/admin/users/{user_id}/reset-password"' in users.text
    r = client.post(f"/admin/users/{user_id}/reset-password", data={"csrf_token": csrf_of(users.text)})
    assert r.status_code == 200 or r.status_code == 303
    shown = client.get(r.headers["location"]).text if r.status_code == 303 else r.text
    password = secret_of(shown)
    assert verify_password(services.store.get_user(user_id).password_hash, password)
    assert victim.get("/desk", follow_redirects=False).status_code == 303  # every session ended
    again = client.get("/admin/users").text
    assert password not in again  # shown once

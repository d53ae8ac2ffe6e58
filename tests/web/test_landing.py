"""Each role lands on its own face after sign-in, the faces link to each other, and every page offers a
way to sign in (issue 13) — while the public pages, kept in memory and shared by every reader, never
carry one reader's name."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.services import Services
from newsflow.web.app import create_app
from tests.web.test_admin_face import PASSWORD, csrf_of


def _person(svc: Services, role: str) -> str:
    company_id = svc.subscribers.create_company(f"Company of {role}").id if role in ("subscriber",
                                                                                     "company_admin") else None
    email = f"{role}@agency.example"
    svc.store.create_user(email=email, name=f"Person {role}", role=role, company_id=company_id,
                          password_hash=hash_password(PASSWORD))
    return email


def _sign_in(client: TestClient, email: str, next_path: str = "") -> str:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "next": next_path},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


@pytest.mark.parametrize(("role", "face"), [("admin", "/admin"), ("editor", "/desk"), ("reporter", "/desk"),
                                            ("subscriber", "/portal"), ("company_admin", "/portal")])
def test_each_role_lands_on_its_own_face(services: Services, role: str, face: str) -> None:
    email = _person(services, role)
    with TestClient(create_app(services)) as client:
        assert _sign_in(client, email) == face
        page = client.get(face)
        assert page.status_code == 200
        # the face links the other faces this account may open, the public site and the API docs
        faces = re.search(r'<nav class="faces"[^>]*>(.*?)</nav>', page.text, re.DOTALL)
        assert faces, f"no faces navigation on {face}"
        links = set(re.findall(r'href="([^"]+)"', faces.group(1)))
        expected = {"/admin", "/desk"} if role == "admin" else {face}
        assert links == expected | {"/", "/docs"}, links
        # signed in already, /login sends them on to their face
        assert client.get("/login", follow_redirects=False).headers["location"] == face


def test_a_safe_next_wins_and_a_foreign_one_is_ignored(services: Services) -> None:
    email = _person(services, "editor")
    with TestClient(create_app(services)) as client:
        assert _sign_in(client, email, "/desk/live") == "/desk/live"
        assert _sign_in(TestClient(client.app), email, "//evil.example/desk") == "/desk"  # another browser


def test_the_public_pages_offer_sign_in_and_never_a_readers_name(services: Services) -> None:
    email = _person(services, "subscriber")
    with TestClient(create_app(services)) as client:
        anonymous = client.get("/").text
        assert 'href="/login"' in anonymous
        _sign_in(client, email)
        signed_in = client.get("/").text
        assert 'href="/login"' in signed_in and "Person subscriber" not in signed_in
        # the login page offers it too, marked as the page one is on
        assert 'href="/login" aria-current="page"' in TestClient(client.app).get("/login").text


def test_a_signed_in_browser_gets_its_own_header_apart_from_the_shared_page(services: Services) -> None:
    email = _person(services, "admin")
    with TestClient(create_app(services)) as client:
        assert client.get("/login/whoami").status_code == 204  # nobody signed in
        token = csrf_of(client.get("/login").text)
        r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                        follow_redirects=False)
        assert r.cookies.get("nf_in") == "1"  # the flag static/signed-in.js looks for (no secret in it)
        assert 'src="/static/signed-in.js"' in client.get("/").text
        mine = client.get("/login/whoami")
        assert mine.status_code == 200 and "no-store" in mine.headers["cache-control"]
        assert "Person admin" in mine.text and 'action="/logout"' in mine.text
        assert {'href="/admin"', 'href="/desk"'} <= set(re.findall(r'href="[^"]+"', mine.text))
        client.post("/logout", data={"csrf_token": csrf_of(mine.text)}, follow_redirects=False)
        gone = client.get("/login/whoami")
        assert gone.status_code == 204 and "nf_in" in gone.headers.get("set-cookie", "")  # the flag is dropped

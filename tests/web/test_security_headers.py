"""Security headers on every face (issue 10, item 2): one page of each face — public, a rendered
public page answered beneath the framework, portal, desk, admin, login — an API route, the feed's
fast path, a static file, the docs, an event stream over real HTTP, errors and a 500 all carry a CSP
without inline script, frame-ancestors 'none' with X-Frame-Options, nosniff and a Referrer-Policy;
HSTS only behind an https public address. The templates hold no inline script or handler for the
policy to block.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
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
from newsflow.web import fastfeed
from newsflow.web.api.docs import ASSETS, ASSETS_DIR
from newsflow.web.app import create_app
from newsflow.web.public import site as public_site
from newsflow.web.security_headers import common_headers
from newsflow.web.templating import STATIC, TEMPLATE_DIRS
from tests.helpers import live_server, publish_story
from tests.web.test_admin_face import sign_in
from tests.web.test_portal import PASSWORD
from tests.web.test_portal import sign_in as portal_sign_in
from tests.web.test_subscriber import _auth, _setup

WEB = Path(public_site.__file__).parents[1]  # newsflow/web: every face's templates are under it
NOT_INLINE = {"script-src": "'self'", "frame-ancestors": "'none'"}


def policy(response: httpx.Response) -> dict[str, str]:
    """The CSP as {directive: sources}."""
    csp = response.headers.get("content-security-policy", "")
    return {d.split(" ", 1)[0]: d.partition(" ")[2] for d in (p.strip() for p in csp.split(";")) if d}


def assert_protected(response: httpx.Response, where: str) -> None:
    h = response.headers
    assert h.get("x-frame-options") == "DENY", where
    assert h.get("x-content-type-options") == "nosniff", where
    assert h.get("referrer-policy") in ("strict-origin-when-cross-origin", "same-origin", "no-referrer"), where
    csp = policy(response)
    assert csp.get("frame-ancestors") == "'none'", (where, csp)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (where, csp)
    assert "strict-transport-security" not in h, where  # the test node's address is http


@pytest.fixture
def faces(client: TestClient, services: Services) -> Callable[[], TestClient]:
    """A fresh browser for the same app (no lifespan of its own): one cookie jar per face."""
    return lambda: TestClient(client.app)


def test_every_face_and_path_carries_the_headers(client: TestClient, services: Services,
                                                 faces: Callable[[], TestClient],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    world = _setup(services)
    guid = publish_story(services, "Harbour reopens after storm", "World", public=True)
    story = client.get(f"/news/{guid}", follow_redirects=True)
    assert story.status_code == 200 and "Harbour reopens" in story.text
    answers: dict[str, httpx.Response] = {"public home": client.get("/"), "public story": story,
                                          "login": client.get("/login")}

    # a rendered public page held in memory is answered beneath the framework: the route is not called
    def not_called(*args: Any) -> None:
        raise AssertionError("the route ran: the page was not served from memory")

    monkeypatch.setattr(public_site, "rendered", not_called)
    answers["rendered public page"] = client.get("/")
    assert answers["rendered public page"].status_code == 200

    # the feed's fast path, seen answering (it builds the page itself)
    built: list[int] = []
    real_kept = fastfeed.kept_answer
    monkeypatch.setattr(fastfeed, "kept_answer", lambda *a: built.append(1) or real_kept(*a))
    answers["feed fast path"] = client.get("/v1/feed", headers=_auth(world.world_key))
    assert answers["feed fast path"].status_code == 200 and built == [1]
    answers["API route"] = client.get(f"/v1/items/{guid}", headers=_auth(world.world_key))
    answers["API 401"] = client.get("/v1/feed")
    answers["API 422"] = client.get("/v1/feed", params={"after": "x"}, headers=_auth(world.world_key))
    answers["static file"] = client.get("/static/base.css")
    answers["public 404"] = client.get("/no/such/page")
    answers["openapi"] = client.get("/openapi.json")

    admin, desk, portal = faces(), faces(), faces()
    sign_in(admin, services, "admin")
    answers["admin"] = admin.get("/admin/companies")
    sign_in(desk, services, "editor")
    answers["desk"] = desk.get("/desk")
    company = services.subscribers.list_companies()[0]
    services.store.create_user(email="reader@daily.example", name="Reader", role="subscriber",
                               company_id=company.id, password_hash=hash_password(PASSWORD))
    portal_sign_in(portal, "reader@daily.example")
    answers["portal"] = portal.get("/portal")
    answers["redirect"] = faces().get("/desk", follow_redirects=False)

    for where, response in answers.items():
        assert response.status_code < 500, (where, response.status_code)
        assert_protected(response, where)
    api = policy(answers["API route"])
    assert api["default-src"] == "'none'" and "sandbox" in api  # an HTML download runs nothing
    assert policy(answers["admin"])["script-src"] == "'self'"


def test_a_500_carries_the_headers_too(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the store fell over")

    monkeypatch.setattr(services.public, "stories", broken)
    with TestClient(create_app(services), raise_server_exceptions=False) as c:
        r = c.get("/")
    assert r.status_code == 500
    assert_protected(r, "500")


def test_an_event_stream_over_real_http_carries_them(services: Services) -> None:
    world = _setup(services)
    with live_server(services) as url, httpx.stream("GET", f"{url}/v1/stream", headers=_auth(world.world_key),
                                                    timeout=10) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert_protected(r, "stream")
        assert next(r.iter_bytes()).startswith(b"retry:")  # and the frames still flow


def test_the_docs_run_only_this_sites_scripts(client: TestClient) -> None:
    for path in ("/docs",):
        r = client.get(path)
        assert r.status_code == 200
        assert_protected(r, path)
        assert policy(r)["script-src"] == "'self'", path
        assert not re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL), path


@pytest.mark.parametrize(("base_url", "seconds", "expected"), [
    ("https://wire.agency.example", 31536000, b"max-age=31536000"), ("https://wire.agency.example", 0, None),
    ("http://127.0.0.1:8000", 31536000, None), ("HTTPS://WIRE.AGENCY.EXAMPLE", 600, b"max-age=600")])
def test_hsts_only_behind_https(tmp_path: Path, base_url: str, seconds: int, expected: bytes | None) -> None:
    headers = dict(common_headers(Settings(data_dir=tmp_path, base_url=base_url, hsts_seconds=seconds)))
    assert headers.get(b"strict-transport-security") == expected


def test_hsts_reaches_the_answers_of_an_https_node(services: Services) -> None:
    svc = dataclasses.replace(services, settings=dataclasses.replace(services.settings,
                                                                     base_url="https://wire.agency.example"))
    with TestClient(create_app(svc)) as c:
        for path in ("/", "/login", "/v1/feed", "/static/base.css"):
            assert c.get(path).headers.get("strict-transport-security") == "max-age=31536000", path


def test_a_negative_hsts_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NEWSFLOW_HSTS_SECONDS"):
        Settings(data_dir=tmp_path, hsts_seconds=-1)


@pytest.fixture
def anonymous(client: TestClient) -> Iterator[TestClient]:
    yield TestClient(client.app, raise_server_exceptions=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.from_regex(r"\A/(v1/|admin/|desk/|portal/|static/|news/|docs|login)?[A-Za-z0-9._~%!$&'()*+,;=:@/-]{0,30}\Z"),
       method=st.sampled_from(["GET", "POST", "HEAD", "DELETE"]))
def test_any_request_whatever_its_answer_carries_them(anonymous: TestClient, path: str, method: str) -> None:
    r = anonymous.request(method, path, follow_redirects=False)
    assert_protected(r, f"{method} {path} → {r.status_code}")


# ---- nothing inline for the policy to block -------------------------------------------------------------

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"javascript:", re.IGNORECASE)


@pytest.mark.parametrize("template", sorted(p for d in TEMPLATE_DIRS for p in d.rglob("*.html")),
                         ids=lambda p: str(p.relative_to(WEB)))
def test_templates_hold_no_inline_script_handler_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for rule, name in ((_INLINE_SCRIPT, "inline <script>"), (_HANDLER, "on*= handler"),
                       (_STYLE_ATTR, "style attribute"), (_JS_URL, "javascript: URL")):
        assert not rule.search(text), f"{template.name}: {name} would be blocked by the CSP"
    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', text):
        src = src.replace("{{ assets }}", ASSETS)  # the API docs' viewers, served from their package
        if src.startswith(f"{ASSETS}/"):
            assert (ASSETS_DIR / src.removeprefix(f"{ASSETS}/")).is_file(), src
            continue
        assert src.startswith("/static/") and (STATIC / src.removeprefix("/static/")).is_file(), src

"""Times in the reader's zone: the agency's (NEWSFLOW_TIME_ZONE) for anonymous pages and for users who
chose none, the user's own once picked on /account; an unknown zone is refused with its name."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.config import Settings
from newsflow.services import Services
from newsflow.web.app import create_app
from newsflow.web.desk.live import frame
from newsflow.web.guid_paths import segment
from tests.helpers import publish_story

PASSWORD = "correct horse battery"
EMAIL = "reader@daily-a.example"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TIME = re.compile(r"<time [^>]*>([^<]+)</time>")


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _subscriber(services: Services) -> str:
    """A subscriber of the World product, and a World story it may read; the story's guid."""
    subs = services.subscribers
    product = subs.create_product("World desk", {"categories": ["World"]})
    company = subs.create_company("Daily A")
    subs.assign_product(company.id, product.id)
    services.store.create_user(email=EMAIL, name="Reader", role="subscriber", company_id=company.id,
                               password_hash=hash_password(PASSWORD))
    return publish_story(services, "Harbour reopens after the storm", "World", public=True)


def _sign_in(client: TestClient) -> None:
    r = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "next": "/portal",
                                    "csrf_token": _csrf(client.get("/login").text)}, follow_redirects=False)
    assert r.status_code == 303


def _times(page: str) -> list[str]:
    times = _TIME.findall(page)
    assert times, "no <time> on the page"
    return times


def test_an_unknown_agency_zone_stops_the_start_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_TIME_ZONE", "Europe/Atlantis")
    with pytest.raises(ValueError, match=r"NEWSFLOW_TIME_ZONE='Europe/Atlantis' is not an IANA time zone"):
        Settings()
    monkeypatch.setenv("NEWSFLOW_TIME_ZONE", "Asia/Tokyo")
    assert Settings().time_zone == "Asia/Tokyo"
    monkeypatch.delenv("NEWSFLOW_TIME_ZONE")
    assert Settings().time_zone == "UTC"


def test_anonymous_public_pages_show_the_agency_zone(services: Services) -> None:
    guid = _subscriber(services)
    services.settings = dataclasses.replace(services.settings, time_zone="Asia/Tokyo")
    with TestClient(create_app(services)) as client:
        for path in ("/", f"/news/{segment(guid)}"):
            assert all(t.endswith((" GMT+9", " JST", " +0900")) for t in _times(client.get(path).text)), path


def test_a_user_s_zone_changes_the_times_on_the_portal(client: TestClient, services: Services) -> None:
    guid = _subscriber(services)
    _sign_in(client)
    story = f"/portal/stories/{segment(guid)}"
    before = _times(client.get(story).text)
    assert all(t.endswith(" UTC") for t in before)  # no choice yet: the agency's zone

    form = client.get("/account").text
    assert '<option value="" selected>' in form and '<optgroup label="Europe">' in form
    r = client.post("/account", data={"time_zone": "America/New_York", "lang": "en", "csrf_token": _csrf(form)},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account?saved=1"
    assert services.store.user_by_email(EMAIL).time_zone == "America/New_York"
    assert '<option value="America/New_York" selected>' in client.get("/account").text

    after = _times(client.get(story).text)
    assert all(t.endswith((" EST", " EDT", " GMT-5", " GMT-4")) for t in after), after
    assert after != before
    # the public site keeps the agency's zone (its pages are shared by every reader)
    assert all(t.endswith(" UTC") for t in _times(client.get("/").text))


def test_an_unknown_zone_or_language_is_refused_with_its_name(client: TestClient, services: Services) -> None:
    _subscriber(services)
    _sign_in(client)
    token = _csrf(client.get("/account").text)
    r = client.post("/account", data={"time_zone": "Mars/Olympus", "lang": "en", "csrf_token": token})
    assert r.status_code == 400 and "&#39;Mars/Olympus&#39; is not a time zone" in r.text
    r = client.post("/account", data={"time_zone": "", "lang": "xx", "csrf_token": token})
    assert r.status_code == 400 and "&#39;xx&#39; is not a language" in r.text
    assert services.store.user_by_email(EMAIL).time_zone is None
    assert client.post("/account", data={"time_zone": "Europe/Istanbul", "lang": "en"}).status_code == 403


def test_the_language_picked_on_account_is_the_site_s(client: TestClient, services: Services) -> None:
    _subscriber(services)
    _sign_in(client)
    r = client.post("/account", data={"time_zone": "Europe/Istanbul", "lang": "ar",
                                      "csrf_token": _csrf(client.get("/account").text)})
    assert r.status_code == 200 and '<html lang="ar" dir="rtl">' in r.text  # followed to /account?saved=1
    assert services.store.user_by_email(EMAIL).time_zone == "Europe/Istanbul"


def test_account_needs_a_signed_in_person(client: TestClient) -> None:
    r = client.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/account")


def test_a_live_desk_event_carries_its_time_for_the_reader_s_page_to_format() -> None:
    sent = frame({"seq": 7, "kind": "publish", "guid": "g", "version": 1, "headline": "h", "language": "en",
                  "created": datetime(2026, 12, 3, 16, 55, tzinfo=UTC)})
    data = json.loads(sent.split("data: ", 1)[1].split("\n", 1)[0])
    assert data["created"] == "2026-12-03T16:55:00+00:00"  # no hand-made "03.12.2026 16:55"

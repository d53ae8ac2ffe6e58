"""The subscriber portal (/portal): only the company's products, a 404 for anything else, downloads
in every format, bookmarks behind CSRF, saved searches that raise alerts, and a live wire over SSE."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.services import Services
from tests.helpers import jpeg, live_server, publish_story, wait_followed

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MEDIA_TYPES = {"ninjs": "application/ninjs+json", "ninjs3": "application/ninjs+json; version=3",
               "newsmlg2": "application/vnd.iptc.g2.newsitem+xml", "nitf": "application/vnd.iptc.nitf+xml",
               "text": "text/plain; charset=utf-8", "html": "text/html; charset=utf-8"}


@dataclass
class Portal:
    svc: Services
    email: str  # a subscriber of company A (the World product)
    other_email: str  # a subscriber of company B (the Sports product)

    def publish(self, headline: str, category: str, **fields: object) -> str:
        return publish_story(self.svc, headline, category, **fields)


@pytest.fixture
def portal(services: Services) -> Portal:
    subs = services.subscribers
    world = subs.create_product("World desk", {"categories": ["World"]})
    sports = subs.create_product("Sports desk", {"categories": ["Sports"]})
    emails = []
    for name, product, email, role in (("Daily A", world, "reader@daily-a.example", "subscriber"),
                                       ("Sports B", sports, "admin@sports-b.example", "company_admin")):
        company = subs.create_company(name)
        subs.assign_product(company.id, product.id)
        services.store.create_user(email=email, name=name + " reader", role=role, company_id=company.id,
                                   password_hash=hash_password(PASSWORD))
        emails.append(email)
    return Portal(services, *emails)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient | httpx.Client, email: str) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token,
                                    "next": "/portal"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/portal"


def test_the_portal_needs_a_subscriber_session(client: TestClient, portal: Portal) -> None:
    r = client.get("/portal", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/portal")
    assert client.get("/portal/events").status_code == 401
    staff = portal.svc.store.create_user(email="ed@agency.example", name="Ed", role="editor",
                                         password_hash=hash_password(PASSWORD))
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})
    assert client.get("/portal").status_code == 403
    assert client.get("/portal/events").status_code == 403


def test_wire_lists_only_entitled_stories_newest_first(client: TestClient, portal: Portal) -> None:
    portal.publish("Summit opens in Lisbon", "World", language="en")
    portal.publish("Cup final goes to penalties", "Sports")
    portal.publish("Talks stall at summit", "World", language="fr", urgency=2)
    sign_in(client, portal.email)
    html = client.get("/portal").text
    assert "Cup final" not in html
    assert html.index("Talks stall at summit") < html.index("Summit opens in Lisbon")
    filtered = client.get("/portal", params={"language": "fr"}).text
    assert "Talks stall" in filtered and "Summit opens" not in filtered
    urgent = client.get("/portal", params={"urgency": "3"}).text
    assert "Talks stall" in urgent and "Summit opens" not in urgent
    assert "/static/portal.js" in html


def test_search_shows_facets_of_the_companys_stories_only(client: TestClient, portal: Portal) -> None:
    portal.publish("Grain deal signed", "World", dossier="Grain corridor", language="en")
    portal.publish("Grain prices fall", "World", language="tr")
    portal.publish("Grain fed champions", "Sports", dossier="League")
    sign_in(client, portal.email)
    html = client.get("/portal/search", params={"q": "grain"}).text
    assert "2 stories" in html and "Grain fed" not in html
    assert "Grain corridor" in html and "League" not in html  # the dossier facet
    assert re.search(r'>tr</a> <span class="count">1</span>', html)  # the language facet
    narrowed = client.get("/portal/search", params={"q": "grain", "dossier": "Grain corridor"}).text
    assert "1 story<" in narrowed and "Grain prices" not in narrowed
    wire = client.get("/portal", params={"category": "World", "dossier": "Grain corridor"}).text
    assert "Grain deal signed" in wire and "Grain prices" not in wire
    assert client.get("/portal/search", params={"urgency": "12"}).status_code == 422


def test_wire_pages_by_cursor(client: TestClient, portal: Portal) -> None:
    for n in range(23):
        portal.publish(f"World story number {n:02d}", "World")
    sign_in(client, portal.email)
    first = client.get("/portal").text
    assert "World story number 22" in first and "World story number 02" not in first
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert "World story number 02" in second and "World story number 22" not in second


def test_another_companys_story_is_404_everywhere(client: TestClient, portal: Portal) -> None:
    theirs = portal.publish("Derby ends in a draw", "Sports")
    mine = portal.publish("Ministers meet", "World")
    sign_in(client, portal.email)
    assert client.get(f"/portal/stories/{theirs}").status_code == 404
    assert client.get(f"/portal/stories/{theirs}/download", params={"format": "nitf"}).status_code == 404
    assert client.get("/portal/stories/no-such-guid").status_code == 404
    found = client.get("/portal/search", params={"q": "derby"})
    assert found.status_code == 200 and "Derby ends" not in found.text
    assert "Ministers meet" in client.get("/portal/search", params={"q": "ministers"}).text
    token = csrf_of(client.get(f"/portal/stories/{mine}").text)
    assert client.post(f"/portal/stories/{theirs}/bookmark", data={"csrf_token": token}).status_code == 404


def test_story_page_and_downloads_in_every_format(client: TestClient, portal: Portal) -> None:
    guid = portal.publish("Floods close the port", "World", body_html="<p>Water rose overnight.</p>",
                          photos=[{"href": "https://photos.example/flood.jpg", "caption": "The quay"}])
    sign_in(client, portal.email)
    html = client.get(f"/portal/stories/{guid}").text
    assert "Floods close the port" in html and "Water rose overnight." in html
    assert "https://photos.example/flood.jpg" in html and "The quay" in html
    for fmt, media_type in MEDIA_TYPES.items():
        assert f"/portal/stories/{guid}/download?format={fmt}" in html
        r = client.get(f"/portal/stories/{guid}/download", params={"format": fmt})
        assert r.status_code == 200, (fmt, r.text)
        assert r.headers["content-type"] == media_type, fmt
        assert r.headers["content-disposition"].startswith(f'attachment; filename="{guid}-v1.')
        assert b"Floods close the port" in r.content
    assert client.get(f"/portal/stories/{guid}/download", params={"format": "pdf"}).status_code == 422
    portal.svc.usage.flush()
    report = portal.svc.usage.report(portal.svc.store.user_by_email(portal.email).company_id or "")
    assert "portal" in json.dumps(report, default=str)
    history = client.get("/portal/history").text
    assert "downloaded as nitf" in history and "opened" in history


def test_gallery_serves_renditions_only_of_entitled_stories(client: TestClient, portal: Portal) -> None:
    media = portal.svc.media.add(jpeg(), filename="quay.jpg", caption="The quay at dawn")
    mine = portal.publish("Harbour reopens", "World", photos=[{"media_id": media["id"], "caption": "The quay"}])
    theirs = portal.publish("Regatta", "Sports", photos=[{"media_id": media["id"]}])
    sign_in(client, portal.email)
    html = client.get(f"/portal/stories/{mine}").text
    src = re.search(r'<img src="([^"]+)"', html)
    assert src and src.group(1) == f"/media/{media['id']}/preview"  # the subscriber media route
    r = client.get(src.group(1))
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    ctx = portal.svc.render_context
    for name in ("original", "preview", "thumbnail"):  # the addresses the formats carry
        assert ctx.rendition_href(media["id"], name) in html
    assert client.get(f"/portal/stories/{theirs}/media/{media['id']}/preview").status_code == 404
    assert client.get(f"/portal/stories/{mine}/media/{media['id']}/nope").status_code == 404
    assert client.get(f"/portal/stories/{mine}/media/other/preview").status_code == 404


def test_bookmarks_need_the_csrf_token(client: TestClient, portal: Portal) -> None:
    guid = portal.publish("Election results", "World")
    sign_in(client, portal.email)
    assert client.post(f"/portal/stories/{guid}/bookmark", data={}).status_code == 403
    assert client.post(f"/portal/stories/{guid}/bookmark", data={"csrf_token": "forged"}).status_code == 403
    assert "Election results" not in client.get("/portal/bookmarks").text
    token = csrf_of(client.get(f"/portal/stories/{guid}").text)
    r = client.post(f"/portal/stories/{guid}/bookmark", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert "Election results" in client.get("/portal/bookmarks").text
    assert "Remove bookmark" in client.get(f"/portal/stories/{guid}").text
    client.post(f"/portal/stories/{guid}/bookmark", data={"csrf_token": token, "action": "remove"})
    assert "Election results" not in client.get("/portal/bookmarks").text


def _badge(html: str) -> str:
    found = re.search(r'<span class="badge" id="alert-count"[^>]*?( hidden)?>(\d+)<', html)
    assert found, "no alert badge on the page"
    return "" if found.group(1) else found.group(2)


def test_a_saved_search_raises_an_alert_after_a_matching_publish(client: TestClient, portal: Portal) -> None:
    portal.publish("Old volcano story", "World")
    sign_in(client, portal.email)
    token = csrf_of(client.get("/portal/search", params={"q": "volcano"}).text)
    assert client.post("/portal/searches", data={"q": "volcano", "name": "Volcanoes"}).status_code == 403
    r = client.post("/portal/searches", data={"csrf_token": token, "q": "volcano", "name": "Volcanoes"},
                    follow_redirects=False)
    assert r.status_code == 303
    wait_followed(portal.svc)
    assert _badge(client.get("/portal").text) == ""  # the old story raises nothing
    portal.publish("Volcano erupts near the coast", "World")
    portal.publish("Volcano museum opens", "Sports")  # not the company's: never an alert
    portal.publish("Unrelated markets story", "World")
    wait_followed(portal.svc)  # raised as the node follows the log, not when a page is opened
    assert client.get("/portal/alerts/count").json() == {"unseen": 1}
    assert _badge(client.get("/portal").text) == "1"
    alerts = client.get("/portal/alerts").text
    assert "Volcano erupts near the coast" in alerts and "Volcanoes" in alerts
    assert "museum" not in alerts and "Old volcano" not in alerts and "markets" not in alerts
    assert "E-mail alerts are off on this system" in alerts  # no SMTP server in this test
    assert _badge(client.get("/portal").text) == ""  # seen once listed
    assert client.get("/portal/alerts/count").json() == {"unseen": 0}


# ---- the live wire, over real HTTP -------------------------------------------------------------------


@pytest.fixture
def server(portal: Portal) -> Iterator[str]:
    with live_server(portal.svc) as url:
        yield url


def test_events_stream_the_companys_new_stories(server: str, portal: Portal) -> None:
    assert httpx.get(server + "/portal/events").status_code == 401
    with httpx.Client(base_url=server, timeout=15) as http:
        sign_in(http, portal.email)
        with http.stream("GET", "/portal/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            threading.Timer(0.3, lambda: (portal.publish("Not for A", "Sports"),
                                          portal.publish("Breaking for A", "World"))).start()
            got: dict = {}
            deadline = time.monotonic() + 10
            for line in response.iter_lines():
                if line.startswith("event: "):
                    got["event"] = line[7:]
                elif line.startswith("data: "):
                    got["data"] = json.loads(line[6:])
                    break
                if time.monotonic() > deadline:
                    break
    assert got["event"] == "publish" and got["data"]["headlines"][0]["value"] == "Breaking for A"

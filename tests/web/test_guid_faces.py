"""Guids holding `/`, `?`, `#`, `%`, spaces or non-ASCII letters (an ingested item whose guid is its URL)
on the portal and desk faces: every story route answers for the right story, and every link or form a
page renders for a story (wire, photo wire, bookmarks, history, alerts, downloads, the desk's list,
live view, history diffs and its publish/update/correct/kill forms, the alert e-mail) resolves when
followed. Before: `/portal/stories/{guid}` and `/desk/stories/{guid}` were 404s for a guid with `/`,
and a rendered link cut a guid at its `?` or `#`."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

import httpx
import lxml.html
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from newsflow.auth import hash_password
from newsflow.errors import NotFound
from newsflow.model import PubStatus, Story
from newsflow.services import Services
from newsflow.web.app import create_app
from newsflow.web.guid_paths import segment
from tests import test_alerts
from tests.helpers import jpeg
from tests.web.test_desk import as_role, story_form
from tests.web.test_guid_paths import guids
from tests.web.test_portal import PASSWORD, csrf_of, sign_in

# the alert e-mail goes through a real SMTP server: test_alerts' fixtures, seen by pytest here too
smtp = test_alerts.smtp
mailing = test_alerts.mailing

HARD_GUIDS = [
    "https://example.org/item/abc?x=1#y",
    "urn:agency:2026/a b%20c",
    "50%/off?#",
    "a/diff",  # ends in a route's own segment
    "x/kill",
    "Zürich/Straße 東京 ✓",
    "tag:example.org,2026:/news/%2F/",
]
READER = "reader@daily.example"


def _links(html: str, prefix: str) -> list[str]:
    """Every link and form target of a page that starts with `prefix`."""
    root = lxml.html.fromstring(html)
    return [u for u in root.xpath("//a/@href | //form/@action") if u.startswith(prefix)]


def _story_links(html: str, prefix: str, guid: str) -> list[str]:
    """The links of a page to the story `guid` under `prefix` (`/portal/stories/`, `/desk/stories/`)."""
    own = f"{prefix}{segment(guid)}"
    found = [u for u in _links(html, prefix) if urlsplit(u).path.startswith(own)]
    assert found, f"no link to {own} on the page"
    return found


def _script_segment(guid: str) -> str:
    """A guid as the live pages' scripts write it into a link (desk-live.js, portal.js): JavaScript's
    encodeURIComponent, which leaves `!'()*` as they are."""
    return quote(guid, safe="!'()*-._~")


def _reader(svc: Services) -> str:
    """A subscriber of a company that has the World product; returns the user's id."""
    subs = svc.subscribers
    company = subs.create_company("Daily")
    subs.assign_product(company.id, subs.create_product("World desk", {"categories": ["World"]}).id)
    return svc.store.create_user(email=READER, name="Reader", role="subscriber", company_id=company.id,
                                 password_hash=hash_password(PASSWORD)).id


def _published(svc: Services, guid: str, headline: str, **fields: object) -> None:
    svc.store.create_story(Story.model_validate({"headline": headline, "categories": ["World"], **fields}), guid=guid)
    svc.newsroom.publish(guid)


# ---- the portal ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("guid", HARD_GUIDS)
def test_every_portal_route_and_link_reaches_the_story(client: TestClient, services: Services, guid: str) -> None:
    user_id = _reader(services)
    services.alerts.save_search(user_id, "World", {"category": "World"})
    media_id = services.media.add(jpeg(), filename="harbour.jpg")["id"]
    headline = "Ships sail at dawn"
    _published(services, guid, headline, photos=[{"media_id": media_id}])
    services.alerts.raise_for(services.store.events_after(0, 1000))
    # signed out, the story's link leads through the login and back to the story
    gate = client.get(f"/portal/stories/{segment(guid)}", follow_redirects=False)
    assert gate.status_code == 303
    next_path = dict(httpx.URL(gate.headers["location"]).params)["next"]
    token = csrf_of(client.get("/login").text)
    back = client.post("/login", data={"email": READER, "password": PASSWORD, "csrf_token": token,
                                       "next": next_path}, follow_redirects=False)
    assert back.status_code == 303
    assert lxml.html.fromstring(client.get(back.headers["location"]).content).xpath("string(//h1)") == headline

    for listing in ("/portal", "/portal/photos", "/portal/alerts"):
        page = client.get(listing)
        assert page.status_code == 200, listing
        for link in _story_links(page.text, "/portal/stories/", guid):
            opened = client.get(link)
            assert opened.status_code == 200 and headline in opened.text, (listing, link)

    story = client.get(f"/portal/stories/{segment(guid)}")
    links = _story_links(story.text, "/portal/stories/", guid)
    downloads = [u for u in links if "/download?" in u]
    assert len(downloads) >= 5
    for link in downloads:
        got = client.get(link)
        assert got.status_code == 200, link
        assert f'filename="{segment(guid)}-v1.' in got.headers["content-disposition"]
        if "format=ninjs" in link and "ninjs3" not in link:  # the file is this story's
            assert json.loads(got.content)["uri"].endswith(f"/v1/items/{segment(guid)}")
    [bookmark] = [u for u in links if u.endswith("/bookmark")]
    saved = client.post(bookmark, data={"csrf_token": csrf_of(story.text)}, follow_redirects=False)
    assert saved.status_code == 303 and client.get(saved.headers["location"]).status_code == 200
    for listing in ("/portal/bookmarks", "/portal/history"):
        for link in _story_links(client.get(listing).text, "/portal/stories/", guid):
            assert headline in client.get(link).text, (listing, link)
    file = client.get(f"/portal/stories/{segment(guid)}/media/{media_id}/thumbnail")
    assert file.status_code == 200 and file.headers["content-type"] == "image/jpeg"


def test_a_guid_that_ends_in_a_route_segment_is_its_own_story(client: TestClient, services: Services) -> None:
    _reader(services)
    _published(services, "a", "Plain story")
    _published(services, "a/download", "Story whose guid ends in download")
    sign_in(client, READER)
    assert "ends in download" in client.get(f"/portal/stories/{segment('a/download')}").text
    plain = client.get("/portal/stories/a/download", params={"format": "text"}).text
    assert "Plain story" in plain and "ends in download" not in plain


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guid=guids)
def test_any_guid_has_its_portal_page_and_downloads(client: TestClient, services: Services, guid: str) -> None:
    try:
        services.store.user_by_email(READER)
    except NotFound:  # the first example: a reader, signed in for all of them
        _reader(services)
        sign_in(client, READER)
    if services.store.find_story(guid) is None:
        _published(services, guid, f"Story {guid}")
    page = client.get(f"/portal/stories/{segment(guid)}")
    assert page.status_code == 200
    assert lxml.html.fromstring(page.content).xpath("string(//h1)") == f"Story {guid}"
    [text] = [u for u in _story_links(page.text, "/portal/stories/", guid) if u.endswith("format=text")]
    assert f"Story {guid}" in client.get(text).text
    live = client.get(f"/portal/stories/{_script_segment(guid)}")  # the live wire's link
    assert lxml.html.fromstring(live.content).xpath("string(//h1)") == f"Story {guid}"


# ---- the alert e-mail -----------------------------------------------------------------------------------


def test_the_alert_mail_links_the_story(mailing: tuple[test_alerts.World, test_alerts.Inbox]) -> None:
    world, inbox = mailing
    world.svc.alerts.save_search(world.reader, "World", {"category": "World"}, email=True)
    for guid in HARD_GUIDS[:3]:
        _published(world.svc, guid, f"Story {guid}")
    world.raise_new()
    assert world.svc.mailer is not None and world.svc.mailer.send_due() == 3
    links = inbox.links()
    assert sorted(links) == sorted(f"{test_alerts.BASE}/portal/stories/{segment(g)}" for g in HARD_GUIDS[:3])
    with TestClient(create_app(world.svc), base_url=test_alerts.BASE) as http:  # https: the cookie is Secure
        sign_in(http, world.reader_email)
        for guid in HARD_GUIDS[:3]:
            [link] = [u for u in links if u.endswith(f"/{segment(guid)}")]
            page = http.get(link)
            assert page.status_code == 200, link
            assert lxml.html.fromstring(page.content).xpath("string(//h1)") == f"Story {guid}"


# ---- the desk -------------------------------------------------------------------------------------------


def _form_post(client: TestClient, page: str, target: str, **fields: str) -> httpx.Response:
    """The editor's form on `page` sent to `target` (its action) with `fields` changed."""
    return client.post(target, data=story_form(client, page, **fields), follow_redirects=False)


@pytest.mark.parametrize("guid", HARD_GUIDS)
def test_every_desk_route_and_link_reaches_the_story(client: TestClient, services: Services, guid: str) -> None:
    as_role(client, services, "editor")
    services.store.create_story(Story(headline="Harbour reopens after storm", categories=["World"]), guid=guid)
    [opened] = _story_links(client.get("/desk").text, "/desk/stories/", guid)
    editor = client.get(opened)
    assert editor.status_code == 200 and f"guid {guid}" in lxml.html.fromstring(editor.content).text_content()
    [save] = [u for u in _story_links(editor.text, "/desk/stories/", guid) if "/diff" not in u]
    assert save == f"/desk/stories/{segment(guid)}"
    for action, note in (("publish", ""), ("update", "Adds damage figures"), ("correct", "Fixes the piers")):
        done = _form_post(client, opened, save, action=action, editor_note=note,
                          spot=f"Ferries sail again ({action})")
        assert done.status_code == 303, done.text
        assert urlsplit(done.headers["location"]).path == opened
        assert client.get(done.headers["location"]).status_code == 200
    assert [v.version for v in services.store.list_versions(guid)] == [1, 2, 3]
    page = client.get(opened).text
    diffs = [u for u in _story_links(page, "/desk/stories/", guid) if "/diff" in u]
    for link in diffs:
        shown = client.get(link)
        assert shown.status_code == 200 and "Ferries sail again" in shown.text, link
        [back] = _story_links(shown.text, "/desk/stories/", guid)
        assert client.get(back).status_code == 200
    [live] = {*_story_links(client.get("/desk/live").text, "/desk/stories/", guid)}
    assert live == opened and client.get(live).status_code == 200
    [kill] = [u for u in _story_links(page, "/desk/stories/", guid) if u.endswith("/kill")]
    killed = client.post(kill, data={"reason": "Legal advice", "csrf_token": csrf_of(page)}, follow_redirects=False)
    assert killed.status_code == 303 and client.get(killed.headers["location"]).status_code == 200
    assert services.store.get_story(guid).pubstatus == PubStatus.canceled


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guid=guids.filter(lambda g: g != "new"))  # /desk/stories/new is the blank form
def test_any_guid_has_its_desk_editor(client: TestClient, services: Services, guid: str) -> None:
    try:
        services.store.user_by_email("editor@agency.example")
    except NotFound:  # the first example: an editor, signed in for all of them
        as_role(client, services, "editor")
    if services.store.find_story(guid) is None:
        services.store.create_story(Story(headline=f"Story {guid}", categories=["World"]), guid=guid)
    page = client.get(f"/desk/stories/{segment(guid)}")
    assert page.status_code == 200
    assert lxml.html.fromstring(page.content).xpath("string(//h1)") == f"Story {guid}"
    assert re.search(r'<form[^>]+action="/desk/stories/' + re.escape(segment(guid)) + '"', page.text)
    live = client.get(f"/desk/stories/{_script_segment(guid)}")  # the live view's link
    assert lxml.html.fromstring(live.content).xpath("string(//h1)") == f"Story {guid}"

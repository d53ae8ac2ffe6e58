"""The newsroom desk through its forms: sign-in and its guards, the roles deciding who publishes, a
story's whole life, history diffs, photos, hostile HTML, and the live view's event stream."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.model import PubStatus, Story
from newsflow.services import Services
from newsflow.store import User
from newsflow.web.account.login import LOGIN_BURST
from tests.helpers import jpeg, live_server

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def account(svc: Services, role: str = "editor", email: str | None = None) -> User:
    return svc.store.create_user(email=email or f"{role}@agency.example", name=f"{role.title()} One", role=role,
                                 password_hash=hash_password(PASSWORD))


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_path: str = "") -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token,
                                       "next": next_path}, follow_redirects=False)


def as_role(client: TestClient, svc: Services, role: str) -> User:
    user = account(svc, role)
    assert sign_in(client, user.email).status_code == 303
    return user


def story_form(client: TestClient, page: str = "/desk/stories/new", **fields: Any) -> dict[str, Any]:
    """The editor's form as a browser would send it, with `fields` changed."""
    data: dict[str, Any] = {
        "csrf_token": csrf_of(client.get(page).text), "headline": "Harbour reopens after storm",
        "spot": "Ferries sail again after three days", "summary": "", "dateline": "PORTO, Portugal",
        "body_html": "<p>The harbour reopened on Monday.</p><h2>Damage</h2><p>Two piers were hit.</p>",
        "categories": "World, Europe", "dossier": "Winter Storms", "keywords": "storm, ferries",
        "subjects": "weather | subj:17000000", "places": "Porto", "people": "", "organisations": "", "related": "",
        "language": "en", "translation_group": "", "urgency": "4", "embargo": "", "slugline": "",
        "contributor_name": ["Ana Costa", "Rui Lima", ""], "contributor_role": ["reporter", "writer", "reporter"],
        "contributor_place": ["Porto", "Lisbon", ""], "editor_note": "", "action": "save",
    }
    data.update(fields)
    return data


def post_story(client: TestClient, path: str = "/desk/stories/new", **fields: Any) -> httpx.Response:
    return client.post(path, data=story_form(client, path, **fields), follow_redirects=False)


def guid_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    found = re.match(r"/desk/stories/([^/?]+)", response.headers["location"])
    assert found
    return found.group(1)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


# ---- signing in ----------------------------------------------------------------------------------------


def test_pages_send_strangers_to_the_login_with_a_local_next(client: TestClient, services: Services) -> None:
    r = client.get("/desk/live", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/desk/live"
    assert 'name="next" value=""' in client.get("/login?next=//evil.example/x").text
    assert 'name="next" value=""' in client.get("/login?next=https://evil.example/").text
    editor = account(services)
    before = client.cookies.get("nf_session")
    r = sign_in(client, editor.email, next_path="/desk/live")
    assert r.status_code == 303 and r.headers["location"] == "/desk/live"
    assert client.cookies.get("nf_session") not in (None, before)  # a new session, not the old one extended
    page = client.get("/desk/live")
    assert page.status_code == 200 and editor.name in page.text
    # signing out ends it
    client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_a_failed_login_says_only_wrong_email_or_password(client: TestClient, services: Services) -> None:
    editor = account(services)
    wrong = sign_in(client, editor.email, "not the password")
    unknown = sign_in(client, "nobody@agency.example")
    for r in (wrong, unknown):
        assert r.status_code == 401 and "wrong e-mail or password" in r.text
    assert "nobody" not in unknown.text.replace("nobody@agency.example", "")  # no hint about which part failed
    assert client.get("/desk", follow_redirects=False).status_code == 303


def test_logins_are_rate_limited_per_address_and_email(client: TestClient, services: Services) -> None:
    editor = account(services)
    for _ in range(LOGIN_BURST):
        assert sign_in(client, editor.email, "guess").status_code == 401
    r = sign_in(client, editor.email)  # even the right password waits now
    assert r.status_code == 429 and "Too many sign-in attempts" in r.text and r.headers["retry-after"]
    assert sign_in(client, "other@agency.example", "guess").status_code == 401  # another e-mail is not blocked


def test_forms_without_the_csrf_token_are_refused(client: TestClient, services: Services) -> None:
    editor = account(services)
    r = client.post("/login", data={"email": editor.email, "password": PASSWORD})
    assert r.status_code == 403 and "<html" in r.text
    as_role(client, services, "reporter")
    data = story_form(client)
    del data["csrf_token"]
    assert client.post("/desk/stories/new", data=data).status_code == 403
    assert services.store.count_stories() == 0


def test_portal_users_cannot_use_the_desk(client: TestClient, services: Services) -> None:
    company = services.subscribers.create_company("Daily Paper")
    user = services.store.create_user(email="sub@paper.example", name="Sub", role="subscriber",
                                      password_hash=hash_password(PASSWORD), company_id=company.id)
    assert sign_in(client, user.email).headers["location"] == "/portal"  # a subscriber lands on the portal
    r = client.get("/desk")
    assert r.status_code == 403 and "Not allowed" in r.text


# ---- roles ----------------------------------------------------------------------------------------------


def test_a_reporter_saves_but_cannot_publish(client: TestClient, services: Services) -> None:
    as_role(client, services, "reporter")
    guid = guid_of(post_story(client))
    page = client.get(f"/desk/stories/{guid}").text
    assert 'value="publish"' not in page  # the button is not offered …
    r = post_story(client, f"/desk/stories/{guid}", headline="Changed by the reporter", action="publish")
    assert r.status_code == 403 and "Not allowed" in r.text  # … and the server refuses it anyway
    record = services.store.get_story(guid)
    assert record.current_version == 0 and record.draft.headline == "Harbour reopens after storm"
    r = client.post(f"/desk/stories/{guid}/kill", data={"reason": "x", "csrf_token": csrf_of(page)})
    assert r.status_code == 403


# ---- a story's life --------------------------------------------------------------------------------------


def test_an_editor_publishes_updates_corrects_and_kills(client: TestClient, services: Services) -> None:
    editor = as_role(client, services, "editor")
    guid = guid_of(post_story(client, action="publish"))
    path = f"/desk/stories/{guid}"
    assert "Published: version 1" in client.get(f"{path}?done=published").text
    body2 = "<p>The harbour reopened on Monday.</p><h2>Damage</h2><p>Three piers were hit.</p>"
    guid_of(post_story(client, path, body_html=body2, action="update", editor_note="Adds damage figures"))
    # a correction needs a note: refused next to the field, and the draft is left as it was
    r = post_story(client, path, headline="Harbour reopens", action="correct", editor_note=" ")
    assert r.status_code == 422 and 'id="e-editor_note"' in r.text
    assert services.store.get_story(guid).draft.headline == "Harbour reopens after storm"
    assert services.store.get_story(guid).current_version == 2
    guid_of(post_story(client, path, body_html=body2.replace("Three", "Four"), action="correct",
                       editor_note="Corrects the number of piers"))
    page = client.get(path).text
    r = client.post(f"{path}/kill", data={"reason": " ", "csrf_token": csrf_of(page)})
    assert r.status_code == 422 and 'id="e-reason"' in r.text
    r = client.post(f"{path}/kill", data={"reason": "Legal advice", "csrf_token": csrf_of(page)},
                    follow_redirects=False)
    assert r.status_code == 303

    versions = services.store.list_versions(guid)
    assert [v.version for v in versions] == [1, 2, 3, 4]
    assert [v.is_correction for v in versions] == [False, False, True, False]
    assert [v.pubstatus for v in versions] == [PubStatus.usable] * 3 + [PubStatus.canceled]
    assert versions[1].editor_note == "Adds damage figures" and "Three piers" in versions[1].body_html
    assert versions[2].editor_note == "Corrects the number of piers" and "Four piers" in versions[2].body_html
    assert "Legal advice" in versions[3].body_html
    assert [c.name for c in versions[0].contributors] == ["Ana Costa", "Rui Lima"]
    assert versions[0].categories == ["World", "Europe"] and versions[0].urgency == 4
    assert versions[0].subjects[0].code == "subj:17000000"
    assert [e.kind.value for e in services.store.events_for(guid)] == ["publish", "update", "correct", "kill"]
    # killed: editing is over, and the list says so
    assert "killed" in client.get("/desk?status=killed").text
    assert guid not in client.get("/desk?status=published").text
    r = post_story(client, path, headline="Back from the dead")
    assert r.status_code == 409 and services.store.get_story(guid).draft.headline != "Back from the dead"
    assert editor.id  # the actions were by this account


def test_the_diff_page_shows_added_and_removed_lines(client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    guid = guid_of(post_story(client, action="publish", body_html="<p>Two piers were hit.</p><p>Calm seas.</p>"))
    guid_of(post_story(client, f"/desk/stories/{guid}", action="update",
                       body_html="<p>Calm seas.</p><p>Ferries run hourly.</p>"))
    r = client.get(f"/desk/stories/{guid}/diff?a=1&b=2")
    assert r.status_code == 200
    assert re.search(r'<span class="del">- Two piers were hit\.</span>', r.text)
    assert re.search(r'<span class="add">\+ Ferries run hourly\.</span>', r.text)
    assert '<span class="same">  Calm seas.</span>' in r.text
    assert client.get(f"/desk/stories/{guid}/diff?a=1&b=9").status_code == 404


def test_field_errors_show_next_to_the_field_and_save_nothing(client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    r = post_story(client, headline="", urgency="12", embargo="next tuesday")
    assert r.status_code == 422
    for name in ("headline", "urgency", "embargo"):
        assert f'id="e-{name}"' in r.text
    assert "Nothing was saved" in r.text and 'value="Ferries sail again' not in r.text  # spot is a textarea
    assert "Ferries sail again after three days" in r.text  # what was typed stays in the form
    assert services.store.count_stories() == 0
    r = post_story(client, contributor_name=["Ana"], contributor_role=["astronaut"], contributor_place=[""])
    assert r.status_code == 422 and 'id="e-contributors"' in r.text and services.store.count_stories() == 0


def test_embargo_is_read_in_the_editors_zone(client: TestClient, services: Services) -> None:
    """The embargo field is typed and shown in the editor's own zone (the agency's by default, UTC
    here), and the label names it; the store keeps the instant."""
    editor = as_role(client, services, "editor")
    guid = guid_of(post_story(client, embargo="2030-01-02T06:00"))
    embargo = services.store.get_story(guid).draft.embargo
    assert embargo is not None and embargo.isoformat() == "2030-01-02T06:00:00+00:00"
    page = client.get(f"/desk/stories/{guid}").text
    assert 'value="2030-01-02T06:00"' in page and "Embargo (UTC)" in page
    # an editor in Istanbul (UTC+3 all year) types 09:00 and means 06:00 UTC; the form gives 09:00 back
    services.store.update_user(editor.id, time_zone="Europe/Istanbul")
    guid = guid_of(post_story(client, embargo="2030-01-02T09:00"))
    embargo = services.store.get_story(guid).draft.embargo
    assert embargo is not None and embargo.astimezone(UTC).isoformat() == "2030-01-02T06:00:00+00:00"
    page = client.get(f"/desk/stories/{guid}").text
    assert 'value="2030-01-02T09:00"' in page and "Embargo (Europe/Istanbul)" in page


def test_photos_upload_with_caption_and_credit(client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    guid = guid_of(post_story(client))
    path = f"/desk/stories/{guid}"
    data = story_form(client, path, photo_new_caption="The quay at dawn", photo_new_credit="Agency / A. Costa",
                      photo_new_alt="An empty quay")
    r = client.post(path, data=data, files={"photo_file": ("quay.jpg", jpeg(), "image/jpeg")},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    [photo] = services.store.get_story(guid).draft.photos
    assert (photo.caption, photo.credit, photo.alt) == ("The quay at dawn", "Agency / A. Costa", "An empty quay")
    page = client.get(path).text
    assert "The quay at dawn" in page and "Agency / A. Costa" in page
    thumb = client.get(f"/desk/media/{photo.media_id}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    # captions are edited in place; a bad file is refused next to its field and changes nothing
    data = story_form(client, path, photo_media_id=[photo.media_id], photo_href=[""], photo_title=[""],
                      photo_caption=["The quay at noon"], photo_credit=["Agency"], photo_alt=[""])
    r = client.post(path, data=data, files={"photo_file": ("x.jpg", b"not an image", "image/jpeg")})
    assert r.status_code == 422 and 'id="e-photo_file"' in r.text
    assert services.store.get_story(guid).draft.photos[0].caption == "The quay at dawn"
    data["photo_remove"] = ["0"]
    guid_of(client.post(path, data=data, follow_redirects=False))
    assert services.store.get_story(guid).draft.photos == []


def test_hostile_html_never_reaches_a_desk_page(client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    hostile = "<p>Hello</p><script>alert(1)</script><img src=x onerror=alert(1)><p onclick=alert(2)>x</p>"
    guid = guid_of(post_story(client, body_html=hostile, headline="<script>alert(3)</script>", action="publish"))
    guid_of(post_story(client, f"/desk/stories/{guid}", action="update", body_html="<p>Clean</p>"))
    assert "<script" not in services.store.get_story(guid).draft.body_html
    for path in ("/desk", f"/desk/stories/{guid}", f"/desk/stories/{guid}/diff?a=1&b=2", "/desk/live"):
        html = client.get(path).text
        found = tags(html)
        # the desk's own script files only (the editor's, the list's, the live view's): none from a story
        assert all(a.get("src", "").startswith("/static/") for t, a in found if t == "script"), path
        assert not [(t, a) for t, attrs in found for a in attrs if a.startswith("on")], path
    assert "/static/desk-live.js" in [a.get("src") for t, a in tags(client.get("/desk/live").text) if t == "script"]


# ---- the live view ------------------------------------------------------------------------------------------


@pytest.fixture
def server(services: Services) -> Iterator[str]:
    with live_server(services) as url:
        yield url


def test_live_events_need_a_session_and_follow_publishing(server: str, services: Services) -> None:
    assert httpx.get(server + "/desk/events").status_code == 401
    editor = account(services)
    with httpx.Client(base_url=server, timeout=15) as http:
        token = csrf_of(http.get("/login").text)
        assert http.post("/login", data={"email": editor.email, "password": PASSWORD,
                                         "csrf_token": token}).status_code in (200, 303)
        assert "Live: what went out" in http.get("/desk/live").text
        with http.stream("GET", "/desk/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            record = services.newsroom.create(Story(headline="Flash: harbour closed"))
            threading.Timer(0.3, services.newsroom.publish, args=(record.guid,)).start()
            got: dict[str, Any] = {}
            deadline = time.monotonic() + 10
            for line in response.iter_lines():
                if line.startswith("data: "):
                    got = json.loads(line[6:])
                    break
                assert time.monotonic() < deadline
    assert got["kind"] == "publish" and got["headline"] == "Flash: harbour closed" and got["version"] == 1


def test_an_update_refused_because_a_kill_won_the_race_leaves_the_killed_story_as_it_was(
        client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """The desk saves the working copy and acts in one transaction: when a kill lands between the
    editor's save and the update, the update is refused and the save undone, and nothing writes the
    editor's old text back over the killed story."""
    as_role(client, services, "editor")
    guid = guid_of(post_story(client, action="publish"))
    path = f"/desk/stories/{guid}"
    form = story_form(client, path, body_html="<p>Late text</p>", action="update")
    real_update = services.newsroom.update

    def kill_first(guid: str, **kw: Any) -> Any:
        threading.Thread(target=services.newsroom.kill, args=(guid, "Legal advice")).start()
        time.sleep(0.5)  # the kill waits on the desk's transaction, then wins once it is rolled back
        return real_update(guid, **kw)

    monkeypatch.setattr(services.newsroom, "update", kill_first)
    r = client.post(path, data=form, follow_redirects=False)
    deadline = time.monotonic() + 10
    while services.store.get_story(guid).pubstatus != "canceled" and time.monotonic() < deadline:
        time.sleep(0.05)
    story = services.store.get_story(guid)
    assert story.pubstatus == "canceled" and "withdrawn" in story.draft.body_html, story.draft.body_html
    assert r.status_code in (303, 409)
    assert [v.pubstatus for v in services.store.list_versions(guid)][-1] == "canceled"

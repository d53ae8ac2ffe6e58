"""The newsroom REST API: the desk's actions, and a clear 4xx naming the problem for bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from newsflow.newsroom import MediaLibrary
from newsflow.services import Services
from tests.helpers import jpeg

BASE = "/v1/newsroom"


def _create(client: TestClient, h: dict[str, str], **fields: object) -> str:
    r = client.post(f"{BASE}/stories", headers=h, json={"headline": "Harbour reopens", **fields})
    assert r.status_code == 201, r.text
    return r.json()["guid"]


def test_the_whole_life_of_a_story(client: TestClient, staff_headers: dict[str, str]) -> None:
    h = staff_headers
    guid = _create(client, h, body_html="<p>Ships move.</p>", categories=["Europe"])
    assert client.get(f"{BASE}/stories/{guid}", headers=h).json()["current_version"] == 0
    assert client.post(f"{BASE}/stories/{guid}/publish", headers=h).json()["version"] == 1
    client.patch(f"{BASE}/stories/{guid}", headers=h, json={"spot": "After the storm"})
    v2 = client.post(f"{BASE}/stories/{guid}/update", headers=h, json={"editor_note": "Adds spot"}).json()
    assert (v2["version"], v2["spot"], v2["editor_note"]) == (2, "After the storm", "Adds spot")
    v3 = client.post(f"{BASE}/stories/{guid}/correct", headers=h, json={"editor_note": "Name fixed"}).json()
    assert v3["is_correction"] is True
    v4 = client.post(f"{BASE}/stories/{guid}/kill", headers=h, json={"reason": "Legal"}).json()
    assert v4["pubstatus"] == "canceled" and "Ships" not in v4["body_html"]
    assert [v["version"] for v in client.get(f"{BASE}/stories/{guid}/versions", headers=h).json()] == [1, 2, 3, 4]
    kinds = [e["kind"] for e in client.get(f"{BASE}/events", params={"after": 0}, headers=h).json()]
    assert kinds == ["publish", "update", "correct", "kill"]
    assert client.get(f"{BASE}/events", params={"after": 3}, headers=h).json()[0]["kind"] == "kill"


def test_home_page_lists_published_public_stories_only(client: TestClient,
                                                       staff_headers: dict[str, str]) -> None:
    # the home page is the public website: published AND public (tests/web/test_public_site.py has the rest)
    published = _create(client, staff_headers, headline="Ferry timetable changes", public=True,
                        spot="Winter sailings start early", contributors=[{"name": "Ana Costa"}])
    _create(client, staff_headers, headline="Unpublished draft", public=True)
    client.post(f"{BASE}/stories/{published}/publish", headers=staff_headers)
    page = client.get("/").text
    assert "Ferry timetable changes" in page and "Winter sailings start early" in page and "Ana Costa" in page
    assert "Unpublished draft" not in page


@pytest.mark.parametrize(("body", "field"), [
    ({}, "headline"),
    ({"headline": ""}, "headline"),
    ({"headline": "x", "urgency": 0}, "urgency"),
    ({"headline": "x", "urgency": "high"}, "urgency"),
    ({"headline": "x", "language": "English"}, "language"),
    ({"headline": "x", "embargo": "2030-01-01T10:00:00"}, "embargo"),
    ({"headline": "x", "contributors": [{"role": "reporter"}]}, "contributors.0.name"),
    ({"headline": "x", "contributors": [{"name": "A", "role": "boss"}]}, "contributors.0.role"),
    ({"headline": "x", "photos": [{"caption": "no image"}]}, "photos.0"),
    ({"headline": "x", "headlinee": "typo"}, "headlinee"),
])
def test_invalid_fields_are_named(client: TestClient, staff_headers: dict[str, str], body: dict[str, object],
                                  field: str) -> None:
    r = client.post(f"{BASE}/stories", headers=staff_headers, json=body)
    assert r.status_code == 422
    assert field in [f["field"] for f in r.json()["fields"]], r.json()
    assert field in r.json()["error"]
    assert client.get(f"{BASE}/stories", headers=staff_headers).json() == []  # nothing written


def test_unknown_media_in_a_story_is_named(client: TestClient, staff_headers: dict[str, str]) -> None:
    r = client.post(f"{BASE}/stories", headers=staff_headers,
                    json={"headline": "x", "photos": [{"media_id": "nope", "caption": "c"}]})
    assert r.status_code == 422 and r.json()["field"] == "photos.0.media_id"


def test_wrong_state_unknown_ids_and_missing_notes(client: TestClient, staff_headers: dict[str, str]) -> None:
    h = staff_headers
    guid = _create(client, h)
    assert client.post(f"{BASE}/stories/{guid}/update", headers=h).status_code == 409
    assert client.post(f"{BASE}/stories/{guid}/publish", headers=h).status_code == 201
    r = client.post(f"{BASE}/stories/{guid}/publish", headers=h)
    assert r.status_code == 409 and "already published" in r.json()["error"]
    r = client.post(f"{BASE}/stories/{guid}/correct", headers=h, json={})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "editor_note"
    r = client.post(f"{BASE}/stories/{guid}/kill", headers=h, json={"reason": ""})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "reason"
    for method, path in (("get", "/stories/missing"), ("patch", "/stories/missing"),
                         ("post", "/stories/missing/publish"), ("get", f"/stories/{guid}/versions/9"),
                         ("get", "/media/missing")):
        r = client.request(method, BASE + path, headers=h, json={"headline": "y"} if method == "patch" else None)
        assert r.status_code == 404, (path, r.text)
        assert "missing" in r.json()["error"] or "version 9" in r.json()["error"]


def test_tokens_and_roles(client: TestClient, services: Services) -> None:
    r = client.get(f"{BASE}/stories")
    assert r.status_code == 401 and "missing token" in r.json()["error"]
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get(f"{BASE}/stories", headers={"Authorization": "Bearer nfs_wrong"}).status_code == 401
    reporter = services.store.create_user(email="rep@example.org", name="Rep", role="reporter")
    h = {"Authorization": f"Bearer {services.store.create_token(reporter.id)}"}
    guid = _create(client, h)  # reporters may file …
    r = client.post(f"{BASE}/stories/{guid}/publish", headers=h)
    assert r.status_code == 403 and "reporter" in r.json()["error"]  # … but not publish
    subscriber = services.store.create_user(email="sub@example.org", name="Sub", role="subscriber")
    h = {"Authorization": f"Bearer {services.store.create_token(subscriber.id)}"}
    assert client.get(f"{BASE}/stories", headers=h).status_code == 403


def test_script_never_survives_into_a_version(client: TestClient, staff_headers: dict[str, str]) -> None:
    guid = _create(client, staff_headers, body_html=(
        '<p onclick="steal()">Text<script>alert(1)</script><img src=x onerror=alert(2)>'
        '<a href="javascript:alert(3)">link</a></p><h2 onmouseover="x()">Sub</h2>'))
    body = client.post(f"{BASE}/stories/{guid}/publish", headers=staff_headers).json()["body_html"]
    for bad in ("script", "onclick", "onerror", "javascript:", "onmouseover", "<img"):
        assert bad not in body
    assert "<h2>Sub</h2>" in body and "Text" in body


def test_photo_upload_makes_renditions(client: TestClient, staff_headers: dict[str, str]) -> None:
    r = client.post(f"{BASE}/media", headers=staff_headers, files={"file": ("a.jpg", jpeg(2000, 1000), "image/jpeg")},
                    data={"caption": "Quay at dawn", "credit": "Agency / P. Hoto"})
    assert r.status_code == 201, r.text
    media = r.json()
    assert (media["caption"], media["credit"], media["width"]) == ("Quay at dawn", "Agency / P. Hoto", 2000)
    sizes = {name: (info["width"], info["height"]) for name, info in media["renditions"].items()}
    assert sizes == {"original": (2000, 1000), "thumbnail": (320, 160), "preview": (1280, 640)}
    thumb = client.get(media["renditions"]["thumbnail"]["href"], headers=staff_headers)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content[:2] == b"\xff\xd8"


def test_bad_uploads_are_refused_and_leave_nothing(client: TestClient, staff_headers: dict[str, str],
                                                   services: Services) -> None:
    r = client.post(f"{BASE}/media", headers=staff_headers, files={"file": ("notes.txt", b"hello", "text/plain")})
    assert r.status_code == 415 and r.json()["field"] == "file" and "notes.txt" in r.json()["error"]
    r = client.post(f"{BASE}/media", headers=staff_headers, files={"file": ("cut.jpg", jpeg()[:300], "image/jpeg")})
    assert r.status_code == 415
    services.media = MediaLibrary(services.store, services.settings.media_dir, max_bytes=1_000)
    r = client.post(f"{BASE}/media", headers=staff_headers, files={"file": ("big.jpg", jpeg(), "image/jpeg")})
    assert r.status_code == 413 and "limit" in r.json()["error"]
    r = client.post(f"{BASE}/media", headers=staff_headers, data={"caption": "no file"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "file"
    media_dir = services.settings.media_dir
    assert not media_dir.exists() or not any(media_dir.iterdir())


def test_a_kill_reason_longer_than_the_notice_holds_is_refused_naming_the_reason(
        client: TestClient, staff_headers: dict[str, str]) -> None:
    from newsflow.newsroom.actions import KILL_REASON_MAX

    made = client.post("/v1/newsroom/stories", json={"headline": "Talks open", "categories": ["World"]},
                       headers=staff_headers).json()
    guid = made["guid"]
    assert client.post(f"/v1/newsroom/stories/{guid}/publish", headers=staff_headers).status_code == 201
    too_long = client.post(f"/v1/newsroom/stories/{guid}/kill", json={"reason": "x" * (KILL_REASON_MAX + 1)},
                           headers=staff_headers)
    assert too_long.status_code == 422 and "reason" in too_long.text, too_long.text
    hostile = client.post(f"/v1/newsroom/stories/{guid}/kill", json={"reason": "Legal\x01 advice"},
                          headers=staff_headers)
    assert hostile.status_code == 422 and "reason" in hostile.text, hostile.text
    killed = client.post(f"/v1/newsroom/stories/{guid}/kill", json={"reason": "y" * KILL_REASON_MAX},
                         headers=staff_headers)
    assert killed.status_code == 201, killed.text

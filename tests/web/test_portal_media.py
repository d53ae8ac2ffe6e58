"""The portal's picture and video wire: the photo wire shows the company's picture and graphic items
and stories with pictures as thumbnails with caption, credit and time (never another company's, never
a text story without pictures); a video item plays in an HTML5 player with its poster frame, an
audio item in an audio player, each file from the subscriber media route."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsflow.services import Services
from newsflow.web.portal import routes as portal_face
from tests.helpers import jpeg
from tests.web import test_portal
from tests.web.test_portal import Portal, sign_in


@pytest.fixture
def portal(services: Services) -> Portal:
    """test_portal's: company A reads the World product, company B the Sports one."""
    return test_portal.portal.__wrapped__(services)

Clip = Callable[[str], bytes]



@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # entitlement is tested on both stores by tests/web/test_portal.py; the pages are the same on each
    return f"sqlite:///{tmp_path / 'portal.db'}"


def _picture(portal: Portal, headline: str, category: str, caption: str, **fields: object) -> tuple[str, str]:
    media = portal.svc.media.add(jpeg(1200, 800), filename="p.jpg")
    photo = {"media_id": media["id"], "caption": caption, "credit": "Agency / P. Hoto", "alt": f"Alt: {caption}"}
    return portal.publish(headline, category, photos=[photo], **fields), media["id"]


def _cards(html: str) -> list[str]:
    return re.findall(r'<li class="photo-card">(.*?)</li>', html, re.S)


def test_the_photo_wire_shows_entitled_pictures_with_caption_credit_and_time(client: TestClient,
                                                                             portal: Portal) -> None:
    text_only = portal.publish("Council votes budget", "World")
    _, story_media = _picture(portal, "Harbour reopens", "World", "The quay at dawn")
    item, item_media = _picture(portal, "Storm over the bay", "World", "Lightning over the bay", kind="picture")
    _picture(portal, "Regatta in the wind", "Sports", "Sails at the start")  # another company's product
    sign_in(client, portal.email)
    html = client.get("/portal/photos").text
    cards = _cards(html)
    assert len(cards) == 2 and text_only not in html and "Regatta" not in html and "Sails" not in html
    newest, older = cards  # newest first
    assert f'href="/portal/stories/{item}"' in newest and f'<img src="/media/{item_media}/thumbnail"' in newest
    assert 'alt="Alt: Lightning over the bay"' in newest and "Lightning over the bay" in newest
    assert "Agency / P. Hoto" in newest and re.search(r'<time datetime="[^"]+">', newest)
    assert "· picture" in newest and "· story" in older and f"/media/{story_media}/thumbnail" in older
    assert 'href="/portal/photos" aria-current="page"' in html
    thumb = client.get(f"/media/{item_media}/thumbnail")  # the portal session may fetch what it shows
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"


def test_the_photo_wire_pages_through_stories_without_pictures(client: TestClient, portal: Portal,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portal_face, "PHOTO_PAGE", 2)
    guids = []
    for n in range(5):
        guids.append(_picture(portal, f"Picture {n}", "World", f"Caption {n}")[0])
        portal.publish(f"Words only {n}", "World")
    sign_in(client, portal.email)
    seen: list[str] = []
    url = "/portal/photos"
    for _ in range(5):
        html = client.get(url).text
        seen += re.findall(r'href="/portal/stories/([^"]+)"', "".join(_cards(html)))
        following = re.search(r'<a rel="next" href="([^"]+)"', html)
        if not following:
            break
        url = unescape(following.group(1))
    assert seen == list(reversed(guids))  # every picture story once, newest first, none of the others
    assert client.get("/portal/photos?before=yesterday").status_code == 422


def test_a_video_item_plays_with_its_poster(client: TestClient, portal: Portal, clip: Clip) -> None:
    media = portal.svc.media.add(clip("mp4"), filename="ferry.mp4")
    guid = portal.publish("Ferry leaves the harbour", "World", kind="video", photos=[{
        "kind": "video", "media_id": media["id"], "caption": "The ferry turns", "credit": "Agency / V. Ideo",
        "alt": "A ferry turning in the harbour"}])
    sign_in(client, portal.email)
    html = client.get(f"/portal/stories/{guid}").text
    player = re.search(r'<video controls preload="metadata" poster="([^"]+)" aria-label="([^"]+)">\s*'
                       r'<source src="([^"]+)" type="video/mp4">', html)
    assert player, html
    poster, label, src = player.groups()
    assert (poster, src) == (f"/media/{media['id']}/preview", f"/media/{media['id']}/original")
    assert label == "A ferry turning in the harbour" and "duration 0:02" in html
    assert "The ferry turns" in html and "Agency / V. Ideo" in html
    assert client.get(poster).headers["content-type"] == "image/jpeg"
    part = client.get(src, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and len(part.content) == 10 and part.headers["content-type"] == "video/mp4"
    assert "<script>" not in html  # no inline script: the CSP allows none
    # the photo wire does not list a video item without pictures
    assert guid not in client.get("/portal/photos").text


def test_an_audio_item_gets_an_audio_player(client: TestClient, portal: Portal, clip: Clip) -> None:
    media = portal.svc.media.add(clip("mp3"), filename="mayor.mp3")
    guid = portal.publish("The mayor on the floods", "World", kind="audio", photos=[{
        "kind": "audio", "media_id": media["id"], "caption": "Interview", "credit": "Agency / A. Udio"}])
    sign_in(client, portal.email)
    html = client.get(f"/portal/stories/{guid}").text
    assert re.search(rf'<audio controls preload="metadata" aria-label="Interview">\s*<source '
                     rf'src="/media/{media["id"]}/original" type="audio/mpeg">', html), html
    assert "<video" not in html and "duration 0:02" in html
    assert client.get(f"/media/{media['id']}/original").headers["content-type"] == "audio/mpeg"


def test_a_remote_video_plays_from_the_senders_address() -> None:
    from newsflow.model import Photo
    from newsflow.web.media_view import shown

    video = Photo(kind="video", caption="Flood", renditions=[
        {"name": "main", "href": "https://agency.example/v/1.mp4", "mimetype": "video/mp4", "duration": 75.4},
        {"name": "preview", "href": "https://agency.example/v/1.jpg", "mimetype": "image/jpeg"}])
    view = shown(video, None, lambda name: f"/media/x/{name}")
    assert (view["kind"], view["src"], view["mimetype"], view["still"], view["clock"]) == (
        "video", "https://agency.example/v/1.mp4", "video/mp4", "https://agency.example/v/1.jpg", "1:15")
    picture = shown(Photo(href="https://agency.example/p.jpg"), None, lambda name: name)
    assert picture["still"] == picture["small"] == picture["src"] == "https://agency.example/p.jpg"

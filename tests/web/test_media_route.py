"""GET /media/{media_id}/{rendition}: the address every format links media at. An entitled subscriber
(API key, portal session, signed link) gets the file; another company 403, nobody 401, an unknown id
404, everyone 410 once every story using it is killed; staff always; the watermarked `public`
rendition is open to all for a story on the public site. ETag, 304, byte ranges, HEAD."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.model import utcnow
from newsflow.services import Services
from newsflow.web.ratelimit import RateLimiter
from newsflow.web.sessions import secret_key
from newsflow.wire import media_access
from newsflow.wire.media_access import company_verdict
from tests.clips import make_clip
from tests.helpers import jpeg, publish_story
from tests.web.test_portal import PASSWORD, csrf_of, sign_in


@dataclass
class Wire:
    svc: Services
    world: str  # API key of a company with the World product
    sports: str  # API key of a company with the Sports product only
    world_id: str
    media_id: str

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def file(self, rendition: str) -> bytes:
        path, _ = self.svc.media.path(self.media_id, rendition)
        return path.read_bytes()


def sign_in_staff(client: TestClient, email: str) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303


def _company(svc: Services, name: str, category: str, **options: bool) -> tuple[str, str]:
    subs = svc.subscribers
    company = subs.create_company(name, **options)
    subs.assign_product(company.id, subs.create_product(f"{name} {category}", {"categories": [category]}).id)
    return company.id, subs.create_api_key(company.id).secret


@pytest.fixture
def wire(services: Services) -> Wire:
    world_id, world = _company(services, "Daily World", "World")
    _, sports = _company(services, "Sports Only", "Sports")
    media_id = services.media.add(jpeg(900, 600), filename="harbour.jpg", caption="The harbour")["id"]
    return Wire(services, world, sports, world_id, media_id)


def _story(wire: Wire, category: str = "World", **fields: object) -> str:
    return publish_story(wire.svc, "Ships leave the harbour", category, urgency=9,
                         photos=[{"media_id": wire.media_id, "caption": "The harbour"}], **fields)


def test_an_entitled_subscriber_gets_every_rendition_with_its_headers(client: TestClient, wire: Wire) -> None:
    _story(wire)
    for rendition in ("original", "preview", "thumbnail"):
        r = client.get(f"/media/{wire.media_id}/{rendition}", headers=wire.headers(wire.world))
        assert r.status_code == 200, r.text
        assert r.content == wire.file(rendition)
        assert r.headers["content-type"] == "image/jpeg"
        assert int(r.headers["content-length"]) == len(wire.file(rendition))
        assert r.headers["cache-control"].startswith("private")
        again = client.get(f"/media/{wire.media_id}/{rendition}",
                           headers=wire.headers(wire.world) | {"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    head = client.head(f"/media/{wire.media_id}/original", headers=wire.headers(wire.world))
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(wire.file("original"))


def test_who_is_refused_and_why(client: TestClient, wire: Wire, staff_headers: dict[str, str]) -> None:
    unpublished = wire.svc.media.add(jpeg(), filename="draft.jpg")["id"]
    # nobody may see a file no published story uses yet, except staff
    assert client.get(f"/media/{unpublished}/original", headers=wire.headers(wire.world)).status_code == 404
    assert client.get(f"/media/{unpublished}/original", headers=staff_headers).status_code == 200
    _story(wire)
    url = f"/media/{wire.media_id}/original"
    nobody = client.get(url)
    assert nobody.status_code == 401 and "Bearer" in nobody.headers["www-authenticate"]
    assert "credentials" in nobody.json()["error"]
    other = client.get(url, headers=wire.headers(wire.sports))
    assert other.status_code == 403 and "no matching product" in other.json()["error"]
    assert client.get(url, headers=wire.headers("nfk_not-a-key")).status_code == 401
    assert client.get(f"/media/{wire.media_id}/poster", headers=wire.headers(wire.world)).status_code == 404
    assert client.get("/media/0000/original", headers=wire.headers(wire.world)).status_code == 404
    assert client.get(url, headers=staff_headers).status_code == 200


def test_embargoed_media_wait_for_the_lift(client: TestClient, wire: Wire) -> None:
    _, trusted = _company(wire.svc, "Trusted World", "World", may_receive_embargoed=True)
    _story(wire, embargo=(utcnow() + timedelta(hours=2)).isoformat())
    early = client.get(f"/media/{wire.media_id}/preview", headers=wire.headers(wire.world))
    assert early.status_code == 403 and "embargoed until" in early.json()["error"]
    assert client.get(f"/media/{wire.media_id}/preview", headers=wire.headers(trusted)).status_code == 200


def test_a_kill_of_every_story_using_it_is_410(client: TestClient, wire: Wire, staff_headers: dict[str, str]) -> None:
    first, second = _story(wire), _story(wire)
    url = f"/media/{wire.media_id}/original"
    wire.svc.newsroom.kill(first, "Wrong harbour")
    assert client.get(url, headers=wire.headers(wire.world)).status_code == 200  # the second still uses it
    wire.svc.newsroom.kill(second, "Wrong harbour")
    gone = client.get(url, headers=wire.headers(wire.world))
    assert gone.status_code == 410 and "killed" in gone.json()["error"]
    assert client.get(url, headers=wire.headers(wire.sports)).status_code == 410
    assert client.get(url, headers=staff_headers).status_code == 200  # the desk keeps its archive


def test_byte_ranges(client: TestClient, wire: Wire) -> None:
    _story(wire)
    url, key = f"/media/{wire.media_id}/original", wire.headers(wire.world)
    data = wire.file("original")
    part = client.get(url, headers=key | {"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == data[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(data)}"
    tail = client.get(url, headers=key | {"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == data[-5:]
    rest = client.get(url, headers=key | {"Range": f"bytes={len(data) - 3}-"})
    assert rest.status_code == 206 and rest.content == data[-3:]
    outside = client.get(url, headers=key | {"Range": f"bytes={len(data)}-"})
    assert outside.status_code == 416 and outside.headers["content-range"] == f"bytes */{len(data)}"
    for ignored in ("bytes=0-1,4-5", "bytes=5-2", "lines=1-2"):  # the whole file, as RFC 9110 allows
        whole = client.get(url, headers=key | {"Range": ignored})
        assert whole.status_code == 200 and whole.content == data, ignored
    stale = client.get(url, headers=key | {"Range": "bytes=0-9", "If-Range": '"an-old-etag"'})
    assert stale.status_code == 200 and stale.content == data
    client.head(url, headers=key)
    # counted as downloads: the range from byte 0 and the four whole answers, not the later ranges
    # (a video player asks for many), the HEAD or the 416
    assert wire.svc.usage.report(wire.world_id)["by_channel"] == {"media": 5}


def test_signed_links_open_one_file_for_a_while(client: TestClient, wire: Wire) -> None:
    _story(wire)
    r = client.get(f"/v1/media/{wire.media_id}/preview/link", params={"ttl": 600}, headers=wire.headers(wire.world))
    assert r.status_code == 200, r.text
    link = urlsplit(r.json()["href"])
    assert link.path == f"/media/{wire.media_id}/preview"
    fetched = client.get(f"{link.path}?{link.query}")  # no headers: a CMS importer
    assert fetched.status_code == 200 and fetched.content == wire.file("preview")
    limiter, wire.svc.limiter = wire.svc.limiter, RateLimiter(2)  # a link handed on is held to a rate
    assert [client.get(f"{link.path}?{link.query}").status_code for _ in range(3)] == [200, 200, 429]
    wire.svc.limiter = limiter
    params = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert client.get(f"/media/{wire.media_id}/original", params=params).status_code == 403  # another file
    forged = client.get(link.path, params=params | {"expires": str(int(params["expires"]) + 3600)})
    assert forged.status_code == 403 and "signature" in forged.json()["error"]
    key = media_access.link_key(secret_key(wire.svc.settings))
    past = int(utcnow().timestamp()) - 10
    sig = media_access.signature(key, wire.media_id, "preview", wire.world_id, past)
    expired = client.get(link.path, params={"company": wire.world_id, "expires": past, "sig": sig})
    assert expired.status_code == 403 and "expired" in expired.json()["error"]
    # a link is no entitlement: another company cannot get one, and a kill closes those handed out
    assert client.get(f"/v1/media/{wire.media_id}/preview/link", headers=wire.headers(wire.sports)).status_code == 403
    for guid in {g for g, _ in wire.svc.store.media_used_by(wire.media_id)}:
        wire.svc.newsroom.kill(guid, "Wrong harbour")
    assert client.get(f"{link.path}?{link.query}").status_code == 410


def test_a_portal_session_fetches_for_its_company(client: TestClient, wire: Wire) -> None:
    _story(wire)
    store = wire.svc.store
    store.create_user(email="reader@world.example", name="Reader", role="subscriber", company_id=wire.world_id,
                      password_hash=hash_password(PASSWORD))
    sign_in(client, "reader@world.example")
    assert client.get(f"/media/{wire.media_id}/thumbnail").content == wire.file("thumbnail")
    unpublished = wire.svc.media.add(jpeg(), filename="draft.jpg")["id"]
    assert client.get(f"/media/{unpublished}/thumbnail").status_code == 404


def test_a_desk_session_fetches_anything(client: TestClient, wire: Wire) -> None:
    unpublished = wire.svc.media.add(jpeg(), filename="draft.jpg")["id"]
    wire.svc.store.create_user(email="ed@agency.example", name="Ed", role="editor",
                               password_hash=hash_password(PASSWORD))
    assert client.get(f"/media/{unpublished}/original").status_code == 401
    sign_in_staff(client, "ed@agency.example")
    r = client.get(f"/media/{unpublished}/original")
    assert r.status_code == 200 and r.content == wire.svc.media.path(unpublished, "original")[0].read_bytes()


def test_the_public_rendition_is_open_only_for_public_stories(client: TestClient, wire: Wire) -> None:
    guid = _story(wire)
    url = f"/media/{wire.media_id}/public"
    assert client.get(url).status_code == 401  # not on the public site
    entitled = client.get(url, headers=wire.headers(wire.world))
    assert entitled.status_code == 200 and entitled.headers["cache-control"].startswith("private")
    wire.svc.newsroom.edit(guid, {"public": True})
    wire.svc.newsroom.update(guid)
    open_ = client.get(url)
    assert open_.status_code == 200 and open_.headers["content-type"] == "image/jpeg"
    assert open_.headers["cache-control"].startswith("public")
    # the watermarked preview: the preview's size, other pixels
    assert open_.content != wire.file("preview")
    assert hashlib.sha256(open_.content).digest() == hashlib.sha256(client.get(url).content).digest()
    wire.svc.newsroom.kill(guid, "Wrong harbour")
    assert client.get(url).status_code == 410


def test_a_video_player_seeks_through_the_original(client: TestClient, wire: Wire, tmp_path: Path) -> None:
    clip = make_clip(tmp_path, "mp4")
    video = wire.svc.media.add(clip, filename="harbour.mp4")
    publish_story(wire.svc, "Ships leave the harbour", "World", kind="video",
                  photos=[{"kind": "video", "media_id": video["id"], "caption": "The harbour"}])
    url, key = f"/media/{video['id']}/original", wire.headers(wire.world)
    head = client.head(url, headers=key)
    assert head.headers["content-type"] == "video/mp4" and int(head.headers["content-length"]) == len(clip)
    assert head.headers["accept-ranges"] == "bytes"
    middle = client.get(url, headers=key | {"Range": f"bytes={len(clip) // 2}-{len(clip) // 2 + 999}"})
    assert middle.status_code == 206 and middle.content == clip[len(clip) // 2:len(clip) // 2 + 1000]
    assert middle.headers["content-length"] == "1000"
    poster = client.get(f"/media/{video['id']}/preview", headers=key)
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    assert client.get(url, headers=wire.headers(wire.sports)).status_code == 403


def test_a_verdict_costs_a_few_queries_however_many_stories_use_the_file(wire: Wire) -> None:
    sports = wire.svc.subscribers.company_for_key(wire.sports)
    assert sports is not None

    def statements() -> int:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        sa.event.listen(wire.svc.store.engine, "before_cursor_execute", count)
        try:
            assert company_verdict(wire.svc.store, sports, wire.media_id).status == 403
        finally:
            sa.event.remove(wire.svc.store.engine, "before_cursor_execute", count)
        return len(seen)

    _story(wire)
    one = statements()
    for _ in range(40):
        _story(wire)
    # a file reused by many stories (a logo, a file photo) is refused without a query per story
    assert statements() == one <= 12

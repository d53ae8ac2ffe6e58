"""Guids holding `/`, `?`, `#`, `%` and spaces (an ingested item whose guid is its URL) work on every
route that takes a guid — /v1/items and each newsroom route — and the `uri` every format renders for
them resolves to the item. Before: `/v1/newsroom/stories/{guid}/versions/{n}` was a 404 for a guid
with `/`, and the rendered `uri` of a guid with `?` or `#` pointed at another address."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import lxml.html
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from newsflow.model import Story
from newsflow.services import Services
from newsflow.web.guid_paths import path_guid, routable
from tests.helpers import jpeg

HARD_GUIDS = [
    "https://example.org/item/abc?x=1#y",
    "urn:agency:2026/a b%20c",
    "50%/off?#",
    "a/versions",  # ends in a route's own segment
    "a/versions/1",
    "x/publish",
    "tag:example.org,2026:/news/%2F/",
]
# what a story guid can be: no leading or trailing space (the model strips it), no control characters,
# not a '.' or '..' that a client resolves away (ingest refuses those too)
guids = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_categories=("Cs", "Cc")),
                min_size=1, max_size=40).filter(lambda g: g == g.strip() and g not in (".", ".."))


def _enc(guid: str) -> str:
    return quote(guid, safe="")


def _path(uri: str) -> str:
    """The path and query of a rendered link, to ask the test client with (it keeps the encoding)."""
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@given(guids)
def test_the_routing_path_keeps_a_guid_whole(guid: str) -> None:
    for suffix in ("", "/versions/3", "/publish"):
        path = routable(f"/v1/newsroom/stories/{_enc(guid)}{suffix}".encode())
        assert path.endswith(suffix)
        inside = path.removeprefix("/v1/newsroom/stories/").removesuffix(suffix)
        assert "/" not in inside and path_guid(inside) == guid


def test_a_stray_percent_is_itself() -> None:
    assert path_guid(routable(b"/v1/items/%%32F%zz%")[len("/v1/items/"):]) == "%2F%zz%"


def _newsroom_story(services: Services, guid: str) -> None:
    services.store.create_story(Story(headline=f"Story {guid}", categories=["World"]), guid=guid)


@pytest.mark.parametrize("guid", HARD_GUIDS)
def test_every_guid_route(client: TestClient, services: Services, staff_headers: dict[str, str], guid: str) -> None:
    _newsroom_story(services, guid)
    base = f"/v1/newsroom/stories/{_enc(guid)}"
    assert client.get(base, headers=staff_headers).json()["guid"] == guid
    edited = client.patch(base, headers=staff_headers, json={"headline": "Edited"})
    assert edited.status_code == 200 and edited.json()["draft"]["headline"] == "Edited"
    assert client.post(f"{base}/publish", headers=staff_headers).json()["guid"] == guid
    assert client.post(f"{base}/update", headers=staff_headers, json={}).json()["version"] == 2
    corrected = client.post(f"{base}/correct", headers=staff_headers, json={"editor_note": "Fixed"})
    assert corrected.status_code == 201 and corrected.json()["guid"] == guid
    listed = client.get(f"{base}/versions", headers=staff_headers)
    assert [v["guid"] for v in listed.json()] == [guid] * 3
    one = client.get(f"{base}/versions/1", headers=staff_headers)
    assert one.status_code == 200 and (one.json()["guid"], one.json()["version"]) == (guid, 1)
    item = client.get(f"/v1/items/{_enc(guid)}", params={"format": "ninjs"}, headers=staff_headers)
    assert item.status_code == 200
    # the rendered uri of every format resolves to this item
    ninjs = json.loads(item.content)
    again = client.get(_path(ninjs["uri"]), params={"format": "ninjs3"}, headers=staff_headers)
    assert again.status_code == 200 and json.loads(again.content)["uri"] == ninjs["uri"]
    for fmt, attribute in (("nitf", "ex-ref"), ("html", "href")):
        data = client.get(f"/v1/items/{_enc(guid)}", params={"format": fmt}, headers=staff_headers).content
        root = etree.fromstring(data) if fmt == "nitf" else lxml.html.fromstring(data)
        assert ninjs["uri"] in {e.get(attribute) for e in root.iter()}, fmt
    killed = client.post(f"{base}/kill", headers=staff_headers, json={"reason": "Wrong"})
    assert killed.status_code == 201 and killed.json()["pubstatus"] == "canceled"


def test_a_guid_ending_in_a_route_segment_is_told_apart(client: TestClient, services: Services,
                                                       staff_headers: dict[str, str]) -> None:
    for guid in ("a", "a/versions"):
        _newsroom_story(services, guid)
        services.newsroom.publish(guid)
    assert client.get("/v1/newsroom/stories/a%2Fversions", headers=staff_headers).json()["guid"] == "a/versions"
    assert [v["guid"] for v in client.get("/v1/newsroom/stories/a/versions", headers=staff_headers).json()] == ["a"]
    # a URL guid sent with its slashes, as a client that does not encode would
    _newsroom_story(services, "https://example.org/item/abc")
    services.newsroom.publish("https://example.org/item/abc")
    plain = client.get("/v1/newsroom/stories/https://example.org/item/abc/versions/1", headers=staff_headers)
    assert plain.status_code == 200 and plain.json()["guid"] == "https://example.org/item/abc"
    assert client.get("/v1/items/https://example.org/item/abc", headers=staff_headers).status_code == 200


def test_an_ingested_url_guid_reaches_a_subscriber_and_its_uri_resolves(client: TestClient,
                                                                        services: Services) -> None:
    subs = services.subscribers
    company = subs.create_company("Daily World")
    subs.assign_product(company.id, subs.create_product("World", {"categories": ["World"]}).id)
    key = {"Authorization": f"Bearer {subs.create_api_key(company.id).secret}"}
    doc = {"uri": "https://example.org/item/abc?x=1#y", "type": "text", "version": "1", "headline": "Ships sail",
           "language": "en", "subject": [{"name": "World", "rel": "category"}], "body_html": "<p>Six ships.</p>",
           "versioncreated": "2026-12-01T10:00:00Z", "firstcreated": "2026-12-01T10:00:00Z"}
    [result] = services.ingestor.ingest_bytes(json.dumps(doc).encode(), "url-guid.json")
    guid = result.guid
    assert result.outcome == "ingested" and guid and "/" in guid and "?" in guid, result
    entry = client.get("/v1/feed", headers=key).json()["items"][0]["item"]
    assert entry["uri"] == f"{services.settings.base_url}/v1/items/{_enc(guid)}"
    fetched = client.get(_path(entry["uri"]), headers=key)
    assert fetched.status_code == 200 and json.loads(fetched.content)["uri"] == entry["uri"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guid=guids)
def test_any_guid_round_trips_through_the_routes(client: TestClient, services: Services,
                                                 staff_headers: dict[str, str], guid: str) -> None:
    if services.store.find_story(guid) is None:
        _newsroom_story(services, guid)
        services.newsroom.publish(guid)
    one = client.get(f"/v1/newsroom/stories/{_enc(guid)}/versions/1", headers=staff_headers)
    assert one.status_code == 200 and one.json()["guid"] == guid
    item = client.get(f"/v1/items/{_enc(guid)}", headers=staff_headers)
    assert item.status_code == 200
    uri = json.loads(item.content)["uri"]
    assert client.get(_path(uri), params={"format": "text"}, headers=staff_headers).status_code == 200


@pytest.mark.parametrize("guid", HARD_GUIDS[:3])
def test_a_public_story_with_a_url_guid_has_its_page(client: TestClient, services: Services, guid: str) -> None:
    media_id = services.media.add(jpeg(), filename="harbour.jpg")["id"]
    services.store.create_story(Story(headline="Ships sail at dawn", categories=["World"], public=True,
                                      photos=[{"media_id": media_id}]), guid=guid)
    services.newsroom.publish(guid)
    moved = client.get(f"/news/{_enc(guid)}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/news/{_enc(guid)}/ships-sail-at-dawn"
    page = client.get(moved.headers["location"])
    assert page.status_code == 200 and "Ships sail at dawn" in page.text
    photo = lxml.html.fromstring(page.content).xpath("//img/@src")[0]
    assert client.get(photo).headers["content-type"] == "image/jpeg"

"""/v1/items/{guid}: downloads in every format, chosen by `format` or the Accept header."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from newsflow.formats.registry import OUTPUTS


@pytest.fixture
def published(client: TestClient, staff_headers: dict[str, str]) -> str:
    r = client.post("/v1/newsroom/stories", headers=staff_headers, json={
        "headline": "Grain ships leave port", "body_html": "<p>Six ships left.</p>", "language": "en"})
    guid = r.json()["guid"]
    client.post(f"/v1/newsroom/stories/{guid}/publish", headers=staff_headers)
    client.patch(f"/v1/newsroom/stories/{guid}", headers=staff_headers, json={"headline": "Grain ships sail"})
    client.post(f"/v1/newsroom/stories/{guid}/update", headers=staff_headers)
    return guid


@pytest.mark.parametrize("fmt", list(OUTPUTS))
def test_every_format_with_its_media_type(client: TestClient, staff_headers: dict[str, str], published: str,
                                          fmt: str) -> None:
    r = client.get(f"/v1/items/{published}", params={"format": fmt}, headers=staff_headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == OUTPUTS[fmt].media_type
    assert "Grain ships sail" in r.text  # the latest version
    if fmt.startswith("ninjs"):
        assert json.loads(r.content)
    elif fmt in ("newsmlg2", "nitf"):
        assert etree.fromstring(r.content) is not None


def test_a_given_version_accept_header_and_etag(client: TestClient, staff_headers: dict[str, str],
                                                published: str) -> None:
    old = client.get(f"/v1/items/{published}", params={"version": 1, "format": "text"}, headers=staff_headers)
    assert "Grain ships leave port" in old.text
    xml = client.get(f"/v1/items/{published}", headers=staff_headers | {"Accept": "application/vnd.iptc.nitf+xml"})
    assert xml.headers["content-type"] == "application/vnd.iptc.nitf+xml" and b"<nitf" in xml.content
    default = client.get(f"/v1/items/{published}", headers=staff_headers | {"Accept": "*/*"})
    assert default.headers["content-type"] == OUTPUTS["ninjs"].media_type
    again = client.get(f"/v1/items/{published}", headers=staff_headers | {"If-None-Match": default.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_bad_requests(client: TestClient, staff_headers: dict[str, str], published: str) -> None:
    r = client.get(f"/v1/items/{published}", params={"format": "pdf"}, headers=staff_headers)
    assert r.status_code == 422 and "pdf" in r.json()["error"] and "ninjs" in r.json()["error"]
    assert client.get("/v1/items/nope", headers=staff_headers).status_code == 404
    assert client.get(f"/v1/items/{published}", params={"version": 9}, headers=staff_headers).status_code == 404
    assert client.get(f"/v1/items/{published}", params={"version": 0}, headers=staff_headers).status_code == 422
    assert client.get(f"/v1/items/{published}").status_code == 401

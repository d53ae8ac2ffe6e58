"""Every media link in every rendered format of every demo story, followed as a subscriber would: the
entitled company gets the bytes of that rendition, another company 403, and after the kills 410.

Links are read by parsing each format — JSON keys `href`/`uri`, XML and HTML attributes
`href`/`source`/`src`/`url` — not by pattern-matching text, so a link a format writes in a place its
readers would not look is not counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from fastapi.testclient import TestClient
from lxml import etree

from newsflow.demo import load_demo
from newsflow.formats.registry import OUTPUTS
from newsflow.model import PubStatus
from newsflow.services import Services

_LINK_KEYS = ("href", "uri", "url")
_LINK_ATTRIBUTES = ("href", "source", "src", "url")


def _json_links(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _LINK_KEYS and isinstance(value, str):
                yield value
            else:
                yield from _json_links(value)
    elif isinstance(node, list):
        for item in node:
            yield from _json_links(item)


def _markup_links(data: bytes, html: bool) -> Iterator[str]:
    root = lxml.html.fromstring(data) if html else etree.fromstring(data)
    for element in root.iter():
        for name in _LINK_ATTRIBUTES:
            value = element.get(name)
            if value:
                yield value


def links_in(fmt: str, data: bytes) -> set[str]:
    """Every address a reader of this format finds in `data`."""
    if fmt.startswith("ninjs"):
        return set(_json_links(json.loads(data)))
    if fmt == "text":
        return {word for word in data.decode().split() if word.startswith(("http://", "https://"))}
    return set(_markup_links(data, html=fmt == "html"))


def test_every_media_link_of_every_format_of_every_demo_story(client: TestClient, services: Services) -> None:
    subs = services.subscribers
    everything = subs.create_product("Everything", {})
    nothing = subs.create_product("Nothing", {"categories": ["No such desk"]})
    entitled, other = subs.create_company("Daily All", may_receive_embargoed=True), subs.create_company("Elsewhere")
    subs.assign_product(entitled.id, everything.id)
    subs.assign_product(other.id, nothing.id)
    key = {"Authorization": f"Bearer {subs.create_api_key(entitled.id).secret}"}
    other_key = {"Authorization": f"Bearer {subs.create_api_key(other.id).secret}"}
    load_demo(services.newsroom, services.media)
    media_base = services.render_context.rendition_href("", "").removesuffix("//")

    found: dict[str, set[str]] = {}  # link -> the formats it was found in
    live = [r.guid for r in services.store.list_stories(limit=1000) if r.pubstatus == PubStatus.usable]
    for guid in live:
        for fmt in OUTPUTS:
            r = client.get(f"/v1/items/{guid}", params={"format": fmt}, headers=key)
            assert r.status_code == 200, (guid, fmt, r.text[:200])
            for link in links_in(fmt, r.content):
                if link.startswith(media_base + "/"):
                    found.setdefault(link, set()).add(fmt)
    for kind in ("atom", "rss"):
        r = client.get(f"/v1/products/{everything.id}/{kind}", params={"key": key["Authorization"][7:]})
        assert r.status_code == 200
        for link in links_in(kind, r.content):
            if link.startswith(media_base + "/"):
                found.setdefault(link, set()).add(kind)

    used = {p.media_id for g in live for p in services.store.get_version(g).photos if p.media_id}
    linked = {urlsplit(link).path.split("/")[2] for link in found}
    assert used and linked == used  # every stored photo of every live story is linked somewhere
    for fmt in ("ninjs", "ninjs3", "newsmlg2", "nitf", "html"):
        assert any(fmt in formats for formats in found.values()), f"{fmt} links no media"

    for link in sorted(found):
        path = urlsplit(link).path
        _, _, media_id, rendition = path.split("/")
        r = client.get(path, headers=key)
        assert r.status_code == 200, (link, found[link], r.text[:200])
        assert r.content == services.media.path(media_id, rendition)[0].read_bytes(), link
        refused = client.get(path, headers=other_key)
        assert refused.status_code == 403 and "no matching product" in refused.json()["error"], link

    for guid in live:
        services.newsroom.kill(guid, "The demo is over")
    for link in sorted(found):
        assert client.get(urlsplit(link).path, headers=key).status_code == 410, link

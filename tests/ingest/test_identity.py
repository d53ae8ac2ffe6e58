"""One story per agency item whatever format it arrives in (ingest.identity)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from newsflow.ingest import Outcome
from newsflow.ingest.identity import agency_guid, normalise
from newsflow.model import ItemKind, PackageMember, StoryVersion
from newsflow.services import Services
from tests.ingest.wires import g2_item

ITEM = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _media_api_json(version: int, headline: str) -> bytes:
    """An item as an AP-style media API answers it (ninjs 1.x shape, id in altids)."""
    return json.dumps({"data": {"item": {
        "uri": f"https://api.wire.example/media/v/content/{ITEM}?qt=abc&et=1a2b",
        "altids": {"itemid": ITEM, "etag": f"{ITEM}_0a1b{version}", "friendlykey": "4242"},
        "version": version, "type": "text", "language": "en", "pubstatus": "usable",
        "versioncreated": f"2026-03-01T10:0{version}:00Z", "firstcreated": "2026-03-01T10:00:00Z",
        "headline": headline, "provider": "AP",
    }}}).encode()


def _g2(version: int, headline: str) -> bytes:
    return g2_item(f"tag:ap.org,2011:{ITEM}-text", headline, version=version, provider="AP",
                   admin_meta=f'<altId type="ap:itemId">{ITEM}</altId>',
                   body="<p>Ferries stayed in port for a second day.</p>")


def _nitf(headline: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><head><docdata>
  <doc-id regsrc="AP" id-string="{ITEM}"/><date.issue norm="20260301T100000Z"/>
</docdata></head><body><body.head><hedline><hl1>{headline}</hl1></hedline></body.head>
<body.content><p>Ferries stayed in port.</p></body.content></body></nitf>""".encode()


def test_one_agency_item_in_two_formats_is_one_story_and_an_update_in_the_other_is_its_version_2(
        services: Services) -> None:
    ing = services.ingestor
    first = ing.ingest_bytes(_media_api_json(0, "Ferries halted by storm"), "item.json")
    assert [(r.outcome, r.guid, r.version) for r in first] == [(Outcome.ingested, ITEM, 1)]
    same = ing.ingest_bytes(_nitf("Ferries halted by storm"), "item.xml")  # the same first take as NITF
    assert [(r.outcome, r.guid) for r in same] == [(Outcome.skipped, ITEM)]
    update = ing.ingest_bytes(_g2(2, "Ferries halted for a second day"), "item-2.xml")
    assert [(r.outcome, r.guid, r.version) for r in update] == [(Outcome.updated, ITEM, 2)]
    assert services.store.count_stories() == 1
    assert [v.headline for v in services.store.list_versions(ITEM)] == [
        "Ferries halted by storm", "Ferries halted for a second day"]
    stale = ing.ingest_bytes(_media_api_json(0, "Ferries halted by storm"), "again.json")
    assert stale[0].outcome == Outcome.skipped and services.store.get_version(ITEM).version == 2


HEX = st.text("0123456789abcdef", min_size=32, max_size=32)


@given(HEX, st.integers(1990, 2099), st.sampled_from(["", "-text", "-pic", "-video"]), st.booleans())
def test_every_form_of_an_ap_item_id_names_the_same_story(item: str, year: int, suffix: str, upper: bool) -> None:
    shown = item.upper() if upper else item
    forms = [item, f"tag:ap.org,{year}:{shown}{suffix}",
             f"https://api.example.org/media/v/content/{shown}?qt=x&et=y", f"http://a.b.c/content/{shown}"]
    assert {agency_guid(form) for form in forms} == {item}


@given(st.text(min_size=1, max_size=80))
def test_a_guid_is_its_own_agency_guid_once_named(guid: str) -> None:
    once = agency_guid(guid)
    assert agency_guid(once) == once
    if "ap.org" not in guid and "/content/" not in guid:
        assert once == guid  # other agencies' guids are kept as sent


def test_an_ap_package_keeps_its_guid_and_names_its_text_member_as_the_other_formats_do() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    package = StoryVersion(guid=f"tag:ap.org,2011:{ITEM}", version=1, headline="Storm", kind=ItemKind.package,
                           first_published=now, version_created=now,
                           members=[PackageMember(guid=f"tag:ap.org,2011:{ITEM}-text")],
                           related=[f"tag:ap.org,2011:{ITEM}-text", ITEM])
    named = normalise(package)
    assert named.guid == package.guid
    assert [m.guid for m in named.members] == [ITEM] and named.related == [ITEM]
    text = package.model_copy(update={"guid": f"tag:ap.org,2011:{ITEM}-text", "kind": ItemKind.text,
                                      "members": [], "related": []})
    assert normalise(text).guid == ITEM
    plain = text.model_copy(update={"guid": "urn:newsml:dpa.com:20090101:1"})
    assert normalise(plain) is plain

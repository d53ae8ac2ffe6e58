"""A package item is stored as a package with its members, and the members in the same file are stored as
items of their own, before the package that groups them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsflow.ingest import Outcome, screen
from newsflow.model import ItemKind, PackageMember, Photo, StoryVersion
from newsflow.services import Services

NS = "urn:newsml:wire.example.test:20260301"

G2 = f"""<?xml version="1.0" encoding="UTF-8"?>
<newsMessage xmlns="http://iptc.org/std/nar/2006-10-01/">
  <header><sent>2026-03-01T10:00:00Z</sent></header>
  <itemSet>
    <packageItem guid="{NS}:storm-package" version="1" standard="NewsML-G2" standardversion="2.35"
      conformance="power" xml:lang="en">
      <itemMeta><itemClass qcode="ninat:composite"/><provider literal="Example Wire"/>
        <versionCreated>2026-03-01T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
      <contentMeta><headline>Storm on the coast: story and picture</headline></contentMeta>
      <groupSet root="G1">
        <group id="G1" role="group:main">
          <itemRef residref="{NS}:storm-story" contenttype="application/vnd.iptc.g2.newsitem+xml">
            <itemClass qcode="ninat:text"/><title>Storm floods the harbour</title></itemRef>
          <itemRef residref="{NS}:storm-photo" contenttype="application/vnd.iptc.g2.newsitem+xml">
            <itemClass qcode="ninat:picture"/><title>Water on the quay</title></itemRef>
        </group>
      </groupSet>
    </packageItem>
    <newsItem guid="{NS}:storm-story" version="1" standard="NewsML-G2" standardversion="2.35"
      conformance="power" xml:lang="en">
      <itemMeta><itemClass qcode="ninat:text"/><provider literal="Example Wire"/>
        <versionCreated>2026-03-01T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
      <contentMeta><headline>Storm floods the harbour</headline></contentMeta>
      <contentSet><inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml">
        <body><p>The quay was under water by noon.</p></body></html></inlineXML></contentSet>
    </newsItem>
    <newsItem guid="{NS}:storm-photo" version="1" standard="NewsML-G2" standardversion="2.35"
      conformance="power" xml:lang="en">
      <itemMeta><itemClass qcode="ninat:picture"/><provider literal="Example Wire"/>
        <versionCreated>2026-03-01T10:00:00Z</versionCreated><pubStatus qcode="stat:usable"/></itemMeta>
      <contentMeta><headline>Water on the quay</headline>
        <description role="drol:caption">Water on the quay at noon.</description></contentMeta>
      <contentSet>
        <remoteContent href="https://photos.wire.example.test/storm/original.jpg" rendition="rnd:highRes"
          contenttype="image/jpeg" width="3000" height="2000" size="2400000"/>
        <remoteContent href="https://photos.wire.example.test/storm/thumb.jpg" rendition="rnd:thumbnail"
          contenttype="image/jpeg" width="300" height="200" size="24000"/>
      </contentSet>
    </newsItem>
  </itemSet>
</newsMessage>""".encode()


def test_a_newsml_g2_package_and_its_members_are_each_stored(services: Services) -> None:
    results = services.ingestor.ingest_bytes(G2, "storm.xml")
    assert {(r.guid, r.outcome) for r in results} == {(f"{NS}:storm-{n}", Outcome.ingested)
                                                      for n in ("package", "story", "photo")}
    assert results[-1].guid == f"{NS}:storm-package"  # announced after its members
    package = services.store.get_version(f"{NS}:storm-package")
    assert package.kind == ItemKind.package
    assert [(m.guid, m.kind) for m in package.members] == [(f"{NS}:storm-story", ItemKind.text),
                                                           (f"{NS}:storm-photo", ItemKind.picture)]
    assert "under water" in services.store.get_version(f"{NS}:storm-story").body_text
    photo = services.store.get_version(f"{NS}:storm-photo")
    assert photo.kind == ItemKind.picture and len(photo.photos[0].renditions) == 2


def _version(guid: str, **fields: object) -> StoryVersion:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return StoryVersion.model_validate({"guid": guid, "version": 1, "headline": guid, "first_published": now,
                                        "version_created": now, **fields})


def test_a_package_first_in_its_file_is_stored_after_its_members(services: Services,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    members = [PackageMember(guid="tag:ap.org,2011:" + "a" * 32 + "-text"), PackageMember(guid="pic-1",
                                                                                           kind=ItemKind.picture)]
    parsed = [_version("pkg-1", kind=ItemKind.package, members=members),
              _version("tag:ap.org,2011:" + "a" * 32 + "-text", body_html="<p>Words.</p>"),
              _version("pic-1", kind=ItemKind.picture, photos=[Photo(href="https://p.example.test/1.jpg")])]
    monkeypatch.setattr(screen, "read", lambda data, label: parsed)
    results = services.ingestor.ingest_bytes(b"-", "batch")
    assert [(r.guid, r.outcome) for r in results] == [("a" * 32, Outcome.ingested), ("pic-1", Outcome.ingested),
                                                      ("pkg-1", Outcome.ingested)]
    assert [e.guid for e in services.store.events_after(0)] == ["a" * 32, "pic-1", "pkg-1"]
    package = services.store.get_version("pkg-1")
    assert package.kind == ItemKind.package and package.body_html == ""
    assert [m.guid for m in package.members] == ["a" * 32, "pic-1"]  # named as the stored member is

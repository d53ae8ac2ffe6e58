"""One story per agency item when a format sends no item id (ingest.aliases): AP's NITF without an
`id-string` and its media-API JSON, in either order, and later takes in either format."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.backup import export_archive, restore_archive
from newsflow.config import Settings
from newsflow.ingest import Outcome, screen
from newsflow.ingest.aliases import fingerprint, fold, resolve
from newsflow.model import ItemKind, StoryVersion
from newsflow.services import Services
from newsflow.store import Store
from newsflow.store.engine import create_engine
from tests.conftest import shared

ITEM = "4c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f"
OTHER = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b"
T0 = datetime(2026, 4, 7, 8, 30, 15, tzinfo=UTC)
HEADLINE = "BC-SOC--Harbour Cup"


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(item: str = ITEM, version: int = 0, headline: str = HEADLINE, first: datetime = T0,
          made: datetime | None = None) -> bytes:
    """An AP-style media API item (id in altids; no body: the API links its text as a rendition)."""
    return json.dumps({"data": {"item": {
        "uri": f"https://api.wire.example/media/v/content/{item}?qt=q1", "altids": {"itemid": item},
        "version": version, "type": "text", "language": "en", "pubstatus": "usable",
        "firstcreated": _stamp(first), "versioncreated": _stamp(made or first),
        "headline": headline, "provider": "AP",
    }}}).encode()


def _nitf(issued: datetime = T0, headline: str = HEADLINE, *, id_string: str | None = None,
          body: str = "Harbour beat Quay 2-1.") -> bytes:
    """An AP-style NITF: `doc-id regsrc="AP"` and, as AP sends it, no `id-string` unless given."""
    ident = f' id-string="{id_string}"' if id_string else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><head><docdata>
  <doc-id regsrc="AP"{ident}/><date.issue norm="{issued.strftime('%Y%m%dT%H%M%SZ')}"/>
</docdata></head><body><body.head><hedline><hl1>{headline}</hl1></hedline></body.head>
<body.content><p>{body}</p></body.content></body></nitf>""".encode()


def _outcomes(services: Services, data: bytes, source: str = "ap-wire") -> list[tuple[Outcome, str | None, int | None]]:
    return [(r.outcome, r.guid, r.version) for r in services.ingestor.ingest_bytes(data, "item", source=source)]


@pytest.mark.parametrize("json_first", [True, False], ids=["json-first", "nitf-first"])
def test_the_real_ap_json_and_nitf_of_one_item_are_one_story_in_either_order(
        services: Services, json_first: bool) -> None:
    agency = shared("corpus", "agency")
    files = [(agency / "ap-media-api" / "text-item.json").read_bytes(),
             (agency / "nitf" / "ap-media-text.xml").read_bytes()]
    first, second = files if json_first else files[::-1]
    [(outcome, guid, version)] = _outcomes(services, first)
    assert (outcome, version) == (Outcome.ingested, 1)
    # the other format is the same take: it joins the story and adds no version
    assert _outcomes(services, second) == [(Outcome.skipped, guid, 1)]
    assert services.store.count_stories() == 1
    assert [v.version for v in services.store.list_versions(guid)] == [1]
    # and either file again is still that story
    assert [o[:2] for o in _outcomes(services, files[0]) + _outcomes(services, files[1])] == [
        (Outcome.skipped, guid), (Outcome.skipped, guid)]


def test_json_first_a_later_nitf_take_is_the_next_version_and_an_older_one_is_skipped(services: Services) -> None:
    assert _outcomes(services, _json()) == [(Outcome.ingested, ITEM, 1)]
    assert _outcomes(services, _nitf()) == [(Outcome.skipped, ITEM, 1)]
    later = T0 + timedelta(minutes=20)  # the NITF of a later take: the same day and slug, a newer time
    assert _outcomes(services, _nitf(later, body="Harbour beat Quay 3-1 after extra time.")) == [
        (Outcome.updated, ITEM, 2)]
    assert "3-1" in services.store.get_version(ITEM).body_html
    assert _outcomes(services, _nitf(T0 + timedelta(minutes=5))) == [(Outcome.skipped, ITEM, 1)]
    # the agency's v1 is numbered 2, which the story already has: being newer, it is version 3
    take = _json(version=1, made=T0 + timedelta(minutes=30))
    assert _outcomes(services, take) == [(Outcome.updated, ITEM, 3)]
    assert _outcomes(services, take) == [(Outcome.skipped, ITEM, 2)]
    assert _outcomes(services, _json(version=2, made=T0 + timedelta(hours=1))) == [(Outcome.updated, ITEM, 4)]
    assert services.store.count_stories() == 1


def test_nitf_first_later_takes_in_either_format_continue_its_versions(services: Services) -> None:
    [(_, story, _)] = _outcomes(services, _nitf())
    assert story.startswith("nitf:")
    assert _outcomes(services, _json()) == [(Outcome.skipped, story, 1)]
    # the JSON's item id now names the NITF's story: its next take is that story's next version
    assert _outcomes(services, _json(version=1, headline="BC-SOC--Harbour Cup, 1st Ld",
                                     made=T0 + timedelta(minutes=5))) == [(Outcome.updated, story, 2)]
    assert _outcomes(services, _nitf(T0 + timedelta(minutes=30), body="Final: 3-1.")) == [
        (Outcome.updated, story, 3)]
    assert services.store.count_stories() == 1
    assert [v.headline for v in services.store.list_versions(story)] == [
        HEADLINE, "BC-SOC--Harbour Cup, 1st Ld", HEADLINE]


@pytest.mark.parametrize("json_first", [True, False], ids=["json-first", "nitf-first"])
def test_both_formats_in_one_batch_are_one_story(services: Services, json_first: bool) -> None:
    items = [*screen.read(_json(), "item.json"), *screen.read(_nitf(), "item.xml")]
    results = services.ingestor.store_versions(items if json_first else items[::-1], "batch", source="ap-wire")
    assert [r.outcome for r in results] == [Outcome.ingested, Outcome.skipped]
    assert len({r.guid for r in results}) == 1 and services.store.count_stories() == 1
    if not json_first:  # the JSON's id was recorded for the NITF's story: its next take finds it
        later = _json(version=1, made=T0 + timedelta(minutes=3))
        assert _outcomes(services, later) == [(Outcome.updated, results[0].guid, 2)]


def test_another_first_published_second_is_another_item(services: Services) -> None:
    _outcomes(services, _json())
    [(outcome, guid, _)] = _outcomes(services, _nitf(T0 + timedelta(seconds=1)))
    assert outcome == Outcome.ingested and guid != ITEM
    assert services.store.count_stories() == 2


def test_the_same_item_through_another_ingest_source_is_not_joined(services: Services) -> None:
    _outcomes(services, _json(), source="ap-wire")
    [(outcome, guid, _)] = _outcomes(services, _nitf(), source="other-wire")
    assert outcome == Outcome.ingested and guid != ITEM
    assert services.store.count_stories() == 2


def test_two_item_ids_are_two_stories_however_alike(services: Services) -> None:
    _outcomes(services, _json(ITEM))
    assert _outcomes(services, _json(OTHER)) == [(Outcome.ingested, OTHER, 1)]
    third = "0123456789abcdef0123456789abcdef"
    assert _outcomes(services, _nitf(id_string=third)) == [(Outcome.ingested, third, 1)]
    assert services.store.count_stories() == 3


def test_an_id_joins_a_story_made_without_one_only_while_it_has_no_id(services: Services) -> None:
    [(_, story, _)] = _outcomes(services, _nitf())
    assert _outcomes(services, _json(ITEM)) == [(Outcome.skipped, story, 1)]
    assert _outcomes(services, _json(OTHER)) == [(Outcome.ingested, OTHER, 1)]  # ITEM holds the story now
    assert services.store.count_stories() == 2


def test_a_killed_story_stays_killed_whatever_format_the_next_take_comes_in(services: Services) -> None:
    killed = json.loads(_json(version=1, made=T0 + timedelta(minutes=1)))
    killed["data"]["item"]["pubstatus"] = "canceled"
    _outcomes(services, _json())
    assert _outcomes(services, _nitf())[0][:2] == (Outcome.skipped, ITEM)
    assert _outcomes(services, json.dumps(killed).encode())[0][0] == Outcome.updated
    [(outcome, guid, _)] = _outcomes(services, _nitf(T0 + timedelta(minutes=9)))
    assert (outcome, guid) == (Outcome.refused, ITEM)


def _version(headline: str, first: datetime, kind: ItemKind = ItemKind.text) -> StoryVersion:
    return StoryVersion(guid="g", version=1, headline=headline, kind=kind, first_published=first, version_created=first)


_SEPARATORS = st.text(" \t\n-\u2013\u2014_.,;:!?'\"()[]/\\|*", max_size=3)
# letters and digits (Latin, Greek, Cyrillic) whose case has one folded form: Turkish dotless i does not
_LETTERS = st.characters(min_codepoint=0x30, max_codepoint=0x4FF, categories=["L", "Nd"]).filter(
    lambda c: fold(c) != "" and fold(c.swapcase()) == fold(c))


# a loaded machine (the suite, other work) slows the filtered letters: time is not what is tested
_PATIENT = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@_PATIENT
@given(st.lists(st.tuples(st.text(_LETTERS, min_size=1, max_size=8), _SEPARATORS), min_size=1, max_size=8),
       st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
       st.integers(-14, 14))
def test_a_fingerprint_ignores_case_spacing_punctuation_and_zone_but_not_time_or_kind(
        words: list[tuple[str, str]], when: datetime, hours: int) -> None:
    plain = " ".join(word for word, _ in words)
    varied = "".join(word.swapcase() + sep for word, sep in words)
    print_ = fingerprint(_version(plain, when))
    assert print_ is not None and fold(plain) == fold(varied)
    shifted = when.astimezone(timezone(timedelta(hours=hours)))
    assert fingerprint(_version(varied, shifted)) == print_  # the same instant in any zone
    assert fingerprint(_version(plain, when + timedelta(seconds=1))) != print_
    assert fingerprint(_version(plain, when, ItemKind.package)) != print_


def test_a_backup_keeps_the_aliases(services: Services, tmp_path: Path) -> None:
    """Restored elsewhere, the NITF of an item first sent as JSON is still that story."""
    _outcomes(services, _json())
    _outcomes(services, _nitf())  # records the NITF's made-up guid for the JSON's story
    archive = tmp_path / "backup.zip"
    export_archive(services.store.engine, services.settings.media_dir, archive, agency="Test Agency")
    root = tmp_path / "restored"
    engine = create_engine(f"sqlite:///{tmp_path / 'restored.db'}")
    try:
        restore_archive(engine, root / "media", archive)
    finally:
        engine.dispose()
    restored = Services.open(Settings(data_dir=root, database_url=f"sqlite:///{tmp_path / 'restored.db'}",
                                      media_dir=root / "media", demo=False))
    try:
        later = _nitf(T0 + timedelta(minutes=15), body="Harbour beat Quay 3-1.")
        assert _outcomes(restored, later) == [(Outcome.updated, ITEM, 2)]
        assert restored.store.count_stories() == 1
    finally:
        restored.close()


@pytest.fixture(scope="module")
def alias_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite store for the examples of a property test (each example uses its own guids)."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('aliases') / 'aliases.db'}")
    store.migrate()
    yield store
    store.close()


_EXAMPLES = count(1)
_SOURCE = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)


@settings(_PATIENT, max_examples=20)
@given(_SOURCE, _SOURCE, st.lists(st.tuples(st.text(_LETTERS, min_size=1, max_size=8), _SEPARATORS),
                                  min_size=1, max_size=6))
def test_an_item_without_an_id_joins_by_fingerprint_only_within_its_own_source(
        alias_store: Store, source: str, other: str, words: list[tuple[str, str]]) -> None:
    token = next(_EXAMPLES)  # examples share the store: each has its own guids and second
    headline = " ".join(word for word, _ in words)
    when = T0 + timedelta(seconds=token)
    first = _version(headline, when).model_copy(update={"guid": f"id-{token}"})
    items, named = resolve(alias_store, source, [first])
    [(stored, _)] = alias_store.ingest_versions(items, source=source, aliases=named)
    made_up = _version("".join(w.swapcase() + s for w, s in words), when).model_copy(
        update={"guid": f"nitf:X:{token}"})
    [joined], _ = resolve(alias_store, source, [made_up])
    assert joined.guid == stored.guid
    if other != source:
        [apart], _ = resolve(alias_store, other, [made_up])
        assert apart.guid == made_up.guid

"""AP Media API JSON: every corpus file parses to the values in it; envelopes, feeds and bad input."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsflow.formats import apmedia, ninjs
from newsflow.formats.base import FormatError, RenderContext
from newsflow.model import Concept, Contributor, ItemKind, Photo, PubStatus, Role
from tests.formats.conftest import corpus_files, full_version

TESTED = {"feed.json", "picture-item.json", "text-item.json"}


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def corpus(name: str) -> Path:
    return next(p for p in corpus_files("ap-media-api") if p.name == name)


def load(name: str) -> dict[str, Any]:
    return json.loads(corpus(name).read_bytes())


def test_every_file_has_its_test() -> None:
    assert {p.name for p in corpus_files("ap-media-api")} == TESTED


def test_text_item() -> None:
    """Text comes as separate NITF/ANPA downloads: the story has the headline and metadata, no body."""
    [story] = apmedia.parse(corpus("text-item.json").read_bytes(), "text-item.json")
    assert story.guid == "5ee9b4b40ea5fe9c9ca60f890fb2e1d9"  # altids.itemid
    assert story.version == 1  # AP's version 0
    assert story.headline == "BC-BBN--Top Ten"
    assert story.slugline == "BC-BBN--Top Ten"
    assert story.body_html == ""
    assert story.version_created == story.first_published == at(2019, 7, 3, 4, 5, 12)
    assert story.urgency == 4 and story.language == "en" and story.pubstatus == PubStatus.usable
    assert story.categories == ["s"]  # AP's category code, as AP names it
    ap = "http://cv.ap.org/id/"
    assert story.subjects[0] == Concept(name="MLB baseball", code=ap + "94aaa8f88c0c100489d7b9433d2f4c0e")
    assert [s.name for s in story.subjects] == ["MLB baseball", "Professional baseball", "Baseball", "Sports",
                                                "Men's sports"]
    assert story.places[0] == Concept(name="San Diego", code=ap + "06ddc2e0834110048585df092526b43e")
    assert len(story.places) == 8
    assert story.people == [Concept(name="Ariane Bellamar", code=ap + "9f20931c4c3f49e8a45cff69f00fe0b0")]
    assert story.keywords == ["BBN--Top Ten"]
    assert story.photos == [] and story.contributors == []


def test_picture_item() -> None:
    """A picture without text: headline, the caption as spot, the picture as a remote photo."""
    [story] = apmedia.parse(corpus("picture-item.json").read_bytes(), "picture-item.json")
    assert story.guid == "171b16d930db49a396159714c732af9c"
    assert story.headline == "US Paul Simon Poets Society"
    assert story.spot == ("FILE - This Sept. 22, 2018 file photo something."
                          "(Photo by John Doe/Something/AP, File)")
    assert story.body_html == ""
    assert story.version_created == at(2019, 6, 19, 10, 22, 14)
    assert story.first_published == at(2018, 9, 23, 6, 23, 19)
    assert story.urgency == 5 and story.language == "en"
    assert story.editor_note == "092218124137, 21334631,"
    assert story.dateline == "New York"
    assert story.contributors == [Contributor(name="John Doe", role=Role.photographer)]
    assert story.categories == ["Domestic News", "Entertainment", "File photo"]
    # Paul Simon is listed twice by AP (machine and editorial): once here, with his code
    ap = "http://cv.ap.org/id/"
    assert story.people == [Concept(name="Paul Simon", code=ap + "354c0b3c72d64956bd9545331d5d202e")]
    assert Concept(name="Rock music", code=ap + "274af29089f010048ea3d37e1a6ef903") in story.subjects
    [photo] = story.photos
    assert story.kind == ItemKind.picture and photo.kind == ItemKind.picture
    assert photo.model_copy(update={"renditions": []}) == Photo(
        href="https://a.b.c", title="US Paul Simon Poets Society", caption=story.spot,
        credit="john Doe/Something/AP")
    # every rendition AP offers, with its size in bytes (issue 11: a picture kept one link)
    assert [(r.name, r.size, r.width) for r in photo.renditions][:3] == [
        ("main", 4359966, 3500), ("preview", 43731, 512), ("thumbnail", 18198, 125)]


def test_feed() -> None:
    [story] = apmedia.parse(corpus("feed.json").read_bytes(), "feed.json")
    assert story.guid == "95e8bd71fed448cda1a0be35d8ddbd2f"
    assert story.headline == "AC2: An Intimate Evening with Anderson Cooper and Andy Cohen"
    assert story.spot == "Caption description"
    assert story.version_created == at(2019, 6, 23, 6, 6, 29)
    assert story.first_published == at(2019, 6, 22, 21, 40, 42)
    assert story.urgency == 5 and story.language == "en"  # not given: the defaults
    assert story.dateline == "New York"
    assert story.editor_note == "062219125467, 21334631, 32"
    [photo] = story.photos
    assert photo.href == "https://a.b.c/media/v/content/95e8bd71fed448cda1a0be35d8ddbd2f.0/download"
    assert photo.credit == "Charles Sykes/Invision/AP"
    assert photo.caption == "Caption description"


def test_feed_of_several_items_keeps_order() -> None:
    doc = load("feed.json")
    second = copy.deepcopy(doc["data"]["items"][0])
    second["item"] |= {"altids": {"itemid": "second"}, "headline": "Second picture", "version": 2,
                       "urgency": 2, "language": "fr"}
    doc["data"]["items"].append(second)
    stories = apmedia.parse(json.dumps(doc).encode(), "feed.json")
    assert [(s.guid, s.headline, s.version, s.urgency, s.language) for s in stories] == [
        ("95e8bd71fed448cda1a0be35d8ddbd2f", "AC2: An Intimate Evening with Anderson Cooper and Andy Cohen",
         1, 5, "en"),
        ("second", "Second picture", 3, 2, "fr")]


@pytest.mark.parametrize("wrap", ["data.item", "item", "bare"])
def test_envelopes(wrap: str) -> None:
    item = load("picture-item.json")["data"]["item"]
    doc = {"data.item": {"data": {"item": item}}, "item": {"item": item}, "bare": item}[wrap]
    [story] = apmedia.parse(json.dumps(doc).encode(), "x.json")
    assert story.guid == "171b16d930db49a396159714c732af9c"


def test_text_fields_when_present() -> None:
    item = load("text-item.json")["data"]["item"] | {
        "bylines": [{"by": "By Jane Roe", "title": "Associated Press"}],
        "producer": {"name": "Pat Producer"},
        "description_summary": "The ten things to know today.",
        "embargoed": "2019-07-03T06:00:00Z", "pubstatus": "withheld", "version": 4,
        "organisation": [{"name": "MLB", "code": "abc", "scheme": "http://cv.ap.org/id/"}],
    }
    [story] = apmedia.parse(json.dumps({"data": {"item": item}}).encode(), "x.json")
    assert story.contributors == [Contributor(name="Jane Roe", role=Role.reporter),
                                  Contributor(name="Pat Producer", role=Role.producer)]
    assert story.byline == "Jane Roe"
    assert story.spot == "The ten things to know today."
    assert story.embargo == at(2019, 7, 3, 6, 0)
    assert story.pubstatus == PubStatus.withheld and story.version == 5
    assert story.organisations == [Concept(name="MLB", code="http://cv.ap.org/id/abc")]


def test_ninjs_with_altids_is_handed_to_the_ninjs_parser(ctx: RenderContext) -> None:
    """ninjs 2.x has `altids` too (an array): such a file reaching this parser is read as ninjs."""
    version = full_version()
    data = ninjs.render2(version, ctx)
    [story] = apmedia.parse(data, "ours.json")
    assert story.guid == version.guid and story.translation_group == "tg-frontier-1"


def test_detect_reads_our_ninjs_with_altids(ctx: RenderContext) -> None:
    from newsflow.formats import detect

    version = full_version()
    [story] = detect.parse(ninjs.render2(version, ctx), "ours.json")
    assert story.guid == version.guid and story.headline == version.headline


# --- bad input ---------------------------------------------------------------------------------


def test_truncated_json_names_source_and_line() -> None:
    text = corpus("picture-item.json").read_text()
    cut = text[:text.index('"renditions"')]
    with pytest.raises(FormatError) as caught:
        apmedia.parse(cut.encode(), "ap/picture.json")
    assert caught.value.source == "ap/picture.json"
    assert caught.value.line == cut.count("\n") + 1
    assert "the JSON ends early (truncated file?)" in caught.value.message


@pytest.mark.parametrize("data,message", [
    (b"[1, 2, 3]", "the JSON is an array, not an AP Media API response object"),
    (b'{"api_version": "1.1", "data": {"query": "x"}}', "data has neither item nor items"),
    (b'{"data": {"items": [1]}}', "data.items[0] holds a number, not an AP item"),
    (b'{"api_version": "1.1"}', "no data.item, data.items or item: not an AP Media API response"),
])
def test_not_an_ap_response(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=re.escape(message)):
        apmedia.parse(data, "x.json")


@pytest.mark.parametrize("change,message", [
    ({"headline": None, "title": None, "slugline": None},
     "no headline, title or slugline: this item holds no story"),
    ({"urgency": "high"}, "urgency must be a whole number from 1 to 9, not 'high'"),
    ({"urgency": 11}, "urgency must be a whole number from 1 to 9, not 11"),
    ({"versioncreated": "June 19"}, "versioncreated: 'June 19' is not a date-time"),
    ({"pubstatus": "draft"}, "pubstatus 'draft' is not one of usable, withheld, canceled"),
    ({"headline": 7}, "headline must be text, not a number"),
    ({"altids": {}, "uri": None}, "no altids.itemid and no uri: cannot identify the item"),
])
def test_bad_item(change: dict[str, Any], message: str) -> None:
    doc = load("picture-item.json")
    doc["data"]["item"] |= change
    with pytest.raises(FormatError) as caught:
        apmedia.parse(json.dumps(doc).encode(), "ap.json")
    assert caught.value.message == message
    assert str(caught.value) == f"ap.json: {message}"


def test_bad_feed_item_is_named() -> None:
    doc = load("feed.json")
    doc["data"]["items"].append({"item": {"altids": {"itemid": "x"}, "urgency": 0, "headline": "H"}})
    with pytest.raises(FormatError,
                       match=r"^feed.json: item 2: urgency must be a whole number from 1 to 9, not 0$"):
        apmedia.parse(json.dumps(doc).encode(), "feed.json")

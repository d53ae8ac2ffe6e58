"""ninjs picture, video, audio, graphic and package items (issue 11).

Rendered in ninjs 2.2 and 3.1, each document validates against the official IPTC schema and parses back
to the same version: the item's kind, every rendition of its media (name, link, type, size, dimensions,
duration), its further media with their own kinds, a package's members, the byline as sent, the second
headline and the tagline. The private desk note never leaves. Small files written for these tests
(tests/formats/ninjs_files) hold what real wires send: they keep their kind and every rendition.

What ninjs cannot say, and so comes back filled in the way a wire's item is read (`after_round_trip`):
a contributor's job title (ninjs people have no such property); a story with a byline and no
contributors gets the byline's name as its contributor; a media item without a spot gets its caption
as spot, and without a credit line and contributors its byline as credit.
"""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.formats import ninjs
from newsflow.formats.base import RenderContext
from newsflow.ingest import Outcome
from newsflow.model import (
    MEDIA_KINDS,
    Contributor,
    ItemKind,
    PackageMember,
    Photo,
    Rendition,
    Role,
    StoryVersion,
)
from newsflow.services import Services
from tests.formats.conftest import stored_as_remote
from tests.formats.test_ninjs import schema_errors

RENDERERS = {"2.2": ninjs.render2, "3.1": ninjs.render3}
BOTH = pytest.mark.parametrize("standard", RENDERERS)
FILES = Path(__file__).parent / "ninjs_files"
AT = datetime(2026, 4, 12, 6, 25, tzinfo=UTC)
DESK_NOTE = "DESK-ONLY-7f3a: source is the mayor's brother, do not name"

# media-library records as the library writes them: every rendition with its file facts
LIBRARY: dict[str, dict[str, Any]] = {
    "vid1": {"kind": "video", "renditions": {
        "original": {"file": "original.mp4", "mimetype": "video/mp4", "width": 1920, "height": 1080,
                     "size": 48_000_000, "duration": 63.2},
        "preview": {"file": "preview.mp4", "mimetype": "video/mp4", "width": 640, "height": 360,
                    "size": 4_100_000, "duration": 63.2},
        "poster": {"file": "poster.jpg", "mimetype": "image/jpeg", "width": 1280, "height": 720, "size": 150_000,
                   "duration": None},
        "thumbnail": {"file": "thumbnail.jpg", "mimetype": "image/jpeg", "width": 320, "height": 180,
                      "size": 12_000}}},
    "aud1": {"kind": "audio", "renditions": {
        "original": {"file": "original.wav", "mimetype": "audio/wav", "size": 11_000_000, "duration": 62.5},
        "preview": {"file": "preview.mp3", "mimetype": "audio/mpeg", "size": 1_000_000, "duration": 62.5}}},
    "pic1": {"kind": "picture", "renditions": {
        "original": {"file": "original.jpg", "mimetype": "image/jpeg", "width": 4000, "height": 3000,
                     "size": 5_500_000},
        "highres": {"file": "highres.jpg", "mimetype": "image/jpeg", "width": 2048, "height": 1536, "size": 900_000},
        "preview": {"file": "preview.jpg", "mimetype": "image/jpeg", "width": 1024, "height": 768, "size": 200_000},
        "thumbnail": {"file": "thumbnail.jpg", "mimetype": "image/jpeg", "width": 256, "height": 192,
                      "size": 16_000},
        "public": {"file": "public.jpg", "mimetype": "image/jpeg", "width": 1024, "height": 768, "size": 210_000}}},
    "gfx1": {"kind": "graphic", "renditions": {
        "original": {"file": "original.png", "mimetype": "image/png", "width": 1200, "height": 800, "size": 80_000},
        "thumbnail": {"file": "thumbnail.png", "mimetype": "image/png", "width": 300, "height": 200,
                      "size": 9_000}}},
}


@pytest.fixture
def media_ctx() -> RenderContext:
    return RenderContext(base_url="https://wire.example.org", media=LIBRARY.get)


def remote(kind: ItemKind, count: int, **facts: Any) -> Photo:
    """A remote media object as a wire offers it: `count` renditions with every fact set."""
    types = {ItemKind.picture: "image/jpeg", ItemKind.graphic: "image/png", ItemKind.video: "video/mp4",
             ItemKind.audio: "audio/mpeg"}
    renditions = [Rendition(name=name, href=f"https://cdn.example.net/{kind}/{name}.bin", mimetype=types[kind],
                            width=None if kind == ItemKind.audio else 100 * (i + 1),
                            height=None if kind == ItemKind.audio else 50 * (i + 1), size=1000 * (i + 1),
                            duration=12.25 if kind in (ItemKind.video, ItemKind.audio) else None)
                  for i, name in enumerate(["original", "highres", "preview", "thumbnail", "public"][:count])]
    return Photo(kind=kind, renditions=renditions, **facts)


def item(kind: ItemKind, photos: list[Photo], **changes: Any) -> StoryVersion:
    fields: dict[str, Any] = dict(
        guid=f"{kind}-0412", version=2, first_published=AT, version_created=AT, kind=kind,
        headline="Crane lifts last section of harbour bridge", subheadline="Work ends a year early",
        spot="The bridge opens in May.", tagline="Reporting by Mira Okafor; editing by Sam Lee",
        byline_text="By Mira Okafor in Harbourtown",
        contributors=[Contributor(name="Mira Okafor", role=Role.photographer, place="Harbourtown")],
        photos=photos, desk_note=DESK_NOTE, related=["story-0411"], urgency=3, slugline="harbour-bridge")
    fields.update(changes)
    return StoryVersion(**fields)


def package(**changes: Any) -> StoryVersion:
    fields: dict[str, Any] = dict(
        guid="pkg/election night", version=1, first_published=AT, version_created=AT, kind=ItemKind.package,
        headline="Election night: the results", desk_note=DESK_NOTE, related=["story-campaign"],
        members=[PackageMember(guid="story-results", kind=ItemKind.text, headline="Incumbent wins", group="main"),
                 PackageMember(guid="https://wire.example.org/v1/items/pic-1", kind=ItemKind.picture,
                               headline="Supporters celebrate", group="pictures"),
                 PackageMember(guid="video-count", kind=ItemKind.video, group="pictures"),
                 PackageMember(guid="pkg-sidebars", kind=ItemKind.package, headline="More")])
    fields.update(changes)
    return StoryVersion(**fields)


ITEMS: dict[str, Any] = {
    "stored picture": lambda: item(ItemKind.picture, [Photo(media_id="pic1", title="Harbour crane",
                                                            caption="A crane at dawn", credit="Agency / M. Okafor",
                                                            alt="A crane over water")]),
    "stored video": lambda: item(ItemKind.video, [Photo(kind=ItemKind.video, media_id="vid1", caption="Crane")]),
    "stored audio": lambda: item(ItemKind.audio, [Photo(kind=ItemKind.audio, media_id="aud1", title="Interview")]),
    "stored graphic": lambda: item(ItemKind.graphic, [Photo(kind=ItemKind.graphic, media_id="gfx1")]),
    "remote picture": lambda: item(ItemKind.picture, [remote(ItemKind.picture, 5, caption="C", credit="AP")]),
    "remote video and more": lambda: item(ItemKind.video, [
        remote(ItemKind.video, 4, title="Clip"), remote(ItemKind.picture, 3, caption="Still"),
        Photo(kind=ItemKind.audio, media_id="aud1"), Photo(href="https://cdn.example.net/bare.jpg")]),
    "remote audio": lambda: item(ItemKind.audio, [remote(ItemKind.audio, 3)]),
    "remote graphic": lambda: item(ItemKind.graphic, [remote(ItemKind.graphic, 2, alt="A chart")]),
    "text with media of every kind": lambda: item(ItemKind.text, [
        remote(ItemKind.video, 2), Photo(kind=ItemKind.audio, media_id="aud1"), remote(ItemKind.graphic, 1),
        Photo(media_id="pic1")], body_html="<p>The crane came at dawn.</p>"),
    "package": package,
    "empty package": lambda: package(members=[], related=[]),
    "package with a body and a photo": lambda: package(body_html="<p>All results.</p>",
                                                       photos=[Photo(media_id="pic1")]),
}


def after_round_trip(version: StoryVersion, ctx: RenderContext) -> dict[str, Any]:
    """What parse gives back: everything, with stored media as links (every library rendition), the desk
    note gone, and what ninjs cannot say filled in as a wire's item is read (see the module doc)."""
    photos = [stored_as_remote(p, ctx) for p in version.photos]
    # a remote media object known only by its link is written as one bare `original` rendition: that link
    photos = [p.model_copy(update={"renditions": []})
              if p.renditions == [Rendition(name="original", href=p.href or "")] else p for p in photos]
    contributors = [c.model_copy(update={"title": None}) for c in version.contributors]
    changes: dict[str, Any] = {"desk_note": None, "contributors": contributors}
    if not contributors and version.byline:
        role = {ItemKind.picture: Role.photographer, ItemKind.graphic: Role.photographer,
                ItemKind.video: Role.videographer}.get(version.kind, Role.reporter)
        contributors.append(Contributor(name=re.sub(r"^by\s+", "", version.byline, flags=re.I), role=role))
    built = ", ".join(c.name for c in contributors if c.role == Role.reporter) or ", ".join(
        c.name for c in contributors)
    changes["byline_text"] = version.byline_text if version.byline_text != built else None
    if version.kind in MEDIA_KINDS and photos:
        own = photos[0]
        changes["spot"] = version.spot or own.caption
        if not own.credit and not version.contributors:
            photos[0] = own.model_copy(update={"credit": version.byline})
    changes["photos"] = photos
    return version.model_copy(update=changes).model_dump()


@BOTH
@pytest.mark.parametrize("name", ITEMS)
def test_media_and_package_items_validate_and_round_trip(standard: str, name: str,
                                                         media_ctx: RenderContext) -> None:
    version = ITEMS[name]()
    data = RENDERERS[standard](version, media_ctx)
    doc = json.loads(data)
    assert schema_errors(doc, standard) == []
    [back] = ninjs.parse(data, f"{name}.json")
    expected = after_round_trip(version, media_ctx)
    for field, value in back.model_dump().items():  # field by field, so a regression names the field
        assert value == expected[field], field


@BOTH
def test_a_media_item_is_its_media(standard: str, media_ctx: RenderContext) -> None:
    """type = the kind, the item's own media as top-level renditions with every fact; further media stay
    associations of their own type."""
    version = ITEMS["remote video and more"]()
    doc = json.loads(RENDERERS[standard](version, media_ctx))
    size, content_type = ("sizeInBytes", "contentType") if standard == "3.1" else ("sizeinbytes", "contenttype")
    assert doc["type"] == "video"
    assert [r["name"] for r in doc["renditions"]] == ["original", "highres", "preview", "thumbnail"]
    assert doc["renditions"][1] == {"name": "highres", "href": "https://cdn.example.net/video/highres.bin",
                                    content_type: "video/mp4", "width": 200, "height": 100, size: 2000,
                                    "duration": 12.25}
    assert doc["title"] == "Clip"
    assert [(a["type"], a["name"]) for a in doc["associations"]] == [
        ("picture", "photo1"), ("audio", "audio2"), ("picture", "photo3"), ("text", "related")]
    stored_audio = doc["associations"][1]
    assert [(r["name"], r[size], r["duration"]) for r in stored_audio["renditions"]] == [
        ("original", 11_000_000, 62.5), ("preview", 1_000_000, 62.5)]
    assert stored_audio["renditions"][0]["href"] == "https://wire.example.org/media/aud1/original"


@BOTH
def test_stored_media_item_links_every_library_rendition(standard: str, media_ctx: RenderContext) -> None:
    doc = json.loads(RENDERERS[standard](ITEMS["stored picture"](), media_ctx))
    assert doc["type"] == "picture"
    assert [r["href"] for r in doc["renditions"]] == [
        f"https://wire.example.org/media/pic1/{name}" for name in ("original", "highres", "preview", "thumbnail",
                                                                   "public")]
    roles = {d["role"]: d["value"] for d in doc["descriptions"]}
    assert roles == {"summary": "The bridge opens in May.", "tagline": "Reporting by Mira Okafor; editing by Sam Lee",
                     "caption": "A crane at dawn", "creditline": "Agency / M. Okafor", "alttext": "A crane over water"}


@BOTH
def test_package_renders_as_composite_of_references(standard: str, media_ctx: RenderContext) -> None:
    doc = json.loads(RENDERERS[standard](package(), media_ctx))
    assert doc["type"] == "composite" and "bodies" not in doc
    members = [a for a in doc["associations"] if a["name"] != "related"]
    assert [(a["name"], a["type"], a["uri"]) for a in members] == [
        ("main", "text", "https://wire.example.org/v1/items/story-results"),
        ("pictures", "picture", "https://wire.example.org/v1/items/https%3A%2F%2Fwire.example.org%2Fv1%2Fitems%2Fpic-1"),
        ("pictures", "video", "https://wire.example.org/v1/items/video-count"),
        ("member", "composite", "https://wire.example.org/v1/items/pkg-sidebars")]
    assert members[0]["headlines"] == [{"role": "main", "value": "Incumbent wins"}]
    assert all("renditions" not in a for a in members)


@BOTH
def test_byline_subheadline_tagline_places(standard: str, media_ctx: RenderContext) -> None:
    doc = json.loads(RENDERERS[standard](ITEMS["remote audio"](), media_ctx))
    assert doc["by"] == "By Mira Okafor in Harbourtown"
    assert doc["headlines"] == [{"role": "main", "value": "Crane lifts last section of harbour bridge"},
                                {"role": "subheadline", "value": "Work ends a year early"}]
    assert {"role": "tagline", "value": "Reporting by Mira Okafor; editing by Sam Lee"} in doc["descriptions"]


@BOTH
@pytest.mark.parametrize("name", ITEMS)
def test_desk_note_never_leaves(standard: str, name: str, media_ctx: RenderContext) -> None:
    version = ITEMS[name]()
    assert version.desk_note == DESK_NOTE
    data = RENDERERS[standard](version, media_ctx)
    assert b"DESK-ONLY-7f3a" not in data and "mayor's brother" not in data.decode()


@BOTH
def test_contributor_title_is_not_written(standard: str, media_ctx: RenderContext) -> None:
    """ninjs people have no job-title property (the schemas close the object): the title is left out
    rather than made an invalid document; the byline as sent carries it when the desk typed it."""
    version = item(ItemKind.text, [], byline_text=None, contributors=[
        Contributor(name="Lee Park", role=Role.reporter, title="Energy Correspondent")])
    data = RENDERERS[standard](version, media_ctx)
    assert b"Energy Correspondent" not in data
    assert schema_errors(json.loads(data), standard) == []


# --- files written for these tests: what real wires send ----------------------------------------------------


def parse_file(name: str) -> StoryVersion:
    data = (FILES / name).read_bytes()
    doc = json.loads(data)
    declared = "3.1" if "versionCreated" in doc else "2.2"
    assert schema_errors(doc, declared) == []  # the file is valid ninjs, as a wire's would be
    [story] = ninjs.parse(data, name)
    return story


def test_picture_item_keeps_kind_and_every_rendition() -> None:
    """Was: a text item with one link."""
    story = parse_file("picture-2x.json")
    assert story.kind == ItemKind.picture
    assert story.guid == "https://photos.example.net/items/2026/harbour-crane-0412"  # a URL uri is the guid
    [photo] = story.photos
    assert photo.kind == ItemKind.picture and photo.title == "Harbour bridge crane"
    assert photo.href == "https://photos.example.net/files/0412/original.jpg"
    assert [(r.name, r.mimetype, r.width, r.height, r.size) for r in photo.renditions] == [
        ("original", "image/jpeg", 6000, 4000, 9_123_456), ("preview", "image/jpeg", 1024, 683, 210_000),
        ("thumbnail", "image/jpeg", 240, 160, 15_200)]
    assert photo.caption.startswith("A floating crane") and photo.credit == "Example Photo Service / Mira Okafor"
    assert story.spot == photo.caption and story.body_html == ""
    assert story.contributors == [Contributor(name="Mira Okafor", role=Role.photographer)]


def test_ap_style_video_keeps_ten_renditions_with_size_and_duration() -> None:
    """Was: a text item with no media at all."""
    story = parse_file("video-ap-style.json")
    assert story.kind == ItemKind.video and story.version == 1 and story.urgency == 3
    [video] = story.photos
    assert video.kind == ItemKind.video and len(video.renditions) == 10
    main = video.renditions[0]
    assert (main.name, main.mimetype, main.width, main.height, main.size, main.duration) == (
        "main-1080p", "video/mp4", 1920, 1080, 3_000_000, 72.04)
    assert video.href == main.href  # no rendition called original: the first is the main file
    assert [r.name for r in video.renditions if r.duration == 72.04] == [
        "main-1080p", "main-720p", "main-360p", "preview", "proxy", "web-1080p", "web-720p"]
    assert all(r.size for r in video.renditions)
    assert video.renditions[-1].mimetype == "text/xml"  # the shot list is one of its renditions too


def test_audio_item_keeps_kind_and_every_rendition() -> None:
    story = parse_file("audio-3x.json")
    assert story.kind == ItemKind.audio and story.guid == "urn:example:audio:2026:0007"
    [audio] = story.photos
    assert audio.kind == ItemKind.audio
    assert [(r.name, r.size, r.duration) for r in audio.renditions] == [
        ("main", 1_440_000, 90.5), ("hq", 15_966_000, 90.5), ("script", None, None)]


def test_item_that_only_groups_others_is_a_package() -> None:
    """Was: a body-less text story."""
    story = parse_file("package-3x.json")
    assert story.kind == ItemKind.package and story.body_html == ""
    assert story.members == [
        PackageMember(guid="https://wire.example.net/items/story-results", kind=ItemKind.text,
                      headline="Incumbent wins second term", group="main"),
        PackageMember(guid="https://wire.example.net/items/pic-victory", kind=ItemKind.picture,
                      headline="Supporters celebrate", group="mainpic"),
        PackageMember(guid="https://wire.example.net/items/video-count", kind=ItemKind.video, group="sidebar")]
    assert story.related == ["https://wire.example.net/items/story-campaign"]
    assert story.photos == []


def test_package_without_headline_takes_its_first_members() -> None:
    doc = json.loads((FILES / "package-3x.json").read_bytes())
    del doc["headlines"]
    [story] = ninjs.parse(json.dumps(doc).encode(), "package.json")
    assert story.kind == ItemKind.package and story.headline == "Incumbent wins second term"


def test_composite_with_a_body_and_its_own_media_stays_a_text_story() -> None:
    """IPTC's multimedia example: a story with pictures, not a package."""
    doc = {"uri": "x-1", "type": "composite", "headlines": [{"value": "H"}],
           "bodies": [{"value": "<p>Text</p>", "contentType": "text/html"}],
           "associations": [{"name": "pic", "uri": "https://cdn.example.net/a.jpg", "type": "picture",
                             "renditions": [{"name": "main", "href": "https://cdn.example.net/a.jpg"}]}]}
    [story] = ninjs.parse(json.dumps(doc).encode(), "composite.json")
    assert story.kind == ItemKind.text and [p.href for p in story.photos] == ["https://cdn.example.net/a.jpg"]


def test_html5_document_body_yields_its_article_only() -> None:
    """Was: the page title and the h1 repeated the headline in the body, figure captions became text."""
    story = parse_file("html5-body.json")
    assert story.body_html == ("<p>The farm began supplying power on Friday.</p><p>It covers 40 hectares.</p>"
                               "<h2>What comes next</h2><p>A second phase is planned.</p>")
    assert story.body_text.count("Valley solar farm opens") == 0
    for noise in ("Example News", "Home", "Panels", "By Lee Park", "margin"):
        assert noise not in story.body_text


def test_byline_as_sent_second_headline_and_tagline_are_read() -> None:
    story = parse_file("html5-body.json")
    assert story.headline == "Valley solar farm opens"
    assert story.subheadline == "Largest in the region, owners say"  # another producer's role name
    assert story.tagline == "Reporting by Lee Park; editing by Ana Ruiz"
    assert story.spot == "A 40-hectare solar farm began supplying power."  # the tagline is no spot
    assert story.byline == "By Lee Park, Energy Correspondent"


# --- property: any media item survives render -> parse -------------------------------------------------------

_WORD = st.text(alphabet=string.ascii_letters, min_size=1, max_size=10)
_TEXT = st.lists(_WORD, min_size=1, max_size=4).map(" ".join)


@st.composite
def renditions(draw: st.DrawFn) -> list[Rendition]:
    names = draw(st.lists(st.sampled_from(["original", "highres", "preview", "thumbnail", "public", "poster",
                                           "main", "hq", "script"]), min_size=1, max_size=8))
    found = []
    for index, name in enumerate(names):
        found.append(Rendition(
            name=name, href=f"https://cdn.example.net/{index}/{draw(_WORD)}",
            mimetype=draw(st.none() | st.sampled_from(["image/jpeg", "video/mp4", "audio/mpeg", "text/xml"])),
            width=draw(st.none() | st.integers(1, 10_000)), height=draw(st.none() | st.integers(1, 10_000)),
            size=draw(st.none() | st.integers(0, 2**40)),
            duration=draw(st.none() | st.floats(0, 10**7, allow_nan=False, allow_infinity=False))))
    return found


@st.composite
def media(draw: st.DrawFn, kind: ItemKind | None = None) -> Photo:
    kind = kind or draw(st.sampled_from(MEDIA_KINDS))
    words = st.none() | _TEXT
    facts = dict(kind=kind, title=draw(words), caption=draw(st.just("") | _TEXT), credit=draw(st.just("") | _TEXT),
                 alt=draw(words))
    source = draw(st.sampled_from(["remote", "link", "stored"]))
    if source == "stored":
        return Photo(media_id=draw(st.sampled_from(sorted(LIBRARY))), **facts)
    if source == "link":
        return Photo(href=f"https://cdn.example.net/only/{draw(_WORD)}", **facts)
    return Photo(renditions=draw(renditions()), **facts)


@st.composite
def media_items(draw: st.DrawFn) -> StoryVersion:
    kind = draw(st.sampled_from([*MEDIA_KINDS, ItemKind.text]))
    own = [] if kind == ItemKind.text else [draw(media(kind))]  # a text story: media of any kind, or none
    photos = [*own, *draw(st.lists(media(), max_size=2))]
    contributors = draw(st.sampled_from([[], [Contributor(name="Ann Lee", role=Role.photographer)],
                                         [Contributor(name="Bo Wu", role=Role.reporter, title="Editor"),
                                          Contributor(name="Cy Ng", role=Role.videographer, place="Oslo")]]))
    return StoryVersion(
        guid=draw(st.sampled_from(["m-1", "https://wire.example.net/items/m 2", "urn:x:m/3"])), version=1,
        first_published=AT, version_created=AT, kind=kind, headline=draw(_TEXT),
        subheadline=draw(st.none() | _TEXT), spot=draw(st.just("") | _TEXT), tagline=draw(st.none() | _TEXT),
        byline_text=draw(st.sampled_from([None, "By Ann Lee", "Ann Lee", "Bo Wu and Cy Ng"])),
        contributors=contributors, photos=photos, desk_note=DESK_NOTE,
        members=[], related=draw(st.lists(st.sampled_from(["r-1", "r/2"]), max_size=2, unique=True)))


@given(version=media_items(), standard=st.sampled_from(sorted(RENDERERS)))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_media_item_round_trips(version: StoryVersion, standard: str) -> None:
    """Media items of every kind, and text stories with media, with any rendition set: stored, remote
    with renditions, or known only by a link."""
    ctx = RenderContext(base_url="https://wire.example.org", media=LIBRARY.get)
    data = RENDERERS[standard](version, ctx)
    assert schema_errors(json.loads(data), standard) == []
    assert b"DESK-ONLY" not in data
    [back] = ninjs.parse(data, "generated.json")
    assert back.model_dump() == after_round_trip(version, ctx)


@given(members=st.lists(st.builds(
    PackageMember, guid=st.sampled_from(["a", "b/c", "https://x.example/i/1", "é d"]),
    kind=st.sampled_from(list(ItemKind)), headline=st.none() | _TEXT,
    group=st.none() | st.sampled_from(["main", "sidebars", "pictures"])), min_size=1, max_size=6),
    standard=st.sampled_from(sorted(RENDERERS)))
@settings(max_examples=80, deadline=None)
def test_any_package_round_trips(members: list[PackageMember], standard: str) -> None:
    version = package(members=members, related=[])
    ctx = RenderContext(base_url="https://wire.example.org", media=LIBRARY.get)
    data = RENDERERS[standard](version, ctx)
    assert schema_errors(json.loads(data), standard) == []
    [back] = ninjs.parse(data, "package.json")
    assert back.members == members and back.kind == ItemKind.package


# --- through ingest and the store ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["picture-2x.json", "video-ap-style.json", "audio-3x.json", "package-3x.json"])
def test_ingested_item_is_stored_with_its_kind_renditions_and_members(services: Services, name: str) -> None:
    data = (FILES / name).read_bytes()
    [parsed] = ninjs.parse(data, name)
    [result] = services.ingestor.ingest_bytes(data, name)
    assert result.outcome == Outcome.ingested, result.reason
    stored = services.store.get_version(result.guid)
    assert stored.kind == parsed.kind
    assert [p.renditions for p in stored.photos] == [p.renditions for p in parsed.photos]
    assert stored.members == parsed.members

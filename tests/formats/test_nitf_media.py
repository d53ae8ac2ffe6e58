"""NITF: media items of every kind, the fidelity rules of issue 11 (hl2, byttl, byline as sent, tagline,
relative media, a stable guid without a doc-id, the private desk note) and their round trips."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from lxml import etree

from newsflow.formats import nitf
from newsflow.formats.base import RenderContext, local_media
from newsflow.ingest.media import foreign_as_remote
from newsflow.model import Contributor, ItemKind, Photo, Rendition, Role, StoryVersion
from tests.formats.conftest import MEDIA, full_version, iptc
from tests.formats.test_nitf import valid_nitf, with_links

NS = {"n": nitf.NS}

RECORDS: dict[str, dict[str, Any]] = {
    **MEDIA,
    "v1": {"id": "v1", "kind": "video", "renditions": {
        "original": {"file": "original.mp4", "mimetype": "video/mp4", "width": 1920, "height": 1080,
                     "size": 48_000_123, "duration": 93.4},
        "preview": {"file": "preview.jpg", "mimetype": "image/jpeg", "width": 1280, "height": 720, "size": 91_000},
        "thumbnail": {"file": "thumbnail.jpg", "mimetype": "image/jpeg", "width": 320, "height": 180,
                      "size": 9_000}}},
    "a1": {"id": "a1", "kind": "audio", "renditions": {
        "original": {"file": "original.mp3", "mimetype": "audio/mpeg", "size": 1_200_000, "duration": 61.0}}},
    "g1": {"id": "g1", "kind": "graphic", "renditions": {
        "original": {"file": "original.png", "mimetype": "image/png", "width": 800, "height": 600, "size": 40_000}}},
}

CTX = RenderContext(base_url="https://wire.example.org", provider="Newsflow Agency",
                    provider_uri="https://wire.example.org/", media=RECORDS.get)

REMOTE_VIDEO = Photo(kind=ItemKind.video, caption="Divers at the harbour wall", credit="Partner TV",
                     title="Harbour dive", renditions=[
                         Rendition(name="original", href="https://cdn.example.net/v/9/main.mp4",
                                   mimetype="video/mp4", width=1280, height=720, size=30_000_000, duration=42.5),
                         Rendition(name="mobile", href="https://cdn.example.net/v/9/mobile.mp4",
                                   mimetype="video/mp4", width=640, height=360, duration=42.5),
                         Rendition(name="poster", href="https://cdn.example.net/v/9/poster.jpg",
                                   mimetype="image/jpeg", width=1280, height=720)])
REMOTE_AUDIO = Photo(kind=ItemKind.audio, caption="The mayor speaking", renditions=[
    Rendition(name="original", href="https://cdn.example.net/a/3.mp3", mimetype="audio/mpeg", duration=61.25),
    Rendition(name="low", href="https://cdn.example.net/a/3-low.mp3", mimetype="audio/mpeg", size=300_000)])
REMOTE_PICTURE = Photo(href="https://photos.example.org/main.jpg", caption="Crates", alt="Wooden crates",
                       renditions=[Rendition(name="preview", href="https://photos.example.org/p.jpg",
                                             mimetype="image/jpeg", width=640, height=427)])

FIDELITY = {"subheadline": "Second deck of the headline", "byline_text": "By Rana Reporter and Pat Photo",
            "tagline": "Additional reporting by the desk in Ankara.",
            "contributors": [Contributor(name="Rana Reporter", title="Chief Frontier Correspondent", place="Baku"),
                             Contributor(name="Walt Writer", role=Role.writer, place="Ankara"),
                             Contributor(name="Pat Photo", role=Role.photographer, title="Staff Photographer")]}

ITEMS: dict[str, dict[str, Any]] = {
    "picture": {"kind": ItemKind.picture, "photos": [Photo(media_id="m1", caption="Trucks", alt="Green trucks")],
                "body_html": "<p>Trucks at the border on Friday.</p>"},
    "stored-video": {"kind": ItemKind.video, "photos": [Photo(kind=ItemKind.video, media_id="v1", title="Dive")]},
    "remote-video": {"kind": ItemKind.video, "photos": [REMOTE_VIDEO], "body_html": "<p>Shot list: wide.</p>"},
    "stored-audio": {"kind": ItemKind.audio, "photos": [Photo(kind=ItemKind.audio, media_id="a1", credit="Radio")]},
    "remote-audio": {"kind": ItemKind.audio, "photos": [REMOTE_AUDIO], "body_html": ""},
    "graphic": {"kind": ItemKind.graphic, "photos": [Photo(kind=ItemKind.graphic, media_id="g1", caption="Map")]},
    "text-with-media": {"photos": [Photo(media_id="m1"), REMOTE_PICTURE, REMOTE_VIDEO, REMOTE_AUDIO,
                                   Photo(kind=ItemKind.video, media_id="v1")], **FIDELITY},
    "picture-with-fidelity": {"kind": ItemKind.picture, "photos": [REMOTE_PICTURE], **FIDELITY},
}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(iptc("nitf", "nitf-3-6.xsd"))))


def _parse(xml: str, name: str = "wire.xml") -> StoryVersion:
    [v] = nitf.parse(xml.encode(), name)
    return v


# ------------------------------------------------------------------------------------- media kinds

@pytest.mark.parametrize("item", list(ITEMS))
def test_media_items_validate_and_round_trip_with_every_rendition(schema: etree.XMLSchema, item: str) -> None:
    v = full_version(**ITEMS[item])
    data = nitf.render(v, CTX)
    valid_nitf(schema, data)
    [back] = nitf.parse(data, f"{item}.xml")
    assert back.model_dump(exclude=nitf.NOT_CARRIED) == with_links(v, CTX).model_dump(exclude=nitf.NOT_CARRIED)


def test_another_newsflow_ingesting_our_nitf_fetches_the_renditions_it_lacks_the_media_id_of() -> None:
    [back] = nitf.parse(nitf.render(full_version(**ITEMS["stored-video"]), CTX), "from-a-peer.xml")
    [video] = back.photos
    assert video.media_id == "v1"  # our own database holds it: still the stored one
    elsewhere, dropped = foreign_as_remote(back, held=set())  # a database without that media id
    [remote] = elsewhere.photos
    assert dropped == [] and remote.media_id is None and remote.kind == ItemKind.video
    assert remote.href == "https://wire.example.org/media/v1/original"
    assert [(r.name, r.mimetype, r.size, r.duration) for r in remote.renditions] == [
        ("original", "video/mp4", 48_000_123, 93.4), ("preview", "image/jpeg", 91_000, None),
        ("thumbnail", "image/jpeg", 9_000, None)]


def test_a_stored_video_has_a_reference_per_rendition_with_its_facts(schema: etree.XMLSchema) -> None:
    root = valid_nitf(schema, nitf.render(full_version(**ITEMS["stored-video"]), CTX))
    [media] = root.xpath("//n:media", namespaces=NS)
    assert media.get("media-type") == "video" and media.get("class") is None
    refs = media.xpath("n:media-reference", namespaces=NS)
    assert [r.get("name") for r in refs] == ["original", "preview", "thumbnail"]
    assert refs[0].attrib == {"source": "https://wire.example.org/media/v1/original", "name": "original",
                              "mime-type": "video/mp4", "width": "1920", "height": "1080", "units": "pixels",
                              "time": "93.4", "time-unit-of-measure": "seconds"}
    assert refs[2].get("source") == "https://wire.example.org/media/v1/thumbnail"
    assert refs[2].get("time") is None  # the poster frame's stills do not play
    sizes = {m.get("name"): m.get("value") for m in media.xpath("n:media-metadata", namespaces=NS)}
    assert sizes["size:original"] == "48000123" and sizes["size:thumbnail"] == "9000"
    assert sizes[nitf.MEDIA_ID_META] == "v1"


def test_each_kind_has_its_media_type_and_a_graphic_is_an_image_of_class_graphic(schema: etree.XMLSchema) -> None:
    root = valid_nitf(schema, nitf.render(full_version(photos=[
        Photo(media_id="m1"), Photo(kind=ItemKind.graphic, media_id="g1"), Photo(kind=ItemKind.video, media_id="v1"),
        Photo(kind=ItemKind.audio, media_id="a1")]), CTX))
    media = root.xpath("//n:media", namespaces=NS)
    assert [(m.get("media-type"), m.get("class")) for m in media] == [
        ("image", None), ("image", "graphic"), ("video", None), ("audio", None)]


def test_a_media_item_puts_its_media_first_and_says_what_it_is(schema: etree.XMLSchema) -> None:
    root = valid_nitf(schema, nitf.render(full_version(**ITEMS["remote-video"]), CTX))
    content = root.xpath("n:body/n:body.content", namespaces=NS)[0]
    assert [etree.QName(e).localname for e in content] == ["media", "block"]
    assert root.xpath("//n:classifier[@type='item-kind']/@value", namespaces=NS) == ["video"]
    text = valid_nitf(schema, nitf.render(full_version(), CTX))
    assert [etree.QName(e).localname for e in text.xpath("n:body/n:body.content", namespaces=NS)[0]] == [
        "block", "media", "media"]
    assert not text.xpath("//n:classifier[@type='item-kind']", namespaces=NS)


FOREIGN_VIDEO = """<nitf><head><docdata><doc-id id-string="tv-77"/><date.issue norm="20240510T081500Z"/></docdata>
  </head><body><body.head><hedline><hl1>Harbour wall collapses</hl1></hedline></body.head>
  <body.content><media media-type="video">
    <media-reference source="https://tv.example.com/77/hd.mp4" mime-type="video/mp4" width="1920" height="1080"
      time="00:01:05" alternate-text="Stones falling into the water"/>
    <media-reference source="https://tv.example.com/77/sd.mp4" mime-type="video/mp4" width="640" height="360"
      time="65000" time-unit-of-measure="milliseconds"/>
    <media-reference source="https://tv.example.com/77/still.jpg" mime-type="image/jpeg" width="640"/>
    <media-caption>The harbour wall gave way at dawn.</media-caption><media-producer>Coast TV</media-producer>
  </media></body.content></body></nitf>"""


def test_a_nitf_of_media_and_no_text_is_a_media_item_of_that_kind() -> None:
    v = _parse(FOREIGN_VIDEO)
    assert v.kind == ItemKind.video and v.body_html == ""
    [video] = v.photos
    assert video.kind == ItemKind.video and video.credit == "Coast TV"
    assert video.caption == "The harbour wall gave way at dawn." and video.alt == "Stones falling into the water"
    assert [(r.name, r.href, r.width, r.duration) for r in video.renditions] == [
        ("original", "https://tv.example.com/77/hd.mp4", 1920, 65.0),
        ("rendition-2", "https://tv.example.com/77/sd.mp4", 640, 65.0),
        ("rendition-3", "https://tv.example.com/77/still.jpg", 640, None)]
    assert video.href == "https://tv.example.com/77/hd.mp4"


def test_text_before_or_after_media_makes_a_text_item() -> None:
    with_text = FOREIGN_VIDEO.replace("</media></body.content>", "</media><p>The wall was built in 1890.</p>"
                                                                 "</body.content>")
    v = _parse(with_text)
    assert v.kind == ItemKind.text and len(v.photos) == 1 and v.photos[0].kind == ItemKind.video


def test_media_type_other_takes_its_kind_from_the_mime_type_and_text_media_are_not_media() -> None:
    v = _parse("""<nitf><head><docdata><doc-id id-string="m-1"/></docdata></head><body><body.content>
      <p>Listen.</p>
      <media media-type="other"><media-reference source="https://r.example/a.ogg" mime-type="audio/ogg"/></media>
      <media media-type="text"><media-reference source="https://r.example/t.txt" mime-type="text/plain"/></media>
      </body.content></body></nitf>""")
    [audio] = v.photos
    assert audio.kind == ItemKind.audio and audio.renditions[0].mimetype == "audio/ogg"


# ---------------------------------------------------------------------------------- fidelity rules

AGENCY = """<nitf><head><docdata><doc-id id-string="harbour-1"/><date.issue norm="20240510T081500+0200"/>
  </docdata></head><body><body.head>
  <hedline><hl1>Harbour wall collapses</hl1><hl2>No one hurt as stones fall at dawn</hl2></hedline>
  {bylines}</body.head>
  <body.content><p>The wall gave way.</p>{media}</body.content>
  <body.end><tagline>Reporting by <person>Ola Nordmann</person>; editing by the night desk.</tagline></body.end>
  </body></nitf>"""
BYLINES = ("<byline>By Jane Roe and Ola Nordmann</byline>"
           "<byline><person>Jane Roe</person>, <byttl>Harbour Correspondent</byttl>, <location>Bergen</location>"
           "</byline>")


def test_hl2_is_the_subheadline() -> None:
    v = _parse(AGENCY.format(bylines="", media=""))
    assert v.subheadline == "No one hurt as stones fall at dawn" and v.spot == ""


def test_byttl_is_the_job_title_and_a_free_text_byline_is_the_byline_as_sent() -> None:
    v = _parse(AGENCY.format(bylines=BYLINES, media=""))
    assert v.byline_text == "By Jane Roe and Ola Nordmann" and v.byline == "By Jane Roe and Ola Nordmann"
    # the names of the free text are contributors unless a structured byline or the tagline names them
    assert v.contributors == [Contributor(name="Jane Roe", title="Harbour Correspondent", place="Bergen"),
                              Contributor(name="Ola Nordmann", role=Role.writer)]
    one = _parse(AGENCY.format(bylines=BYLINES.replace(" and Ola Nordmann", ""), media=""))
    assert one.byline_text == "By Jane Roe"
    assert [c.name for c in one.contributors] == ["Jane Roe", "Ola Nordmann"]  # Jane once, with her title
    assert one.contributors[0].title == "Harbour Correspondent"


def test_a_free_text_byline_in_capitals_names_each_of_its_people_once() -> None:
    v = _parse(AGENCY.format(bylines="<byline>BY  JANE ROE AND\n  OLA NORDMANN, </byline>", media=""))
    assert v.byline_text == "BY JANE ROE AND OLA NORDMANN"
    # the tagline names Ola Nordmann (in another case): once, as the tagline's writer
    assert [(c.name, c.role) for c in v.contributors] == [("JANE ROE", Role.reporter),
                                                          ("Ola Nordmann", Role.writer)]


def test_a_tagline_is_kept_as_written_and_names_its_writers() -> None:
    v = _parse(AGENCY.format(bylines="", media=""))
    assert v.tagline == "Reporting by Ola Nordmann; editing by the night desk."
    assert v.contributors == [Contributor(name="Ola Nordmann", role=Role.writer)]


def test_new_fields_are_written_where_nitf_has_them(schema: etree.XMLSchema) -> None:
    root = valid_nitf(schema, nitf.render(full_version(**FIDELITY), CTX))
    head = "n:body/n:body.head"
    assert root.xpath(f"{head}/n:hedline/n:hl2/text()", namespaces=NS) == ["Second deck of the headline"]
    bylines = root.xpath(f"{head}/n:byline", namespaces=NS)
    assert ["".join(b.itertext()) for b in bylines] == [
        "By Rana Reporter and Pat Photo", "By Rana Reporter, Chief Frontier Correspondent, Baku",
        "By Walt Writer, Ankara", "By Pat Photo, Staff Photographer"]
    assert [b.get("class") for b in bylines] == [None, "reporter", "writer", "photographer"]
    assert root.xpath(f"{head}/n:byline/n:byttl/text()", namespaces=NS) == [
        "Chief Frontier Correspondent", "Staff Photographer"]
    # the story's own tagline takes the end line; its writer is bylined instead
    assert root.xpath("n:body/n:body.end/n:tagline/text()", namespaces=NS) == [
        "Additional reporting by the desk in Ankara."]


def test_the_desk_note_never_leaves_the_newsroom(schema: etree.XMLSchema) -> None:
    marker = "DESK-ONLY-7f3a: lawyer still reading paragraph four"
    for item in ("picture", "text-with-media"):
        data = nitf.render(full_version(**ITEMS[item], desk_note=marker, editor_note="For all clients"), CTX)
        valid_nitf(schema, data)
        assert b"DESK-ONLY-7f3a" not in data and b"lawyer" not in data
        assert nitf.parse(data, "x.xml")[0].desk_note is None


# ---------------------------------------------------------------------------------- relative media

RELATIVE = """<media media-type="image">
  <media-reference source="photos/harbour_small.jpg" name="thumbnail" mime-type="image/jpeg" width="300"/>
  <media-reference source="photos/harbour.jpg" mime-type="image/jpeg" width="3000"/>
  <media-reference source="https://img.example.no/harbour.jpg" name="web" mime-type="image/jpeg" width="1200"/>
  <media-caption>The harbour wall</media-caption><media-producer>Ola Nordmann</media-producer></media>"""


def test_a_relative_media_reference_is_stored_through_the_ingest_channel() -> None:
    asked: list[tuple[str, str | None]] = []

    def resolver(ref: str, mimetype: str | None) -> str | None:
        asked.append((ref, mimetype))
        return "stored42"

    with local_media(resolver):
        v = _parse(AGENCY.format(bylines="", media=RELATIVE))
    assert asked == [("photos/harbour.jpg", "image/jpeg")]  # the largest file, once
    [photo] = v.photos
    assert photo.media_id == "stored42"
    assert [r.href for r in photo.renditions] == ["https://img.example.no/harbour.jpg"]  # kept beside it
    assert (photo.caption, photo.credit, photo.kind) == ("The harbour wall", "Ola Nordmann", ItemKind.picture)


def test_an_unresolved_relative_reference_keeps_the_absolute_renditions(caplog: pytest.LogCaptureFixture) -> None:
    with local_media(lambda ref, mimetype: None), caplog.at_level(logging.WARNING, "newsflow.formats"):
        v = _parse(AGENCY.format(bylines="", media=RELATIVE), "bergen.xml")
    [photo] = v.photos
    assert photo.media_id is None and photo.href == "https://img.example.no/harbour.jpg"
    assert [(r.name, r.width) for r in photo.renditions] == [("web", 1200)]
    assert "bergen.xml" in caplog.text and "absolute renditions kept" in caplog.text


def test_a_relative_reference_with_nothing_else_is_dropped_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    only_relative = RELATIVE.replace('source="https://img.example.no/harbour.jpg"', 'source="photos/web.jpg"')
    with caplog.at_level(logging.WARNING, "newsflow.formats"):  # no resolver: a parse outside ingest
        v = _parse(AGENCY.format(bylines="", media=only_relative), "bergen.xml")
    assert v.photos == []
    assert "bergen.xml: media 'photos/harbour_small.jpg': dropped" in caplog.text


# ------------------------------------------------------------------------------------- stable guid

def _nodocid(slug: str | None = "harbour-wall", body: str = "The wall gave way.", day: str = "20240510",
             source: str = "NTB", headline: str = "Harbour wall collapses") -> StoryVersion:
    key = f'<du-key key="{slug}"/>' if slug is not None else ""
    return _parse(f"""<nitf><head><docdata><doc-id regsrc="{source}"/><date.issue norm="{day}T081500+0200"/>
      {key}</docdata></head><body><body.head><hedline><hl1>{headline}</hl1></hedline></body.head>
      <body.content><p>{body}</p></body.content></body></nitf>""")


def test_a_corrected_resend_without_a_doc_id_is_the_same_story() -> None:
    first = _nodocid()
    resend = _nodocid(body="The wall gave way at dawn; no one was hurt.", slug="  Harbour  WALL ")
    assert first.guid == resend.guid == "nitf:NTB:2024-05-10:harbour-wall"
    assert first.body_html != resend.body_html
    assert _nodocid(slug="harbour-wall-2").guid != first.guid
    assert _nodocid(day="20240511").guid != first.guid and _nodocid(source="AFP").guid != first.guid
    # no slug: the headline is the slug
    assert _nodocid(slug=None).guid == "nitf:NTB:2024-05-10:harbour-wall-collapses"
    assert _nodocid(slug=None, headline="Harbour wall COLLAPSES ").guid == _nodocid(slug=None).guid


def test_the_day_is_the_files_own_and_a_doc_id_or_no_date_keeps_the_old_rules() -> None:
    late = _parse("""<nitf><head><docdata><date.issue norm="20240510T233000-0500"/><du-key key="late"/>
      </docdata></head><body><body.head><hedline><hl1>Late</hl1></hedline><distributor>Wire Co</distributor>
      </body.head></body></nitf>""")
    assert late.guid == "nitf:Wire Co:2024-05-10:late"  # 11 May in UTC; the agency's day is the 10th
    assert late.first_published == datetime(2024, 5, 11, 4, 30, tzinfo=UTC)
    undated = _parse("<nitf><body><body.head><hedline><hl1>No date</hl1></hedline></body.head></body></nitf>")
    assert undated.guid.startswith("nitf-")  # the day of reading would make every re-send new
    assert undated.guid == _parse("<nitf><body><body.head><hedline><hl1>No date</hl1></hedline>"
                                  "</body.head></body></nitf>").guid


def test_a_long_slug_keeps_the_guid_within_its_limit_and_apart() -> None:
    a, b = "word " * 100 + "one", "word " * 100 + "two"
    guid_a, guid_b = nitf.stable_guid("NTB", "2024-05-10", a), nitf.stable_guid("NTB", "2024-05-10", b)
    assert guid_a != guid_b and max(len(guid_a), len(guid_b)) <= 255


def _foldable(word: str) -> bool:
    """Letters whose upper and lower case fold to the same (not the dotless i, for one)."""
    return word.upper().casefold() == word.casefold() == word.lower().casefold()


_words = st.lists(st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8).filter(_foldable),
                  min_size=1, max_size=6)
_sources = st.text(st.characters(categories=["L", "N", "P"]), min_size=1, max_size=20)
_days = st.dates().map(lambda d: d.isoformat())
_gaps = st.lists(st.sampled_from([" ", "  ", "\t", "\n", " \u00a0"]), min_size=7, max_size=7)


@given(_sources, _days, _words, _gaps, st.sampled_from([str.upper, str.lower, str.title, str.swapcase]))
def test_stable_guid_is_the_same_for_the_same_story_whatever_the_slugs_spaces_and_case(
        source: str, day: str, words: list[str], gaps: list[str], case: Any) -> None:
    slug = " ".join(words)
    varied = case(gaps[0] + "".join(w + gaps[i + 1] for i, w in enumerate(words)))
    guid = nitf.stable_guid(source, day, slug)
    assert guid == nitf.stable_guid(source, day, slug)
    assert nitf.stable_guid(source, day, varied) == guid
    assert guid.startswith(f"nitf:{source}:{day}:") and len(guid) <= 255


@given(_sources, _sources, _days, _days, _words)
def test_stable_guid_differs_when_the_source_or_the_day_differs(source_a: str, source_b: str, day_a: str,
                                                                day_b: str, words: list[str]) -> None:
    assume((source_a, day_a) != (source_b, day_b))
    slug = " ".join(words)
    assert nitf.stable_guid(source_a, day_a, slug) != nitf.stable_guid(source_b, day_b, slug)

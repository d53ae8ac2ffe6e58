"""NewsML-G2 media and package items and the fidelity rules of issue 11: picture, video, audio and graphic
newsItems with every rendition, packageItems with their members, `<by>` over creators, private edNotes,
second headlines, taglines and job titles; each validated against IPTC's 2.35 XSDs and read back."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from newsflow.formats import feeds, newsmlg2
from newsflow.formats.base import RenderContext, local_media
from newsflow.formats.registry import OUTPUTS, render
from newsflow.formats.xmlsafe import parse_xml
from newsflow.ingest.media import foreign_as_remote
from newsflow.model import Contributor, ItemKind, PackageMember, Photo, Rendition, Role, StoryVersion
from tests.formats.conftest import MEDIA, corpus_files, full_version, iptc

NS = {"g": newsmlg2.NAR, "x": newsmlg2.XHTML}

RECORDS: dict[str, dict[str, Any]] = {
    **MEDIA,
    "v1": {"id": "v1", "renditions": {
        "original": {"file": "original.mp4", "mimetype": "video/mp4", "width": 1920, "height": 1080,
                     "size": 48_000_123, "duration": 93.4},
        "highres": {"file": "highres.mp4", "mimetype": "video/mp4", "width": 1280, "height": 720, "size": 20_000_000,
                    "duration": 93.4},
        "thumbnail": {"file": "thumbnail.jpg", "mimetype": "image/jpeg", "width": 320, "height": 180, "size": 9_000}}},
    "a1": {"id": "a1", "renditions": {
        "original": {"file": "original.mp3", "mimetype": "audio/mpeg", "size": 1_200_000, "duration": 61.0}}},
    "g1": {"id": "g1", "renditions": {
        "original": {"file": "original.png", "mimetype": "image/png", "width": 800, "height": 600, "size": 40_000},
        "preview": {"file": "preview.jpg", "mimetype": "image/jpeg", "width": 640, "height": 480}}},
}
CTX = RenderContext(base_url="https://wire.example.org", provider="Newsflow Agency",
                    provider_uri="https://wire.example.org/", media=RECORDS.get)

REMOTE_VIDEO = Photo(kind=ItemKind.video, title="Harbour dive", caption="Divers at the harbour wall",
                     credit="Partner TV", alt="Two divers", renditions=[
                         Rendition(name="original", href="https://cdn.example.net/v/9/main.mp4", mimetype="video/mp4",
                                   width=1280, height=720, size=30_000_000, duration=42.5),
                         Rendition(name="mobile", href="https://cdn.example.net/v/9/mobile.mp4",
                                   mimetype="video/mp4", width=640, height=360, duration=42.5),
                         Rendition(name="thumbnail", href="https://cdn.example.net/v/9/poster.jpg",
                                   mimetype="image/jpeg", width=320, height=180)])
REMOTE_AUDIO = Photo(kind=ItemKind.audio, caption="The mayor speaking", renditions=[
    Rendition(name="low bitrate", href="https://cdn.example.net/a/3-low.mp3", mimetype="audio/mpeg", size=300_000),
    Rendition(name="original", href="https://cdn.example.net/a/3.mp3", mimetype="audio/mpeg", duration=61.25)])
# a main file that is none of its renditions, and a rendition named as IPTC names it
REMOTE_PICTURE = Photo(href="https://photos.example.org/main.jpg", caption="Crates", alt="Wooden crates",
                       renditions=[Rendition(name="preview", href="https://photos.example.org/p.jpg",
                                             mimetype="image/jpeg", width=640, height=427),
                                   Rendition(name="highres", href="https://photos.example.org/h.jpg", width=3000,
                                             height=2000, size=2_400_000)])
FIDELITY: dict[str, Any] = {
    "subheadline": "No one hurt as stones fall at dawn", "byline_text": "By Rana Reporter and Pat Photo",
    "tagline": "Additional reporting by the desk in Ankara.",
    "contributors": [Contributor(name="Rana Reporter", title="Chief Frontier Correspondent", place="Baku"),
                     Contributor(name="Pat Photo", role=Role.photographer, title="Staff Photographer"),
                     Contributor(name="Ann Editor", role=Role.editor, title="Night Editor")]}
MEMBERS = [PackageMember(guid="20201002-00000000000000a1", kind=ItemKind.text, headline="Trucks at the border"),
           PackageMember(guid="tag:partner.example,2020:p-77", kind=ItemKind.picture, headline="Crates", group="main"),
           PackageMember(guid="20201002-00000000000000a3", kind=ItemKind.video, group="main"),
           PackageMember(guid="20201002-00000000000000a4", kind=ItemKind.audio, headline="Mayor", group="sidebar"),
           PackageMember(guid="20201002-00000000000000a5", kind=ItemKind.graphic, headline="Map"),
           PackageMember(guid="20201002-00000000000000a6", kind=ItemKind.package, headline="Earlier", group="main")]

ITEMS: dict[str, dict[str, Any]] = {
    "stored-picture": {"kind": ItemKind.picture, "body_html": "<p>Trucks at the border on Friday.</p>",
                       "photos": [Photo(media_id="m1", title="Trucks", caption="Trucks", credit="Agency", alt="Green"),
                                  Photo(href="https://photos.example.org/crates.jpg", caption="Also linked")]},
    "stored-video": {"kind": ItemKind.video, "body_html": "",
                     "photos": [Photo(kind=ItemKind.video, media_id="v1", title="Dive")]},
    "remote-video": {"kind": ItemKind.video, "photos": [REMOTE_VIDEO], "body_html": "<p>Shot list: wide.</p>"},
    "stored-audio": {"kind": ItemKind.audio, "photos": [Photo(kind=ItemKind.audio, media_id="a1", credit="Radio")]},
    "remote-audio": {"kind": ItemKind.audio, "photos": [REMOTE_AUDIO], "body_html": "", "spot": ""},
    "stored-graphic": {"kind": ItemKind.graphic,
                       "photos": [Photo(kind=ItemKind.graphic, media_id="g1", caption="Map")]},
    "remote-picture": {"kind": ItemKind.picture, "photos": [REMOTE_PICTURE], **FIDELITY},
    "text-with-fidelity": FIDELITY,
    "package": {"kind": ItemKind.package, "members": MEMBERS, "body_html": "", "photos": []},
    # a video item whose first photo is no video (say, a poster sent apart): linked, not its content
    "video-with-a-picture-first": {"kind": ItemKind.video, "photos": [
        Photo(media_id="m1"), Photo(kind=ItemKind.video, href="https://cdn.example.net/v/9/main.mp4", title="Dive")]},
}
ITEM_OF_CLASS = {ItemKind.text: "ninat:text", ItemKind.picture: "ninat:picture", ItemKind.video: "ninat:video",
                 ItemKind.audio: "ninat:audio", ItemKind.graphic: "ninat:graphic", ItemKind.package: "ninat:composite"}


@pytest.fixture(scope="module")
def schemas() -> dict[str, etree.XMLSchema]:
    # compiling the G2 framework takes a while: once per module
    return {name: etree.XMLSchema(etree.parse(str(iptc("newsml-g2", f"NewsML-G2_2.35-spec-{name}-Power.xsd"))))
            for name in ("NewsItem", "PackageItem", "NewsMessage")}


def _valid(schemas: dict[str, etree.XMLSchema], data: bytes) -> etree._Element:
    root = parse_xml(data, "rendered.xml")
    schema = schemas[{"newsItem": "NewsItem", "packageItem": "PackageItem",
                      "newsMessage": "NewsMessage"}[etree.QName(root).localname]]
    if not schema.validate(root):
        pytest.fail("\n".join(f"line {e.line}: {e.message}" for e in schema.error_log))
    return root


def as_read(v: StoryVersion, ctx: RenderContext = CTX) -> StoryVersion:
    """`v` as a reader of its NewsML-G2 gets it: each stored media object also with the links to every
    rendition of its library record (so another Newsflow, lacking the media id, can fetch them); the
    desk note never leaves the newsroom."""
    photos = []
    for photo in v.photos:
        if photo.media_id and not photo.renditions:
            record = (ctx.media(photo.media_id) or {}).get("renditions") or {"original": {}}
            photo = Photo(**photo.model_dump(exclude={"href", "renditions"}), renditions=[
                Rendition(name=name, href=ctx.rendition_href(photo.media_id, name), mimetype=facts.get("mimetype"),
                          width=facts.get("width"), height=facts.get("height"), size=facts.get("size"),
                          duration=facts.get("duration")) for name, facts in record.items()])
        photos.append(photo)
    return v.model_copy(update={"photos": photos, "desk_note": None})


def _remotes(root: etree._Element) -> list[etree._Element]:
    return root.xpath("g:contentSet/g:remoteContent", namespaces=NS)


# ------------------------------------------------------------------------------------ round trips

@pytest.mark.parametrize("item", list(ITEMS))
def test_items_of_every_kind_validate_and_round_trip(schemas: dict[str, etree.XMLSchema], item: str) -> None:
    v = full_version(**ITEMS[item], desk_note="Desk only")
    root = _valid(schemas, newsmlg2.render_item(v, CTX))
    assert root.xpath("g:itemMeta/g:itemClass/@qcode", namespaces=NS) == [ITEM_OF_CLASS[v.kind]]
    [back] = newsmlg2.parse(newsmlg2.render_item(v, CTX), f"{item}.xml")
    expected = as_read(v)
    assert {k: (getattr(expected, k), getattr(back, k)) for k in StoryVersion.model_fields
            if getattr(expected, k) != getattr(back, k)} == {}


def test_a_message_of_every_kind_validates_and_reads_back(schemas: dict[str, etree.XMLSchema]) -> None:
    versions = [full_version(guid=f"20201002-{n:016x}", **fields) for n, fields in enumerate(ITEMS.values())]
    _valid(schemas, newsmlg2.render_message(versions, CTX))
    back = newsmlg2.parse(newsmlg2.render_message(versions, CTX), "message.xml")
    # the package after the items: a reader storing in order has every member before its package
    packages = [v.guid for v in versions if v.kind == ItemKind.package]
    assert [b.guid for b in back] == [v.guid for v in versions if v.guid not in packages] + packages
    assert sorted(back, key=lambda b: b.guid) == [as_read(v) for v in versions]


def test_a_stored_video_has_a_remote_content_per_rendition_with_its_facts(schemas: dict[str, Any]) -> None:
    root = _valid(schemas, newsmlg2.render_item(full_version(**ITEMS["stored-video"]), CTX))
    remotes = _remotes(root)
    assert [r.get("rendition") for r in remotes] == ["nfrnd:original", "rnd:highRes", "rnd:thumbnail"]
    assert dict(remotes[0].attrib) == {
        "id": "r1", "rendition": "nfrnd:original", "residref": "v1", "href": "https://wire.example.org/media/v1/original",
        "contenttype": "video/mp4", "size": "48000123", "width": "1920", "height": "1080", "duration": "93.4",
        "durationunit": "timeunit:seconds"}
    assert remotes[2].get("duration") is None  # the poster still does not play
    assert root.xpath("g:contentSet/@original", namespaces=NS) == ["r1"]
    assert root.xpath("g:contentSet/g:inlineXML", namespaces=NS) == []  # no words of its own: no body
    # its media is its content, not a link
    assert root.xpath("g:itemMeta/g:link[@rel='irel:associatedWith']", namespaces=NS) == []


def test_a_remote_main_file_that_is_no_rendition_is_the_original_of_the_content_set(schemas: dict[str, Any]) -> None:
    root = _valid(schemas, newsmlg2.render_item(full_version(**ITEMS["remote-picture"]), CTX))
    remotes = _remotes(root)
    assert [(r.get("id"), r.get("rendition"), r.get("href")) for r in remotes] == [
        ("r0", None, "https://photos.example.org/main.jpg"), ("r1", "rnd:preview", "https://photos.example.org/p.jpg"),
        ("r2", "rnd:highRes", "https://photos.example.org/h.jpg")]
    assert root.xpath("g:contentSet/@original", namespaces=NS) == ["r0"]
    meta = root.xpath("g:contentMeta", namespaces=NS)[0]
    assert meta.xpath("g:description[@role='drol:caption']/text()", namespaces=NS) == ["Crates"]
    assert meta.xpath("g:description[@role='nfdesc:alt']/text()", namespaces=NS) == ["Wooden crates"]


def test_a_text_item_still_links_its_media_with_their_kind(schemas: dict[str, Any]) -> None:
    v = full_version(photos=[Photo(media_id="m1"), Photo(kind=ItemKind.video, media_id="v1"), REMOTE_AUDIO])
    root = _valid(schemas, newsmlg2.render_item(v, CTX))
    assert root.xpath("g:itemMeta/g:link[@rel='irel:associatedWith']/g:itemClass/@qcode", namespaces=NS) == [
        "ninat:picture", "ninat:video", "ninat:audio"]
    assert _remotes(root) == []
    # each link carries every file of its media as a hint (a contentSet inside the link)
    assert [len(r) for r in root.xpath("g:itemMeta/g:link[@rel='irel:associatedWith']/g:contentSet",
                                       namespaces=NS)] == [3, 3, 2]
    [back] = newsmlg2.parse(newsmlg2.render_item(v, CTX), "text.xml")
    assert [(p.kind, p.media_id, p.href, len(p.renditions)) for p in back.photos] == [
        (ItemKind.picture, "m1", "https://wire.example.org/media/m1/original", 3),
        (ItemKind.video, "v1", "https://wire.example.org/media/v1/original", 3),
        (ItemKind.audio, None, REMOTE_AUDIO.href, 2)]
    assert back.photos == as_read(v).photos


def test_another_newsflow_reading_our_text_item_keeps_the_photos_it_lacks_the_media_id_of() -> None:
    [back] = newsmlg2.parse(newsmlg2.render_item(full_version(), CTX), "from-a-peer.xml")
    fixed, dropped = foreign_as_remote(back, held=set())
    stored, remote = fixed.photos
    assert dropped == [] and stored.media_id is None and stored.href == "https://wire.example.org/media/m1/original"
    assert [r.name for r in stored.renditions] == ["original", "thumbnail", "preview"]
    assert remote.href == "https://photos.example.org/crates.jpg"


def test_a_package_is_a_package_item_with_its_groups_in_order(schemas: dict[str, Any]) -> None:
    root = _valid(schemas, newsmlg2.render_item(full_version(**ITEMS["package"]), CTX))
    assert etree.QName(root).localname == "packageItem" and root.xpath("g:contentSet", namespaces=NS) == []
    groups = root.xpath("g:groupSet/g:group", namespaces=NS)
    assert [(g.get("id"), g.get("role")) for g in groups] == [("G0", None), ("G1", "nfgrp:main"),
                                                              ("G2", "nfgrp:sidebar"), ("G3", "nfgrp:main")]
    assert [etree.QName(e).localname for e in groups[0]] == ["itemRef", "groupRef", "groupRef", "itemRef", "groupRef"]
    first = groups[0][0]
    assert first.get("residref") == "urn:newsml:wire.example.org:20201002:20201002-00000000000000a1"
    assert first.get("href") == "https://wire.example.org/v1/items/20201002-00000000000000a1"
    assert first.xpath("g:itemClass/@qcode|g:title/text()", namespaces=NS) == ["ninat:text", "Trucks at the border"]
    assert groups[3][0].get("contenttype") == "application/vnd.iptc.g2.packageitem+xml"


G2 = "http://iptc.org/std/nar/2006-10-01/"
HEAD = (f'<newsItem xmlns="{G2}" guid="urn:newsml:wire.example.test:20260301:{{guid}}" version="1" '
        'standard="NewsML-G2" standardversion="2.35" conformance="power" xml:lang="en">'
        '<itemMeta><itemClass qcode="{klass}"/><provider literal="Example Wire"/>'
        "<versionCreated>2026-03-01T10:00:00Z</versionCreated><pubStatus qcode=\"stat:usable\"/>{notes}</itemMeta>")


def _wire(guid: str, content_meta: str, content_set: str = "", klass: str = "ninat:text", notes: str = "") -> bytes:
    return (HEAD.format(guid=guid, klass=klass, notes=notes) + f"<contentMeta>{content_meta}</contentMeta>"
            + f"<contentSet>{content_set}</contentSet></newsItem>").encode()


def test_a_package_item_of_a_wire_reads_as_a_package_not_a_story() -> None:
    data = f"""<packageItem xmlns="{G2}" guid="pkg-9" version="2" standard="NewsML-G2" standardversion="2.35">
      <itemMeta><itemClass qcode="ninat:composite"/><provider literal="Example Wire"/>
        <versionCreated>2026-03-01T10:00:00Z</versionCreated></itemMeta>
      <contentMeta><headline>Flood in pictures</headline></contentMeta>
      <groupSet root="R"><group id="R" role="grpRole:root"><itemRef residref="story-1"><itemClass qcode="icls:text"/>
        <title>River bursts its banks</title></itemRef><groupRef idref="P"/></group>
        <group id="P" role="grpRole:pictures"><itemRef residref="pic-1"><itemClass qcode="icls:picture"/></itemRef>
        <itemRef residref="pic-2"/></group></groupSet></packageItem>""".encode()
    [package] = newsmlg2.parse(data, "pkg.xml")
    assert package.kind == ItemKind.package and package.version == 2 and package.body_html == ""
    assert package.members == [
        PackageMember(guid="story-1", kind=ItemKind.text, headline="River bursts its banks", group="root"),
        PackageMember(guid="pic-1", kind=ItemKind.picture, group="pictures"),
        PackageMember(guid="pic-2", kind=ItemKind.text, group="pictures")]


# --------------------------------------------------------------------------------- fidelity rules

def test_by_wins_over_creator_and_every_creator_is_a_contributor_in_name_order() -> None:
    meta = ("<creator role=\"crol:writer\"><name part=\"nprt:family\">Roe</name><name part=\"nprt:given\">Jane"
            "</name></creator><creator literal=\"Example Wire\"/><creator><name>Sam Poe</name>"
            "<related rel=\"exrel:jobTitle\"><name>Chief Correspondent</name></related></creator>"
            "<headline>Tide record broken</headline><by>By Jane Roe and Sam Poe</by>")
    [v] = newsmlg2.parse(_wire("by-1", meta, "<inlineData>The tide rose.</inlineData>"), "by.xml")
    assert v.byline_text == "By Jane Roe and Sam Poe" and v.byline == "By Jane Roe and Sam Poe"
    assert [(c.name, c.role, c.title) for c in v.contributors] == [
        ("Jane Roe", Role.writer, None), ("Example Wire", Role.reporter, None),
        ("Sam Poe", Role.reporter, "Chief Correspondent")]
    [plain] = newsmlg2.parse(_wire("by-2", "<creator><name>Jane Roe</name></creator><creator><name>Sam Poe</name>"
                                            "</creator><headline>Tide</headline>"), "plain.xml")
    assert [c.name for c in plain.contributors] == ["Jane Roe", "Sam Poe"] and plain.byline_text is None


def test_a_by_line_that_only_names_the_contributors_is_not_kept_as_sent(ctx: RenderContext) -> None:
    v = full_version(byline_text=None)
    [back] = newsmlg2.parse(newsmlg2.render_item(v, ctx), "names.xml")
    assert back.byline_text is None and back.byline == v.byline == "Rana Reporter"


PRIVATE = "PRIVATE-MARKER-lawyer-reads-para-3"
NOTES = (f'<edNote>Corrects the port name</edNote><edNote role="exnote:internal">{PRIVATE} one</edNote>'
         f'<edNote role="edNoteRole:private">{PRIVATE} two</edNote>'
         f'<edNote pubconstraint="expc:nonpublic" role="exnote:contacts">{PRIVATE} three</edNote>')


def test_a_private_ednote_is_the_desk_note_and_leaves_in_no_format() -> None:
    [v] = newsmlg2.parse(_wire("note-1", "<headline>Cranes stop</headline>",
                               "<inlineData>The cranes stood still.</inlineData>", notes=NOTES), "notes.xml")
    assert v.editor_note == "Corrects the port name"
    assert v.desk_note == f"{PRIVATE} one\n{PRIVATE} two\n{PRIVATE} three"
    outputs = {fmt: render(v, fmt, CTX, cache=None) for fmt in OUTPUTS}
    outputs["atom"] = feeds.render_atom([v], title="T", feed_id="urn:x", self_href="https://x.example/a", ctx=CTX)
    outputs["rss"] = feeds.render_rss([v], title="T", link="https://x.example/", description="D", ctx=CTX)
    assert set(outputs) >= {"ninjs", "ninjs3", "newsmlg2", "nitf", "text", "html", "atom", "rss"}
    assert all(b"Cranes stop" in body for body in outputs.values())
    assert [fmt for fmt, body in outputs.items() if PRIVATE.encode() in body] == []


def test_second_headline_tagline_and_job_title_are_read_from_a_wire() -> None:
    meta = ('<contributor role="crol:editor" jobtitle="exjob:Night%20Editor"><name>Ann Ed</name></contributor>'
            '<headline>Harbour wall collapses</headline><headline role="exhl:subHeadline">No one hurt</headline>'
            '<description role="exdesc:tagline">Reporting by the coast desk.</description>')
    [v] = newsmlg2.parse(_wire("hl-1", meta, "<inlineData>The wall gave way.</inlineData>"), "hl.xml")
    assert (v.headline, v.subheadline, v.tagline) == ("Harbour wall collapses", "No one hurt",
                                                      "Reporting by the coast desk.")
    assert [(c.name, c.role, c.title) for c in v.contributors] == [("Ann Ed", Role.editor, "Night Editor")]


def test_second_headline_tagline_and_job_title_are_written_where_documented(ctx: RenderContext) -> None:
    root = parse_xml(newsmlg2.render_item(full_version(**FIDELITY), ctx), "f.xml")
    meta = root.xpath("g:contentMeta", namespaces=NS)[0]
    assert meta.xpath("g:headline[@role='nfhl:subheadline']/text()", namespaces=NS) == [FIDELITY["subheadline"]]
    assert meta.xpath("g:description[@role='nfdesc:tagline']/text()", namespaces=NS) == [FIDELITY["tagline"]]
    assert meta.xpath("g:by/text()", namespaces=NS) == [FIDELITY["byline_text"]]
    assert meta.xpath("g:contributor/g:related[@rel='nfrel:jobTitle']/g:name/text()", namespaces=NS) == [
        "Night Editor"]


def test_an_html5_page_as_xhtml_body_yields_its_article_only() -> None:
    page = ('<inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><head>'
            "<title>Dam opens | Example</title></head><body><header><nav>World</nav></header><article>"
            "<h1>Dam opens</h1><figure><img src='https://img.example/dam.jpg' alt='The dam'/><figcaption>"
            "The dam at noon.</figcaption></figure><p>The dam opened at noon.</p><h1>Why it matters</h1>"
            "<p>Power for homes.</p></article><footer>Copyright</footer></body></html></inlineXML>")
    [v] = newsmlg2.parse(_wire("page-1", "<headline>Dam opens</headline>", page), "page.xml")
    assert v.body_html == "<p>The dam opened at noon.</p><h2>Why it matters</h2><p>Power for homes.</p>"
    assert "Dam opens" not in v.body_text and "The dam at noon" not in v.body_text


def test_a_wire_picture_keeps_every_rendition_and_its_facts() -> None:
    content = ('<remoteContent rendition="rnd:highRes" href="https://img.example/p/1-hi.jpg" contenttype="image/jpeg"'
               ' width="4000" height="3000" size="5000000"/>'
               '<remoteContent rendition="rnd:thumb" href="https://img.example/p/1-th.jpg" width="200" height="150"/>'
               '<remoteContent rendition="exrnd:square" href="p/1-sq.jpg" width="500" height="500"/>'
               '<remoteContent href="https://img.example/p/1.mov" contenttype="video/quicktime" duration="1500"'
               ' durationunit="timeunit:milliseconds"/>')
    meta = "<headline>Fox in the park</headline><creditline>Ex Photo</creditline>" \
           '<description role="drol:caption">A fox at dawn.</description>'
    [v] = newsmlg2.parse(_wire("pic-1", meta, content, klass="ninat:picture"), "pic.xml")
    assert v.kind == ItemKind.picture
    [photo] = v.photos
    assert (photo.kind, photo.caption, photo.credit, photo.title) == (ItemKind.picture, "A fox at dawn.", "Ex Photo",
                                                                       "Fox in the park")
    assert [(r.name, r.width, r.size, r.duration) for r in photo.renditions] == [
        ("highres", 4000, 5_000_000, None), ("thumbnail", 200, None, None), ("rendition-4", None, None, 1.5)]
    assert photo.href == "https://img.example/p/1-hi.jpg"  # the largest picture: no original is named


def test_a_relative_rendition_is_handed_to_the_ingest_channel_when_nothing_is_absolute() -> None:
    content = ('<remoteContent rendition="rnd:thumbnail" href="pics/1-th.jpg" width="200" height="150"/>'
               '<remoteContent rendition="rnd:highRes" href="pics/1.jpg" contenttype="image/jpeg" width="4000"'
               ' height="3000"/>')
    asked: list[tuple[str, str | None]] = []

    def resolve(ref: str, mimetype: str | None) -> str | None:
        asked.append((ref, mimetype))
        return "local-7"

    data = _wire("rel-1", "<headline>Fox</headline>", content, klass="ninat:picture")
    with local_media(resolve):
        [v] = newsmlg2.parse(data, "rel.xml")
    assert asked == [("pics/1.jpg", "image/jpeg")] and [p.media_id for p in v.photos] == ["local-7"]
    [without] = newsmlg2.parse(data, "rel.xml")
    assert without.kind == ItemKind.picture and without.photos == []


# ---------------------------------------------------------------------------------------- the corpus

def _corpus_items(name: str) -> dict[str, etree._Element]:
    path = next(p for p in corpus_files("newsml-g2") if p.name == name)
    root = etree.parse(str(path)).getroot()
    return {el.get("guid"): el for el in root.iter(f"{{{G2}}}newsItem")}


def _web_renditions(item: etree._Element) -> int:
    return len([r for r in item.iter(f"{{{G2}}}remoteContent") if (r.get("href") or "").startswith("http")])


@pytest.mark.parametrize("name", ["picture.xml", "video.xml"])
def test_corpus_media_items_keep_their_kind_and_every_rendition(name: str) -> None:
    path = next(p for p in corpus_files("newsml-g2") if p.name == name)
    read = {v.guid: v for v in newsmlg2.parse(path.read_bytes(), name)}
    media = {guid: item for guid, item in _corpus_items(name).items() if _web_renditions(item)}
    assert media  # the file has media items
    for guid, item in media.items():
        klass = item.find(f"{{{G2}}}itemMeta/{{{G2}}}itemClass").get("qcode").split(":")[1]
        v = read[guid]
        assert v.kind == ItemKind(klass)
        assert v.photos[0].kind == v.kind and len(v.photos[0].renditions) == _web_renditions(item)
    assert sum(len(v.photos[0].renditions) for v in read.values() if v.photos) >= 3


def test_every_corpus_file_still_parses() -> None:
    for path in corpus_files("newsml-g2"):
        stories = newsmlg2.parse(path.read_bytes(), path.name)
        assert stories and all(s.headline for s in stories), path.name


# ------------------------------------------------------------------------------------- properties

_words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40).map(
    lambda s: " ".join(s.split()))
_names = st.text(st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), min_size=1, max_size=20).map(
    lambda s: " ".join(s.split())).filter(bool)
_renditions = st.lists(st.builds(
    Rendition, name=st.one_of(st.sampled_from(["original", "highres", "preview", "thumbnail", "web"]), _names),
    href=st.integers(0, 10**6).map(lambda n: f"https://cdn.example.org/m/{n}.bin"),
    mimetype=st.one_of(st.none(), st.sampled_from(["image/jpeg", "video/mp4", "audio/mpeg"])),
    width=st.one_of(st.none(), st.integers(1, 10_000)), height=st.one_of(st.none(), st.integers(1, 10_000)),
    size=st.one_of(st.none(), st.integers(0, 2**53)),
    duration=st.one_of(st.none(), st.floats(0, 10**7, allow_nan=False))), min_size=1, max_size=6)


@st.composite
def _media_items(draw: st.DrawFn) -> StoryVersion:
    kind = draw(st.sampled_from([ItemKind.picture, ItemKind.video, ItemKind.audio, ItemKind.graphic]))
    renditions = draw(_renditions)
    href = draw(st.one_of(st.none(), st.sampled_from([r.href for r in renditions]),
                          st.just("https://cdn.example.org/main")))
    photo = Photo(kind=kind, href=href, renditions=renditions, title=draw(_words) or None,
                  caption=draw(_words), credit=draw(_words), alt=draw(_words) or None)
    return full_version(kind=kind, photos=[photo], spot=draw(_words), body_html=draw(st.sampled_from(
        ["", "<p>Shot list.</p>"])), byline_text=draw(_words) or None, tagline=draw(_words) or None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_media_items())
def test_every_media_item_validates_and_round_trips_with_every_rendition(schemas: dict[str, Any],
                                                                       v: StoryVersion) -> None:
    _valid(schemas, newsmlg2.render_item(v, CTX))
    [back] = newsmlg2.parse(newsmlg2.render_item(v, CTX), "generated.xml")
    assert back == v
    # the same media linked from a text item keeps every rendition too
    text = v.model_copy(update={"kind": ItemKind.text, "body_html": "<p>Words.</p>"})
    [linked] = newsmlg2.parse(newsmlg2.render_item(text, CTX), "linked.xml")
    assert linked.photos == text.photos


_members = st.lists(st.builds(
    PackageMember,
    guid=st.one_of(st.from_regex(r"20[0-9]{6}-[0-9a-f]{16}", fullmatch=True),
                   st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True),
                   st.from_regex(r"tag:[a-z]{1,8}\.example,20[0-9]{2}:[a-z0-9-]{1,12}", fullmatch=True)),
    kind=st.sampled_from(list(ItemKind)), headline=st.one_of(st.none(), _names),
    group=st.one_of(st.none(), st.sampled_from(["main", "sidebars", "100% sport", "Élections"]))), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_members)
def test_every_package_validates_and_round_trips_with_its_members_in_order(schemas: dict[str, Any],
                                                                          members: list[PackageMember]) -> None:
    v = full_version(**{**ITEMS["package"], "members": members})
    _valid(schemas, newsmlg2.render_item(v, CTX))
    [back] = newsmlg2.parse(newsmlg2.render_item(v, CTX), "package.xml")
    assert back == v

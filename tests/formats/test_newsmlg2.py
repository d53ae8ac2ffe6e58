"""NewsML-G2 2.35: rendered items and messages validate against IPTC's XSDs, every wire file in the
corpus reads with the values it really holds, the story survives a round trip, and bad input is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from newsflow.formats import newsmlg2
from newsflow.formats.base import FormatError, RenderContext
from newsflow.formats.xmlsafe import XMLError, parse_xml
from newsflow.model import Concept, Contributor, ItemKind, PackageMember, Photo, PubStatus, Role, StoryVersion
from tests.formats.conftest import corpus_files, full_version, iptc
from tests.formats.test_newsmlg2_media import as_read

NS = {"g": newsmlg2.NAR, "x": newsmlg2.XHTML}
# Scheme aliases the IPTC catalog (catalogRef) declares and that our renderer uses.
IPTC_ALIASES = {"ninat", "stat", "sig", "irel", "drol", "cpnat", "subj", "medtop", "iso3166-1a2"}

VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "no-photos": {"photos": []},
    "killed": {"pubstatus": PubStatus.canceled, "editor_note": "Withdrawn on legal advice."},
    "withheld": {"pubstatus": PubStatus.withheld},
    "no-embargo": {"embargo": None},
    "arabic": {
        "language": "ar", "headline": "دورية الحدود تعثر على شاحنات وصناديق مهجورة",
        "spot": "فريق الوكالة على الحدود", "dateline": "باكو، أذربيجان",
        "body_html": ("<p>عثر الجنود على صف من الشاحنات يوم الجمعة.</p><h2>خلفية النزاع</h2>"
                      "<p>التوتر قائم.</p>"),
        "contributors": [Contributor(name="رنا المراسلة", role=Role.reporter, place="باكو")],
    },
    "correction": {"is_correction": True, "editor_note": "Corrects the number of trucks in paragraph 2."},
    "rich-body": {"body_html": (
        '<p>A <strong>bold</strong> word, <a href="https://example.org/r" title="Report">a link</a>, '
        'H<sub>2</sub>O, <span lang="ru">слово</span><br>and a line.</p><h3>Smaller</h3>'
        "<ul><li>one</li><li>two <em>words</em></li></ul><blockquote><p>Quoted.</p></blockquote>"
        '<table><tbody><tr><td colspan="2">Nobody</td></tr></tbody></table>'
        "<p>Fin &amp; «suite» &lt;ok&gt;&nbsp;end.</p>")},
    "all-roles": {"contributors": [Contributor(name="Ann Editor", role=Role.editor),
                                   Contributor(name="Pat Photo", role=Role.photographer),
                                   Contributor(name="Tom Translator", role=Role.translator, place="Paris"),
                                   Contributor(name="Rana Reporter", role=Role.reporter, place="Baku")]},
    "codes": {"subjects": [Concept(name="unrest, conflicts and war", code="subj:16000000"),
                           Concept(name="crime", code="medtop:20000106"),
                           Concept(name="by URI", code="http://cv.example.org/topics/42"),
                           Concept(name="partner scheme", code="apsubject:5235a7a0"),
                           Concept(name="odd code", code="not a qcode"),
                           Concept(name="no code")]},
    "foreign-guid": {"guid": "tag:ap.org,2011:5e565888b587889c5c8bd62b6164118c-text", "related": []},
    "bare-minimum": {"spot": "", "summary": None, "body_html": "", "categories": [], "dossier": None,
                     "contributors": [], "dateline": None, "photos": [], "embargo": None, "subjects": [],
                     "places": [], "people": [], "organisations": [], "keywords": [],
                     "translation_group": None, "related": [], "public": False, "slugline": None,
                     "version": 1},
}


@pytest.fixture(scope="module")
def item_schema() -> etree.XMLSchema:
    # Compiling the G2 framework takes a while: once per module.
    return etree.XMLSchema(etree.parse(str(iptc("newsml-g2", "NewsML-G2_2.35-spec-NewsItem-Power.xsd"))))


@pytest.fixture(scope="module")
def message_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(iptc("newsml-g2", "NewsML-G2_2.35-spec-NewsMessage-Power.xsd"))))


def _valid(schema: etree.XMLSchema, data: bytes) -> etree._Element:
    root = parse_xml(data, "rendered")
    if not schema.validate(root):
        pytest.fail("\n".join(f"line {e.line}: {e.message}" for e in schema.error_log))
    return root


def _one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {len(found)} matches"
    return found[0]


def _texts(root: etree._Element, path: str) -> list[str]:
    return [el.text for el in root.xpath(path, namespaces=NS)]


def _diff(expected: StoryVersion, got: StoryVersion) -> dict[str, tuple[Any, Any]]:
    return {name: (getattr(expected, name), getattr(got, name)) for name in StoryVersion.model_fields
            if getattr(expected, name) != getattr(got, name)}


# --- rendering -------------------------------------------------------------------------------------

def test_full_item_validates_and_carries_every_field(item_schema: etree.XMLSchema,
                                                     ctx: RenderContext) -> None:
    data = newsmlg2.render_item(full_version(), ctx)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    item = _valid(item_schema, data)
    assert item.get("guid") == "urn:newsml:wire.example.org:20201002:20201002-4a1b2c3d4e5f6a7b"
    assert item.get("version") == "2" and item.get("standardversion") == "2.35"
    assert item.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    meta = _one(item, "g:itemMeta")
    assert _one(meta, "g:itemClass").get("qcode") == "ninat:text"
    assert _one(meta, "g:provider/g:name").text == "Newsflow Agency"
    assert _one(meta, "g:versionCreated").text == "2020-10-02T14:40:00Z"
    assert _one(meta, "g:firstCreated").text == "2020-10-02T09:15:00Z"
    assert _one(meta, "g:embargoed").text == "2020-10-02T16:00:00Z"
    assert _one(meta, "g:pubStatus").get("qcode") == "stat:usable"
    assert _one(meta, "g:memberOf").get("qcode") == "nftrans:tg-frontier-1"
    assert _one(meta, "g:signal").get("qcode") == "sig:update"
    photo, remote = meta.xpath("g:link[@rel='irel:associatedWith']", namespaces=NS)
    assert photo.get("href") == "https://wire.example.org/media/m1/original"
    assert photo.get("residref") == "m1" and photo.get("contenttype") == "image/jpeg"
    assert _one(photo, "g:itemClass").get("qcode") == "ninat:picture"
    assert _one(photo, "g:title").text == "Trucks at the border"
    assert _one(photo, "g:description[@role='drol:caption']").text == "Seized trucks at the border"
    assert _one(photo, "g:description[@role='nfdesc:alt']").text == "A row of green trucks"
    assert _one(photo, "g:creditline").text == "Newsflow Agency / R. Reporter"
    assert remote.get("href") == "https://photos.example.org/crates.jpg"
    assert _one(remote, "g:creditline").text == "Partner Agency"
    related = _one(meta, "g:link[@rel='irel:seeAlso']")
    assert related.get("residref") == "urn:newsml:wire.example.org:20201001:20201001-0000000000000001"
    assert related.get("href") == "https://wire.example.org/v1/items/20201001-0000000000000001"

    content = _one(item, "g:contentMeta")
    assert _one(content, "g:urgency").text == "4"
    assert _one(content, "g:headline").text == "Border patrol finds abandoned trucks and crates"
    assert _one(content, "g:slugline").text == "frontier-trucks"
    assert _one(content, "g:dateline").text == "BAKU, Azerbaijan"
    assert _one(content, "g:language").get("tag") == "en"
    assert _one(content, "g:description[@role='drol:summary']").text.startswith("Agency team at the frontier")
    assert _one(content, "g:description[@role='nfdesc:publicSummary']").text.startswith("Reporters saw")
    assert _one(content, "g:audience").get("qcode") == "nfaud:public"
    assert _texts(content, "g:keyword") == ["border", "trucks"]
    reporter, writer = content.xpath("g:creator", namespaces=NS)
    assert (reporter.get("role"), _one(reporter, "g:name").text) == ("nfrole:reporter", "Rana Reporter")
    assert _one(reporter, "g:related[@rel='nfrel:filedFrom']/g:name").text == "Baku"
    assert _one(writer, "g:related/g:name").text == "Ankara"
    assert _one(content, "g:subject[@qcode='subj:16000000']/g:name").text == "unrest, conflicts and war"
    assert _one(content, "g:subject[@qcode='iso3166-1a2:AZ']").get("type") == "cpnat:geoArea"
    assert _one(content, "g:subject[@type='cpnat:person']/g:name").text == "Rana Reporter"
    assert _one(content, "g:subject[@type='cpnat:organisation']/g:name").text == "Border Guard Service"
    assert _texts(content, "g:subject[starts-with(@qcode, 'nfcat:')]/g:name") == ["World", "Europe",
                                                                                   "Asia - Pacific"]
    assert _one(content, "g:subject[@qcode='nfcat:Asia%20-%20Pacific']") is not None
    assert _one(content, "g:subject[starts-with(@qcode, 'nfdossier:')]/g:name").text == "Frontier Watch"

    inline = _one(item, "g:contentSet/g:inlineXML")
    assert inline.get("contenttype") == "application/xhtml+xml"
    assert _one(inline, "x:html/x:head/x:title").text == "Border patrol finds abandoned trucks and crates"
    assert _texts(inline, "x:html/x:body/x:h2") == ["Background to the dispute"]
    assert _texts(inline, "x:html/x:body/x:p")[0] == "Soldiers found a row of trucks on Friday."


@pytest.mark.parametrize("variant", VARIANTS)
def test_variants_validate(variant: str, item_schema: etree.XMLSchema, ctx: RenderContext) -> None:
    version = full_version(**VARIANTS[variant])
    item = _valid(item_schema, newsmlg2.render_item(version, ctx))
    meta = _one(item, "g:itemMeta")
    assert _one(meta, "g:pubStatus").get("qcode") == f"stat:{version.pubstatus.value}"
    assert len(meta.xpath("g:embargoed", namespaces=NS)) == (version.embargo is not None)
    assert len(meta.xpath("g:link[g:itemClass/@qcode='ninat:picture']", namespaces=NS)) == len(version.photos)


def test_killed_and_correction_are_flagged(ctx: RenderContext) -> None:
    killed = parse_xml(newsmlg2.render_item(full_version(**VARIANTS["killed"]), ctx))
    assert _one(killed, "g:itemMeta/g:pubStatus").get("qcode") == "stat:canceled"
    assert _one(killed, "g:itemMeta/g:edNote").text == "Withdrawn on legal advice."
    fixed = parse_xml(newsmlg2.render_item(full_version(**VARIANTS["correction"]), ctx))
    assert _one(fixed, "g:itemMeta/g:signal").get("qcode") == "sig:correction"
    assert _one(fixed, "g:itemMeta/g:edNote").text == "Corrects the number of trucks in paragraph 2."


def test_arabic_is_marked_right_to_left(ctx: RenderContext) -> None:
    item = parse_xml(newsmlg2.render_item(full_version(**VARIANTS["arabic"]), ctx))
    assert item.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar" and item.get("dir") == "rtl"
    assert _one(item, "g:contentMeta/g:language").get("tag") == "ar"
    page = _one(item, "g:contentSet/g:inlineXML/x:html")
    assert (page.get("lang"), page.get("dir")) == ("ar", "rtl")
    assert _texts(page, "x:body/x:h2") == ["خلفية النزاع"]


@pytest.mark.parametrize("variant", ["full", "codes", "all-roles"])
def test_every_scheme_alias_is_declared(variant: str, ctx: RenderContext) -> None:
    item = parse_xml(newsmlg2.render_item(full_version(**VARIANTS[variant]), ctx))
    inline = {s.get("alias"): s.get("uri") for s in item.xpath("g:catalog/g:scheme", namespaces=NS)}
    assert all(uri.startswith("https://wire.example.org/cv/") for uri in inline.values())
    assert _one(item, "g:catalogRef").get("href").startswith("http://www.iptc.org/std/catalog/")
    used = {value.split(":", 1)[0]
            for el in item.iter(f"{{{newsmlg2.NAR}}}*")
            for attr in ("qcode", "role", "rel", "type") if (value := el.get(attr))}
    assert used - IPTC_ALIASES - set(inline) == set()


def test_concept_codes_use_qcode_uri_or_literal(ctx: RenderContext) -> None:
    item = parse_xml(newsmlg2.render_item(full_version(**VARIANTS["codes"]), ctx))
    subjects = {_one(s, "g:name").text: dict(s.attrib) for s in
                item.xpath("g:contentMeta/g:subject[@type='cpnat:abstract']", namespaces=NS)}
    assert subjects["crime"]["qcode"] == "medtop:20000106"
    assert subjects["by URI"]["uri"] == "http://cv.example.org/topics/42"
    assert subjects["partner scheme"] == {"type": "cpnat:abstract", "literal": "apsubject:5235a7a0"}
    assert subjects["odd code"]["literal"] == "not a qcode"
    assert set(subjects["no code"]) == {"type"}


def test_message_validates_and_carries_three_items(message_schema: etree.XMLSchema,
                                                   ctx: RenderContext) -> None:
    versions = [full_version(),
                full_version(guid="20201003-00000000000000aa", version=1, **VARIANTS["arabic"]),
                full_version(guid="20201004-00000000000000bb", pubstatus=PubStatus.canceled, photos=[])]
    message = _valid(message_schema, newsmlg2.render_message(versions, ctx))
    assert _one(message, "g:header/g:sender").text == "wire.example.org"
    assert datetime.fromisoformat(_one(message, "g:header/g:sent").text).tzinfo is not None
    items = message.xpath("g:itemSet/g:newsItem", namespaces=NS)
    assert [i.get("guid").rsplit(":", 1)[1] for i in items] == [v.guid for v in versions]
    ids = message.xpath("//@id")
    assert len(ids) == len(set(ids)) > 3  # the photos' renditions in two items, each id once
    back = newsmlg2.parse(newsmlg2.render_message(versions, ctx), "message.xml")
    assert [_diff(as_read(v, ctx), b) for v, b in zip(versions, back, strict=True)] == [{}, {}, {}]


def test_message_items_are_the_items_rendered_alone(ctx: RenderContext) -> None:
    version = full_version()
    alone = parse_xml(newsmlg2.render_item(version, ctx))
    inside = _one(parse_xml(newsmlg2.render_message([version], ctx)), "g:itemSet/g:newsItem")

    def shape(root: etree._Element) -> list[tuple[Any, ...]]:  # indentation differs with depth only
        return [(el.tag, sorted(el.attrib.items()), (el.text or "").strip(), (el.tail or "").strip())
                for el in root.iter()]

    assert shape(inside)[1:] == shape(alone)[1:] and shape(inside)[0][:3] == shape(alone)[0][:3]


def test_empty_message_is_refused(ctx: RenderContext) -> None:
    with pytest.raises(ValueError, match="at least one item"):
        newsmlg2.render_message([], ctx)


# --- round trips -----------------------------------------------------------------------------------

@pytest.mark.parametrize("variant", VARIANTS)
def test_round_trip(variant: str, ctx: RenderContext) -> None:
    version = full_version(**VARIANTS[variant])
    [back] = newsmlg2.parse(newsmlg2.render_item(version, ctx), f"{variant}.xml")
    assert _diff(as_read(version, ctx), back) == {}
    assert back == as_read(version, ctx)


def test_round_trip_keeps_stored_and_remote_photos(ctx: RenderContext) -> None:
    [back] = newsmlg2.parse(newsmlg2.render_item(full_version(), ctx), "photos.xml")
    # the stored photo with every rendition of the media library (tests/formats/test_newsmlg2_media.py)
    [stored] = as_read(full_version(photos=[Photo(media_id="m1")]), ctx).photos
    assert [(r.name, r.width) for r in stored.renditions] == [("original", 1600), ("thumbnail", 320), ("preview", 1280)]
    assert back.photos == [
        Photo(media_id="m1", title="Trucks at the border", caption="Seized trucks at the border",
              credit="Newsflow Agency / R. Reporter", alt="A row of green trucks", renditions=stored.renditions),
        Photo(href="https://photos.example.org/crates.jpg", title="Crates", caption="Crates of ammunition",
              credit="Partner Agency")]


def test_round_trip_of_plain_guid_and_odd_groups(ctx: RenderContext) -> None:
    version = full_version(guid="story-7", translation_group="group with spaces/and slash",
                           dossier="Élections 2026", categories=["Asia - Pacific", "100% sport"])
    [back] = newsmlg2.parse(newsmlg2.render_item(version, ctx), "odd.xml")
    assert back == as_read(version, ctx)


# --- the corpus: every file, with what it really holds ---------------------------------------------

def _corpus(name: str) -> list[StoryVersion]:
    path = next(p for p in corpus_files("newsml-g2") if p.name == name)
    return newsmlg2.parse(path.read_bytes(), path.name)


def _example(name: str) -> Path:
    return iptc("newsml-g2", "examples", name)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _codes(concepts: list[Concept]) -> list[str | None]:
    return [c.code for c in concepts]


def test_corpus_ansa_culture() -> None:
    [story] = _corpus("ansa-culture.xml")
    assert story.guid == "tag:ansa.it,2019-07-01:fd66854b6f8fcf6e0f9dd3792d86ae2e" and story.version == 2
    assert story.headline == "TEST FROM XAWES"
    assert story.subheadline is None  # its hld:subHeadline repeats the headline
    assert story.language == "it"
    assert story.urgency == 4  # <urgency/> is empty: the message header's priority 4
    assert story.first_published == _utc(2019, 7, 1, 8, 21)
    assert story.version_created == _utc(2019, 7, 1, 8, 22, 28)
    assert story.dateline == "ANSA TEST - ROMA, 01 LUG -"
    assert story.byline == "VR-COM"
    assert Concept(name="arrest", code="subj:02003003") in story.subjects
    assert Concept(name="crime, law and justice", code="subj:02000000") in story.subjects
    assert "(ANSA) - ROMA, 1 LUG - TEST FROM XAWES" in story.body_text
    assert story.slugline is None


def test_corpus_ansa_text_plain_inline_data() -> None:
    [story] = _corpus("ansa-text.xml")
    assert story.guid == "tag:ansa.it,2017-10-11:40e5fb1034e7e2b21942ea09718fc85a" and story.version == 1
    assert story.headline == "Catalan independence declaration unacceptable - Alfano"
    assert story.first_published == story.version_created == _utc(2017, 10, 11, 9, 41)  # +0100
    assert (story.language, story.urgency, story.byline, story.dateline) == ("it", 5, "VRG", "Rome")
    assert "Italian Foreign Minister Angelino Alfano has said" in " ".join(story.body_text.split())
    assert "Carles Puigdemont signed a declaration" in " ".join(story.body_text.split())
    assert [s.name for s in story.subjects] == ["ALR",
                                                "Catalan independence declaration unacceptable - Alfano"]
    assert story.photos == []  # its remoteContent is a tag: URI, not a reachable picture


def test_corpus_ap_message_of_three() -> None:
    stories = _corpus("ap-newsmessage.xml")
    assert [s.headline for s in stories] == [
        "Nutrisystem beats 4Q earnings and revenue expectations",
        "DiamondRock Hospitality posts 4Q FFO of $50.7 million, results top expectations",
        "Scripps Networks tops 4Q profit and revenue expectations"]
    first, second, third = stories
    assert first.guid == "tag:ap.org,2011:5e565888b587889c5c8bd62b6164118c-text" and first.version == 2
    assert first.version_created == _utc(2018, 2, 26, 21, 20, 34)
    assert first.first_published == _utc(2018, 2, 26, 21, 20, 36)
    assert (first.language, first.urgency, first.dateline) == ("en", 4, "FORT WASHINGTON, Pa.")
    assert first.slugline == "BC-US--Earns-Nutrisystem, 1st Ld-Writethru"
    assert first.keywords == ["Nutrisystem", "Earnings Report", "Pennsylvania"]
    assert first.organisations == [Concept(name="NutriSystem Inc",
                                           code="apcompany:792af22b8f0b4133ba38fcf117561e66")]
    assert first.subjects[1] == Concept(name="Corporate stock",
                                        code="apsubject:5235a7a088e910048f29f8851349f9bd")
    assert first.editor_note == "Eds: Adds full-year results."
    assert first.body_text.startswith("FORT WASHINGTON, Pa. (AP) _ Nutrisystem Inc. (NTRI) on Monday")
    assert '<a href="http://www.automatedinsights.com/ap"' in first.body_html
    assert first.byline == ""
    assert [p.name for p in second.places] == ["Maryland", "United States", "North America", "North Carolina"]
    assert third.version == 1 and third.editor_note is None
    assert "Standard & Poor's 500 index has risen 4 percent" in third.body_text


def test_corpus_dpa_message() -> None:
    [story] = _corpus("dpa-newsmessage.xml")
    assert story.guid == "urn:newsml:dpa.com:20090101:221011-930-4303" and story.version == 1
    assert story.headline == "Eintracht in London: Hintereggers Tränen und Attacke auf Reporter"
    assert story.first_published == story.version_created == _utc(2022, 10, 11, 9, 14, 42)
    assert (story.language, story.urgency, story.dateline) == ("de", 4, "London (dpa) -")
    assert story.byline == "degenhardt.sandra"  # creator and contributor name one person: once
    assert story.keywords == ["Champions League", "Frankfurt", "London"]
    assert story.subjects == [Concept(name="Fußball", code="medtop:20001065"),
                              Concept(name="Sport", code="dpacat:sp")]
    assert [p.name for p in story.places][:4] == ["Deutschland", "Hessen", "Großbritannien", "International"]
    assert story.places[4].name.startswith("Tottenham Hotspur Stadium")
    assert story.body_text.startswith("London (dpa) - 2019 gab es bittere Tränen in der Kurve")
    assert "11.10.2022" not in story.body_text  # the XHTML header (slugline list, date) is not body
    assert "Zu diesem Text finden Sie folgende Bilder" in (story.editor_note or "")


def test_corpus_reuters_picture() -> None:
    [story] = _corpus("picture.xml")
    assert story.guid == "tag:reuters.com,0000:newsml_GM1E9341HD701" and story.version == 360624134
    assert story.headline == "A woman casts her ballot inside a polling station in Kenya's town of Gatundu"
    assert story.first_published == _utc(2013, 3, 4, 11, 14, 13)
    assert (story.urgency, story.slugline, story.language) == (4, "KENYA-ELECTIONS/", "en")
    assert [(c.name, c.role) for c in story.contributors] == [("MARKO DJURICA", Role.photographer),
                                                              ("MDJ/", Role.writer)]
    [photo] = story.photos
    assert photo.href is not None and photo.href.endswith("binary_GM1E9341HD701-BASEIMAGE")  # 3500x2284
    assert photo.caption.startswith("A woman casts her ballot inside a polling station")
    assert photo.credit == "REUTERS"
    assert story.spot.startswith("A woman casts her ballot") and story.body_html == ""
    assert "subj:11000000" in _codes(story.subjects)


def test_corpus_scoop_businessdesk() -> None:
    [story] = _corpus("scoop.xml")  # BOM, <Header>, space-separated zone-less time, NITF in the G2 namespace
    assert story.guid == "BD-20160112123540" and story.version == 3
    assert story.headline == ("Dick Smith receivers install Don Grover as acting CEO as Abboud quits; "
                              "retailer put up for sale")
    assert story.first_published == story.version_created == _utc(2016, 1, 12, 12, 35, 40)
    assert story.embargo is None  # <embargoed></embargoed>
    assert (story.urgency, story.language, story.byline) == (5, "en", "Staff Reporter")
    assert "The receivers of Dick Smith Holdings have appointed retailing veteran" in story.body_text
    assert story.body_text.endswith("(BusinessDesk)")
    assert story.keywords == [] and story.subjects == []


def test_corpus_stt_translated() -> None:
    [story] = _corpus("stt-newsitem-2.xml")
    assert story.guid == "urn:newsml:stt.fi:20171219:101801633" and story.version == 4
    assert story.headline == ("Parliament passed the Alcohol Act and the government gained confidence"
                              "*** TRANSLATED ***")
    assert story.version_created == _utc(2017, 10, 18, 9, 16, 43)
    assert story.first_published == _utc(2017, 12, 19, 8, 33, 4)
    assert (story.language, story.urgency, story.dateline) == ("fi-FI", 3, "Helsinki")
    # its edNote role="sttnote:private" is for the newsroom, not for subscribers
    assert (story.editor_note, story.desk_note) == (None, "complemented throughout")
    assert "<h2>Also the unemployment law went through</h2>" in story.body_html
    assert "The Parliament has approved the Alcohol Act 124-65." in story.body_text
    assert story.subjects == [Concept(name="Related topic id", code="stt-topics:437036"),
                              Concept(name="Politics", code="sttdepartment:9")]


def test_corpus_stt_zone_less_times() -> None:
    [story] = _corpus("stt-newsitem.xml")
    assert story.guid == "urn:newsml:stt.fi::102736761" and story.version == 2
    assert story.headline == "Mikko Moilanen siirtyy Revenion toimitusjohtajaksi"
    assert story.version_created == _utc(2019, 4, 15, 13, 49, 15)  # no zone given: taken as UTC
    assert story.first_published == _utc(2019, 4, 15, 11, 12, 24)
    assert (story.language, story.urgency, story.dateline, story.desk_note) == ("fi-FI", 3, "Helsinki", "lopusta")
    assert story.editor_note is None
    assert story.body_text.startswith("Diplomi-insinööri Mikko Moilanen siirtyy terveysteknologiayhtiö "
                                      "Revenio Groupin")
    assert Concept(name="Talous", code="sttsubj:04000000") in story.subjects


def test_corpus_reuters_text() -> None:
    [story] = _corpus("text.xml")
    assert story.guid == "tag:reuters.com,0000:newsml_L4N0BT5PJ" and story.version == 263518268
    assert story.headline == ("Soccer-Smiling Benitez pleads for support after midweek outburst "
                              "against opponent")
    assert story.first_published == story.version_created == _utc(2013, 3, 1, 15, 9, 4)
    assert (story.urgency, story.language, story.slugline) == (3, "en", "SOCCER-ENGLAND/CHELSEA-BENITEZ")
    assert (story.byline, story.dateline, story.editor_note) == ("Reuters", "Bangalore", "Editorial Note")
    assert story.body_text == "By Toby Davis"
    assert len(story.subjects) == 12 and Concept(name="subj:15054000", code="subj:15054000") in story.subjects
    assert story.spot == ""  # its description is a caption, not a summary


def test_corpus_reuters_video_package() -> None:
    # A packageItem with a text, an audio, a video and a picture item, all inline: each is an item of its
    # kind (tests/formats/test_newsmlg2_media.py counts their renditions), the package last.
    story, video, audio, picture, package = _corpus("video.xml")
    assert story.guid == "tag:reuters.com,2013:newsml_OVE933ZR5" and story.version == 1
    assert story.kind == ItemKind.text and story.photos == []
    assert story.headline == "Cardinals arrive for pre-conclave meeting"
    assert story.spot.startswith("Cardinals arrive at the Vatican to participate in pre-conclave talks")
    assert (story.dateline, story.slugline) == ("MARCH 04, 2013", "VATICAN-CARDINALS ARRIVE ROUGH CUT (O)")
    assert story.first_published == _utc(2013, 3, 4, 11, 37, 47)
    assert "College of Cardinals opened daily talks" in story.body_text
    assert [v.kind for v in (video, audio, picture, package)] == [ItemKind.video, ItemKind.audio, ItemKind.picture,
                                                                  ItemKind.package]
    # the media items have no words of their own: they are called by their package's headline
    assert {v.headline for v in (video, audio, picture)} == {package.headline} == {story.headline}
    [photo] = picture.photos
    assert photo.href is not None and photo.href.endswith("binary_LOVE9230WHZNR-BASEIMAGE:960X540")  # the largest
    assert package.guid == "tag:reuters.com,2013:newsml_OVE933ZR4" and package.body_html == ""
    assert [(m.guid, m.kind) for m in package.members] == [(v.guid, v.kind) for v in (story, audio, video, picture)]


def test_example_listing_1_news_item() -> None:
    [story] = newsmlg2.parse(_example("LISTING_1_A_NewsML-G2_News_Item.xml").read_bytes(), "LISTING_1")
    assert story.guid == "urn:newsml:acmenews.com:20161018:US-FINANCE-FED" and story.version == 11
    assert story.headline == 'Fed to halt QE to avert "bubble"'
    assert story.version_created == _utc(2018, 10, 21, 21, 25, 32)
    assert story.first_published == _utc(2016, 10, 18, 18, 12, 21)
    assert story.embargo == _utc(2018, 10, 23, 12)
    assert (story.language, story.byline, story.dateline) == ("en-GB", "Meredith Jameson", "Berlin")
    assert (story.editor_note or "").startswith("Note to editors: STRICTLY EMBARGOED. Not for public")
    assert story.subjects == [Concept(name="economy, business and finance", code="medtop:04000000"),
                              Concept(name="labour market", code="medtop:20000523")]
    assert story.body_html == "" and story.related == []  # an empty inlineXML; a web link, not an item


def test_example_listing_2_text_document() -> None:
    [story] = newsmlg2.parse(_example("LISTING_2_NewsML-G2_Text_Document.xml").read_bytes(), "LISTING_2")
    assert story.guid == "urn:newsml:acmenews.com:20161121:US-FINANCE-FED" and story.version == 11
    assert story.headline == 'Fed to halt QE to avert "bubble"'
    assert story.first_published == _utc(2016, 11, 21, 20, 21, 6)  # contentCreated: no firstCreated
    assert story.version_created == _utc(2018, 11, 21, 21, 25, 32)
    assert (story.language, story.dateline, story.slugline) == ("en-US", "New York, NY", "US-Finance-Fed")
    assert [s.name for s in story.subjects] == ["economy, business and finance", "central bank",
                                                "money and monetary policy"]
    assert story.body_text.startswith("(New York, NY - October 21) Et, sent luptat luptat")
    assert story.body_html.count("<p>") == 2


def test_example_listing_3_photo() -> None:
    [story] = newsmlg2.parse(_example("LISTING_3_Photo_in_NewsML-G2.xml").read_bytes(), "LISTING_3")
    assert story.guid == "tag:gettyimages.com,2010:GYI0062134533"
    assert story.headline == "Variety Of Recessionary Forces Leave Las Vegas Economy Scarred"
    assert story.version_created == _utc(2018, 10, 12, 6, 42, 4)  # "…06:42:04Z " padded
    assert [(c.name, c.role) for c in story.contributors] == [("Spencer Platt", Role.photographer),
                                                              ("sp/lrc", Role.writer)]
    assert story.keywords == ["business", "economic", "economy", "finance", "poor", "poverty", "gamble"]
    assert story.places == [Concept(name="Las Vegas Boulevard"),
                            Concept(name="Las Vegas", code="gycon:89109")]
    assert _codes(story.subjects) == ["gyimeid:104530187", "medtop:20000523", "medtop:20000533"]
    assert story.spot.startswith("A general view of part of downtown, including Las Vegas Boulevard")
    assert story.photos == []  # its renditions are relative and file: paths, nothing a subscriber can fetch


def test_example_listing_6_lone_package() -> None:
    [story] = newsmlg2.parse(_example("LISTING_6_Simple_NewsML-G2_Package.xml").read_bytes(), "LISTING_6")
    assert story.guid == "tag:example.com,2008:UK-NEWS-TOPTEN:UK20081220098658" and story.version == 11
    assert story.headline == "UK" and story.body_html == "" and story.kind == ItemKind.package
    assert story.members == [
        PackageMember(guid="urn:newsml:iptc.org:20081007:tutorial-item-A", kind=ItemKind.text,
                      headline="Obama annonce son équipe", group="main"),
        PackageMember(guid="urn:newsml:iptc.org:20081007:tutorial—item-B", kind=ItemKind.picture,
                      headline="Barack Obama arrive à Washington", group="main")]
    assert [(c.name, c.role) for c in story.contributors] == [("Maurice Dancer", Role.editor)]
    assert story.editor_note == "Updates the previous version"
    assert story.first_published == _utc(2008, 12, 20, 12, 25, 35)


def test_example_listing_24_package_of_placeholders_is_refused() -> None:
    data = _example("LISTING_24_News_Message_conveying_a_complete_News_Package.xml").read_bytes()
    with pytest.raises(FormatError, match=r"LISTING_24:27: item 'N1' has no headline and no content"):
        newsmlg2.parse(data, "LISTING_24")


ENVELOPE = (b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="test:fragment" version="1" '
            b'standard="NewsML-G2" standardversion="2.35"><itemMeta><itemClass qcode="ninat:text"/>'
            b'<provider literal="test"/><versionCreated>2020-01-01T00:00:00Z</versionCreated></itemMeta>'
            b"%s</newsItem>")


def test_example_listing_25_nitf_fragment() -> None:
    fragment = _example("LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml").read_bytes()
    with pytest.raises(FormatError, match="root element is <contentSet>"):
        newsmlg2.parse(fragment, "LISTING_25")  # a fragment of a spec listing, not an item
    [story] = newsmlg2.parse(ENVELOPE % fragment, "LISTING_25 in an item")
    assert story.headline == "Arizona Diamondbacks (29-23) at Philadelphia Phillies (26-24), 7:05p.m."
    assert story.spot.startswith("A pair of teams coming off big weekend sweeps will square off")
    assert " ".join(story.body_text.split()).startswith(
        "(Sports Network) - With the Philadelphia Phillies picking up momentum")


def test_example_listing_28_content_meta_fragment() -> None:
    fragment = _example("LISTING_28_Illustrating_Located_Subject_and_Dateline.xml").read_bytes()
    with pytest.raises(FormatError, match="root element is <contentMeta>"):
        newsmlg2.parse(fragment, "LISTING_28")
    with pytest.raises(FormatError, match="no headline and no content"):
        newsmlg2.parse(ENVELOPE % fragment, "LISTING_28 in an item")  # it holds no story words
    with_headline = fragment.replace(b"</contentMeta>", b"<headline>Talks</headline></contentMeta>")
    [story] = newsmlg2.parse(ENVELOPE % with_headline, "LISTING_28 with a headline")
    assert (story.dateline, story.language, story.byline) == ("MOSCOW, Monday (Reuters)", "en-US",
                                                              "Thomson Reuters")
    assert story.first_published == _utc(2016, 2, 9, 6, 17)  # padded contentCreated, +03:00
    assert story.places == [Concept(name="city:Tskhinvali", code="city:Tskhinvali"),
                            Concept(name="city:Tblisi", code="city:Tblisi")]


def test_every_corpus_and_example_file_has_its_test() -> None:
    covered = {"ansa-culture.xml", "ansa-text.xml", "ap-newsmessage.xml", "dpa-newsmessage.xml",
               "picture.xml", "scoop.xml", "stt-newsitem-2.xml", "stt-newsitem.xml", "text.xml", "video.xml",
               "LISTING_1_A_NewsML-G2_News_Item.xml", "LISTING_2_NewsML-G2_Text_Document.xml",
               "LISTING_3_Photo_in_NewsML-G2.xml", "LISTING_6_Simple_NewsML-G2_Package.xml",
               "LISTING_24_News_Message_conveying_a_complete_News_Package.xml",
               "LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml",
               "LISTING_28_Illustrating_Located_Subject_and_Dateline.xml"}
    examples = iptc("newsml-g2", "examples").iterdir()
    present = {p.name for p in corpus_files("newsml-g2")} | {p.name for p in examples}
    assert present == covered


# --- bad input -------------------------------------------------------------------------------------

MINIMAL_META = (b'<itemMeta><itemClass qcode="ninat:text"/><provider literal="x"/>'
                b"<versionCreated>2020-01-01T00:00:00Z</versionCreated></itemMeta>")


def _item(body: bytes) -> bytes:
    return (b'<?xml version="1.0"?>\n<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g:1" '
            b'standard="NewsML-G2" standardversion="2.35">\n' + body + b"\n</newsItem>")


def test_malformed_xml_names_file_and_line() -> None:
    data = _item(MINIMAL_META + b"\n<contentMeta><headline>Broken</contentMeta>")
    with pytest.raises(XMLError) as caught:
        newsmlg2.parse(data, "wire/broken.xml")
    assert caught.value.source == "wire/broken.xml" and caught.value.line == 4
    assert str(caught.value).startswith("wire/broken.xml:4: ")


def test_billion_laughs_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE newsItem [\n <!ENTITY lol "lol">\n'
            + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                       for i in range(1, 10))
            + b']>\n<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" standard="NewsML-G2" '
              b'standardversion="2.35"><contentMeta><headline>&lol9;</headline></contentMeta></newsItem>')
    with pytest.raises(XMLError, match="entity declarations are not accepted") as caught:
        newsmlg2.parse(bomb, "bomb.xml")
    assert caught.value.line == 3


def test_external_entity_is_refused_and_not_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = (b'<?xml version="1.0"?>\n<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "' + secret.as_uri().encode()
           + b'">]>\n' + _item(MINIMAL_META + b"<contentMeta><headline>&xxe;</headline></contentMeta>")
           .split(b"\n", 1)[1])
    with pytest.raises(XMLError, match="entity") as caught:
        newsmlg2.parse(xxe, "xxe.xml")
    assert "TOP-SECRET-VALUE" not in str(caught.value)


def test_item_without_headline_or_content_is_a_clear_error() -> None:
    data = _item(MINIMAL_META + b"\n<contentMeta><urgency>3</urgency></contentMeta>")
    with pytest.raises(FormatError, match=r"^empty\.xml:2: item 'g:1' has no headline and no content$"):
        newsmlg2.parse(data, "empty.xml")


def test_item_without_headline_takes_its_first_sentence() -> None:
    content = (b'<contentSet><inlineData contenttype="text/plain">Rain fell all day. Roads closed.\n\n'
               b"Schools shut.</inlineData></contentSet>")
    [story] = newsmlg2.parse(_item(MINIMAL_META + content), "nohead.xml")
    assert story.headline == "Rain fell all day."
    assert story.body_html == "<p>Rain fell all day. Roads closed.</p><p>Schools shut.</p>"


def test_lone_package_without_words_yields_nothing() -> None:
    package = (b'<packageItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="p:1" standard="NewsML-G2" '
               b'standardversion="2.35">' + MINIMAL_META.replace(b"ninat:text", b"ninat:composite")
               + b'<groupSet root="G"><group id="G"><itemRef residref="elsewhere:1"/></group></groupSet>'
                 b"</packageItem>")
    assert newsmlg2.parse(package, "package.xml") == []


@pytest.mark.parametrize(("document", "root"), [
    (b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Wire</title></channel></rss>', "rss"),
    (b'<NewsML Version="1.2"><NewsItem/></NewsML>', "NewsML"),
    (b'<conceptItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="c"/>', "conceptItem"),
    (b'<newsItem xmlns="http://example.org/not-g2"/>', "newsItem"),
])
def test_wrong_root_is_refused(document: bytes, root: str) -> None:
    with pytest.raises(FormatError, match=f"not NewsML-G2: the root element is <{root}>"):
        newsmlg2.parse(document, "feed.xml")


def test_unreadable_timestamp_names_its_line() -> None:
    data = _item(b'<itemMeta><itemClass qcode="ninat:text"/><provider literal="x"/>\n'
                 b"<versionCreated>yesterday</versionCreated></itemMeta><contentMeta><headline>H</headline>"
                 b"</contentMeta>")
    with pytest.raises(FormatError, match=r"^when\.xml:4: <versionCreated> holds 'yesterday'"):
        newsmlg2.parse(data, "when.xml")


def test_over_long_wire_values_are_clipped_not_refused() -> None:
    words = " ".join(["word"] * 200)
    data = _item(MINIMAL_META + b"<contentMeta><headline>" + words.encode()
                 + b"</headline><keyword></keyword><subject><name></name></subject></contentMeta>")
    [story] = newsmlg2.parse(data, "long.xml")
    assert 480 <= len(story.headline) <= 500 and story.headline.endswith("word…")  # cut at a word
    assert story.keywords == [] and story.subjects == []


def test_guid_urn_only_unwrapped_for_our_shape(ctx: RenderContext) -> None:
    assert newsmlg2.item_guid("20201002-4a1b2c3d4e5f6a7b", ctx) == (
        "urn:newsml:wire.example.org:20201002:20201002-4a1b2c3d4e5f6a7b")
    assert newsmlg2.item_guid("tag:ap.org,2011:x", ctx) == "tag:ap.org,2011:x"
    assert re.fullmatch(r"urn:newsml:[^:]+:\d{8}:.+", newsmlg2.item_guid("20991231-ff", ctx))

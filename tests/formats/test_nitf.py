"""NITF 3.6: rendering validates against the official XSD, every corpus file ingests, round trips."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from newsflow.formats import nitf
from newsflow.formats.base import FormatError, RenderContext
from newsflow.formats.xmlsafe import parse_xml
from newsflow.model import Concept, Contributor, Photo, PubStatus, Rendition, Role, StoryVersion
from tests.formats.conftest import corpus_files, full_version, iptc

NS = {"n": nitf.NS}

RICH_BODY = (
    '<p>A <strong>bold</strong> and <em>stressed</em> word, <b>b</b> <i>i</i> <u>u</u> <s>s</s>, '
    '<a href="https://example.org/report" title="The report">a link</a>, <q>a quote</q>, H<sub>2</sub>O, '
    'x<sup>2</sup>, <abbr>NATO</abbr>, <cite>a title</cite>, <code>x = 1</code>, '
    '<span lang="ru">слово</span><br>and a second line.</p>'
    "<h3>A smaller heading</h3>"
    "<ul><li>one</li><li>two <em>words</em></li></ul>"
    "<ol><li><p>a paragraph in a list</p></li></ol>"
    "<blockquote><p>Quoted words.</p></blockquote>"
    "<pre>pre  formatted</pre><hr>"
    '<table><thead><tr><th>Team</th><th>Pts</th></tr></thead>'
    '<tbody><tr><td colspan="2">Nobody</td></tr><tr><td>A</td><td>3</td></tr></tbody></table>'
    '<p lang="fr">Fin &amp; «suite» &lt;ok&gt;.</p>'
)

VARIANTS: dict[str, dict[str, Any]] = {
    "full": {},
    "no-photos": {"photos": []},
    "no-embargo": {"embargo": None},
    "killed": {"pubstatus": PubStatus.canceled, "editor_note": "Withdrawn on legal advice."},
    "withheld": {"pubstatus": PubStatus.withheld},
    "correction": {"is_correction": True, "editor_note": "Corrects the number of trucks in paragraph 2."},
    "arabic": {
        "language": "ar", "headline": "دورية الحدود تعثر على شاحنات وصناديق مهجورة",
        "spot": "فريق الوكالة على الحدود", "dateline": "باكو، أذربيجان",
        "body_html": ("<p>عثر الجنود على صف من الشاحنات يوم الجمعة.</p><h2>خلفية النزاع</h2>"
                      "<p>التوتر قائم منذ سنوات.</p>"),
        "contributors": [Contributor(name="رنا المراسلة", role=Role.reporter, place="باكو")],
    },
    "rich-body": {"body_html": RICH_BODY},
    "many-roles": {"contributors": [
        Contributor(name="Ann Editor", role=Role.editor),
        Contributor(name="Pat Photo", role=Role.photographer),
        Contributor(name="Rana Reporter", role=Role.reporter, place="Baku"),
        Contributor(name="Walt Writer", role=Role.writer, place="Ankara"),
        Contributor(name="Wes Second", role=Role.writer)]},
    "codes": {"subjects": [Concept(name="unrest, conflicts and war", code="subj:16000000"),
                           Concept(name="police", code="subj:02003000"),
                           Concept(name="investigation", code="subj:02003002"),
                           Concept(name="crime", code="medtop:20000106"),
                           Concept(name="no code at all"),
                           Concept(name="a URI", code="http://cv.iptc.org/newscodes/mediatopic/16000000")],
              "people": [Concept(name="Ilham Aliyev", code="wikidata:Q165004")],
              "organisations": [Concept(name="UN", code="http://www.wikidata.org/entity/Q1065")]},
    "bare": {"spot": "", "body_html": "", "categories": [], "dossier": None, "contributors": [],
             "dateline": None, "photos": [], "embargo": None, "subjects": [], "places": [], "people": [],
             "organisations": [], "keywords": [], "translation_group": None, "slugline": None},
}
# The fields NITF has no place for are left at their defaults when read back.
NOT_CARRIED_DEFAULTS = {"summary": None, "related": [], "public": False, "desk_note": None, "members": []}


def with_links(v: StoryVersion, ctx: RenderContext) -> StoryVersion:
    """`v` as a reader of its NITF gets it: each stored media object also with the links to its renditions
    (the original first, then the larger), so another Newsflow, which lacks the media id, can fetch them."""
    photos = []
    for photo in v.photos:
        if photo.media_id and not photo.renditions:
            info = (ctx.media(photo.media_id) or {}).get("renditions") or {"original": {}}
            names = sorted(info, key=lambda n: (n != "original", -(info[n].get("width") or 0)))
            photo = Photo(**photo.model_dump(exclude={"href", "renditions"}), renditions=[
                Rendition(name=n, href=ctx.rendition_href(photo.media_id, n), mimetype=info[n].get("mimetype"),
                          width=info[n].get("width"), height=info[n].get("height"), size=info[n].get("size"),
                          duration=info[n].get("duration")) for n in names])
        photos.append(photo)
    return v.model_copy(update={"photos": photos})


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(iptc("nitf", "nitf-3-6.xsd"))))


def valid_nitf(schema: etree.XMLSchema, data: bytes) -> etree._Element:
    root = parse_xml(data, "rendered.xml")
    assert schema.validate(root), "\n".join(str(e) for e in schema.error_log)
    return root


# ------------------------------------------------------------------------------------------ render

@pytest.mark.parametrize("variant", list(VARIANTS))
def test_render_validates_against_the_nitf_36_xsd(schema: etree.XMLSchema, ctx: RenderContext,
                                                  variant: str) -> None:
    valid_nitf(schema, nitf.render(full_version(**VARIANTS[variant]), ctx))


def test_render_puts_each_field_in_its_nitf_place(schema: etree.XMLSchema, ctx: RenderContext) -> None:
    root = valid_nitf(schema, nitf.render(full_version(), ctx))

    def one(path: str) -> etree._Element:
        [found] = root.xpath(path, namespaces=NS)
        return found

    assert root.tag == "{http://iptc.org/std/NITF/2006-10-18/}nitf"
    assert root.get("version") == "-//IPTC//DTD NITF 3.6//EN" and root.get("baselang") == "en"
    assert one("n:head/n:title").text == "Border patrol finds abandoned trucks and crates"
    assert one("n:body/n:body.head/n:hedline/n:hl1").text == "Border patrol finds abandoned trucks and crates"
    subject = one("n:head/n:tobject/n:tobject.subject")
    assert subject.get("tobject.subject.refnum") == "16000000"
    assert subject.get("tobject.subject.ipr") == "IPTC"
    assert subject.get("tobject.subject.type") == "unrest, conflicts and war"
    docdata = one("n:head/n:docdata")
    assert docdata.get("management-status") == "usable"
    assert one("n:head/n:docdata/n:doc-id").get("id-string") == "20201002-4a1b2c3d4e5f6a7b"
    assert one("n:head/n:docdata/n:urgency").get("ed-urg") == "4"
    assert one("n:head/n:docdata/n:date.issue").get("norm") == "20201002T091500Z"
    assert one("n:head/n:docdata/n:date.release").get("norm") == "20201002T160000Z"
    assert one("n:head/n:docdata/n:du-key").attrib == {"version": "2", "key": "frontier-trucks"}
    assert one("n:head/n:docdata/n:series").get("series.name") == "Frontier Watch"
    assert one("n:head/n:docdata/n:doc.copyright").attrib == {"year": "2020", "holder": "Newsflow Agency"}
    assert root.xpath("n:head/n:docdata/n:key-list/n:keyword/@key", namespaces=NS) == ["border", "trucks"]
    ident = "n:head/n:docdata/n:identified-content"
    assert root.xpath(f"{ident}/n:location/text()", namespaces=NS) == ["Baku", "Azerbaijan"]
    assert one(f"{ident}/n:location[2]").attrib == {"code-source": "iso3166-1a2", "location-code": "AZ"}
    assert root.xpath(f"{ident}/n:person/text()", namespaces=NS) == ["Rana Reporter"]
    assert root.xpath(f"{ident}/n:org/text()", namespaces=NS) == ["Border Guard Service"]
    assert root.xpath(f"{ident}/n:classifier[@type='category']/text()", namespaces=NS) == [
        "World", "Europe", "Asia - Pacific"]
    assert one(f"{ident}/n:classifier[@type='translation-group']").get("value") == "tg-frontier-1"
    assert one("n:head/n:pubdata").get("date.publication") == "20201002T144000Z"

    byline = one("n:body/n:body.head/n:byline")
    assert "".join(byline.itertext()) == "By Rana Reporter, Baku"  # no job title: no byttl
    assert byline.get("class") == "reporter"  # the role
    assert one("n:body/n:body.head/n:byline/n:person").text == "Rana Reporter"
    assert one("n:body/n:body.head/n:distributor/n:org").text == "Newsflow Agency"
    assert one("n:body/n:body.head/n:dateline/n:location").text == "BAKU, Azerbaijan"
    assert one("n:body/n:body.head/n:abstract/n:p").text.startswith("Agency team at the frontier")
    block = one("n:body/n:body.content/n:block")
    assert [etree.QName(e).localname for e in block] == ["p", "p", "hl2", "p"]
    assert block[2].text == "Background to the dispute"

    stored, remote = root.xpath("n:body/n:body.content/n:media", namespaces=NS)
    refs = stored.xpath("n:media-reference", namespaces=NS)
    assert [r.get("source") for r in refs] == [
        "https://wire.example.org/media/m1/original", "https://wire.example.org/media/m1/preview",
        "https://wire.example.org/media/m1/thumbnail"]
    assert refs[0].attrib["mime-type"] == "image/jpeg" and refs[0].get("width") == "1600"
    assert refs[0].get("alternate-text") == "A row of green trucks"
    assert stored.xpath("n:media-caption/text()", namespaces=NS) == ["Seized trucks at the border"]
    assert stored.xpath("n:media-producer/text()", namespaces=NS) == ["Newsflow Agency / R. Reporter"]
    assert remote.xpath("n:media-reference/@source", namespaces=NS) == ["https://photos.example.org/crates.jpg"]
    assert remote.xpath("n:media-caption/text()", namespaces=NS) == ["Crates of ammunition"]
    assert "".join(one("n:body/n:body.end/n:tagline").itertext()) == "* Writing by Walt Writer from Ankara"


def test_kill_correction_and_note_are_in_docdata(schema: etree.XMLSchema, ctx: RenderContext) -> None:
    killed = valid_nitf(schema, nitf.render(full_version(**VARIANTS["killed"]), ctx))
    assert killed.xpath("n:head/n:docdata/@management-status", namespaces=NS) == ["canceled"]
    assert killed.xpath("n:head/n:docdata/n:ed-msg/@info", namespaces=NS) == ["Withdrawn on legal advice."]
    corrected = valid_nitf(schema, nitf.render(full_version(**VARIANTS["correction"]), ctx))
    [correction] = corrected.xpath("n:head/n:docdata/n:correction", namespaces=NS)
    assert correction.get("info") == "Corrects the number of trucks in paragraph 2."
    assert correction.get("id-string") == "20201002-4a1b2c3d4e5f6a7b"
    no_embargo = nitf.render(full_version(embargo=None), ctx)
    assert b"date.release" not in no_embargo


def test_arabic_version_declares_its_language(schema: etree.XMLSchema, ctx: RenderContext) -> None:
    root = valid_nitf(schema, nitf.render(full_version(**VARIANTS["arabic"]), ctx))
    assert root.get("baselang") == "ar"
    assert root.xpath("n:body/@xml:lang", namespaces=NS) == ["ar"]
    assert root.xpath("n:body/n:body.head/n:hedline/n:hl1/text()", namespaces=NS) == [
        "دورية الحدود تعثر على شاحنات وصناديق مهجورة"]


def test_markup_in_fields_is_escaped_not_interpreted(schema: etree.XMLSchema, ctx: RenderContext) -> None:
    v = full_version(headline="<script>alert(1)</script> & more", spot="a < b")
    data = nitf.render(v, ctx)
    assert b"<script>" not in data and b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in data
    valid_nitf(schema, data)
    assert nitf.parse(data, "x.xml")[0].headline == "<script>alert(1)</script> & more"


# ---------------------------------------------------------------------------------------- round trip

@pytest.mark.parametrize("variant", list(VARIANTS))
def test_round_trip_keeps_every_field_nitf_carries(ctx: RenderContext, variant: str) -> None:
    v = full_version(**VARIANTS[variant])
    [back] = nitf.parse(nitf.render(v, ctx), f"{variant}.xml")
    assert back.model_dump(exclude=nitf.NOT_CARRIED) == with_links(v, ctx).model_dump(exclude=nitf.NOT_CARRIED)
    assert back.model_dump(include=nitf.NOT_CARRIED) == NOT_CARRIED_DEFAULTS
    assert set(NOT_CARRIED_DEFAULTS) == nitf.NOT_CARRIED


def test_round_trip_of_a_stored_photo_without_a_media_record() -> None:
    v = full_version(photos=[Photo(media_id="gone", caption="Still here")])
    data = nitf.render(v, RenderContext(base_url="https://w.example"))
    assert b'source="https://w.example/media/gone/original"' in data
    assert nitf.parse(data, "x.xml")[0].photos == [Photo(
        media_id="gone", caption="Still here",
        renditions=[Rendition(name="original", href="https://w.example/media/gone/original")])]


# -------------------------------------------------------------------------------------------- corpus

@pytest.mark.parametrize("path", corpus_files("nitf"), ids=lambda p: p.name)
def test_every_corpus_file_ingests(path: Path) -> None:
    [v] = nitf.parse(path.read_bytes(), path.name)
    assert v.headline and v.body_html and v.first_published.tzinfo is not None


def _corpus(name: str) -> StoryVersion:
    path = next(p for p in corpus_files("nitf") if p.name == name)
    [v] = nitf.parse(path.read_bytes(), path.name)
    return v


def test_aap() -> None:
    v = _corpus("aap.xml")
    assert v.headline == "The main stories on today's 1900 ABC TV news"
    assert v.spot == "The main stories on today's 1900 ABC TV news"
    assert v.guid == "AAP.115314987.5417374" and v.version == 1 and v.urgency == 5
    assert v.first_published == datetime(2013, 10, 20, 8, 27, 51, tzinfo=UTC)  # 19:27:51 +11:00
    assert v.embargo is None  # date.release equals date.issue: no hold
    assert v.contributors == [Contributor(name="John Doe", role=Role.reporter)]
    assert v.byline_text == "By John Doe"
    assert v.dateline == "Sydney" and v.language == "en"
    assert v.subjects == [Concept(name="law enforcement", code="subj:02003001"),
                          Concept(name="investigation", code="subj:02003002")]
    assert v.body_html.startswith("<p>The main stories on ABC television's 1900 news:</p>")
    assert "A massive 27% swing for labor in the NSW seat of Miranda." in v.body_text
    assert "<p></p>" not in v.body_html  # the file's empty paragraphs are dropped
    assert "Bells <br>Line of Road" in v.body_html


def test_aap_1() -> None:
    v = _corpus("aap-1.xml")
    assert v.headline == "F1 Test" and v.spot == "Test" and v.body_html == "<p>Bogus</p>"
    assert v.subjects == [Concept(name="15039001", code="subj:15039001")]  # no label in the file
    assert v.contributors[0].name == "John Doe" and v.dateline == "Sydney"
    assert v.first_published == datetime(2013, 10, 20, 8, 27, 51, tzinfo=UTC)


def test_ap() -> None:
    v = _corpus("ap.xml")
    assert v.headline == "Can trading pollution like stocks help fight climate change?"
    assert v.spot == ""  # the hl2 only repeats the headline
    assert v.subheadline is None  # likewise
    # the byline's free text as sent, the name taken from it, byttl as the job title
    assert v.byline_text == "By BERNARD CONDON"
    assert v.contributors == [Contributor(name="BERNARD CONDON", role=Role.reporter, title="AP Business Writer")]
    assert v.dateline == "NEW YORK" and v.language == "en" and v.urgency == 5
    assert v.first_published == datetime(2015, 12, 10, 19, 10, 44, tzinfo=UTC)
    assert v.editor_note == "For global distribution"
    assert v.body_html.startswith("<p>NEW YORK (AP) — The gas produced by hog manure")
    assert "<p>For Roeslein, it's clearly helped, though.</p>" in v.body_html
    # no id-string in the file: source + day + headline (it has no slug)
    assert v.guid == "nitf:AP:2015-12-10:can-trading-pollution-like-stocks-help-fight-climate-change"
    assert _corpus("ap.xml").guid == v.guid


def test_ap_media_text_with_namespace_and_free_text_change_date() -> None:
    v = _corpus("ap-media-text.xml")
    assert v.headline == "BC-BBN--Top Ten"
    assert v.first_published == datetime(2019, 7, 3, 4, 5, 12, tzinfo=UTC)
    assert v.body_html.startswith(
        "<h2>BC-BBN--Top Ten</h2><table><tbody><tr><th>BASEBALL'S TOP TEN</th></tr>")
    row = "<tr><td>McNeil NYM</td><td>72</td><td>271</td><td>37</td><td>95</td><td>.351</td></tr>"
    assert row in v.body_html
    assert "<p>Bell, Pittsburgh, 77; Arenado, Colorado, 67;" in v.body_html
    assert v.contributors == [] and v.language == "en"


def test_efe() -> None:
    v = _corpus("efe.xml")
    assert v.headline == "Honduran president announces Cabinet changes"
    assert v.subheadline == "HONDURAS GOVERNMENT" and v.byline_text == "gr/bp"
    assert v.spot == "Test Abstract" and v.body_html == "<p>Tegucigalpa, Jan 2 (EFE).- Test body.</p>"
    assert v.guid == "22751909" and v.pubstatus == PubStatus.usable and v.urgency == 5
    assert v.language == "en-US"
    assert v.first_published == v.version_created == datetime(2017, 1, 2, 22, 28, tzinfo=UTC)
    assert v.subjects == [Concept(name="Executive (government)", code="subj:11006005"),
                          Concept(name="GOVERNMENT", code="EFE:F01001000")]
    assert v.keywords == ["HONDURAS GOVERNMENT"] and v.places == [Concept(name="Tegucigalpa")]
    assert v.contributors == [Contributor(name="gr/bp")]
    assert v.dateline is None  # only a story.date there


def test_ntb_latin1_norwegian_with_naive_dates() -> None:
    v = _corpus("ntb.xml")
    assert v.headline == "Faktisk.no: Nei, dette dokumentet beskriver ikke FNs Agenda 21 eller Agenda 2030"
    assert v.language == "nb-NO" and v.urgency == 5
    assert v.guid == "faktisk-d9cde75b-256e-4989-b6a3-b8ad27f43a5c_47" and v.version == 48
    assert v.slugline == "faktisk-d9cde75b-256e-4989-b6a3-b8ad27f43a5c"
    assert v.first_published == datetime(2020, 9, 7, 14, 45, 26, tzinfo=UTC)  # no zone given: UTC
    assert v.version_created == datetime(2020, 9, 7, 14, 45, 27, tzinfo=UTC)
    assert v.contributors == [Contributor(name="Geir Molnes / Faktisk.no")]
    assert v.dateline == "Oslo" and v.places == [Concept(name="Norge")]
    assert (v.editor_note or "").startswith("Dette stoffet distribuerer NTB på vegne av Faktisk.no.")
    assert "<h2>Påstand</h2>" in v.body_html and "<li>Én global verdensregjering</li>" in v.body_html
    assert '<a href="https://www.faktisk.no/faktasjekker/a0G" rel="noopener noreferrer">Faktisk.no</a>' \
        in v.body_html
    assert "&lt;script async defer" in v.body_html and "<script" not in v.body_html  # text, not markup
    assert v.photos == []  # its one picture is an NTB-internal id, not a URL


def test_nitf_inside_newsml_g2_via_parse_nitf_element() -> None:
    listing = iptc("newsml-g2", "examples", "LISTING_25_An_NITF_marked-up_article_conveyed_in_inlineXML.xml")
    root = parse_xml(listing.read_bytes(), "l25.xml")
    [element] = root.xpath("//n:nitf", namespaces=NS)
    when = datetime(2008, 6, 2, 12, 0, tzinfo=UTC)
    v = nitf.parse_nitf_element(element, "l25.xml", defaults={
        "guid": "urn:newsml:example:25", "version": 3, "first_published": when, "headline": "envelope"})
    assert v.headline == "Arizona Diamondbacks (29-23) at Philadelphia Phillies (26-24), 7:05p.m."
    assert v.spot.startswith("A pair of teams coming off big weekend sweeps will square off Tonight")
    assert v.body_text.startswith("(Sports Network) - With the Philadelphia Phillies picking up momentum")
    assert v.contributors == [Contributor(name="Sports Network")]
    assert (v.guid, v.version, v.first_published, v.version_created) == (
        "urn:newsml:example:25", 3, when, when)
    stated = nitf.read_nitf_fields(element, "l25.xml")
    assert stated.keys() == {"headline", "spot", "body_html", "contributors"}


# ---------------------------------------------------------------------------------------- leniency

def test_unnamespaced_older_nitf_with_zoned_dates_and_an_embargo() -> None:
    data = b"""<nitf version="-//IPTC//DTD NITF 3.3//EN" change.date="whenever">
      <head><docdata><doc-id id-string="x-1"/><urgency ed-urg="1"/>
        <date.issue norm="2024-03-01T10:00:00+02:00"/><date.release norm="20240301T120000+0200"/>
        <du-key version="3"/><correction info="Fixes a name"/></docdata></head>
      <body><body.head><hedline><hl1>Flash</hl1><hl2>Second deck</hl2></hedline>
        <byline><person>Ann Author</person><byttl>Photographer</byttl></byline></body.head>
      <body.content><p>Text with <em class="strong">weight</em> and <person>a name</person>.</p>
        <media media-type="image"><media-reference source="https://img.example/1.jpg" alternate-text="A cat"/>
        <media-caption>Cat</media-caption><media-producer>Ann</media-producer></media></body.content></body></nitf>"""
    [v] = nitf.parse(data, "old.xml")
    assert (v.guid, v.version, v.urgency, v.headline, v.subheadline) == ("x-1", 3, 1, "Flash", "Second deck")
    assert v.spot == ""  # only an abstract is the standfirst
    assert v.first_published == datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert v.embargo == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert v.is_correction and v.editor_note == "Fixes a name"
    assert v.contributors == [Contributor(name="Ann Author", role=Role.photographer, title="Photographer")]
    assert v.body_html == "<p>Text with <strong>weight</strong> and a name.</p>"
    assert v.photos == [Photo(href="https://img.example/1.jpg", alt="A cat", caption="Cat", credit="Ann")]


def test_a_body_without_a_headline_lends_its_first_line() -> None:
    [v] = nitf.parse(b"<nitf><body><body.content><p>Only a body here.</p><p>More.</p></body.content>"
                     b"</body></nitf>", "x.xml")
    assert v.headline == "Only a body here." and v.version == 1


# --------------------------------------------------------------------------------------- bad input

def test_malformed_nitf_names_file_and_line() -> None:
    with pytest.raises(FormatError) as err:
        nitf.parse(b"<?xml version='1.0'?>\n<nitf>\n<head>\n<title>cut</head>\n</nitf>", "broken.xml")
    assert err.value.source == "broken.xml" and err.value.line == 4
    assert str(err.value).startswith("broken.xml:4: ")


def test_billion_laughs_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
                       for i in range(1, 10))
            + b"]>\n<nitf><body><body.content><p>&lol9;</p></body.content></body></nitf>")
    with pytest.raises(FormatError, match="entity") as err:
        nitf.parse(bomb, "bomb.xml")
    assert err.value.source == "bomb.xml"


def test_no_headline_and_no_body_is_a_clear_error() -> None:
    with pytest.raises(FormatError, match=r"no headline .* and no body text") as err:
        nitf.parse(b"<nitf>\n<head><docdata><doc-id id-string='e'/></docdata></head>\n"
                   b"<body><body.head/><body.content><p>  </p></body.content></body></nitf>", "empty.xml")
    assert err.value.source == "empty.xml" and err.value.line == 1


def test_another_xml_document_is_not_nitf() -> None:
    with pytest.raises(FormatError, match="not a NITF document: the root element is <newsItem>"):
        nitf.parse(b"<newsItem xmlns='http://iptc.org/std/nar/2006-10-01/'/>", "item.xml")

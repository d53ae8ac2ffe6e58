"""NewsML 1.2: AFP's wire file reads with the values it holds; other shapes of the format; bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsflow.formats import newsml1
from newsflow.formats.base import FormatError
from newsflow.formats.xmlsafe import XMLError
from newsflow.model import Concept, Photo, PubStatus, Role
from tests.formats.conftest import corpus_files


def _afp() -> bytes:
    [path] = [p for p in corpus_files("newsml-1.2") if p.name == "afp.xml"]
    return path.read_bytes()


def test_every_newsml1_corpus_file_has_its_test() -> None:
    assert [p.name for p in corpus_files("newsml-1.2")] == ["afp.xml"]


def test_afp_story() -> None:
    [story] = newsml1.parse(_afp(), "afp.xml")
    assert story.guid == "urn:newsml:afp.com:20140829T135002Z:TX-PAR-FXW86"  # revision ":1" dropped
    assert story.version == 1
    assert story.headline == "Sweden court accepts receivership for Saab carmaker"
    assert story.first_published == story.version_created == datetime(2014, 8, 29, 13, 49, 51, tzinfo=UTC)
    assert (story.language, story.urgency, story.pubstatus) == ("en", 4, PubStatus.usable)
    assert story.dateline == "STOCKHOLM, Aug 29, 2014 (AFP) -"
    assert story.slugline == "Sweden-SAAB"
    assert story.contributors == [] and story.byline == ""  # AFP's file carries no ByLine
    assert [s.code for s in story.subjects] == ["subj:04011002", "subj:04016007", "subj:04000000",
                                                "subj:04016038", "subj:04011000"]  # 04000000 sent 4 times
    assert story.keywords == ["Sweden", "China", "auto", "business", "bankruptcy", "Saab"]
    assert story.related == ["urn:newsml:afp.com:20140829:ccd3ebb1-ff99-452d-a1c2-5dc0fa24c204"]
    assert story.body_text.startswith("A Chinese-owned company set up to take over Saab's assets")
    assert "400 million kroner (43.5 million euros, $57 million)" in story.body_text
    assert story.body_text.endswith("hh/ph/ts/hd")
    assert story.body_html.count("<p>") == 10


PACKAGE = """<?xml version="1.0" encoding="UTF-8"?>
<NewsML Version="1.2">
 <NewsEnvelope><DateAndTime>20200102T100000Z</DateAndTime><Priority FormalName="3"/></NewsEnvelope>
 <NewsItem xml:lang="FR">
  <Identification><NewsIdentifier><ProviderId>example.org</ProviderId><DateId>20200102</DateId>
   <NewsItemId>story-9</NewsItemId><RevisionId PreviousRevision="1" Update="N">2</RevisionId>
  </NewsIdentifier></Identification>
  <NewsManagement><NewsItemType FormalName="News"/><FirstCreated>20200102T080000+0100</FirstCreated>
   <ThisRevisionCreated>  20200102T093000+0100  </ThisRevisionCreated><Status FormalName="Embargoed"/>
   <StatusWillChange><FutureStatus FormalName="Usable"/><DateAndTime>20200102T120000Z</DateAndTime>
   </StatusWillChange></NewsManagement>
  <NewsComponent>
   <Role FormalName="Main"/>
   <NewsLines><HeadLine>Grève des transports</HeadLine><SubHeadLine>Trains et bus à l'arrêt</SubHeadLine>
    <ByLine>By Jeanne Martin</ByLine><DateLine>PARIS, 2 janv.</DateLine><KeywordLine>grève</KeywordLine>
   </NewsLines>
   <DescriptiveMetadata><Language FormalName="fr"/>
    <Location HowPresent="Content"><Property FormalName="City" Value="Lyon"/></Location>
   </DescriptiveMetadata>
   <NewsComponent><Role FormalName="Main Text"/>
    <ContentItem><MediaType FormalName="Text"/><DataContent>Les trains sont restés en gare.

Les bus aussi.</DataContent></ContentItem>
   </NewsComponent>
   <NewsComponent><Role FormalName="Main Photo"/>
    <NewsLines><HeadLine>Quai vide</HeadLine><CreditLine>Agence Exemple</CreditLine></NewsLines>
    <ContentItem Href="https://photos.example.org/quai.jpg"><MediaType FormalName="Photo"/></ContentItem>
    <NewsComponent><Role FormalName="Caption"/>
     <ContentItem><MediaType FormalName="Text"/><DataContent>Un quai vide gare de Lyon.</DataContent>
     </ContentItem>
    </NewsComponent>
   </NewsComponent>
  </NewsComponent>
 </NewsItem>
</NewsML>""".encode()


def test_package_with_text_photo_and_caption() -> None:
    [story] = newsml1.parse(PACKAGE, "package.xml")
    assert story.guid == "urn:newsml:example.org:20200102:story-9" and story.version == 2
    assert story.headline == "Grève des transports" and story.spot == "Trains et bus à l'arrêt"
    assert [(c.name, c.role) for c in story.contributors] == [("Jeanne Martin", Role.reporter)]
    assert story.first_published == datetime(2020, 1, 2, 7, tzinfo=UTC)
    assert story.version_created == datetime(2020, 1, 2, 8, 30, tzinfo=UTC)  # padded, +0100
    assert story.embargo == datetime(2020, 1, 2, 12, tzinfo=UTC) and story.pubstatus == PubStatus.usable
    assert story.urgency == 3  # no Urgency: the envelope's Priority
    assert (story.language, story.dateline, story.keywords) == ("fr", "PARIS, 2 janv.", ["grève"])
    assert story.places == [Concept(name="Lyon")]
    assert story.body_html == "<p>Les trains sont restés en gare.</p><p>Les bus aussi.</p>"
    assert story.photos == [Photo(href="https://photos.example.org/quai.jpg", title="Quai vide",
                                  caption="Un quai vide gare de Lyon.", credit="Agence Exemple")]


def test_withheld_and_canceled_status() -> None:
    for formal, status in (("Withheld", PubStatus.withheld), ("Canceled", PubStatus.canceled)):
        data = _afp().replace(b'"Usable"', f'"{formal}"'.encode())
        assert newsml1.parse(data, "afp.xml")[0].pubstatus == status


def test_malformed_xml_names_file_and_line() -> None:
    data = _afp().replace(b"</NewsLines>", b"</NewsLine>")
    with pytest.raises(XMLError) as caught:
        newsml1.parse(data, "in/afp.xml")
    assert caught.value.line == 48 and str(caught.value).startswith("in/afp.xml:48: ")


def test_entity_bomb_and_external_entity_are_refused(tmp_path: Path) -> None:
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE NewsML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b"\n<NewsML><NewsItem>&b;</NewsItem></NewsML>")
    with pytest.raises(XMLError, match="entity declarations are not accepted"):
        newsml1.parse(bomb, "bomb.xml")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = (b'<?xml version="1.0"?>\n<!DOCTYPE NewsML [<!ENTITY x SYSTEM "' + secret.as_uri().encode()
           + b'">]>\n<NewsML><NewsItem>&x;</NewsItem></NewsML>')
    with pytest.raises(XMLError, match="entity") as caught:
        newsml1.parse(xxe, "xxe.xml")
    assert "TOP-SECRET-VALUE" not in str(caught.value)


def test_wrong_root_is_refused() -> None:
    g2 = b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g" version="1"/>'
    with pytest.raises(FormatError, match=r"not NewsML 1\.x: the root element is <newsItem>"):
        newsml1.parse(g2, "g2.xml")
    with pytest.raises(FormatError, match="root element is <rss>"):
        newsml1.parse(b"<rss><channel/></rss>", "feed.xml")


def test_document_without_items_or_headline_is_refused() -> None:
    with pytest.raises(FormatError, match="holds no NewsItem"):
        newsml1.parse(b'<NewsML Version="1.2"><NewsEnvelope/></NewsML>', "empty.xml")
    headless = _afp().replace(b'<HeadLine xml:lang="en">Sweden court accepts receivership for Saab carmaker'
                              b"</HeadLine>", b"")
    with pytest.raises(FormatError, match=r"^afp\.xml:\d+: NewsItem '.*TX-PAR-FXW86' has no headline$"):
        newsml1.parse(headless, "afp.xml")


def test_unreadable_timestamp_is_a_format_error() -> None:
    data = _afp().replace(b"<FirstCreated>20140829T134951+0000", b"<FirstCreated>soon")
    with pytest.raises(FormatError, match=r"afp\.xml:37: <FirstCreated> holds 'soon'"):
        newsml1.parse(data, "afp.xml")

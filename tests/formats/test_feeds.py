"""Atom and RSS ingest: the WENN Atom wire, invented RSS 2.0 / RSS 1.0 / Atom samples, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsflow.formats import feeds
from newsflow.formats.base import FormatError
from newsflow.model import Contributor, Photo, StoryVersion
from tests.formats.conftest import corpus_files

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
  <channel>
    <title>Harbour Town Courier</title>
    <link>https://courier.example.net/</link>
    <description>Invented local news for tests</description>
    <language>en-GB</language>
    <lastBuildDate>Tue, 04 Mar 2025 09:00:00 GMT</lastBuildDate>
    <item>
      <title>Ferry &amp; tug collide in fog</title>
      <link>https://courier.example.net/ferry-tug</link>
      <guid isPermaLink="false">courier-2025-0042</guid>
      <description>Nobody was hurt when the morning ferry met a tug.</description>
      <content:encoded><![CDATA[<p>The <strong>morning ferry</strong> touched a tug at 7.10.</p>
        <p>Nobody was hurt.</p><script>steal()</script>]]></content:encoded>
      <pubDate>Mon, 03 Mar 2025 07:45:00 +0100</pubDate>
      <author>desk@courier.example.net (Mara Quay)</author>
      <dc:creator>Olu Harbour</dc:creator>
      <category>Local</category>
      <category>Transport</category>
      <enclosure url="https://courier.example.net/img/ferry.jpg" length="12345" type="image/jpeg"/>
      <enclosure url="https://courier.example.net/audio/ferry.mp3" length="999" type="audio/mpeg"/>
      <media:content url="https://courier.example.net/img/tug.png" medium="image">
        <media:title>The tug</media:title>
        <media:description>The tug after the collision</media:description>
        <media:credit>Courier / J. Lens</media:credit>
      </media:content>
    </item>
    <item>
      <description>Plain words only.

A second paragraph &amp; more.</description>
    </item>
  </channel>
</rss>"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://one.example.org/"><title>One</title><link>https://one.example.org/</link>
    <description>RSS 1.0</description><dc:language>de</dc:language></channel>
  <item rdf:about="https://one.example.org/a"><title>Erste Meldung</title><link>https://one.example.org/a</link>
    <description>Kurz.</description><dc:date>2025-02-01T08:00:00+01:00</dc:date><dc:subject>Politik</dc:subject>
  </item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="fr">
  <title>Agence Imaginaire</title><id>urn:example:feed</id><updated>2025-01-10T12:00:00Z</updated>
  <author><name>Desk</name></author>
  <entry>
    <id>urn:example:1</id>
    <title type="html">Le &lt;em&gt;pont&lt;/em&gt; rouvre</title>
    <summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Le pont <b>rouvre</b> lundi.</div>
    </summary>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Travaux <em>finis</em>.</p></div>
    </content>
    <published>2025-01-10T08:00:00+01:00</published><updated>2025-01-10T11:30:00Z</updated>
    <author><name>Luc Rive</name></author><author><name>Ana Pont</name></author>
    <category term="local" label="Locales"/><category term="travaux"/>
    <link rel="alternate" href="https://agence.example.fr/pont"/>
    <link rel="enclosure" type="image/jpeg" href="https://agence.example.fr/pont.jpg" title="Le pont"/>
  </entry>
  <entry xml:lang="en">
    <id>urn:example:2</id><title>Bridge reopens</title>
    <content type="html">&lt;p&gt;Works &lt;b&gt;done&lt;/b&gt;.&lt;/p&gt;</content>
    <updated>2025-01-10T11:45:00Z</updated>
    <media:group><media:content url="https://agence.example.fr/b.jpg" type="image/jpeg"/>
      <media:description>The bridge</media:description></media:group>
  </entry>
</feed>"""


def _wenn() -> list[StoryVersion]:
    path = next(p for p in corpus_files("atom") if p.name == "wenn.xml")
    return feeds.parse(path.read_bytes(), path.name)


def test_wenn_atom_every_entry() -> None:
    first, second = _wenn()
    assert first.guid == "urn:feed-wenn-com:newsfeedarticle:2:2222:1"
    assert first.headline == "Suge Knight involved in fatal hit and run incident"
    # the article is in WENN's own namespace; the Atom <content> is a placeholder
    assert first.spot.startswith("Police officials in Los Angeles are investigating a fatal hit and run")
    assert "This is body content1." not in first.body_html
    assert "lawyer James Blatt confirmed to local news station KABC" in first.body_html
    assert "Rappers Ice Cube, The Game, and Dr. Dre were also on the set" in first.body_html
    assert first.body_html.count("<p>") >= 3
    assert first.first_published == datetime(2015, 1, 30, 0, 33, 6, tzinfo=UTC)
    assert first.version_created == datetime(2015, 1, 30, 2, 40, 56, tzinfo=UTC)
    assert first.categories == ["Music"] and first.language == "en-GB" and first.version == 1
    assert first.urgency == 5  # priority "med"
    assert first.contributors == [Contributor(name="WENN Newsdesk")]  # inherited from the feed's author
    assert second.guid == "urn:feed-wenn-com:newsfeedarticle:2:2222:3"
    assert second.headline == "Jagged Edge singer Kyle Norman arrested over domestic assault"
    assert "Atlanta Medical Center" in second.body_html
    assert second.first_published == datetime(2015, 1, 29, 21, 58, 32, tzinfo=UTC)
    assert second.categories == ["Music"] and second.contributors == [Contributor(name="WENN Newsdesk")]


def test_rss_2_items() -> None:
    first, second = feeds.parse(RSS, "courier.xml")
    assert first.guid == "courier-2025-0042" and first.headline == "Ferry & tug collide in fog"
    assert first.spot == "Nobody was hurt when the morning ferry met a tug."
    assert first.body_html.startswith("<p>The <strong>morning ferry</strong> touched a tug at 7.10.</p>")
    assert "Nobody was hurt.</p>" in first.body_html and "script" not in first.body_html
    assert first.first_published == datetime(2025, 3, 3, 6, 45, tzinfo=UTC)
    assert first.contributors == [Contributor(name="Mara Quay"), Contributor(name="Olu Harbour")]
    assert first.categories == ["Local", "Transport"] and first.language == "en-GB"
    assert first.photos == [
        Photo(href="https://courier.example.net/img/ferry.jpg"),
        Photo(href="https://courier.example.net/img/tug.png", title="The tug",
              caption="The tug after the collision", credit="Courier / J. Lens")]
    # no title, guid or date: headline from the text, a stable id, the channel's date
    assert second.headline == "Plain words only."
    assert second.body_html == "<p>Plain words only.</p><p>A second paragraph &amp; more.</p>"
    assert second.guid.startswith("feed-") and second.guid == feeds.parse(RSS, "again.xml")[1].guid
    assert second.first_published == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def test_rss_1_rdf() -> None:
    [v] = feeds.parse(RDF, "one.rdf")
    assert (v.guid, v.headline, v.body_html) == ("https://one.example.org/a", "Erste Meldung", "<p>Kurz.</p>")
    assert v.first_published == datetime(2025, 2, 1, 7, 0, tzinfo=UTC)
    assert v.language == "de" and v.categories == ["Politik"]


def test_atom_text_constructs_dates_authors_language_and_pictures() -> None:
    fr, en = feeds.parse(ATOM, "agence.xml")
    assert fr.headline == "Le pont rouvre" and fr.spot == "Le pont rouvre lundi."
    assert fr.body_html == "<p>Travaux <em>finis</em>.</p>"
    assert fr.first_published == datetime(2025, 1, 10, 7, 0, tzinfo=UTC)
    assert fr.version_created == datetime(2025, 1, 10, 11, 30, tzinfo=UTC)
    assert fr.contributors == [Contributor(name="Luc Rive"), Contributor(name="Ana Pont")]
    assert fr.categories == ["Locales", "travaux"] and fr.language == "fr"
    assert fr.photos == [Photo(href="https://agence.example.fr/pont.jpg", title="Le pont")]
    assert en.language == "en" and en.body_html == "<p>Works <b>done</b>.</p>"
    assert en.first_published == datetime(2025, 1, 10, 11, 45, tzinfo=UTC)
    assert en.contributors == [Contributor(name="Desk")]
    assert en.photos == [Photo(href="https://agence.example.fr/b.jpg", caption="The bridge")]


def test_a_single_atom_entry_document() -> None:
    [v] = feeds.parse(b'<entry xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><title>Solo</title>'
                      b"<updated>2025-01-01T00:00:00Z</updated></entry>", "entry.xml")
    assert (v.guid, v.headline, v.body_html) == ("urn:x", "Solo", "")


def test_an_atom_0_3_feed() -> None:
    [v] = feeds.parse(b'<feed xmlns="http://purl.org/atom/ns#" version="0.3"><title>Old</title>'
                      b"<entry><id>urn:old</id><title>Still read</title><issued>2025-01-01T08:00:00Z</issued>"
                      b"</entry></feed>", "old.xml")
    assert (v.guid, v.headline, v.first_published) == ("urn:old", "Still read", datetime(2025, 1, 1, 8, tzinfo=UTC))


def test_an_atom_feed_without_entries_is_empty() -> None:
    empty_atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet</title></feed>'
    assert feeds.parse(empty_atom, "q.xml") == []
    assert feeds.parse(b"<rss version='2.0'><channel><title>Quiet</title></channel></rss>", "q.rss") == []


def test_a_non_feed_document_is_refused() -> None:
    with pytest.raises(FormatError, match="not an Atom or RSS feed: the root element is <nitf>") as err:
        feeds.parse(b"<?xml version='1.0'?>\n<nitf><body/></nitf>", "story.xml")
    assert err.value.source == "story.xml" and err.value.line == 2


def test_an_entry_with_nothing_to_say_names_itself() -> None:
    with pytest.raises(FormatError, match="feed entry 2 has no title and no text") as err:
        feeds.parse(b"<rss version='2.0'><channel>\n<item><title>ok</title></item>\n"
                    b"<item><link>x</link></item></channel></rss>", "thin.rss")
    assert err.value.line == 3


def test_malformed_and_hostile_feeds() -> None:
    with pytest.raises(FormatError) as err:
        feeds.parse(b"<feed xmlns='http://www.w3.org/2005/Atom'>\n<entry>\n</feed>", "cut.xml")
    assert str(err.value).startswith("cut.xml:3: ")
    bomb = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<rss><channel><item><title>&b;</title></item></channel></rss>")
    with pytest.raises(FormatError, match="entity"):
        feeds.parse(bomb, "bomb.rss")

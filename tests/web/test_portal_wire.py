"""The portal's wire screen: dense rows (labels, thumbnails, times with the zone), filters chosen from
facets with counts, the reading pane and live-row fragments under the story page's entitlement, and
"Download selected" as a zip whose every entry is a story the company may have, safely named, in a
format that validates against IPTC's own schemas."""

from __future__ import annotations

import io
import json
import re
import zipfile

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from newsflow.model import Story
from newsflow.services import Services
from newsflow.web.portal.routes import ZIP_MAX
from newsflow.web.wire_view import zip_name
from tests.formats.conftest import iptc
from tests.formats.test_ninjs import validator
from tests.helpers import jpeg
from tests.web import test_portal
from tests.web.test_portal import Portal, csrf_of, sign_in

HOSTILE = ["../../etc/passwd", "a/b\\c", "..", ".hidden", "x\x00y\x07\n", "https://ex.org/item/1?x=1#y",
           "Zürich/東京 ✓", "CON", " ", "-" * 200]


@pytest.fixture
def portal(services: Services) -> Portal:
    """test_portal's: company A reads the World product, company B the Sports one."""
    return test_portal.portal.__wrapped__(services)


def _rows(html: str) -> list[str]:
    return re.findall(r'<li class="wire-row[^"]*"[\s\S]*?</li>', html)


def test_rows_carry_labels_thumbnail_and_times_with_the_zone(client: TestClient, portal: Portal) -> None:
    media = portal.svc.media.add(jpeg(), filename="quay.jpg")
    portal.publish("Quake hits the coast", "World", urgency=1, slugline="QUAKE-COAST",
                   photos=[{"media_id": media["id"], "alt": "Cracked quay"}])
    portal.publish("Ministers meet again", "World", urgency=3, spot="Talks resume in Geneva.")
    fixed = portal.publish("Bridge opens", "World", urgency=5)
    portal.svc.newsroom.correct(fixed, "The bridge is 2 km long, not 20.")
    sign_in(client, portal.email)
    html = client.get("/portal").text
    rows = {re.search(r'class="wire-headline"[^>]*>([^<]+)<', r).group(1): r for r in _rows(html)}  # type: ignore[union-attr]
    quake, talks, bridge = rows["Quake hits the coast"], rows["Ministers meet again"], rows["Bridge opens"]
    assert "wire-flash" in quake and ">Flash<" in quake and "QUAKE-COAST" in quake
    assert f'src="/media/{media["id"]}/thumbnail"' in quake and 'alt="Cracked quay"' in quake
    assert "wire-urgent" in talks and ">Urgent<" in talks and "Talks resume in Geneva." in talks
    assert ">Correction<" in bridge and "version 2" in bridge and "wire-flash" not in bridge
    assert "<img" not in talks  # no picture, no thumbnail
    # relative time from the server (wire.js refreshes it) and the absolute one with its zone
    ago = r'<time datetime="[^"]+" data-ago>(now|\d+ seconds? ago|in \d+ seconds?|\d+ minutes? ago)</time>'
    assert re.search(ago, quake), quake
    assert re.search(r'class="wire-abs">[^<]*UTC</span>', quake)
    assert "/static/wire.js" in html and 'id="wire-help"' in html and 'id="wire-pane"' in html


def test_filters_are_chosen_from_facets_with_counts(client: TestClient, portal: Portal) -> None:
    portal.publish("Grain deal signed", "World", language="en", dossier="Grain corridor")
    portal.publish("Grain prices fall", "World", language="tr")
    portal.publish("Port strike ends", "World", language="tr", urgency=2)
    portal.publish("Derby ends in a draw", "Sports", language="de")  # company B's: never counted
    sign_in(client, portal.email)
    html = client.get("/portal").text
    form = re.search(r'<form[^>]*class="filters"[\s\S]*?</form>', html)
    assert form, "no filter form"
    language = re.search(r'<select name="language"[\s\S]*?</select>', form.group(0))
    assert language and re.search(r'<option value="tr">tr \(2\)</option>', language.group(0))
    assert re.search(r'<option value="en">en \(1\)</option>', language.group(0))
    assert 'value="de"' not in form.group(0)  # another company's language is not even offered
    category = re.search(r'<select name="category"[\s\S]*?</select>', form.group(0))
    assert category and re.search(r'<option value="World">World \(3\)</option>', category.group(0))
    assert re.search(r'<select name="urgency"', form.group(0))
    assert 'type="search"' not in form.group(0) or "data-wire-search" in form.group(0)
    assert 'list="f-' not in form.group(0)  # no free-text boxes with suggestions any more
    chosen = client.get("/portal", params={"language": "tr"}).text
    assert "Grain prices fall" in chosen and "Grain deal signed" not in chosen
    assert re.search(r'<option value="tr" selected>tr \(2\)</option>', chosen)
    flash_and_urgent = client.get("/portal", params={"urgency": "3"}).text
    assert "Port strike ends" in flash_and_urgent and "Grain prices fall" not in flash_and_urgent


def test_pane_and_row_fragments_answer_only_what_the_story_page_would(client: TestClient, portal: Portal) -> None:
    mine = portal.publish("Ministers meet", "World", body_html="<p>They met at noon.</p>", byline_text="By A. Writer")
    theirs = portal.publish("Derby ends in a draw", "Sports", body_html="<p>Secret sports copy.</p>")
    gone = portal.publish("Rumour spreads", "World", body_html="<p>The rumour in full.</p>", spot="Rumour spot")
    portal.svc.newsroom.kill(gone, "Not confirmed")
    sign_in(client, portal.email)
    pane = client.get(f"/portal/stories/{mine}/pane")
    assert pane.status_code == 200 and "They met at noon." in pane.text and "By A. Writer" in pane.text
    assert "<html" not in pane.text and 'class="copy-text"' in pane.text  # a fragment, with the copy tool
    assert f"/portal/stories/{mine}/download?format=nitf" in pane.text
    assert pane.headers["cache-control"].startswith("private")
    row = client.get(f"/portal/stories/{mine}/row")
    assert row.status_code == 200 and row.text.lstrip().startswith('<li class="wire-row')
    assert f'data-pane="/portal/stories/{mine}/pane"' in row.text
    for path in (f"/portal/stories/{theirs}/pane", f"/portal/stories/{theirs}/row",
                 "/portal/stories/no-such-guid/pane", "/portal/stories/no-such-guid/row"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "Derby" not in r.text and "Secret sports" not in r.text
    # a kill: the pane is gone as the page is; the row says so, with none of the earlier text
    assert client.get(f"/portal/stories/{gone}/pane").status_code == 410
    killed = client.get(f"/portal/stories/{gone}/row")
    assert killed.status_code == 200 and "Killed — do not use" in killed.text and "wire-killed" in killed.text
    assert "The rumour in full." not in killed.text and "Rumour spot" not in killed.text
    assert 'data-pane' not in killed.text and 'class="wire-pick"' not in killed.text
    # reading in the pane counts as opening the story
    assert "Ministers meet" in client.get("/portal/history").text
    client.cookies.clear()
    assert client.get(f"/portal/stories/{mine}/pane", follow_redirects=False).status_code in (303, 401)


def _zip(client: TestClient, guids: list[str], fmt: str = "ninjs", token: str | None = None) -> httpx.Response:
    return client.post("/portal/download", data={"csrf_token": token or "", "format": fmt, "guid": guids})


def test_zip_holds_only_what_the_company_may_download(client: TestClient, portal: Portal) -> None:
    mine = [portal.publish(f"World story {n}", "World") for n in range(3)]
    theirs = portal.publish("Derby ends in a draw", "Sports")
    killed = portal.publish("Rumour spreads", "World")
    portal.svc.newsroom.kill(killed, "Not confirmed")
    sign_in(client, portal.email)
    token = csrf_of(client.get("/portal/bookmarks").text)
    assert _zip(client, mine).status_code == 403  # no CSRF token, no zip
    r = _zip(client, [*mine, theirs, killed, "no-such-guid", mine[0]], token=token)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith('attachment; filename="stories-ninjs-')
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    bodies = [archive.read(name) for name in archive.namelist()]
    assert len(bodies) == 3  # each of mine once, in the order ticked
    assert [json.loads(b)["headlines"][0]["value"] for b in bodies] == [f"World story {n}" for n in range(3)]
    assert not any(b"Derby" in b or b"Rumour" in b for b in bodies)
    only_theirs = _zip(client, [theirs, "no-such-guid"], token=token)
    assert only_theirs.status_code == 404 and "Derby" not in only_theirs.text
    portal.svc.usage.flush()
    assert "downloaded as ninjs" in client.get("/portal/history").text


def test_zip_refuses_bad_requests_naming_the_problem(client: TestClient, portal: Portal) -> None:
    guid = portal.publish("World story", "World")
    sign_in(client, portal.email)
    token = csrf_of(client.get("/portal/bookmarks").text)
    too_many = _zip(client, [guid] + [f"g{n}" for n in range(ZIP_MAX)], token=token)
    assert too_many.status_code == 422 and f"at most {ZIP_MAX}" in too_many.text
    pdf = _zip(client, [guid], fmt="pdf", token=token)
    assert pdf.status_code == 422 and "pdf" in pdf.text
    none = _zip(client, [], token=token)
    assert none.status_code == 422 and "guid" in none.text
    for odd in ("a\x00b", "x" * 5000):
        r = _zip(client, [guid, odd], token=token)
        assert r.status_code == 422 and "not a story id" in r.text


def test_zip_entries_validate_and_are_safely_named(client: TestClient, portal: Portal) -> None:
    for n, guid in enumerate(HOSTILE):
        if guid.strip() and "\x00" not in guid:  # a guid the store accepts
            portal.svc.store.create_story(Story(headline=f"Hostile {n}", categories=["World"]), guid=guid)
            portal.svc.newsroom.publish(guid)
    guids = [g for g in HOSTILE if g.strip() and "\x00" not in g]
    sign_in(client, portal.email)
    token = csrf_of(client.get("/portal/bookmarks").text)
    schemas = {"newsmlg2": ("newsml-g2", "NewsML-G2_2.35-spec-NewsItem-Power.xsd"), "nitf": ("nitf", "nitf-3-6.xsd")}
    for fmt in ("ninjs", "newsmlg2", "nitf"):
        r = _zip(client, guids, fmt=fmt, token=token)
        assert r.status_code == 200, r.text
        archive = zipfile.ZipFile(io.BytesIO(r.content))
        schema = None if fmt == "ninjs" else etree.XMLSchema(etree.parse(str(iptc(*schemas[fmt]))))
        names = archive.namelist()
        assert len(names) == len(guids) == len(set(names))
        for name in names:
            assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) and ".." not in name.split(".")[0], name
            data = archive.read(name)
            if schema is None:
                errors = list(validator("2.2").iter_errors(json.loads(data)))
                assert not errors, errors
            else:
                assert schema.validate(etree.fromstring(data)), schema.error_log


@given(st.text(min_size=1, max_size=300), st.integers(1, 10**6), st.sampled_from(["json", "xml", "txt"]))
def test_zip_names_are_plain_file_names_whatever_the_guid(guid: str, version: int, extension: str) -> None:
    name = zip_name(guid, version, extension)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name), name
    assert "/" not in name and "\\" not in name and len(name) <= 100
    assert name.endswith(f"-v{version}.{extension}")
    assert zip_name(guid + "x", version, extension) != name  # distinct guids, distinct entries

"""Where people see Content Credentials: the newsroom API's media record, the desk's editor and the
portal's story page (one line under the picture, no inline script or style); the files a subscriber
downloads from the media route carry the agency's manifest; a picture read by ingest from beside a
wire file keeps its photographer's manifest like an upload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsflow.provenance import RenditionSigner
from newsflow.provenance.certificates import development_identity
from newsflow.services import Services
from tests.helpers import jpeg
from tests.provenance.conftest import reader, sign_as_photographer
from tests.web import test_portal
from tests.web.test_desk import as_role, guid_of, story_form
from tests.web.test_portal import Portal, sign_in


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'credentials.db'}"  # the media record is the same JSON on both stores


def _signer(services: Services) -> RenditionSigner:
    return next(h for h in services.media.rendition_hooks if isinstance(h, RenditionSigner))


def test_the_media_record_says_what_the_upload_carried(client: TestClient, services: Services,
                                                       staff_headers: dict[str, str], tmp_path: Path) -> None:
    photographer = development_identity(tmp_path / "co-op", "Photo Co-op")
    signed = sign_as_photographer(jpeg(900, 600), photographer, "Ann Lens")
    for data, state, line in [
            (signed, "signed", "signed by Photo Co-op (development) (not a trusted certificate), edited: no edits"),
            (jpeg(), "none", "no credentials")]:
        r = client.post("/v1/newsroom/media", headers=staff_headers, files={"file": ("p.jpg", data, "image/jpeg")},
                        data={"caption": "Quay", "credit": "Ann Lens"})
        assert r.status_code == 201, r.text
        media = r.json()
        assert (media["provenance"]["state"], media["provenance"]["line"]) == (state, line)
        assert client.get(f"/v1/newsroom/media/{media['id']}", headers=staff_headers).json()["provenance"] == \
            media["provenance"]
        preview = client.get(media["renditions"]["preview"]["href"], headers=staff_headers)
        with reader(preview.content, "image/jpeg", _signer(services).identity.anchors) as got:
            assert got.get_validation_state() == "Trusted"


def test_the_desk_shows_the_line_under_the_picture(client: TestClient, services: Services, tmp_path: Path) -> None:
    as_role(client, services, "editor")
    data = story_form(client, headline="Harbour reopens", photo_new_caption="The quay", photo_new_credit="A. L.",
                      photo_new_alt="The quay at dawn")
    photographer = development_identity(tmp_path / "co-op", "Photo Co-op")
    upload = sign_as_photographer(jpeg(900, 600), photographer, "Ann Lens")
    r = client.post("/desk/stories/new", data=data, files={"photo_file": ("quay.jpg", upload, "image/jpeg")},
                    follow_redirects=False)
    page = client.get(f"/desk/stories/{guid_of(r)}").text
    line = re.search(r'<p class="credentials credentials-signed">([^<]*)</p>', page)
    assert line, page
    assert line.group(1) == ("Content Credentials as received: signed by Photo Co-op (development), edited: none "
                             "(certificate not trusted)")
    turkish = client.get(f"/desk/stories/{guid_of(r)}?lang=tr").text
    assert "imzalayan Photo Co-op (development)" in turkish  # the words around the signer are translated


def test_the_portal_shows_the_line_and_serves_signed_files(client: TestClient, services: Services) -> None:
    portal: Portal = test_portal.portal.__wrapped__(services)
    media = services.media.add(jpeg(1200, 800), filename="p.jpg", credit="Agency / P. Hoto")
    guid = portal.publish("Harbour reopens", "World", photos=[
        {"media_id": media["id"], "caption": "The quay", "credit": "Agency / P. Hoto", "alt": "The quay"}])
    sign_in(client, portal.email)
    html = client.get(f"/portal/stories/{guid}").text
    assert '<p class="credentials credentials-none">Content Credentials as received: none</p>' in html
    assert "<script>" not in html and " style=" not in html  # nothing the CSP would block
    download = client.get(f"/media/{media['id']}/preview")
    assert download.status_code == 200
    provenance = _signer(services).provenance(Path(services.media.path(media["id"], "preview")[0]), "image/jpeg")
    assert provenance.state == "signed" and provenance.trusted and provenance.edits == "resized"
    with reader(download.content, "image/jpeg", _signer(services).identity.anchors) as got:
        assert got.get_validation_state() == "Trusted"


def test_an_ingested_picture_keeps_its_manifest_and_says_so(services: Services, tmp_path: Path) -> None:
    from tests.ingest.test_local_media import _nitf, _wire

    photographer = development_identity(tmp_path / "co-op", "Photo Co-op")
    wire = tmp_path / "wire"
    _wire(wire / "photos", "quay.jpg", sign_as_photographer(jpeg(1600, 1000), photographer, "Ann Lens"))
    _wire(wire / "photos", "plain.jpg", jpeg(800, 600))
    path = _wire(wire, "storm.xml", _nitf("exw-c2pa", "photos/quay.jpg", "photos/plain.jpg"))
    services.ingestor.ingest_path(path)
    signed, plain = (services.media.lookup(p.media_id) for p in services.store.get_version("exw-c2pa").photos)
    assert signed["renditions"]["original"]["provenance"]["creator"] == "Ann Lens"
    assert signed["renditions"]["original"]["provenance"]["who"] == "Photo Co-op (development)"
    assert plain["renditions"]["original"]["provenance"]["state"] == "none"
    original, _ = services.media.path(signed["id"], "original")
    with reader(original.read_bytes(), "image/jpeg", _signer(services).identity.anchors,
                photographer.anchors) as got:
        assert got.get_validation_state() == "Trusted"
        parent = next(i for i in got.get_active_manifest()["ingredients"] if i["relationship"] == "parentOf")
    assert parent["title"] == "quay.jpg" and parent["active_manifest"]


def test_every_picture_file_of_every_demo_story_verifies(services: Services) -> None:
    from newsflow.demo import load_demo

    load_demo(services.newsroom, services.media)
    anchors = _signer(services).identity.anchors
    used = {p.media_id for r in services.store.list_stories(limit=1000)
            for p in services.store.get_version(r.guid).photos if p.media_id}
    checked = 0
    for media_id in sorted(used):
        record = services.media.lookup(media_id)
        if record is None or record["kind"] not in ("picture", "graphic"):
            continue
        files = [services.media.path(media_id, name) for name in record["renditions"]]
        files.append((services.media.watermarked(media_id, services.settings.agency_name), "image/jpeg"))
        for path, mimetype in files:
            with reader(path.read_bytes(), mimetype, anchors) as got:
                assert got.get_validation_state() == "Trusted", path
                assert got.get_active_manifest()["signature_info"]["issuer"] == services.settings.agency_name
            checked += 1
    assert checked >= 5  # the demo has pictures: this looked at their files

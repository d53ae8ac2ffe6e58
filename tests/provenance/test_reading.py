"""What an incoming photo's Content Credentials say is kept: read at MediaLibrary.add (every upload and
every ingested picture goes through it), recorded on the original's entry, and the photographer's
manifest stays in the file as the parent of the agency's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsflow.newsroom import MediaError, MediaLibrary
from newsflow.newsroom.location import has_location
from newsflow.provenance import Identity, Provenance, RenditionSigner, provenance_of
from newsflow.provenance.certificates import development_identity
from tests.helpers import jpeg
from tests.newsroom.test_photo_location import photo
from tests.provenance.conftest import AGENCY, reader, sign_as_photographer


@pytest.fixture
def photographer(tmp_path: Path) -> Identity:
    return development_identity(tmp_path / "photographer", "Photo Co-op")


def _stored_manifests(library: MediaLibrary, record: dict[str, Any], *anchors: bytes) -> tuple[str, dict[str, Any]]:
    path, mimetype = library.path(record["id"], "original")
    with reader(path.read_bytes(), mimetype, *anchors) as got:
        return got.get_validation_state(), got.get_active_manifest()


def test_a_photo_without_a_manifest_reads_no_credentials(library: MediaLibrary) -> None:
    record = library.add(jpeg(), filename="plain.jpg", credit="J. P.")
    assert record["renditions"]["original"]["provenance"] == Provenance("none").to_dict()
    assert provenance_of(record).line() == "no credentials"


def test_an_uploaded_photo_keeps_its_valid_manifest(library: MediaLibrary, identity: Identity,
                                                    photographer: Identity) -> None:
    sent = sign_as_photographer(jpeg(1200, 800), photographer, "Ann Lens")
    record = library.add(sent, filename="capture.jpg", credit="Ann Lens / Photo Co-op")
    provenance = provenance_of(record)
    assert provenance is not None
    assert (provenance.state, provenance.signer, provenance.issuer, provenance.creator) == (
        "signed", "Photo Co-op (development)", "Photo Co-op", "Ann Lens")
    assert provenance.actions == ["created"] and not provenance.trusted  # the co-op's root is not trusted here
    assert provenance.line() == "signed by Photo Co-op (development) (not a trusted certificate), edited: no edits"
    # the kept original: the agency's manifest on top, the photographer's (valid) as its parent ingredient
    state, manifest = _stored_manifests(library, record, identity.anchors, photographer.anchors)
    assert state == "Trusted"
    parent = next(i for i in manifest["ingredients"] if i["relationship"] == "parentOf")
    # as the agency's signer saw it: intact, by a root it was not told to trust
    failures = parent["validation_results"]["activeManifest"]["failure"]
    assert [f["code"] for f in failures] == ["signingCredential.untrusted"]
    with reader(sent, "image/jpeg", photographer.anchors) as before:
        assert parent["active_manifest"] == before.get_active_manifest()["label"]


def test_a_root_in_the_trust_setting_makes_an_incoming_signature_trusted(
        tmp_path: Path, identity: Identity, photographer: Identity) -> None:
    from newsflow.newsroom import MediaLibrary as Library
    from newsflow.store import Store

    store = Store(f"sqlite:///{tmp_path / 'trusting.db'}")
    store.migrate()
    library = Library(store, tmp_path / "trusting", rendition_hooks=[
        RenditionSigner(identity, AGENCY, trust=photographer.anchors)])
    record = library.add(sign_as_photographer(jpeg(), photographer, "Ann Lens"), filename="c.jpg")
    assert provenance_of(record).trusted
    assert provenance_of(record).line() == "signed by Photo Co-op (development), edited: no edits"


def test_a_changed_incoming_photo_reads_credentials_invalid(library: MediaLibrary, identity: Identity,
                                                            photographer: Identity) -> None:
    sent = bytearray(sign_as_photographer(jpeg(1200, 800, (90, 90, 20)), photographer, "Ann Lens"))
    sent[-10] ^= 0x55  # someone changed the picture after it was signed
    record = library.add(bytes(sent), filename="edited.jpg", credit="Ann Lens")
    provenance = provenance_of(record)
    assert provenance.state == "invalid" and "assertion.dataHash.mismatch" in provenance.reason
    assert provenance.line().startswith("credentials invalid: ")
    # the agency still vouches for what it sends, and its manifest says it was made from an invalid file
    state, manifest = _stored_manifests(library, record, identity.anchors)
    parent = next(i for i in manifest["ingredients"] if i["relationship"] == "parentOf")
    assert state == "Trusted"
    failures = [f["code"] for f in parent["validation_results"]["activeManifest"]["failure"]]
    assert "assertion.dataHash.mismatch" in failures


def test_removing_the_location_keeps_the_chain_valid(library: MediaLibrary, identity: Identity,
                                                     photographer: Identity) -> None:
    sent = sign_as_photographer(photo("JPEG", size=(640, 480)), photographer, "Ann Lens")
    assert has_location(sent)
    record = library.add(sent, filename="quay.jpg", credit="Ann Lens")
    assert provenance_of(record).state == "signed"  # read as received, before the GPS left the file
    path, _ = library.path(record["id"], "original")
    assert not has_location(path.read_bytes())
    state, manifest = _stored_manifests(library, record, identity.anchors, photographer.anchors)
    assert state == "Trusted"
    actions = next(a["data"]["actions"] for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))
    assert [a["action"] for a in actions] == ["c2pa.opened", "c2pa.edited.metadata", "c2pa.published"]


def test_a_manifest_too_broken_to_carry_refuses_the_upload_naming_it(library: MediaLibrary) -> None:
    # a JUMBF box claiming to be a C2PA manifest store, cut short
    data = jpeg()
    junk = (b"JP" + b"\x00\x01" + b"\x00\x00\x00\x01" + b"\x00\x00\x00\x20jumb" + b"\x00\x00\x00\x18jumdc2pa"
            + b"\x00" * 8)
    segment = b"\xff\xeb" + (len(junk) + 2).to_bytes(2, "big") + junk
    with pytest.raises(MediaError, match=r"'odd.jpg': its Content Credentials cannot be read") as refused:
        library.add(data[:2] + segment + data[2:], filename="odd.jpg")
    assert refused.value.status == 422
    assert list(library.root.iterdir()) == []  # nothing half-written

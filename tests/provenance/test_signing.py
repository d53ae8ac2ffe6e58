"""Every picture rendition the agency sends carries its Content Credentials: verified here with the C2PA
library's own Reader (valid, signed by the configured certificate, the actions taken), a changed file
fails, and a photo's chain leads back to what the agency received."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from newsflow.newsroom import MediaLibrary
from newsflow.provenance import Identity, RenditionSigner, read
from tests.helpers import jpeg
from tests.provenance.conftest import AGENCY, reader

# what each rendition's own manifest says was done (besides c2pa.opened from its parent)
DONE = {"original": ["c2pa.opened", "c2pa.published"], "highres": ["c2pa.opened", "c2pa.resized"],
        "preview": ["c2pa.opened", "c2pa.resized"], "thumbnail": ["c2pa.opened", "c2pa.resized"],
        "watermarked": ["c2pa.opened", "c2pa.edited"]}
PARENT = {"original": "harbour.jpg", "highres": "original.jpg", "preview": "original.jpg", "thumbnail": "original.jpg",
          "watermarked": "preview.jpg"}


def _files(library: MediaLibrary, record: dict[str, Any]) -> dict[str, tuple[bytes, str]]:
    out = {}
    for name in record["renditions"]:
        path, mimetype = library.path(record["id"], name)
        out[name] = (path.read_bytes(), mimetype)
    marked = library.watermarked(record["id"], AGENCY)
    out["watermarked"] = (marked.read_bytes(), "image/jpeg")
    return out


def _assertion(manifest: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(a["data"] for a in manifest["assertions"] if a["label"].startswith(prefix))


def test_every_picture_rendition_is_signed_by_the_agency(library: MediaLibrary, identity: Identity) -> None:
    record = library.add(jpeg(3200, 1800), filename="harbour.jpg", caption="Ferry", credit="Jane Photo")
    files = _files(library, record)
    assert set(files) == set(DONE)
    for name, (data, mimetype) in files.items():
        with reader(data, mimetype, identity.anchors) as got:
            assert got.get_validation_state() == "Trusted", (name, got.get_validation_results())
            manifest = got.get_active_manifest()
        assert manifest["signature_info"]["common_name"] == identity.certificate.subject.rfc4514_string().split(
            "CN=")[1].split(",")[0]
        assert manifest["signature_info"]["issuer"] == AGENCY
        assert manifest["claim_generator_info"][0]["name"] == "Newsflow"
        assert [a["action"] for a in _assertion(manifest, "c2pa.actions")["actions"]] == DONE[name], name
        work = _assertion(manifest, "stds.schema-org.CreativeWork")
        assert work["author"] == [{"@type": "Person", "name": "Jane Photo"}]
        assert work["publisher"] == {"@type": "Organization", "name": AGENCY}
        parent = next(i for i in manifest["ingredients"] if i["relationship"] == "parentOf")
        assert parent["title"] == PARENT[name]
        if name != "original":  # the chain: each rendition's parent carries the agency's manifest before it
            assert parent["active_manifest"]
    # the size the record states is the signed file's
    assert all(record["renditions"][n]["size"] == len(files[n][0]) for n in record["renditions"])


def test_a_signed_file_verifies_only_where_its_root_is_trusted(library: MediaLibrary, identity: Identity) -> None:
    record = library.add(jpeg(), filename="p.jpg", credit="J. P.")
    data, mimetype = _files(library, record)["preview"]
    with reader(data, mimetype) as got:  # no anchors: well formed, but nobody vouches for a development root
        assert got.get_validation_state() == "Valid"
        codes = [f["code"] for f in got.get_validation_results()["activeManifest"]["failure"]]
    assert codes == ["signingCredential.untrusted"]


@pytest.mark.parametrize("where", ["pixels", "metadata"])
def test_a_changed_file_fails_validation(library: MediaLibrary, identity: Identity, where: str) -> None:
    record = library.add(jpeg(1600, 1000, (120, 40, 200)), filename="p.jpg", credit="J. P.")
    data, mimetype = _files(library, record)["preview"]
    changed = bytearray(data)
    if where == "pixels":  # a byte of the entropy-coded image data, just before the end marker
        changed[-10] ^= 0x55
    else:  # a byte of the JFIF header, outside the manifest
        changed[data.index(b"JFIF") + 6] ^= 0x01
    with reader(bytes(changed), mimetype, identity.anchors) as got:
        assert got.get_validation_state() == "Invalid"
        failures = [f["code"] for f in got.get_validation_results()["activeManifest"]["failure"]]
    assert "assertion.dataHash.mismatch" in failures
    provenance = read(bytes(changed), mimetype, RenditionSigner(identity, AGENCY).reading)
    assert provenance.state == "invalid" and "dataHash.mismatch" in provenance.reason
    assert provenance.line().startswith("credentials invalid: assertion.dataHash.mismatch")


@pytest.mark.parametrize(("fmt", "mimetype"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_other_picture_formats_are_signed_without_re_encoding(library: MediaLibrary, identity: Identity, fmt: str,
                                                              mimetype: str) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (900, 600), (10, 200, 90)).save(buf, fmt)
    record = library.add(buf.getvalue(), filename=f"chart.{fmt.lower()}")
    path, _ = library.path(record["id"], "original")
    with reader(path.read_bytes(), mimetype, identity.anchors) as got:
        assert got.get_validation_state() == "Trusted"
    with Image.open(path) as signed, Image.open(buf) as sent:
        assert signed.tobytes() == sent.tobytes()  # the same pixels: a manifest is added, nothing re-encoded
    preview, _ = library.path(record["id"], "preview")
    with reader(preview.read_bytes(), "image/jpeg", identity.anchors) as got:
        actions = [a["action"] for a in _assertion(got.get_active_manifest(), "c2pa.actions")["actions"]]
    assert actions == ["c2pa.opened", "c2pa.resized", "c2pa.transcoded"]


def test_video_and_audio_files_are_left_alone(signer: RenditionSigner, tmp_path: Path) -> None:
    from newsflow.model import ItemKind

    clip = tmp_path / "poster.jpg"
    clip.write_bytes(jpeg())
    assert signer(clip, "preview", {"file": clip.name, "mimetype": "image/jpeg"}, ItemKind.video) is None
    assert clip.read_bytes() == jpeg()


def test_signing_cost_per_photo(library: MediaLibrary, signer: RenditionSigner) -> None:
    """Measured, not a benchmark: the time spent in the signer for a 12 MP photo's four files."""
    spent: list[float] = []

    def timed(*args: Any) -> dict[str, Any] | None:
        started = time.perf_counter()
        try:
            return signer(*args)
        finally:
            spent.append(time.perf_counter() - started)

    library.rendition_hooks[:] = [timed]
    noisy = io.BytesIO()
    Image.effect_noise((4000, 3000), 40).convert("RGB").save(noisy, "JPEG", quality=90)
    library.add(noisy.getvalue(), filename="big.jpg", credit="J. P.")
    library.add(jpeg(1600, 1067), filename="small.jpg", credit="J. P.")
    big, small = sum(spent[:4]) * 1000, sum(spent[4:]) * 1000
    print(f"signing: 12 MP photo (4 files) {big:.0f} ms, 1.7 MP photo (3 files) {small:.0f} ms")
    assert len(spent) == 7 and big < 5000


def test_a_gif_original_is_left_unsigned(signer: RenditionSigner, tmp_path: Path) -> None:
    from newsflow.model import ItemKind

    gif = tmp_path / "original.gif"
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    before = gif.read_bytes()
    assert signer(gif, "original", {"file": gif.name, "mimetype": "image/gif"}, ItemKind.picture) is None
    assert gif.read_bytes() == before


def _after_manifest(data: bytes) -> int:
    """Where a signed JPEG's bytes after its last C2PA (APP11) segment begin."""
    end, at = 2, 2
    while at + 4 <= len(data) and data[at] == 0xFF and data[at + 1] not in (0xDA, 0xD9):
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if data[at + 1] == 0xEB:
            end = at + 2 + length
        at += 2 + length
    return end


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.floats(min_value=0, max_value=1, exclude_max=True), flip=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_after_the_manifest_is_detected(library: MediaLibrary, identity: Identity,
                                                         where: float, flip: int) -> None:
    record = library.add(jpeg(640, 480, (200, 100, 50)), filename="p.jpg", credit="J. P.")
    data = library.path(record["id"], "preview")[0].read_bytes()
    start = _after_manifest(data)
    at = start + int(where * (len(data) - start))
    changed = bytearray(data)
    changed[at] ^= flip
    provenance = read(bytes(changed), "image/jpeg", RenditionSigner(identity, AGENCY).reading)
    assert provenance.state == "invalid", (at, provenance)


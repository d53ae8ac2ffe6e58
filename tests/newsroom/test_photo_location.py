"""Where a photo was taken never reaches a subscriber: GPS leaves EXIF and XMP of the kept original,
everything else of the file stays as it came (issue 10: originals kept GPS EXIF for subscribers)."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from newsflow.newsroom.location import GPS_IFD, has_location, without_location

ARTIST, COPYRIGHT = 0x013B, 0x8298
GPS = {1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 2.0), 5: 0, 6: 3.0}
XMP_ATTRIBUTES = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                  b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"'
                  b' exif:GPSLatitude="52,22.025N" exif:GPSLongitude="4,53.033E" exif:GPSVersionID="2.2.0.0">'
                  b'<dc:creator><rdf:Seq><rdf:li>P. Hoto</rdf:li></rdf:Seq></dc:creator>'
                  b"</rdf:Description></rdf:RDF></x:xmpmeta>")
XMP_ELEMENTS = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                b"<exif:GPSLatitude>52,22.025N</exif:GPSLatitude>\n<exif:GPSAltitude>3/1</exif:GPSAltitude>"
                b"<dc:creator><rdf:Seq><rdf:li>P. Hoto</rdf:li></rdf:Seq></dc:creator>"
                b"</rdf:Description></rdf:RDF></x:xmpmeta>")


def photo(fmt: str, *, gps: bool = True, xmp: bytes | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    for x in range(size[0]):  # some detail, so a re-encoded file would differ from the original
        image.putpixel((x, x % size[1]), (x * 3 % 256, 20, 220))
    exif = Image.Exif()
    exif[ARTIST], exif[COPYRIGHT] = "P. Hoto", "(c) Example Agency"
    if gps:
        exif[GPS_IFD] = GPS
    out = io.BytesIO()
    options: dict[str, object] = {"exif": exif}
    if fmt == "PNG" and xmp:
        info = PngImagePlugin.PngInfo()
        info.add_itxt("XML:com.adobe.xmp", xmp.decode(), zip=True)
        options["pnginfo"] = info
    elif xmp:
        options["xmp"] = xmp
    image.save(out, fmt, **options)
    return out.getvalue()


def _metadata(data: bytes) -> tuple[dict[int, object], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        exif = dict(image.getexif())
        pixels = image.convert("RGB").tobytes()
    return exif, pixels


@settings(max_examples=30, deadline=None)
@given(fmt=st.sampled_from(["JPEG", "PNG", "WEBP"]), gps=st.booleans(),
       xmp=st.sampled_from([None, XMP_ATTRIBUTES, XMP_ELEMENTS]))
def test_no_location_survives_and_nothing_else_changes(fmt: str, gps: bool, xmp: bytes | None) -> None:
    data = photo(fmt, gps=gps, xmp=xmp)
    assert has_location(data) == (gps or xmp is not None)
    cleaned = without_location(data, fmt)
    assert not has_location(cleaned)
    before, after = _metadata(data), _metadata(cleaned)
    assert after[1] == before[1]  # the same pixels: nothing was re-encoded
    assert after[0][ARTIST] == "P. Hoto" and after[0][COPYRIGHT] == "(c) Example Agency"
    if xmp:
        with Image.open(io.BytesIO(cleaned)) as image:
            packet = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
        assert packet and b"P. Hoto" in (packet if isinstance(packet, bytes) else packet.encode())
    if not gps and xmp is None:
        assert cleaned == data  # a file that says nothing of its place is kept byte for byte


def test_a_jpeg_keeps_its_image_data_byte_for_byte() -> None:
    data = photo("JPEG", xmp=XMP_ATTRIBUTES, size=(400, 300))
    cleaned = without_location(data, "JPEG")
    scan = data.index(b"\xff\xda")
    assert cleaned[cleaned.index(b"\xff\xda"):] == data[scan:]
    assert len(cleaned) < len(data)


@pytest.mark.parametrize("fmt,mimetype", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_an_uploaded_original_is_served_without_its_location(client: TestClient, staff_headers: dict[str, str],
                                                              fmt: str, mimetype: str) -> None:
    data = photo(fmt, xmp=XMP_ELEMENTS, size=(640, 480))
    assert has_location(data)
    r = client.post("/v1/newsroom/media", headers=staff_headers,
                    files={"file": (f"quay.{fmt.lower()}", data, mimetype)},
                    data={"caption": "Quay at dawn", "credit": "P. Hoto"})
    assert r.status_code == 201, r.text
    media = r.json()
    original = client.get(media["renditions"]["original"]["href"], headers=staff_headers)
    assert original.status_code == 200 and original.headers["content-type"].startswith(mimetype)
    assert not has_location(original.content)
    assert media["size"] == len(original.content) == int(original.headers["content-length"])
    assert _metadata(original.content)[1] == _metadata(data)[1]
    for name in ("preview", "thumbnail"):
        rendition = client.get(media["renditions"][name]["href"], headers=staff_headers)
        assert rendition.status_code == 200 and not has_location(rendition.content)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=st.binary(min_size=1, max_size=64))
def test_junk_metadata_neither_breaks_the_upload_nor_keeps_the_location(junk: bytes) -> None:
    # an APP1 segment whose EXIF is not TIFF at all, in front of the real one
    data = photo("JPEG")
    start = data.index(b"\xff\xe1")
    bogus = b"Exif\x00\x00" + b"XX" + junk
    broken = data[:start] + b"\xff\xe1" + len(bogus + b"..").to_bytes(2, "big") + bogus + data[start:]
    cleaned = without_location(broken, "JPEG")
    assert not has_location(cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (64, 48)

"""Taking the place a photo was taken out of its metadata, before anyone downloads its original.

A camera or phone writes GPS coordinates into EXIF, and editing tools copy them into XMP: sent to
subscribers, they can tell where a photographer lives or hides. The original is kept byte for byte
otherwise — pixels, IPTC caption and credit, copyright and camera data — so the metadata segments are
edited in place (JPEG APP1, PNG eXIf/iTXt, WebP EXIF/XMP chunks) rather than the image re-encoded.
Only a file whose structure cannot be followed is re-encoded, without any metadata.
"""

from __future__ import annotations

import io
import re
import struct
import zlib

from PIL import ExifTags, Image

GPS_IFD = ExifTags.IFD.GPSInfo
EXIF_HEADER = b"Exif\x00\x00"
XMP_JPEG = b"http://ns.adobe.com/xap/1.0/\x00"
XMP_PNG_KEYWORD = b"XML:com.adobe.xmp"
# any XMP property whose local name starts with GPS (exif:GPSLatitude, Iptc4xmpExt:GPSLongitude, …),
# written as an attribute or as an element
_XMP_ATTRIBUTE = re.compile(rb"\s[\w.-]+:GPS\w*\s*=\s*(?:\"[^\"]*\"|'[^']*')")
_XMP_ELEMENT = re.compile(rb"<([\w.-]+:GPS\w*)\b[^>]*?(?:/>|>.*?</\1\s*>)", re.DOTALL)


class Unfollowable(ValueError):
    """The file's structure is not what its format says; it is re-encoded instead."""


def without_location(data: bytes, image_format: str) -> bytes:
    """`data` with its GPS metadata removed; unchanged when it has none."""
    edit = {"JPEG": _jpeg, "PNG": _png, "WEBP": _webp}.get(image_format)
    if edit is None:  # GIF carries no EXIF
        return data
    try:
        return edit(data)
    except (Unfollowable, struct.error, zlib.error, SyntaxError, ValueError, KeyError):
        return _reencoded(data, image_format)


def has_location(data: bytes) -> bool:
    """Whether a readable image still says where it was taken (EXIF GPS or an XMP GPS property)."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        xmp = image.info.get("xmp") or image.info.get(XMP_PNG_KEYWORD.decode()) or b""
    if isinstance(xmp, str):
        xmp = xmp.encode()
    return bool(exif.get_ifd(GPS_IFD)) or GPS_IFD in exif or bool(
        _XMP_ATTRIBUTE.search(xmp) or _XMP_ELEMENT.search(xmp))


def _exif(tiff: bytes) -> bytes:
    """TIFF-structured EXIF without its GPS directory (same bytes when there is none)."""
    exif = Image.Exif()
    exif.load(tiff)
    if GPS_IFD not in exif:
        return tiff
    del exif[GPS_IFD]
    cleaned = exif.tobytes()[len(EXIF_HEADER):]
    check = Image.Exif()
    check.load(cleaned)
    if GPS_IFD in check:
        raise Unfollowable("GPS directory survived")
    return cleaned


def _xmp(packet: bytes) -> bytes:
    return _XMP_ELEMENT.sub(b"", _XMP_ATTRIBUTE.sub(b"", packet))


def _jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise Unfollowable("no JPEG start")
    out, i = [data[:2]], 2
    while i < len(data):
        if data[i] != 0xFF:
            raise Unfollowable(f"no marker at {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            out.append(data[i:i + 1])
            i += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan: the rest is image data
            out.append(data[i:])
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out.append(data[i:i + 2])
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        payload = data[i + 4:i + 2 + length]
        if len(payload) != length - 2:
            raise Unfollowable("segment runs past the end")
        if marker == 0xE1 and payload.startswith(EXIF_HEADER):
            payload = EXIF_HEADER + _exif(payload[len(EXIF_HEADER):])
        elif marker == 0xE1 and payload.startswith(XMP_JPEG):
            payload = XMP_JPEG + _xmp(payload[len(XMP_JPEG):])
        if len(payload) + 2 > 0xFFFF:
            raise Unfollowable("segment too long")
        out.append(bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload)
        i += 2 + length
    return b"".join(out)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_itxt(body: bytes) -> bytes:
    keyword, rest = body.split(b"\x00", 1)
    if keyword != XMP_PNG_KEYWORD:
        return body
    compressed, method = rest[0], rest[1]
    language, rest = rest[2:].split(b"\x00", 1)
    translated, text = rest.split(b"\x00", 1)
    packet = _xmp(zlib.decompress(text) if compressed else text)
    text = zlib.compress(packet) if compressed else packet
    return b"\x00".join((keyword, bytes((compressed, method)) + language, translated, text))


def _png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise Unfollowable("no PNG signature")
    out, i = [signature], len(signature)
    while i < len(data):
        (length,) = struct.unpack(">I", data[i:i + 4])
        kind, body = data[i + 4:i + 8], data[i + 8:i + 8 + length]
        if len(body) != length:
            raise Unfollowable("chunk runs past the end")
        chunk = data[i:i + 12 + length]
        if kind == b"eXIf":
            chunk = _png_chunk(kind, _exif(body))
        elif kind == b"iTXt":
            chunk = _png_chunk(kind, _png_itxt(body))
        out.append(chunk)
        i += 12 + length
        if kind == b"IEND":
            break
    return b"".join(out)


def _webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Unfollowable("no WebP header")
    out, i = [], 12
    while i + 8 <= len(data):
        kind = data[i:i + 4]
        (length,) = struct.unpack("<I", data[i + 4:i + 8])
        body = data[i + 8:i + 8 + length]
        if len(body) != length:
            raise Unfollowable("chunk runs past the end")
        if kind == b"EXIF":  # some writers keep the JPEG-style header in front of the TIFF data
            header = EXIF_HEADER if body.startswith(EXIF_HEADER) else b""
            body = header + _exif(body[len(header):])
        elif kind == b"XMP ":
            body = _xmp(body)
        out.append(kind + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2))
        i += 8 + length + length % 2
    chunks = b"".join(out)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def _reencoded(data: bytes, image_format: str) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        out = io.BytesIO()
        options = {"quality": 95} if image_format in ("JPEG", "WEBP") else {}
        image.save(out, image_format, **options)
    return out.getvalue()

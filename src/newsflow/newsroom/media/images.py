"""Pictures and graphics: read an upload with Pillow, and scale it to the JPEG renditions.

The same scaling makes the poster frame renditions of a video (`newsroom.media.av` hands over the
frame as a Pillow image).
"""

from __future__ import annotations

import io

from PIL import Image, ImageOps, UnidentifiedImageError

from newsflow.newsroom.media.errors import MediaError

# Pillow's name for a format -> (mimetype, file extension of the original)
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
           "GIF": ("image/gif", "gif")}
# Renditions made from a picture: (name, longest side in pixels). `highres` only when the original is
# larger (a copy the same size as the original would only cost disk); the others always.
HIGHRES = ("highres", 3000)
SCALED = (("preview", 1280), ("thumbnail", 320))
# Refuse decompression bombs from the header, before any pixel is decoded: a 10 KB PNG can declare
# 80 megapixels, and decoding plus resizing that costs ~600 MB (NEWSFLOW_MAX_IMAGE_MEGAPIXELS).
MAX_PIXELS = 40_000_000
JPEG_OPTIONS = {"quality": 85, "optimize": True, "progressive": True}


def is_image(head: bytes) -> bool:
    """Whether the first bytes of a file are one of the picture formats (not proof: `open_image` checks)."""
    try:
        with Image.open(io.BytesIO(head)) as probe:
            return probe.format in FORMATS
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        return False


def open_image(data: bytes, filename: str, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """The decoded picture, or MediaError: 415 for a file that is not a picture Newsflow takes, 413 for
    one with more pixels than `max_pixels` (checked from the header, before decoding)."""
    try:
        probe = Image.open(io.BytesIO(data))
        if probe.format not in FORMATS:
            raise MediaError(f"{filename!r} is {probe.format}; upload JPEG, PNG, WebP or GIF", 415)
        if probe.width * probe.height > max_pixels:
            raise MediaError(f"{filename!r} is {probe.width}x{probe.height} pixels; the limit is "
                             f"{max_pixels / 1e6:g} megapixels (NEWSFLOW_MAX_IMAGE_MEGAPIXELS)", 413)
        probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except MediaError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise MediaError(f"{filename!r} is not an image Newsflow can read ({exc})", 415) from None


def upright(image: Image.Image) -> Image.Image:
    """The picture turned as its camera meant (EXIF orientation), in RGB for JPEG."""
    return ImageOps.exif_transpose(image).convert("RGB")


def sizes_for(image: Image.Image) -> list[tuple[str, int]]:
    """The scaled renditions a picture of this size gets, largest first."""
    wanted = list(SCALED)
    if max(image.width, image.height) > HIGHRES[1]:
        wanted.insert(0, HIGHRES)
    return wanted


def scaled_jpeg(image: Image.Image, side: int) -> Image.Image:
    """A copy whose longest side is at most `side` (never enlarged)."""
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy

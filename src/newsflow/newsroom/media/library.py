"""Photos: validate an upload, keep the original, make thumbnail and preview renditions."""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from newsflow.errors import FieldError, NotFound
from newsflow.model import utcnow
from newsflow.newsroom.location import without_location
from newsflow.private import private_dir
from newsflow.store import Store

# (name, longest side in pixels); "original" is kept as uploaded, less where it was taken.
RENDITIONS = (("thumbnail", 320), ("preview", 1280))
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
           "GIF": ("image/gif", "gif")}
# Refuse decompression bombs from the header, before any pixel is decoded: a 10 KB PNG can declare
# 80 megapixels, and decoding plus resizing that costs ~600 MB (NEWSFLOW_MAX_IMAGE_MEGAPIXELS).
MAX_PIXELS = 40_000_000


class MediaError(FieldError):
    """An upload that is not a usable image; `status` is the HTTP status that fits (413, 415)."""

    def __init__(self, message: str, status: int = 422, field: str = "file") -> None:
        super().__init__(field, message)
        self.status = status


@dataclass(frozen=True)
class MediaLibrary:
    store: Store
    root: Path
    max_bytes: int = 20 * 2**20
    max_pixels: int = MAX_PIXELS

    def add(self, data: bytes, *, filename: str, caption: str = "", credit: str = "") -> dict[str, Any]:
        if len(data) > self.max_bytes:
            raise MediaError(f"{filename!r} is {len(data):,} bytes; the limit is {self.max_bytes:,}", 413)
        image = _open(data, filename, self.max_pixels)
        content_type, ext = FORMATS[image.format or ""]
        media_id = secrets.token_hex(10)
        folder = self.root / media_id
        private_dir(self.root)
        folder.mkdir(exist_ok=False)
        try:
            # the place it was taken never reaches a subscriber (newsroom.location)
            original = without_location(data, image.format or "")
            (folder / f"original.{ext}").write_bytes(original)
            renditions = {"original": {"file": f"original.{ext}", "mimetype": content_type,
                                       "width": image.width, "height": image.height}}
            upright = ImageOps.exif_transpose(image).convert("RGB")
            for name, side in RENDITIONS:
                copy = upright.copy()
                copy.thumbnail((side, side), Image.Resampling.LANCZOS)
                copy.save(folder / f"{name}.jpg", "JPEG", quality=85, optimize=True, progressive=True)
                renditions[name] = {"file": f"{name}.jpg", "mimetype": "image/jpeg",
                                    "width": copy.width, "height": copy.height}
            self.store.add_media(id=media_id, filename=filename[:300], content_type=content_type,
                                 width=image.width, height=image.height, size=len(original), caption=caption,
                                 credit=credit, renditions=renditions, created=utcnow())
        except BaseException:
            # nothing half-written: no files without a row
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
            raise
        return self.store.get_media(media_id)

    def lookup(self, media_id: str) -> dict[str, Any] | None:
        """The media record, or None (what renderers need to describe renditions)."""
        try:
            return self.store.get_media(media_id)
        except NotFound:
            return None

    def path(self, media_id: str, rendition: str) -> tuple[Path, str]:
        record = self.store.get_media(media_id)
        info = record["renditions"].get(rendition)
        if info is None:
            raise MediaError(f"{rendition!r} is not one of {', '.join(record['renditions'])}", 404, "rendition")
        return self.root / media_id / info["file"], info["mimetype"]


    def watermarked(self, media_id: str, text: str) -> Path:
        """The preview with `text` (the agency's name) across its lower corner, for the public site.

        Made on first request and kept beside the other renditions; the file name carries a hash of
        the text, so renaming the agency makes new files instead of serving stale ones.
        """
        source, _ = self.path(media_id, "preview")
        digest = hashlib.sha256(text.encode()).hexdigest()[:10]
        target = source.with_name(f"watermarked-{digest}.jpg")
        if target.exists():
            return target
        with Image.open(source) as opened:
            image = opened.convert("RGBA")
        size = max(12, image.width // 24)
        font = ImageFont.load_default(size=size)
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        margin = size // 2
        x, y = image.width - (right - left) - 2 * margin, image.height - (bottom - top) - 2 * margin
        draw.rectangle((x - margin, y - margin // 2, image.width, image.height), fill=(0, 0, 0, 90))
        draw.text((x, y - top), text, font=font, fill=(255, 255, 255, 200))
        marked = Image.alpha_composite(image, layer).convert("RGB")
        # written beside and renamed: a reader never gets a half-written file, and two nodes racing
        # both write the same bytes
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
        marked.save(partial, "JPEG", quality=85, optimize=True, progressive=True)
        os.replace(partial, target)
        return target


def _open(data: bytes, filename: str, max_pixels: int = MAX_PIXELS) -> Image.Image:
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

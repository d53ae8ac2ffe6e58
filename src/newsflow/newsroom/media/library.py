"""The media library: take an upload, keep its original, make the renditions of its kind.

- picture and graphic (JPEG, PNG, WebP, GIF, read with Pillow): `original` as uploaded less where it
  was taken (newsroom.location), `highres` (longest side 3000 px, only when the original is larger),
  `preview` (1280) and `thumbnail` (320) as JPEG;
- video (MP4/MOV/WebM, read with ffprobe): `original`, and a poster frame (taken with ffmpeg) as the
  JPEG `preview` and `thumbnail`;
- audio (MP3, M4A/AAC, WAV, Ogg, read with ffprobe): `original`.

What a file is comes from its bytes (Pillow, then ffprobe), never its name. Each upload gets a folder
named by its id; every file of it is written there by `_write_rendition`, the one place a rendition
file is made (and the place `rendition_hooks` run, e.g. to sign a file). Anything that goes wrong
removes the folder, so an upload is either a row with all its files or nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import shutil
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageDraw, ImageFont

from newsflow.errors import NotFound
from newsflow.model import ItemKind, utcnow
from newsflow.newsroom.location import without_location
from newsflow.newsroom.media import av
from newsflow.newsroom.media.errors import MediaError
from newsflow.newsroom.media.images import (
    FORMATS,
    JPEG_OPTIONS,
    MAX_PIXELS,
    is_image,
    open_image,
    scaled_jpeg,
    sizes_for,
    upright,
)
from newsflow.private import private_dir
from newsflow.store import Store

# Called after each rendition file is written, with its path, name, entry (file, mimetype, width,
# height, size, duration) and the media's kind; it may rewrite the file and return a new entry.
RenditionHook = Callable[[Path, str, dict[str, Any], ItemKind], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Upload:
    """What a hook may need beyond the file: the upload's name, the desk's caption and credit, and
    `source`, the file the rendition is made from (the upload as received for the original, the preview
    for the watermarked copy; gone once a video's original has taken its place)."""

    filename: str
    caption: str
    credit: str
    source: Path


# the media being written, for hooks (newsflow.provenance signs each picture naming its credit)
current_upload: ContextVar[Upload | None] = ContextVar("current_upload", default=None)

_CHUNK = 1 << 20
_HEAD = 64 * 1024  # enough of a file for Pillow to name its format
_STAGED = ".upload"


@dataclass(frozen=True)
class MediaLibrary:
    store: Store
    root: Path
    max_bytes: int = 20 * 2**20  # pictures, graphics and audio (NEWSFLOW_MAX_UPLOAD_MB)
    max_pixels: int = MAX_PIXELS
    max_video_bytes: int | None = None  # video (NEWSFLOW_MAX_VIDEO_MB); None: max_bytes
    rendition_hooks: list[RenditionHook] = field(default_factory=list)

    @property
    def video_limit(self) -> int:
        return self.max_bytes if self.max_video_bytes is None else self.max_video_bytes

    @property
    def upload_cap(self) -> int:
        """The most bytes an upload of any kind may have: what a route reads before refusing (413)."""
        return max(self.max_bytes, self.video_limit)

    def add(self, data: bytes | BinaryIO, *, filename: str, caption: str = "", credit: str = "",
            kind: ItemKind | None = None) -> dict[str, Any]:
        """Store an upload (its bytes, or a file open for reading) and return its record.

        `kind` says whether a picture file is a `graphic` (else it is a `picture`); a video or audio
        file is what ffprobe finds. MediaError: 413 over the kind's size limit, 415 for a file of no
        kind Newsflow takes, naming `filename` either way.
        """
        if isinstance(data, bytes | bytearray) and len(data) > self.upload_cap:
            raise self._too_large(filename, len(data), self.upload_cap)
        source: BinaryIO = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        media_id = secrets.token_hex(10)
        folder = self.root / media_id
        private_dir(self.root)
        folder.mkdir(exist_ok=False)
        staged = folder / _STAGED
        uploading = current_upload.set(Upload(filename, caption, credit, staged))
        try:
            size = self._stage(source, staged, filename)
            with staged.open("rb") as f:
                head = f.read(_HEAD)
            if is_image(head):
                values = self._picture(folder, staged, size, filename, kind)
            else:
                values = self._video_or_audio(folder, staged, size, filename)
            staged.unlink(missing_ok=True)
            self.store.add_media(id=media_id, filename=filename[:300], caption=caption, credit=credit,
                                 created=utcnow(), **values)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # nothing half-written: no files without a row
            raise
        finally:
            current_upload.reset(uploading)
        return self.store.get_media(media_id)

    # ---- the kinds ------------------------------------------------------------------------------------

    def _picture(self, folder: Path, staged: Path, size: int, filename: str,
                 kind: ItemKind | None) -> dict[str, Any]:
        if size > self.max_bytes:
            raise self._too_large(filename, size, self.max_bytes, "NEWSFLOW_MAX_UPLOAD_MB")
        data = staged.read_bytes()
        image = open_image(data, filename, self.max_pixels)
        kind = ItemKind.graphic if kind == ItemKind.graphic else ItemKind.picture
        content_type, ext = FORMATS[image.format or ""]
        # the place it was taken never reaches a subscriber (newsroom.location)
        original = without_location(data, image.format or "")
        renditions = {"original": self._write_rendition(
            folder, "original", ext, content_type, kind, lambda path: path.write_bytes(original),
            width=image.width, height=image.height)}
        renditions |= self._stills(folder, upright(image), kind)
        return {"kind": kind.value, "content_type": content_type, "width": image.width, "height": image.height,
                "size": renditions["original"]["size"], "duration": None, "renditions": renditions}

    def _video_or_audio(self, folder: Path, staged: Path, size: int, filename: str) -> dict[str, Any]:
        info = av.probe(staged, filename)
        if info.kind == ItemKind.video and size > self.video_limit:
            raise self._too_large(filename, size, self.video_limit, "NEWSFLOW_MAX_VIDEO_MB")
        if info.kind == ItemKind.audio and size > self.max_bytes:
            raise self._too_large(filename, size, self.max_bytes, "NEWSFLOW_MAX_UPLOAD_MB")
        if info.width and info.height and info.width * info.height > self.max_pixels:
            raise MediaError(f"{filename!r} is {info.width}x{info.height} pixels; the limit is "
                             f"{self.max_pixels / 1e6:g} megapixels (NEWSFLOW_MAX_IMAGE_MEGAPIXELS)", 413)
        renditions = {"original": self._write_rendition(
            folder, "original", info.extension, info.mimetype, info.kind, lambda path: os.replace(staged, path),
            width=info.width, height=info.height, duration=info.duration, codec=info.codec)}
        if info.kind == ItemKind.video:
            frame = av.poster_frame(folder / renditions["original"]["file"], info, filename)
            renditions |= self._stills(folder, frame.convert("RGB"), info.kind)
        return {"kind": info.kind.value, "content_type": info.mimetype, "width": info.width,
                "height": info.height, "size": renditions["original"]["size"], "duration": info.duration,
                "renditions": renditions}

    def _stills(self, folder: Path, image: Image.Image, kind: ItemKind) -> dict[str, dict[str, Any]]:
        """The scaled JPEG renditions of a picture, or of a video's poster frame."""
        out = {}
        wanted = sizes_for(image) if kind in (ItemKind.picture, ItemKind.graphic) else [
            s for s in sizes_for(image) if s[0] != "highres"]
        for name, side in wanted:
            copy = scaled_jpeg(image, side)
            out[name] = self._write_rendition(folder, name, "jpg", "image/jpeg", kind,
                                              lambda path, copy=copy: copy.save(path, "JPEG", **JPEG_OPTIONS),
                                              width=copy.width, height=copy.height)
        return out

    def _write_rendition(self, folder: Path, name: str, ext: str, mimetype: str, kind: ItemKind,
                         write: Callable[[Path], Any], **facts: Any) -> dict[str, Any]:
        """Write one rendition file (`write` puts its bytes at the path) and return its entry for the
        record. Every file of an upload is made here, so `rendition_hooks` see each one."""
        path = folder / f"{name}.{ext}"
        write(path)
        entry: dict[str, Any] = {"file": path.name, "mimetype": mimetype,
                                 **{k: v for k, v in facts.items() if v is not None}}
        for hook in self.rendition_hooks:
            entry = hook(path, name, entry, kind) or entry
        entry["size"] = path.stat().st_size
        return entry

    # ---- upload plumbing ------------------------------------------------------------------------------

    def _stage(self, source: BinaryIO, staged: Path, filename: str) -> int:
        """Copy the upload into its folder, refusing it (413) once it passes the largest limit."""
        size = 0
        with staged.open("wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > self.upload_cap:
                    raise self._too_large(filename, size, self.upload_cap)
                out.write(chunk)
        if size == 0:
            raise MediaError(f"{filename!r} is empty", 422)
        return size

    def _too_large(self, filename: str, size: int, limit: int, setting: str = "") -> MediaError:
        what = f" ({setting})" if setting else ""
        return MediaError(f"{filename!r} is {size:,} bytes; the limit is {limit:,}{what}", 413)

    # ---- reading --------------------------------------------------------------------------------------

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
        marked.save(partial, "JPEG", **JPEG_OPTIONS)
        record = self.store.get_media(media_id)
        making = current_upload.set(Upload(record["filename"], record["caption"], record["credit"], source))
        try:
            for hook in self.rendition_hooks:
                hook(partial, "watermarked", {"file": target.name, "mimetype": "image/jpeg"}, ItemKind(record["kind"]))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            current_upload.reset(making)
        os.replace(partial, target)
        return target

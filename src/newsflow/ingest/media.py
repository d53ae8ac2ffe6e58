"""The media an ingested file points at: relative files beside it go into the media library; media ids
that name another database's photos become remote references again.

A file read from disk (`newsflow ingest PATH`, a watched folder) may name its media relatively
(`<media-reference source="photos/a.jpg">`). Such a reference is read from the file's own folder and
never from outside it: absolute paths, `..`, URLs and symlinks that lead out are refused, a file over
the upload limits is not read. The file goes through the media library like an upload (a picture's
place taken stripped and renditions made, a video or audio file read with ffprobe) and the story
holds its media id. A reference that cannot be used leaves the media object out and says why in the
item's result. A pushed file has no folder: nothing is read.

Nothing is half-written: media added for an item that is not stored (refused, skipped, failed, or a
file that cannot be read at all) are removed again.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path, PurePosixPath

from newsflow.model import Photo, StoryVersion
from newsflow.newsroom import MediaError, MediaLibrary

log = logging.getLogger("newsflow.ingest")


class FolderMedia:
    """Resolves the relative media references of one file read from `folder` (a formats.base.LocalMedia)."""

    def __init__(self, library: MediaLibrary, folder: Path, label: str) -> None:
        self.library = library
        self.folder = folder.resolve()
        self.label = label
        self.added: dict[Path, str] = {}  # file -> media id, so a picture named twice is added once
        self.notes: list[str] = []

    def __call__(self, ref: str, mimetype: str | None = None) -> str | None:
        path = self._inside(ref)
        if path is None:
            return None
        if path in self.added:
            return self.added[path]
        try:
            size = path.stat().st_size
            if size > self.library.upload_cap:  # the library holds each kind to its own limit as it reads
                return self._note(ref, f"{size:,} bytes; the limit is {self.library.upload_cap:,}")
            with path.open("rb") as handle:  # streamed: a video is not read into memory
                record = self.library.add(handle, filename=path.name)
        except OSError as exc:
            return self._note(ref, exc.strerror or str(exc))
        except MediaError as exc:
            return self._note(ref, exc.message)
        self.added[path] = record["id"]
        return str(record["id"])

    def _inside(self, ref: str) -> Path | None:
        """The file `ref` names inside the folder, or None (and a note) when it would lead elsewhere."""
        pure = PurePosixPath(ref.replace("\\", "/"))
        if not pure.parts or pure.is_absolute() or ":" in pure.parts[0] or ".." in pure.parts:
            self._note(ref, "only a path inside the file's own folder is read")
            return None
        path = (self.folder / pure).resolve()  # follows symlinks: one pointing out lands outside
        if not path.is_relative_to(self.folder):
            self._note(ref, "leads out of the file's folder")
            return None
        if not path.is_file():
            self._note(ref, "no such file")
            return None
        return path

    def _note(self, ref: str, why: str) -> None:
        note = f"{self.label}: media {ref!r} left out: {why}"
        log.warning("%s", note)  # the watcher's log says it too
        self.notes.append(note)

    def keep_only(self, stored: set[str]) -> None:
        """Remove the media this file added that no stored item uses."""
        for media_id in set(self.added.values()) - stored:
            remove(self.library, media_id)


def remove(library: MediaLibrary, media_id: str) -> None:
    """A media record and its files, gone (for media added by an ingest that did not store its item)."""
    try:
        library.store.delete_media(media_id)
        shutil.rmtree(library.root / media_id, ignore_errors=True)
    except Exception:  # the item's own outcome stands; the stray is logged for the operator
        log.exception("media %s added by an ingest could not be removed", media_id)


def media_ids(item: StoryVersion) -> set[str]:
    return {p.media_id for p in item.photos if p.media_id}


def foreign_as_remote(item: StoryVersion, held: set[str]) -> tuple[StoryVersion, list[str]]:
    """`item` with every media id this database does not hold (a photo of the Newsflow that sent the
    item) turned back into the remote reference it came with; a media object with nothing remote to
    point at is left out. Also what was left out, for the result."""
    photos: list[Photo] = []
    dropped: list[str] = []
    for photo in item.photos:
        if not photo.media_id or photo.media_id in held:
            photos.append(photo)
        elif photo.href or photo.renditions:
            photos.append(photo.model_copy(update={"media_id": None}))
        else:
            dropped.append(f"media {photo.media_id!r} is not in this media library and has no link to fetch it")
    if len(photos) == len(item.photos) and all(a is b for a, b in zip(photos, item.photos, strict=True)):
        return item, dropped
    return item.model_copy(update={"photos": photos}), dropped

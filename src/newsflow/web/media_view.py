"""How the desk and the portal show a media object: which rendition is its picture (a photo's
preview, a video's poster frame), which file plays, its duration as a clock. Each face passes the
address its own media route gives a rendition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from newsflow.model import ItemKind, Photo
from newsflow.provenance import provenance_of

STILLS = ("preview", "thumbnail")  # the picture shown for a photo, graphic or video, largest first


def clock(seconds: float | None) -> str:
    """A duration as a player shows it: 0:07, 3:25, 1:02:03; empty when unknown."""
    if seconds is None or seconds < 0:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def shown(photo: Photo, record: dict[str, Any] | None, href: Callable[[str], str]) -> dict[str, Any]:
    """What a page needs to show `photo`: kind, `still` (an image address or None), `small` (the
    thumbnail, else the still), `src` and `mimetype` of the file that plays (video, audio),
    `duration` in seconds and as `clock`, every rendition as (name, address), and `credentials`, the
    provenance of a stored picture as received (newsflow.provenance), or None.

    `record` is the media library's record of a stored object (None for a remote one, whose
    renditions the photo itself lists); `href(name)` is the face's address of a stored rendition.
    """
    if photo.media_id and record is not None:
        kind = ItemKind(record.get("kind") or photo.kind)
        files = record.get("renditions") or {}
        links = {name: href(name) for name in files}
        src = links.get("original")
        duration = record.get("duration")
        mimetype = (files.get("original") or {}).get("mimetype") or record.get("content_type")
    else:
        # a remote object: its main file is `href` (the original, else the first rendition offered)
        kind = photo.kind
        links = {r.name: r.href for r in photo.renditions} or ({"original": photo.href} if photo.href else {})
        src = photo.href
        main = next((r for r in photo.renditions if r.href == photo.href), None)
        duration = next((r.duration for r in photo.renditions if r.duration), None)
        mimetype = main.mimetype if main else None
    still = next((links[n] for n in STILLS if n in links), None)
    if still is None and kind in (ItemKind.picture, ItemKind.graphic):
        still = src
    # what the file as received said of itself (newsflow.provenance); None for remote media and others
    provenance = provenance_of(record) if photo.media_id else None
    return {"kind": kind.value, "still": still, "small": links.get("thumbnail") or still,
            "src": src, "mimetype": mimetype, "duration": duration, "clock": clock(duration),
            "renditions": list(links.items()), "credentials": provenance.to_dict() if provenance else None}

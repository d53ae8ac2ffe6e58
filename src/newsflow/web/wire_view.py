"""The wire list both the portal and the desk show (templates/_wire_row.html, static/wire.js): one
row a story, built here from a published version (portal) or the desk's record of a story.

A row holds what a reader scans: time, urgency, sections or slugline, headline, spot, language,
version and the state labels (correction, killed, draft, embargo), and a thumbnail when the story
carries a picture. A killed row shows what the kill version itself carries (the headline
and the notice as spot, no photos), never the earlier text (kill means kill).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from newsflow.formats.base import RenderContext
from newsflow.model import ItemKind, PubStatus, Story, StoryVersion, utcnow
from newsflow.web import i18n, media_view
from newsflow.web.guid_paths import segment

THUMB_KINDS = (ItemKind.picture, ItemKind.graphic, ItemKind.video)  # media with a still to show
FLASH, URGENT = 1, 3  # urgency 1 is a flash; 2 and 3 (bulletin, urgent) are labelled urgent


@dataclass(frozen=True)
class WireRow:
    guid: str
    version: int
    headline: str
    spot: str
    language: str
    dir: str
    categories: tuple[str, ...]
    slugline: str | None
    dossier: str | None
    urgency: int
    time: datetime
    embargo: datetime | None
    state: str  # "usable", "killed", "withheld" (portal); "draft", "published", "withheld", "killed" (desk)
    correction: bool
    href: str  # the story page (portal) or the editor (desk)
    pane: str | None  # the reading pane's fragment, None where the face has none
    thumb: str | None
    thumb_alt: str
    selectable: bool  # a checkbox for "Download selected"

    @property
    def level(self) -> str:
        """"flash", "urgent" or "" — the row's urgency class and label."""
        return "flash" if self.urgency <= FLASH else "urgent" if self.urgency <= URGENT else ""

    @property
    def killed(self) -> bool:
        return self.state == "killed"

    @property
    def held(self) -> bool:
        """Under an embargo still to lift (the page counts down to it)."""
        return self.embargo is not None and self.embargo > utcnow()


def thumbnail(story: Story, ctx: RenderContext, href: Callable[[str, str], str]) -> tuple[str | None, str]:
    """The small picture of a story's first picture, graphic or video still, and its alt text;
    `href(media_id, rendition)` is the face's address of a stored rendition."""
    for photo in story.photos:
        if photo.kind not in THUMB_KINDS:
            continue
        record = ctx.media(photo.media_id) if photo.media_id else None
        view = media_view.shown(photo, record, lambda name, m=photo.media_id or "": href(m, name))
        if view["small"]:
            return view["small"], photo.alt or photo.title or photo.caption or ""
    return None, ""


def portal_row(version: StoryVersion, ctx: RenderContext) -> WireRow:
    """A row of the subscriber's wire for a version the company may see (the caller decided that)."""
    killed = version.pubstatus == PubStatus.canceled
    seg = segment(version.guid)
    thumb, alt = thumbnail(version, ctx, lambda m, name: f"/media/{m}/{name}")  # a kill carries no photos
    return WireRow(
        guid=version.guid, version=version.version, headline=version.headline,
        spot=version.spot, language=version.language, dir=i18n.direction(version.language),
        categories=tuple(version.categories), slugline=version.slugline, dossier=version.dossier,
        urgency=version.urgency, time=version.version_created, embargo=version.embargo,
        state={PubStatus.canceled: "killed", PubStatus.withheld: "withheld"}.get(version.pubstatus, "usable"),
        correction=version.is_correction, href=f"/portal/stories/{seg}",
        pane=None if killed else f"/portal/stories/{seg}/pane", thumb=thumb, thumb_alt=alt,
        selectable=not killed)


def desk_row(guid: str, draft: Story, status: str, version: int, modified: datetime, ctx: RenderContext) -> WireRow:
    """A row of the desk's list: the working copy of any story, whatever its status."""
    thumb, alt = thumbnail(draft, ctx, lambda m, name: f"/desk/media/{m}/{name}")
    return WireRow(
        guid=guid, version=version, headline=draft.headline, spot=draft.spot, language=draft.language,
        dir=i18n.direction(draft.language), categories=tuple(draft.categories), slugline=draft.slugline,
        dossier=draft.dossier, urgency=draft.urgency, time=modified, embargo=draft.embargo, state=status,
        correction=False, href=f"/desk/stories/{segment(guid)}", pane=f"/desk/stories/{segment(guid)}/pane",
        thumb=thumb, thumb_alt=alt,
        selectable=False)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
NAME_STEM = 60  # characters of the guid kept in an entry name


def zip_name(guid: str, version: int, extension: str) -> str:
    """A zip entry name for a story whatever its guid holds (slashes, dots, control characters, any
    script): letters, digits, `.`, `_` and `-` only, never starting with a dot, never a path, and
    distinct for distinct guids (a hash of the guid rides along)."""
    folded = unicodedata.normalize("NFKD", guid).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("_", folded).strip("._-")[:NAME_STEM] or "story"
    digest = hashlib.sha256(guid.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{stem}-{digest}-v{version}.{extension}"

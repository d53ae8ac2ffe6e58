"""The one model of a news story.

Every part of an agency story is its own field (see docs/architecture.md for the mapping to
the seed article). `Story` is what an editor edits; `StoryVersion` is an immutable published
version of it — the same fields plus what the store assigns (guid, version, times, status).
Formats, channels and the web all read these two classes and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from newsflow.sanitize import clean_html, first_unsafe, strip_unsafe


class Role(StrEnum):
    """What a contributor did; a story usually has a reporter and sometimes a writer."""

    reporter = "reporter"
    writer = "writer"
    editor = "editor"
    photographer = "photographer"
    translator = "translator"
    videographer = "videographer"
    producer = "producer"


class PubStatus(StrEnum):
    """IPTC publication status."""

    usable = "usable"
    withheld = "withheld"
    canceled = "canceled"


class EventKind(StrEnum):
    """What a distribution-log event announces."""

    publish = "publish"
    update = "update"
    correct = "correct"
    kill = "kill"
    embargo_lift = "embargo_lift"


class ItemKind(StrEnum):
    """What an item is: IPTC's ninjs `type` values and the NewsML-G2 item classes (ninat:text,
    ninat:picture, …), with `package` for an item that groups others (ninjs `composite`, a NewsML-G2
    packageItem)."""

    text = "text"
    picture = "picture"
    video = "video"
    audio = "audio"
    graphic = "graphic"
    package = "package"


MEDIA_KINDS = (ItemKind.picture, ItemKind.video, ItemKind.audio, ItemKind.graphic)

# IPTC urgency: 1 is a flash, 9 the least urgent; agencies route "routine" copy at 5-6.
URGENCY_LABELS = {1: "flash", 2: "bulletin", 3: "urgent", 4: "priority", 5: "routine", 6: "routine",
                  7: "deferred", 8: "deferred", 9: "background"}

Text = Annotated[str, Field(min_length=1, max_length=1000)]

# The limits the store's columns are sized to: what the model admits, every store can hold, so a story
# never publishes on SQLite (which ignores VARCHAR lengths) and fails on PostgreSQL. The model is the
# one place a limit is set; tests/test_text_clean.py holds every column of the migrated schema that
# keeps a story field to at least its field's limit, on both stores.
GUID_MAX = 255
HEADLINE_MAX = 500
LANGUAGE_MAX = 20
DOSSIER_MAX = 200
# A BCP 47 tag's shape: a primary language subtag, then subtags (region, script, variant) of 2-8.
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
_LANGUAGE_TAG = re.compile(LANGUAGE_PATTERN)


def is_language_tag(tag: str) -> bool:
    """Whether the model takes `tag` as a story's language; parsers ask before they use a wire's tag."""
    return len(tag) <= LANGUAGE_MAX and _LANGUAGE_TAG.match(tag) is not None


# Set by `unsafe_text_stripped`: models built meanwhile strip unsafe characters instead of refusing them.
_stripping: ContextVar[bool] = ContextVar("newsflow_stripping_unsafe_text", default=False)


@contextmanager
def unsafe_text_stripped() -> Iterator[None]:
    """Models built within strip the characters XML 1.0 cannot carry instead of refusing them.

    For ingest (formats.detect.parse): a stray control character in a wire is the sending agency's
    mistake and must not cost the story, whereas an editor is told (422 naming the field) and fixes it.
    """
    token = _stripping.set(True)
    try:
        yield
    finally:
        _stripping.reset(token)


def _xml_text(value: str) -> str:
    bad = first_unsafe(value)
    if bad is None:
        return value
    if _stripping.get():
        return strip_unsafe(value)
    raise PydanticCustomError(
        "unsafe_character", "contains U+{code}, a character XML 1.0 cannot carry (a control character, "
        "NUL, a lone surrogate, U+FFFE or U+FFFF); tab and line breaks are fine", {"code": f"{ord(bad):04X}"})


class Strict(BaseModel):
    """Unknown fields are an error, so a typo in a field name never silently drops data; text that no
    XML format could carry is refused at the door (or stripped, for ingest: `unsafe_text_stripped`).

    CR and LF are allowed in every field, single-line ones (headline) included: XML carries them, its
    writers escape CR, and the stream splits every line break into its own `data:` line."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _xml_safe(cls, value: Any) -> Any:
        # before the field's own checks: a stripped value is then held to min_length and the pattern
        if isinstance(value, str):
            return _xml_text(value)
        if isinstance(value, list):
            cleaned = [_xml_text(item) if isinstance(item, str) else item for item in value]
            # a list entry that was nothing but unsafe characters (stripped, so ingest) goes, not stays empty
            return [new for new, old in zip(cleaned, value, strict=True)
                    if not (isinstance(old, str) and old.strip() and not new.strip())]
        return value


class Contributor(Strict):
    name: Text
    role: Role = Role.reporter
    place: str | None = Field(default=None, max_length=200, description="Where they filed from.")
    title: str | None = Field(default=None, max_length=200,
                              description="Their job title as printed under the byline (NITF byttl).")


class Concept(Strict):
    """A subject, place, person or organisation; `code` is a NewsCode or other URI where known."""

    name: Text
    code: str | None = Field(default=None, max_length=300)


class Rendition(Strict):
    """One file of a remote media object as its sender offers it (stored media have theirs in the
    media library, made on upload)."""

    name: str = Field(min_length=1, max_length=100, description="original, highres, preview, thumbnail, …")
    href: str = Field(max_length=2000, pattern=r"^https?://")
    mimetype: str | None = Field(default=None, max_length=200)
    width: int | None = Field(default=None, ge=1, le=1_000_000)
    height: int | None = Field(default=None, ge=1, le=1_000_000)
    size: int | None = Field(default=None, ge=0, le=2**53, description="Bytes.")
    duration: float | None = Field(default=None, ge=0, le=10**7, description="Seconds, for video and audio.")


class Photo(Strict):
    """One media object of the story — a picture (the usual case, hence the name), a graphic, a video or
    an audio clip — and the words that belong to it in this story.

    Either stored here (`media_id`, with renditions made on upload) or, for ingested wires whose media
    stay with the sending agency, referenced by `href` (its main file) and `renditions` (every file the
    sender offers, kept as sent).
    """

    kind: ItemKind = ItemKind.picture
    media_id: str | None = Field(default=None, min_length=1, max_length=64)
    href: str | None = Field(default=None, max_length=2000, pattern=r"^https?://")
    title: str | None = Field(default=None, max_length=500)
    caption: str = Field(default="", max_length=4000)
    credit: str = Field(default="", max_length=500)
    alt: str | None = Field(default=None, max_length=1000, description="Text for readers who cannot see it.")
    renditions: list[Rendition] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _stored_or_remote(self) -> Photo:
        if self.kind not in MEDIA_KINDS:
            raise ValueError(f"a media object is a {', '.join(MEDIA_KINDS)}, not {self.kind}")
        if not self.href and self.renditions:  # the main file: the original, else the first offered
            main = next((r for r in self.renditions if r.name == "original"), self.renditions[0])
            object.__setattr__(self, "href", main.href)
        if not self.media_id and not self.href:
            raise ValueError("a photo needs media_id (an uploaded image) or href (a remote one)")
        return self


class PackageMember(Strict):
    """One item a package groups, by guid, with what a list shows of it before it is fetched."""

    guid: str = Field(min_length=1, max_length=GUID_MAX)
    kind: ItemKind = ItemKind.text
    headline: str | None = Field(default=None, max_length=HEADLINE_MAX)
    group: str | None = Field(default=None, max_length=200, description="The package's group (main, sidebars, …).")


class Story(Strict):
    """Everything an editor controls about a story."""

    kind: ItemKind = Field(default=ItemKind.text, description="text, or a picture, video, audio, graphic or "
                           "package item (its media in `photos`, its members in `members`).")
    headline: str = Field(min_length=1, max_length=HEADLINE_MAX)
    subheadline: str | None = Field(default=None, max_length=1000, description="Second headline (NITF hl2).")
    spot: str = Field(default="", max_length=2000, description="Summary / standfirst shown in lists.")
    summary: str | None = Field(default=None, max_length=4000,
                                description="The editor's own summary for the public site.")
    body_html: str = Field(default="", max_length=2_000_000)
    categories: list[Text] = Field(default_factory=list, max_length=20)
    dossier: str | None = Field(default=None, max_length=DOSSIER_MAX, description="Running topic grouping stories.")
    contributors: list[Contributor] = Field(default_factory=list, max_length=50)
    byline_text: str | None = Field(default=None, max_length=500,
                                    description="The byline as sent or typed (\"By …\"); empty: built from "
                                                "the reporters' names.")
    tagline: str | None = Field(default=None, max_length=1000, description="End line (NITF tagline).")
    dateline: str | None = Field(default=None, max_length=200, description="Place the story was filed from.")
    photos: list[Photo] = Field(default_factory=list, max_length=200)
    language: str = Field(default="en", max_length=LANGUAGE_MAX, pattern=LANGUAGE_PATTERN)
    urgency: int = Field(default=5, ge=1, le=9)
    embargo: datetime | None = Field(default=None, description="Held from subscribers until this time.")
    subjects: list[Concept] = Field(default_factory=list, max_length=100)
    places: list[Concept] = Field(default_factory=list, max_length=100)
    people: list[Concept] = Field(default_factory=list, max_length=100)
    organisations: list[Concept] = Field(default_factory=list, max_length=100)
    keywords: list[Text] = Field(default_factory=list, max_length=100)
    translation_group: str | None = Field(default=None, max_length=100,
                                          description="Stories sharing this id are translations of each other.")
    related: list[str] = Field(default_factory=list, max_length=100, description="guids of related stories.")
    public: bool = Field(default=False, description="Part of the public portion shown on the website.")
    slugline: str | None = Field(default=None, max_length=200)
    members: list[PackageMember] = Field(default_factory=list, max_length=500,
                                         description="What a package groups, in order.")
    desk_note: str | None = Field(default=None, max_length=4000,
                                  description="Private note for the newsroom (a private edNote): kept for "
                                              "staff, never sent to a subscriber or the public site.")

    @field_validator("body_html")
    @classmethod
    def _sanitize_body(cls, value: str) -> str:
        return clean_html(value)

    @field_validator("embargo")
    @classmethod
    def _embargo_aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("embargo needs a time zone, e.g. 2026-01-02T10:00:00Z")
        return value.astimezone(UTC) if value else None

    @property
    def byline(self) -> str:
        """The byline as sent or typed, else the names of reporters (or of all contributors when no one
        is marked reporter)."""
        if self.byline_text:
            return self.byline_text
        names = [c.name for c in self.contributors if c.role == Role.reporter]
        return ", ".join(names or [c.name for c in self.contributors])

    @property
    def body_text(self) -> str:
        return html_to_text(self.body_html)

    @classmethod
    def from_stored(cls, content: Any) -> Story:
        """A story read back from the store. Rows written before the XML-character rule may carry
        characters the door now refuses: they are stripped, so an old row never becomes unreadable
        (and never takes a whole list down with it)."""
        with unsafe_text_stripped():
            return cls.model_validate(content)


class StoryVersion(Story):
    """One immutable published version: the story plus what the store assigned."""

    guid: str = Field(min_length=1, max_length=GUID_MAX)
    version: int = Field(ge=1)
    pubstatus: PubStatus = PubStatus.usable
    first_published: datetime
    version_created: datetime
    is_correction: bool = False
    editor_note: str | None = None

    @field_validator("first_published", "version_created")
    @classmethod
    def _times_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("times need a time zone")
        return value.astimezone(UTC)

    def embargoed_at(self, now: datetime) -> bool:
        return self.embargo is not None and self.embargo > now

    @property
    def story(self) -> Story:
        # the fields were validated (and the body sanitized) when this version was built
        return Story.model_construct(**{name: getattr(self, name) for name in Story.model_fields})


class Event(BaseModel):
    """One entry of the distribution log. `seq` is the cursor every channel keeps."""

    model_config = ConfigDict(frozen=True)

    seq: int
    kind: EventKind
    guid: str
    version: int
    created: datetime


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|blockquote|div)>|<br\s*/?>", re.I)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_GAPS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Paragraphs of sanitized body HTML as plain text, one blank line between blocks."""
    import html as html_mod

    text = _TAG.sub("", _BLOCK_END.sub("\n\n", html))
    if "&" in text:
        text = html_mod.unescape(text)
    # Written bodies seldom hold a run of spaces or a tab: a regex over every single space of a
    # Unicode body was most of this function's time (the search index calls it for every version).
    if "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _GAPS.sub("\n\n", text).strip() if "\n\n\n" in text else text.strip()


def utcnow() -> datetime:
    return datetime.now(UTC)

"""What every format module shares: the render context, the parse and render errors, and
`render_each`, which keeps one story that cannot be rendered from costing a list all the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from pydantic import ValidationError

from newsflow.model import StoryVersion

log = logging.getLogger("newsflow.formats")


class FormatError(ValueError):
    """Input a parser cannot accept: names the source and, where known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
        self.source, self.line, self.message = source, line, message


class RenderError(ValueError):
    """A version a renderer could not write: names the story, so the one that fails is found."""

    def __init__(self, guid: str, version: int, fmt: str) -> None:
        super().__init__(f"story {guid!r} version {version} could not be rendered as {fmt}")
        self.guid, self.version, self.fmt = guid, version, fmt


class Identified(Protocol):
    """What names a story in a list: a version, a search hit."""

    @property
    def guid(self) -> str: ...

    @property
    def version(self) -> int: ...


T = TypeVar("T", bound=Identified)
R = TypeVar("R")


def render_each(items: Iterable[T], render_one: Callable[[T], R], what: str) -> Iterator[tuple[T, R]]:
    """Each item with what `render_one` made of it, in order. An item whose rendering raises is left out
    and logged with its guid: a list (feed, sitemap, search page) still carries every other story.

    `render_one` must have no effect on the list being built until it returns (build the entry apart,
    then the caller appends it), so a failure leaves no half-written entry behind."""
    for item in items:
        try:
            rendered = render_one(item)
        except Exception:
            log.exception("%s: story %r version %s could not be rendered; left out", what, item.guid, item.version)
            continue
        yield item, rendered


# (a media reference relative to the file being parsed, its mimetype if the file says) -> a stored media id
LocalMedia = Callable[[str, str | None], str | None]
_local_media: ContextVar[LocalMedia | None] = ContextVar("local_media", default=None)


@contextmanager
def local_media(resolver: LocalMedia) -> Iterator[None]:
    """While parsing, relative media references (`<media-reference source="photos/a.jpg">`) are
    handed to `resolver`, set by the ingest channel that knows where the file came from: parsers never
    touch the disk or the network themselves."""
    token = _local_media.set(resolver)
    try:
        yield
    finally:
        _local_media.reset(token)


def local_media_id(ref: str, mimetype: str | None = None) -> str | None:
    """The stored media id for a relative reference of the file being parsed, or None (no resolver,
    no such file, not a usable image): the parser then keeps what else it has of that media object."""
    resolver = _local_media.get()
    return resolver(ref, mimetype) if resolver else None


def _no_media(_media_id: str) -> dict[str, Any] | None:
    return None


@dataclass(frozen=True)
class RenderContext:
    """Facts a renderer needs beyond the story: where links point and who the provider is.

    `media` looks up a stored photo's record (renditions with file, mimetype, width, height);
    rendition links are `{base_url}/media/{media_id}/{rendition}` (web.api.media serves them), item
    links `{base_url}/v1/items/{guid as one percent-encoded segment}`.
    """

    base_url: str = "http://127.0.0.1:8000"
    provider: str = "Newsflow Agency"
    provider_uri: str = "http://127.0.0.1:8000/"
    media: Callable[[str], dict[str, Any] | None] = field(default=_no_media)

    def rendition_href(self, media_id: str, rendition: str) -> str:
        return f"{self.base_url}/media/{media_id}/{rendition}"

    def item_uri(self, guid: str) -> str:
        # one percent-encoded segment, `/` too: a URL guid (`https://…/a?x=1#y`) stays one guid and
        # resolves (web.guid_paths reads it back)
        return f"{self.base_url}/v1/items/{quote(guid, safe='')}"


def clip(text: str | None, limit: int) -> str:
    """Wires sometimes exceed the model's lengths: cut (at a word where one is near) and mark the cut,
    rather than reject the story."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    word = cut.rsplit(" ", 1)[0]
    return (word if len(word) > limit // 2 else cut).rstrip() + "\u2026"


def build_version(fields: dict[str, Any], source: str, what: str, line: int | None = None) -> StoryVersion:
    """Validate parsed fields into a version; a refusal names the source, the part and the field."""
    try:
        return StoryVersion.model_validate(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise FormatError(source, f"{what} is not a usable story: {where}: {err['msg']}", line) from None

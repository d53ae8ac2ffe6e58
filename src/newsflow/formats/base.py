"""What every format module shares: the render context and the parse error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from newsflow.model import StoryVersion


class FormatError(ValueError):
    """Input a parser cannot accept: names the source and, where known, the line."""

    def __init__(self, source: str, message: str, line: int | None = None) -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
        self.source, self.line, self.message = source, line, message


def _no_media(_media_id: str) -> dict[str, Any] | None:
    return None


@dataclass(frozen=True)
class RenderContext:
    """Facts a renderer needs beyond the story: where links point and who the provider is.

    `media` looks up a stored photo's record (renditions with file, mimetype, width, height);
    rendition links are `{base_url}/media/{media_id}/{rendition}`.
    """

    base_url: str = "http://127.0.0.1:8000"
    provider: str = "Newsflow Agency"
    provider_uri: str = "http://127.0.0.1:8000/"
    media: Callable[[str], dict[str, Any] | None] = field(default=_no_media)

    def rendition_href(self, media_id: str, rendition: str) -> str:
        return f"{self.base_url}/media/{media_id}/{rendition}"

    def item_uri(self, guid: str) -> str:
        return f"{self.base_url}/v1/items/{guid}"


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

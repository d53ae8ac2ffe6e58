"""Reading the faces' HTML forms: one place for how a field's text becomes a value."""

from __future__ import annotations

import unicodedata

from starlette.datastructures import FormData


def text(form: FormData, name: str, limit: int = 2000) -> str:
    """The field's text, trimmed and cut at `limit` characters (a file upload counts as empty)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("on", "true", "1", "yes")


def commas(value: str) -> list[str]:
    """"World, Europe ,," -> ["World", "Europe"]."""
    return [part.strip() for part in value.split(",") if part.strip()]


def lines(value: str) -> list[str]:
    """One value per non-blank line."""
    return [line.strip() for line in value.splitlines() if line.strip()]


class Refused(ValueError):
    """A field refused outright rather than trimmed (HTTP 400): `reason` is "too_long" or "control",
    a code the page words in the reader's language."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def line(form: FormData, name: str, limit: int) -> str:
    """A one-line field's text, trimmed; a value over `limit` characters or holding a control character
    (a line break included) is refused, not cut, so nothing half of what was sent is ever stored."""
    value = form.get(name)
    text_ = value.strip() if isinstance(value, str) else ""
    if len(text_) > limit:
        raise Refused(name, "too_long")
    if any(unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff" for c in text_):
        raise Refused(name, "control")
    return text_

"""Reading the faces' HTML forms: one place for how a field's text becomes a value."""

from __future__ import annotations

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

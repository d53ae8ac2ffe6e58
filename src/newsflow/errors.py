"""The errors the core raises; the web layer maps each to one HTTP status, the CLI to an exit code."""

from __future__ import annotations


class NotFound(LookupError):
    """An id that names nothing; the message says which (HTTP 404)."""


class Conflict(ValueError):
    """An action the story's state does not allow, e.g. updating a story never published (HTTP 409)."""


class FieldError(ValueError):
    """A value that is well-formed but unacceptable; names the field (HTTP 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

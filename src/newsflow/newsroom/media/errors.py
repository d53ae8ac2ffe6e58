"""The one error an upload can end in."""

from __future__ import annotations

from newsflow.errors import FieldError


class MediaError(FieldError):
    """An upload Newsflow cannot take; `status` is the HTTP status that fits (413 too large, 415 not a
    kind of file it takes, 422 otherwise)."""

    def __init__(self, message: str, status: int = 422, field: str = "file") -> None:
        super().__init__(field, message)
        self.status = status

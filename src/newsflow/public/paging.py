"""Where a page of the public archive ends: the cursor an "older" link carries, opaque to the reader
(URL-safe base64) and checked on the way back in.

Lists (sections, dossiers, feeds) are keyset-paged on the archive's own order, newest first by
(version_created, guid): the next page is every public story strictly older than the last one shown.
A story published meanwhile sorts before the cursor, so paging on while the archive grows never
skips or repeats a story. Search is ranked by relevance, not by date, so its cursor is a position
among the matches that existed when the first page was read (`until`): later stories are left out,
and the positions do not move as they arrive.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from newsflow.errors import FieldError

FIELD = "before"  # the query parameter every paged public address takes


class BadCursor(FieldError):
    """A cursor this site did not make (or cut short): the page answers 400 and says so."""

    def __init__(self, message: str) -> None:
        super().__init__(FIELD, message)


def _pack(*parts: str) -> str:
    return base64.urlsafe_b64encode("\n".join(parts).encode()).decode().rstrip("=")


def _unpack(token: str, count: int) -> list[str]:
    if not token or len(token) > 2000:
        raise BadCursor("empty or too long to be a cursor of this site")
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, ValueError):
        raise BadCursor("not a cursor of this site (not URL-safe base64 text)") from None
    parts = text.split("\n", count - 1)
    if len(parts) != count:
        raise BadCursor("not a cursor of this site (missing parts)")
    return parts


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadCursor(f"not a cursor of this site (no time in {text[:40]!r})") from None
    if moment.tzinfo is None:
        raise BadCursor("not a cursor of this site (a time without its zone)")
    return moment


@dataclass(frozen=True)
class Cursor:
    """The last story a list page showed; the next page starts strictly after it."""

    version_created: datetime
    guid: str

    def token(self) -> str:
        return _pack(self.version_created.isoformat(), self.guid)

    @classmethod
    def parse(cls, token: str) -> Cursor:
        moment, guid = _unpack(token, 2)
        if not guid:
            raise BadCursor("not a cursor of this site (no story)")
        return cls(_moment(moment), guid)


@dataclass(frozen=True)
class SearchCursor:
    """How far a search has been read: `offset` matches of those published by `until`."""

    until: datetime
    offset: int

    def token(self) -> str:
        return _pack(self.until.isoformat(), str(self.offset))

    @classmethod
    def parse(cls, token: str) -> SearchCursor:
        moment, offset = _unpack(token, 2)
        if not offset.isdigit() or len(offset) > 9:
            raise BadCursor("not a search cursor of this site (no position)")
        return cls(_moment(moment), int(offset))

"""Screening a wire file before anything of it is stored: whatever a hostile or broken file holds, reading
it ends in its stories or in one FormatError that names the file (and the line where it is known) —
never in an exception that would cost the rest of a batch, a push its 4xx or the watcher its life.

The guid of every story is checked here too: it travels in headers (ETag, Content-Disposition), in
URLs (`/v1/items/{guid}`) and in every format, so it may hold only visible ASCII that needs no quoting
in a header — no whitespace or control characters, no quotes, `<`, `>`, backslash or backtick — and no
`.` or `..` path segment. URLs and URNs (`/`, `:`, `?`, `#`, `%`) stay legal.
"""

from __future__ import annotations

import logging
import re
import sys

from newsflow.formats.base import FormatError
from newsflow.formats.detect import parse
from newsflow.model import GUID_MAX, StoryVersion

log = logging.getLogger("newsflow.ingest")

# JSON wires are a handful of levels deep; this refuses a nesting bomb with its line before the
# parser recurses into it (the JSON parser's own limit is a RecursionError, not a message).
MAX_JSON_DEPTH = 100
VERSION_MAX = 2**31 - 1  # the store's version column is a 32-bit integer on PostgreSQL
GUID = re.compile(r"[!#-&(-;=?-\[\]-_a-~]+")
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.S)  # possessive: no backtracking
_LONG_NUMBER = re.compile(rb"\d{%d,}" % (sys.get_int_max_str_digits() + 1)) if sys.get_int_max_str_digits() else None


def read(data: bytes, label: str) -> list[StoryVersion]:
    """The stories of one file, or FormatError saying what is wrong with it."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        _check_json_depth(data, label)
    try:
        items = parse(data, label)
    except FormatError:
        raise
    except RecursionError:
        raise FormatError(label, "nested too deeply to read") from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # Python's guard against quadratic int parsing
            found = _LONG_NUMBER.search(data) if _LONG_NUMBER else None
            raise FormatError(label, f"a number has more than {sys.get_int_max_str_digits()} digits",
                              _line(data, found.start()) if found else None) from None
        raise FormatError(label, f"cannot be read: {exc}") from None
    except Exception as exc:  # a parser's own bug must not cost the batch: the file fails, the cause is logged
        log.exception("%s: the parser failed", label)
        raise FormatError(label, f"cannot be read ({type(exc).__name__}); the server log has the details") from None
    for item in items:
        problem = guid_problem(item.guid)
        if problem:
            raise FormatError(label, f"guid {item.guid!r} {problem}")
        if item.version > VERSION_MAX:
            raise FormatError(label, f"story {item.guid!r}: its version is over {VERSION_MAX}")
    return items


def guid_problem(guid: str) -> str | None:
    """Why `guid` cannot name a story (None: it can)."""
    if len(guid) > GUID_MAX:
        return f"is {len(guid)} characters long; the limit is {GUID_MAX}"
    if not GUID.fullmatch(guid):
        bad = next((c for c in guid if not GUID.fullmatch(c)), "")
        return (f"holds {bad!r}: a guid may hold only visible ASCII characters, without quotes, "
                f"'<', '>', backslash or backtick")
    if any(part in (".", "..") for part in guid.split("/")):
        return "has a '.' or '..' path segment, which a URL would resolve away"
    return None


def _check_json_depth(data: bytes, label: str) -> None:
    depth = 0
    for token in _JSON_TOKEN.finditer(data):
        kind = token.group()[:1]
        if kind in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise FormatError(label, f"JSON nested more than {MAX_JSON_DEPTH} levels deep",
                                  _line(data, token.start()))
        elif kind in (b"]", b"}"):
            depth -= 1


def _line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1

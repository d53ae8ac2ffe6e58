"""Entity tags: one recipe for the tag of a body, one rule for If-None-Match.

The tag is a hash of the exact bytes, so two nodes answer the same page with the same tag. The
header may hold a list of tags, weak ones (W/"…") or `*` (RFC 9110, section 13.1.2: If-None-Match
compares weakly).
"""

from __future__ import annotations

import hashlib


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """True when the client already holds `etag` (answer 304)."""
    if not if_none_match:
        return False
    if if_none_match == etag:  # the usual case, without splitting
        return True
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags

"""The pull feed's hot path: a plain `GET /v1/feed` page answered beneath the framework.

Subscriber systems poll their feed all day, and many poll the same pages. This ASGI layer answers
the plain request — `after`, `limit` and `format` only: no long-poll, no narrowing — with exactly the
bytes the FastAPI route would send, at a fraction of the cost: the key comes from the recent-lookups
memory (`Subscribers.cached_company_for_key`), and a full page, which never changes
(`wire.feed.kept_answer`), has its answer built once per format; a page at the end of the log is read
afresh. Anything else — no key or a bad one, a parameter out of range, a long-poll, a narrowing — goes
on to the route, which validates it all and answers with the same bytes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from newsflow.etags import matches
from newsflow.ops.requests import name_caller
from newsflow.services import Services
from newsflow.store.store import hash_token
from newsflow.wire.feed import MAX_PAGE, build_page, kept_answer, read_page

PATH = "/v1/feed"
FORMATS = ("ninjs", "ninjs3")
_PLAIN = frozenset({b"after", b"limit", b"format"})


def _plain_query(raw: bytes) -> tuple[int, int, str] | None:
    """(after, limit, format) when the query is one the fast path may answer, else None."""
    seen: dict[bytes, bytes] = {}
    for part in raw.split(b"&") if raw else ():
        name, _, value = part.partition(b"=")
        if name not in _PLAIN or name in seen:
            return None
        seen[name] = value
    after, limit = seen.get(b"after", b"0"), seen.get(b"limit", b"20")
    fmt = seen.get(b"format", b"ninjs").decode("latin-1")
    if not (after.isdigit() and limit.isdigit() and len(after) <= 18 and len(limit) <= 3):
        return None
    if fmt not in FORMATS or not 1 <= int(limit) <= MAX_PAGE:
        return None
    return int(after), int(limit), fmt


def _header(scope: dict[str, Any], name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


class FastFeed:
    """Outer ASGI layer: serves plain feed pages itself, hands everything else to `app`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            return await self.app(scope, receive, send)
        query = _plain_query(scope["query_string"])
        auth = _header(scope, b"authorization")
        if query is None or auth is None or auth[:7].lower() != b"bearer ":
            return await self.app(scope, receive, send)
        svc: Services = scope["app"].state.services
        secret = auth[7:].strip().decode("latin-1")
        access = svc.subscribers.cached_company_for_key(secret)
        if access is None or not access.may_use("feed"):
            return await self.app(scope, receive, send)  # the route answers 401 or 403
        key_hash = hash_token(secret)
        if svc.limiter.take(key_hash):
            return await self.app(scope, receive, send)  # still limited there: the route answers 429
        name_caller(scope, access.id, key_hash)
        after, limit, fmt = query
        built = kept_answer(svc.store, access, after, limit, fmt, svc.render_context)
        if built is None:
            page = await asyncio.to_thread(read_page, svc.store, access, after, limit)
            built = build_page(page, fmt, svc.render_context)
            svc.metrics.pulled("feed", page.entries, limit)  # a kept page is full: never counted
        svc.usage.record_answer(access.id, "key:" + key_hash[:12], "feed", fmt, built.served)
        body, etag = built.body, built.etag
        headers = [(b"etag", etag), (b"cache-control", b"private, no-cache")]
        sent = _header(scope, b"if-none-match")
        if sent is not None and matches(sent.decode("latin-1"), etag.decode()):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return None
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return None

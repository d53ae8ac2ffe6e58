"""The public website's answers kept in memory while what the site shows is unchanged.

`PublicSite.snapshot` is the token of "unchanged": it moves on a publish, update or kill on any node
(this node's own at once, the others' through the bus or the log poll), on a rule change and when an
embargo ends; it asks the database nothing per request. Bounded: the least recently asked page goes
first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from newsflow.etags import matches
from newsflow.services import Services
from newsflow.web import i18n

RENDERED_PAGES = 512  # public answers kept in memory, the least recently asked for dropped first
LANGUAGE_MEMORY = 256  # distinct (cookie, Accept-Language) pairs whose language is remembered


Key = tuple[str, bytes, str]  # (path, query string, the reader's language)


class Held:
    """One kept answer: the token it was rendered under, its body and its headers, the ASGI start
    message's list made once (ready to send) and its ETag for revalidation."""

    __slots__ = ("body", "etag", "headers", "snapshot")

    def __init__(self, snapshot: object, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        self.snapshot = snapshot
        self.body = body
        self.headers = headers
        self.etag = next((v.decode() for k, v in headers if k == b"etag"), "")


def _header(scope: Any, name: bytes) -> bytes:
    for k, v in scope["headers"]:
        if k == name:
            return bytes(v)
    return b""


class RenderedPages:
    """Public answers kept as bytes while what the site shows is unchanged (`PublicSite.snapshot`):
    a page is rendered once per publish, update, kill or rule change, not once per reader. The key
    is the address with its query and the reader's language, the only inputs a public page has.

    `ServeRendered` answers held pages before the framework sees the request, from the raw ASGI scope
    (no Request, no Response made: this path is the public site's throughput); the routes render the
    rest and leave them here (`rendered`)."""

    def __init__(self, size: int = RENDERED_PAGES) -> None:
        self.size = size
        self._held: OrderedDict[Key, Held] = OrderedDict()
        self._lock = threading.Lock()
        # the language `i18n.negotiate` picks, by the raw cookie and Accept-Language headers it reads
        # (readers send few distinct pairs); emptied when it grows past LANGUAGE_MEMORY
        self._languages: dict[tuple[bytes, bytes], str] = {}

    def key(self, scope: Any) -> Key:
        query = scope["query_string"]
        if b"lang" in query:  # ?lang= decides the language: asked of i18n every time (and rarely)
            lang = i18n.negotiate(Request(scope))
        else:
            headers = (_header(scope, b"cookie"), _header(scope, b"accept-language"))
            lang = self._languages.get(headers) or self._language(scope, headers)
        return scope.get("root_path", "") + scope["path"], query, lang

    def _language(self, scope: Any, headers: tuple[bytes, bytes]) -> str:
        lang = i18n.negotiate(Request(scope))
        if len(self._languages) >= LANGUAGE_MEMORY:
            self._languages.clear()
        self._languages[headers] = lang
        return lang

    def lookup(self, scope: Any, svc: Services) -> Held | None:
        """The held answer to the request of `scope` when there is one and it is current; the site's
        snapshot is asked only then."""
        key = self.key(scope)
        held = self._held.get(key)
        if held is None or held.snapshot is not svc.public.snapshot():
            return None
        with self._lock:
            if key in self._held:
                self._held.move_to_end(key)
        return held

    def current(self, scope: Any, svc: Services) -> tuple[object, Held | None]:
        """The site's snapshot, and the held answer to the request of `scope` if it was rendered under it."""
        snapshot = svc.public.snapshot()
        key = self.key(scope)
        with self._lock:
            held = self._held.get(key)
            if held is None or held.snapshot is not snapshot:
                return snapshot, None
            self._held.move_to_end(key)
        return snapshot, held

    @staticmethod
    async def send(held: Held, scope: Any, send: Any) -> None:
        """The held answer, or 304 when the reader has it already."""
        if held.etag and matches(_header(scope, b"if-none-match").decode("latin-1") or None, held.etag):
            headers = [(k, v) for k, v in held.headers if k != b"content-length"]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        # a copy: the layers outside add their own headers to the list they are handed
        await send({"type": "http.response.start", "status": 200, "headers": list(held.headers)})
        await send({"type": "http.response.body", "body": held.body})

    def keep(self, scope: Any, snapshot: object, response: Response) -> None:
        # only a whole answer that sets nothing for this reader (a language switch sets a cookie)
        if response.status_code != 200 or not response.body or b"set-cookie" in dict(response.raw_headers):
            return
        key = self.key(scope)
        with self._lock:
            self._held[key] = Held(snapshot, bytes(response.body), list(response.raw_headers))
            self._held.move_to_end(key)
            while len(self._held) > self.size:
                self._held.popitem(last=False)

    def clear(self) -> None:
        """Forget every held answer (what a page shows changed without the site's snapshot moving,
        e.g. a setting changed in a test)."""
        with self._lock:
            self._held.clear()


class ServeRendered:
    """The app's outermost ASGI layer (like the feed's fast path): a GET for a public page held in
    `RenderedPages` and still current is answered from memory; everything else goes on."""

    def __init__(self, app: Any, pages: RenderedPages) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and self.pages._held:
            held = self.pages.lookup(scope, scope["app"].state.services)
            if held is not None:
                return await self.pages.send(held, scope, send)
        return await self.app(scope, receive, send)


class _Kept(Response):
    """A held answer handed back through the framework (a route asked for it)."""

    def __init__(self, held: Held) -> None:
        super().__init__()
        self._held = held

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await RenderedPages.send(self._held, scope, send)


def rendered(request: Request, svc: Services, build: Callable[[], Response]) -> Response:
    """The held answer when it is current, else `build()`'s, kept for the next reader."""
    pages: RenderedPages = request.app.state.public_pages
    snapshot, held = pages.current(request.scope, svc)
    if held is not None:
        return _Kept(held)
    response = build()
    pages.keep(request.scope, snapshot, response)
    return response

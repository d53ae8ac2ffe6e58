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


Held = tuple[object, bytes, list[tuple[bytes, bytes]]]  # (snapshot, body, raw headers)


class RenderedPages:
    """Public answers kept as bytes while what the site shows is unchanged (`PublicSite.snapshot`):
    a page is rendered once per publish, update, kill or rule change, not once per reader. The key
    is the address with its query and the reader's language, the only inputs a public page has.

    `ServeRendered` answers held pages before the framework sees the request; the routes render the
    rest and leave them here (`rendered`)."""

    def __init__(self, size: int = RENDERED_PAGES) -> None:
        self.size = size
        self._held: OrderedDict[tuple[str, str, str], Held] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(request: Request) -> tuple[str, str, str]:
        return request.url.path, request.scope["query_string"].decode("latin-1"), i18n.negotiate(request)

    def current(self, request: Request, svc: Services) -> tuple[object, Response | None]:
        """The site's snapshot, and the held answer to `request` if it was rendered under it."""
        snapshot = svc.public.snapshot()
        key = self.key(request)
        with self._lock:
            held = self._held.get(key)
            if held is None or held[0] is not snapshot:
                return snapshot, None
            self._held.move_to_end(key)
        _, body, headers = held
        etag = next((v.decode() for k, v in headers if k == b"etag"), "")
        response = Response(status_code=304) if etag and matches(request.headers.get("if-none-match"), etag) \
            else Response(body)
        response.raw_headers = [(k, v) for k, v in headers if k != b"content-length" or response.body]
        return snapshot, response

    def keep(self, request: Request, snapshot: object, response: Response) -> None:
        # only a whole answer that sets nothing for this reader (a language switch sets a cookie)
        if response.status_code != 200 or not response.body or b"set-cookie" in dict(response.raw_headers):
            return
        with self._lock:
            self._held[self.key(request)] = (snapshot, bytes(response.body), list(response.raw_headers))
            self._held.move_to_end(self.key(request))
            while len(self._held) > self.size:
                self._held.popitem(last=False)

    def holds(self, request: Request) -> bool:
        return self.key(request) in self._held

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
        if scope["type"] == "http" and scope["method"] == "GET":
            request = Request(scope)
            if self.pages.holds(request):  # worth a snapshot check only when something is held
                _, held = self.pages.current(request, scope["app"].state.services)
                if held is not None:
                    return await held(scope, receive, send)
        return await self.app(scope, receive, send)


def rendered(request: Request, svc: Services, build: Callable[[], Response]) -> Response:
    """The held answer when it is current, else `build()`'s, kept for the next reader."""
    pages: RenderedPages = request.app.state.public_pages
    snapshot, held = pages.current(request, svc)
    if held is not None:
        return held
    response = build()
    pages.keep(request, snapshot, response)
    return response

"""Request-body limits, enforced before a body is read and while it streams in.

Every request that carries a body (a Content-Length above 0, or a chunked one) is sorted into a route
class by its path — JSON API, web form, photo upload, ingest push — each with its own limit (see
`Settings.max_*`). Before a byte of the body is read, the route's credentials are checked from the
headers alone with the same code the route itself uses, so a stranger gets 401 (a web face: its own
"sign in first" answer) whatever they send; then a declared length over the limit is 413. While the
body streams in, its bytes are counted in the wrapped `receive` and the message that crosses the limit
raises a 413 instead of being handed on: nothing past the limit is ever buffered.

This is the outermost layer of the app, so every body passes it (the fast feed and rendered-page
layers answer GETs and never read one).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsflow.config import Settings
from newsflow.services import Services
from newsflow.web import deps
from newsflow.web.account import login
from newsflow.web.api import ingest, subscriber

Guard = Callable[[Request, Services], Awaitable[None]]

_bearer = HTTPBearer(auto_error=False)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the body grows past its limit: FastAPI and Starlette pass an
    HTTPException through body parsing untouched, so the app's own handler answers 413."""


@dataclass(frozen=True)
class RouteClass:
    name: str  # how the 413 names it
    setting: str  # the variable that sets its limit
    limit: Callable[[Settings], int]
    guard: Guard | None = None

    def too_large(self, limit: int) -> HTTPException:
        return BodyTooLarge(413, f"request body over the {limit:,}-byte limit for {self.name} "
                                 f"(set by {self.setting})")


async def _staff(request: Request, svc: Services) -> None:
    await run_in_threadpool(deps.staff, await _bearer(request), svc)


async def _admin(request: Request, svc: Services) -> None:
    user = await run_in_threadpool(deps.staff, await _bearer(request), svc)
    deps.admin(user)


async def _subscriber(request: Request, svc: Services) -> None:
    await run_in_threadpool(subscriber.key_holder, await _bearer(request), svc)


async def _push(request: Request, svc: Services) -> None:
    await ingest.admit(request.headers, svc)


def _face(require: Callable[[Request], Any]) -> Guard:
    async def guard(request: Request, _: Services) -> None:
        await run_in_threadpool(require, request)  # the face's own check: it keeps its answer (303 to sign in)
    return guard


def _upload_limit(settings: Settings) -> int:
    # the file itself is held to its kind's limit by the media library (NEWSFLOW_MAX_UPLOAD_MB, or
    # NEWSFLOW_MAX_VIDEO_MB for video); the form around it (multipart envelope, caption, the desk's
    # story fields) may add up to a form's worth
    return max(settings.max_upload_bytes, settings.max_video_bytes) + settings.max_form_bytes


def _json(guard: Guard | None = None) -> RouteClass:
    return RouteClass("JSON API requests", "NEWSFLOW_MAX_JSON_KB", lambda s: s.max_json_bytes, guard)


def _form(guard: Guard | None = None) -> RouteClass:
    return RouteClass("web forms", "NEWSFLOW_MAX_FORM_KB", lambda s: s.max_form_bytes, guard)


PUSH = RouteClass("ingest pushes", "NEWSFLOW_MAX_INGEST_MB", lambda s: s.max_ingest_bytes, _push)
# a story written on the desk may be as large as one pushed by a partner: the model lets its body
# hold 2,000,000 characters and 200 photos, more than a JSON request's 1 MiB
STORY = RouteClass("newsroom stories", "NEWSFLOW_MAX_INGEST_MB", lambda s: s.max_ingest_bytes, _staff)
MEDIA = RouteClass("photo uploads", "NEWSFLOW_MAX_UPLOAD_MB", _upload_limit, _staff)
DESK = RouteClass("desk forms (with a photo)", "NEWSFLOW_MAX_UPLOAD_MB", _upload_limit,
                  _face(login.require_staff))
# HTML pasted into the desk editor, cleaned and sent back: as large as a story pushed by a partner, and no
# photo (a paste from a word processor carries several times its text in markup)
PASTE = RouteClass("pasted HTML", "NEWSFLOW_MAX_INGEST_MB", lambda s: s.max_ingest_bytes,
                   _face(login.require_staff))
FORM = _form()  # login, logout, subscribe: open to anyone (their CSRF check needs the form)
# (path prefix, class), first match wins; a path under none of them is a plain web form
CLASSES: tuple[tuple[str, RouteClass], ...] = (
    ("/v1/newsroom/media", MEDIA),
    ("/v1/newsroom/stories", STORY),
    ("/v1/newsroom/", _json(_staff)),
    ("/v1/admin/", _json(_admin)),
    ("/v1/queue/", _json(_subscriber)),
    ("/v1/", _json()),
    ("/desk/clean", PASTE),
    ("/desk/", DESK),
    ("/admin/", _form(_face(login.require_admin))),
    ("/portal/", _form(_face(login.require_portal))),
)


def route_class(path: str) -> RouteClass:
    # "/v1/ingest" exactly: a prefix test would also catch a future "/v1/ingestion"
    if path == "/v1/ingest":
        return PUSH
    return next((rc for prefix, rc in CLASSES if path.startswith(prefix)), FORM)


def framing(scope: Scope) -> tuple[bytes | None, bool]:
    """The raw Content-Length (None when absent) and whether the body is chunked: one pass over the
    headers, since every request (the feed's hot path too) comes through here."""
    length, chunked = None, False
    for name, value in scope["headers"]:
        if name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


async def answer(scope: Scope, send: Send, exc: HTTPException) -> None:
    """Answer as the app itself would (its exception handlers: JSON for the API, pages for the faces)."""
    app = scope["app"]
    request = Request(scope)
    handler = next((app.exception_handlers[cls] for cls in type(exc).__mro__ if cls in app.exception_handlers),
                   None)
    if handler is None:
        response: Response = JSONResponse({"error": exc.detail}, exc.status_code, headers=exc.headers)
    elif inspect.iscoroutinefunction(handler):
        response = await handler(request, exc)
    else:
        response = await run_in_threadpool(handler, request, exc)
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class BodyLimit:
    """The outermost ASGI layer: credentials known and the declared length checked before a body is
    read, and the body counted (never buffered past its limit) while it is."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length, chunked = framing(scope)
        if not chunked and (length is None or length == b"0"):
            await self.app(scope, receive, send)  # no body: nothing to limit, nothing to guard
            return
        try:
            # the server has already refused a malformed length; this is a second line of defence
            declared = int(length) if length is not None else None
        except ValueError:
            await answer(scope, send, HTTPException(400, "Content-Length is not a number"))
            return
        svc: Services = scope["app"].state.services
        rc = route_class(scope["path"])
        limit = rc.limit(svc.settings)
        try:
            if rc.guard is not None:
                # a Request over the headers only: a guard that tried to read the body would fail loudly
                await rc.guard(Request(scope), svc)
            if declared is not None and declared > limit:
                raise rc.too_large(limit)
        except HTTPException as exc:
            await answer(scope, send, exc)
            return

        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            if seen > limit:  # a reader that swallowed the first refusal gets it again, never more bytes
                raise rc.too_large(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise rc.too_large(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as exc:  # raised where no handler of the app caught it (e.g. a middleware)
            if started:
                raise
            await answer(scope, send, exc)

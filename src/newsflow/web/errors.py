"""One mapping from core errors to HTTP: a status and a JSON message that names the problem."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.formats.base import RenderError
from newsflow.newsroom.media import MediaError
from newsflow.public import Gone
from newsflow.web import i18n
from newsflow.web.i18n import N_
from newsflow.web.templating import page
from newsflow.wire.stream import StreamsFull

# Statuses a web page answers with its own HTML page; the API keeps JSON for everything.
_PAGES = {403: (N_("Not allowed"), N_("This request was refused. Reload the page and try again.")),
          404: (N_("Page not found"), N_("There is nothing at this address.")),
          410: (N_("Story withdrawn"), N_("This story has been withdrawn by the agency."))}


# FastAPI's answer to a body it cannot decode before validation (fastapi.routing)
_FRAMEWORK_PARSE_ERROR = "There was an error parsing the body"


def _is_page(request: Request) -> bool:
    """Web faces answer HTML; the API (/v1), the media files it links (/media) and the API's own docs
    answer JSON."""
    path = request.url.path
    return not (path.startswith(("/v1/", "/media/")) or path == "/v1" or path in ("/openapi.json", "/docs", "/redoc"))


def error_page(request: Request, status: int) -> Response:
    """A page that says what happened in the reader's language and nothing more (no ids, no reasons
    that would tell a stranger whether an unpublished story exists)."""
    heading, text = _PAGES.get(status, (N_("Something went wrong"), N_("There is nothing at this address.")))
    t = i18n.request_translator(request)
    return page(request, "message.html", status=status, heading=t.gettext(heading), text=t.gettext(text),
                cache="no-store", noindex=True)


def _field_name(loc: tuple[Any, ...]) -> str:
    # FastAPI prefixes the request part ("body", "query"); the field is what follows it.
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _where_json_broke(error: dict[str, Any], doc: Any) -> dict[str, str]:
    """A malformed JSON body, named by line and column (counted as json.JSONDecodeError counts)."""
    text = doc if isinstance(doc, str) else ""
    loc = tuple(error.get("loc", ()))
    pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    reason = (error.get("ctx") or {}).get("error", "not JSON")
    return {"field": "body", "message": f"invalid JSON at line {line} column {column}: {reason}"}


def _validation(errors: list[Any], doc: Any = None) -> JSONResponse:
    """422 for every invalid request, wherever the problem is (query, path, header or body): one status
    a client handles one way, with each field named."""
    fields = [_where_json_broke(e, doc) if e.get("type") == "json_invalid" else
              {"field": _field_name(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")} for e in errors]
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return JSONResponse({"error": message, "fields": fields}, status_code=422)


def _unreadable_body(cause: BaseException | None) -> JSONResponse:
    """A body the framework could not even decode (e.g. not UTF-8): a validation error like any other,
    not the framework's bare 400."""
    if isinstance(cause, UnicodeDecodeError):
        message = f"invalid JSON: not UTF-8 at byte {cause.start}"
    else:
        message = f"could not be read ({type(cause).__name__ if cause else 'malformed'})"
    return JSONResponse({"error": f"body: {message}", "fields": [{"field": "body", "message": message}]},
                        status_code=422)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation(list(exc.errors()), exc.body)

    @app.exception_handler(ValidationError)
    async def _model_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return _validation(list(exc.errors()))

    @app.exception_handler(MediaError)
    async def _media(_: Request, exc: MediaError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "field": exc.field}, status_code=exc.status)

    @app.exception_handler(FieldError)
    async def _field(_: Request, exc: FieldError) -> JSONResponse:
        return JSONResponse({"error": str(exc), "field": exc.field,
                             "fields": [{"field": exc.field, "message": exc.message}]}, status_code=422)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if _is_page(request):
            return error_page(request, 404)
        return JSONResponse({"error": str(exc)}, status_code=404)

    @app.exception_handler(Gone)
    async def _gone(request: Request, _: Gone) -> Response:
        return error_page(request, 410)

    @app.exception_handler(RenderError)
    async def _unrenderable(_: Request, exc: RenderError) -> JSONResponse:
        # a single download: the story named, the cause logged; lists leave such a story out instead
        logging.getLogger("newsflow.formats").error("%s", exc, exc_info=exc)
        return JSONResponse({"error": str(exc)}, status_code=500)

    @app.exception_handler(StreamsFull)
    async def _streams_full(_: Request, exc: StreamsFull) -> JSONResponse:
        # Retry-After: a slot frees as soon as one of the holder's streams closes
        return JSONResponse({"error": str(exc), "cap": exc.cap, "limit": exc.limit}, status_code=429,
                            headers={"Retry-After": "5"})

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=409)

    @app.exception_handler(DataError)
    async def _unstorable(_: Request, exc: DataError) -> JSONResponse:
        # The store's "data exception" class: a value it cannot hold, which came with the request — on
        # PostgreSQL a NUL character in text or JSON (SQLite stores it), a number beyond its column.
        # The routes check what they can and name it; this is the net under them.
        logging.getLogger("newsflow").warning("refused a value the store cannot hold: %s", exc.orig)
        message = "a value in this request cannot be stored (a NUL character in text, or a number out of range)"
        return JSONResponse({"error": message}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == _FRAMEWORK_PARSE_ERROR:
            return _unreadable_body(exc.__cause__)
        if exc.status_code in _PAGES and _is_page(request):
            return error_page(request, exc.status_code)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

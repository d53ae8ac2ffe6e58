"""The OpenAPI document: every status a route can answer, each error with its body schema.

FastAPI lists only a route's success and its own 422. The other statuses follow from what a route
depends on — a staff token or an API key (401, 403, and 429 for the rate-limited key), an id in the
path (404), a parameter or body (422), a body at all (413) — so they are derived here from each route's
dependency tree; the few a route raises itself (409, 410, 304 …) are added per route below. Every error
answer is `{"error": "...", "fields"?: [...]}` (see web.errors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from newsflow.web import deps, idempotency, sessions
from newsflow.web.api import items, queue, search, subscriber

ERROR = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "description": "What went wrong, naming the parameter or field."},
        "fields": {"type": "array", "description": "Each invalid field (validation errors).",
                   "items": {"type": "object", "required": ["field", "message"],
                             "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}

DESCRIPTIONS = {
    304: "Not modified: the ETag sent in If-None-Match still holds (no body).",
    401: "No credentials, or invalid or revoked ones (WWW-Authenticate: Bearer).",
    403: "Known but not allowed: role, API key scope, subscription, disabled source.",
    404: "Nothing by that id (or nothing this caller may see by it).",
    409: "The state does not allow it (e.g. not yet published, already exists, not a dead delivery).",
    410: "Withdrawn: the item was killed; the body carries the notice.",
    413: "The body is over the route's size limit.",
    416: "The byte range asked for lies outside the file (Content-Range: bytes */size).",
    422: "Invalid request: the error names each bad parameter or field (query, path, header or body).",
    429: "Rate limit or open-stream cap reached; Retry-After says when to try again.",
}

_KEY = {401, 403, 429}  # an API key: unknown, out of scope, or over its rate
_STAFF = {401, 403}
# What a dependency can answer, besides 422 for its own parameters.
_RAISES: dict[Callable[..., Any], set[int]] = {
    deps.staff: _STAFF, deps.publisher: _STAFF, deps.admin: _STAFF,
    subscriber.company: _KEY, items.reader: _KEY, search.searcher: _KEY,
    idempotency.idempotent: {409},  # the same key while its first request is still being answered
    queue.consumer_name: {422},
    sessions.require_csrf: {403},
}
# What a route raises itself: conditional GETs, state conflicts, withdrawn items, its own auth.
_ROUTE_RAISES: dict[tuple[str, str], set[int]] = {
    ("GET", "/v1/feed"): {304},
    ("GET", "/v1/items/{guid}"): {304, 410},
    # media files: credentials are read in the route (API key, staff token, session or signed link)
    ("GET", "/media/{media_id}/{rendition}"): {304, 410, 416, *_KEY},
    ("HEAD", "/media/{media_id}/{rendition}"): {304, 410, 416, *_KEY},
    ("GET", "/v1/media/{media_id}/{rendition}/link"): {410},
    ("GET", "/v1/products/{product_id}/{kind}"): {304, *_KEY},  # the key is a query parameter
    ("GET", "/v1/admin/explain"): {404},
    ("POST", "/v1/ingest"): {401, 403, 409, 422},
    ("POST", "/v1/newsroom/media"): {415},  # not an image Newsflow reads
    ("PATCH", "/v1/newsroom/stories/{guid}"): {409},
    ("POST", "/v1/queue/{consumer}/take"): {409},
    ("POST", "/v1/queue/{consumer}/ack"): {409},
    ("POST", "/v1/admin/companies"): {409},
    ("PATCH", "/v1/admin/companies/{company_id}"): {409},
    ("POST", "/v1/admin/products"): {409},
    ("PATCH", "/v1/admin/products/{product_id}"): {409},
    ("POST", "/v1/admin/users"): {409},
    ("PATCH", "/v1/admin/users/{user_id}"): {409},
    ("POST", "/v1/admin/webhooks/{endpoint_id}/replay"): {409},
}
_BODY_METHODS = {"POST", "PUT", "PATCH"}


def _tree(dependant: Dependant) -> Iterator[Dependant]:
    """The route's own dependant and every dependency under it (router-level ones included)."""
    yield dependant
    for sub in dependant.dependencies:
        yield from _tree(sub)


def statuses(route: Any, method: str) -> set[int]:
    """Every error status `route` (an APIRoute, or FastAPI's view of one inside its router, with the
    router's dependencies) can answer to `method`."""
    found: set[int] = set()
    for node in _tree(route.dependant):
        found |= _RAISES.get(node.call, set()) if node.call is not None else set()
        if node.path_params:
            found.add(404)
        if node.path_params or node.query_params or node.header_params or node.cookie_params or node.body_params:
            found.add(422)
    if method in _BODY_METHODS:
        found.add(413)  # web.limits refuses an oversized body on every route that can carry one
    return found | _ROUTE_RAISES.get((method, route.path_format), set())


def _answer(status: int) -> dict[str, Any]:
    if status == 304:
        return {"description": DESCRIPTIONS[304]}
    return {"description": DESCRIPTIONS.get(status, "Error."),
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR}"}}}}


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of `app`, with every route's error statuses (built once, then kept)."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR] = ERROR_SCHEMA
    # FastAPI's own 422 body ({"detail": [...]}) is not what web.errors answers
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for route in iter_route_contexts(app.routes):  # routes of included routers too, as get_openapi sees them
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        for method in route.methods:
            operation = spec["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            answers = operation.setdefault("responses", {})
            for status in sorted(statuses(route, method)):
                answers[str(status)] = _answer(status)
    app.openapi_schema = spec
    return spec


def install(app: FastAPI) -> None:
    """Serve `document` at /openapi.json (and to /docs)."""
    app.openapi = lambda: document(app)  # type: ignore[method-assign]

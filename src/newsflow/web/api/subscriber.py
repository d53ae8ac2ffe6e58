"""The subscriber's pull API and live stream: /v1/feed, /v1/products, /v1/quota, /v1/stream.

Every route authenticates an API key (`Authorization: Bearer nfk_…`) to a company and asks the one
entitlement rule (`wire.entitlement.may_see`) through `wire.feed.read_page` or the stream hub.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from newsflow.etags import matches
from newsflow.formats import feeds
from newsflow.formats.registry import OUTPUTS
from newsflow.model import PubStatus, StoryVersion
from newsflow.ranges import INT32_MAX, INT64_MAX, whole_number
from newsflow.services import Services
from newsflow.store.store import hash_token
from newsflow.web.conditional import cached
from newsflow.web.deps import services
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.feed import MAX_PAGE, build_page, read_page
from newsflow.wire.stream import Connection, Holder, Send, StreamHub, render_frame
from newsflow.wire.usage import Use

router = APIRouter(prefix="/v1", tags=["subscriber"])
RAW_SEND = "newsflow.raw_send"
_bearer = HTTPBearer(auto_error=False, description="A company API key (nfk_…).")
JSON_FORMATS = ("ninjs", "ninjs3")


_SCOPE_OF = (("/v1/feed", "feed"), ("/v1/queue", "feed"), ("/v1/items", "items"), ("/v1/search", "search"),
             ("/v1/stream", "stream"))


def scope_for(path: str) -> str | None:
    """The key scope a subscriber route needs (None: any key, e.g. /v1/products, /v1/quota)."""
    if path.startswith("/v1/products/") and path.endswith(("/atom", "/rss")):
        return "syndication"
    return next((scope for prefix, scope in _SCOPE_OF if path.startswith(prefix)), None)


def key_holder(creds: HTTPAuthorizationCredentials | None, svc: Services) -> CompanyAccess:
    """The company whose API key this is, or 401: from the headers alone (web.limits asks it before a
    body is read; it takes no rate-limit token, so asking twice costs the subscriber nothing)."""
    challenge = {"WWW-Authenticate": "Bearer"}
    if creds is None:
        raise HTTPException(401, "missing API key: send 'Authorization: Bearer <key>'", challenge)
    access = svc.subscribers.cached_company_for_key(creds.credentials)
    if access is None:
        raise HTTPException(401, "invalid or revoked API key", challenge)
    return access


def company(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
            svc: Services = Depends(services)) -> CompanyAccess:
    access = key_holder(creds, svc)
    assert creds is not None  # key_holder refused a request without one
    needed = scope_for(request.url.path)
    if needed is not None and not access.may_use(needed):
        raise HTTPException(403, f"this API key's scopes ({', '.join(sorted(access.scopes))}) do not include "
                                 f"{needed!r}, which {request.url.path} needs")
    key = hash_token(creds.credentials)
    wait = svc.limiter.take(key)
    if wait:
        raise HTTPException(429, f"rate limit of {svc.limiter.rate * 60:.0f} requests a minute reached",
                            {"Retry-After": str(max(1, round(wait)))})
    request.state.key = key
    request.state.company_id = access.id  # named in the request's log line (newsflow.ops.requests)
    return access


def _actor(request: Request) -> str:
    """Which key acted, for the usage log (a fingerprint, never the secret)."""
    return "key:" + request.state.key[:12]


def _products(raw: str | None, access: CompanyAccess) -> frozenset[int] | None:
    if not raw:
        return None
    asked = frozenset(whole_number(p, "products", low=1, high=INT32_MAX) for p in raw.split(","))
    unknown = asked - access.product_ids
    if unknown:
        raise HTTPException(403, f"products {sorted(unknown)} are not in your subscription")
    return asked


@router.get("/feed", responses={200: {"content": {"application/json": {}}}})
async def feed(request: Request, after: int = Query(0, ge=0, le=INT64_MAX,
                                                     description="Cursor: the `cursor` of the last page."),
               limit: int = Query(20, ge=1, le=MAX_PAGE),
               format: str = Query("ninjs", description=f"One of: {', '.join(JSON_FORMATS)}."),
               products: str | None = Query(None, description="Narrow to some of your product ids: 1,4"),
               wait: float = Query(0, ge=0, le=30, description="Long-poll: seconds to wait for a new event."),
               access: CompanyAccess = Depends(company), svc: Services = Depends(services)) -> Response:
    """Entitled events after a cursor, oldest first. Pages never skip or repeat an event."""
    if format not in JSON_FORMATS:
        raise HTTPException(422, f"format {format!r}: the feed speaks {', '.join(JSON_FORMATS)}; "
                                 "other formats are at /v1/items/{guid}?format=…")
    narrowed = _products(products, access)
    page = await svc.follower.long_poll(
        lambda cursor: read_page(svc.store, access, cursor, limit, products=narrowed), after, wait)
    built = build_page(page, format, svc.render_context)
    svc.metrics.pulled("feed", page.entries, limit)
    svc.usage.record_answer(access.id, _actor(request), "feed", format, built.served)
    body, etag = built.body, built.etag.decode()
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/products")
def my_products(access: CompanyAccess = Depends(company), svc: Services = Depends(services)) -> list[dict[str, Any]]:
    """The products your key's company subscribes to, with their filters."""
    return [{"id": p.id, "name": p.name, "description": p.description, "filter": p.filter.model_dump()}
            for p in svc.subscribers.list_products(active_only=True) if p.id in access.product_ids]


@router.get("/quota")
def quota(request: Request, access: CompanyAccess = Depends(company),
          svc: Services = Depends(services)) -> dict[str, Any]:
    return {"company": access.id, "limit_per_minute": round(svc.limiter.rate * 60),
            "burst": int(svc.limiter.burst), "remaining": svc.limiter.remaining(request.state.key)}


@router.get("/stream", responses={200: {"content": {"text/event-stream": {}}}})
async def stream(request: Request, format: str = Query("ninjs", description=f"One of: {', '.join(OUTPUTS)}."),
                 products: str | None = Query(None, description="Narrow to some of your product ids: 1,4"),
                 access: CompanyAccess = Depends(company), creds: HTTPAuthorizationCredentials = Depends(_bearer),
                 svc: Services = Depends(services)) -> Response:
    """Server-Sent Events: `id:` is the seq; reconnect with `Last-Event-ID` to resume with nothing missed.
    A revoked key, a deactivated company or no product left ends the stream within seconds, with a last
    comment saying why (`: closed: API key revoked`)."""
    if format not in OUTPUTS:
        raise HTTPException(422, f"format {format!r} is not one of {', '.join(OUTPUTS)}")
    narrowed = _products(products, access)
    resume = resume_from(request.headers.get("last-event-id") or request.query_params.get("last_event_id"))
    return event_stream(svc, access, format, resume, narrowed, holder=Holder(key=creds.credentials))


def resume_from(last_id: str | None) -> int | None:
    """The seq a reconnecting client had (`Last-Event-ID`), checked before the stream starts: once the
    200 is sent a bad value could only cut the stream (422 naming it instead)."""
    return whole_number(last_id, "Last-Event-ID") if last_id else None


def event_stream(svc: Services, access: CompanyAccess, format: str, resume: int | None,
                 narrowed: frozenset[int] | None = None, *, holder: Holder) -> EventStream:
    """A live SSE response on this node's hub for `access`, first catching up from `resume` (a seq
    from Last-Event-ID; None: live only). Shared by /v1/stream and the portal's /portal/events;
    `holder` is whose access the hub re-checks while the stream is open."""
    hub = svc.hub
    # registered first: nothing published from now is missed
    conn = hub.connect(access, format, narrowed, holder)

    async def catch_up(send: Send) -> int:
        """What the client missed since Last-Event-ID, from the log; returns the seq it reached."""
        cursor = resume if resume is not None else 0
        while resume is not None and not conn.done:
            # the group's access: the hub narrows it when a product is taken away meanwhile
            page = await asyncio.to_thread(read_page, svc.store, conn.group.company, cursor, MAX_PAGE,
                                           products=narrowed)
            body = b"".join(frame for e in page.entries
                            if (frame := render_frame(e.event, e.version, format, svc.render_context)))
            if body:
                await send({"type": "http.response.body", "body": body, "more_body": True})
            if page.cursor == cursor:
                break
            cursor = page.cursor
        return cursor

    return EventStream(hub, conn, catch_up)


class EventStream(Response):
    """A lean streaming response for SSE. After the headers and the catch-up, the response only waits:
    the stream hub writes each frame straight to the server's send (see wire.stream), with no
    per-connection task, and a single watcher per connection ends the stream when the client goes."""

    media_type = "text/event-stream"

    def __init__(self, hub: StreamHub, conn: Connection, catch_up: Callable[[Send], Awaitable[int]]) -> None:
        # no Content-Length: the body is open-ended (chunked)
        self.status_code = 200
        self.background = None
        self.raw_headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
                            (b"x-accel-buffering", b"no")]
        self.hub, self.conn, self.catch_up = hub, conn, catch_up

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        conn = self.conn

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            conn.close()

        watcher = asyncio.create_task(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            # frames go straight to the server's send (see web.app.RawSend): once the response has
            # started, the middleware layers in between only pass them on, and with thousands of
            # clients their per-message cost is most of the fan-out
            send = scope.get(RAW_SEND, send)
            await send({"type": "http.response.body", "body": b"retry: 2000\n: connected\n\n", "more_body": True})
            conn.go_live(send, await self.catch_up(send))
            await conn.closed
            if conn.draining is not None:
                conn.draining.cancel()
            # a dropped slow client may never read again: do not wait on it for long
            with contextlib.suppress(Exception):
                await asyncio.wait_for(send({"type": "http.response.body", "body": conn.farewell,
                                             "more_body": False}), 5)
        finally:
            watcher.cancel()
            self.hub.disconnect(conn)


@router.get("/products/{product_id}/{kind}", responses={200: {"content": {
    "application/atom+xml": {}, "application/rss+xml": {}}}})
def product_feed(request: Request, kind: str, product_id: int = Path(ge=1, le=INT32_MAX),
                 key: str = Query(..., description="Your API key: feed readers cannot send headers."),
                 limit: int = Query(50, ge=1, le=MAX_PAGE), svc: Services = Depends(services)) -> Response:
    """Atom (`atom`) or RSS 2.0 (`rss`) of a product's latest stories, for simple clients."""
    if kind not in ("atom", "rss"):
        raise HTTPException(404, f"no feed kind {kind!r}: use atom or rss")
    access = company(request, HTTPAuthorizationCredentials(scheme="Bearer", credentials=key), svc)
    if product_id not in access.product_ids:
        raise HTTPException(403, f"product {product_id} is not in your subscription")
    product = svc.subscribers.get_product(product_id)
    # the newest entitled events: the log read backwards a page at a time would be cheaper; the feed
    # is small and cached by ETag, so the forward read of the tail is fine here
    start = max(0, svc.store.last_seq() - 20 * limit)
    page = read_page(svc.store, access, start, 10 * limit, products={product_id})
    latest: dict[str, StoryVersion] = {}
    for entry in page.entries:
        latest[entry.version.guid] = entry.version  # the newest version of each story wins
    versions = [v for v in sorted(latest.values(), key=lambda v: v.version_created, reverse=True)
                if v.pubstatus != PubStatus.canceled][:limit]
    ctx = svc.render_context
    svc.usage.record([Use(access.id, _actor(request), v.guid, v.version, kind, kind) for v in versions])
    title = f"{svc.settings.agency_name}: {product.name}"
    if kind == "atom":
        body = feeds.render_atom(versions, title=title, feed_id=f"{ctx.base_url}/v1/products/{product_id}",
                                 self_href=f"{ctx.base_url}/v1/products/{product_id}/atom", ctx=ctx)
        media_type = "application/atom+xml"
    else:
        body = feeds.render_rss(versions, title=title, link=ctx.base_url + "/", description=product.description
                                or product.name, ctx=ctx)
        media_type = "application/rss+xml"
    return cached(request, body, media_type, {"Cache-Control": "private, max-age=30"})

"""The subscriber's pull API and live stream: /v1/feed, /v1/products, /v1/quota, /v1/stream.

Every route authenticates an API key (`Authorization: Bearer nfk_…`) to a company and asks the one
entitlement rule (`wire.entitlement.may_see`) through `wire.feed.read_page` or the stream hub.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from newsflow.formats import feeds
from newsflow.formats.registry import OUTPUTS, render
from newsflow.model import PubStatus, StoryVersion
from newsflow.services import Services
from newsflow.web.deps import services
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.feed import MAX_PAGE, read_page
from newsflow.wire.usage import Use

router = APIRouter(prefix="/v1", tags=["subscriber"])
RAW_SEND = "newsflow.raw_send"
_bearer = HTTPBearer(auto_error=False, description="A company API key (nfk_…).")
JSON_FORMATS = ("ninjs", "ninjs3")
HEARTBEAT = 15.0


def company(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
            svc: Services = Depends(services)) -> CompanyAccess:
    challenge = {"WWW-Authenticate": "Bearer"}
    if creds is None:
        raise HTTPException(401, "missing API key: send 'Authorization: Bearer <key>'", challenge)
    access = svc.subscribers.company_for_key(creds.credentials)
    if access is None:
        raise HTTPException(401, "invalid or revoked API key", challenge)
    key = hashlib.sha256(creds.credentials.encode()).hexdigest()
    wait = svc.limiter.take(key)
    if wait:
        raise HTTPException(429, f"rate limit of {svc.limiter.rate * 60:.0f} requests a minute reached",
                            {"Retry-After": str(max(1, round(wait)))})
    request.state.key = key
    return access


def _actor(request: Request) -> str:
    """Which key acted, for the usage log (a fingerprint, never the secret)."""
    return "key:" + request.state.key[:12]


def _products(raw: str | None, access: CompanyAccess) -> frozenset[int] | None:
    if not raw:
        return None
    try:
        asked = frozenset(int(p) for p in raw.split(","))
    except ValueError:
        raise HTTPException(400, f"products must be comma-separated product ids, got {raw!r}") from None
    unknown = asked - access.product_ids
    if unknown:
        raise HTTPException(403, f"products {sorted(unknown)} are not in your subscription")
    return asked


@router.get("/feed", responses={200: {"content": {"application/json": {}}}})
async def feed(request: Request, after: int = Query(0, ge=0, description="Cursor: the `cursor` of the last page."),
               limit: int = Query(20, ge=1, le=MAX_PAGE),
               format: str = Query("ninjs", description=f"One of: {', '.join(JSON_FORMATS)}."),
               products: str | None = Query(None, description="Narrow to some of your product ids: 1,4"),
               wait: float = Query(0, ge=0, le=30, description="Long-poll: seconds to wait for a new event."),
               access: CompanyAccess = Depends(company), svc: Services = Depends(services)) -> Response:
    """Entitled events after a cursor, oldest first. Pages never skip or repeat an event."""
    if format not in JSON_FORMATS:
        raise HTTPException(400, f"format {format!r}: the feed speaks {', '.join(JSON_FORMATS)}; "
                                 "other formats are at /v1/items/{guid}?format=…")
    narrowed = _products(products, access)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        page = await asyncio.to_thread(read_page, svc.store, access, after, limit, products=narrowed)
        remaining = deadline - loop.time()
        if page.entries or remaining <= 0:
            break
        await svc.follower.wait_beyond(max(page.cursor, svc.follower.last_seq), remaining)
        after = page.cursor
    items = b",".join(b'{"seq":%d,"event":"%s","item":%s}' % (
        e.event.seq, e.event.kind.value.encode(), render(e.version, format, svc.render_context))
        for e in page.entries)
    body = b'{"cursor":%d,"count":%d,"items":[%s]}' % (page.cursor, len(page.entries), items)
    await asyncio.to_thread(svc.usage.record, [
        Use(access.id, _actor(request), e.version.guid, e.version.version, "feed", format) for e in page.entries])
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if request.headers.get("if-none-match") == etag:
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
                 access: CompanyAccess = Depends(company), svc: Services = Depends(services)) -> Response:
    """Server-Sent Events: `id:` is the seq; reconnect with `Last-Event-ID` to resume with nothing missed."""
    if format not in OUTPUTS:
        raise HTTPException(400, f"format {format!r} is not one of {', '.join(OUTPUTS)}")
    narrowed = _products(products, access)
    last_id = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    try:
        resume = int(last_id) if last_id else None
    except ValueError:
        raise HTTPException(400, f"Last-Event-ID must be a seq (a whole number), got {last_id!r}") from None
    hub = svc.hub
    conn = hub.connect(access, format, narrowed)  # registered first: nothing published from now is missed

    async def frames() -> AsyncIterator[bytes]:
        from newsflow.wire.stream import sse_frame

        try:
            yield b"retry: 2000\n: connected\n\n"
            if resume is not None:
                conn.skip_through = 2**62  # hold live frames back until the catch-up has been sent
            if resume is not None:
                cursor = resume
                while True:
                    page = await asyncio.to_thread(read_page, svc.store, access, cursor, MAX_PAGE, products=narrowed)
                    for e in page.entries:
                        yield sse_frame(e.event, render(e.version, format, svc.render_context))
                    if page.cursor == cursor:
                        break
                    cursor = page.cursor
                conn.skip_through = cursor
            while True:
                try:
                    item = await asyncio.wait_for(conn.queue.get(), HEARTBEAT)
                except TimeoutError:
                    yield b": heartbeat\n\n"
                    continue
                if item is None:
                    return  # too slow: the client reconnects with Last-Event-ID
                if item[0] > conn.skip_through:  # not already sent by the catch-up
                    yield item[1]
        finally:
            hub.disconnect(conn)

    return EventStream(frames(), on_disconnect=conn.close)


class EventStream(Response):
    """A lean streaming response for SSE: each frame is one `send`, with no per-response task group
    (StreamingResponse's costs a good share of the fan-out time with thousands of clients). A single
    watcher per connection ends the stream when the client goes away."""

    media_type = "text/event-stream"

    def __init__(self, frames: AsyncIterator[bytes], on_disconnect: Callable[[], None]) -> None:
        # no Content-Length: the body is open-ended (chunked)
        self.status_code = 200
        self.background = None
        self.raw_headers = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
                            (b"x-accel-buffering", b"no")]
        self.frames = frames
        self.on_disconnect = on_disconnect

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            self.on_disconnect()

        watcher = asyncio.create_task(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            # frames go straight to the server's send (see web.app.RawSend): once the response has
            # started, the middleware layers in between only pass them on, and with thousands of
            # clients their per-message cost is most of the fan-out
            send = scope.get(RAW_SEND, send)
            async for frame in self.frames:
                await send({"type": "http.response.body", "body": frame, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            await self.frames.aclose()  # type: ignore[attr-defined]


@router.get("/products/{product_id}/{kind}", responses={200: {"content": {
    "application/atom+xml": {}, "application/rss+xml": {}}}})
def product_feed(request: Request, product_id: int, kind: str,
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
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type=media_type, headers={"ETag": etag, "Cache-Control": "private, max-age=30"})

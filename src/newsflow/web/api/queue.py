"""The server-held queue: /v1/queue/{consumer}, for subscribers who would rather not keep a cursor.

Take a batch, process it, ack its `batch` token; a batch taken and not acked is handed out again
(at-least-once). Positions live in `wire.queue`; events are read with the feed's primitive and
rendered with its item shape, so a queue item is byte for byte a feed item.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from newsflow.ranges import INT64_MAX
from newsflow.services import Services
from newsflow.web.api.subscriber import JSON_FORMATS, _actor, _products, company
from newsflow.web.deps import services
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.feed import MAX_PAGE, render_items
from newsflow.wire.queue import Queues, Start, describe, validate_consumer

router = APIRouter(prefix="/v1/queue", tags=["queue"])
MAX_WAIT = 30


def consumer_name(consumer: str) -> str:
    """The path's consumer name, checked (422 naming the rule)."""
    try:
        return validate_consumer(consumer)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


class Ack(BaseModel):
    batch: int = Field(ge=0, le=INT64_MAX, description="The `batch` token of a take: everything up to it is done.")


@router.post("/{consumer}/take", responses={200: {"content": {"application/json": {}}}})
async def take(request: Request, consumer: str = Depends(consumer_name),
               limit: int = Query(20, ge=1, le=MAX_PAGE),
               wait: float = Query(0, ge=0, le=MAX_WAIT, description="Long-poll: seconds to wait for a new event."),
               format: str = Query("ninjs", description=f"One of: {', '.join(JSON_FORMATS)}."),
               products: str | None = Query(None, description="Narrow to some of your product ids: 1,4 "
                                            "(fixed when the consumer is created)."),
               start: Start | None = Query(None, description="Where a new consumer starts: earliest (default) "
                                           "or latest. Ignored once the consumer exists."),
               access: CompanyAccess = Depends(company), svc: Services = Depends(services)) -> Response:
    """The next batch after the acknowledged position. Until it is acked, taking again hands the
    same events out again (with any that arrived since, up to `limit`)."""
    if format not in JSON_FORMATS:
        raise HTTPException(422, f"format {format!r}: the queue speaks {', '.join(JSON_FORMATS)}; "
                                 "other formats are at /v1/items/{guid}?format=…")
    narrowed = _products(products, access)
    queues = Queues(svc.store)
    position = await asyncio.to_thread(queues.open, access.id, consumer, start=start, products=narrowed)
    page = await svc.follower.long_poll(lambda after: queues.read(access, position, after, limit),
                                        position.acked, wait)
    await asyncio.to_thread(queues.handed_out, access.id, consumer, page.cursor)
    items = render_items(page.entries, format, svc.render_context)
    svc.metrics.pulled("queue", page.entries, limit)
    body = b'{"consumer":"%s","batch":%d,"count":%d,"items":%s}' % (
        consumer.encode(), page.cursor, len(page.entries), items)  # the name's alphabet needs no escaping
    svc.usage.record_answer(access.id, _actor(request), "queue", format,
                            tuple((e.version.guid, e.version.version) for e in page.entries))
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@router.post("/{consumer}/ack")
def ack(body: Ack, consumer: str = Depends(consumer_name), access: CompanyAccess = Depends(company),
        svc: Services = Depends(services)) -> dict[str, Any]:
    """Everything up to `batch` is done: the position moves there. Acking an older batch changes
    nothing; a batch beyond what was handed out is refused (409)."""
    queues = Queues(svc.store)
    position = queues.ack(access.id, consumer, body.batch)
    return describe(position, queues.backlog(access, position))


@router.get("/{consumer}")
def show(consumer: str = Depends(consumer_name), access: CompanyAccess = Depends(company),
         svc: Services = Depends(services)) -> dict[str, Any]:
    """The consumer's position, how many entitled events wait after it, and its last take and ack."""
    queues = Queues(svc.store)
    position = queues.get(access.id, consumer)
    return describe(position, queues.backlog(access, position))


@router.delete("/{consumer}", status_code=204)
def reset(consumer: str = Depends(consumer_name), access: CompanyAccess = Depends(company),
          svc: Services = Depends(services)) -> Response:
    """Forget the consumer: the next take creates it afresh (`start=` applies again)."""
    Queues(svc.store).reset(access.id, consumer)
    return Response(status_code=204)

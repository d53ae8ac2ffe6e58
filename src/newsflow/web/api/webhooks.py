"""/v1/admin webhooks: subscriber endpoints, their secrets, delivery log, dead letters and test events.

A thin layer over `wire.webhooks.WebhookService`: the service validates (its `FieldError`s name the
field and map to 422) and raises `NotFound` for unknown ids (404). Signing secrets are write-only:
they appear in the answer that creates or rotates them and nowhere else.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from newsflow.ranges import INT32_MAX, INT64_MAX
from newsflow.services import Services
from newsflow.web.deps import admin, services
from newsflow.wire.webhooks import KEEP, STATES, Attempt, Delivery, WebhookEndpoint

router = APIRouter(prefix="/v1/admin", tags=["webhooks"], dependencies=[Depends(admin)])

MAX_OVERLAP_HOURS = 24 * 30
ProductId = Annotated[int, Field(ge=1, le=INT32_MAX)]


class EndpointIn(BaseModel):
    url: str = Field(description="http:// or https:// URL the events are POSTed to")
    format: str = Field(default="ninjs", description="ninjs, ninjs3, newsmlg2, nitf, text or html")
    product_ids: list[ProductId] | None = Field(
        default=None, description="Narrow to some of the company's products; leave out for all of them")
    active: bool = True


class EndpointPatch(BaseModel):
    url: str | None = None
    format: str | None = None
    product_ids: list[ProductId] | None = Field(default=None, description="null removes the narrowing")
    active: bool | None = None


class RotateIn(BaseModel):
    overlap_hours: float = Field(default=24.0, ge=0, le=MAX_OVERLAP_HOURS,
                                 description="How long the previous secret keeps signing too (0: not at all)")


class ReplayIn(BaseModel):
    delivery_id: int | None = Field(default=None, ge=1, le=INT64_MAX,
                                    description="One dead delivery; leave out for all of them")


def _endpoint(e: WebhookEndpoint) -> dict[str, Any]:
    out = asdict(e)
    out["product_ids"] = list(e.product_ids) if e.product_ids is not None else None
    return out


def _delivery(d: Delivery) -> dict[str, Any]:
    return {**asdict(d), "webhook_id": d.webhook_id}


def _attempt(a: Attempt) -> dict[str, Any]:
    return {**asdict(a), "ok": a.ok}


@router.post("/companies/{company_id}/webhooks", status_code=201)
def create_endpoint(company_id: str, body: EndpointIn, svc: Services = Depends(services)) -> dict[str, Any]:
    """A new endpoint; it receives the company's events from now on. The signing secret is in this
    response only."""
    new = svc.webhooks.create_endpoint(company_id, body.url, format=body.format, product_ids=body.product_ids,
                                       active=body.active)
    return {**_endpoint(new.endpoint), "secret": new.secret}


@router.get("/companies/{company_id}/webhooks")
def company_endpoints(company_id: str, svc: Services = Depends(services)) -> list[dict[str, Any]]:
    svc.subscribers.get_company(company_id)  # 404 for an unknown company
    return [_endpoint(e) for e in svc.webhooks.list_endpoints(company_id)]


@router.get("/webhooks")
def list_endpoints(company: str | None = Query(None), svc: Services = Depends(services)) -> list[dict[str, Any]]:
    return [_endpoint(e) for e in svc.webhooks.list_endpoints(company)]


# Before /webhooks/{endpoint_id}, which would otherwise take "dead-letters" for an id.
@router.get("/webhooks/dead-letters")
def dead_letters(endpoint: str | None = Query(None), limit: int = Query(100, ge=1, le=1000),
                 svc: Services = Depends(services)) -> list[dict[str, Any]]:
    """Deliveries given up on after the last attempt, by endpoint and log order; replay them."""
    return [_delivery(d) for d in svc.webhooks.dead_letters(endpoint, limit=limit)]


@router.get("/webhooks/{endpoint_id}")
def get_endpoint(endpoint_id: str, svc: Services = Depends(services)) -> dict[str, Any]:
    return _endpoint(svc.webhooks.get_endpoint(endpoint_id))


@router.patch("/webhooks/{endpoint_id}")
def update_endpoint(endpoint_id: str, body: EndpointPatch, svc: Services = Depends(services)) -> dict[str, Any]:
    """Change the URL, format, products or active flag. A new URL or a re-activation closes the circuit."""
    products = body.product_ids if "product_ids" in body.model_fields_set else KEEP
    return _endpoint(svc.webhooks.update_endpoint(endpoint_id, url=body.url, format=body.format,
                                                  product_ids=products, active=body.active))


@router.delete("/webhooks/{endpoint_id}", status_code=204)
def delete_endpoint(endpoint_id: str, svc: Services = Depends(services)) -> Response:
    svc.webhooks.delete_endpoint(endpoint_id)
    return Response(status_code=204)


@router.post("/webhooks/{endpoint_id}/rotate")
def rotate_secret(endpoint_id: str, body: RotateIn | None = Body(None),
                  svc: Services = Depends(services)) -> dict[str, Any]:
    """A new signing secret, in this response only; the old one keeps signing during the overlap."""
    overlap = timedelta(hours=(body or RotateIn()).overlap_hours)
    secret = svc.webhooks.rotate_secret(endpoint_id, overlap)
    return {"id": endpoint_id, "secret": secret,
            "previous_valid_until": svc.webhooks.get_endpoint(endpoint_id).rotating_until}


@router.get("/webhooks/{endpoint_id}/deliveries")
def deliveries(endpoint_id: str, state: str | None = Query(None, description=f"One of: {', '.join(STATES)}."),
               limit: int = Query(100, ge=1, le=1000), before_seq: int | None = Query(None, ge=1, le=INT64_MAX),
               svc: Services = Depends(services)) -> list[dict[str, Any]]:
    """The endpoint's deliveries, newest event first (`before_seq` pages back)."""
    if state is not None and state not in STATES:
        raise HTTPException(422, f"state {state!r} is not one of {', '.join(STATES)}")
    svc.webhooks.get_endpoint(endpoint_id)  # 404 for an unknown endpoint
    return [_delivery(d) for d in svc.webhooks.deliveries(endpoint_id, state=state, limit=limit,
                                                          before_seq=before_seq)]


@router.get("/webhooks/{endpoint_id}/attempts")
def attempts(endpoint_id: str, delivery_id: int | None = Query(None, ge=1, le=INT64_MAX),
             limit: int = Query(100, ge=1, le=1000), svc: Services = Depends(services)) -> list[dict[str, Any]]:
    """The delivery log: every POST made (test events included), newest first, with its time, HTTP
    status, duration and error."""
    svc.webhooks.get_endpoint(endpoint_id)
    return [_attempt(a) for a in svc.webhooks.attempts(endpoint_id, delivery_id=delivery_id, limit=limit)]


@router.post("/webhooks/{endpoint_id}/replay")
async def replay(endpoint_id: str, body: ReplayIn | None = Body(None),
                 svc: Services = Depends(services)) -> dict[str, Any]:
    """Send dead letters again (all of the endpoint's, or one); an old version whose story has a newer
    one delivered or waiting is skipped instead. 409 for a delivery that is not dead."""
    requeued = await asyncio.to_thread(svc.webhooks.replay, endpoint_id, (body or ReplayIn()).delivery_id)
    svc.dispatcher.wake()  # on the loop it runs on: this node sends them now, not at its next poll
    return {"requeued": requeued}


@router.post("/webhooks/{endpoint_id}/test")
async def send_test(endpoint_id: str, svc: Services = Depends(services)) -> dict[str, Any]:
    """POST a signed, clearly marked test item now (not retried) and say how it went."""
    return asdict(await svc.webhooks.send_test_event(endpoint_id))

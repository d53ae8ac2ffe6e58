"""/v1/admin: companies, products, API keys, usage reports and delivery explanations (admin role)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from newsflow.ranges import INT32_MAX
from newsflow.services import Services
from newsflow.web.deps import admin, services
from newsflow.wire import archive
from newsflow.wire.products import ProductFilter
from newsflow.wire.subscribers import ARCHIVE_DAYS_MAX, DEFAULT_SCOPES, SCOPES

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(admin)])
PRODUCT_ID = Path(ge=1, le=INT32_MAX, description="A product's id.")


class CompanyIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    may_receive_embargoed: bool = False
    active: bool = True


class CompanyPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    may_receive_embargoed: bool | None = None
    active: bool | None = None


class ProductIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    filter: ProductFilter = Field(default_factory=ProductFilter)
    active: bool = True
    public: bool = Field(default=False, description="Its stories are also shown on the public website.")
    archive_days: int | None = Field(default=None, ge=1, le=ARCHIVE_DAYS_MAX,
                                     description="How far back, in days, it reaches into the archive; null: all of it.")


class ProductPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    filter: ProductFilter | None = None
    active: bool | None = None
    public: bool | None = None
    archive_days: int | None = Field(default=None, ge=1, le=ARCHIVE_DAYS_MAX,
                                     description="Days of archive; null (sent explicitly): all of it.")


class KeyIn(BaseModel):
    label: str = Field(default="", max_length=200)
    scopes: list[str] = Field(default_factory=lambda: list(DEFAULT_SCOPES),
                              description="What the key may be used for: " + ", ".join(SCOPES))


def _company(c: Any) -> dict[str, Any]:
    out = asdict(c)
    out["product_ids"] = sorted(out["product_ids"])
    return out


def _product(p: Any, run: archive.Progress | None) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "description": p.description, "filter": p.filter.model_dump(),
            "active": p.active, "public": p.public, "created": p.created, "archive_days": p.archive_days,
            # the background run giving it the archive its filter covers (newsflow.wire.archive)
            "archive": None if run is None else {
                "percent": run.percent, "stories_done": run.stories_done, "stories_total": run.stories_total,
                "requested": run.requested, "finished": run.finished}}


def _with_run(svc: Services, p: Any) -> dict[str, Any]:
    return _product(p, archive.progress(svc.store, [p.id]).get(p.id))


@router.post("/companies", status_code=201)
def create_company(body: CompanyIn, svc: Services = Depends(services)) -> dict[str, Any]:
    return _company(svc.subscribers.create_company(body.name, may_receive_embargoed=body.may_receive_embargoed,
                                                   active=body.active))


@router.get("/companies")
def list_companies(svc: Services = Depends(services)) -> list[dict[str, Any]]:
    return [_company(c) for c in svc.subscribers.list_companies()]


@router.get("/companies/{company_id}")
def get_company(company_id: str, svc: Services = Depends(services)) -> dict[str, Any]:
    return _company(svc.subscribers.get_company(company_id))


@router.patch("/companies/{company_id}")
def update_company(company_id: str, body: CompanyPatch, svc: Services = Depends(services)) -> dict[str, Any]:
    return _company(svc.subscribers.update_company(company_id, **body.model_dump(exclude_none=True)))


@router.put("/companies/{company_id}/products/{product_id}", status_code=204)
def assign(company_id: str, product_id: int = PRODUCT_ID, svc: Services = Depends(services)) -> Response:
    svc.subscribers.assign_product(company_id, product_id)
    return Response(status_code=204)


@router.delete("/companies/{company_id}/products/{product_id}", status_code=204)
def unassign(company_id: str, product_id: int = PRODUCT_ID, svc: Services = Depends(services)) -> Response:
    svc.subscribers.unassign_product(company_id, product_id)
    return Response(status_code=204)


@router.post("/products", status_code=201)
def create_product(body: ProductIn, svc: Services = Depends(services)) -> dict[str, Any]:
    return _with_run(svc, svc.subscribers.create_product(body.name, body.filter, description=body.description,
                                                         active=body.active, public=body.public,
                                                         archive_days=body.archive_days))


@router.get("/products")
def list_products(svc: Services = Depends(services)) -> list[dict[str, Any]]:
    runs = archive.progress(svc.store)
    return [_product(p, runs.get(p.id)) for p in svc.subscribers.list_products()]


@router.patch("/products/{product_id}")
def update_product(body: ProductPatch, product_id: int = PRODUCT_ID,
                   svc: Services = Depends(services)) -> dict[str, Any]:
    # unset fields stay as they are; an explicit null archive_days opens the whole archive
    changes = body.model_dump(exclude_unset=True)
    return _with_run(svc, svc.subscribers.update_product(
        product_id, **{k: v for k, v in changes.items() if v is not None or k == "archive_days"}))


@router.post("/companies/{company_id}/keys", status_code=201)
def create_key(company_id: str, body: KeyIn, svc: Services = Depends(services)) -> dict[str, Any]:
    """A new API key; the secret is in this response only (stored hashed)."""
    new = svc.subscribers.create_api_key(company_id, label=body.label, scopes=body.scopes)
    return {**asdict(new.key), "secret": new.secret}


@router.get("/keys")
def list_keys(company: str | None = Query(None), svc: Services = Depends(services)) -> list[dict[str, Any]]:
    return [asdict(k) for k in svc.subscribers.list_api_keys(company)]


@router.post("/keys/{key_id}/revoke")
def revoke_key(key_id: str, svc: Services = Depends(services)) -> dict[str, Any]:
    return asdict(svc.subscribers.revoke_api_key(key_id))


@router.get("/companies/{company_id}/usage")
def usage_report(company_id: str, days: int = Query(30, ge=1, le=366),
                 svc: Services = Depends(services)) -> dict[str, Any]:
    svc.subscribers.get_company(company_id)  # 404 for an unknown company
    return svc.usage.report(company_id, days=days)


@router.get("/explain")
def explain(guid: str, company: str, svc: Services = Depends(services)) -> dict[str, Any]:
    """Was this story delivered to this company — where and when — or exactly why not? Including, per
    webhook endpoint of the company, whether it went there or why not (yet)."""
    versions = svc.store.list_versions(guid)
    if not versions:
        svc.store.get_story(guid)  # 404 for an unknown guid
        return {"guid": guid, "company": company, "announcements": [], "deliveries": [], "delivered": False,
                "webhooks": [], "summary": "never published"}
    access = svc.subscribers.access(company)
    seqs = [e.seq for e in svc.store.events_for(guid)]
    return svc.usage.explain(access, versions, svc.subscribers.event_reach(seqs), webhooks=svc.webhooks)


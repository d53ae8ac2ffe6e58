"""POST /v1/ingest: a partner pushes a wire file, signed with its ingest source's secret."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from newsflow.ingest import Outcome, push
from newsflow.ingest.sources import PUSH_SOURCE, SourceKind
from newsflow.services import Services
from newsflow.web.deps import services

router = APIRouter(prefix="/v1", tags=["ingest"])


async def admit(headers: Headers, svc: Services) -> tuple[str, list[str]]:
    """The pushing source and the secrets it may sign with, judged from the headers alone: a push that
    can never be taken (endpoint off, unknown or disabled source, signature headers missing or stale)
    is refused before a byte of its body is read (web.limits calls this first)."""
    name = headers.get("x-newsflow-source") or PUSH_SOURCE
    sources = svc.ingestor.sources
    # NEWSFLOW_INGEST_SECRET is the secret of the source named "push", as before sources had names.
    legacy = svc.settings.ingest_secret if name == PUSH_SOURCE else ""
    if legacy:
        await asyncio.to_thread(sources.ensure, PUSH_SOURCE, SourceKind.push)
    elif not svc.settings.ingest_secret and not await asyncio.to_thread(sources.has_push):
        # 403, not 503: retrying will not help, the agency has to turn pushing on for this partner
        raise HTTPException(403, "pushing is not enabled on this server: the agency adds a push source "
                                 "with `newsflow source add NAME --kind push` (or sets NEWSFLOW_INGEST_SECRET)")
    keys = [legacy] if legacy else []
    keys += await asyncio.to_thread(sources.push_secrets, name)
    if not keys:
        raise HTTPException(401, f"no push source named {name!r} (X-Newsflow-Source)")
    problem = push.check_headers(headers.get("x-newsflow-timestamp"), headers.get("x-newsflow-signature"))
    if problem:
        raise HTTPException(401, problem)
    disabled = await asyncio.to_thread(sources.refusal, name)
    if disabled:
        raise HTTPException(403, disabled)
    return name, keys


@router.post("/ingest", openapi_extra={"requestBody": {"content": {
    "application/xml": {}, "application/json": {}}, "required": True}})
async def ingest(request: Request, svc: Services = Depends(services)) -> JSONResponse:
    """Body: one file in any supported format, at most NEWSFLOW_MAX_INGEST_MB (413 beyond). Headers:
    `X-Newsflow-Source` (the push source's name; `push` when absent), `X-Newsflow-Timestamp` (Unix
    seconds) and `X-Newsflow-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}." + body>` with that
    source's secret. Answers per item; a story of the newsroom or of another source, or a killed one,
    is refused and the rest stored. A file that cannot be read is 422 naming the problem."""
    name, keys = await admit(request.headers, svc)
    body = await request.body()  # bounded by web.limits while it streams in
    problem = push.verify(keys, request.headers.get("x-newsflow-timestamp"),
                          request.headers.get("x-newsflow-signature"), body)
    if problem:
        raise HTTPException(401, problem)
    label = request.headers.get("x-newsflow-filename") or name
    results = await asyncio.to_thread(svc.ingestor.ingest_bytes, body, label, source=name)
    out: list[dict[str, Any]] = [asdict(r) for r in results]
    # 200 when anything was stored or already held; 422 when nothing could be read, 409 when the rest was refused
    outcomes = {r.outcome for r in results}
    status = (422 if outcomes == {Outcome.failed} else 409 if outcomes <= {Outcome.refused, Outcome.failed}
              else 200)
    error = {"error": results[0].reason} if status != 200 else {}
    return JSONResponse({**error, "ingest_source": name, "results": out}, status_code=status)

"""POST /v1/ingest: a partner pushes a wire file, signed with the shared ingest secret."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from newsflow.ingest import Outcome, push
from newsflow.ingest.service import MAX_FILE_BYTES
from newsflow.services import Services
from newsflow.web.deps import services

router = APIRouter(prefix="/v1", tags=["ingest"])


@router.post("/ingest", openapi_extra={"requestBody": {"content": {
    "application/xml": {}, "application/json": {}}, "required": True}})
async def ingest(request: Request, svc: Services = Depends(services)) -> JSONResponse:
    """Body: one file in any supported format. Headers: `X-Newsflow-Timestamp` (Unix seconds) and
    `X-Newsflow-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}." + body>`."""
    secret = svc.settings.ingest_secret
    if not secret:
        raise HTTPException(503, "the ingest endpoint is off: set NEWSFLOW_INGEST_SECRET to enable it")
    if int(request.headers.get("content-length") or 0) > MAX_FILE_BYTES:
        raise HTTPException(413, f"body over {MAX_FILE_BYTES:,} bytes")
    body = await request.body()
    if len(body) > MAX_FILE_BYTES:
        raise HTTPException(413, f"body over {MAX_FILE_BYTES:,} bytes")
    problem = push.verify(secret, request.headers.get("x-newsflow-timestamp"),
                          request.headers.get("x-newsflow-signature"), body)
    if problem:
        raise HTTPException(401, problem)
    source = request.headers.get("x-newsflow-filename") or "push"
    results = await asyncio.to_thread(svc.ingestor.ingest_bytes, body, source)
    out: list[dict[str, Any]] = [asdict(r) for r in results]
    status = 422 if all(r.outcome == Outcome.failed for r in results) else 200
    error = {"error": results[0].reason} if status == 422 else {}
    return JSONResponse({**error, "results": out}, status_code=status)

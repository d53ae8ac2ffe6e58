"""Answers with an ETag of their bytes, and 304 when the client already holds them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from newsflow.etags import etag_of, matches


def cached(request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None,
           status: int = 200) -> Response:
    """`body` with a strong ETag; 304 when the client already has these bytes."""
    headers = dict(headers or {})
    headers.setdefault("Cache-Control", "public, max-age=60")
    if status != 200:
        return Response(body, status, headers, media_type)
    etag = etag_of(body)
    headers["ETag"] = etag
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, status, headers, media_type)

"""/v1/items/{guid}: one story version in the format asked for (query `format` or the Accept header)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from newsflow.formats.registry import OUTPUTS, render
from newsflow.services import Services
from newsflow.store import User
from newsflow.web.deps import services, staff

router = APIRouter(prefix="/v1", tags=["items"])
_BY_MEDIA_TYPE = {f.media_type.split(";")[0]: f.name for f in OUTPUTS.values()} | {
    "application/json": "ninjs", "application/xml": "newsmlg2", "text/xml": "newsmlg2"}


def choose_format(requested: str | None, accept: str | None) -> str:
    """An explicit `format` wins; otherwise the first Accept type we serve; otherwise ninjs."""
    if requested:
        if requested not in OUTPUTS:
            raise HTTPException(400, f"format {requested!r} is not one of {', '.join(OUTPUTS)}")
        return requested
    for part in (accept or "").split(","):
        media_type = part.split(";")[0].strip().lower()
        if media_type in _BY_MEDIA_TYPE:
            return _BY_MEDIA_TYPE[media_type]
    return "ninjs"


@router.get("/items/{guid}", responses={200: {"content": {f.media_type: {} for f in OUTPUTS.values()}}})
def item(request: Request, guid: str,
         format: str | None = Query(None, description=f"One of: {', '.join(OUTPUTS)}."),
         version: int | None = Query(None, ge=1, description="A given version; the latest when omitted."),
         _: User = Depends(staff), svc: Services = Depends(services)) -> Response:
    fmt = choose_format(format, request.headers.get("accept"))
    story = svc.store.get_version(guid, version)
    body = render(story, fmt, svc.render_context)
    etag = f'"{story.guid}-{story.version}-{fmt}"'
    headers = {"ETag": etag, "Vary": "Accept",
               "Content-Disposition": f'inline; filename="{guid}-v{story.version}.{OUTPUTS[fmt].extension}"'}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=OUTPUTS[fmt].media_type, headers=headers)

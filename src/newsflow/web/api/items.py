"""/v1/items/{guid}: one story version in the format asked for (query `format` or the Accept header)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.exceptions import HTTPException

from newsflow.errors import NotFound
from newsflow.etags import matches
from newsflow.formats.registry import OUTPUTS, render
from newsflow.model import PubStatus
from newsflow.ranges import INT32_MAX
from newsflow.services import Services
from newsflow.store import User
from newsflow.web.api.subscriber import _bearer, company
from newsflow.web.deps import services, staff
from newsflow.web.guid_paths import Guid
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.feed import item_for
from newsflow.wire.subscribers import KEY_PREFIX
from newsflow.wire.usage import Use

router = APIRouter(prefix="/v1", tags=["items"])
_BY_MEDIA_TYPE = {f.media_type.split(";")[0]: f.name for f in OUTPUTS.values()} | {
    "application/json": "ninjs", "application/xml": "newsmlg2", "text/xml": "newsmlg2"}


def choose_format(requested: str | None, accept: str | None) -> str:
    """An explicit `format` wins; otherwise the first Accept type we serve; otherwise ninjs."""
    if requested:
        if requested not in OUTPUTS:
            raise HTTPException(422, f"format {requested!r} is not one of {', '.join(OUTPUTS)}")
        return requested
    for part in (accept or "").split(","):
        media_type = part.split(";")[0].strip().lower()
        if media_type in _BY_MEDIA_TYPE:
            return _BY_MEDIA_TYPE[media_type]
    return "ninjs"


def reader(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
           svc: Services = Depends(services)) -> User | CompanyAccess:
    """Agency staff (a staff token) or a subscriber (a company API key)."""
    if creds is not None and creds.credentials.startswith(KEY_PREFIX):
        return company(request, creds, svc)
    return staff(creds, svc)


# {guid:path} read through Guid: an ingested guid may be a URL and hold "/", "?", "#" or "%"
# (newsflow.web.guid_paths)
@router.get("/items/{guid:path}", responses={200: {"content": {f.media_type: {} for f in OUTPUTS.values()}}})
def item(request: Request, guid: Guid,
         format: str | None = Query(None, description=f"One of: {', '.join(OUTPUTS)}."),
         version: int | None = Query(None, ge=1, le=INT32_MAX, description="A given version; the latest when omitted."),
         who: User | CompanyAccess = Depends(reader), svc: Services = Depends(services)) -> Response:
    fmt = choose_format(format, request.headers.get("accept"))
    missing = f"no item {guid!r}" + (f" version {version}" if version else "")
    try:
        story = svc.store.get_version(guid, version)
        if isinstance(who, CompanyAccess):
            # the same answer for "does not exist" and "not yours", so nothing leaks; after a kill or
            # a withdrawal the company gets the notice for every version: none may be used any more
            found = item_for(svc.store, who, guid, version)
            if found is None:
                raise NotFound(missing)
            story = found
    except NotFound:
        raise HTTPException(404, missing) from None
    if isinstance(who, CompanyAccess):
        svc.usage.record([Use(who.id, "key:" + request.state.key[:12], guid, story.version, "item", fmt)])
    if story.pubstatus == PubStatus.canceled and (version is None or isinstance(who, CompanyAccess)):
        return JSONResponse({"error": f"item {guid!r} was withdrawn", "notice": story.spot,
                             "version": story.version, "reason": story.editor_note}, status_code=410)
    body = render(story, fmt, svc.render_context)
    # the guid encoded: a URL guid's "/", "?" or a space has no place in a tag or a file name
    name = quote(guid, safe="")
    etag = f'"{name}-{story.version}-{fmt}"'
    headers = {"ETag": etag, "Vary": "Accept",
               "Content-Disposition": f'inline; filename="{name}-v{story.version}.{OUTPUTS[fmt].extension}"'}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=OUTPUTS[fmt].media_type, headers=headers)

"""/media/{media_id}/{rendition}: the one address every rendered format links a stored media object at
(`RenderContext.rendition_href`), and /v1/media/…/link, which signs such an address for a client that
cannot send headers.

Who asks decides what is checked (wire.media_access): agency staff (a staff token or a desk session)
get any file; a subscriber company (an API key, a portal session, or a signed link made for it) gets a
file while a story version it may receive uses it; anyone gets the watermarked `public` rendition of
a media object a story on the public site shows. Answers: 401 without credentials, 403 not entitled
(saying why), 404 unknown media or rendition, 410 once every story using it was killed; an ETag and
304, single byte ranges (206, 416), HEAD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.exceptions import HTTPException
from starlette.types import Receive, Scope, Send

from newsflow.auth import COMPANY_ROLES, STAFF_ROLES
from newsflow.errors import NotFound
from newsflow.etags import matches
from newsflow.model import utcnow
from newsflow.newsroom.media import MediaError
from newsflow.ranges import INT64_MAX
from newsflow.services import Services
from newsflow.web.account.login import current_user
from newsflow.web.api.subscriber import _bearer, company
from newsflow.web.deps import services, staff
from newsflow.web.sessions import secret_key
from newsflow.wire import media_access
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.media_access import MediaVerdict, company_verdict, public_verdict
from newsflow.wire.subscribers import KEY_PREFIX
from newsflow.wire.usage import Use

router = APIRouter(tags=["media"])

PUBLIC = "public"  # the watermarked preview the public site shows (MediaLibrary.watermarked)
PRIVATE_CACHE = "private, max-age=60"  # short: a kill answers 410 within a minute, even from a cache
PUBLIC_CACHE = "public, max-age=300"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_FILE = {"content": {"application/octet-stream": {}}, "description": "The file (HEAD: its headers only)."}


@dataclass(frozen=True)
class Asker:
    """Who asks for a file: agency staff, or a company and what to write in its usage log."""

    staff: bool
    access: CompanyAccess | None = None
    actor: str = ""


STAFF = Asker(staff=True)


def asker(request: Request, creds: HTTPAuthorizationCredentials | None, svc: Services,
          company_id: str | None, expires: int | None, sig: str | None, rendition: str,
          media_id: str) -> Asker | None:
    """Whoever the request's credentials name (None: none were sent). A signed link is tried first
    (an importer may also hold a cookie); then an API key or staff token; then a session."""
    if sig is not None or expires is not None or company_id is not None:
        if sig is None or expires is None or company_id is None:
            raise HTTPException(403, "a signed link needs all of company, expires and sig")
        problem = media_access.link_problem(_link_key(svc), media_id, rendition, company_id, expires, sig)
        if problem:
            raise HTTPException(403, problem)
        wait = svc.limiter.take("link:" + sig)  # a link handed on is held to a key's rate
        if wait:
            raise HTTPException(429, f"rate limit of {svc.limiter.rate * 60:.0f} requests a minute reached",
                                {"Retry-After": str(max(1, round(wait)))})
        try:
            return Asker(False, svc.subscribers.access(company_id), "link:" + company_id[:27])
        except NotFound:
            raise HTTPException(403, f"company {company_id!r} of this link is gone") from None
    if creds is not None:
        if creds.credentials.startswith(KEY_PREFIX):
            access = _downloading(company(request, creds, svc))
            return Asker(False, access, "key:" + request.state.key[:12])
        staff(creds, svc)  # 401 for an unknown token, 403 for a role that is not staff
        return STAFF
    user = current_user(request)
    if user is None:
        return None
    if user.role in STAFF_ROLES:
        return STAFF
    if user.role in COMPANY_ROLES and user.company_id:
        try:
            return Asker(False, svc.subscribers.access(user.company_id), "user:" + user.id)
        except NotFound:
            raise HTTPException(403, "this account's company is gone") from None
    raise HTTPException(403, f"role {user.role!r} may not fetch media")


def _downloading(access: CompanyAccess) -> CompanyAccess:
    """The key's company, if the key may download items (its media are part of them); else 403."""
    if not access.may_use("items"):
        raise HTTPException(403, f"this API key's scopes ({', '.join(sorted(access.scopes))}) do not include "
                                 "'items', which media downloads need")
    return access


def _link_key(svc: Services) -> bytes:
    return media_access.link_key(secret_key(svc.settings))


def _refuse(verdict: MediaVerdict) -> HTTPException:
    return HTTPException(verdict.status, verdict.reason)


def _file(svc: Services, media_id: str, rendition: str) -> tuple[Path, str]:
    """The file of a rendition and its content type; 404 naming what is missing."""
    try:
        if rendition == PUBLIC:
            path, mimetype = svc.media.watermarked(media_id, svc.settings.agency_name), "image/jpeg"
        else:
            path, mimetype = svc.media.path(media_id, rendition)
    except NotFound:
        raise HTTPException(404, f"no media {media_id!r}") from None
    except MediaError as exc:
        if rendition == PUBLIC:
            raise HTTPException(404, f"media {media_id!r} has no public rendition (it has no preview)") from None
        raise HTTPException(404, f"media {media_id!r} has no rendition {rendition!r}: {exc.message}") from None
    if not path.is_file():
        raise HTTPException(404, f"the file of rendition {rendition!r} of media {media_id!r} is missing")
    return path, mimetype


class _MediaFile(FileResponse):
    """A FileResponse that honours a Range header only when asked to (single ranges that were checked
    first); any other Range is ignored and the whole file sent, as RFC 9110 allows."""

    def __init__(self, *args: Any, ranged: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ranged = ranged

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.ranged:
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"range"]}
        await super().__call__(scope, receive, send)


def byte_range(header: str | None, size: int) -> bool:
    """Whether `header` is one byte range to honour; raises 416 for one that is outside the file. A
    missing, malformed or multi-range header is ignored (the whole file)."""
    match = _RANGE.fullmatch((header or "").strip())
    if match is None:
        return False
    first, last = match.groups()
    if not first and not last:
        return False
    if first and last and int(last) < int(first):
        return False  # malformed: ignored
    if (first and int(first) >= size) or (not first and int(last) == 0):
        raise HTTPException(416, f"range {header!r} is outside the file's {size} bytes",
                            {"Content-Range": f"bytes */{size}"})
    return True


_ANSWERS: dict[int | str, dict[str, Any]] = {200: _FILE, 206: {**_FILE, "description": "The byte range asked for."}}


@router.head("/media/{media_id}/{rendition}", operation_id="media_file_headers", responses=_ANSWERS)
@router.get("/media/{media_id}/{rendition}", operation_id="media_file", responses=_ANSWERS)
def media_file(request: Request, media_id: str, rendition: str,
               company_id: str | None = Query(None, alias="company", max_length=32,
                                              description="Signed link: the company it was made for."),
               expires: int | None = Query(None, ge=0, le=INT64_MAX, description="Signed link: Unix time."),
               sig: str | None = Query(None, max_length=100, description="Signed link: its signature."),
               creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
               svc: Services = Depends(services)) -> Response:
    """A rendition of a stored media object (original, highres, preview, thumbnail, … or `public`)."""
    who = asker(request, creds, svc, company_id, expires, sig, rendition, media_id)
    if rendition == PUBLIC and not (who is not None and who.staff):
        opened = public_verdict(svc.store, svc.public, media_id)
        if opened.allowed or opened.status == 410:
            if not opened.allowed:
                raise _refuse(opened)
            return _serve(request, svc, media_id, rendition, PUBLIC_CACHE)
    if who is None:
        raise HTTPException(401, "missing credentials: send 'Authorization: Bearer <API key>', sign in, or use "
                                 "a signed link (GET /v1/media/{media_id}/{rendition}/link)",
                            {"WWW-Authenticate": "Bearer"})
    if who.access is None:  # staff: any file the library holds
        return _serve(request, svc, media_id, rendition, PRIVATE_CACHE)
    if svc.media.lookup(media_id) is None:
        raise HTTPException(404, f"no media {media_id!r}")
    verdict = company_verdict(svc.store, who.access, media_id)
    if not verdict.allowed:
        raise _refuse(verdict)
    response = _serve(request, svc, media_id, rendition, PRIVATE_CACHE)
    whole = isinstance(response, _MediaFile) and (
        not response.ranged or (request.headers.get("range") or "").strip().startswith("bytes=0-"))
    if request.method == "GET" and whole:
        # a download counted once, not once per range a video player asks for
        assert verdict.use is not None
        guid, version = verdict.use
        svc.usage.record([Use(who.access.id, who.actor, guid, version, "media", rendition[:16])])
    return response


def _serve(request: Request, svc: Services, media_id: str, rendition: str, cache: str) -> Response:
    """The file with its ETag (304 when the client holds it) and, for one byte range, 206."""
    path, mimetype = _file(svc, media_id, rendition)
    stat = path.stat()
    etag = f'"{media_id}-{rendition}-{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    headers = {"ETag": etag, "Cache-Control": cache, "Accept-Ranges": "bytes"}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    ranged = byte_range(request.headers.get("range"), stat.st_size)
    response = _MediaFile(path, media_type=mimetype, headers=headers, stat_result=stat, ranged=ranged,
                          content_disposition_type="inline")
    # (status_code stays 200: FileResponse itself answers 206 for a range it is left to serve)
    response.ranged = ranged and _if_range_holds(request, response)
    return response


def _if_range_holds(request: Request, response: FileResponse) -> bool:
    """If-Range: the range applies only while the client's copy is the current one."""
    if_range = request.headers.get("if-range")
    return if_range is None or if_range in (response.headers.get("etag"), response.headers.get("last-modified"))


@router.get("/v1/media/{media_id}/{rendition}/link")
def media_link(request: Request, media_id: str, rendition: str,
               ttl: int = Query(media_access.LINK_TTL, ge=60, le=media_access.LINK_TTL_MAX,
                                description="Seconds the link stays valid."),
               access: CompanyAccess = Depends(company), svc: Services = Depends(services)) -> dict[str, Any]:
    """A signed address of one rendition for this key's company, for a client that cannot send
    headers (a CMS importer): valid `ttl` seconds, and only while the company is entitled to it."""
    _downloading(access)
    if svc.media.lookup(media_id) is None:
        raise HTTPException(404, f"no media {media_id!r}")
    verdict = company_verdict(svc.store, access, media_id)
    if not verdict.allowed:
        raise _refuse(verdict)
    _file(svc, media_id, rendition)  # 404 now rather than from the link later
    expires = int(utcnow().timestamp()) + ttl
    sig = media_access.signature(_link_key(svc), media_id, rendition, access.id, expires)
    query = urlencode({"company": access.id, "expires": expires, "sig": sig})
    return {"href": f"{svc.render_context.rendition_href(media_id, rendition)}?{query}",
            "expires": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
            "media_id": media_id, "rendition": rendition}

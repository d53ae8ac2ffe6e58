"""/v1/newsroom: the desk's REST API (staff token auth).

Creating a story and every action on one take an `Idempotency-Key` header (newsflow.web.idempotency):
a retry with the same key answers the first result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from newsflow.model import Event, PubStatus, Story, StoryVersion, Strict
from newsflow.newsroom.actions import KILL_REASON_MAX
from newsflow.newsroom.media import MediaError
from newsflow.provenance import provenance_of
from newsflow.ranges import INT32_MAX, INT64_MAX
from newsflow.services import Services
from newsflow.store import StoryRecord, User
from newsflow.web.deps import publisher, services, staff
from newsflow.web.guid_paths import Guid
from newsflow.web.idempotency import Idempotent, idempotent

router = APIRouter(prefix="/v1/newsroom", tags=["newsroom"])


class StoryOut(BaseModel):
    guid: str
    draft: Story
    current_version: int
    pubstatus: PubStatus | None
    created: datetime
    modified: datetime
    first_published: datetime | None
    source: str | None = Field(default=None, description="The ingest source of a wire story; null for "
                                                         "the newsroom's own.")

    @classmethod
    def of(cls, record: StoryRecord) -> StoryOut:
        return cls(guid=record.guid, draft=record.draft, current_version=record.current_version,
                   pubstatus=record.pubstatus, created=record.created, modified=record.modified,
                   first_published=record.first_published, source=record.source)


# Routes that take a guid declare {guid:path} and read it through path_guid (newsflow.web.guid_paths):
# an ingested guid may be a URL. The suffix routes come before the bare one, which would take them in.


# Strict: an unknown field or a character XML cannot carry is a 422 naming the field itself.
class UpdateIn(Strict):
    editor_note: str | None = Field(default=None, max_length=4000)


class CorrectIn(Strict):
    editor_note: str = Field(min_length=1, max_length=4000, description="What was corrected.")


class KillIn(Strict):
    reason: str = Field(min_length=1, max_length=KILL_REASON_MAX, description="Why subscribers must not use it.")


@router.post("/stories", status_code=201, response_model=StoryOut)
def create_story(draft: Story, user: User = Depends(staff), svc: Services = Depends(services),
                 once: Idempotent = Depends(idempotent)) -> JSONResponse:
    return once.answer(user, 201, lambda: StoryOut.of(svc.newsroom.create(draft, by=user.id)))


@router.get("/stories", response_model=list[StoryOut])
def list_stories(limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=INT64_MAX),
                 _: User = Depends(staff), svc: Services = Depends(services)) -> list[StoryOut]:
    return [StoryOut.of(r) for r in svc.store.list_stories(limit=limit, offset=offset)]


@router.get("/stories/{guid:path}/versions", response_model=list[StoryVersion])
def versions(guid: Guid, _: User = Depends(staff), svc: Services = Depends(services)) -> list[StoryVersion]:
    svc.store.get_story(guid)  # 404 for an unknown guid rather than an empty list
    return svc.store.list_versions(guid)


@router.get("/stories/{guid:path}/versions/{version}", response_model=StoryVersion)
def version(guid: Guid, version: int = Path(ge=1, le=INT32_MAX), _: User = Depends(staff),
            svc: Services = Depends(services)) -> StoryVersion:
    return svc.store.get_version(guid, version)


@router.get("/stories/{guid:path}", response_model=StoryOut)
def get_story(guid: Guid, _: User = Depends(staff), svc: Services = Depends(services)) -> StoryOut:
    return StoryOut.of(svc.store.get_story(guid))


@router.patch("/stories/{guid:path}", response_model=StoryOut)
def edit_story(guid: Guid, changes: dict[str, Any], _: User = Depends(staff),
               svc: Services = Depends(services)) -> StoryOut:
    """Change some fields of the working copy; published versions are untouched until update."""
    return StoryOut.of(svc.newsroom.edit(guid, changes))


@router.post("/stories/{guid:path}/publish", status_code=201, response_model=StoryVersion)
def publish(guid: Guid, user: User = Depends(publisher), svc: Services = Depends(services),
            once: Idempotent = Depends(idempotent)) -> JSONResponse:
    return once.answer(user, 201, lambda: svc.newsroom.publish(guid, by=user.id))


@router.post("/stories/{guid:path}/update", status_code=201, response_model=StoryVersion)
def update(guid: Guid, body: UpdateIn | None = None, user: User = Depends(publisher),
           svc: Services = Depends(services), once: Idempotent = Depends(idempotent)) -> JSONResponse:
    note = body.editor_note if body else None
    return once.answer(user, 201, lambda: svc.newsroom.update(guid, by=user.id, editor_note=note))


@router.post("/stories/{guid:path}/correct", status_code=201, response_model=StoryVersion)
def correct(guid: Guid, body: CorrectIn, user: User = Depends(publisher),
            svc: Services = Depends(services), once: Idempotent = Depends(idempotent)) -> JSONResponse:
    return once.answer(user, 201, lambda: svc.newsroom.correct(guid, body.editor_note, by=user.id))


@router.post("/stories/{guid:path}/kill", status_code=201, response_model=StoryVersion)
def kill(guid: Guid, body: KillIn, user: User = Depends(publisher),
         svc: Services = Depends(services), once: Idempotent = Depends(idempotent)) -> JSONResponse:
    return once.answer(user, 201, lambda: svc.newsroom.kill(guid, body.reason, by=user.id))


@router.get("/events", response_model=list[Event])
def log(after: int = Query(0, ge=0, le=INT64_MAX, description="Return events with seq greater than this."),
        limit: int = Query(100, ge=1, le=1000), _: User = Depends(staff),
        svc: Services = Depends(services)) -> list[Event]:
    """The distribution log, oldest first: the same sequence every channel follows."""
    return svc.store.events_after(after, limit)


@router.post("/media", status_code=201)
async def upload_media(request: Request, file: UploadFile = File(...), caption: str = Form(""),
                       credit: str = Form(""), _: User = Depends(staff),
                       svc: Services = Depends(services)) -> dict[str, Any]:
    limit = svc.media.upload_cap  # the largest kind's limit (video may have its own); the library holds each kind
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + 64 * 1024:  # allow for the multipart envelope
        raise MediaError(f"upload is {declared:,} bytes; the limit is {limit:,}", 413)
    # the spooled upload is handed on as a file: the library streams it to disk and counts its bytes
    added = await run_in_threadpool(svc.media.add, file.file, filename=file.filename or "upload", caption=caption,
                                    credit=credit)
    return _media_out(added)


@router.get("/media/{media_id}")
def media_info(media_id: str, _: User = Depends(staff), svc: Services = Depends(services)) -> dict[str, Any]:
    return _media_out(svc.store.get_media(media_id))


@router.get("/media/{media_id}/{rendition}")
def media_file(media_id: str, rendition: str, _: User = Depends(staff),
               svc: Services = Depends(services)) -> FileResponse:
    path, mimetype = svc.media.path(media_id, rendition)
    if not path.is_file():
        raise HTTPException(404, f"file of rendition {rendition!r} of media {media_id!r} is missing")
    return FileResponse(path, media_type=mimetype)


def _media_out(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in record.items() if k != "renditions"}
    out["renditions"] = {name: {**info, "href": f"/v1/newsroom/media/{record['id']}/{name}"}
                         for name, info in record["renditions"].items()}
    provenance = provenance_of(record)  # what the file as received said of itself (C2PA): desk and portal
    out["provenance"] = provenance.to_dict() if provenance else None
    return out

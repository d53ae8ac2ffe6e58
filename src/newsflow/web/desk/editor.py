"""The desk editor's helpers that answer its script: pasted HTML cleaned by the server's sanitizer, and
previews of the unsaved form as a subscriber and as the public would see the story.

Both are staff only and need the page's CSRF token; neither writes anything. A preview renders the
same partials the portal and the public site render a story with (portal/_story.html, _public_story.html),
from the form's values read and validated exactly as a save would read them (desk/routes.py).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from newsflow.model import Story, StoryVersion, utcnow
from newsflow.public import summarize
from newsflow.services import Services
from newsflow.store import User
from newsflow.web import i18n, media_view, sessions
from newsflow.web.account.login import require_staff
from newsflow.web.deps import services
from newsflow.web.desk import routes
from newsflow.web.desk.paste import clean_paste
from newsflow.web.guid_paths import Guid, segment
from newsflow.web.public.site import View, lead_photo, story_path
from newsflow.web.templating import private_page, reader_zone

router = APIRouter(include_in_schema=False)

PREVIEWS = ("wire", "public")


@router.post("/desk/clean", dependencies=[Depends(sessions.require_csrf)])
async def clean(request: Request, _: User = Depends(require_staff)) -> Response:
    """Form field `html` (a paste, or the body's HTML source) as the body HTML the server keeps. The body's
    size is held to its route class in web/limits.py (413 beyond, naming the limit)."""
    form = await request.form()
    html = form.get("html")
    if not isinstance(html, str):
        raise HTTPException(422, "the form has no html field")
    cleaned = await run_in_threadpool(clean_paste, html)
    return JSONResponse({"html": cleaned}, headers={"Cache-Control": "no-store"})


def _gallery(svc: Services, story: Story) -> list[dict[str, Any]]:
    """The story's media as portal/_story.html shows them, their files from the desk's media route (the
    portal's is for subscribers)."""
    out = []
    for photo in story.photos:
        record = svc.media.lookup(photo.media_id) if photo.media_id else None
        view = media_view.shown(photo, record, lambda name, media_id=photo.media_id: f"/desk/media/{media_id}/{name}")
        out.append(view | {"alt": photo.alt or photo.title or photo.caption, "title": photo.title,
                           "caption": photo.caption, "credit": photo.credit,
                           "renditions": [(name, href, href) for name, href in view["renditions"]]})
    return out


def _as_version(svc: Services, story: Story, guid: str) -> StoryVersion:
    """The draft as the version it would become if sent now: the next version of a story on the wire."""
    now = utcnow()
    record = svc.store.find_story(guid) if guid else None
    published = record is not None and record.published
    first = svc.store.get_version(guid, 1).first_published if published else now
    return StoryVersion.model_validate(story.model_dump() | {
        "guid": guid or "preview", "version": (record.current_version + 1) if published and record else 1,
        "first_published": first, "version_created": now})


def _as_wire(svc: Services, version: StoryVersion, pane_id: str) -> dict[str, Any]:
    """What portal/_story.html needs to draw a working copy as subscribers would get it."""
    # the body went through the model's sanitizer when the story was validated
    return {"body": Markup(version.body_html), "gallery": _gallery(svc, version), "formats": [],
            "pane_id": pane_id, "now": utcnow()}


@router.get("/desk/stories/{guid}/pane")
def pane(guid: Guid, request: Request, user: User = Depends(require_staff),
         svc: Services = Depends(services)) -> Response:
    """The list's reading pane: a story's working copy as the wire would carry it if sent now (the
    portal's own partial), with the way into the editor."""
    record = svc.store.find_story(guid)
    if record is None:
        raise HTTPException(404, f"no story {guid!r}")
    version = _as_version(svc, record.draft, guid)
    return private_page(request, "desk/_pane.html", user=user, s=version, edit=f"/desk/stories/{segment(guid)}",
                        story_dir=i18n.direction(version.language),
                        **_as_wire(svc, version, "pane"))


@router.post("/desk/preview", dependencies=[Depends(sessions.require_csrf)])
async def preview(request: Request, user: User = Depends(require_staff),
                  svc: Services = Depends(services)) -> Response:
    """The editor's form (as it would be sent to save) rendered as the wire (`view=wire`) or the public
    page (`view=public`) would show it. Never stored, never cached."""
    form = await request.form()
    view = form.get("view")
    if view not in PREVIEWS:
        raise HTTPException(422, f"view must be one of {', '.join(PREVIEWS)}, not {view!r}")
    guid = form.get("guid")
    guid = guid if isinstance(guid, str) else ""
    t = i18n.request_translator(request)

    def render() -> Response:
        fields, errors = routes.story_fields(routes.values_from_form(form), t, reader_zone(request))
        try:
            story = Story.model_validate(fields)
        except ValidationError as exc:
            errors = routes.validation_errors(exc, t) | errors
        if errors:
            return private_page(request, "desk/_preview.html", status=422, user=user, view=view, errors=errors)
        version = _as_version(svc, story, guid)
        values: dict[str, Any] = {"s": version, "story_dir": i18n.direction(version.language)}
        if view == "wire":
            values |= _as_wire(svc, version, "preview")
        else:
            photo = lead_photo(svc, version)
            if photo is not None:  # the public address serves published stories only
                photo = dataclasses.replace(photo, src=f"/desk/media/{photo.media_id}/preview")
            values |= {"s": View(version, story_path(version)), "photo": photo, "translations": [],
                       "summary": summarize(version, svc.settings.summary_words)}
        return private_page(request, "desk/_preview.html", user=user, view=view, errors={},
                            public_why=svc.public.rule().why(version), embargo=version.embargo, **values)

    return await run_in_threadpool(render)

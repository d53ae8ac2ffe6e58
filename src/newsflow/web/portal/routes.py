"""The subscriber portal at /portal: the wire (live), search, stories with downloads, bookmarks,
history, saved searches and their alerts.

For users with role subscriber or company_admin (`login.require_portal`). Everything a page shows
goes through the one entitlement rule: the wire list and search through `SearchIndex.search` with
the company's access, a story and its downloads through `wire.entitlement.may_see`. A story the
company may not see is a 404 everywhere, the same answer as one that does not exist.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.exceptions import HTTPException

from newsflow.auth import COMPANY_ROLES
from newsflow.errors import NotFound
from newsflow.formats.registry import OUTPUTS, render
from newsflow.model import GUID_MAX, ItemKind, PubStatus, StoryVersion, utcnow
from newsflow.newsroom.media import MediaError
from newsflow.portal import search_query
from newsflow.ranges import INT64_MAX
from newsflow.sanitize import clean_html
from newsflow.services import Services
from newsflow.store import User
from newsflow.store.search import FACETS, MAX_OFFSET, QueryError
from newsflow.web import i18n, media_view, sessions
from newsflow.web.account.login import current_user, require_portal
from newsflow.web.api.subscriber import event_stream, resume_from
from newsflow.web.deps import services
from newsflow.web.guid_paths import Guid, segment
from newsflow.web.templating import PRIVATE, private_page
from newsflow.web.wire_view import portal_row, zip_name
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.feed import item_verdicts, versions_reach
from newsflow.wire.stream import Holder
from newsflow.wire.usage import Use

router = APIRouter(prefix="/portal", include_in_schema=False)

PAGE_SIZE = 20
PHOTO_PAGE = 24  # cards on a page of the photo wire
PHOTO_SCAN = 5  # pages of 100 stories the photo wire looks through for one page of pictures
PICTURE_KINDS = (ItemKind.picture, ItemKind.graphic)
DOWNLOAD_FORMATS = ("ninjs", "ninjs3", "newsmlg2", "nitf", "text", "html")
ZIP_MAX = 100  # stories in one zip download: a page of the wire five times over
FILTERS = ("q", "category", "dossier", "language", "urgency", "from", "to")


def _access(svc: Services, user: User) -> CompanyAccess:
    assert user.company_id is not None  # require_portal saw to it
    try:
        return svc.subscribers.access(user.company_id)
    except NotFound:
        raise HTTPException(403, "this account's company is gone") from None


def _actor(user: User) -> str:
    return "user:" + user.id


def _params(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip()[:200] for k in FILTERS if request.query_params.get(k)}


def _render(request: Request, template: str, user: User, svc: Services, **values: Any) -> Response:
    """A portal page, with the count of the user's unseen alerts in its navigation."""
    values.setdefault("section", "")  # the navigation marks the page it is on
    return private_page(request, template, user=user, alert_count=svc.alerts.unseen(user.id), **values)


def _bad_query(exc: QueryError) -> HTTPException:
    return HTTPException(422, str(exc))


# ---- the wire -----------------------------------------------------------------------------------------


@router.get("")
def wire(request: Request, before: str | None = Query(None, description="Cursor: the time of the last story shown."),
         user: User = Depends(require_portal), svc: Services = Depends(services)) -> Response:
    """Newest first, filtered, paged by a time cursor; /static/portal.js adds new stories live."""
    params = _params(request)
    params.pop("q", None)
    cursor = _cursor(before)
    try:
        query = search_query(params, limit=PAGE_SIZE, facets=True, before=cursor)
    except QueryError as exc:
        raise _bad_query(exc) from None
    result = svc.search.search(query, _access(svc, user))
    next_before = result.hits[-1].version_created.isoformat() if len(result.hits) == PAGE_SIZE else None
    # the very versions search found and entitled, dressed with what a row shows (photos, slugline)
    found = svc.store.get_versions([(h.guid, h.version) for h in result.hits])
    rows = [portal_row(found[(h.guid, h.version)], svc.render_context) for h in result.hits
            if (h.guid, h.version) in found]
    return _render(request, "portal/wire.html", user, svc, rows=rows, facets=result.facets,
                   params=params, next_before=next_before, paged=before is not None, section="wire",
                   formats=[OUTPUTS[f] for f in DOWNLOAD_FORMATS], zip_max=ZIP_MAX)


@router.get("/stories/{guid}/row")
def row(request: Request, guid: Guid, user: User = Depends(require_portal),
        svc: Services = Depends(services)) -> Response:
    """One wire row, as the list renders it, for a story arriving live (static/wire.js fetches it on
    each event): the latest version the company may see, a kill as a killed row; 404 otherwise."""
    access = _access(svc, user)
    version = _entitled(svc, access, [guid]).get(guid)
    if version is None:
        raise HTTPException(404, f"no story {guid!r}")
    return private_page(request, "_wire_row.html", r=portal_row(version, svc.render_context))


def _cursor(before: str | None) -> datetime | None:
    """A page cursor (the time of the last story shown) as the bound of the next page."""
    if not before:
        return None
    try:
        cursor = datetime.fromisoformat(before) - timedelta(microseconds=1)
    except ValueError:
        raise HTTPException(422, f"before: a time, got {before!r}") from None
    if cursor.tzinfo is None:
        raise HTTPException(422, "before: a time with a zone")
    return cursor


@router.get("/events", responses={200: {"content": {"text/event-stream": {}}}})
async def events(request: Request, svc: Services = Depends(services)) -> Response:
    """Server-Sent Events (ninjs) of the company's new stories, on the node's stream hub (the hub's
    connections live on the event loop, so this route is async and reads the database in a thread).
    The hub re-checks the user and the company while the stream is open (see wire.stream)."""
    user = await asyncio.to_thread(current_user, request)
    if user is None:
        raise HTTPException(401, "sign in first")
    if user.role not in COMPANY_ROLES or not user.company_id:
        raise HTTPException(403, "the portal is for subscriber accounts")
    resume = resume_from(request.headers.get("last-event-id"))
    access = await asyncio.to_thread(_access, svc, user)
    # the session rides along: signing out (or a password change) ends the stream within a second
    return event_stream(svc, access, "ninjs", resume,
                        holder=Holder(user_id=user.id, session=sessions.session(request).id_hash))


# ---- search -------------------------------------------------------------------------------------------


@router.get("/search")
def search(request: Request, offset: int = Query(0, ge=0, le=MAX_OFFSET), user: User = Depends(require_portal),
           svc: Services = Depends(services)) -> Response:
    params = _params(request)
    try:
        query = search_query(params, limit=PAGE_SIZE, offset=offset)
    except QueryError as exc:
        raise _bad_query(exc) from None
    result = svc.search.search(query, _access(svc, user))
    return _render(request, "portal/search.html", user, svc, result=result, params=params, offset=offset,
                   facet_names=FACETS, page_size=PAGE_SIZE)


# ---- stories ------------------------------------------------------------------------------------------


def _entitled(svc: Services, access: CompanyAccess, guids: list[str]) -> dict[str, StoryVersion]:
    """What the company gets for each guid, as the pull API decides it (`item_verdicts`): the latest
    version, the kill once killed, the withdrawal notice; a guid that is not the company's is left out."""
    verdicts = item_verdicts(svc.store, access, [(guid, None) for guid in guids])
    return {guid: version for (guid, _), (version, verdict) in verdicts.items() if verdict}


def _visible(svc: Services, user: User, guid: str) -> tuple[CompanyAccess, StoryVersion]:
    """The latest version if the user's company may see it; 404 otherwise (the same for "not yours"),
    410 once killed."""
    access = _access(svc, user)
    story = _entitled(svc, access, [guid]).get(guid)
    if story is None:
        raise HTTPException(404, f"no story {guid!r}")
    if story.pubstatus == PubStatus.canceled:
        raise HTTPException(410, f"story {guid!r} was withdrawn: {story.editor_note or story.spot}")
    return access, story


def _gallery(svc: Services, story: StoryVersion) -> list[dict[str, Any]]:
    """Each media object (picture, graphic, video, audio) as media_view shows it, its files served by
    the subscriber media route /media/{id}/{rendition} (web/api/media.py), which answers a portal
    session while a version its company may receive uses the file; each rendition also names the
    address the download formats carry for it (`RenderContext.rendition_href`), which is what a
    subscriber's system will fetch."""
    ctx = svc.render_context
    out = []
    for photo in story.photos:
        record = ctx.media(photo.media_id) if photo.media_id else None
        view = media_view.shown(photo, record, lambda name, media_id=photo.media_id: f"/media/{media_id}/{name}")
        stored = photo.media_id is not None and record is not None
        links = [(name, href, ctx.rendition_href(photo.media_id, name) if stored and photo.media_id else href)
                 for name, href in view["renditions"]]
        out.append(view | {"alt": photo.alt or photo.title or photo.caption, "title": photo.title,
                           "caption": photo.caption, "credit": photo.credit, "renditions": links})
    return out


# ---- the photo wire -----------------------------------------------------------------------------------


def _pictures(story: StoryVersion) -> list[Any]:
    """The pictures and graphics of a story, or none when it has none to show."""
    return [p for p in story.photos if p.kind in PICTURE_KINDS]


@router.get("/photos")
def photo_wire(request: Request, before: str | None = Query(None, description="Cursor: the time of the last card."),
               user: User = Depends(require_portal), svc: Services = Depends(services)) -> Response:
    """Picture and graphic items and stories with pictures the company may see, newest first, as a
    grid of thumbnails with caption, credit and time. The same search as the wire (so the same
    entitlement), walked in pages of 100 until a page of cards is full."""
    params = _params(request)
    params.pop("q", None)
    cursor = _cursor(before)
    access = _access(svc, user)
    cards: list[dict[str, Any]] = []
    next_before: str | None = None  # where the next page starts: after the last card, or the last story looked at
    for _ in range(PHOTO_SCAN):
        try:
            query = search_query(params, limit=100, facets=False, before=cursor)
        except QueryError as exc:
            raise _bad_query(exc) from None
        hits = svc.search.search(query, access).hits
        versions = _entitled_versions(svc, user, [h.guid for h in hits])
        for hit in hits:
            version = versions.get(hit.guid)
            if version is None or not (version.kind in PICTURE_KINDS or _pictures(version)):
                continue
            cards.append({"story": version, "time": hit.version_created, "picture": _gallery(svc, version.model_copy(
                update={"photos": _pictures(version)[:1]}))[0], "count": len(_pictures(version))})
            if len(cards) == PHOTO_PAGE:
                break
        if len(cards) == PHOTO_PAGE:
            next_before = cards[-1]["time"].isoformat()
            break
        if len(hits) < 100:
            next_before = None
            break
        next_before = hits[-1].version_created.isoformat()
        cursor = hits[-1].version_created - timedelta(microseconds=1)
    return _render(request, "portal/photos.html", user, svc, cards=cards, params=params, next_before=next_before,
                   section="photos")


# A story's routes take its guid as one encoded segment (newsflow.web.guid_paths): it may be a URL.
@router.get("/stories/{guid}")
def story(request: Request, guid: Guid, user: User = Depends(require_portal),
          svc: Services = Depends(services)) -> Response:
    return _render(request, "portal/story.html", user, svc, **_opened(svc, user, guid), pane_id="page")


@router.get("/stories/{guid}/pane")
def pane(request: Request, guid: Guid, user: User = Depends(require_portal),
         svc: Services = Depends(services)) -> Response:
    """The story alone (portal/_story.html, the story page's own partial) for the wire's reading pane:
    the same entitlement, the same usage and history as opening the page."""
    return private_page(request, "portal/_story.html", user=user, **_opened(svc, user, guid), pane_id="pane")


def _opened(svc: Services, user: User, guid: str) -> dict[str, Any]:
    """A story the user opens (page or pane): checked, counted, noted in the history, and what the
    story partial shows of it."""
    access, version = _visible(svc, user, guid)
    portal = svc.portal
    svc.usage.record([Use(access.id, _actor(user), guid, version.version, "portal", "html")])
    portal.note(user.id, guid, version.version, "open")
    return {"s": version, "body": Markup(clean_html(version.body_html)), "gallery": _gallery(svc, version),
            "formats": [OUTPUTS[f] for f in DOWNLOAD_FORMATS], "bookmarked": portal.is_bookmarked(user.id, guid),
            "now": utcnow()}


@router.get("/stories/{guid}/media/{media_id}/{rendition}")
def story_media(guid: Guid, media_id: str, rendition: str, user: User = Depends(require_portal),
                svc: Services = Depends(services)) -> Response:
    """A rendition of a photo of a story the company may see (404 for anything else)."""
    _, version = _visible(svc, user, guid)
    if not any(p.media_id == media_id for p in version.photos):
        raise HTTPException(404, f"no photo {media_id!r} in story {guid!r}")
    try:
        path, mimetype = svc.media.path(media_id, rendition)
    except (NotFound, MediaError):
        raise HTTPException(404, f"no rendition {rendition!r} of photo {media_id!r}") from None
    if not path.is_file():
        raise HTTPException(404, f"no rendition {rendition!r} of photo {media_id!r}")
    return FileResponse(path, media_type=mimetype, headers={"Cache-Control": "private, max-age=3600"})


@router.get("/stories/{guid}/download")
def download(request: Request, guid: Guid, format: str = Query("ninjs"), user: User = Depends(require_portal),
             svc: Services = Depends(services)) -> Response:
    if format not in DOWNLOAD_FORMATS:
        raise HTTPException(422, f"format {format!r} is not one of {', '.join(DOWNLOAD_FORMATS)}")
    access, version = _visible(svc, user, guid)
    output = OUTPUTS[format]
    body = render(version, format, svc.render_context)
    svc.usage.record([Use(access.id, _actor(user), guid, version.version, "portal", format)])
    svc.portal.note(user.id, guid, version.version, "download", format)
    # the guid encoded: a URL guid's "/" or "?" has no place in a file name
    filename = f"{segment(guid)}-v{version.version}.{output.extension}"
    return Response(body, media_type=output.media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": PRIVATE})


@router.post("/download", dependencies=[Depends(sessions.require_csrf)])
async def download_many(request: Request, user: User = Depends(require_portal),
                        svc: Services = Depends(services)) -> Response:
    """The stories ticked on the wire as one zip in one format. Each guid is decided as a single
    download is (`_entitled`, kills left out): one the company may not see is not in the zip, and
    the zip says nothing of it."""
    form = await request.form()
    format = str(form.get("format") or "ninjs")
    if format not in DOWNLOAD_FORMATS:
        raise HTTPException(422, f"format {format!r} is not one of {', '.join(DOWNLOAD_FORMATS)}")
    guids = list(dict.fromkeys(str(g) for g in form.getlist("guid") if str(g)))  # once each, in order
    if not guids:
        raise HTTPException(422, "guid: tick at least one story")
    if len(guids) > ZIP_MAX:
        raise HTTPException(422, f"guid: at most {ZIP_MAX} stories in one download, got {len(guids)}")
    odd = next((g for g in guids if len(g) > GUID_MAX or "\x00" in g), None)
    if odd is not None:  # no story has such an id, and a database may refuse to even compare it
        raise HTTPException(422, f"guid: not a story id: {odd[:80]!r}")
    return await asyncio.to_thread(_zip, svc, user, guids, format)


def _zip(svc: Services, user: User, guids: list[str], format: str) -> Response:
    access = _access(svc, user)
    found = _entitled(svc, access, guids)
    versions = [found[g] for g in guids if g in found and found[g].pubstatus != PubStatus.canceled]
    if not versions:
        raise HTTPException(404, "none of these stories is yours to download")
    output = OUTPUTS[format]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for version in versions:
            archive.writestr(zip_name(version.guid, version.version, output.extension),
                             render(version, format, svc.render_context))
    svc.usage.record([Use(access.id, _actor(user), v.guid, v.version, "portal", format) for v in versions])
    for v in versions:
        svc.portal.note(user.id, v.guid, v.version, "download", format)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="stories-{format}-{stamp}.zip"', "Cache-Control": PRIVATE})


# ---- bookmarks and history ----------------------------------------------------------------------------


@router.post("/stories/{guid}/bookmark", dependencies=[Depends(sessions.require_csrf)])
async def bookmark(request: Request, guid: Guid, user: User = Depends(require_portal),
                   svc: Services = Depends(services)) -> Response:
    form = await request.form()
    await asyncio.to_thread(_visible, svc, user, guid)
    svc.portal.bookmark(user.id, guid, on=form.get("action") != "remove")
    return RedirectResponse(f"/portal/stories/{segment(guid)}", 303)


def _entitled_versions(svc: Services, user: User, guids: list[str]) -> dict[str, StoryVersion]:
    """The latest versions of `guids` the company may still see (kept lists never leak)."""
    access = _access(svc, user)
    now = utcnow()
    latest = svc.store.latest_versions(guids)
    reached = versions_reach(svc.store, [(v.guid, v.version) for v in latest.values()])
    return {guid: v for guid, v in latest.items() if may_see(access, reached[(guid, v.version)].copy, v, now)}


@router.get("/bookmarks")
def bookmarks(request: Request, user: User = Depends(require_portal), svc: Services = Depends(services)) -> Response:
    kept = svc.portal.bookmarks(user.id)
    versions = _entitled_versions(svc, user, [guid for guid, _ in kept])
    rows = [(versions[guid], at) for guid, at in kept if guid in versions]
    return _render(request, "portal/bookmarks.html", user, svc, rows=rows)


@router.get("/history")
def history(request: Request, user: User = Depends(require_portal), svc: Services = Depends(services)) -> Response:
    entries = svc.portal.history(user.id)
    versions = _entitled_versions(svc, user, [e["guid"] for e in entries])
    rows = [{**e, "story": versions[e["guid"]]} for e in entries if e["guid"] in versions]
    return _render(request, "portal/history.html", user, svc, rows=rows)


# ---- saved searches and alerts ------------------------------------------------------------------------


@router.post("/searches", dependencies=[Depends(sessions.require_csrf)])
async def save_search(request: Request, user: User = Depends(require_portal),
                      svc: Services = Depends(services)) -> Response:
    form = await request.form()
    params = {k: str(form.get(k) or "").strip()[:200] for k in FILTERS}
    name = str(form.get("name") or "").strip() or params.get("q") or "search"
    try:
        await asyncio.to_thread(lambda: svc.alerts.save_search(user.id, name, params, email=form.get("email") == "on",
                                                               language=i18n.negotiate(request)))
    except QueryError as exc:
        raise _bad_query(exc) from None
    return RedirectResponse("/portal/alerts", 303)


SEARCH_ID = Path(ge=1, le=INT64_MAX, description="A saved search's id.")


@router.post("/searches/{search_id}/email", dependencies=[Depends(sessions.require_csrf)])
async def search_email(request: Request, search_id: int = SEARCH_ID, user: User = Depends(require_portal),
                       svc: Services = Depends(services)) -> Response:
    form = await request.form()
    await asyncio.to_thread(svc.alerts.set_email, user.id, search_id, form.get("email") == "on")
    return RedirectResponse("/portal/alerts", 303)


@router.post("/searches/{search_id}/delete", dependencies=[Depends(sessions.require_csrf)])
def delete_search(search_id: int = SEARCH_ID, user: User = Depends(require_portal),
                  svc: Services = Depends(services)) -> Response:
    svc.alerts.delete_search(user.id, search_id)
    return RedirectResponse("/portal/alerts", 303)


@router.get("/alerts/count")
def alert_count(user: User = Depends(require_portal), svc: Services = Depends(services)) -> Response:
    """The badge's number, for the live wire page to refresh as stories arrive."""
    return JSONResponse({"unseen": svc.alerts.unseen(user.id)}, headers={"Cache-Control": PRIVATE})


@router.get("/alerts")
def alerts(request: Request, user: User = Depends(require_portal), svc: Services = Depends(services)) -> Response:
    response = _render(request, "portal/alerts.html", user, svc, alerts=svc.alerts.alerts(user.id),
                       searches=svc.alerts.saved_searches(user.id), mail_enabled=svc.mailer is not None)
    svc.alerts.mark_seen(user.id)
    return response

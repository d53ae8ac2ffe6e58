"""The newsroom desk: the staff's web face over the Newsroom API (newsroom/actions.py).

Every rule about what may happen to a story lives in `Newsroom` and in auth.py's roles; this module
turns forms into calls to them and their errors into messages next to the fields. A refused form
leaves nothing behind: when an action fails after the draft was saved, the previous draft is put back.
"""

from __future__ import annotations

import asyncio
import difflib
from datetime import UTC, datetime, tzinfo
from typing import Any, BinaryIO

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from newsflow.auth import PUBLISH_ROLES, STAFF_ROLES
from newsflow.errors import Conflict, FieldError
from newsflow.model import (
    HEADLINE_MAX,
    URGENCY_LABELS,
    ItemKind,
    Photo,
    PubStatus,
    Role,
    Story,
    StoryVersion,
    html_to_text,
)
from newsflow.newsroom.media import MediaError
from newsflow.ranges import INT32_MAX, whole_number
from newsflow.services import Services
from newsflow.store import StoryRecord, User
from newsflow.web import forms, i18n, media_view, sessions
from newsflow.web.account.login import require_publisher, require_staff, stream_credential
from newsflow.web.deps import services
from newsflow.web.desk.live import LiveView, event_rows
from newsflow.web.guid_paths import Guid, segment
from newsflow.web.i18n import N_, Translator, words
from newsflow.web.templating import private_page, reader_zone
from newsflow.web.wire_view import WireRow, desk_row

router = APIRouter(include_in_schema=False)

LIST_SIZE = 500  # the desk lists the most recently changed stories; filters apply within them
LIVE_SIZE = 50
STATUSES = ("draft", "published", "withheld", "killed")
CONCEPTS = ("subjects", "places", "people", "organisations")
ACTIONS = ("save", "publish", "update", "correct")
# The kinds an editor picks from; a package (an item grouping others) comes from ingest only.
KINDS = tuple(k.value for k in ItemKind if k != ItemKind.package)
BLANK_CONTRIBUTORS = 2
# Fixed messages after a redirect: the query names one, so nothing a link carries is echoed.
# The values are msgids: the message is shown in the reader's UI language.
NOTICES = {"saved": N_("Draft saved."), "published": N_("Published: version 1 is on the wire."),
           "update": N_("Update sent as a new version."), "correct": N_("Correction sent as a new version."),
           "kill": N_("Killed: the withdrawal went to everyone who received the story.")}


def status_of(record: StoryRecord) -> str:
    if not record.published:
        return "draft"
    return {PubStatus.usable: "published", PubStatus.withheld: "withheld",
            PubStatus.canceled: "killed"}.get(record.pubstatus or PubStatus.usable, "published")


# ---- between the model and the form ----------------------------------------------------------------------


# text fields the editor shows as they are; the form calls the desk note "private_note" (staff only,
# never sent), so no form name reads like one of the desk's own text keys
WORDS = ("subheadline", "byline_text", "tagline")


def carried_over(old: Story, new: Story) -> Story:
    """`new` (read from the form) with what the form does not show taken from `old`: a package's members,
    a contributor's job title (by name), a remote media object's renditions (by its link or media id).
    Without it, saving an ingested story on the desk would drop them."""
    titles = {c.name: c.title for c in old.contributors if c.title}
    renditions = {(p.media_id, p.href): p.renditions for p in old.photos if p.renditions}
    return new.model_copy(update={
        "members": new.members or old.members,
        "contributors": [c if c.title else c.model_copy(update={"title": titles.get(c.name)})
                         for c in new.contributors],
        "photos": [p if p.renditions else p.model_copy(update={"renditions": renditions.get((p.media_id, p.href), [])})
                   for p in new.photos],
    })


def values_of(story: Story, zone: tzinfo = UTC) -> dict[str, Any]:
    """A story as the form shows it: every field a string (or a list of row dicts), the embargo in the
    editor's own zone."""
    return {
        "kind": story.kind.value, "headline": story.headline, "spot": story.spot, "summary": story.summary or "",
        "body_html": story.body_html, "dateline": story.dateline or "", "slugline": story.slugline or "",
        **{name: getattr(story, name) or "" for name in WORDS}, "private_note": story.desk_note or "",
        "dossier": story.dossier or "", "categories": ", ".join(story.categories),
        "keywords": ", ".join(story.keywords), "related": "\n".join(story.related),
        **{name: "\n".join(f"{c.name} | {c.code}" if c.code else c.name for c in getattr(story, name))
           for name in CONCEPTS},
        "language": story.language, "translation_group": story.translation_group or "",
        "urgency": str(story.urgency),
        "embargo": story.embargo.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if story.embargo else "",
        "public": story.public,
        "contributors": [{"name": c.name, "role": c.role.value, "place": c.place or ""} for c in story.contributors],
        "photos": [{"kind": p.kind.value, "media_id": p.media_id or "", "href": p.href or "",
                    "title": p.title or "", "caption": p.caption, "credit": p.credit, "alt": p.alt or ""}
                   for p in story.photos],
        "editor_note": "",
    }


def values_from_form(form: FormData) -> dict[str, Any]:
    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    def many(name: str) -> list[str]:
        return [v if isinstance(v, str) else "" for v in form.getlist(name)]

    values: dict[str, Any] = {name: text(name) for name in (
        "kind", "headline", "spot", "summary", "body_html", "dateline", "slugline", *WORDS, "private_note", "dossier",
        "categories", "keywords", "related", *CONCEPTS, "language", "translation_group", "urgency", "embargo",
        "editor_note", "photo_new_caption", "photo_new_credit", "photo_new_alt")}
    values["public"] = text("public") == "on"
    values["contributors"] = [{"name": n, "role": r, "place": p} for n, r, p in
                              zip(many("contributor_name"), many("contributor_role"), many("contributor_place"),
                                  strict=False)]
    removed = set(many("photo_remove"))
    rows = zip(many("photo_media_id"), many("photo_href"), many("photo_title"), many("photo_caption"),
               many("photo_credit"), many("photo_alt"), strict=False)
    kinds = many("photo_kind")  # a form without it (an older page) keeps its rows, as pictures
    values["photos"] = [{"kind": kinds[index] if index < len(kinds) else "", "media_id": m, "href": h, "title": t,
                         "caption": c, "credit": cr, "alt": a}
                        for index, (m, h, t, c, cr, a) in enumerate(rows) if str(index) not in removed]
    return values


def _concept(line: str) -> dict[str, Any]:
    name, _, code = line.partition("|")
    return {"name": name.strip(), "code": code.strip() or None}


def story_fields(values: dict[str, Any], t: Translator,
                 zone: tzinfo = UTC) -> tuple[dict[str, Any], dict[str, str]]:
    """The Story fields a form's values stand for, and errors (in `t`'s language) for the values that
    cannot be read."""
    errors: dict[str, str] = {}

    def optional(name: str) -> str | None:
        return values[name].strip() or None

    fields: dict[str, Any] = {
        "kind": values["kind"].strip() or ItemKind.text.value, "headline": values["headline"].strip(),
        "spot": values["spot"].strip(), "summary": optional("summary"),
        "body_html": values["body_html"], "dateline": optional("dateline"), "slugline": optional("slugline"),
        **{name: optional(name) for name in WORDS}, "desk_note": optional("private_note"),
        "dossier": optional("dossier"), "categories": forms.commas(values["categories"]),
        "keywords": forms.commas(values["keywords"]), "related": forms.lines(values["related"]),
        **{name: [_concept(line) for line in forms.lines(values[name])] for name in CONCEPTS},
        "language": values["language"].strip() or "en", "translation_group": optional("translation_group"),
        "public": bool(values["public"]),
        "contributors": [{"name": c["name"].strip(), "role": c["role"] or "reporter",
                          "place": c["place"].strip() or None}
                         for c in values["contributors"] if c["name"].strip()],
        "photos": [{"kind": p["kind"] or ItemKind.picture.value, "media_id": p["media_id"] or None,
                    "href": p["href"] or None, "title": p["title"] or None, "caption": p["caption"],
                    "credit": p["credit"], "alt": p["alt"] or None}
                   for p in values["photos"]],
    }
    try:
        fields["urgency"] = int(values["urgency"] or 5)
    except ValueError:
        fields["urgency"] = 5  # a stand-in so the rest of the form is still checked
        errors["urgency"] = t.gettext("Urgency: choose a number from 1 (flash) to 9 (background).")
    embargo = values["embargo"].strip()
    fields["embargo"] = None
    if embargo:
        try:
            when = datetime.fromisoformat(embargo.replace("Z", "+00:00"))
        except ValueError:
            errors["embargo"] = t.gettext("Embargo: give a date and time, e.g. 2026-11-26T06:00.")
        else:
            # the form's datetime-local has no zone: it is the editor's, which the label names
            fields["embargo"] = when if when.tzinfo else when.replace(tzinfo=zone)
    return fields, errors


def _label(name: str, t: Translator) -> str:
    """A field's name in an error message; a field without a translation keeps a readable English name."""
    known = words.STORY_FIELDS.get(name)
    return t.gettext(known) if known else name.replace("_", " ").capitalize()


def validation_errors(exc: ValidationError, t: Translator) -> dict[str, str]:
    """Pydantic's errors keyed by the form field they belong to (the first part of the location). The
    field's name is translated; pydantic's own message stays English (it comes from the model)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())] or ["headline"]
        where = " ".join(str(int(p) + 1) if p.isdigit() else p for p in loc[1:])
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        text = f"{_label(loc[0], t)}{' ' + where if where else ''}: {message}"
        field = "private_note" if loc[0] == "desk_note" else loc[0]  # its name in the form
        errors[field] = f"{errors[field]} {text}" if field in errors else text
    return errors


def field_error(exc: FieldError, t: Translator) -> dict[str, str]:
    name = exc.field.split(".")[0]
    return {name: f"{_label(name, t)}: {exc.message}"}


# ---- pages ------------------------------------------------------------------------------------------------


def _desk_page(request: Request, template: str, user: User, *, status: int = 200, **values: Any) -> Response:
    return private_page(request, template, status=status, user=user, **values)


@router.get("/desk")
def story_list(request: Request, status: str = "", category: str = "", language: str = "",
               user: User = Depends(require_staff), svc: Services = Depends(services)) -> Response:
    """The most recently changed stories as the wire list (templates/_wire_screen.html), every status
    labelled; static/wire.js replaces a row live when the log announces its story."""
    last_seq = svc.store.last_seq()  # before the read: an event written meanwhile is sent again, not lost
    records = svc.store.list_stories(limit=LIST_SIZE)
    rows, categories, languages = [], set(), set()
    for record in records:
        draft = record.draft
        categories.update(draft.categories)
        languages.add(draft.language)
        if status and status_of(record) != status:
            continue
        if category and category not in draft.categories:
            continue
        if language and draft.language != language:
            continue
        rows.append(_wire_row(record, svc))
    return _desk_page(request, "desk/list.html", user, section="stories", rows=rows, statuses=STATUSES,
                      categories=sorted(categories), languages_seen=sorted(languages), last_seq=last_seq,
                      filters={"status": status, "category": category, "language": language})


def _wire_row(record: StoryRecord, svc: Services) -> WireRow:
    return desk_row(record.guid, record.draft, status_of(record), record.current_version, record.modified,
                    svc.render_context)


@router.get("/desk/stories/{guid}/row")
def story_row(guid: Guid, request: Request, user: User = Depends(require_staff),
              svc: Services = Depends(services)) -> Response:
    """One row of the list alone, for a story the log announces while the list is open."""
    record = svc.store.find_story(guid)
    if record is None:
        raise HTTPException(404, f"no story {guid!r}")
    return _desk_page(request, "_wire_row.html", user, r=_wire_row(record, svc))


def _editor(request: Request, svc: Services, user: User, record: StoryRecord | None, values: dict[str, Any], *,
            errors: dict[str, str] | None = None, problem: str | None = None, reason: str = "",
            status: int = 200) -> Response:
    shown = dict(values)
    shown["contributors"] = [*values["contributors"],
                             *({"name": "", "role": "reporter", "place": ""} for _ in range(BLANK_CONTRIBUTORS))]
    for name in ("photo_new_caption", "photo_new_credit", "photo_new_alt"):
        shown.setdefault(name, "")
    shown["photos"] = [row | {"view": _media_view(svc, row)} for row in values["photos"]]
    done = NOTICES.get(request.query_params.get("done", ""))
    # the copy fields follow the story's language (as the form now has it), whatever the UI's is
    story_lang = str(values.get("language") or "").strip() or "en"
    common: dict[str, Any] = {
        "section": "stories" if record else "new", "v": shown, "errors": errors or {}, "problem": problem,
        "notice": i18n.request_translator(request).gettext(done) if done else None, "reason": reason,
        "roles": [r.value for r in Role], "kinds": KINDS, "urgencies": sorted(URGENCY_LABELS.items()),
        "can_publish": user.role in PUBLISH_ROLES, "headline_max": HEADLINE_MAX, "story_lang": story_lang,
        "story_dir": i18n.direction(story_lang)}
    if record is None:
        return _desk_page(request, "desk/editor.html", user, status=status, guid=None, action="/desk/stories/new",
                          state="draft", published=False, killed=False, versions=[], version=0,
                          modified=None, **common)
    return _desk_page(request, "desk/editor.html", user, status=status, guid=record.guid,
                      action=f"/desk/stories/{segment(record.guid)}", published=record.published,
                      killed=record.pubstatus == PubStatus.canceled,
                      versions=svc.store.list_versions(record.guid) if record.published else [],
                      version=record.current_version, modified=record.modified,
                      state=status_of(record), **common)


@router.get("/desk/stories/new")
def new_story(request: Request, user: User = Depends(require_staff),
              svc: Services = Depends(services)) -> Response:
    # a blank form: the model's defaults, and an empty headline for the editor to write
    return _editor(request, svc, user, None, values_of(Story.model_construct(headline="")))


# A story's routes take its guid as one encoded segment (newsflow.web.guid_paths): it may be a URL.
@router.get("/desk/stories/{guid}")
def edit_story(guid: Guid, request: Request, user: User = Depends(require_staff),
               svc: Services = Depends(services)) -> Response:
    record = svc.store.get_story(guid)
    return _editor(request, svc, user, record, values_of(record.draft, reader_zone(request)))


def _media_view(svc: Services, row: dict[str, Any]) -> dict[str, Any]:
    """How the editor shows one media row of the form (a poster frame, a player, its duration)."""
    media_id = row.get("media_id") or None
    try:
        photo = Photo(kind=row.get("kind") or ItemKind.picture, media_id=media_id, href=row.get("href") or None)
    except ValidationError:
        return {"kind": row.get("kind") or "", "still": None, "small": None, "src": row.get("href") or None,
                "mimetype": None, "duration": None, "clock": "", "renditions": []}
    record = svc.media.lookup(media_id) if media_id else None
    return media_view.shown(photo, record, lambda name: f"/desk/media/{media_id}/{name}")


def _read_upload(form: FormData) -> tuple[BinaryIO, str] | None:
    """The form's media file, left where the form parser spooled it (a video is not read into memory:
    the media library copies it to its folder in chunks)."""
    upload = form.get("photo_file")
    if not isinstance(upload, UploadFile) or not upload.filename or not upload.size:
        return None
    return upload.file, upload.filename


@router.post("/desk/stories/new", dependencies=[Depends(sessions.require_csrf)])
async def create_story(request: Request, user: User = Depends(require_staff),
                       svc: Services = Depends(services)) -> Response:
    form = await request.form()
    return await run_in_threadpool(_submit, request, svc, user, None, form, _read_upload(form))


@router.post("/desk/stories/{guid}", dependencies=[Depends(sessions.require_csrf)])
async def save_story(guid: Guid, request: Request, user: User = Depends(require_staff),
                     svc: Services = Depends(services)) -> Response:
    form = await request.form()
    return await run_in_threadpool(_submit, request, svc, user, guid, form, _read_upload(form))


def _submit(request: Request, svc: Services, user: User, guid: str | None, form: FormData,
            upload: tuple[BinaryIO, str] | None) -> Response:
    action = str(form.get("action") or "save")
    if action not in ACTIONS:
        raise HTTPException(422, f"unknown action {action!r}")
    if action != "save":
        require_publisher(request)  # 403 page for a reporter, before anything is written
    record = svc.store.get_story(guid) if guid else None
    t = i18n.request_translator(request)
    values = values_from_form(form)
    fields, errors = story_fields(values, t, reader_zone(request))
    draft: Story | None = None
    try:  # validated even when some values could not be read, so every problem shows at once
        draft = Story.model_validate(fields)
    except ValidationError as exc:
        errors = validation_errors(exc, t) | errors
    if errors:
        draft = None
    if draft is not None and record is not None:
        draft = carried_over(record.draft, draft)
    if draft is not None and upload is not None:
        # the file is stored only once the rest of the form is valid, so a refused form adds no file;
        # a picture uploaded to a graphic item is a graphic, a video or audio file is what it holds
        data, filename = upload
        try:
            media = svc.media.add(data, filename=filename, caption=values["photo_new_caption"].strip(),
                                  credit=values["photo_new_credit"].strip(), kind=draft.kind)
        except MediaError as exc:
            errors["photo_file"] = f"{_label('photo_file', t)}: {exc.message}"
        else:
            photo = Photo(kind=media["kind"], media_id=media["id"], caption=media["caption"] or "",
                          credit=media["credit"] or "", alt=values["photo_new_alt"].strip() or None)
            draft = draft.model_copy(update={"photos": [*draft.photos, photo]})
            values["photos"] = values_of(draft)["photos"]
            for name in ("photo_new_caption", "photo_new_credit", "photo_new_alt"):
                values[name] = ""
    if errors or draft is None:
        return _editor(request, svc, user, record, values, errors=errors, status=422)
    note = values["editor_note"].strip()
    try:
        # the save and the action in one transaction: an action refused (a kill won the race, say)
        # undoes the save too, and nothing written in between is overwritten
        with svc.store.unit():
            if record is None:
                record = svc.newsroom.create(draft, by=user.id)
            else:
                record = svc.newsroom.edit(record.guid, draft.model_dump())
            if action == "publish":
                svc.newsroom.publish(record.guid, by=user.id)
            elif action == "update":
                svc.newsroom.update(record.guid, by=user.id, editor_note=note or None)
            elif action == "correct":
                svc.newsroom.correct(record.guid, note, by=user.id)
    except (FieldError, Conflict) as exc:
        shown = svc.store.find_story(record.guid) if record else None
        if isinstance(exc, FieldError):
            return _editor(request, svc, user, shown, values, errors=field_error(exc, t), status=422)
        return _editor(request, svc, user, shown, values, problem=str(exc), status=409)
    done = {"save": "saved", "publish": "published"}.get(action, action)
    return RedirectResponse(f"/desk/stories/{segment(record.guid)}?done={done}", 303)


@router.post("/desk/stories/{guid}/kill", dependencies=[Depends(sessions.require_csrf)])
async def kill_story(guid: Guid, request: Request, user: User = Depends(require_publisher),
                     svc: Services = Depends(services)) -> Response:
    form = await request.form()
    reason = str(form.get("reason") or "")

    def kill() -> Response:
        record = svc.store.get_story(guid)
        values = values_of(record.draft, reader_zone(request))
        try:
            svc.newsroom.kill(guid, reason, by=user.id)
        except FieldError as exc:
            return _editor(request, svc, user, record, values,
                           errors=field_error(exc, i18n.request_translator(request)), reason=reason, status=422)
        except Conflict as exc:
            return _editor(request, svc, user, record, values, problem=str(exc), reason=reason, status=409)
        return RedirectResponse(f"/desk/stories/{segment(guid)}?done=kill", 303)

    return await run_in_threadpool(kill)


@router.get("/desk/media/{media_id}/{rendition}")
def media_file(media_id: str, rendition: str, _: User = Depends(require_staff),
               svc: Services = Depends(services)) -> Response:
    path, mimetype = svc.media.path(media_id, rendition)
    if not path.is_file():
        raise HTTPException(404, "missing file")
    return FileResponse(path, media_type=mimetype, headers={"Cache-Control": "private, max-age=3600"})


# ---- history and diff --------------------------------------------------------------------------------------


def field_texts(v: StoryVersion, t: Translator) -> list[tuple[str, str]]:
    """Each field of a version as plain text, one item a line, for a line diff a person can read. The
    field names and the desk's own words (yes/no, urgency, status) are in `t`'s language."""
    def concepts(name: str) -> str:
        return "\n".join(f"{c.name} ({c.code})" if c.code else c.name for c in getattr(v, name))

    urgency = URGENCY_LABELS.get(v.urgency)
    status = t.gettext(words.PUBSTATUS[v.pubstatus.value])
    if v.is_correction:
        status += " (" + t.gettext("correction") + ")"
    level = t.gettext(words.URGENCY[urgency]) if urgency else ""
    return [
        (t.gettext("Item kind"), t.gettext(words.KIND[v.kind.value])),
        (t.gettext("Headline"), v.headline), (t.gettext("Second headline"), v.subheadline or ""),
        (t.gettext("Spot"), v.spot), (t.gettext("Summary"), v.summary or ""),
        (t.gettext("Body"), html_to_text(v.body_html)), (t.gettext("Dateline"), v.dateline or ""),
        (t.gettext("Contributors"), "\n".join(f"{c.name} ({c.role.value}{', ' + c.place if c.place else ''})"
                                             for c in v.contributors)),
        (t.gettext("Sections"), "\n".join(v.categories)), (t.gettext("Dossier"), v.dossier or ""),
        (t.gettext("Keywords"), "\n".join(v.keywords)),
        *((t.gettext(words.STORY_FIELDS[name]), concepts(name)) for name in CONCEPTS),
        (t.gettext("Language"), v.language), (t.gettext("Translations group"), v.translation_group or ""),
        (t.gettext("Urgency"), f"{v.urgency} {level}"),
        (t.gettext("Embargo"), v.embargo.isoformat() if v.embargo else ""),
        (t.gettext("Public"), t.gettext("yes") if v.public else t.gettext("no")),
        (t.gettext("Photos, video and audio"),
         "\n".join(f"{p.kind.value} {p.media_id or p.href}: {p.caption} — {p.credit}" for p in v.photos)),
        (t.gettext("Related"), "\n".join(v.related)), (t.gettext("Slugline"), v.slugline or ""),
        (t.gettext("Byline as printed"), v.byline_text or ""), (t.gettext("Tagline (end line)"), v.tagline or ""),
        (t.gettext("Status"), status), (t.gettext("Editor's note"), v.editor_note or ""),
        (t.gettext("Desk note (private)"), v.desk_note or ""),
    ]


def diff_fields(a: StoryVersion, b: StoryVersion, t: Translator) -> list[tuple[str, list[tuple[str, str]]]]:
    """(field, [(kind, line)]) for each field that differs; kind is add, del or same."""
    out = []
    for (name, old), (_, new) in zip(field_texts(a, t), field_texts(b, t), strict=True):
        if old == new:
            continue
        lines = []
        # one paragraph a line; blank separator lines would only make ndiff pair the wrong lines
        for line in difflib.ndiff([x for x in old.splitlines() if x.strip()],
                                  [x for x in new.splitlines() if x.strip()]):
            tag, text = line[:2], line[2:]
            if tag == "? ":
                continue  # ndiff's intraline hints are for terminals
            lines.append(({"+ ": "add", "- ": "del"}.get(tag, "same"), text))
        out.append((name, lines))
    return out


@router.get("/desk/stories/{guid}/diff")
def diff(guid: Guid, request: Request, a: int = Query(1, ge=1, le=INT32_MAX), b: int = Query(2, ge=1, le=INT32_MAX),
         user: User = Depends(require_staff),
         svc: Services = Depends(services)) -> Response:
    old, new = svc.store.get_version(guid, a), svc.store.get_version(guid, b)
    return _desk_page(request, "desk/diff.html", user, section="stories", guid=guid, a=a, b=b,
                      headline=new.headline, story_lang=new.language, story_dir=i18n.direction(new.language),
                      fields=diff_fields(old, new, i18n.request_translator(request)))


# ---- live view ---------------------------------------------------------------------------------------------


def live_view(request: Request) -> LiveView:
    """The app's one LiveView; the app's lifespan makes it a follower handler."""
    return request.app.state.desk_live


@router.get("/desk/live")
def live(request: Request, user: User = Depends(require_staff), svc: Services = Depends(services)) -> Response:
    last = svc.store.last_seq()
    rows = list(reversed(event_rows(svc.store, svc.store.events_after(max(0, last - LIVE_SIZE), LIVE_SIZE))))
    return _desk_page(request, "desk/live.html", user, section="live", rows=rows, last_seq=last)


@router.get("/desk/events")
async def live_events(request: Request, svc: Services = Depends(services)) -> Response:
    """The distribution log as Server-Sent Events for the live view, resumable with Last-Event-ID."""
    # a session or a staff token (Bearer), re-checked every second while the stream is open
    holder = await run_in_threadpool(stream_credential, request)
    # an EventSource cannot follow a redirect to a login form: answer plainly instead
    if holder is None:
        return Response("sign in first", 401, media_type="text/plain")
    user = holder.user
    if user.role not in STAFF_ROLES:
        return Response("staff only", 403, media_type="text/plain")
    start = request.headers.get("last-event-id") or request.query_params.get("after")
    # checked before the stream starts: a seq beyond 64 bits would otherwise end it mid-way
    after = whole_number(start, "after") if start else await asyncio.to_thread(svc.store.last_seq)

    frames = sessions.until_ended(live_view(request).stream(after), holder.still_valid)
    return StreamingResponse(frames, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

"""What an editor can do to a story. Each action that publishes writes a version and its event
in one transaction (Store.append_version) and then wakes the channels."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.model import Event, EventKind, PubStatus, Story, StoryVersion, utcnow
from newsflow.store import Store, StoryRecord

Listener = Callable[[Event], None]


class Newsroom:
    def __init__(self, store: Store, listeners: list[Listener] | None = None) -> None:
        self.store = store
        self.listeners: list[Listener] = listeners or []

    # ---- drafts -------------------------------------------------------------------------------

    def create(self, draft: Story, *, by: str | None = None, now: datetime | None = None) -> StoryRecord:
        self._check_media(draft)
        return self.store.create_story(draft, by=by, now=now)

    def edit(self, guid: str, changes: dict[str, Any]) -> StoryRecord:
        """Apply a partial change to the working copy; the result is validated as a whole."""
        record = self.store.get_story(guid)
        if record.pubstatus == PubStatus.canceled:
            raise Conflict(f"story {guid!r} was killed and can no longer be edited")
        merged = record.draft.model_dump() | changes
        draft = Story.model_validate(merged)  # raises ValidationError naming the field
        self._check_media(draft)
        return self.store.save_draft(guid, draft)

    # ---- publishing ---------------------------------------------------------------------------

    # `now` lets a caller back-date an action (demo content, replays); the desk leaves it unset.

    def publish(self, guid: str, *, by: str | None = None, now: datetime | None = None) -> StoryVersion:
        record = self.store.get_story(guid)
        if record.published:
            raise Conflict(f"story {guid!r} is already published (version {record.current_version}); "
                           "use update or correct")
        return self._append(record, EventKind.publish, by=by, now=now)

    def update(self, guid: str, *, by: str | None = None, editor_note: str | None = None,
               now: datetime | None = None) -> StoryVersion:
        record = self._live(guid, "update")
        return self._append(record, EventKind.update, by=by, editor_note=editor_note, now=now)

    def correct(self, guid: str, editor_note: str, *, by: str | None = None,
                now: datetime | None = None) -> StoryVersion:
        if not editor_note.strip():
            raise FieldError("editor_note", "a correction needs a note saying what was corrected")
        record = self._live(guid, "correct")
        return self._append(record, EventKind.correct, by=by, is_correction=True,
                            editor_note=editor_note.strip(), now=now)

    def kill(self, guid: str, reason: str, *, by: str | None = None) -> StoryVersion:
        """Withdraw a story everywhere: a new version, pubstatus canceled, body replaced by the notice."""
        if not reason.strip():
            raise FieldError("reason", "a kill needs a reason subscribers will read")
        record = self._live(guid, "kill")
        current = self.store.get_version(guid, record.current_version)
        notice = f"This story has been withdrawn. Do not use it. Reason: {reason.strip()}"
        withdrawn = current.story.model_copy(update={
            "body_html": f"<p>{html.escape(notice)}</p>", "summary": None, "photos": [],
            # a story still under embargo keeps it: even its withdrawal must not reach anyone early
            "embargo": current.embargo if current.embargo and current.embargo > utcnow() else None,
            "spot": notice, "public": current.public,
        })
        return self._append(record, EventKind.kill, by=by, pubstatus=PubStatus.canceled,
                            editor_note=reason.strip(), story=withdrawn)

    def lift_embargoes(self, now: datetime | None = None) -> list[Event]:
        lifted = self.store.lift_due_embargoes(now)
        for event in lifted:
            self.announce(event)
        return lifted

    # ---- internals ----------------------------------------------------------------------------

    def _live(self, guid: str, action: str) -> StoryRecord:
        record = self.store.get_story(guid)
        if not record.published:
            raise Conflict(f"story {guid!r} has not been published yet; publish it before you {action} it")
        if record.pubstatus == PubStatus.canceled:
            raise Conflict(f"story {guid!r} was killed; it cannot be {action}ed")
        return record

    def _append(self, record: StoryRecord, kind: EventKind, *, story: Story | None = None,
                **options: Any) -> StoryVersion:
        version, event = self.store.append_version(record.guid, story or record.draft, kind, **options)
        self.announce(event)
        return version

    def announce(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def _check_media(self, draft: Story) -> None:
        for index, photo in enumerate(draft.photos):
            if photo.media_id is None:
                continue
            try:
                self.store.get_media(photo.media_id)
            except NotFound as exc:
                raise FieldError(f"photos.{index}.media_id", str(exc)) from None

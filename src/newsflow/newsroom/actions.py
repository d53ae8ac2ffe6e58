"""What an editor can do to a story. Each action that publishes writes a version and its event
in one transaction (Store.append_version) and then wakes the channels.

Each action's rule (publish once; update, correct and kill only a live story; never edit a killed
one) is checked by the store on the story's state under its lock, inside the transaction that
writes: of two racing actions on one story one wins and the other is refused (Conflict, 409).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.model import Event, EventKind, PubStatus, Story, StoryVersion, utcnow
from newsflow.store import Store, StoryRecord
from newsflow.store.store import Expect

Listener = Callable[[Event], None]


# The notice a kill puts in the story's spot, so the reason is bounded by what the spot holds.
KILL_NOTICE = "This story has been withdrawn. Do not use it. Reason: {reason}"
KILL_REASON_MAX = Story.model_fields["spot"].metadata[0].max_length - len(KILL_NOTICE.format(reason=""))


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
        _editable(record)  # early, so a killed story answers 409 before its changes are judged
        merged = record.draft.model_dump() | changes
        draft = Story.model_validate(merged)  # raises ValidationError naming the field
        self._check_media(draft)
        return self.store.save_draft(guid, draft, expect=_editable)

    # ---- publishing ---------------------------------------------------------------------------

    # `now` lets a caller back-date an action (demo content, replays); the desk leaves it unset.

    def publish(self, guid: str, *, by: str | None = None, now: datetime | None = None) -> StoryVersion:
        return self._append(guid, EventKind.publish, _unpublished, by=by, now=now)

    def update(self, guid: str, *, by: str | None = None, editor_note: str | None = None,
               now: datetime | None = None) -> StoryVersion:
        return self._append(guid, EventKind.update, _live("update"), by=by, editor_note=editor_note, now=now)

    def correct(self, guid: str, editor_note: str, *, by: str | None = None,
                now: datetime | None = None) -> StoryVersion:
        if not editor_note.strip():
            raise FieldError("editor_note", "a correction needs a note saying what was corrected")
        return self._append(guid, EventKind.correct, _live("correct"), by=by, is_correction=True,
                            editor_note=editor_note.strip(), now=now)

    def kill(self, guid: str, reason: str, *, by: str | None = None) -> StoryVersion:
        """Withdraw a story everywhere: a new version, pubstatus canceled, body replaced by the notice."""
        if not reason.strip():
            raise FieldError("reason", "a kill needs a reason subscribers will read")
        if len(reason.strip()) > KILL_REASON_MAX:
            raise FieldError("reason", f"a kill reason has at most {KILL_REASON_MAX} characters "
                             "(it goes into the notice every subscriber reads)")
        notice = KILL_NOTICE.format(reason=reason.strip())

        def withdrawn(current: StoryVersion) -> Story:
            # made from the version current under the story's lock, not one read before it
            base, embargo = current, None
            if current.embargoed_at(utcnow()):
                # Nothing of held copy may reach anyone early, but whoever had an earlier version must
                # hear of the kill now: the notice then carries the last version out of embargo (earlier
                # versions are immutable, so reading them beside the lock is safe). A story never out
                # of embargo keeps it: only those allowed embargoed copy ever had it.
                earlier = [v for v in self.store.list_versions(guid)
                           if v.version < current.version and not v.embargoed_at(utcnow())]
                base, embargo = (earlier[-1], None) if earlier else (current, current.embargo)
            return base.story.model_copy(update={
                "body_html": f"<p>{html.escape(notice)}</p>", "summary": None, "photos": [],
                "embargo": embargo, "spot": notice, "public": current.public,
            })

        return self._append(guid, EventKind.kill, _live("kill"), story=withdrawn, by=by,
                            pubstatus=PubStatus.canceled, editor_note=reason.strip())

    def lift_embargoes(self, now: datetime | None = None) -> list[Event]:
        lifted = self.store.lift_due_embargoes(now)
        for event in lifted:
            self.announce(event)
        return lifted

    # ---- internals ----------------------------------------------------------------------------

    def _append(self, guid: str, kind: EventKind, expect: Expect, *,
                story: Callable[[StoryVersion], Story] | None = None, **options: Any) -> StoryVersion:
        # story None: the working copy as it stands under the lock
        version, event = self.store.append_version(guid, story, kind, expect=expect, **options)
        # inside a Store.unit (the API's Idempotency-Key) the channels are woken once it commits
        self.store.after_commit(lambda: self.announce(event))
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


# ---- the rules, checked by the store under the story's lock ------------------------------------


def _unpublished(record: StoryRecord) -> None:
    if record.published:
        raise Conflict(f"story {record.guid!r} is already published (version {record.current_version}); "
                       "use update or correct")


def _live(action: str) -> Expect:
    def check(record: StoryRecord) -> None:
        if not record.published:
            raise Conflict(f"story {record.guid!r} has not been published yet; publish it before you {action} it")
        if record.pubstatus == PubStatus.canceled:
            raise Conflict(f"story {record.guid!r} was killed; it cannot be {action}ed")

    return check


def _editable(record: StoryRecord) -> None:
    if record.pubstatus == PubStatus.canceled:
        raise Conflict(f"story {record.guid!r} was killed and can no longer be edited")

"""Versions are immutable; every publishing action appends exactly one event, in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from newsflow.errors import Conflict, NotFound
from newsflow.model import EventKind, PubStatus, Story, utcnow
from newsflow.newsroom import Newsroom
from newsflow.store import Store


def _story(**changes: object) -> Story:
    fields: dict[str, object] = {"headline": "Harbour reopens", "body_html": "<p>Ships move again.</p>",
                                  "categories": ["Europe"]}
    return Story.model_validate(fields | changes)


def test_publish_update_correct_kill_make_versions_and_events(store: Store) -> None:
    desk = Newsroom(store)
    guid = desk.create(_story()).guid
    v1 = desk.publish(guid)
    desk.edit(guid, {"headline": "Harbour reopens after storm"})
    v2 = desk.update(guid)
    v3 = desk.correct(guid, "Fixed the number of ships.")
    v4 = desk.kill(guid, "Legal advice")

    assert [v.version for v in (v1, v2, v3, v4)] == [1, 2, 3, 4]
    assert v2.first_published == v1.first_published  # first published stays …
    assert v2.version_created > v1.version_created  # … updated moves
    assert v3.is_correction and v3.editor_note == "Fixed the number of ships."
    assert v4.pubstatus == PubStatus.canceled and "withdrawn" in v4.body_html and "Ships" not in v4.body_html
    assert [(e.kind, e.version) for e in store.events_after(0)] == [
        (EventKind.publish, 1), (EventKind.update, 2), (EventKind.correct, 3), (EventKind.kill, 4)]
    # the old versions are still readable as they were
    assert store.get_version(guid, 1).headline == "Harbour reopens"
    assert store.get_version(guid).version == 4


def test_published_versions_cannot_be_changed_or_deleted(store: Store) -> None:
    desk = Newsroom(store)
    guid = desk.create(_story()).guid
    desk.publish(guid)
    for statement in ("UPDATE versions SET headline = 'rewritten'", "DELETE FROM versions"):
        with pytest.raises(sa.exc.DBAPIError, match="immutable"), store.write() as conn:
            conn.execute(sa.text(statement))
    assert store.get_version(guid, 1).headline == "Harbour reopens"


def test_actions_refused_in_the_wrong_state(store: Store) -> None:
    desk = Newsroom(store)
    guid = desk.create(_story()).guid
    with pytest.raises(Conflict, match="not been published"):
        desk.update(guid)
    desk.publish(guid)
    with pytest.raises(Conflict, match="already published"):
        desk.publish(guid)
    desk.kill(guid, "Wrong town")
    for action in (lambda: desk.update(guid), lambda: desk.correct(guid, "x"),
                   lambda: desk.kill(guid, "again"), lambda: desk.edit(guid, {"headline": "x"})):
        with pytest.raises(Conflict, match="killed"):
            action()
    with pytest.raises(NotFound, match="no story"):
        desk.publish("nope")


def test_a_failure_in_the_middle_of_a_publish_leaves_no_version_and_no_event(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    desk = Newsroom(store)
    guid = desk.create(_story()).guid

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "_append_events", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        desk.publish(guid)
    monkeypatch.undo()
    assert store.list_versions(guid) == []
    assert store.events_after(0) == []
    assert store.get_story(guid).current_version == 0
    assert desk.publish(guid).version == 1  # and the story is still publishable


def test_embargo_is_held_then_lifted_by_one_event(store: Store) -> None:
    desk = Newsroom(store)
    now = utcnow()
    guid = desk.create(_story(embargo=now + timedelta(hours=1))).guid
    desk.publish(guid)
    assert store.latest() == []  # not listed while under embargo
    assert store.next_embargo(now) == store.get_version(guid).embargo
    assert desk.lift_embargoes(now) == []
    lifted = desk.lift_embargoes(now + timedelta(hours=1, seconds=1))
    assert [(e.kind, e.guid) for e in lifted] == [(EventKind.embargo_lift, guid)]
    assert desk.lift_embargoes(now + timedelta(hours=2)) == []  # exactly once
    assert [s.guid for s in store.latest(now=now + timedelta(hours=2))] == [guid]


def test_the_writer_gets_back_the_version_as_stored_when_its_embargo_is_already_over(store: Store) -> None:
    # Seen by tests/store/test_search.py's property test: the writer kept an embargo the store had
    # dropped (over when written), so its idea of who may see the version differed from search's.
    guid = store.create_story(_story()).guid
    written_at = utcnow()
    version, _ = store.append_version(guid, _story(embargo=written_at - timedelta(hours=1)), EventKind.publish,
                                      now=written_at)
    assert version.embargo is None
    assert store.get_version(guid, 1) == version
    held, _ = store.append_version(guid, _story(embargo=written_at + timedelta(hours=1)), EventKind.update,
                                   now=written_at)
    assert held.embargo == written_at + timedelta(hours=1) == store.get_version(guid, 2).embargo


def test_latest_lists_current_versions_newest_first_without_killed(store: Store) -> None:
    desk = Newsroom(store)
    a = desk.create(_story(headline="First")).guid
    b = desk.create(_story(headline="Second", public=True)).guid
    c = desk.create(_story(headline="Third")).guid
    for guid in (a, b, c):
        desk.publish(guid)
    desk.edit(a, {"headline": "First, updated"})
    desk.update(a)
    desk.kill(c, "Duplicate")
    assert [s.headline for s in store.latest()] == ["First, updated", "Second"]
    assert [s.headline for s in store.latest(public_only=True)] == ["Second"]


def test_ingest_may_keep_the_wire_numbering_but_never_go_back(store: Store) -> None:
    guid = store.create_story(_story(), guid="urn:newsml:example.org:20260101:abc").guid
    v, event = store.append_version(guid, _story(), EventKind.publish, version=3)
    assert (v.version, event.version) == (3, 3)
    with pytest.raises(Conflict, match="already at version 3"):
        store.append_version(guid, _story(), EventKind.update, version=3)

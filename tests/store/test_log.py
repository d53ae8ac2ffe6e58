"""The distribution log under concurrency: a follower never misses an event and never sees one twice."""

from __future__ import annotations

import random
import threading
import time

from newsflow.model import Event, EventKind, Story
from newsflow.store import Store

WRITERS = 4
PER_WRITER = 12


def test_follower_sees_every_event_once_in_order_while_writers_race(store: Store, monkeypatch) -> None:
    # Widen the window between taking a seq and committing, where a bare sequence would let a
    # later seq commit first and a follower skip the earlier one.
    original = store._append_events

    def slow_append(*args: object, **kwargs: object) -> list[Event]:
        written = original(*args, **kwargs)
        time.sleep(random.uniform(0, 0.004))
        return written

    monkeypatch.setattr(store, "_append_events", slow_append)
    guids = [store.create_story(Story(headline=f"Story {i}")).guid for i in range(WRITERS)]
    total = WRITERS * PER_WRITER
    done = threading.Event()
    errors: list[BaseException] = []
    seen: list[int] = []

    def write(guid: str) -> None:
        try:
            for n in range(PER_WRITER):
                kind = EventKind.publish if n == 0 else EventKind.update
                store.append_version(guid, Story(headline=f"{guid} v{n + 1}"), kind)
        except BaseException as exc:
            errors.append(exc)

    def follow() -> None:
        cursor = 0
        deadline = time.monotonic() + 30
        while len(seen) < total and time.monotonic() < deadline:
            page = store.events_after(cursor, limit=5)
            for event in page:
                seen.append(event.seq)
                cursor = event.seq
            if not page:
                time.sleep(0.001)
        done.set()

    follower = threading.Thread(target=follow)
    follower.start()
    writers = [threading.Thread(target=write, args=(g,)) for g in guids]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    follower.join()

    assert not errors, errors
    everything = [e.seq for e in store.events_after(0, limit=10_000)]
    assert len(everything) == total
    assert seen == everything  # same events, same order: nothing skipped, nothing repeated
    assert seen == sorted(set(seen))
    # each story's versions were announced in order
    for guid in guids:
        versions = [e.version for e in store.events_after(0, limit=10_000) if e.guid == guid]
        assert versions == list(range(1, PER_WRITER + 1))

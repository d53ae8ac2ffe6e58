"""The demo content gives every screen something real on first start."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from newsflow.demo import STORIES, load_demo
from newsflow.demo import clips as demo_clips
from newsflow.model import EventKind, ItemKind, PubStatus
from newsflow.newsroom import MediaLibrary, Newsroom
from newsflow.public import PublicRule, is_public
from newsflow.store import Store


def test_demo_content_covers_every_case(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    store.migrate()
    announced = []
    desk = Newsroom(store, [announced.append])
    count = load_demo(desk, MediaLibrary(store, tmp_path / "media"))
    stories = store.list_stories(limit=1000)
    current = [store.get_version(s.guid) for s in stories]

    assert count == len(stories) >= 30
    assert len({c for v in current for c in v.categories}) >= 5
    languages = Counter(v.language for v in current)
    assert len(languages) >= 2 and languages["ar"] >= 1 and languages["tr"] >= 1
    dossiers = Counter(v.dossier for v in current if v.dossier)
    assert max(dossiers.values()) >= 3
    assert sum(len(v.photos) > 1 for v in current) >= 1  # at least one gallery
    # every kind of item, each media object with its kind's renditions (audio has no picture)
    assert {v.kind for v in current} == {ItemKind.text, ItemKind.picture, ItemKind.graphic, ItemKind.video,
                                         ItemKind.audio}
    for p in (p for v in current for p in v.photos):
        record = store.get_media(p.media_id or "")
        assert record["kind"] == p.kind
        wanted = {"original"} if p.kind == ItemKind.audio else {"original", "thumbnail", "preview"}
        assert record["renditions"].keys() == wanted
        assert (record["duration"] or 0) > 0 if p.kind in (ItemKind.video, ItemKind.audio) else True
    kinds = Counter(e.kind for e in store.events_after(0, limit=10_000))
    assert kinds[EventKind.update] >= 1 and kinds[EventKind.correct] >= 1 and kinds[EventKind.kill] >= 1
    assert sum(v.pubstatus == PubStatus.canceled for v in current) >= 1
    assert store.next_embargo() is not None  # one story is still under embargo
    assert any(v.translation_group for v in current)
    # the public website has plenty to show, in each of its three interface languages
    rule = PublicRule()
    shown = [v for v in current if is_public(v, rule)]
    assert len(shown) >= 25 and {v.language for v in shown} >= {"en", "tr", "ar"}
    assert len(announced) == sum(kinds.values())  # channels were woken for every event
    seqs = [e.seq for e in store.events_after(0, limit=10_000)]
    assert seqs == sorted(seqs)
    times = [store.get_version(e.guid, e.version).version_created for e in store.events_after(0, limit=10_000)
             if e.kind != EventKind.kill]
    assert times == sorted(times)  # the log reads like a day on the wire


def test_without_ffmpeg_the_demo_leaves_out_video_and_audio_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(demo_clips, "available", lambda: False)
    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    store.migrate()
    count = load_demo(Newsroom(store, []), MediaLibrary(store, tmp_path / "media"))
    kinds = Counter(store.get_version(s.guid).kind for s in store.list_stories(limit=1000))
    assert count == len(STORIES) - 2 and kinds[ItemKind.video] == kinds[ItemKind.audio] == 0
    assert kinds[ItemKind.picture] >= 2 and kinds[ItemKind.graphic] == 1
    assert "ffmpeg is not installed" in caplog.text and "its 2 video and audio items are left out" in caplog.text

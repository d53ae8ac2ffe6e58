"""media_uses: which published versions use a stored media object, written with every version and
filled by migration 0017 from the versions a database already held."""

from __future__ import annotations

import sqlalchemy as sa

from newsflow.backup.schema import upgrade
from newsflow.model import EventKind, PubStatus, Story, utcnow
from newsflow.store import Store
from newsflow.store.engine import create_engine
from newsflow.store.tables import media_uses, stories, versions


def test_every_written_version_records_its_stored_media(store: Store) -> None:
    story = Story(headline="Harbour", photos=[{"media_id": "m1"}, {"media_id": "m2"}, {"media_id": "m1"},
                                              {"href": "https://agency.example/remote.jpg"}])
    store.create_story(story, guid="g1")
    store.append_version("g1", None, EventKind.publish)
    store.append_version("g1", story.model_copy(update={"photos": story.photos[1:2]}), EventKind.update)
    assert store.media_used_by("m1") == [("g1", 1)]
    assert store.media_used_by("m2") == [("g1", 1), ("g1", 2)]
    assert store.media_used_by("nothing") == []


def test_the_migration_fills_it_from_the_versions_held(database_url: str) -> None:
    engine = create_engine(database_url)
    now = utcnow()
    content = Story(headline="Harbour", photos=[{"media_id": "m1"}, {"media_id": "m1"},
                                                {"href": "https://agency.example/remote.jpg"}]).model_dump(mode="json")
    try:
        with engine.begin() as conn:
            upgrade(conn, "0016")
            conn.execute(stories.insert().values(guid="old", draft={}, current_version=2, created=now, modified=now))
            conn.execute(versions.insert(), [
                {"guid": "old", "version": n, "content": content if n == 1 else {**content, "photos": []},
                 "headline": "Harbour", "language": "en", "urgency": 5, "pubstatus": PubStatus.usable.value,
                 "public": False, "first_published": now, "version_created": now, "is_correction": False}
                for n in (1, 2)])
            upgrade(conn, "0017")
            rows = conn.execute(sa.select(media_uses.c.media_id, media_uses.c.guid, media_uses.c.version)).all()
        assert [tuple(r) for r in rows] == [("m1", "old", 1)]
    finally:
        engine.dispose()

"""The Store: stories, their immutable versions and the distribution log, on SQLite or PostgreSQL.

Every write that publishes something goes through `append_version` or `lift_due_embargoes`, which
write the version row and its log event in ONE transaction. The log's `seq` is assigned under a
lock held until commit, so events become visible in seq order: a reader that asks for "events after
N" can never see N+2 before N+1 commits (which a bare PostgreSQL sequence would allow).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa

from newsflow.errors import Conflict, NotFound
from newsflow.model import Event, EventKind, PubStatus, Story, StoryVersion, utcnow
from newsflow.store import aliases as story_aliases
from newsflow.store import search
from newsflow.store.engine import create_engine, migrate
from newsflow.store.tables import EncodedJson, events, media, media_uses, stories, tokens, users, versions

# Key of the PostgreSQL advisory lock that orders log appends ("NEWSFLOW" as an integer).
_LOG_LOCK = 0x4E45575346
# Published versions kept parsed in memory (see `get_versions`): a few thousand stories' worth.
VERSION_CACHE_SIZE = 8192
_VERSION_COLUMNS = ("guid", "version", "pubstatus", "first_published", "version_created",
                    "is_correction", "editor_note")


@dataclass(frozen=True)
class StoryRecord:
    """A story's working copy and where it stands."""

    guid: str
    draft: Story
    current_version: int
    pubstatus: PubStatus | None
    created: datetime
    modified: datetime
    first_published: datetime | None
    source: str | None = None  # the ingest source it belongs to; None for the newsroom's own

    @property
    def published(self) -> bool:
        return self.current_version > 0


# A newsroom action's rule, checked on the story's state under its lock (see `append_version`): it
# raises Conflict when the action does not apply.
Expect = Callable[[StoryRecord], None]
# The content of a new version made from the current one (a kill's withdrawal notice).
Derive = Callable[[StoryVersion], Story]
# Ingested stories handed to the store without a source of their own (tests, benchmarks).
LOCAL_SOURCE = "local"


@dataclass
class _Unit:
    store: Store
    conn: sa.Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)


_UNIT: ContextVar[_Unit | None] = ContextVar("newsflow_store_unit", default=None)


@dataclass(frozen=True)
class User:
    id: str
    email: str
    name: str
    role: str
    password_hash: str | None
    active: bool
    company_id: str | None = None  # the subscriber company of a portal user; None for staff
    time_zone: str | None = None  # the IANA zone the person reads times in; None: the agency's


def _user(row: Any) -> User:
    return User(id=row.id, email=row.email, name=row.name, role=row.role, password_hash=row.password_hash,
                active=row.active, company_id=row.company_id, time_zone=row.time_zone)


def new_guid(now: datetime | None = None) -> str:
    """Time-ordered, URL-safe story id, e.g. `20261125-3f9a1c0e7b2d4a11`."""
    return f"{(now or utcnow()):%Y%m%d}-{secrets.token_hex(8)}"


def hash_token(secret: str) -> str:
    # Tokens are long random strings, so a fast hash is enough (argon2 is for passwords).
    return hashlib.sha256(secret.encode()).hexdigest()


class Entitlement(Protocol):
    """Decides, inside the transaction that appends events, which products each one matches
    (newsflow.wire.subscribers.Subscribers): `plan` before the seqs exist, `record` after."""

    # What `plan` decides is the entitlement's own (wire.entitlement.Reach): the store only hands it
    # back to `record`.
    def plan(self, conn: sa.Connection, entries: Sequence[tuple[EventKind, str, int]],
             known: Mapping[tuple[str, int], Story] | None = None) -> Sequence[Any]: ...

    def record(self, conn: sa.Connection, written: Sequence[Event], planned: Sequence[Any]) -> None: ...


class Store:
    def __init__(self, url: str, *, engine: sa.Engine | None = None) -> None:
        self.url = url
        self.engine = engine or create_engine(url)
        self.dialect = self.engine.dialect.name
        self.entitlement: Entitlement | None = None
        self._versions = _VersionCache(VERSION_CACHE_SIZE)

    def migrate(self) -> None:
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One write transaction (IMMEDIATE on SQLite, so writers queue instead of failing)."""
        with self.engine.connect() as conn:
            conn.info["write"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("write", None)

    def insert_ignoring(self, table: sa.Table, *unique: str) -> Any:
        """An INSERT that skips rows clashing on the unique columns `unique`: how several nodes doing
        the same work keep one row each, and learn (RETURNING) which rows were theirs."""
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table).on_conflict_do_nothing(index_elements=list(unique))

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def unit(self) -> Iterator[sa.Connection]:
        """One write transaction that the story writes made inside it, in this thread or task, join
        (`create_story`, `save_draft`, `append_version`): how a caller records something atomically
        with an action, e.g. the answer kept for an Idempotency-Key. What the action announces
        (`after_commit`) waits for the commit, so no channel is woken for an event it cannot read yet."""
        if _UNIT.get() is not None:
            raise RuntimeError("Store.unit() does not nest")
        unit: _Unit
        with self.write() as conn:
            unit = _Unit(self, conn)
            token = _UNIT.set(unit)
            try:
                yield conn
            finally:
                _UNIT.reset(token)
        for callback in unit.after_commit:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once what was written is committed: now, or at the end of the open unit."""
        unit = _UNIT.get()
        if unit is not None and unit.store is self:
            unit.after_commit.append(callback)
        else:
            callback()

    @contextmanager
    def _joined(self) -> Iterator[sa.Connection]:
        """The open unit's transaction (in a savepoint, so a refusal the caller catches undoes only
        this write), or a write transaction of its own."""
        unit = _UNIT.get()
        if unit is not None and unit.store is self:
            with unit.conn.begin_nested():
                yield unit.conn
        else:
            with self.write() as conn:
                yield conn

    # ---- stories (working copies) -------------------------------------------------------------

    def create_story(self, draft: Story, *, by: str | None = None, guid: str | None = None,
                     now: datetime | None = None) -> StoryRecord:
        now = now or utcnow()
        guid = guid or new_guid(now)
        with self._joined() as conn:
            conn.execute(stories.insert().values(guid=guid, draft=_dump(draft), current_version=0,
                                                 created=now, modified=now, created_by=by))
            return self._story_in(conn, guid)

    def get_story(self, guid: str) -> StoryRecord:
        with self.read() as conn:
            row = conn.execute(stories.select().where(stories.c.guid == guid)).first()
        if row is None:
            raise NotFound(f"no story with guid {guid!r}")
        return _record(row)

    def find_story(self, guid: str) -> StoryRecord | None:
        try:
            return self.get_story(guid)
        except NotFound:
            return None

    def save_draft(self, guid: str, draft: Story, *, now: datetime | None = None,
                   expect: Expect | None = None) -> StoryRecord:
        """Replace the working copy; `expect` checks the story's state under its lock first."""
        with self._joined() as conn:
            record = self._locked_record(conn, guid)
            if expect is not None:
                expect(record)
            conn.execute(stories.update().where(stories.c.guid == guid)
                         .values(draft=_dump(draft), modified=now or utcnow()))
            return self._story_in(conn, guid)

    def list_stories(self, *, limit: int = 50, offset: int = 0) -> list[StoryRecord]:
        query = stories.select().order_by(stories.c.modified.desc()).limit(limit).offset(offset)
        with self.read() as conn:
            return [_record(row) for row in conn.execute(query)]

    def count_stories(self) -> int:
        with self.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(stories)).scalar_one()

    # ---- versions and the log -----------------------------------------------------------------

    def append_version(self, guid: str, story: Story | Derive | None, kind: EventKind, *,
                       expect: Expect | None = None,
                       pubstatus: PubStatus = PubStatus.usable, is_correction: bool = False,
                       editor_note: str | None = None, by: str | None = None,
                       version: int | None = None, now: datetime | None = None,
                       first_published: datetime | None = None,
                       version_created: datetime | None = None) -> tuple[StoryVersion, Event]:
        """Write the next immutable version of a story and the event announcing it, atomically.

        The story's row is locked first (FOR UPDATE on PostgreSQL; SQLite's write transaction is
        IMMEDIATE, so writers are serialised already) and `expect` checks its state under that lock:
        of two racing actions the second sees what the first wrote and is refused. `story` is the
        new version's content: given, None for the working copy as locked, or made from the current
        version read under the same lock. Ingest keeps the wire's numbering and times: `version`
        (must exceed the current one), `first_published` and `version_created`; the event is always
        stamped `now`.
        """
        now = now or utcnow()
        with self._joined() as conn:
            record = self._locked_record(conn, guid)
            if expect is not None:
                expect(record)
            if story is None:
                story = record.draft
            elif callable(story):
                story = story(self._version_in(conn, record))
            number = version if version is not None else record.current_version + 1
            sv = StoryVersion(**dict(story), guid=guid, version=number, pubstatus=pubstatus,
                              first_published=record.first_published or first_published or now,
                              version_created=version_created or now, is_correction=is_correction,
                              editor_note=editor_note)
            sv = _as_stored(sv, now)  # what readers will get back, so the caller's copy agrees with theirs
            event = self._write_version(conn, sv, record.current_version, kind, by=by, now=now)
        return sv, event

    def ingest_versions(self, items: list[StoryVersion], *, source: str = LOCAL_SOURCE,
                        now: datetime | None = None,
                        aliases: Mapping[str, Sequence[story_aliases.Alias]] | None = None,
                        ) -> list[tuple[StoryVersion, Event | str]]:
        """Store wire versions from one ingest source in one transaction.

        Per item: the event written, or why nothing was written ("skipped: …" for a version already
        held, "refused: …" for a story of the newsroom or of another source, or one that was killed,
        "failed: …" for one the database refused). A new guid becomes a story of `source`; a newer
        version of one of its stories becomes an update (a correction or a kill when the wire says
        so). The batch is written with a few multi-row statements; if the database refuses it, each
        item is retried in its own savepoint so one bad item cannot keep the others out.

        `aliases` (story guid → its other names, newsflow.ingest.aliases) are written with the story
        for every item stored or already held, never for one refused.
        """
        now = now or utcnow()
        with self.write() as conn:
            try:
                with conn.begin_nested():
                    return self._ingest(conn, items, source, now, aliases or {})
            except sa.exc.SQLAlchemyError:
                pass
            out: list[tuple[StoryVersion, Event | str]] = []
            for item in items:
                try:
                    with conn.begin_nested():
                        out.extend(self._ingest(conn, [item], source, now, aliases or {}))
                except sa.exc.SQLAlchemyError as exc:
                    out.append((item, f"failed: {item.guid} v{item.version}: {exc.orig or exc}"))
            return out

    def _ingest(self, conn: sa.Connection, items: list[StoryVersion], source: str, now: datetime,
                aliases: Mapping[str, Sequence[story_aliases.Alias]]) -> list[tuple[StoryVersion, Event | str]]:
        query = (sa.select(stories.c.guid, stories.c.current_version, stories.c.first_published,
                           stories.c.source, stories.c.pubstatus)
                 .where(stories.c.guid.in_({item.guid for item in items})))
        if self.dialect == "postgresql":
            query = query.with_for_update()
        # Checked under the lock (rows FOR UPDATE; SQLite's single writer), like the newsroom's actions.
        held = {row.guid: _Held(row.current_version, row.first_published, row.source, row.pubstatus)
                for row in conn.execute(query)}
        new_stories: list[dict[str, Any]] = []
        planned: list[tuple[StoryVersion, EventKind]] = []
        outcome: list[tuple[StoryVersion, int | str]] = []  # index into planned, or the reason
        for item in items:
            story = held.get(item.guid)
            if story is None:
                new_stories.append({"guid": item.guid, "draft": {}, "current_version": 0, "created": now,
                                    "modified": now, "created_by": "ingest", "source": source})
                story = _Held(0, None, source, None)
            reason = story.refusal(item, source)
            if reason:
                outcome.append((item, reason))
                continue
            kind = (EventKind.publish if story.current == 0 else EventKind.kill
                    if item.pubstatus == PubStatus.canceled else EventKind.correct if item.is_correction
                    else EventKind.update)
            if story.first_published:
                item = item.model_copy(update={"first_published": story.first_published})
            held[item.guid] = _Held(item.version, item.first_published, source, item.pubstatus.value)
            outcome.append((item, len(planned)))
            planned.append((item, kind))
        if new_stories:
            conn.execute(stories.insert(), new_stories)
        written = self._write_versions(conn, planned, by="ingest", now=now)
        kept = {item.guid for item, slot in outcome if isinstance(slot, int) or slot.startswith("skipped")}
        story_aliases.record(conn, self.insert_ignoring, source, {g: aliases[g] for g in kept if g in aliases})
        return [(item, written[slot] if isinstance(slot, int) else slot) for item, slot in outcome]

    def _lock_story(self, conn: sa.Connection, guid: str) -> sa.Row[Any] | None:
        query = stories.select().where(stories.c.guid == guid)
        if self.dialect == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).first()

    def _locked_record(self, conn: sa.Connection, guid: str) -> StoryRecord:
        row = self._lock_story(conn, guid)
        if row is None:
            raise NotFound(f"no story with guid {guid!r}")
        return _record(row)

    def _story_in(self, conn: sa.Connection, guid: str) -> StoryRecord:
        """A story as this transaction sees it (the one just written, before it commits)."""
        return _record(conn.execute(stories.select().where(stories.c.guid == guid)).one())

    def _version_in(self, conn: sa.Connection, record: StoryRecord) -> StoryVersion:
        if not record.published:
            raise Conflict(f"story {record.guid!r} has no published version")
        row = conn.execute(versions.select().where(versions.c.guid == record.guid,
                                                   versions.c.version == record.current_version)).one()
        return _version(row)

    def _write_version(self, conn: sa.Connection, sv: StoryVersion, current: int, kind: EventKind, *,
                       by: str | None, now: datetime) -> Event:
        if sv.version <= current:
            raise Conflict(f"story {sv.guid!r} is already at version {current}; got {sv.version}")
        return self._write_versions(conn, [(sv, kind)], by=by, now=now)[0]

    def _write_versions(self, conn: sa.Connection, planned: list[tuple[StoryVersion, EventKind]], *,
                        by: str | None, now: datetime) -> list[Event]:
        """Version rows, the stories' new state and the log events, as multi-row statements."""
        if not planned:
            return []
        planned = [(_as_stored(sv, now), kind) for sv, kind in planned]
        version_rows, story_rows = [], {}
        for sv, _ in planned:
            content = _dump_story(sv)
            version_rows.append({
                "guid": sv.guid, "version": sv.version, "content": content, "headline": sv.headline,
                "language": sv.language, "urgency": sv.urgency, "pubstatus": sv.pubstatus.value,
                "public": sv.public, "embargo": sv.embargo, "first_published": sv.first_published,
                "version_created": sv.version_created, "is_correction": sv.is_correction,
                "editor_note": sv.editor_note, "created_by": by})
            story_rows[sv.guid] = {"b_guid": sv.guid, "current_version": sv.version,
                                   "pubstatus": sv.pubstatus.value, "first_published": sv.first_published,
                                   "modified": now, "draft": content}
        conn.execute(versions.insert(), version_rows)
        uses = [{"media_id": media_id, "guid": sv.guid, "version": sv.version} for sv, _ in planned
                for media_id in dict.fromkeys(p.media_id for p in sv.photos if p.media_id)]
        if uses:  # which versions use a stored media object: the media route's question
            conn.execute(media_uses.insert(), uses)
        conn.execute(_UPDATE_STORY, list(story_rows.values()))
        written = self._append_events(conn, [(kind, sv.guid, sv.version) for sv, kind in planned], now,
                                      {(sv.guid, sv.version): sv for sv, _ in planned})
        # The search index follows the versions in the same transaction, so a hit is never stale.
        search.index(conn, [(sv, event.seq) for (sv, _), event in zip(planned, written, strict=True)])
        return written

    def _append_event(self, conn: sa.Connection, kind: EventKind, guid: str, version: int,
                      now: datetime) -> Event:
        return self._append_events(conn, [(kind, guid, version)], now)[0]

    def _append_events(self, conn: sa.Connection, entries: list[tuple[EventKind, str, int]],
                       now: datetime, known: dict[tuple[str, int], Story] | None = None) -> list[Event]:
        # Which products each event matches is decided here, once, in the same transaction, and
        # before the log lock so that the lock is held only for the inserts.
        planned = self.entitlement.plan(conn, entries, known) if self.entitlement else None
        # Taken last, held to commit: appends are serialised only for the tail of a transaction.
        if self.dialect == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOG_LOCK})
        rows = [{"kind": kind.value, "guid": guid, "version": version, "created": now}
                for kind, guid, version in entries]
        seqs = conn.execute(events.insert().returning(events.c.seq, sort_by_parameter_order=True),
                            rows).scalars().all()
        # built from the database's seqs and this call's own typed values: nothing to validate
        written = [Event.model_construct(seq=seq, kind=kind, guid=guid, version=version, created=now)
                   for seq, (kind, guid, version) in zip(seqs, entries, strict=True)]
        if planned is not None and self.entitlement is not None:
            self.entitlement.record(conn, written, planned)
        return written

    def get_version(self, guid: str, version: int | None = None) -> StoryVersion:
        query = versions.select().where(versions.c.guid == guid)
        if version is None:
            query = query.order_by(versions.c.version.desc()).limit(1)
        else:
            query = query.where(versions.c.version == version)
        with self.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            what = f"version {version} of story {guid!r}" if version else f"published story {guid!r}"
            raise NotFound(f"no {what}")
        return _version(row)

    def get_versions(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], StoryVersion]:
        """Many versions in one query (the log gives (guid, version) pairs).

        Versions are immutable (a trigger refuses UPDATE and DELETE) and only committed ones can be
        read, so each is parsed once and then served from memory; the query is for the rest."""
        found, missing = self._versions.get_many(keys)
        if missing:
            # the plain guid IN first: SQLite reads a row-value IN over the whole primary key (12 ms for
            # 100 keys at 10k stories, 249 ms at 293k; 1 ms at any size with this)
            query = versions.select().where(versions.c.guid.in_(sorted({g for g, _ in missing})),
                                            sa.tuple_(versions.c.guid, versions.c.version).in_(missing))
            with self.read() as conn:
                read = {(row.guid, row.version): _version(row) for row in conn.execute(query)}
            self._versions.put_many(read)
            found.update(read)
        return found

    def latest_versions(self, guids: Iterable[str]) -> dict[str, StoryVersion]:
        """The newest published version of each of `guids` that has one (two queries, any count)."""
        wanted = sorted(set(guids))
        keys: list[tuple[str, int]] = []
        with self.read() as conn:
            for start in range(0, len(wanted), 500):
                keys += [(g, v) for g, v in conn.execute(
                    sa.select(versions.c.guid, sa.func.max(versions.c.version))
                    .where(versions.c.guid.in_(wanted[start:start + 500])).group_by(versions.c.guid))]
        return {guid: version for (guid, _), version in self.get_versions(keys).items()}

    def list_versions(self, guid: str) -> list[StoryVersion]:
        query = versions.select().where(versions.c.guid == guid).order_by(versions.c.version)
        with self.read() as conn:
            return [_version(row) for row in conn.execute(query)]

    def latest(self, *, limit: int = 50, public_only: bool = False, include_killed: bool = False,
               now: datetime | None = None) -> list[StoryVersion]:
        """Current version of each published story, newest first; embargoed ones left out."""
        now = now or utcnow()
        query = (versions.select()
                 .join(stories, sa.and_(stories.c.guid == versions.c.guid,
                                        stories.c.current_version == versions.c.version))
                 .where(sa.or_(versions.c.embargo.is_(None), versions.c.embargo <= now))
                 .order_by(versions.c.version_created.desc()).limit(limit))
        if public_only:
            query = query.where(versions.c.public.is_(True))
        if not include_killed:
            query = query.where(versions.c.pubstatus == PubStatus.usable.value)
        with self.read() as conn:
            return [_version(row) for row in conn.execute(query)]

    def events_after(self, seq: int, limit: int = 100) -> list[Event]:
        query = events.select().where(events.c.seq > seq).order_by(events.c.seq).limit(limit)
        with self.read() as conn:
            return [_event(row) for row in conn.execute(query)]

    def events_for(self, guid: str) -> list[Event]:
        """Every event announcing any version of one story, in log order."""
        query = events.select().where(events.c.guid == guid).order_by(events.c.seq)
        with self.read() as conn:
            return [_event(row) for row in conn.execute(query)]

    def last_seq(self) -> int:
        with self.read() as conn:
            return conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one()

    def lift_due_embargoes(self, now: datetime | None = None) -> list[Event]:
        """Append an `embargo_lift` event for each current version whose embargo has passed."""
        now = now or utcnow()
        lifted = sa.select(events.c.guid).where(
            events.c.guid == versions.c.guid, events.c.version == versions.c.version,
            events.c.kind == EventKind.embargo_lift.value)
        due = (sa.select(versions.c.guid, versions.c.version)
               .join(stories, sa.and_(stories.c.guid == versions.c.guid,
                                      stories.c.current_version == versions.c.version))
               .where(versions.c.embargo.is_not(None), versions.c.embargo <= now,
                      versions.c.pubstatus == PubStatus.usable.value, ~sa.exists(lifted))
               .order_by(versions.c.embargo))
        out: list[Event] = []
        with self.write() as conn:
            for guid, version in conn.execute(due).all():
                out.append(self._append_event(conn, EventKind.embargo_lift, guid, version, now))
        return out

    def next_embargo(self, now: datetime | None = None) -> datetime | None:
        """When the next pending embargo ends (so a scheduler can sleep until then)."""
        query = sa.select(sa.func.min(versions.c.embargo)).join(
            stories, sa.and_(stories.c.guid == versions.c.guid,
                             stories.c.current_version == versions.c.version)
        ).where(versions.c.embargo > (now or utcnow()))
        with self.read() as conn:
            value = conn.execute(query).scalar_one()
        return versions.c.embargo.type.process_result_value(value, self.engine.dialect) if value else None

    # ---- media --------------------------------------------------------------------------------

    def add_media(self, **values: Any) -> None:
        with self.write() as conn:
            conn.execute(media.insert().values(**values))

    def delete_media(self, media_id: str) -> None:
        """Forget a media record (its files are the media library's to remove)."""
        with self.write() as conn:
            conn.execute(media.delete().where(media.c.id == media_id))

    def aliased(self, source: str, aliases: Iterable[story_aliases.Alias]) -> dict[story_aliases.Alias, str]:
        """The story each alias names among `source`'s (newsflow.store.aliases)."""
        with self.read() as conn:
            return story_aliases.lookup(conn, source, aliases)

    def alias_targets(self, guids: Iterable[str]) -> dict[str, story_aliases.Target]:
        """The stories among `guids` that exist, as ingest weighs an item joining them."""
        with self.read() as conn:
            return story_aliases.targets(conn, guids)

    def media_held(self, media_ids: Iterable[str]) -> set[str]:
        """Which of `media_ids` this database holds."""
        wanted = set(media_ids)
        if not wanted:
            return set()
        with self.read() as conn:
            return set(conn.execute(sa.select(media.c.id).where(media.c.id.in_(wanted))).scalars())

    def media_used_by(self, media_id: str) -> list[tuple[str, int]]:
        """Every published (guid, version) whose photos include this stored media object."""
        query = (sa.select(media_uses.c.guid, media_uses.c.version).where(media_uses.c.media_id == media_id)
                 .order_by(media_uses.c.guid, media_uses.c.version))
        with self.read() as conn:
            return [(guid, version) for guid, version in conn.execute(query)]

    def get_media(self, media_id: str) -> dict[str, Any]:
        with self.read() as conn:
            row = conn.execute(media.select().where(media.c.id == media_id)).first()
        if row is None:
            raise NotFound(f"no media with id {media_id!r}")
        return dict(row._mapping)

    # ---- users and staff tokens ---------------------------------------------------------------

    def create_user(self, *, email: str, name: str, role: str, password_hash: str | None = None,
                    company_id: str | None = None) -> User:
        user_id = secrets.token_hex(8)
        try:
            with self.write() as conn:
                conn.execute(users.insert().values(id=user_id, email=email.strip().lower(), name=name, role=role,
                                                   password_hash=password_hash, active=True, created=utcnow(),
                                                   company_id=company_id))
        except sa.exc.IntegrityError as exc:
            if self._user_exists(users.c.email == email.strip().lower()):
                raise Conflict(f"an account with e-mail {email!r} exists already") from None
            raise NotFound(f"no company with id {company_id!r}") from exc
        return self.get_user(user_id)

    def list_users(self, company_id: str | None = None) -> list[User]:
        query = users.select().order_by(users.c.created, users.c.email)
        if company_id is not None:
            query = query.where(users.c.company_id == company_id)
        with self.read() as conn:
            return [_user(row) for row in conn.execute(query)]

    def update_user(self, user_id: str, **values: Any) -> User:
        """Change name, role, company_id, active, password_hash or time_zone; deactivating also stops its
        tokens."""
        allowed = {"name", "role", "company_id", "active", "password_hash", "time_zone"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not user fields: {sorted(unknown)}")
        with self.write() as conn:
            if conn.execute(users.update().where(users.c.id == user_id).values(**values)).rowcount == 0:
                raise NotFound(f"no user with id {user_id!r}")
        return self.get_user(user_id)

    def _user_exists(self, where: sa.ColumnElement[bool]) -> bool:
        with self.read() as conn:
            return conn.execute(sa.select(users.c.id).where(where)).first() is not None

    def get_user(self, user_id: str) -> User:
        return self._user(users.c.id == user_id, f"no user with id {user_id!r}")

    def user_by_email(self, email: str) -> User:
        return self._user(users.c.email == email.lower(), f"no user with e-mail {email!r}")

    def _user(self, where: sa.ColumnElement[bool], missing: str) -> User:
        with self.read() as conn:
            row = conn.execute(users.select().where(where)).first()
        if row is None:
            raise NotFound(missing)
        return _user(row)

    def count_users(self) -> int:
        with self.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()

    def create_token(self, user_id: str, label: str = "") -> str:
        """Mint a staff token; only its hash is kept, so the secret is shown once."""
        secret = "nfs_" + secrets.token_urlsafe(32)
        with self.write() as conn:
            conn.execute(tokens.insert().values(id=secrets.token_hex(8), user_id=user_id,
                                                token_hash=hash_token(secret), label=label, created=utcnow()))
        return secret

    def user_for_token(self, secret: str) -> User | None:
        query = (sa.select(users.c.id, tokens.c.id.label("token_id"), tokens.c.last_used)
                 .join(tokens, tokens.c.user_id == users.c.id)
                 .where(tokens.c.token_hash == hash_token(secret), tokens.c.revoked.is_(None),
                        users.c.active.is_(True)))
        with self.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        now = utcnow()
        # Record use at most once a minute, so authenticating is not a write per request.
        if row.last_used is None or (now - row.last_used).total_seconds() > 60:
            with self.write() as conn:
                conn.execute(tokens.update().where(tokens.c.id == row.token_id).values(last_used=now))
        return self.get_user(row.id)


class _VersionCache:
    """Parsed versions by (guid, version), the least recently used dropped first beyond `size`."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], StoryVersion] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: list[tuple[str, int]]) -> tuple[dict[tuple[str, int], StoryVersion],
                                                              list[tuple[str, int]]]:
        found: dict[tuple[str, int], StoryVersion] = {}
        missing: list[tuple[str, int]] = []
        with self._lock:
            for key in keys:
                version = self._items.get(key)
                if version is None:
                    missing.append(key)
                else:
                    self._items.move_to_end(key)
                    found[key] = version
        return found, missing

    def put_many(self, read: Mapping[tuple[str, int], StoryVersion]) -> None:
        with self._lock:
            self._items.update(read)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_UPDATE_STORY = stories.update().where(stories.c.guid == sa.bindparam("b_guid")).values(
    current_version=sa.bindparam("current_version"), pubstatus=sa.bindparam("pubstatus"),
    first_published=sa.bindparam("first_published"), modified=sa.bindparam("modified"),
    draft=sa.bindparam("draft"))


@dataclass(frozen=True)
class _Held:
    """What ingest needs to know of a story already held."""

    current: int
    first_published: datetime | None
    source: str | None
    pubstatus: str | None

    def refusal(self, item: StoryVersion, source: str) -> str | None:
        """Why `source` may not store `item` over this story, or None when it may."""
        if self.source != source:
            owner = f"source {self.source!r}" if self.source else "the newsroom"
            return f"refused: guid {item.guid} belongs to {owner}, not to source {source!r}"
        if item.version <= self.current:
            return f"skipped: {item.guid} v{item.version} is already held (current version {self.current})"
        if self.pubstatus == PubStatus.canceled.value:
            return f"refused: {item.guid} was killed (version {self.current}); a kill is final"
        return None


def _dump(story: Story) -> dict[str, Any]:
    return story.model_dump(mode="json", exclude_defaults=False)


_STORY_FIELDS = frozenset(Story.model_fields)


def _as_stored(sv: StoryVersion, now: datetime) -> StoryVersion:
    """An embargo already over when the version is written holds nothing: stored without one, so the
    version travels with its own event and no lift event ever repeats it."""
    return sv.model_copy(update={"embargo": None}) if sv.embargo is not None and sv.embargo <= now else sv


def _dump_story(sv: StoryVersion) -> EncodedJson:
    """`_dump(sv.story)` without building the Story, encoded once for the version's content and the
    story's draft."""
    return EncodedJson(sv.model_dump_json(include=_STORY_FIELDS))


def _record(row: sa.Row[Any]) -> StoryRecord:
    return StoryRecord(guid=row.guid, draft=Story.from_stored(row.draft), current_version=row.current_version,
                       pubstatus=PubStatus(row.pubstatus) if row.pubstatus else None, created=row.created,
                       modified=row.modified, first_published=row.first_published, source=row.source)


def _version(row: sa.Row[Any]) -> StoryVersion:
    meta = {name: getattr(row, name) for name in _VERSION_COLUMNS}
    meta["pubstatus"] = PubStatus(meta["pubstatus"])
    # The content is validated once; the store-assigned fields are trusted as written.
    return StoryVersion.model_construct(**dict(Story.from_stored(row.content)), **meta)


def _event(row: sa.Row[Any]) -> Event:
    return Event(seq=row.seq, kind=EventKind(row.kind), guid=row.guid, version=row.version, created=row.created)

"""Ingest sources: every way wire copy comes in has a name, and an ingested story belongs to it.

A push partner signs with its own secret; a watched folder is named after the folder (or given a
name); a polled feed is named after its URL. Folder and feed sources are registered the first time
they are used; push sources are added by an operator (`newsflow source add NAME --kind push`).
A source can only create or update its own stories (see Store.ingest_versions); a disabled one
is refused.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.model import utcnow
from newsflow.store import Store
from newsflow.store.tables import ingest_sources, stories

# The source NEWSFLOW_INGEST_SECRET signs for, and pushes naming no source come from.
PUSH_SOURCE = "push"
SECRET_PREFIX = "nfsrc_"
# Names are shown in lists and reasons, and typed back in: no spaces, nothing that needs quoting.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+~-]*")
NAME_MAX = 255
RESERVED = frozenset({"newsroom"})  # what an operator would read as the newsroom's own stories


class SourceKind(StrEnum):
    push = "push"
    folder = "folder"
    feed = "feed"


@dataclass(frozen=True)
class Source:
    """A source as listed: never its secrets."""

    name: str
    kind: SourceKind
    created: datetime
    active: bool
    has_secret: bool  # a push source without one takes only NEWSFLOW_INGEST_SECRET (the source "push")
    rotating_until: datetime | None  # while set, the previous push secret is accepted too


def check_name(name: str) -> str:
    if len(name) > NAME_MAX or not _NAME.fullmatch(name):
        raise FieldError("name", f"{name!r} is not a source name: letters, digits and . _ : / @ + ~ -, "
                                 f"starting with a letter or digit, at most {NAME_MAX} characters")
    if name in RESERVED:
        raise FieldError("name", f"{name!r} is reserved")
    return name


def folder_source(path: Path) -> str:
    """A folder's source name: the folder's own name (a file's: its folder's)."""
    folder = path.resolve() if path.is_dir() else path.resolve().parent
    return _fit(folder.name or "folder")


def feed_source(url: str) -> str:
    """A feed's source name: its URL without scheme or credentials, e.g. `example.com/wire/feed.atom`."""
    parts = urlsplit(url)
    name = (parts.hostname or "feed") + (f":{parts.port}" if parts.port else "") + parts.path.rstrip("/")
    return _fit(name + (f"?{parts.query}" if parts.query else ""))


def _fit(name: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._:/@+~-]", "-", name).lstrip("._:/@+~-") or "source"
    return name[:NAME_MAX]


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Sources:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, kind: SourceKind | str, *, now: datetime | None = None) -> tuple[Source, str | None]:
        """Register a source; a push source's secret is returned this once."""
        kind = _kind(kind)
        secret = new_secret() if kind == SourceKind.push else None
        with self.store.write() as conn:
            if _row(conn, check_name(name)) is not None:
                raise Conflict(f"there is already an ingest source named {name!r}")
            conn.execute(ingest_sources.insert().values(name=name, kind=kind.value, secret=secret,
                                                        created=now or utcnow(), active=True))
        return self.get(name), secret

    def ensure(self, name: str, kind: SourceKind | str) -> Source:
        """The source named `name`, registered now as `kind` if it is new (folders, feeds)."""
        kind = _kind(kind)
        with self.store.read() as conn:
            row = _row(conn, name)
        if row is None:
            check_name(name)
            with self.store.write() as conn:
                conn.execute(self.store.insert_ignoring(ingest_sources, "name").values(
                    name=name, kind=kind.value, created=utcnow(), active=True))
            return self.get(name)
        return _source(row)

    def find(self, name: str) -> Source | None:
        with self.store.read() as conn:
            row = _row(conn, name)
        return None if row is None else _source(row)

    def get(self, name: str) -> Source:
        source = self.find(name)
        if source is None:
            raise NotFound(f"no ingest source named {name!r}; `newsflow source list` shows them")
        return source

    def list_sources(self) -> list[Source]:
        with self.store.read() as conn:
            return [_source(row) for row in conn.execute(ingest_sources.select().order_by(ingest_sources.c.name))]

    def story_counts(self) -> dict[str, int]:
        """How many stories each source holds."""
        query = (sa.select(stories.c.source, sa.func.count()).where(stories.c.source.is_not(None))
                 .group_by(stories.c.source))
        with self.store.read() as conn:
            return {name: count for name, count in conn.execute(query)}

    def rotate(self, name: str, overlap: timedelta = timedelta(hours=24), *, now: datetime | None = None) -> str:
        """A push source's new secret, returned this once; the old one is accepted for `overlap` more
        (so the partner can switch when it likes), a second rotation within it drops the oldest."""
        secret = new_secret()
        now = now or utcnow()
        keep_old = overlap > timedelta(0)
        s = ingest_sources
        with self.store.write() as conn:
            row = _row(conn, name)
            if row is None:
                raise NotFound(f"no ingest source named {name!r}")
            if row.kind != SourceKind.push:
                raise Conflict(f"ingest source {name!r} is a {row.kind} source; only push sources have a secret")
            conn.execute(s.update().where(s.c.name == name).values(
                previous_secret=s.c.secret if keep_old and row.secret else None,
                previous_expires=now + overlap if keep_old and row.secret else None, secret=secret))
        return secret

    def set_active(self, name: str, active: bool) -> Source:
        with self.store.write() as conn:
            done = conn.execute(ingest_sources.update().where(ingest_sources.c.name == name).values(active=active))
            if done.rowcount == 0:
                raise NotFound(f"no ingest source named {name!r}")
        return self.get(name)

    def push_secrets(self, name: str, *, now: datetime | None = None) -> list[str]:
        """The secrets a push from `name` may be signed with now (none for a folder or feed)."""
        now = now or utcnow()
        with self.store.read() as conn:
            row = _row(conn, name)
        if row is None or row.kind != SourceKind.push:
            return []
        live = [row.secret] if row.secret else []
        if row.previous_secret and row.previous_expires and row.previous_expires > now:
            live.append(row.previous_secret)
        return live

    def has_push(self) -> bool:
        query = sa.select(sa.func.count()).select_from(ingest_sources).where(
            ingest_sources.c.kind == SourceKind.push.value, ingest_sources.c.secret.is_not(None))
        with self.store.read() as conn:
            return conn.execute(query).scalar_one() > 0

    def refusal(self, name: str) -> str | None:
        """Why nothing from `name` is taken now (it is disabled), or None."""
        source = self.find(name)
        if source is not None and not source.active:
            return f"ingest source {name!r} is disabled; `newsflow source enable {name}` takes it back"
        return None


def _kind(kind: SourceKind | str) -> SourceKind:
    try:
        return SourceKind(kind)
    except ValueError:
        raise FieldError("kind", f"{kind!r} is not one of: {', '.join(SourceKind)}") from None


def _row(conn: sa.Connection, name: str) -> Any:
    return conn.execute(ingest_sources.select().where(ingest_sources.c.name == name)).first()


def _source(row: Any) -> Source:
    now = utcnow()
    rotating = row.previous_expires if row.previous_secret and row.previous_expires and \
        row.previous_expires > now else None
    return Source(name=row.name, kind=SourceKind(row.kind), created=row.created, active=row.active,
                  has_secret=row.secret is not None, rotating_until=rotating)

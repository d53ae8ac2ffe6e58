"""The story_aliases table: the other names by which one ingest source's items reach a story. Which
names an item has, and when it may join a story by one, is newsflow.ingest.aliases' to say; this
module only reads and writes the rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newsflow.store.tables import stories, story_aliases, versions

GUID = "guid"  # a guid an item was sent under that is not its story's own
FINGERPRINT = "fingerprint"  # the digest of what an item without an id is recognised by


@dataclass(frozen=True)
class Alias:
    kind: str
    alias: str


@dataclass(frozen=True)
class Target:
    """A story an item may join, as ingest needs to know it."""

    guid: str
    source: str | None
    current: int
    version_created: datetime | None  # the current version's; None before the first
    sent_as: frozenset[str]  # the guids its source's items reached it under besides its own


def lookup(conn: sa.Connection, source: str, aliases: Iterable[Alias]) -> dict[Alias, str]:
    """The story each of `aliases` names for `source` (those naming none are left out)."""
    wanted = set(aliases)
    found: dict[Alias, str] = {}
    for kind in {a.kind for a in wanted}:
        names = [a.alias for a in wanted if a.kind == kind]
        query = (sa.select(story_aliases.c.alias, story_aliases.c.guid)
                 .where(story_aliases.c.source == source, story_aliases.c.kind == kind,
                        story_aliases.c.alias.in_(names)))
        found.update((Alias(kind, alias), guid) for alias, guid in conn.execute(query))
    return found


def targets(conn: sa.Connection, guids: Iterable[str]) -> dict[str, Target]:
    """The stories among `guids` that exist, with their current version's time and guid aliases."""
    wanted = set(guids)
    if not wanted:
        return {}
    current = sa.and_(versions.c.guid == stories.c.guid, versions.c.version == stories.c.current_version)
    query = (sa.select(stories.c.guid, stories.c.source, stories.c.current_version, versions.c.version_created)
             .select_from(stories.outerjoin(versions, current)).where(stories.c.guid.in_(wanted)))
    rows = conn.execute(query).all()
    sent: dict[str, set[str]] = {}
    named = (sa.select(story_aliases.c.guid, story_aliases.c.alias)
             .where(story_aliases.c.kind == GUID, story_aliases.c.guid.in_([r.guid for r in rows])))
    for guid, alias in conn.execute(named):
        sent.setdefault(guid, set()).add(alias)
    return {r.guid: Target(r.guid, r.source, r.current_version, r.version_created, frozenset(sent.get(r.guid, ())))
            for r in rows}


def record(conn: sa.Connection, insert: Any, source: str, named: Mapping[str, Sequence[Alias]]) -> None:
    """Write each story's aliases for `source`; an alias already naming a story keeps it (the first
    story an alias was seen with stays the one it names). `insert` is the store's insert_ignoring."""
    rows = [{"source": source, "kind": a.kind, "alias": a.alias, "guid": guid}
            for guid, aliases in named.items() for a in dict.fromkeys(aliases)]
    if rows:
        conn.execute(insert(story_aliases, "source", "kind", "alias"), rows)

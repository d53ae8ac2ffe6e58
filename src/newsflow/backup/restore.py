"""`newsflow import`: a backup file restored into an empty database, on SQLite or PostgreSQL.

Order of work, so that a bad file or a refusal writes nothing:

1. read the manifest and check it (format, a schema revision this Newsflow knows, tables and columns
   it knows), then every member's sha256 — all before touching the database;
2. in ONE write transaction: refuse a database holding anything, migrate it to the archive's
   revision, insert the tables parents first, set PostgreSQL's sequences past the restored keys,
   migrate on to this Newsflow's head, write the media files; then commit. Any failure rolls the
   database back and removes the media files this import wrote.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from newsflow.backup.archive import CHUNK, ArchiveError, ArchiveReader, Manifest, Progress, Quiet, TableEntry
from newsflow.backup.schema import (
    ancestors,
    current_revision,
    is_known,
    schema_tables,
    seed_counts,
    serial_column,
    table_named,
    upgrade,
)

ROWS_PER_INSERT = 1000


def restore_archive(engine: sa.Engine, media_dir: Path, source: Path, *, progress: Progress | None = None
                    ) -> Manifest:
    """Restore `source` into the (empty) database behind `engine` and into `media_dir`."""
    progress = progress or Quiet()
    with ArchiveReader(source) as archive:
        manifest = archive.manifest
        revision = manifest.alembic_revision
        if not is_known(revision):
            raise ArchiveError(f"{source} was written at schema revision {revision!r}, which this Newsflow does not "
                               "know: restore it with the Newsflow version that wrote it (or a newer one)")
        plan = _plan(manifest, source)
        _check_media_targets(manifest, media_dir)
        archive.verify(progress)
        created: list[Path] = []
        try:
            with _write_transaction(engine) as conn:
                _refuse_non_empty(conn, revision)
                upgrade(conn, revision)
                progress.phase("Restoring", sum(t.rows for t, _ in plan) + len(manifest.media))
                for _, table in reversed(plan):
                    conn.execute(table.delete())  # only rows the migrations seeded (checked above)
                for entry, table in plan:
                    _insert(conn, archive, entry, table, progress)
                if conn.dialect.name == "postgresql":
                    _reset_sequences(conn, [table for _, table in plan])
                upgrade(conn, "head")
                for media in manifest.media:
                    _write_file(archive, media.member, media_dir / media.path, created)
                    progress.advance("media")
        except sa.exc.DBAPIError as exc:
            _remove(created)
            raise ArchiveError(f"the database refused the restore of {source}: "
                               f"{str(exc.orig).strip().splitlines()[0]}") from None
        except BaseException:
            _remove(created)
            raise
    # A restore writes every table at once: PostgreSQL's planner has no statistics for them until
    # autovacuum comes by, and plans the first queries blind (a 1M-story import served items in
    # 136 ms instead of a few). SQLite plans from its indexes alone.
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    return manifest


@contextmanager
def _write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        # IMMEDIATE on SQLite: no writer slips in between the emptiness check and the inserts. The flag
        # sits on the pooled DBAPI connection, so it comes off afterwards (or every later read locks).
        conn.info["write"] = True
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop("write", None)


def _plan(manifest: Manifest, source: Path) -> list[tuple[TableEntry, sa.Table]]:
    """The archive's tables with the schema's definitions, in insertion order (parents first)."""
    order = {t.name: i for i, t in enumerate(schema_tables())}
    plan = []
    for entry in manifest.tables:
        table = table_named(entry.name)
        if table is None:
            raise ArchiveError(f"{source} holds table {entry.name!r}, which this Newsflow's schema does not have")
        unknown = [name for name, _ in entry.columns if name not in table.c]
        if unknown:
            raise ArchiveError(f"{source}: table {entry.name} has columns this Newsflow's schema does not have: "
                               f"{', '.join(unknown)}")
        plan.append((entry, _for_restore(table, [name for name, _ in entry.columns])))
    return sorted(plan, key=lambda pair: order[pair[0].name])


def _for_restore(table: sa.Table, names: list[str]) -> sa.Table:
    """The table with just the archive's columns, JSON columns keeping None as SQL NULL (a JSON null
    arrives as JSON.NULL): the archive says which of the two each value was."""
    columns = []
    for name in names:
        column = table.c[name]
        kind = column.type
        if isinstance(kind, sa.JSON):
            kind = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True),
                                                           "postgresql")
        columns.append(sa.Column(name, kind, primary_key=column.primary_key, autoincrement=False))
    return sa.Table(table.name, sa.MetaData(), *columns)


def _check_media_targets(manifest: Manifest, media_dir: Path) -> None:
    clashes = [m.path for m in manifest.media if (media_dir / m.path).exists()
               and _sha256(media_dir / m.path) != m.sha256]
    if clashes:
        raise ArchiveError(f"the media folder {media_dir} already holds different files under the same names "
                           f"({', '.join(clashes[:5])}{' …' if len(clashes) > 5 else ''}): restore into an empty one")


def _refuse_non_empty(conn: sa.Connection, revision: str) -> None:
    current = current_revision(conn)
    if current is None:
        return
    if current not in ancestors(revision):
        raise ArchiveError(f"the database is at schema revision {current}, newer than the backup's {revision}: "
                           "restore into a database that was never migrated")
    seeded = seed_counts(current)
    existing = set(sa.inspect(conn).get_table_names())
    for table in schema_tables():
        if table.name not in existing:
            continue
        rows = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if rows > seeded.get(table.name, 0):
            raise ArchiveError(f"the database is not empty (table {table.name} holds {rows} rows): restore only into "
                               "an empty database")


def _insert(conn: sa.Connection, archive: ArchiveReader, entry: TableEntry, table: sa.Table,
            progress: Progress) -> None:
    names = [name for name, _ in entry.columns]
    rows: Iterator[list[Any]] = archive.rows(entry)
    statement = table.insert()
    while batch := list(islice(rows, ROWS_PER_INSERT)):
        try:
            conn.execute(statement, [dict(zip(names, values, strict=True)) for values in batch])
        except (sa.exc.DBAPIError, sa.exc.StatementError, OverflowError) as exc:
            # (a number too large for the column is OverflowError in the SQLite driver)
            why = getattr(exc, "orig", None) or exc
            raise ArchiveError(f"{archive.path}: the database refused rows of table {entry.name}: "
                               f"{str(why).strip().splitlines()[0]}") from None
        progress.advance(entry.name, len(batch))


def _reset_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """Set each key sequence to the largest restored key, so the next publish gets seq = max + 1."""
    for table in tables:
        schema_table = table_named(table.name)
        column = serial_column(schema_table) if schema_table is not None else None
        if column is None:
            continue
        name = conn.dialect.identifier_preparer.format_table(table)
        key = conn.dialect.identifier_preparer.quote(column.name)
        conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                             f"COALESCE((SELECT MAX({key}) FROM {name}), 1), "
                             f"(SELECT MAX({key}) FROM {name}) IS NOT NULL)"),
                     {"table": name, "column": column.name})


def _write_file(archive: ArchiveReader, member: str, target: Path, created: list[Path]) -> None:
    if target.exists():
        return  # the same bytes (checked before): nothing to write
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    created.append(target)
    with archive.member(member) as src, partial.open("wb") as out:
        while chunk := src.read(CHUNK):
            out.write(chunk)
    os.replace(partial, target)


def _remove(created: list[Path]) -> None:
    for path in created:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".partial").unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

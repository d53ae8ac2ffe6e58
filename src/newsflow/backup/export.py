"""`newsflow export`: the whole system to one backup file, from one consistent snapshot.

All tables are read in ONE read transaction (REPEATABLE READ on PostgreSQL; on SQLite in WAL mode a
read transaction sees one snapshot), streamed row by row with server-side cursors, so a table never
has to fit in memory and a publish during the export is either wholly in the file or not at all.
The file is written beside the target and renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from newsflow.backup.archive import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    ArchiveError,
    Manifest,
    MediaEntry,
    Progress,
    Quiet,
    TableEntry,
    column_kind,
    dump_line,
    encode,
)
from newsflow.backup.schema import current_revision, head_revision, schema_tables, unlisted_tables
from newsflow.model import utcnow

ROWS_PER_FETCH = 2000
_NULL_FLAG = "__sql_null_"


def export_archive(engine: sa.Engine, media_dir: Path, target: Path, *, agency: str,
                   progress: Progress | None = None) -> Manifest:
    """Write every table and every media file to `target`; returns the manifest written."""
    progress = progress or Quiet()
    partial = target.with_name(target.name + ".partial")
    try:
        with _snapshot(engine) as conn:
            revision = current_revision(conn)
            if revision != head_revision():
                raise ArchiveError(f"the database is at schema revision {revision or '(none)'}, this Newsflow's is "
                                   f"{head_revision()}: run `newsflow migrate` first")
            if unlisted := unlisted_tables(conn):
                raise ArchiveError(f"the database holds tables the schema does not define ({', '.join(unlisted)}); "
                                   "a backup would miss them")
            tables = schema_tables()
            counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in tables}
            files = sorted(_media_files(media_dir))
            progress.phase("Exporting", sum(counts.values()) + len(files))
            # owner-only from the first byte: the file holds password hashes and webhook and push secrets
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                entries = [_write_table(zf, conn, table, counts[table.name], progress) for table in tables]
                media = [_write_media(zf, media_dir, path, progress) for path in files]
                manifest = Manifest(format=FORMAT, format_version=FORMAT_VERSION, alembic_revision=revision,
                                    agency=agency, created=utcnow(), dialect=engine.dialect.name,
                                    tables=entries, media=media)
                zf.writestr(MANIFEST, manifest.model_dump_json(indent=1))
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


@contextlib.contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            yield conn


def _write_table(zf: zipfile.ZipFile, conn: sa.Connection, table: sa.Table, count: int,
                 progress: Progress) -> TableEntry:
    columns = list(table.columns)
    kinds = [column_kind(c) for c in columns]
    # JSON columns also say whether they hold SQL NULL: SQLAlchemy reads SQL NULL and a JSON null
    # alike, and a restore must give back the one that was there.
    flags = [c.is_(None).label(_NULL_FLAG + c.name) for c, k in zip(columns, kinds, strict=True) if k == "json"]
    query = sa.select(*columns, *flags).order_by(*table.primary_key.columns)
    digest = hashlib.sha256()
    written = 0
    entry = TableEntry.model_construct(name=table.name, columns=[(c.name, k) for c, k in zip(columns, kinds,
                                                                                           strict=True)])
    with zf.open(entry.member, "w", force_zip64=True) as out:
        result = conn.execution_options(stream_results=True, yield_per=ROWS_PER_FETCH).execute(query)
        for batch in result.partitions():
            chunk = b"".join(dump_line(_encoded(row._mapping, columns, kinds)) for row in batch)
            digest.update(chunk)
            out.write(chunk)
            written += len(batch)
            progress.advance(table.name, len(batch))
    if written != count:  # cannot happen inside one snapshot; a guard against a broken isolation level
        raise ArchiveError(f"table {table.name} changed during the export ({count} rows counted, {written} read)")
    return TableEntry(name=table.name, columns=entry.columns, rows=written, sha256=digest.hexdigest())


def _encoded(row: Any, columns: list[sa.Column[Any]], kinds: list[Any]) -> list[Any]:
    values = []
    for column, kind in zip(columns, kinds, strict=True):
        try:
            values.append(encode(kind, row[column], bool(row.get(_NULL_FLAG + column.name))))
        except (TypeError, ValueError) as exc:
            raise ArchiveError(f"{column.table.name}.{column.name}: cannot write {row[column]!r} ({exc})") from None
    return values


def _media_files(root: Path) -> Iterator[str]:
    if not root.is_dir():
        return
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix()


def _write_media(zf: zipfile.ZipFile, root: Path, relative: str, progress: Progress) -> MediaEntry:
    digest = hashlib.sha256()
    size = 0
    # already-compressed images gain nothing from deflate: stored as they are
    with (root / relative).open("rb") as src, zf.open(zipfile.ZipInfo(f"media/{relative}"), "w",
                                                       force_zip64=True) as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    progress.advance("media", 1)
    return MediaEntry(path=relative, size=size, sha256=digest.hexdigest())

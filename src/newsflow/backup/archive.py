"""The backup file: a zip holding a manifest, one JSON-lines member per table and the media files.

Layout (format version 1):

- `manifest.json` — format and version, the Alembic revision of the schema the rows belong to, the
  agency, when it was made, and per table its columns (name and kind), row count and sha256; per
  media file its path, size and sha256. Written last, so a file cut short has no manifest.
- `tables/<name>.jsonl` — one JSON array per row, values in the manifest's column order, encoded by
  the column's kind (below) so that times, bytes and JSON documents come back as they went in.
- `media/<path>` — the files under NEWSFLOW_MEDIA_DIR, byte for byte.

Zip because members are written as they stream (no size needed up front), read back one at a time,
and every reader on every system opens it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal, Protocol

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError, field_validator

FORMAT = "newsflow-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNK = 1 << 20

Kind = Literal["plain", "json", "datetime", "date", "time", "bytes", "decimal"]


class ArchiveError(Exception):
    """A backup that cannot be written or restored; the message names the file and what is wrong."""


class TableEntry(BaseModel):
    name: str = Field(pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    columns: list[tuple[str, Kind]]
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @property
    def member(self) -> str:
        return f"tables/{self.name}.jsonl"


class MediaEntry(BaseModel):
    path: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @field_validator("path")
    @classmethod
    def _inside(cls, path: str) -> str:
        # a hostile archive must not write outside the media folder
        parts = PurePosixPath(path).parts
        if (not parts or path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts)
                or re.search(r"[\x00-\x1f]", path)):
            raise ValueError(f"media path {path!r} is not a plain relative path")
        return path

    @property
    def member(self) -> str:
        return f"media/{self.path}"


class Manifest(BaseModel):
    format: Literal["newsflow-backup"]
    format_version: int
    alembic_revision: str = Field(min_length=1, max_length=64)
    agency: str
    created: dt.datetime
    dialect: str
    tables: list[TableEntry]
    media: list[MediaEntry]


class Progress(Protocol):
    """What a long export or import tells its caller: phases with a total, then steps through them."""

    def phase(self, label: str, total: int) -> None: ...

    def advance(self, label: str, amount: int = 1) -> None: ...


class Quiet:
    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self, label: str, amount: int = 1) -> None:
        pass


def column_kind(column: sa.Column[Any]) -> Kind:
    """How a column's values are written to the archive (a TypeDecorator counts as what it wraps)."""
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return "json"
    for base, name in ((sa.DateTime, "datetime"), (sa.Date, "date"), (sa.Time, "time"),
                       (sa.LargeBinary, "bytes"), (sa.Numeric, "decimal")):
        if isinstance(kind, base) and not (name == "decimal" and isinstance(kind, sa.Float)):
            return name  # type: ignore[return-value]
    return "plain"


def encode(kind: Kind, value: Any, sql_null: bool = False) -> Any:
    """A column value as JSON. A JSON column's document is wrapped in a list so that SQL NULL (null)
    and a stored JSON null ([null]) stay apart."""
    if kind == "json":
        return None if sql_null else [value]
    if value is None:
        return None
    if kind in ("datetime", "date", "time"):
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(value).decode("ascii")
    if kind == "decimal":
        return str(value)
    return value


JSON_NULL: Any = sa.JSON.NULL


def decode(kind: Kind, value: Any) -> Any:
    """The inverse of `encode`; raises ValueError or TypeError on a value that is not of its kind."""
    if kind == "json":
        if value is None:
            return None
        if not isinstance(value, list) or len(value) != 1:
            raise ValueError("a JSON column's value must be null or a one-element list")
        return JSON_NULL if value[0] is None else value[0]
    if value is None or kind == "plain":
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected a string for a {kind} value, got {type(value).__name__}")
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    return Decimal(value)


def dump_line(values: list[Any]) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class ArchiveReader:
    """An archive opened for restoring: the manifest read and checked, members read as streams."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise ArchiveError(f"{path}: no such file") from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ArchiveError(f"{path} is not a Newsflow backup (not a complete zip file: {exc})") from None
        try:
            raw = self.zip.read(MANIFEST)
        except KeyError:
            self.zip.close()
            raise ArchiveError(f"{path} has no {MANIFEST}: not a Newsflow backup, or cut short") from None
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            self.zip.close()
            raise ArchiveError(f"{path}: {MANIFEST} is damaged ({exc})") from None
        try:
            self.manifest = Manifest.model_validate_json(raw)
        except ValidationError as exc:
            self.zip.close()
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"])) or "(top)"
            raise ArchiveError(f"{path}: {MANIFEST} is not a Newsflow backup manifest: {where}: {first['msg']}"
                               ) from None
        if self.manifest.format_version != FORMAT_VERSION:
            self.zip.close()
            raise ArchiveError(f"{path} is backup format version {self.manifest.format_version}; this Newsflow "
                               f"reads version {FORMAT_VERSION}")
        names = [t.name for t in self.manifest.tables]
        if len(set(names)) != len(names):
            self.zip.close()
            raise ArchiveError(f"{path}: the manifest lists a table twice")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def member(self, name: str) -> Iterator[IO[bytes]]:
        try:
            with self.zip.open(name) as stream:
                yield stream
        except KeyError:
            raise ArchiveError(f"{self.path}: member {name} named in the manifest is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise ArchiveError(f"{self.path}: member {name} is damaged ({exc})") from None

    def verify(self, progress: Progress) -> None:
        """Check every member against the manifest's sha256 (and the table's row count) before anything
        is written anywhere."""
        expected = [(t.member, t.sha256, t.rows) for t in self.manifest.tables]
        expected += [(m.member, m.sha256, None) for m in self.manifest.media]
        progress.phase("Verifying", len(expected))
        for name, sha256, rows in expected:
            digest = hashlib.sha256()
            lines = 0
            with self.member(name) as stream:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    lines += chunk.count(b"\n")
            if digest.hexdigest() != sha256:
                raise ArchiveError(f"{self.path}: member {name} does not match its checksum in the manifest "
                                   "(the file is damaged or was altered)")
            if rows is not None and lines != rows:
                raise ArchiveError(f"{self.path}: member {name} holds {lines} rows, the manifest says {rows}")
            progress.advance(name)

    def rows(self, table: TableEntry) -> Iterator[list[Any]]:
        """The table's rows decoded by column kind; a malformed line names the member and line."""
        kinds = [kind for _, kind in table.columns]
        with self.member(table.member) as stream:
            for number, line in enumerate(stream, 1):
                try:
                    values = json.loads(line)
                    if not isinstance(values, list) or len(values) != len(kinds):
                        raise ValueError(f"expected a list of {len(kinds)} values")
                    yield [decode(kind, value) for kind, value in zip(kinds, values, strict=True)]
                except (ValueError, TypeError, RecursionError) as exc:
                    raise ArchiveError(f"{self.path}: {table.member} line {number}: {exc!s:.200}") from None

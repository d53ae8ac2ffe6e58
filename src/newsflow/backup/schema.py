"""What a backup covers: every table of the schema's one metadata, at an Alembic revision.

Tables are found in the metadata, not listed here, so a table added later is backed up without
touching this package. The metadata is complete only once every module that defines tables is
imported; importing the web app (which imports all the services) does that. As a net under it,
`unlisted_tables` names any table the database holds that the metadata does not know.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from newsflow.store.engine import MIGRATIONS
from newsflow.store.tables import metadata

# Kept by the backend or by Alembic, or rebuilt from tables that are backed up (the SQLite FTS5
# index over search_docs is filled by triggers as its rows go back in).
_INTERNAL = {"alembic_version", "sqlite_sequence"}


@cache
def schema_tables() -> tuple[sa.Table, ...]:
    """Every table of the schema, parents before children (the order rows can be inserted in)."""
    import newsflow.web.app  # noqa: F401  (imports every module that defines tables)

    return tuple(metadata.sorted_tables)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = scripts().get_current_head()
    assert head is not None, "the migrations have no head"
    return head


def is_known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:
        return False


def ancestors(revision: str) -> set[str]:
    """The revision and every revision before it."""
    return {script.revision for script in scripts().iterate_revisions(revision, "base")}


def current_revision(conn: sa.Connection) -> str | None:
    """The database's schema revision; None for a database never migrated."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(conn: sa.Connection, revision: str) -> None:
    """Migrate inside the caller's transaction (Alembic joins it), so a failed import leaves no schema."""
    cfg = alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def unlisted_tables(conn: sa.Connection) -> list[str]:
    """Tables in the database that no backup would hold: neither in the metadata nor kept by the
    backend (SQLite virtual tables and their shadow tables count as the backend's)."""
    names = set(sa.inspect(conn).get_table_names())
    known = {t.name for t in schema_tables()} | _INTERNAL
    virtual: set[str] = set()
    if conn.dialect.name == "sqlite":
        virtual = {name for (name,) in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'")}
    return sorted(n for n in names - known - virtual if not any(n.startswith(v + "_") for v in virtual))


@cache
def seed_counts(revision: str) -> dict[str, int]:
    """Rows the migrations themselves put in each table at `revision` (e.g. a singleton row): a
    database holding only these is empty. Found by migrating a scratch in-memory database."""
    engine = sa.create_engine("sqlite://")
    try:
        with engine.begin() as conn:
            upgrade(conn, revision)
            existing = set(sa.inspect(conn).get_table_names())
            return {t.name: count for t in schema_tables() if t.name in existing
                    and (count := conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())}
    finally:
        engine.dispose()


def table_named(name: str) -> sa.Table | None:
    return next((t for t in schema_tables() if t.name == name), None)


def serial_column(table: sa.Table) -> sa.Column[Any] | None:
    """The integer key a sequence (PostgreSQL) or AUTOINCREMENT (SQLite) numbers, if any."""
    column = table.autoincrement_column
    return column if column is not None and column.primary_key else None

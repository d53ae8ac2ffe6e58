"""Connecting to the embedded SQLite file or to PostgreSQL, and bringing the schema up to date."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from newsflow.private import private_file
from newsflow.store.tables import to_json

MIGRATIONS = Path(__file__).parent / "migrations"
# The PostgreSQL advisory lock held while migrating (any constant shared by every node: "newsflow" in hex).
MIGRATION_LOCK = 0x6E657773666C6F77


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here; SQLite paths get their folder created."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        # made owner-only before SQLite creates it: it holds password hashes and unreleased stories
        database = private_file(Path(url.removeprefix("sqlite:///")))
        for companion in ("-wal", "-shm"):
            if database.with_name(database.name + companion).exists():
                private_file(database.with_name(database.name + companion))
    return url


def create_engine(url: str) -> sa.Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                                  pool_size=8, max_overflow=16, json_serializer=to_json)
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, json_serializer=to_json)


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy's "begin" below issue BEGIN itself, so every transaction is IMMEDIATE:
        # a writer takes the write lock up front instead of failing to upgrade a read lock later.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # 64 MiB of page cache a connection (a ceiling, not an allocation) instead of SQLite's 2 MiB:
        # at a million stories the indexes' upper pages no longer fit in 2 MiB, and every write and
        # search went back to the file for them.
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")


def migrate(engine: sa.Engine) -> None:
    """Apply every Alembic migration not yet applied (idempotent; safe at each start)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        # Several nodes may start together on an empty database: one migrates while the others wait,
        # then find the schema at head. SQLite: the write transaction is IMMEDIATE (see above), which
        # takes the database's write lock first; PostgreSQL: a transaction-scoped advisory lock.
        conn.info["write"] = True  # the DBAPI connection's: taken off again before it goes back to the pool
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            conn.info.pop("write", None)

"""Nodes starting together on an empty database: every one migrates (or waits for the one that does)
and the schema comes out whole — real processes racing on one PostgreSQL schema or one SQLite file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsflow.store import Store
from newsflow.store.engine import MIGRATIONS
from newsflow.store.tables import metadata
from tests.wire.nodes import NEWSFLOW, node_env

NODES = 4


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


@pytest.mark.parametrize("store_kind", ["postgresql", "sqlite"])
def test_four_nodes_migrating_one_empty_database_at_once_all_succeed(store_kind: str, tmp_path: Path,
                                                                     request: pytest.FixtureRequest) -> None:
    url = (request.getfixturevalue("pg_schema_url") if store_kind == "postgresql"
           else f"sqlite:///{tmp_path / 'shared.db'}")
    procs = [subprocess.Popen([NEWSFLOW, "migrate"], env=node_env(tmp_path / f"n{i}", NEWSFLOW_DATABASE_URL=url),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for i in range(NODES)]
    outputs = [p.communicate(timeout=120)[0].decode(errors="replace") for p in procs]
    failed = [(p.returncode, out[-2000:]) for p, out in zip(procs, outputs, strict=True) if p.returncode != 0]
    assert not failed, failed

    store = Store(url)
    try:
        with store.read() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [_head()]
            present = set(sa.inspect(conn).get_table_names())
        import newsflow.wire.tables  # noqa: F401  (the subscriber tables share the metadata)

        assert set(metadata.tables) - present == set()
        store.migrate()  # a later node finds nothing to do
    finally:
        store.close()


def test_after_migrating_reads_do_not_take_the_write_lock(tmp_path: Path) -> None:
    """The migration's IMMEDIATE transaction is its own: a reader holding a snapshot does not block a writer."""
    store = Store(f"sqlite:///{tmp_path / 'n.db'}")
    try:
        store.migrate()
        with store.read() as reader, reader.begin():
            assert "write" not in reader.info
            reader.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar()  # a snapshot is held
            with store.write() as writer:  # would wait out the busy timeout, then fail, if the reader held the lock
                writer.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
    finally:
        store.close()

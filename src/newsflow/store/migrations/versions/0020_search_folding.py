"""Search folding: `search_docs.variants` (a story's text folded for its language, see
newsflow.store.folding) joins the full-text index at the lowest weight; every story is re-indexed.

Mirrors newsflow.store.search_tables. SQLite: the FTS5 table and its triggers are made again with the
fourth column. PostgreSQL: a generated column cannot be altered, so `search_vector` (and its GIN index)
is dropped and added again with variants at weight D.

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"

_TRIGGERS = ("search_docs_ai", "search_docs_ad", "search_docs_au")


def _sqlite(columns: str) -> list[str]:
    new = ", ".join(f"new.{c}" for c in columns.split(", "))
    old = ", ".join(f"old.{c}" for c in columns.split(", "))
    return [
        f"""CREATE VIRTUAL TABLE search_fts USING fts5({columns}, content='search_docs', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new}); END""",
        f"""CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); END""",
        f"""CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
            INSERT INTO search_fts(search_fts, rowid, {columns}) VALUES ('delete', old.id, {old});
            INSERT INTO search_fts(rowid, {columns}) VALUES (new.id, {new}); END""",
    ]


def _vector(with_variants: bool) -> str:
    variants = " ||\n    setweight(to_tsvector('newsflow_search'::regconfig, variants), 'D')" if with_variants else ""
    return f"""ALTER TABLE search_docs ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('newsflow_search'::regconfig, headline), 'A') ||
    setweight(to_tsvector('newsflow_search'::regconfig, spot), 'B') ||
    setweight(to_tsvector('newsflow_search'::regconfig, body), 'C'){variants}) STORED"""


def _rebuild_index(bind: sa.Connection, *, with_variants: bool) -> None:
    if bind.dialect.name == "sqlite":
        for trigger in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        if not with_variants:
            op.execute("ALTER TABLE search_docs DROP COLUMN variants")
        for statement in _sqlite("headline, spot, body, variants" if with_variants else "headline, spot, body"):
            op.execute(statement)
        op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    else:
        op.execute("ALTER TABLE search_docs DROP COLUMN search_vector")  # takes its GIN index along
        if not with_variants:
            op.execute("ALTER TABLE search_docs DROP COLUMN variants")
        op.execute(_vector(with_variants))
        op.execute("CREATE INDEX ix_search_docs_vector ON search_docs USING gin (search_vector)")


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("search_docs", sa.Column("variants", sa.Text, nullable=False, server_default=""))
    _rebuild_index(bind, with_variants=True)

    from newsflow.store.search import reindex_all

    reindex_all(bind)  # fills variants for the stories already indexed


def downgrade() -> None:
    _rebuild_index(op.get_bind(), with_variants=False)

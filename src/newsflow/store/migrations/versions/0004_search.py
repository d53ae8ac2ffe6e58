"""Search: `search_docs` (each live story's current version), FTS5 on SQLite, tsvector + GIN on PostgreSQL.

Mirrors newsflow.store.search_tables; existing stories are indexed on the way up.

Revision ID: 0004
Revises: 0003
"""

import warnings

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0004"
down_revision = "0003"

_FTS_COLUMNS = "headline, spot, body"
_SQLITE = [
    # External content: the text lives once, in search_docs; the triggers keep the index in step.
    f"""CREATE VIRTUAL TABLE search_fts USING fts5({_FTS_COLUMNS}, content='search_docs', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
        INSERT INTO search_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, new.headline, new.spot, new.body); END""",
    f"""CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.id, old.headline, old.spot, old.body); END""",
    f"""CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
        INSERT INTO search_fts(search_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.id, old.headline, old.spot, old.body);
        INSERT INTO search_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, new.headline, new.spot, new.body); END""",
]
# Word token types of the default parser: these go through unaccent (when present), then 'simple'.
_WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart"
_VECTOR = """ALTER TABLE search_docs ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('newsflow_search'::regconfig, headline), 'A') ||
    setweight(to_tsvector('newsflow_search'::regconfig, spot), 'B') ||
    setweight(to_tsvector('newsflow_search'::regconfig, body), 'C')) STORED"""


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("guid", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seq", BigId, nullable=False),
        sa.Column("headline", sa.Text, nullable=False),
        sa.Column("spot", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("categories", Json, nullable=False),
        sa.Column("dossier", sa.String(200), nullable=True),
        sa.Column("urgency", sa.SmallInteger, nullable=False),
        sa.Column("version_created", UTCDateTime, nullable=False),
        sa.Column("pubstatus", sa.String(16), nullable=False),
        sa.Column("embargo", UTCDateTime, nullable=True),
        sa.UniqueConstraint("guid", name="uq_search_docs_guid"),
    )
    op.create_index("ix_search_docs_created", "search_docs", ["version_created"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE:
            op.execute(statement)
    else:
        _pg_configuration(bind)
        op.execute(_VECTOR)
        op.execute("CREATE INDEX ix_search_docs_vector ON search_docs USING gin (search_vector)")

    from newsflow.store.search import reindex_all

    reindex_all(bind)


def _pg_configuration(bind: sa.Connection) -> None:
    """`newsflow_search`: 'simple' (no stemming or stop words, so every language is searchable as
    written) with unaccent in front, so "cafe" finds "café" and "cag" finds "çağ"."""
    schema = _unaccent_schema(bind)
    op.execute("CREATE TEXT SEARCH CONFIGURATION newsflow_search (COPY = pg_catalog.simple)")
    if schema is None:
        warnings.warn("the PostgreSQL extension unaccent is not available: search will not fold accents "
                      "(install postgresql-contrib, add unaccent to the newsflow_search configuration, "
                      "then rebuild the index: newsflow.store.search.rebuild)", stacklevel=1)
        return
    dictionary = bind.dialect.identifier_preparer.quote_schema(schema) + ".unaccent"
    op.execute(f"ALTER TEXT SEARCH CONFIGURATION newsflow_search ALTER MAPPING FOR {_WORD_TOKENS} "
               f"WITH {dictionary}, pg_catalog.simple")


def _unaccent_schema(bind: sa.Connection) -> str | None:
    """Where the unaccent extension lives, installing it in `public` if it is not there yet.

    `public` rather than the current schema: the extension is one per database, and one in a schema
    that gets dropped (a test schema) would take other schemas' configurations with it.
    """
    where = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                    "WHERE e.extname = 'unaccent'")
    schema = bind.execute(where).scalar()
    if schema is not None:
        return schema
    for statement in ("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
                      "CREATE EXTENSION IF NOT EXISTS unaccent"):
        try:
            with bind.begin_nested():
                bind.exec_driver_sql(statement)
        except sa.exc.DBAPIError:
            pass  # no privilege, no such schema, or another session installed it meanwhile
        schema = bind.execute(where).scalar()
        if schema is not None:
            return schema
    return None


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("search_docs_ai", "search_docs_ad", "search_docs_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
        op.drop_table("search_docs")
    else:
        op.drop_table("search_docs")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS newsflow_search")

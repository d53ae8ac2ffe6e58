"""Filter tags: `search_docs.tags` holds one token per category and for the language
(newsflow.store.search.filter_tag), and SQLite's FTS5 index takes it as a fifth column, so a category
or language filter is met inside the index. Existing rows get their tags; on SQLite the FTS5 table is
made again and rebuilt from its content (minutes at a million stories).

Mirrors newsflow.store.search_tables. PostgreSQL keeps the column filled (one model of a row); its
filters stay on the JSON and language columns.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"

_TRIGGERS = ("search_docs_ai", "search_docs_ad", "search_docs_au")
# `filter_tag` in SQL: a prefix and the lowercase hex of the value's UTF-8 bytes
_SQLITE_TAGS = """UPDATE search_docs SET tags = trim(coalesce((SELECT group_concat('zc' || lower(hex(value)), ' ')
    FROM json_each(search_docs.categories)), '') || ' zl' || lower(hex(language)))"""
_PG_TAGS = """UPDATE search_docs SET tags = trim(coalesce((SELECT string_agg('zc' || encode(convert_to(value, 'UTF8'),
    'hex'), ' ') FROM jsonb_array_elements_text(search_docs.categories) AS value), '') || ' zl'
    || encode(convert_to(language, 'UTF8'), 'hex'))"""


def _fts(columns: str) -> list[str]:
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


def _remake_fts(columns: str) -> None:
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_fts")
    for statement in _fts(columns):
        op.execute(statement)
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the triggers would re-index every row the UPDATE below touches
        for trigger in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.add_column("search_docs", sa.Column("tags", sa.Text, nullable=False, server_default=""))
    op.execute(_SQLITE_TAGS if sqlite else _PG_TAGS)
    if sqlite:
        _remake_fts("headline, spot, body, variants, tags")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for trigger in _TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_column("search_docs", "tags")
    if sqlite:
        _remake_fts("headline, spot, body, variants")

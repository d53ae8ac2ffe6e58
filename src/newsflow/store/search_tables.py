"""The search index's table: the current version of every live story, flattened for full-text search.

Defined on the store's one `metadata`; migrations 0004, 0020 and 0023 mirror it and add what only one backend has:

- SQLite: `search_fts`, an FTS5 table over headline, spot, body, variants (0020) and tags (0023) with
  `search_docs` as its external content (triggers keep the two in step), tokenizer
  `unicode61 remove_diacritics 2`;
- PostgreSQL: `search_docs.search_vector`, a stored generated tsvector (headline A, spot B, body C, variants D) in
  the `newsflow_search` configuration (a copy of 'simple' with unaccent in front, so any language
  works and accents fold), with a GIN index.

Neither is declared here: a column or table that exists on one backend only would break the other.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsflow.store.tables import BigId, Json, UTCDateTime, metadata

# Cap on the body text indexed: PostgreSQL refuses a tsvector over 1 MB, and a publish must never fail
# because its story is long. News copy is far below this; the cut tail is not searchable.
BODY_INDEXED = 200_000

search_docs = sa.Table(
    "search_docs", metadata,
    # An integer key for FTS5's rowid: SQLite may renumber the implicit rowid of a table without one
    # (VACUUM), which would silently detach an external-content index from its rows.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("guid", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    # The event that announced this version: its product ids decide who may find it.
    sa.Column("seq", BigId, nullable=False),
    sa.Column("headline", sa.Text, nullable=False),
    sa.Column("spot", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    # Headline, spot and body as folded for the story's language (newsflow.store.folding), when that
    # changes a word; else empty. Indexed beside them at the lowest weight, never shown.
    sa.Column("variants", sa.Text, nullable=False, server_default=""),
    # One token per category and for the language (`search.filter_tag`): on SQLite, FTS5 meets a
    # category or language filter inside the index, as it meets the words, instead of the database
    # reading every match to test it (a category at a million stories: 97 ms -> a few).
    sa.Column("tags", sa.Text, nullable=False, server_default=""),
    sa.Column("language", sa.String(20), nullable=False),
    sa.Column("categories", Json, nullable=False),
    sa.Column("dossier", sa.String(200), nullable=True),
    sa.Column("urgency", sa.SmallInteger, nullable=False),
    sa.Column("version_created", UTCDateTime, nullable=False),
    sa.Column("pubstatus", sa.String(16), nullable=False),
    sa.Column("embargo", UTCDateTime, nullable=True),
    sa.UniqueConstraint("guid", name="uq_search_docs_guid"),
)
# Browsing (no words, newest first) and date filters walk this.
sa.Index("ix_search_docs_created", search_docs.c.version_created)

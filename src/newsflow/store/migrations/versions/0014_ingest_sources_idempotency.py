"""Ingest provenance and idempotent newsroom requests: named ingest sources, the source each wire
story belongs to (stories ingested before sources existed go to "legacy-ingest"), and the answers
kept for the newsroom API's Idempotency-Key.

Mirrors newsflow.store.tables.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from newsflow.model import utcnow
from newsflow.store.tables import Json, UTCDateTime

revision = "0014"
down_revision = "0013"

LEGACY = "legacy-ingest"


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: SQLite would rebuild `stories`, which `versions` references.
    op.add_column("stories", sa.Column("source", sa.String(255), nullable=True))
    sources = op.create_table(
        "ingest_sources",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("previous_secret", sa.String(200), nullable=True),
        sa.Column("previous_expires", UTCDateTime, nullable=True),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("response", Json, nullable=True),
        sa.Column("created", UTCDateTime, nullable=False),
    )
    # Wire stories from before: one source of their own, so no new source can take them over.
    conn = op.get_bind()
    stories = sa.table("stories", sa.column("source", sa.String), sa.column("created_by", sa.String))
    legacy = conn.execute(stories.update().where(stories.c.created_by == "ingest").values(source=LEGACY))
    if legacy.rowcount:
        op.bulk_insert(sources, [{"name": LEGACY, "kind": "folder", "created": utcnow(), "active": True}])


def downgrade() -> None:
    op.drop_table("idempotency_keys")
    op.drop_table("ingest_sources")
    op.drop_column("stories", "source")  # SQLite 3.35+ drops a column in place

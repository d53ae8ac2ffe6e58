"""Core: stories, immutable versions, the distribution log, media, users and staff tokens.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0001"
down_revision = None

_IMMUTABLE_SQLITE = """
CREATE TRIGGER versions_no_{op} BEFORE {OP} ON versions
BEGIN SELECT RAISE(ABORT, 'published versions are immutable'); END
"""
_IMMUTABLE_PG_FN = """
CREATE OR REPLACE FUNCTION newsflow_versions_immutable() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'published versions are immutable'; END $$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("guid", sa.String(255), primary_key=True),
        sa.Column("draft", Json, nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pubstatus", sa.String(16), nullable=True),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("modified", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("first_published", UTCDateTime, nullable=True),
    )
    op.create_table(
        "versions",
        sa.Column("guid", sa.String(255), sa.ForeignKey("stories.guid"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("content", Json, nullable=False),
        sa.Column("headline", sa.String(500), nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("urgency", sa.SmallInteger, nullable=False),
        sa.Column("pubstatus", sa.String(16), nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("embargo", UTCDateTime, nullable=True),
        sa.Column("first_published", UTCDateTime, nullable=False),
        sa.Column("version_created", UTCDateTime, nullable=False),
        sa.Column("is_correction", sa.Boolean, nullable=False),
        sa.Column("editor_note", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_versions_created", "versions", ["version_created"])
    op.create_table(
        "events",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("guid", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.ForeignKeyConstraint(["guid", "version"], ["versions.guid", "versions.version"]),
        sa.UniqueConstraint("guid", "version", "kind", name="uq_events_version_kind"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "media",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("caption", sa.Text, nullable=False, server_default=""),
        sa.Column("credit", sa.String(500), nullable=False, server_default=""),
        sa.Column("renditions", Json, nullable=False),
        sa.Column("created", UTCDateTime, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created", UTCDateTime, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("last_used", UTCDateTime, nullable=True),
        sa.Column("revoked", UTCDateTime, nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_IMMUTABLE_PG_FN)
        op.execute("CREATE TRIGGER versions_immutable BEFORE UPDATE OR DELETE ON versions "
                   "FOR EACH ROW EXECUTE FUNCTION newsflow_versions_immutable()")
    else:
        for name in ("update", "delete"):
            op.execute(_IMMUTABLE_SQLITE.format(op=name, OP=name.upper()))


def downgrade() -> None:
    for table in ("tokens", "users", "media", "events", "versions", "stories"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS newsflow_versions_immutable()")

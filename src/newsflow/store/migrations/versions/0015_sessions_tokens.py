"""Server-side sessions: the cookie carries an opaque id, the row (found by the id's hash) holds the
user, the CSRF token, the next page's flash data and the expiry. Also an index to end or list an
account's staff tokens.

Mirrors newsflow.store.credentials.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import Json, UTCDateTime

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("last_seen", UTCDateTime, nullable=False),
        sa.Column("expires", UTCDateTime, nullable=False),
    )
    op.create_index("ix_sessions_user", "sessions", ["user_id"])
    op.create_index("ix_sessions_expires", "sessions", ["expires"])
    op.create_index("ix_tokens_user", "tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_tokens_user", "tokens")
    op.drop_table("sessions")

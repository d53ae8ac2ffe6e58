"""A time zone per user (the faces show times in it; none: the agency's) and one-time password reset
links (the SHA-256 of each token, its expiry and when it was used).

Mirrors newsflow.store.tables (users.time_zone, password_resets).

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import UTCDateTime

revision = "0024"
down_revision = "0023"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=True))
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("expires", UTCDateTime, nullable=False),
        sa.Column("used", UTCDateTime, nullable=True),
    )
    op.create_index("ix_password_resets_user", "password_resets", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_password_resets_user", table_name="password_resets")
    op.drop_table("password_resets")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("time_zone")

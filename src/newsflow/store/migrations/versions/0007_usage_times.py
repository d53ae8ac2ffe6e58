"""The usage log counts repeats: one row per (company, actor, item, version, channel, format) and
flush window, with how many times it was served.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("usage") as batch:
        batch.add_column(sa.Column("times", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("usage") as batch:
        batch.drop_column("times")

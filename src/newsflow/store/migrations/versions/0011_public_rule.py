"""The public rule's urgency clause, set by an admin (one row).

Mirrors newsflow.public.tables.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import UTCDateTime

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "public_rule_settings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("urgency_max", sa.Integer, nullable=False),
        sa.Column("updated", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("public_rule_settings")

"""Entitlement per version: an event's products split into those entitled to the version's copy and
those that only get a withdrawal notice (they held an earlier version the new one no longer covers).

Mirrors newsflow.wire.tables.event_products.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    with op.batch_alter_table("event_products") as batch:
        batch.add_column(sa.Column("notice", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("event_products") as batch:
        batch.drop_column("notice")

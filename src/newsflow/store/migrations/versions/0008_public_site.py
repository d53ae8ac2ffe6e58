"""The public website: subscription requests, and a flag that puts a product's stories in the public
portion.

Mirrors newsflow.public.tables.subscription_requests and newsflow.wire.tables.products.c.public.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "subscription_requests",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("country", sa.String(100), nullable=False),
        sa.Column("interests", Json, nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("language", sa.String(20), nullable=False, server_default="en"),
        sa.Column("created", UTCDateTime, nullable=False),
    )
    op.create_index("ix_subscription_requests_created", "subscription_requests", ["created"])
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("public")
    op.drop_index("ix_subscription_requests_created", "subscription_requests")
    op.drop_table("subscription_requests")

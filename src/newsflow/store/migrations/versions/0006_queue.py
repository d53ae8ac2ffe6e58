"""The server-held queue: a position per (company, consumer).

Mirrors newsflow.wire.queue.queue_positions.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "queue_positions",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), nullable=False),
        sa.Column("consumer", sa.String(64), nullable=False),
        sa.Column("products", Json, nullable=True),
        sa.Column("acked_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("batch_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("batch_at", UTCDateTime, nullable=True),
        sa.Column("acked_at", UTCDateTime, nullable=True),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("updated", UTCDateTime, nullable=False),
        sa.UniqueConstraint("company_id", "consumer", name="uq_queue_positions_company_consumer"),
    )


def downgrade() -> None:
    op.drop_table("queue_positions")

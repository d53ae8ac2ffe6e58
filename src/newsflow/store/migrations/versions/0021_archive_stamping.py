"""Archive entitlement: a product's archive window and the background run that gives a new or changed
product the archive its filter covers (newsflow.wire.archive).

Products that exist already reach back over everything (`archive_days` NULL); their stamps were made
with their filter when each event was written, so no run is queued for them.

Mirrors newsflow.wire.tables.products.archive_days and archive_stamping.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0021"
down_revision = "0020"


def upgrade() -> None:
    # A plain ADD COLUMN: a batch rebuild of `products` on SQLite would drop its AUTOINCREMENT.
    op.add_column("products", sa.Column("archive_days", sa.Integer, nullable=True))
    op.create_table(
        "archive_stamping",
        sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), primary_key=True),
        sa.Column("filter", Json, nullable=False),
        sa.Column("after_guid", sa.String(255), nullable=True),
        sa.Column("log_head", BigId, nullable=False, server_default="0"),
        sa.Column("stories_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("stories_total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("requested", UTCDateTime, nullable=False),
        sa.Column("finished", UTCDateTime, nullable=True),
        sa.Column("node", sa.String(64), nullable=True),
        sa.Column("heartbeat", UTCDateTime, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("archive_stamping")
    op.drop_column("products", "archive_days")

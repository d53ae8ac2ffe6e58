"""Webhooks: endpoints (with rotating secrets and circuit state), deliveries, attempts, the planner's cursor.

Mirrors newsflow.wire.webhook_tables.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("format", sa.String(32), nullable=False, server_default="ninjs"),
        sa.Column("product_ids", Json, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("start_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("previous_secret", sa.String(200), nullable=True),
        sa.Column("previous_expires", UTCDateTime, nullable=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("open_until", UTCDateTime, nullable=True),
        sa.Column("failing_since", UTCDateTime, nullable=True),
    )
    op.create_index("ix_webhook_endpoints_company", "webhook_endpoints", ["company_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("endpoint_id", sa.String(32), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
        sa.Column("seq", BigId, sa.ForeignKey("events.seq"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("guid", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("lease_until", UTCDateTime, nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("last_status", sa.Integer, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.Column("delivered_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("endpoint_id", "seq", name="uq_webhook_deliveries_endpoint_seq"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_webhook_deliveries_open", "webhook_deliveries", ["endpoint_id", "state", "seq"])
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_attempt_at"])
    op.create_index("ix_webhook_deliveries_guid", "webhook_deliveries", ["guid"])
    op.create_table(
        "webhook_attempts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("endpoint_id", sa.String(32), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
        sa.Column("delivery_id", BigId, sa.ForeignKey("webhook_deliveries.id"), nullable=True),
        sa.Column("webhook_id", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started", UTCDateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("test", sa.Boolean, nullable=False, server_default=sa.false()),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_webhook_attempts_endpoint", "webhook_attempts", ["endpoint_id", "id"])
    op.create_index("ix_webhook_attempts_delivery", "webhook_attempts", ["delivery_id"])
    op.create_table(
        "webhook_planner",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    # Start at the end of the log: endpoints created from now on only receive what comes after.
    op.execute("INSERT INTO webhook_planner (id, last_seq) SELECT 'log', COALESCE(MAX(seq), 0) FROM events")


def downgrade() -> None:
    for table in ("webhook_planner", "webhook_attempts", "webhook_deliveries", "webhook_endpoints"):
        op.drop_table(table)

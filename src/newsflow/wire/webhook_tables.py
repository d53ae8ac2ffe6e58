"""The webhook side of the schema: endpoints, one delivery row per (endpoint, event), every attempt, and
where the planner stands in the log.

Defined on the store's one `metadata`; migration 0003 mirrors these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsflow.store.tables import BigId, Json, UTCDateTime, metadata

# Secrets are kept as given (HMAC needs the key itself) and never returned by any API after creation.
# During a rotation the old secret keeps signing too, until `previous_expires`.
webhook_endpoints = sa.Table(
    "webhook_endpoints", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("format", sa.String(32), nullable=False, server_default="ninjs"),
    sa.Column("product_ids", Json, nullable=True),  # optional narrowing of the company's products
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created", UTCDateTime, nullable=False),
    # Only events after this seq are planned: a new endpoint does not receive the archive.
    sa.Column("start_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("previous_secret", sa.String(200), nullable=True),
    sa.Column("previous_expires", UTCDateTime, nullable=True),
    # Circuit breaker: open (no sends) until `open_until` after enough failures in a row.
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("open_until", UTCDateTime, nullable=True),
    sa.Column("failing_since", UTCDateTime, nullable=True),  # for "why was it not delivered"
)
sa.Index("ix_webhook_endpoints_company", webhook_endpoints.c.company_id)

# One row per (endpoint, event): the unique key makes a second send impossible beyond a retry, however
# many nodes plan the same events. state: pending (not tried) | failed (tried, will retry) | delivered |
# dead (gave up; replayable) | skipped (no longer entitled, or superseded by a newer version delivered).
webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("endpoint_id", sa.String(32), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
    sa.Column("seq", BigId, sa.ForeignKey("events.seq"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("guid", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    # A claim: which dispatcher holds it and until when (a crashed node's claim simply runs out).
    sa.Column("lease_until", UTCDateTime, nullable=True),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("delivered_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("endpoint_id", "seq", name="uq_webhook_deliveries_endpoint_seq"),
    sqlite_autoincrement=True,
)
# "The endpoint's oldest open delivery" (its head of line) is a short range scan on this index.
sa.Index("ix_webhook_deliveries_open", webhook_deliveries.c.endpoint_id, webhook_deliveries.c.state,
         webhook_deliveries.c.seq)
sa.Index("ix_webhook_deliveries_due", webhook_deliveries.c.state, webhook_deliveries.c.next_attempt_at)
sa.Index("ix_webhook_deliveries_guid", webhook_deliveries.c.guid)  # "where did this story go"

# The delivery log: every POST made, including test events (delivery_id NULL, test true).
webhook_attempts = sa.Table(
    "webhook_attempts", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("endpoint_id", sa.String(32), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
    sa.Column("delivery_id", BigId, sa.ForeignKey("webhook_deliveries.id"), nullable=True),
    sa.Column("webhook_id", sa.String(64), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started", UTCDateTime, nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("status", sa.Integer, nullable=True),  # HTTP status; NULL when no response came
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("test", sa.Boolean, nullable=False, server_default=sa.false()),
    sqlite_autoincrement=True,
)
sa.Index("ix_webhook_attempts_endpoint", webhook_attempts.c.endpoint_id, webhook_attempts.c.id)
sa.Index("ix_webhook_attempts_delivery", webhook_attempts.c.delivery_id)

# How far the log has been planned into deliveries (one row, id "log"). Any node may advance it, but
# only over a contiguous stretch, so a batch that failed to plan is picked up again by the sweep.
webhook_planner = sa.Table(
    "webhook_planner", metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
)
PLANNER_ROW = "log"

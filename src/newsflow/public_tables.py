"""The public website's own table: subscription requests sent through the form at /subscribe.

Defined on the store's one `metadata`; migration 0008 mirrors it (and adds `products.public`).
"""

from __future__ import annotations

import sqlalchemy as sa

from newsflow.store.tables import BigId, Json, UTCDateTime, metadata

subscription_requests = sa.Table(
    "subscription_requests", metadata,
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
sa.Index("ix_subscription_requests_created", subscription_requests.c.created)

"""The public website's own tables: subscription requests sent through the form at /subscribe, and
the part of the public rule an admin sets in the admin face.

Defined on the store's one `metadata`; migrations 0008 (which also adds `products.public`) and 0011
mirror them.
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

# One row at most (id 1): the urgency clause of the public rule as an admin set it. Without the row,
# NEWSFLOW_PUBLIC_URGENCY applies.
public_rule_settings = sa.Table(
    "public_rule_settings", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("urgency_max", sa.Integer, nullable=False),  # 0: off; 1-9: this urgency or more urgent
    sa.Column("updated", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False, server_default=""),
)

"""The subscriber side of the schema: companies, products, API keys and each event's product ids.

Defined on the store's one `metadata` so queries and the schema stay one definition; migration 0002
mirrors these tables. (`users.company_id` belongs to `newsflow.store.tables.users`.)
"""

from __future__ import annotations

import sqlalchemy as sa

from newsflow.store.tables import BigId, Json, UTCDateTime, metadata

companies = sa.Table(
    "companies", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    # Newsrooms that honour embargoes get held copy early; everyone else waits for the lift.
    sa.Column("may_receive_embargoed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.UniqueConstraint("name", name="uq_companies_name"),
)

# A product is a saved filter over story fields (newsflow.wire.products.ProductFilter as JSON).
# Products are deactivated, never deleted: events keep pointing at them. AUTOINCREMENT on SQLite so
# an id is never reused — a reused id would hand an old event's entitlement to a different product.
products = sa.Table(
    "products", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("filter", Json, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created", UTCDateTime, nullable=False),
    # Stories this product covers are also part of the public website's portion (migration 0008).
    sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
    # How far back the product reaches into the archive, in days; NULL: all of it (migration 0021).
    sa.Column("archive_days", sa.Integer, nullable=True),
    sa.UniqueConstraint("name", name="uq_products_name"),
    sqlite_autoincrement=True,
)

company_products = sa.Table(
    "company_products", metadata,
    sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), primary_key=True),
)
# Fan-out asks "which companies hold product P".
sa.Index("ix_company_products_product", company_products.c.product_id)

# Subscriber API keys: only a SHA-256 of the secret is kept; `prefix` lets admins tell keys apart.
api_keys = sa.Table(
    "api_keys", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("scopes", Json, nullable=False),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("last_used", UTCDateTime, nullable=True),
    sa.Column("revoked", UTCDateTime, nullable=True),
    sa.UniqueConstraint("key_hash", name="uq_api_keys_hash"),
)
sa.Index("ix_api_keys_company", api_keys.c.company_id)

# Entitlement computed once per event: the products the event's version matched when it was written.
event_products = sa.Table(
    "event_products", metadata,
    sa.Column("seq", BigId, sa.ForeignKey("events.seq"), primary_key=True),
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), primary_key=True),
    # True: the product held an earlier version of the story that this event's version no longer
    # matches, so its companies get a withdrawal notice, never the copy (migration 0013).
    sa.Column("notice", sa.Boolean, nullable=False, server_default=sa.false()),
)
# (product_id, seq) rather than product_id alone: "events after cursor N in products P" is a range scan.
sa.Index("ix_event_products_product", event_products.c.product_id, event_products.c.seq)

# The archive given to a product whose filter is new or changed (newsflow.wire.archive): the product's
# stamps on every earlier event are derived again, story by story in guid order, in the background.
# One row per product; a later change of the filter starts the row over.
archive_stamping = sa.Table(
    "archive_stamping", metadata,
    sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("filter", Json, nullable=False),  # the filter being applied: a newer one restarts the run
    sa.Column("after_guid", sa.String(255), nullable=True),  # stories up to this guid are done
    # the log's head when the filter changed: stories with later events are gone over once more at the
    # end, for a writer that matched its events against the old filter just before the change
    sa.Column("log_head", BigId, nullable=False, server_default="0"),
    sa.Column("stories_done", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("stories_total", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("requested", UTCDateTime, nullable=False),
    sa.Column("finished", UTCDateTime, nullable=True),
    # the node running it and when it last reported: a node gone quiet for a minute loses the claim
    sa.Column("node", sa.String(64), nullable=True),
    sa.Column("heartbeat", UTCDateTime, nullable=True),
)

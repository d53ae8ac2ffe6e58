"""Subscribers: companies, products (saved filters), API keys, each event's product ids, users.company_id.

Mirrors newsflow.wire.tables.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("may_receive_embargoed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.UniqueConstraint("name", name="uq_companies_name"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("filter", Json, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.UniqueConstraint("name", name="uq_products_name"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "company_products",
        sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), primary_key=True),
        sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), primary_key=True),
    )
    op.create_index("ix_company_products_product", "company_products", ["product_id"])
    op.create_table(
        "api_keys",
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
    op.create_index("ix_api_keys_company", "api_keys", ["company_id"])
    op.create_table(
        "event_products",
        sa.Column("seq", BigId, sa.ForeignKey("events.seq"), primary_key=True),
        sa.Column("product_id", sa.Integer, sa.ForeignKey("products.id"), primary_key=True),
    )
    op.create_index("ix_event_products_product", "event_products", ["product_id", "seq"])

    # Not batch_alter_table on SQLite: batch rebuilds `users` (an FK column forces the copy-and-move),
    # and dropping the old table fails with "FOREIGN KEY constraint failed" once `tokens` has a row,
    # because foreign_keys=ON cannot be switched off inside the migration's transaction. SQLite adds a
    # nullable column with an inline REFERENCES clause in place, which keeps the constraint.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users ADD COLUMN company_id VARCHAR(32) REFERENCES companies (id)")
    else:
        op.add_column("users", sa.Column("company_id", sa.String(32), nullable=True))
        op.create_foreign_key("fk_users_company", "users", "companies", ["company_id"], ["id"])
    op.create_index("ix_users_company", "users", ["company_id"])


def downgrade() -> None:
    op.drop_index("ix_users_company", table_name="users")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops the column (and its REFERENCES) in place; batch mode would hit the same
        # foreign-key failure as on the way up.
        op.execute("ALTER TABLE users DROP COLUMN company_id")
    else:
        op.drop_constraint("fk_users_company", "users", type_="foreignkey")
        op.drop_column("users", "company_id")
    for table in ("event_products", "api_keys", "company_products", "products", "companies"):
        op.drop_table(table)

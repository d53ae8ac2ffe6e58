"""The subscriber portal: bookmarks, history, saved searches and their alerts.

Mirrors newsflow.portal_tables.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import BigId, Json, UTCDateTime

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "portal_bookmarks",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("guid", sa.String(255), primary_key=True),
        sa.Column("created", UTCDateTime, nullable=False),
    )
    op.create_table(
        "portal_history",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("guid", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("format", sa.String(20), nullable=False, server_default=""),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_portal_history_user_at", "portal_history", ["user_id", "at"])
    op.create_table(
        "portal_saved_searches",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("query", Json, nullable=False),
        sa.Column("checked", UTCDateTime, nullable=False),
        sa.Column("created", UTCDateTime, nullable=False),
    )
    op.create_index("ix_portal_saved_searches_user", "portal_saved_searches", ["user_id"])
    op.create_table(
        "portal_alerts",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("search_id", BigId, nullable=False),
        sa.Column("guid", sa.String(255), nullable=False),
        sa.Column("headline", sa.String(500), nullable=False),
        sa.Column("seen", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created", UTCDateTime, nullable=False),
        sa.UniqueConstraint("search_id", "guid", name="uq_portal_alerts_search_guid"),
    )
    op.create_index("ix_portal_alerts_user", "portal_alerts", ["user_id", "seen"])


def downgrade() -> None:
    op.drop_index("ix_portal_alerts_user", "portal_alerts")
    op.drop_table("portal_alerts")
    op.drop_index("ix_portal_saved_searches_user", "portal_saved_searches")
    op.drop_table("portal_saved_searches")
    op.drop_index("ix_portal_history_user_at", "portal_history")
    op.drop_table("portal_history")
    op.drop_table("portal_bookmarks")

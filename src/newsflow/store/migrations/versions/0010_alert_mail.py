"""Saved-search alerts raised at publish time and e-mailed: the search's e-mail choice and the
alerts' outbox columns. The last-checked time goes: alerts no longer wait for a page load.

Mirrors newsflow.portal_tables.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import UTCDateTime

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    with op.batch_alter_table("portal_saved_searches") as batch:
        batch.add_column(sa.Column("email", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.drop_column("checked")
    with op.batch_alter_table("portal_alerts") as batch:
        batch.add_column(sa.Column("mail_state", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("mail_attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("mail_next", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("mail_claimed", UTCDateTime, nullable=True))
        batch.add_column(sa.Column("mail_token", sa.String(32), nullable=True))
        batch.add_column(sa.Column("mail_error", sa.String(500), nullable=False, server_default=""))
    op.create_index("ix_portal_alerts_mail", "portal_alerts", ["mail_state", "mail_next"])


def downgrade() -> None:
    op.drop_index("ix_portal_alerts_mail", "portal_alerts")
    with op.batch_alter_table("portal_alerts") as batch:
        for name in ("mail_error", "mail_token", "mail_claimed", "mail_next", "mail_attempts", "mail_state"):
            batch.drop_column(name)
    with op.batch_alter_table("portal_saved_searches") as batch:
        batch.drop_column("email")
        batch.add_column(sa.Column("checked", UTCDateTime, nullable=False, server_default=sa.func.now()))

"""The language a saved search was made in, which its alert e-mails are written in.

Mirrors newsflow.portal_tables.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    with op.batch_alter_table("portal_saved_searches") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("portal_saved_searches") as batch:
        batch.drop_column("language")

"""The usage journal's marks: per node, the journal segments up to which its uses are counted in
`usage`, written in the same transaction as the counts (see newsflow.wire.usage_journal).

Mirrors newsflow.wire.usage.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    op.create_table(
        "usage_journal",
        sa.Column("node", sa.String(32), primary_key=True),
        sa.Column("flushed_through", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("usage_journal")

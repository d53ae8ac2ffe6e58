"""Indexes the archive needs once it holds hundreds of thousands of stories (measured by
bench/scale.py): the next pending embargo (a partial index, few versions have one) and the desk's list
by last change.

Mirrors newsflow.store.tables (ix_versions_embargo, ix_stories_modified).

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"


def upgrade() -> None:
    held = sa.text("embargo IS NOT NULL")
    op.create_index("ix_versions_embargo", "versions", ["embargo"], sqlite_where=held, postgresql_where=held)
    op.create_index("ix_stories_modified", "stories", ["modified"])


def downgrade() -> None:
    op.drop_index("ix_stories_modified", table_name="stories")
    op.drop_index("ix_versions_embargo", table_name="versions")

"""Story aliases: the other guids and the fingerprints by which one ingest source's items reach a
story, so one agency item sent in several formats is one story. Stories ingested before this revision
have none: they are still found by their own guid.

Mirrors newsflow.store.tables.story_aliases.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"


def upgrade() -> None:
    op.create_table(
        "story_aliases",
        sa.Column("source", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("alias", sa.String(255), primary_key=True),
        sa.Column("guid", sa.String(255), sa.ForeignKey("stories.guid"), nullable=False),
    )
    op.create_index("ix_story_aliases_guid", "story_aliases", ["guid"])


def downgrade() -> None:
    op.drop_index("ix_story_aliases_guid", table_name="story_aliases")
    op.drop_table("story_aliases")

"""Media of every kind: a media record says whether it is a picture, graphic, video or audio, holds
a clip's duration, may lack a size in pixels (audio), and may be larger than 2 GiB (a video's bytes).

Mirrors newsflow.store.tables.media.

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"


def upgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="picture"))
        batch.add_column(sa.Column("duration", sa.Float, nullable=True))
        batch.alter_column("width", existing_type=sa.Integer, nullable=True)
        batch.alter_column("height", existing_type=sa.Integer, nullable=True)
        batch.alter_column("size", existing_type=sa.Integer, type_=sa.BigInteger, existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("media") as batch:
        batch.alter_column("size", existing_type=sa.BigInteger, type_=sa.Integer, existing_nullable=False)
        batch.alter_column("height", existing_type=sa.Integer, nullable=False)
        batch.alter_column("width", existing_type=sa.Integer, nullable=False)
        batch.drop_column("duration")
        batch.drop_column("kind")

"""Which published versions use which stored media object (the subscriber media route's question),
filled from the versions already held.

Mirrors newsflow.store.tables.media_uses.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

from newsflow.store.tables import Json

revision = "0017"
down_revision = "0016"

_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "media_uses",
        sa.Column("media_id", sa.String(64), primary_key=True),
        sa.Column("guid", sa.String(255), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.ForeignKeyConstraint(["guid", "version"], ["versions.guid", "versions.version"]),
    )
    versions = sa.table("versions", sa.column("guid", sa.String), sa.column("version", sa.Integer),
                        sa.column("content", Json))
    uses = sa.table("media_uses", sa.column("media_id", sa.String), sa.column("guid", sa.String),
                    sa.column("version", sa.Integer))
    conn = op.get_bind()
    rows: list[dict[str, object]] = []
    for guid, number, content in conn.execute(sa.select(versions.c.guid, versions.c.version, versions.c.content)):
        ids = {p.get("media_id") for p in (content or {}).get("photos") or [] if isinstance(p, dict)}
        rows += [{"media_id": m, "guid": guid, "version": number} for m in sorted(i for i in ids if i)]
        if len(rows) >= _BATCH:
            conn.execute(uses.insert(), rows)
            rows = []
    if rows:
        conn.execute(uses.insert(), rows)


def downgrade() -> None:
    op.drop_table("media_uses")

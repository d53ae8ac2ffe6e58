"""The schema: one definition, used by queries and mirrored by the Alembic migrations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData()

# SQLite only gives a rowid alias (monotonic with AUTOINCREMENT) to a column typed INTEGER.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class EncodedJson(str):
    """A JSON column's value already encoded (pydantic's encoder is several times faster than
    `json.dumps` over a dump): `to_json` writes it as it is."""


def to_json(value: Any) -> str:
    """The engines' JSON encoder: compact, non-ASCII kept as UTF-8 (Arabic text escaped as \\uXXXX
    took up to six times the bytes)."""
    if isinstance(value, EncodedJson):
        return value
    return json.dumps(value, separators=(",", ":"))


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Times go in and come out timezone-aware UTC on both backends (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A story's working copy: what the desk edits. Published versions live in `versions`.
stories = sa.Table(
    "stories", metadata,
    sa.Column("guid", sa.String(255), primary_key=True),
    sa.Column("draft", Json, nullable=False),
    sa.Column("current_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pubstatus", sa.String(16), nullable=True),  # null until first publish
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("modified", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=True),
    sa.Column("first_published", UTCDateTime, nullable=True),
    # The ingest source a wire story belongs to (`ingest_sources.name`); NULL for the newsroom's own.
    # Only that source may ingest later versions of it.
    sa.Column("source", sa.String(255), nullable=True),
)

# The desk lists working copies by their last change (migration 0022).
sa.Index("ix_stories_modified", stories.c.modified)

# Published versions: immutable rows (a trigger refuses UPDATE and DELETE on both backends).
versions = sa.Table(
    "versions", metadata,
    sa.Column("guid", sa.String(255), sa.ForeignKey("stories.guid"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("content", Json, nullable=False),
    sa.Column("headline", sa.String(500), nullable=False),
    sa.Column("language", sa.String(20), nullable=False),
    sa.Column("urgency", sa.SmallInteger, nullable=False),
    sa.Column("pubstatus", sa.String(16), nullable=False),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("embargo", UTCDateTime, nullable=True),
    sa.Column("first_published", UTCDateTime, nullable=False),
    sa.Column("version_created", UTCDateTime, nullable=False),
    sa.Column("is_correction", sa.Boolean, nullable=False),
    sa.Column("editor_note", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(64), nullable=True),
)
sa.Index("ix_versions_created", versions.c.version_created)
# The embargo scheduler and the public site ask for the next pending embargo: few rows have one
# (migration 0022; a scan of every version took 1.5 s at 100k stories).
sa.Index("ix_versions_embargo", versions.c.embargo, sqlite_where=versions.c.embargo.is_not(None),
         postgresql_where=versions.c.embargo.is_not(None))

# Other names one ingest source's items reach a story by (newsflow.ingest.aliases): `guid` — a guid an
# item was sent under that is not the story's own (the same agency item sent in another format);
# `fingerprint` — the digest of an item's kind, first-published second and folded headline, for
# formats that send no item id. Scoped to the source: one source's alias never names another's story.
story_aliases = sa.Table(
    "story_aliases", metadata,
    sa.Column("source", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("alias", sa.String(255), primary_key=True),
    sa.Column("guid", sa.String(255), sa.ForeignKey("stories.guid"), nullable=False),
)
sa.Index("ix_story_aliases_guid", story_aliases.c.guid)

# The distribution log. `seq` is assigned under a lock held to commit, so seq order is commit order.
events = sa.Table(
    "events", metadata,
    sa.Column("seq", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("guid", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.ForeignKeyConstraint(["guid", "version"], ["versions.guid", "versions.version"]),
    # one announcement of each kind per version: a second embargo lift from another node fails
    sa.UniqueConstraint("guid", "version", "kind", name="uq_events_version_kind"),
    sqlite_autoincrement=True,
)

media = sa.Table(
    "media", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("content_type", sa.String(100), nullable=False),
    # picture, graphic, video or audio (migration 0018); audio has no width and height
    sa.Column("kind", sa.String(16), nullable=False, server_default="picture"),
    sa.Column("width", sa.Integer, nullable=True),
    sa.Column("height", sa.Integer, nullable=True),
    sa.Column("duration", sa.Float, nullable=True),  # seconds, video and audio
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("caption", sa.Text, nullable=False, server_default=""),
    sa.Column("credit", sa.String(500), nullable=False, server_default=""),
    sa.Column("renditions", Json, nullable=False),
    sa.Column("created", UTCDateTime, nullable=False),
)

# Which published versions use which stored media object, written with each version (the store's
# `_write_versions`): the subscriber media route asks it which stories' entitlement decides a download
# (newsflow.wire.media_access). No foreign key to `media`: an ingested version may name a media id
# this database does not hold, and its version must still be stored.
media_uses = sa.Table(
    "media_uses", metadata,
    sa.Column("media_id", sa.String(64), primary_key=True),
    sa.Column("guid", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.ForeignKeyConstraint(["guid", "version"], ["versions.guid", "versions.version"]),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created", UTCDateTime, nullable=False),
    # The subscriber company a portal user belongs to; staff have none. `companies` is defined in
    # newsflow.wire.tables on this same metadata.
    sa.Column("company_id", sa.String(32), sa.ForeignKey("companies.id"), nullable=True),
    # The IANA zone the faces show this user's times in; none: the agency's zone.
    sa.Column("time_zone", sa.String(64), nullable=True),
)
sa.Index("ix_users_company", users.c.company_id)

# One-time password reset links: only the SHA-256 of the token is kept, so a database reader cannot use
# a pending link; `used` makes a link single-use, `expires` bounds it in time.
password_resets = sa.Table(
    "password_resets", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("expires", UTCDateTime, nullable=False),
    sa.Column("used", UTCDateTime, nullable=True),
)
sa.Index("ix_password_resets_user", password_resets.c.user_id)

tokens = sa.Table(
    "tokens", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("label", sa.String(200), nullable=False, server_default=""),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("last_used", UTCDateTime, nullable=True),
    sa.Column("revoked", UTCDateTime, nullable=True),
)

# Named ways wire copy comes in: an HTTP push partner (signed with its own secret), a watched folder,
# a polled feed. Push secrets are kept as given, not hashed: verifying an HMAC needs the key itself
# (a stored hash would be the key). During a rotation the previous secret is accepted until
# `previous_expires`.
ingest_sources = sa.Table(
    "ingest_sources", metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # push | folder | feed
    sa.Column("secret", sa.String(200), nullable=True),
    sa.Column("previous_secret", sa.String(200), nullable=True),
    sa.Column("previous_expires", UTCDateTime, nullable=True),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

# The newsroom API's Idempotency-Key: the first answer to a (user, key), written in the transaction
# of the action it answers, so a retry gets that answer and never a second effect.
idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # method, path and body of the request
    sa.Column("status", sa.Integer, nullable=True),  # NULL only inside the claiming transaction
    sa.Column("response", Json, nullable=True),
    sa.Column("created", UTCDateTime, nullable=False),
)

"""The subscriber portal's own tables: bookmarks, history, saved searches and their alerts.

Defined on the store's one `metadata`; migrations 0009, 0010 and 0012 mirror them.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsflow.store.tables import BigId, Json, UTCDateTime, metadata

portal_bookmarks = sa.Table(
    "portal_bookmarks", metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("guid", sa.String(255), primary_key=True),
    sa.Column("created", UTCDateTime, nullable=False),
)

portal_history = sa.Table(
    "portal_history", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("guid", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("action", sa.String(20), nullable=False),  # "open" or "download"
    sa.Column("format", sa.String(20), nullable=False, server_default=""),
    sa.Column("at", UTCDateTime, nullable=False),
)
sa.Index("ix_portal_history_user_at", portal_history.c.user_id, portal_history.c.at)

portal_saved_searches = sa.Table(
    "portal_saved_searches", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("query", Json, nullable=False),  # {"q", "category", "dossier", "language", "urgency"}
    sa.Column("email", sa.Boolean, nullable=False, server_default=sa.false()),  # also e-mail each alert
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),  # of the UI it was saved in
    sa.Column("created", UTCDateTime, nullable=False),
)
sa.Index("ix_portal_saved_searches_user", portal_saved_searches.c.user_id)

portal_alerts = sa.Table(
    "portal_alerts", metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("search_id", BigId, nullable=False),
    sa.Column("guid", sa.String(255), nullable=False),
    sa.Column("headline", sa.String(500), nullable=False),
    sa.Column("seen", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created", UTCDateTime, nullable=False),
    # The e-mail outbox: "" (none wanted), queued, sending (claimed by `mail_token` at `mail_claimed`),
    # sent, failed (gave up after the last attempt; `mail_error` says why).
    sa.Column("mail_state", sa.String(10), nullable=False, server_default=""),
    sa.Column("mail_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("mail_next", UTCDateTime, nullable=True),
    sa.Column("mail_claimed", UTCDateTime, nullable=True),
    sa.Column("mail_token", sa.String(32), nullable=True),
    sa.Column("mail_error", sa.String(500), nullable=False, server_default=""),
    sa.UniqueConstraint("search_id", "guid", name="uq_portal_alerts_search_guid"),
)
sa.Index("ix_portal_alerts_user", portal_alerts.c.user_id, portal_alerts.c.seen)
sa.Index("ix_portal_alerts_mail", portal_alerts.c.mail_state, portal_alerts.c.mail_next)

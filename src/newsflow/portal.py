"""The subscriber portal's data: bookmarks and the user's history, and the portal's search form as
a `SearchQuery` (saved searches and their alerts are in `newsflow.alerts`)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import sqlalchemy as sa

from newsflow.model import utcnow
from newsflow.portal_tables import portal_bookmarks, portal_history
from newsflow.store import Store
from newsflow.store.search import QueryError, SearchQuery

HISTORY_KEPT = 200


def search_query(params: dict[str, str], *, limit: int = 20, offset: int = 0, facets: bool = True,
                 since: datetime | None = None, before: datetime | None = None) -> SearchQuery:
    """The SearchQuery of the portal's form fields (raises QueryError for values that cannot run)."""
    urgency = params.get("urgency") or ""
    try:
        urgency_max = int(urgency) if urgency else None
    except ValueError:
        raise QueryError("urgency: a number between 1 and 9") from None
    date_from: Any = since
    date_to: Any = before
    for name, target in (("from", "date_from"), ("to", "date_to")):
        raw = (params.get(name) or "").strip()
        if raw:
            try:
                day = datetime.strptime(raw, "%Y-%m-%d").date()
            except ValueError:
                raise QueryError(f"{name}: a date like 2026-03-01") from None
            if target == "date_from":
                date_from = day if date_from is None else max(date_from, datetime.combine(day, time.min, UTC))
            elif date_to is None:
                date_to = day
            else:  # a page cursor and a "to" day: the earlier bound wins
                date_to = min(date_to, datetime.combine(day, time.max, UTC))
    one = [(k, params.get(k) or "") for k in ("category", "dossier", "language")]
    values = {k: ((v,) if v else ()) for k, v in one}
    return SearchQuery(q=params.get("q") or "", categories=values["category"], dossiers=values["dossier"],
                       languages=values["language"], urgency_max=urgency_max, date_from=date_from,
                       date_to=date_to, limit=limit, offset=offset, facets=facets)


class Portal:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- bookmarks ----------------------------------------------------------------------------------

    def bookmark(self, user_id: str, guid: str, on: bool = True) -> None:
        t = portal_bookmarks
        with self.store.write() as conn:
            conn.execute(t.delete().where(t.c.user_id == user_id, t.c.guid == guid))
            if on:
                conn.execute(t.insert().values(user_id=user_id, guid=guid, created=utcnow()))

    def bookmarks(self, user_id: str) -> list[tuple[str, datetime]]:
        t = portal_bookmarks
        with self.store.read() as conn:
            rows = conn.execute(sa.select(t.c.guid, t.c.created).where(t.c.user_id == user_id)
                                .order_by(t.c.created.desc())).all()
        return [(r.guid, r.created) for r in rows]

    def is_bookmarked(self, user_id: str, guid: str) -> bool:
        t = portal_bookmarks
        with self.store.read() as conn:
            return conn.execute(sa.select(t.c.guid).where(t.c.user_id == user_id, t.c.guid == guid)).first() \
                is not None

    # ---- history ------------------------------------------------------------------------------------

    def note(self, user_id: str, guid: str, version: int, action: str, fmt: str = "") -> None:
        with self.store.write() as conn:
            conn.execute(portal_history.insert().values(user_id=user_id, guid=guid, version=version,
                                                        action=action, format=fmt, at=utcnow()))

    def history(self, user_id: str, limit: int = HISTORY_KEPT) -> list[dict[str, Any]]:
        t = portal_history
        with self.store.read() as conn:
            rows = conn.execute(sa.select(t.c.guid, t.c.version, t.c.action, t.c.format, t.c.at)
                                .where(t.c.user_id == user_id).order_by(t.c.at.desc(), t.c.id.desc())
                                .limit(limit)).all()
        return [dict(r._mapping) for r in rows]

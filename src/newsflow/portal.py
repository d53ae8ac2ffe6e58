"""The subscriber portal's data: bookmarks, the user's history, saved searches and their alerts.

Saved searches are checked when the user loads a portal page (`check_alerts`): every story the
company may see that the search matches and that appeared since the last check becomes an alert.
The search and the entitlement rule are those of `store.search.SearchIndex`, so an alert never
names a story outside the company's products.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from newsflow.model import utcnow
from newsflow.portal_tables import portal_alerts, portal_bookmarks, portal_history, portal_saved_searches
from newsflow.store import Store
from newsflow.store.search import QueryError, SearchIndex, SearchQuery
from newsflow.wire.entitlement import CompanyAccess

HISTORY_KEPT = 200
ALERTS_PER_CHECK = 50
QUERY_KEYS = ("q", "category", "dossier", "language", "urgency")


@dataclass(frozen=True)
class SavedSearch:
    id: int
    name: str
    query: dict[str, str]
    created: datetime


@dataclass(frozen=True)
class Alert:
    id: int
    search_id: int
    guid: str
    headline: str
    seen: bool
    created: datetime


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
    def __init__(self, store: Store, search: SearchIndex) -> None:
        self.store = store
        self.search = search

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

    # ---- saved searches and alerts ------------------------------------------------------------------

    def save_search(self, user_id: str, name: str, params: dict[str, str]) -> int:
        query = {k: params[k] for k in QUERY_KEYS if params.get(k)}
        search_query(query)  # refuse one that cannot run now rather than at every check
        now = utcnow()
        with self.store.write() as conn:
            result = conn.execute(portal_saved_searches.insert().values(
                user_id=user_id, name=name[:200] or "search", query=query, checked=now, created=now))
            return int(result.inserted_primary_key[0])

    def delete_search(self, user_id: str, search_id: int) -> None:
        t = portal_saved_searches
        with self.store.write() as conn:
            conn.execute(t.delete().where(t.c.id == search_id, t.c.user_id == user_id))
            conn.execute(portal_alerts.delete().where(portal_alerts.c.search_id == search_id,
                                                      portal_alerts.c.user_id == user_id))

    def saved_searches(self, user_id: str) -> list[SavedSearch]:
        t = portal_saved_searches
        with self.store.read() as conn:
            rows = conn.execute(t.select().where(t.c.user_id == user_id).order_by(t.c.created)).all()
        return [SavedSearch(r.id, r.name, dict(r.query), r.created) for r in rows]

    def check_alerts(self, user_id: str, access: CompanyAccess, now: datetime | None = None) -> int:
        """Turn stories that appeared since each saved search's last check and match it into alerts;
        returns how many were raised."""
        now = now or utcnow()
        t = portal_saved_searches
        with self.store.read() as conn:
            searches = conn.execute(t.select().where(t.c.user_id == user_id)).all()
        raised = 0
        for row in searches:
            # a small overlap: a story committed just after the last check with an earlier time (the
            # alerts already raised keep it from counting twice; none predates the search itself)
            since = row.checked - timedelta(seconds=2)
            try:
                query = search_query(dict(row.query), limit=ALERTS_PER_CHECK, facets=False, since=since)
            except QueryError:
                continue
            hits = self.search.search(query, access, now).hits
            with self.store.write() as conn:
                if hits:
                    known = set(conn.execute(sa.select(portal_alerts.c.guid).where(
                        portal_alerts.c.search_id == row.id,
                        portal_alerts.c.guid.in_([h.guid for h in hits]))).scalars())
                    fresh = [h for h in hits if h.guid not in known and h.version_created > row.created]
                    if fresh:
                        conn.execute(portal_alerts.insert(), [
                            {"user_id": user_id, "search_id": row.id, "guid": h.guid, "headline": h.headline[:500],
                             "seen": False, "created": now} for h in fresh])
                        raised += len(fresh)
                conn.execute(t.update().where(t.c.id == row.id).values(checked=now))
        return raised

    def unseen_alerts(self, user_id: str) -> int:
        a = portal_alerts
        with self.store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(a)
                                    .where(a.c.user_id == user_id, a.c.seen.is_(False))).scalar_one())

    def alerts(self, user_id: str, limit: int = 100) -> list[Alert]:
        a = portal_alerts
        with self.store.read() as conn:
            rows = conn.execute(a.select().where(a.c.user_id == user_id)
                                .order_by(a.c.created.desc(), a.c.id.desc()).limit(limit)).all()
        return [Alert(r.id, r.search_id, r.guid, r.headline, r.seen, r.created) for r in rows]

    def mark_seen(self, user_id: str) -> None:
        a = portal_alerts
        with self.store.write() as conn:
            conn.execute(a.update().where(a.c.user_id == user_id, a.c.seen.is_(False)).values(seen=True))

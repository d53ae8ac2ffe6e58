"""The usage log: every delivery and download (who, what, which version, channel, format, when),
a per-company report, and the answer to "did this company get this story — where, when, or why not?".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsflow.model import StoryVersion, utcnow
from newsflow.store import Store
from newsflow.store.tables import UTCDateTime, events, metadata
from newsflow.wire.entitlement import CompanyAccess, may_see

usage = sa.Table(
    "usage", metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("company_id", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),  # key prefix, user id or "stream"/"webhook"
    sa.Column("guid", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),  # feed, item, stream, webhook, atom, rss, portal
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)
sa.Index("ix_usage_company_at", usage.c.company_id, usage.c.at)
sa.Index("ix_usage_guid", usage.c.guid, usage.c.company_id)


@dataclass(frozen=True)
class Use:
    company_id: str
    actor: str
    guid: str
    version: int
    channel: str
    format: str


class UsageLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def record(self, uses: Iterable[Use], at: datetime | None = None) -> None:
        rows = [{**u.__dict__, "at": at or utcnow()} for u in uses]
        if rows:
            with self.store.write() as conn:
                conn.execute(usage.insert(), rows)

    def report(self, company_id: str, *, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
        """Deliveries per day by channel, and totals, over the last `days` days."""
        since = (now or utcnow()) - timedelta(days=days)
        query = sa.select(usage.c.channel, usage.c.format, usage.c.at).where(
            usage.c.company_id == company_id, usage.c.at >= since)
        per_day: dict[str, Counter[str]] = {}
        by_format: Counter[str] = Counter()
        with self.store.read() as conn:
            for channel, fmt, at in conn.execute(query):
                per_day.setdefault(at.date().isoformat(), Counter())[channel] += 1
                by_format[fmt] += 1
        return {"company": company_id, "since": since.isoformat(),
                "per_day": {day: dict(c) for day, c in sorted(per_day.items())},
                "by_channel": dict(sum(per_day.values(), Counter())), "by_format": dict(by_format)}

    def explain(self, company: CompanyAccess, versions: list[StoryVersion],
                event_products: dict[int, frozenset[int]], now: datetime | None = None) -> dict[str, Any]:
        """For one story and one company: each announcement, whether the company may have it and why
        not, and every recorded delivery of it to that company."""
        now = now or utcnow()
        guid = versions[0].guid
        by_number = {v.version: v for v in versions}
        with self.store.read() as conn:
            announced = conn.execute(events.select().where(events.c.guid == guid).order_by(events.c.seq)).all()
            delivered = conn.execute(usage.select().where(usage.c.guid == guid, usage.c.company_id == company.id)
                                     .order_by(usage.c.at)).all()
        steps = []
        for event in announced:
            verdict = may_see(company, event_products.get(event.seq, frozenset()), by_number[event.version], now)
            steps.append({"seq": event.seq, "event": event.kind, "version": event.version,
                          "at": event.created.isoformat(), "allowed": verdict.allowed, "reason": verdict.reason})
        return {
            "guid": guid, "company": company.id, "announcements": steps,
            "deliveries": [{"channel": d.channel, "format": d.format, "version": d.version, "actor": d.actor,
                            "at": d.at.isoformat()} for d in delivered],
            "delivered": bool(delivered),
            "summary": _summary(steps, delivered),
        }


def _summary(steps: list[dict[str, Any]], delivered: list[Any]) -> str:
    if delivered:
        last = delivered[-1]
        return f"delivered {len(delivered)} time(s); last by {last.channel} at {last.at.isoformat()}"
    if not steps:
        return "never published"
    if any(s["allowed"] for s in steps):
        return "entitled, but not yet fetched or delivered on any channel"
    return "not entitled: " + "; ".join(sorted({s["reason"] for s in steps}))

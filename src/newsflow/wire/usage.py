"""The usage log: every delivery and download (who, what, which version, channel, format, when),
a per-company report, and the answer to "did this company get this story — where, when, or why not?".
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from newsflow.model import EventKind, StoryVersion, utcnow
from newsflow.store import Store
from newsflow.store.tables import UTCDateTime, events, metadata
from newsflow.wire.entitlement import NOWHERE, CompanyAccess, Reach, may_see
from newsflow.wire.usage_journal import UsageJournal, read_segments, segments

log = logging.getLogger("newsflow.wire")

if TYPE_CHECKING:  # webhooks imports this module (its deliveries write the usage log)
    from newsflow.wire.webhooks import Delivery, WebhookEndpoint, WebhookService

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
    sa.Column("times", sa.Integer, nullable=False, server_default="1"),  # served this often in the window
)
sa.Index("ix_usage_company_at", usage.c.company_id, usage.c.at)
sa.Index("ix_usage_guid", usage.c.guid, usage.c.company_id)

# Per node: the journal segments up to this one are counted in `usage` (see wire.usage_journal).
usage_journal = sa.Table(
    "usage_journal", metadata,
    sa.Column("node", sa.String(32), primary_key=True),
    sa.Column("flushed_through", sa.BigInteger, nullable=False),
)


@dataclass(frozen=True)
class Use:
    company_id: str
    actor: str
    guid: str
    version: int
    channel: str
    format: str


Served = tuple[tuple[str, int], ...]  # (guid, version) of each item of one answer


class UsageLog:
    """Deliveries are counted in memory and written in batches (`flush`, every few seconds on a node):
    one row per (company, actor, item, version, channel, format) and window, with how many times it
    was served. So a busy pull API costs one dict update per request and a few rows per flush, not a
    write per item served. Reading the log flushes first, so a node's report includes what it has
    just served.

    A serving node also keeps a journal (`open_journal`): each use is appended to a file before the
    answer is sent, so a node killed between flushes loses no count; it replays the journal at start
    (see wire.usage_journal)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: Counter[tuple[str, str, str, str, Served]] = Counter()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time, so journal segments are marked in order
        self.journal: UsageJournal | None = None

    def record(self, uses: Iterable[Use], at: datetime | None = None) -> None:
        """Note each use (`at` is ignored: a use is stamped with its window's time)."""
        with self._lock:
            for u in uses:
                served = ((u.guid, u.version),)
                self._pending[(u.company_id, u.actor, u.channel, u.format, served)] += 1
                if self.journal is not None:
                    self.journal.append(u.company_id, u.actor, u.channel, u.format, served)

    def record_answer(self, company_id: str, actor: str, channel: str, fmt: str, served: Served) -> None:
        """Note one answer holding `served` items: the pull API's hot path (the tuple is kept with
        the page, so this is one counter update and one append to the journal)."""
        if served:
            with self._lock:
                self._pending[(company_id, actor, channel, fmt, served)] += 1
                if self.journal is not None:
                    self.journal.append(company_id, actor, channel, fmt, served)

    def open_journal(self, folder: Path, node: str) -> int:
        """Count what `node` served and had not written (its journal in `folder`, left by a crash),
        then journal every use from now on. Returns how many uses were recovered."""
        recovered, last = self.replay_journal(folder, node)
        with self._lock:
            self.journal = UsageJournal(folder, node, first=last + 1)
        return recovered

    def replay_journal(self, folder: Path, node: str) -> tuple[int, int]:
        """Count the uses in `node`'s journal segments not counted yet, and delete the segments.
        Returns (answers recovered, the last segment number used)."""
        found = segments(folder)
        with self.store.read() as conn:
            done = conn.execute(sa.select(usage_journal.c.flushed_through)
                                .where(usage_journal.c.node == node)).scalar() or 0
        last = max([done, *(n for n, _ in found)])
        todo = [path for n, path in found if n > done]
        pending: Counter[tuple[str, str, str, str, Served]] = Counter(read_segments(todo))
        self._write(pending, node, last)  # the mark even with nothing to count: the numbers move on
        for _, path in found:
            path.unlink(missing_ok=True)
        if pending:
            log.warning("usage: %d item(s) served by node %s before it stopped were not counted yet; counted now",
                        sum(len(key[4]) * n for key, n in pending.items()), node)
        return sum(pending.values()), last

    def close_journal(self) -> None:
        with self._lock:
            journal, self.journal = self.journal, None
        if journal is not None:
            journal.close()

    def flush(self) -> int:
        """Write what is pending; returns how many rows. Safe from any thread."""
        with self._flushing:
            with self._lock:
                pending, self._pending = self._pending, Counter()
                journal = self.journal
                sealed = journal.seal() if journal is not None and pending else None
            if not pending:
                return 0
            try:
                written = self._write(pending, journal.node if journal else None, sealed)
            except Exception:
                with self._lock:  # keep them for the next flush rather than lose the record; its mark
                    self._pending.update(pending)  # will cover the segment sealed here too
                raise
            if journal is not None and sealed is not None:
                journal.remove_through(sealed)
            return written

    def _write(self, pending: Counter[tuple[str, str, str, str, Served]], node: str | None,
               segment: int | None) -> int:
        """One transaction: the rows, and (for a journalled node) the mark of its segments now counted."""
        rows: dict[tuple[str, str, str, int, str, str], int] = {}
        for (company_id, actor, channel, fmt, served), times in pending.items():
            for guid, version in served:
                key = (company_id, actor, guid, version, channel, fmt)
                rows[key] = rows.get(key, 0) + times
        now = utcnow()
        values = [{"company_id": c, "actor": a, "guid": g, "version": v, "channel": ch, "format": f, "at": now,
                   "times": n} for (c, a, g, v, ch, f), n in rows.items()]
        with self.store.write() as conn:
            if values:
                conn.execute(usage.insert(), values)
            if node is not None and segment is not None:
                conn.execute(self._mark(node, segment))
        return len(values)

    def _mark(self, node: str, segment: int) -> sa.Executable:
        """Upsert (node, segment): segments up to `segment` are counted. Marks only ever move forward."""
        if self.store.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(usage_journal).values(node=node, flushed_through=segment)
        return stmt.on_conflict_do_update(index_elements=["node"], set_={
            "flushed_through": sa.func.max(usage_journal.c.flushed_through, stmt.excluded.flushed_through)
            if self.store.dialect == "sqlite" else
            sa.func.greatest(usage_journal.c.flushed_through, stmt.excluded.flushed_through)})

    async def flush_every(self, seconds: float = 5.0) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await asyncio.to_thread(self.flush)
            except Exception:
                log.exception("writing the usage log failed; retrying")

    def report(self, company_id: str, *, days: int = 30, now: datetime | None = None) -> dict[str, Any]:
        """Deliveries per day by channel, and totals, over the last `days` days."""
        self.flush()
        since = (now or utcnow()) - timedelta(days=days)
        query = sa.select(usage.c.channel, usage.c.format, usage.c.at, usage.c.times).where(
            usage.c.company_id == company_id, usage.c.at >= since)
        per_day: dict[str, Counter[str]] = {}
        by_format: Counter[str] = Counter()
        with self.store.read() as conn:
            for channel, fmt, at, times in conn.execute(query):
                per_day.setdefault(at.date().isoformat(), Counter())[channel] += times
                by_format[fmt] += times
        return {"company": company_id, "since": since.isoformat(),
                "per_day": {day: dict(c) for day, c in sorted(per_day.items())},
                "by_channel": dict(sum(per_day.values(), Counter())), "by_format": dict(by_format)}

    def explain(self, company: CompanyAccess, versions: list[StoryVersion],
                reached: dict[int, Reach], now: datetime | None = None, *,
                webhooks: WebhookService | None = None) -> dict[str, Any]:
        """For one story and one company: each announcement, whether the company may have it and why
        not, every recorded delivery of it to that company, and (given the webhook service) where it
        stands at each of the company's webhook endpoints."""
        self.flush()
        now = now or utcnow()
        guid = versions[0].guid
        by_number = {v.version: v for v in versions}
        with self.store.read() as conn:
            announced = conn.execute(events.select().where(events.c.guid == guid).order_by(events.c.seq)).all()
            delivered = conn.execute(usage.select().where(usage.c.guid == guid, usage.c.company_id == company.id)
                                     .order_by(usage.c.at)).all()
        steps = []
        for event in announced:
            reach = reached.get(event.seq, NOWHERE)
            verdict = may_see(company, reach.copy, by_number[event.version], now, kind=EventKind(event.kind),
                              notice=reach.notice)
            steps.append({"seq": event.seq, "event": event.kind, "version": event.version,
                          "at": event.created.isoformat(), "allowed": verdict.allowed, "reason": verdict.reason})
        hooks = (_webhook_paths(webhooks, company, guid, steps, reached, by_number, now)
                 if webhooks is not None else [])
        return {
            "guid": guid, "company": company.id, "announcements": steps,
            "deliveries": [{"channel": d.channel, "format": d.format, "version": d.version, "actor": d.actor,
                            "at": d.at.isoformat(), "times": d.times} for d in delivered],
            "delivered": bool(delivered),
            "webhooks": hooks,
            "summary": _summary(steps, delivered, hooks),
        }


def _summary(steps: list[dict[str, Any]], delivered: list[Any], hooks: list[dict[str, Any]]) -> str:
    # What is wrong at a webhook endpoint is worth saying even when another channel delivered the story.
    trouble = "".join(f"; webhook {h['endpoint']}: {h['reason']}" for h in hooks
                      if h["status"] not in ("delivered", "not entitled", "created later"))
    if delivered:
        last = delivered[-1]
        return f"delivered {len(delivered)} time(s); last by {last.channel} at {last.at.isoformat()}" + trouble
    if not steps:
        return "never published"
    if any(s["allowed"] for s in steps):
        return "entitled, but not yet fetched or delivered on any channel" + trouble
    return "not entitled: " + "; ".join(sorted({s["reason"] for s in steps}))


# ---- webhooks: where the story stands at each of the company's endpoints ----------------------------

def _webhook_paths(webhooks: WebhookService, company: CompanyAccess, guid: str, steps: list[dict[str, Any]],
                   reached: dict[int, Reach], by_number: dict[int, StoryVersion],
                   now: datetime) -> list[dict[str, Any]]:
    """Per endpoint: each announcement it could have had (those after its creation) with its delivery,
    or why there is none; the endpoint's status is that of the story's newest such announcement."""
    from newsflow.wire.webhooks import narrowed_access  # webhooks.py imports this module

    planned: dict[tuple[str, int], Delivery] = {(d.endpoint_id, d.seq): d
                                                 for d in webhooks.deliveries_of(guid, company.id)}
    planned_up_to = functools.cache(webhooks.planned_up_to)  # asked at most once, and only if needed
    out = []
    for ep in webhooks.list_endpoints(company.id):
        entries = []
        for step in steps:
            if step["seq"] <= ep.start_seq:
                continue
            delivery = planned.get((ep.id, step["seq"]))
            if delivery is not None:
                status, reason = _delivery_status(webhooks, ep, delivery, now)
            elif not step["allowed"]:
                status, reason = "not entitled", f"not entitled: {step['reason']}"
            elif not ep.active:
                status, reason = "endpoint inactive", "not sent: the endpoint is inactive"
            elif not may_see(narrowed_access(company, ep.product_ids), reached.get(step["seq"], NOWHERE).copy,
                             by_number[step["version"]], now, kind=EventKind(step["event"]),
                             notice=reached.get(step["seq"], NOWHERE).notice):
                status, reason = "narrowed", (f"not sent: the endpoint is narrowed to product(s) "
                                              f"{list(ep.product_ids or ())}, which do not cover this story")
            elif step["seq"] <= planned_up_to():
                status, reason = "not sent", ("not sent: when the story was announced the endpoint was inactive or "
                                              "not entitled to it (changes apply to later events)")
            else:
                status, reason = "not planned yet", "not planned yet: each node plans new events within seconds"
            entries.append({"seq": step["seq"], "event": step["event"], "version": step["version"],
                            "status": status, "reason": reason, "delivery": _delivery_row(delivery)})
        if entries:
            newest = entries[-1]
            status, reason = newest["status"], newest["reason"]
            sent = [e for e in entries[:-1] if e["status"] == "delivered"]
            if sent and status != "delivered":
                reason += f" (version {sent[-1]['version']}: {sent[-1]['reason']})"
        else:
            status = "created later"
            reason = f"the endpoint was created after the story was announced (it has events after seq {ep.start_seq})"
        out.append({"endpoint": ep.id, "url": ep.url, "format": ep.format, "active": ep.active,
                    "status": status, "reason": reason, "announcements": entries})
    return out


def _delivery_status(webhooks: WebhookService, ep: WebhookEndpoint, d: Delivery, now: datetime) -> tuple[str, str]:
    from newsflow.wire.webhooks import DEAD, DELIVERED, FAILED, SKIPPED

    if d.state == DELIVERED:
        when = d.delivered_at.isoformat() if d.delivered_at else "?"
        return "delivered", f"delivered at {when} after {d.attempts} attempt(s)"
    if d.state == DEAD:
        return "dead letter", (f"dead letter: gave up after {d.attempts} attempt(s), last error: {d.last_error}; "
                               "replay it to send again")
    if d.state == SKIPPED:
        return "skipped", f"skipped: {d.last_error}"
    # still to be sent (pending, or failed and waiting for its retry)
    if not ep.active:
        return "endpoint inactive", "held: the endpoint is inactive; it goes when the endpoint is re-activated"
    failing = None
    if ep.failing_since is not None:
        failing = (f"the endpoint has been failing since {ep.failing_since.isoformat()} "
                   f"({ep.consecutive_failures} failure(s) in a row")
        if ep.open_until is not None and ep.open_until > now:
            failing += f", circuit open until {ep.open_until.isoformat()}"
        failing += ")"
    if d.state == FAILED:
        tries = webhooks.attempts(ep.id, delivery_id=d.id, limit=max(d.attempts, 1))
        since = min((a.started for a in tries), default=d.created).isoformat()
        reason = (f"retrying since {since}: {d.attempts} attempt(s), last error: {d.last_error}; "
                  f"next attempt at {d.next_attempt_at.isoformat()}")
        return "retrying", reason + (f"; {failing}" if failing else "")
    if failing:  # not tried yet: held behind the endpoint's failing head of line, or by its open circuit
        last = webhooks.attempts(ep.id, limit=1)
        return "endpoint failing", (f"pending since {d.created.isoformat()}, not sent yet: {failing}, "
                                    f"last error: {last[0].error if last else None}")
    return "pending", f"pending since {d.created.isoformat()}: not sent yet"


def _delivery_row(d: Delivery | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"id": d.id, "state": d.state, "attempts": d.attempts, "created": d.created.isoformat(),
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "next_attempt_at": d.next_attempt_at.isoformat(), "last_status": d.last_status,
            "last_error": d.last_error}

"""Saved searches and the alerts they raise, in the portal and by e-mail.

A portal user saves a search. When a story appears that the user's company may see and that the
search matches, `Alerts.on_events` — a `LogFollower` handler, so it runs once per batch of events
on each node — records an alert. The match is `SearchIndex.search` narrowed to the batch's stories,
once per distinct query, and then `wire.entitlement.may_see` per company: an alert never names a
story outside the company's products, nor one still under embargo for it (the embargo's lift is an
event of its own and raises the alert then).

The (search, story) pair is unique in the table: a story raises one alert per search however many
times it is updated, and when several nodes raise the same alert one row wins. A search saved with
"e-mail me" queues its alerts in the same row; `AlertMailer` claims queued rows (a claim is a
conditional UPDATE, so two nodes never send the same alert), sends one message per user and batch,
and retries with backoff when the SMTP server is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import secrets
import smtplib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsflow.mail import SmtpServer, message
from newsflow.model import Event, EventKind, PubStatus, utcnow
from newsflow.portal import search_query
from newsflow.portal_tables import portal_alerts, portal_saved_searches
from newsflow.store import Store
from newsflow.store.search import QueryError, SearchIndex
from newsflow.store.tables import stories, users
from newsflow.web.guid_paths import segment
from newsflow.wire.entitlement import may_see
from newsflow.wire.feed import versions_reach
from newsflow.wire.subscribers import Subscribers

log = logging.getLogger("newsflow.alerts")

QUERY_KEYS = ("q", "category", "dossier", "language", "urgency")
GUIDS_PER_QUERY = 200  # one search per this many stories of a batch
MAIL_BATCH = 500  # alerts claimed per round
MAIL_ATTEMPTS = 6  # then the alert's e-mail is given up ("failed"); the in-app alert stays
MAIL_RETRY = timedelta(seconds=30)  # doubled per attempt: 30 s, 1 min, 2 min, 4 min, 8 min
MAIL_CLAIM_STALE = timedelta(minutes=5)  # a claim this old belonged to a node that stopped mid-send


@dataclass(frozen=True)
class SavedSearch:
    id: int
    name: str
    query: dict[str, str]
    email: bool
    language: str
    created: datetime


@dataclass(frozen=True)
class Alert:
    id: int
    search_id: int
    guid: str
    headline: str
    seen: bool
    created: datetime
    mail_state: str


class Alerts:
    def __init__(self, store: Store, search: SearchIndex, subscribers: Subscribers) -> None:
        self.store = store
        self.search = search
        self.subscribers = subscribers
        self.mail_enabled = False  # set by the mailer: without one, no alert is queued for e-mail
        self.on_queued: list[Callable[[], None]] = []  # told that alerts were queued for e-mail
        self.done_seq = 0  # the last event whose alerts are raised (tests wait on it)
        self._pending: list[Event] = []
        self._more = asyncio.Event()

    # ---- saved searches ---------------------------------------------------------------------------

    def save_search(self, user_id: str, name: str, params: dict[str, str], *, email: bool = False,
                    language: str = "en") -> int:
        """A saved search; `language` is the portal's when it was saved, and its e-mails speak it."""
        query = {k: params[k] for k in QUERY_KEYS if params.get(k)}
        search_query(query)  # refuse one that cannot run now rather than at every event
        with self.store.write() as conn:
            result = conn.execute(portal_saved_searches.insert().values(
                user_id=user_id, name=name[:200] or "search", query=query, email=email, language=language[:8],
                created=utcnow()))
            return int(result.inserted_primary_key[0])

    def set_email(self, user_id: str, search_id: int, email: bool) -> None:
        t = portal_saved_searches
        with self.store.write() as conn:
            conn.execute(t.update().where(t.c.id == search_id, t.c.user_id == user_id).values(email=email))

    def delete_search(self, user_id: str, search_id: int) -> None:
        t = portal_saved_searches
        with self.store.write() as conn:
            gone = conn.execute(t.delete().where(t.c.id == search_id, t.c.user_id == user_id)).rowcount
            if gone:
                conn.execute(portal_alerts.delete().where(portal_alerts.c.search_id == search_id))

    def saved_searches(self, user_id: str) -> list[SavedSearch]:
        t = portal_saved_searches
        with self.store.read() as conn:
            rows = conn.execute(t.select().where(t.c.user_id == user_id).order_by(t.c.created, t.c.id)).all()
        return [SavedSearch(r.id, r.name, dict(r.query), bool(r.email), r.language, r.created) for r in rows]

    # ---- the user's alerts ------------------------------------------------------------------------

    def unseen(self, user_id: str) -> int:
        a = portal_alerts
        with self.store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(a)
                                    .where(a.c.user_id == user_id, a.c.seen.is_(False))).scalar_one())

    def alerts(self, user_id: str, limit: int = 100) -> list[Alert]:
        a = portal_alerts
        with self.store.read() as conn:
            rows = conn.execute(a.select().where(a.c.user_id == user_id)
                                .order_by(a.c.created.desc(), a.c.id.desc()).limit(limit)).all()
        return [Alert(r.id, r.search_id, r.guid, r.headline, r.seen, r.created, r.mail_state) for r in rows]

    def mark_seen(self, user_id: str) -> None:
        a = portal_alerts
        with self.store.write() as conn:
            conn.execute(a.update().where(a.c.user_id == user_id, a.c.seen.is_(False)).values(seen=True))

    # ---- raising alerts as the log advances -------------------------------------------------------

    async def on_events(self, events: list[Event]) -> None:
        """The follower's handler: hand the batch to `run` and return at once, so that saved
        searches, however many, never hold up the stream and webhooks of the next batch."""
        self._pending.extend(events)
        self._more.set()

    async def run(self) -> None:
        """Raise the alerts of what `on_events` handed over, a batch at a time, in log order."""
        while True:
            await self._more.wait()
            self._more.clear()
            pause = 0.1
            while self._pending:
                events = self._pending[:1000]
                try:
                    queued = await asyncio.to_thread(self.raise_for, events)
                except Exception:
                    # A database error is passing: the same batch is tried again, never passed over
                    # (an alert row is unique per search and story, so a retry raises none twice).
                    log.exception("raising alerts for events %s-%s failed; retrying in %.1f s",
                                  events[0].seq, events[-1].seq, pause)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 30.0)
                    continue
                pause = 0.1
                del self._pending[:len(events)]
                self.done_seq = events[-1].seq
                if queued:
                    for tell in self.on_queued:
                        tell()

    def raise_for(self, events: Sequence[Event], now: datetime | None = None) -> int:
        """Record the alerts `events` raise; returns how many of them were queued for e-mail."""
        latest: dict[str, Event] = {}
        for event in events:  # a story's last event in the batch says what it is now
            latest[event.guid] = event
        fresh = {guid: e for guid, e in latest.items() if e.kind is not EventKind.kill}
        if not fresh:
            return 0
        s, u = portal_saved_searches, users
        with self.store.read() as conn:
            searches = conn.execute(
                sa.select(s.c.id, s.c.user_id, s.c.query, s.c.email, s.c.created, u.c.company_id)
                .join(u, u.c.id == s.c.user_id)
                .where(u.c.active.is_(True), u.c.company_id.is_not(None))).all()
        if not searches:
            return 0
        now = now or utcnow()
        accesses = self.subscribers.accesses(r.company_id for r in searches)
        keys = [(e.guid, e.version) for e in fresh.values()]
        versions = self.store.get_versions(keys)
        reached = versions_reach(self.store, keys)
        verdicts: dict[tuple[str, str], bool] = {}

        def may(company_id: str, guid: str) -> bool:
            """The one entitlement rule, asked once per company and story of the batch."""
            if (company_id, guid) not in verdicts:
                access, key = accesses.get(company_id), (guid, fresh[guid].version)
                verdicts[company_id, guid] = (access is not None and key in versions
                                              and bool(may_see(access, reached[key].copy, versions[key], now)))
            return verdicts[company_id, guid]

        # Each distinct query runs once, as the agency sees the batch; who may see each hit is then
        # decided per company — so a thousand users asking the same thing cost one search.
        groups: dict[tuple[tuple[str, str], ...], list[Any]] = defaultdict(list)
        for row in searches:
            groups[tuple(sorted(dict(row.query).items()))].append(row)
        guids = sorted(fresh)
        rows: list[dict[str, Any]] = []
        for query, members in groups.items():
            for start in range(0, len(guids), GUIDS_PER_QUERY):
                chunk = guids[start:start + GUIDS_PER_QUERY]
                try:
                    asked = search_query(dict(query), limit=len(chunk), facets=False)
                except QueryError:
                    break  # saved before a rule tightened; it matches nothing rather than failing all
                for hit in self.search.search(replace(asked, guids=tuple(chunk)), None, now).hits:
                    for row in members:
                        if fresh[hit.guid].created <= row.created:
                            continue  # the story was out before the search was saved
                        if not may(row.company_id, hit.guid):
                            continue
                        mail = self.mail_enabled and bool(row.email)
                        rows.append({"user_id": row.user_id, "search_id": row.id, "guid": hit.guid,
                                     "headline": hit.headline[:500], "seen": False, "created": now,
                                     "mail_state": "queued" if mail else "", "mail_next": now if mail else None})
        if not rows:
            return 0
        insert = self.store.insert_ignoring(portal_alerts, "search_id", "guid").returning(portal_alerts.c.mail_state)
        with self.store.write() as conn:  # RETURNING names the rows this node wrote: only those are mailed
            written = conn.execute(insert, rows).scalars().all()
        return sum(state == "queued" for state in written)


class AlertMailer:
    """Sends the queued alert e-mails: one message per user and round, over one SMTP connection."""

    def __init__(self, alerts: Alerts, server: SmtpServer, *, sender: str, agency: str, base_url: str) -> None:
        self.alerts = alerts
        self.store = alerts.store
        self.server = server
        self.sender = sender
        self.agency = agency
        self.base_url = base_url
        self._wake = asyncio.Event()
        alerts.mail_enabled = True
        alerts.on_queued.append(self._wake.set)

    async def run(self, every: float = 30.0) -> None:
        """Send what is due whenever alerts are queued, and at least every `every` seconds (retries,
        and alerts queued by other nodes that stopped before sending)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), every)
            self._wake.clear()
            try:
                while await asyncio.to_thread(self.send_due) == MAIL_BATCH:
                    pass
            except Exception:
                log.exception("sending alert e-mails failed")

    def send_due(self, now: datetime | None = None) -> int:
        """Claim due alerts, send them, record the outcome; returns how many were claimed."""
        now = now or utcnow()
        claimed = self._claim(now)
        if not claimed:
            return 0
        # a story killed since its alert was raised is never mailed: kill means kill in the outbox too
        killed = self._killed({row.guid for row in claimed})
        outcomes: dict[int, str | None] = {row.id: "the story was killed" for row in claimed if row.guid in killed}
        by_user: dict[str, list[Any]] = defaultdict(list)
        for row in claimed:
            if row.guid not in killed:
                by_user[row.user_id].append(row)
        recipients = self._recipients(list(by_user))
        sendable = [(uid, rows) for uid, rows in by_user.items() if uid in recipients]
        outcomes.update({row.id: "the user is gone or inactive"
                         for uid, rows in by_user.items() if uid not in recipients for row in rows})
        try:
            results = self.server.send([self._message(recipients[uid], rows) for uid, rows in sendable])
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("SMTP server %s:%s: %s", self.server.host, self.server.port, exc)
            self._retry([row.id for _, rows in sendable for row in rows], f"{type(exc).__name__}: {exc}", now)
        else:
            for (_, rows), result in zip(sendable, results, strict=True):
                outcomes.update({row.id: result for row in rows})
        self._finish(outcomes, now)
        return len(claimed)

    def _claim(self, now: datetime) -> list[Any]:
        a = portal_alerts
        due = sa.or_(sa.and_(a.c.mail_state == "queued", a.c.mail_next <= now),
                     sa.and_(a.c.mail_state == "sending", a.c.mail_claimed < now - MAIL_CLAIM_STALE))
        token = secrets.token_hex(16)
        with self.store.write() as conn:
            ids = list(conn.execute(sa.select(a.c.id).where(due).order_by(a.c.id).limit(MAIL_BATCH)).scalars())
            if not ids:
                return []
            # the WHERE is asked again in the UPDATE: a row another node claimed meanwhile is not taken
            conn.execute(a.update().where(a.c.id.in_(ids), due)
                         .values(mail_state="sending", mail_token=token, mail_claimed=now))
        with self.store.read() as conn:
            return conn.execute(
                sa.select(a.c.id, a.c.user_id, a.c.search_id, a.c.guid, a.c.headline, a.c.mail_attempts,
                          portal_saved_searches.c.name, portal_saved_searches.c.language)
                .join(portal_saved_searches, portal_saved_searches.c.id == a.c.search_id, isouter=True)
                .where(a.c.mail_token == token, a.c.mail_state == "sending").order_by(a.c.id)).all()

    def _killed(self, guids: set[str]) -> set[str]:
        with self.store.read() as conn:
            return set(conn.execute(sa.select(stories.c.guid).where(
                stories.c.guid.in_(sorted(guids)), stories.c.pubstatus == PubStatus.canceled.value)).scalars())

    def _recipients(self, user_ids: list[str]) -> dict[str, str]:
        with self.store.read() as conn:
            rows = conn.execute(sa.select(users.c.id, users.c.email)
                                .where(users.c.id.in_(user_ids), users.c.active.is_(True))).all()
        return {r.id: r.email for r in rows}

    def _retry(self, ids: list[int], error: str, now: datetime) -> None:
        """The server was away: try again later, or give up after the last attempt."""
        a = portal_alerts
        with self.store.write() as conn:
            rows = conn.execute(sa.select(a.c.id, a.c.mail_attempts).where(a.c.id.in_(ids))).all()
            for attempts, group in _by_attempts(rows).items():
                done = attempts + 1
                values: dict[str, Any] = {"mail_attempts": done, "mail_error": error[:500], "mail_token": None}
                if done >= MAIL_ATTEMPTS:
                    values["mail_state"] = "failed"
                else:
                    values |= {"mail_state": "queued", "mail_next": now + MAIL_RETRY * 2 ** (done - 1)}
                conn.execute(a.update().where(a.c.id.in_(group)).values(**values))

    def _finish(self, outcomes: dict[int, str | None], now: datetime) -> None:
        a = portal_alerts
        sent = [i for i, error in outcomes.items() if error is None]
        refused: dict[str, list[int]] = defaultdict(list)
        for i, error in outcomes.items():
            if error is not None:
                refused[error].append(i)
        with self.store.write() as conn:
            if sent:
                conn.execute(a.update().where(a.c.id.in_(sent)).values(
                    mail_state="sent", mail_token=None, mail_error="", mail_attempts=a.c.mail_attempts + 1))
            for error, ids in refused.items():  # a refused recipient stays refused: no retry
                conn.execute(a.update().where(a.c.id.in_(ids)).values(
                    mail_state="failed", mail_token=None, mail_error=error[:500],
                    mail_attempts=a.c.mail_attempts + 1))

    def _message(self, to: str, rows: list[Any]) -> Any:
        from newsflow.web.i18n import translator  # the UI's strings: one home for every language

        # in the language of the user's latest saved search among them (the UI they last used)
        t = translator(max(rows, key=lambda r: r.search_id).language or "en")
        by_search: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_search[row.name or "search"].append(row)
        subject = (' '.join(rows[0].headline.split()) if len(rows) == 1
                   else t.gettext("%(n)s new stories match your saved searches", n=len(rows)))
        subject = f"{self.agency}: {subject}"
        manage = f"{self.base_url}/portal/alerts"
        intro = t.gettext("New stories on the %(agency)s wire match your saved searches.", agency=self.agency)
        text = [intro, ""]
        parts = [f"<p>{html.escape(intro)}</p>"]
        for name, found in by_search.items():
            text.append(f"{name}:")
            parts.append(f"<h2>{html.escape(name)}</h2><ul>")
            for row in found:
                link = f"{self.base_url}/portal/stories/{segment(row.guid)}"
                text += [f"  - {row.headline}", f"    {link}"]
                parts.append(f'<li><a href="{html.escape(link)}">{html.escape(row.headline)}</a></li>')
            text.append("")
            parts.append("</ul>")
        note = t.gettext("You get this e-mail because you asked for e-mail alerts on these searches. Change that at")
        text.append(f"{note} {manage}")
        parts.append(f'<p>{note} <a href="{html.escape(manage)}">{html.escape(manage)}</a>.</p>')
        return message(sender=self.sender, to=to, subject=subject, text="\n".join(text), html="\n".join(parts))


def _by_attempts(rows: Sequence[Any]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        out[row.mail_attempts].append(row.id)
    return out

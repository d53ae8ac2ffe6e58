"""Webhooks: each entitled event POSTed to a subscriber's endpoint, signed, in order, retried, fairly.

The flow on every node:

    LogFollower ──► WebhookDispatcher.on_events ──► WebhookService.plan
                    (queued: never holds the follower)   one `webhook_deliveries` row per (endpoint, event)
                                                         that `may_see` allows; UNIQUE, so any number of
                                                         nodes planning the same events write it once
    WebhookDispatcher loop ──► WebhookService.next_jobs: claim each endpoint's head of line with a lease
                           ──► POST (signed per Standard Webhooks) ──► WebhookService.record

Ordering: an endpoint's deliveries go strictly in seq order, one in flight at a time — the next one is
only claimed once the earlier is delivered, dead or skipped — so an older version of a story never
arrives after a newer one. Fairness: each endpoint offers only its head, and many endpoints are in
flight at once (bounded), so a slow or dead endpoint holds one slot and delays no one else. Payloads are
`formats.registry.render` bytes, cached per (guid, version, format) and shared by every endpoint.

A sweep re-plans from the persisted cursor (`webhook_planner`) so an event is planned even if the node
that read it crashed first: delivery is at least once, with a stable `webhook-id` per event.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import email.utils
import hashlib
import hmac
import logging
import random
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import httpx
import sqlalchemy as sa

from newsflow import __version__
from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.formats.base import RenderContext
from newsflow.formats.registry import OUTPUTS, render
from newsflow.model import Event, EventKind, PubStatus, StoryVersion, utcnow
from newsflow.ops.metrics import UNWIRED
from newsflow.store.store import Store
from newsflow.store.tables import UTCDateTime, events
from newsflow.wire.entitlement import ALLOWED, CompanyAccess, Verdict, deliverable, may_see
from newsflow.wire.subscribers import Subscribers
from newsflow.wire.targets import TargetGuard
from newsflow.wire.usage import usage
from newsflow.wire.webhook_tables import (
    PLANNER_ROW,
    webhook_attempts,
    webhook_deliveries,
    webhook_endpoints,
    webhook_planner,
)

log = logging.getLogger("newsflow.webhooks")

PENDING, FAILED, DELIVERED, DEAD, SKIPPED = "pending", "failed", "delivered", "dead", "skipped"
OPEN_STATES = (PENDING, FAILED)  # still to be sent
STATES = (PENDING, FAILED, DELIVERED, DEAD, SKIPPED)
SECRET_PREFIX = "whsec_"
USER_AGENT = f"Newsflow-Webhooks/{__version__}"
_MAX_URL = 2000
_ERROR_SNIPPET = 300  # characters of a refusing endpoint's answer kept in the log
_CHUNK = 1000  # rows per multi-row INSERT


# ---- signatures (Standard Webhooks) -------------------------------------------------------------

def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """`v1,<base64 HMAC-SHA256>` over `{msg_id}.{timestamp}.{body}` with the secret's decoded key."""
    payload = body.encode() if isinstance(body, str) else body
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.".encode() + payload, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per live secret, space-separated (rotation)."""
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets_)


def webhook_id(seq: int) -> str:
    # Per event, not per attempt or endpoint: the same across retries and replays, so receivers dedupe.
    return f"evt_{seq}"


# ---- configuration and records ------------------------------------------------------------------

@dataclass(frozen=True)
class WebhookConfig:
    """Tunables; tests use milliseconds. Times are seconds."""

    base_delay: float = 1.0  # first retry waits up to this (full jitter), doubling per attempt ...
    max_delay: float = 3600.0  # ... up to this
    max_attempts: int = 8  # then the delivery is dead (replayable) and the endpoint moves on
    connect_timeout: float = 3.0
    total_timeout: float = 10.0  # a whole attempt, however slowly the endpoint trickles bytes
    concurrency: int = 1000  # deliveries in flight per node (one per endpoint at most)
    breaker_threshold: int = 5  # failures in a row that open an endpoint's circuit ...
    breaker_cooldown: float = 60.0  # ... for this long; then one trial (half-open)
    lease: float = 60.0  # a claim's life; outlives any attempt, so only a crashed node's claim runs out
    poll_every: float = 1.0  # the dispatcher looks at least this often (other nodes' results)
    sweep_every: float = 5.0  # re-plan from the persisted cursor (events no node planned)
    recheck_after: float = 5.0  # a delivery older than this has its entitlement checked again on send
    max_response_bytes: int = 64 * 1024  # read this much of an answer (keeps the connection reusable)

    def __post_init__(self) -> None:
        if self.lease <= self.total_timeout:
            raise ValueError("the lease must outlive an attempt (lease > total_timeout)")
        if self.max_attempts < 1 or self.concurrency < 1 or self.breaker_threshold < 1:
            raise ValueError("max_attempts, concurrency and breaker_threshold must be at least 1")


@dataclass(frozen=True)
class WebhookEndpoint:
    """An endpoint as shown to admins and subscribers: never its secrets."""

    id: str
    company_id: str
    url: str
    format: str
    product_ids: tuple[int, ...] | None  # narrowing of the company's products; None = all of them
    active: bool
    created: datetime
    start_seq: int
    rotating_until: datetime | None  # while set, the previous secret still signs too
    consecutive_failures: int
    open_until: datetime | None  # circuit open (no sends) until then
    failing_since: datetime | None


@dataclass(frozen=True)
class NewWebhookEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


@dataclass(frozen=True)
class Delivery:
    id: int
    endpoint_id: str
    seq: int
    kind: str
    guid: str
    version: int
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created: datetime
    delivered_at: datetime | None

    @property
    def webhook_id(self) -> str:
        return webhook_id(self.seq)


@dataclass(frozen=True)
class Attempt:
    id: int
    endpoint_id: str
    delivery_id: int | None
    webhook_id: str
    attempt: int
    started: datetime
    duration_ms: int
    status: int | None
    error: str | None
    test: bool

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class TestResult:
    ok: bool
    status: int | None
    error: str | None
    duration_ms: int
    webhook_id: str


@dataclass(frozen=True)
class Claimed:
    """Which delivery an attempt is for, under which claim: what a Job and its Outcome share."""

    delivery_id: int | None  # None for a test event
    endpoint_id: str
    company_id: str
    format: str
    guid: str
    version: int
    lease: str
    attempt: int
    webhook_id: str

    def claimed(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(Claimed)}


@dataclass(frozen=True)
class Job(Claimed):
    """A claimed delivery, ready to POST: the body is rendered, the signature is made per attempt."""

    url: str
    secrets: tuple[str, ...]
    body: bytes
    headers: dict[str, str]
    written: datetime | None = None  # when the event was written: delivery latency is measured from it


@dataclass(frozen=True)
class Outcome(Claimed):
    started: datetime
    duration_ms: int = 0
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    settle: str | None = None  # DEAD or SKIPPED without an HTTP attempt (not renderable / not entitled)
    test: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Keep:
    """Marker for "leave this field as it is" where None is a meaningful value."""


KEEP: Any = _Keep()


def backoff(attempt: int, config: WebhookConfig, rng: random.Random | None = None) -> float:
    """Seconds before the next try after `attempt` failures: full jitter over an exponential ceiling."""
    ceiling = min(config.max_delay, config.base_delay * 2.0 ** min(attempt - 1, 60))
    return (rng or random).uniform(0.0, ceiling)


# ---- the store-backed service -------------------------------------------------------------------

class WebhookService:
    def __init__(self, store: Store, subscribers: Subscribers | None = None, *,
                 render_context: RenderContext | None = None, config: WebhookConfig | None = None,
                 targets: TargetGuard | None = None) -> None:
        self.store = store
        self.subscribers = subscribers or Subscribers(store)
        self.render_context = render_context or RenderContext()
        self.config = config or WebhookConfig()
        self.targets = targets or TargetGuard()  # where endpoints may point, checked on add and on connect
        self._unreleased: set[str] = set()  # leases of claims a failed `next_jobs` could not hand back yet

    # ---- endpoints ----------------------------------------------------------------------------

    def create_endpoint(self, company_id: str, url: str, *, format: str = "ninjs",
                        product_ids: Iterable[int] | None = None, secret: str | None = None,
                        active: bool = True, now: datetime | None = None) -> NewWebhookEndpoint:
        """Register an endpoint; it receives events written from now on. The secret is returned once."""
        url, format = self.targets.check_url(_check_url(url)), _check_format(format)
        secret = _check_secret(secret) if secret is not None else new_secret()
        narrowing = self._check_products(company_id, product_ids)
        endpoint_id = secrets.token_hex(8)
        with self.store.write() as conn:
            # Read inside the write transaction: no event can slip between "now" and the start.
            start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))).scalar_one()
            conn.execute(webhook_endpoints.insert().values(
                id=endpoint_id, company_id=company_id, url=url, format=format, product_ids=narrowing,
                active=active, created=now or utcnow(), start_seq=start, secret=secret))
        return NewWebhookEndpoint(self.get_endpoint(endpoint_id), secret)

    def get_endpoint(self, endpoint_id: str) -> WebhookEndpoint:
        with self.store.read() as conn:
            row = conn.execute(webhook_endpoints.select().where(webhook_endpoints.c.id == endpoint_id)).first()
        if row is None:
            raise NotFound(f"no webhook endpoint with id {endpoint_id!r}")
        return _endpoint(row)

    def list_endpoints(self, company_id: str | None = None) -> list[WebhookEndpoint]:
        query = webhook_endpoints.select().order_by(webhook_endpoints.c.created, webhook_endpoints.c.id)
        if company_id is not None:
            query = query.where(webhook_endpoints.c.company_id == company_id)
        with self.store.read() as conn:
            return [_endpoint(row) for row in conn.execute(query)]

    def update_endpoint(self, endpoint_id: str, *, url: str | None = None, format: str | None = None,
                        product_ids: Iterable[int] | None = KEEP, active: bool | None = None) -> WebhookEndpoint:
        """Change an endpoint (`product_ids=None` removes the narrowing). A new URL or a re-activation
        closes the circuit: the admin says the endpoint is fit again."""
        current = self.get_endpoint(endpoint_id)
        values: dict[str, Any] = {}
        if url is not None:
            values["url"] = self.targets.check_url(_check_url(url))
        if format is not None:
            values["format"] = _check_format(format)
        if product_ids is not KEEP:
            values["product_ids"] = self._check_products(current.company_id, product_ids)
        if active is not None:
            values["active"] = active
        if (url is not None and values["url"] != current.url) or (active and not current.active):
            values.update(consecutive_failures=0, open_until=None)
        if values:
            with self.store.write() as conn:
                conn.execute(webhook_endpoints.update().where(webhook_endpoints.c.id == endpoint_id)
                             .values(**values))
        return self.get_endpoint(endpoint_id)

    def delete_endpoint(self, endpoint_id: str) -> None:
        """Remove an endpoint with its deliveries and their log."""
        with self.store.write() as conn:
            _require_endpoint(conn, endpoint_id)
            conn.execute(webhook_attempts.delete().where(webhook_attempts.c.endpoint_id == endpoint_id))
            conn.execute(webhook_deliveries.delete().where(webhook_deliveries.c.endpoint_id == endpoint_id))
            conn.execute(webhook_endpoints.delete().where(webhook_endpoints.c.id == endpoint_id))

    def rotate_secret(self, endpoint_id: str, overlap: timedelta = timedelta(hours=24), *,
                      secret: str | None = None, now: datetime | None = None) -> str:
        """Replace the signing secret, returned this once. For `overlap` the old one signs too, so the
        receiver can switch whenever it likes; a second rotation within the overlap drops the oldest."""
        secret = _check_secret(secret) if secret is not None else new_secret()
        now = now or utcnow()
        e = webhook_endpoints
        keep_old = overlap > timedelta(0)
        with self.store.write() as conn:
            _require_endpoint(conn, endpoint_id)
            conn.execute(e.update().where(e.c.id == endpoint_id).values(
                previous_secret=e.c.secret if keep_old else None,
                previous_expires=now + overlap if keep_old else None, secret=secret))
        return secret

    def _check_products(self, company_id: str, product_ids: Iterable[int] | None) -> list[int] | None:
        company = self.subscribers.get_company(company_id)  # NotFound names the company
        if product_ids is None:
            return None
        wanted = sorted(set(product_ids))
        if not wanted:
            raise FieldError("product_ids", "narrow to at least one product, or leave it out to receive all")
        foreign = [pid for pid in wanted if pid not in company.product_ids]
        if foreign:
            raise FieldError("product_ids", f"the company does not hold product(s) {foreign}")
        return wanted

    # ---- the delivery log, dead letters, replay -----------------------------------------------

    def deliveries(self, endpoint_id: str, *, state: str | None = None, limit: int = 100,
                   before_seq: int | None = None) -> list[Delivery]:
        """The endpoint's deliveries, newest event first (`before_seq` pages back)."""
        d = webhook_deliveries
        query = d.select().where(d.c.endpoint_id == endpoint_id).order_by(d.c.seq.desc()).limit(limit)
        if state is not None:
            query = query.where(d.c.state == state)
        if before_seq is not None:
            query = query.where(d.c.seq < before_seq)
        with self.store.read() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    def deliveries_of(self, guid: str, company_id: str | None = None) -> list[Delivery]:
        """Every delivery of a story (to one company's endpoints), in log order: where it went and how
        that went (for "was it delivered, and if not, why")."""
        d, e = webhook_deliveries, webhook_endpoints
        query = d.select().where(d.c.guid == guid).order_by(d.c.seq, d.c.endpoint_id)
        if company_id is not None:
            query = query.where(d.c.endpoint_id.in_(sa.select(e.c.id).where(e.c.company_id == company_id)))
        with self.store.read() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    def get_delivery(self, delivery_id: int) -> Delivery:
        with self.store.read() as conn:
            row = conn.execute(webhook_deliveries.select().where(webhook_deliveries.c.id == delivery_id)).first()
        if row is None:
            raise NotFound(f"no webhook delivery with id {delivery_id!r}")
        return _delivery(row)

    def attempts(self, endpoint_id: str, *, delivery_id: int | None = None, limit: int = 100) -> list[Attempt]:
        """Every POST made to the endpoint (test events included), newest first."""
        a = webhook_attempts
        query = a.select().where(a.c.endpoint_id == endpoint_id).order_by(a.c.id.desc()).limit(limit)
        if delivery_id is not None:
            query = query.where(a.c.delivery_id == delivery_id)
        with self.store.read() as conn:
            return [Attempt(id=r.id, endpoint_id=r.endpoint_id, delivery_id=r.delivery_id, webhook_id=r.webhook_id,
                            attempt=r.attempt, started=r.started, duration_ms=r.duration_ms, status=r.status,
                            error=r.error, test=r.test) for r in conn.execute(query)]

    def dead_letters(self, endpoint_id: str | None = None, *, limit: int = 100) -> list[Delivery]:
        d = webhook_deliveries
        query = d.select().where(d.c.state == DEAD).order_by(d.c.endpoint_id, d.c.seq).limit(limit)
        if endpoint_id is not None:
            query = query.where(d.c.endpoint_id == endpoint_id)
        with self.store.read() as conn:
            return [_delivery(row) for row in conn.execute(query)]

    def replay(self, endpoint_id: str, delivery_id: int | None = None, *, now: datetime | None = None) -> int:
        """Send dead deliveries again (one, or all of the endpoint's); returns how many were requeued.

        A dead delivery whose story has a newer version delivered to, or waiting for, this endpoint is
        marked skipped instead: sending it would put an older version after a newer one.
        """
        now = now or utcnow()
        d = webhook_deliveries
        with self.store.write() as conn:
            _require_endpoint(conn, endpoint_id)
            query = d.select().where(d.c.endpoint_id == endpoint_id, d.c.state == DEAD)
            if delivery_id is not None:
                query = query.where(d.c.id == delivery_id)
            dead = conn.execute(query).all()
            if delivery_id is not None and not dead:
                row = conn.execute(d.select().where(d.c.id == delivery_id, d.c.endpoint_id == endpoint_id)).first()
                if row is None:
                    raise NotFound(f"no delivery {delivery_id} for webhook endpoint {endpoint_id!r}")
                raise Conflict(f"delivery {delivery_id} is {row.state}; only dead deliveries are replayed")
            newest: dict[str, int] = {}
            guids = sorted({row.guid for row in dead})
            for start in range(0, len(guids), 500):
                query = (sa.select(d.c.guid, sa.func.max(d.c.version))
                         .where(d.c.endpoint_id == endpoint_id, d.c.guid.in_(guids[start:start + 500]),
                                d.c.state.in_((DELIVERED, *OPEN_STATES))).group_by(d.c.guid))
                newest.update({guid: top for guid, top in conn.execute(query)})
            for row in dead:  # the replayed set itself: only each story's newest goes out
                newest[row.guid] = max(newest.get(row.guid, 0), row.version)
            requeue = [row.id for row in dead if row.version >= newest[row.guid]]
            superseded = [row for row in dead if row.version < newest[row.guid]]
            for start in range(0, len(requeue), 500):
                conn.execute(d.update().where(d.c.id.in_(requeue[start:start + 500])).values(
                    state=PENDING, attempts=0, next_attempt_at=now, lease_until=None, lease_owner=None))
            for row in superseded:
                conn.execute(d.update().where(d.c.id == row.id).values(
                    state=SKIPPED, last_error=f"superseded by version {newest[row.guid]} of the story"))
            # Replaying says the receiver is back: do not make it wait for the circuit's cool-down.
            conn.execute(webhook_endpoints.update().where(webhook_endpoints.c.id == endpoint_id)
                         .values(consecutive_failures=0, open_until=None))
        return len(requeue)

    # ---- planning: events → deliveries ----------------------------------------------------------

    def plan(self, batch: Sequence[Event], *, now: datetime | None = None) -> int:
        """Write a pending delivery for each (active endpoint, event) that `may_see` allows; returns how
        many were offered. Idempotent (a unique key and INSERT … ON CONFLICT DO NOTHING), so every node
        may plan every event. Advances the persisted cursor over a contiguous stretch of the log."""
        if not batch:
            return 0
        written = utcnow()
        now = now or written  # the moment entitlement is judged at (embargoes); rows are stamped `written`
        first, last = batch[0].seq, batch[-1].seq
        endpoints = self._planning_endpoints(last)
        rows: list[dict[str, Any]] = []
        if endpoints:
            reached = self.subscribers.event_reach(e.seq for e in batch)
            versions = self.store.get_versions(sorted({(e.guid, e.version) for e in batch}))
            access = self.subscribers.accesses({ep.company_id for ep in endpoints})
            # each endpoint's view of its company, once per batch rather than once per event
            views = {ep.id: narrowed_access(access[ep.company_id], ep.product_ids)
                     for ep in endpoints if ep.company_id in access}
            for event in batch:
                version = versions.get((event.guid, event.version))
                if version is None:
                    log.error("event %s names a version that does not exist: %s v%s",
                              event.seq, event.guid, event.version)
                    continue
                for ep in endpoints:
                    view = views.get(ep.id)
                    if event.seq <= ep.start_seq or view is None:
                        continue
                    reach = reached[event.seq]
                    if may_see(view, reach.copy, version, now, kind=event.kind, notice=reach.notice):
                        rows.append({"endpoint_id": ep.id, "seq": event.seq, "kind": event.kind.value,
                                     "guid": event.guid, "version": event.version, "state": PENDING,
                                     "attempts": 0, "next_attempt_at": written, "created": written})
        with self.store.write() as conn:
            insert = self.store.insert_ignoring(webhook_deliveries, "endpoint_id", "seq")
            for start in range(0, len(rows), _CHUNK):
                conn.execute(insert, rows[start:start + _CHUNK])
            before = (sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0))
                      .where(events.c.seq < first).scalar_subquery())
            conn.execute(webhook_planner.update().where(
                webhook_planner.c.id == PLANNER_ROW, webhook_planner.c.last_seq < last,
                webhook_planner.c.last_seq >= before).values(last_seq=last))
        return len(rows)

    def catch_up(self, page: int = 1000) -> int:
        """Plan every event after the persisted cursor (events no node planned, e.g. across a crash)."""
        tail = self.store.last_seq()  # before reading endpoints: one created meanwhile starts after it
        with self.store.read() as conn:
            cursor = conn.execute(sa.select(webhook_planner.c.last_seq)
                                  .where(webhook_planner.c.id == PLANNER_ROW)).scalar_one()
            floor = conn.execute(sa.select(sa.func.min(webhook_endpoints.c.start_seq))
                                 .where(webhook_endpoints.c.active.is_(True))).scalar_one()
        # Events at or below every active endpoint's start concern none of them: skip straight past.
        position = max(cursor, tail if floor is None else floor)
        if position > cursor:
            with self.store.write() as conn:
                conn.execute(webhook_planner.update().where(webhook_planner.c.id == PLANNER_ROW,
                                                            webhook_planner.c.last_seq < position)
                             .values(last_seq=position))
        planned = 0
        while True:
            batch = self.store.events_after(position, page)
            if not batch:
                return planned
            planned += self.plan(batch)
            position = batch[-1].seq
            if len(batch) < page:
                return planned

    def planned_up_to(self) -> int:
        with self.store.read() as conn:
            return conn.execute(sa.select(webhook_planner.c.last_seq)
                                .where(webhook_planner.c.id == PLANNER_ROW)).scalar_one()

    def _planning_endpoints(self, last_seq: int) -> list[sa.Row[Any]]:
        e = webhook_endpoints
        query = sa.select(e.c.id, e.c.company_id, e.c.product_ids, e.c.start_seq).where(
            e.c.active.is_(True), e.c.start_seq < last_seq)
        with self.store.read() as conn:
            return list(conn.execute(query))

    # ---- dispatching: claim, prepare, record ----------------------------------------------------

    def next_jobs(self, owner: str, limit: int, *, now: datetime | None = None) -> tuple[list[Job], float | None]:
        """Claim up to `limit` due deliveries, each the head of its endpoint's line, ready to POST; and
        the seconds until something not yet due will be (None: nothing is waiting)."""
        now = now or utcnow()
        self._release_unreleased()
        lease = f"{owner}:{secrets.token_hex(6)}"
        claimed = self._claim(lease, limit, now)
        try:
            jobs, settled = self._prepare(claimed, lease, now)
            if settled:
                self.record(settled, now=now)
                return jobs, 0.0  # those endpoints' next deliveries are free now
            return jobs, self._seconds_until_due(now)
        except Exception:
            # Nothing was sent: hand the claims back now rather than hold the endpoints for the lease.
            self._unreleased.add(lease)
            self._release_unreleased()
            raise

    def _release_unreleased(self) -> None:
        """Hand back the claims of failed `next_jobs` calls; those that fail again wait for the next call."""
        for lease in tuple(self._unreleased):
            try:
                with self.store.write() as conn:
                    conn.execute(webhook_deliveries.update().where(webhook_deliveries.c.lease_owner == lease)
                                 .values(lease_until=None, lease_owner=None))
            except Exception:
                log.warning("could not hand back webhook claim %s yet; retrying", lease, exc_info=True)
                return
            self._unreleased.discard(lease)

    def release_node(self, node_id: str) -> int:
        """Hand back every claim node `node_id` holds. Called as that node starts (or as another node
        tidies up after it): its claims are from before it stopped, and none of their sends is running."""
        d = webhook_deliveries
        with self.store.write() as conn:
            released = conn.execute(d.update().where(d.c.lease_owner.startswith(f"{node_id}:", autoescape=True),
                                                     d.c.lease_until.is_not(None))
                                    .values(lease_until=None, lease_owner=None)).rowcount
        if released:
            log.warning("handed back %d webhook claim(s) of node %s, left by its last run", released, node_id)
        return released

    def _claim(self, lease: str, limit: int, now: datetime) -> list[sa.Row[Any]]:
        d, e = webhook_deliveries, webhook_endpoints
        line, busy = d.alias("line"), d.alias("busy")
        head = (sa.select(sa.func.min(line.c.seq))
                .where(line.c.endpoint_id == d.c.endpoint_id, line.c.state.in_(OPEN_STATES)).scalar_subquery())
        in_flight = sa.exists().where(busy.c.endpoint_id == d.c.endpoint_id, busy.c.state.in_(OPEN_STATES),
                                      busy.c.lease_until > now)
        query = (sa.select(d.c.id, d.c.endpoint_id, d.c.seq, d.c.kind, d.c.guid, d.c.version, d.c.attempts,
                           d.c.created, e.c.company_id, e.c.url, e.c.format, e.c.product_ids, e.c.secret,
                           e.c.previous_secret, e.c.previous_expires, events.c.created.label("written"))
                 .join(e, e.c.id == d.c.endpoint_id).join(events, events.c.seq == d.c.seq)
                 # The row's own lease is tested directly (not only through `in_flight`): when PostgreSQL
                 # re-checks a row another node just claimed, it sees the row's new columns, but
                 # sub-selects keep the statement's older snapshot.
                 .where(d.c.state.in_(OPEN_STATES), d.c.next_attempt_at <= now, d.c.seq == head,
                        sa.or_(d.c.lease_until.is_(None), d.c.lease_until <= now), ~in_flight,
                        e.c.active.is_(True), sa.or_(e.c.open_until.is_(None), e.c.open_until <= now))
                 .order_by(d.c.next_attempt_at, d.c.id).limit(limit))
        if self.store.dialect == "postgresql":
            # Nodes claiming at once pass over each other's rows instead of queueing behind them.
            query = query.with_for_update(of=d, skip_locked=True)
        with self.store.write() as conn:
            rows = conn.execute(query).all()
            if not rows:
                return []
            # Conditional as well, so a claim holds even where the SELECT could not lock rows.
            taken = set(conn.execute(
                d.update().where(d.c.id.in_([r.id for r in rows]), d.c.state.in_(OPEN_STATES),
                                 sa.or_(d.c.lease_until.is_(None), d.c.lease_until <= now))
                .values(lease_until=now + timedelta(seconds=self.config.lease), lease_owner=lease)
                .returning(d.c.id)).scalars())
        return [r for r in rows if r.id in taken]

    def _prepare(self, claimed: list[sa.Row[Any]], lease: str, now: datetime) -> tuple[list[Job], list[Outcome]]:
        if not claimed:
            return [], []
        versions = self.store.get_versions(sorted({(r.guid, r.version) for r in claimed}))
        # What each event reaches now: a kill since planning has taken its story's earlier events off
        # every product, and a withdrawal notice is told from a copy by it.
        reached = self.subscribers.event_reach(r.seq for r in claimed)
        # Entitlement was checked when planned; one planned a while ago (retries, replays, a backlog)
        # is checked again, so a cancelled subscription or a lost embargo right stops it.
        recheck = {r.id for r in claimed
                   if (now - r.created).total_seconds() > self.config.recheck_after or reached[r.seq].notice}
        access = self.subscribers.accesses({r.company_id for r in claimed if r.id in recheck})
        jobs: list[Job] = []
        settled: list[Outcome] = []
        for r in claimed:
            which = Claimed(delivery_id=r.id, endpoint_id=r.endpoint_id, company_id=r.company_id, format=r.format,
                            guid=r.guid, version=r.version, lease=lease, attempt=r.attempts + 1,
                            webhook_id=webhook_id(r.seq)).claimed()

            def settle(state: str, why: str, which: dict[str, Any] = which) -> None:
                # no HTTP attempt was made: the delivery's attempt count stays as it was
                settled.append(Outcome(**(which | {"attempt": which["attempt"] - 1}), started=now, error=why,
                                       settle=state))

            version = versions.get((r.guid, r.version))
            if version is None:
                settle(DEAD, f"version {r.version} of story {r.guid} does not exist")
                continue
            reach = reached[r.seq]
            if not reach.copy and not reach.notice and r.kind != EventKind.kill.value:
                settle(SKIPPED, "the story was killed: its kill notice goes instead")
                continue
            verdict = ALLOWED
            if r.id in recheck:
                company = access.get(r.company_id)
                verdict = (may_see(narrowed_access(company, r.product_ids), reach.copy, version, now,
                                   kind=EventKind(r.kind), notice=reach.notice)
                           if company is not None else Verdict(False, "company deleted"))
                if not verdict:
                    settle(SKIPPED, f"not entitled when sent: {verdict.reason}")
                    continue
            try:
                body = render(deliverable(verdict, version), r.format, self.render_context)
            except Exception as exc:  # a renderer bug must not wedge the endpoint's line
                log.exception("rendering %s v%s as %s failed", r.guid, r.version, r.format)
                settle(DEAD, f"could not render {r.format}: {exc}")
                continue
            jobs.append(Job(**which, url=r.url, secrets=_live_secrets(r, now), body=body,
                            headers=_headers(r.format, r.kind, seq=r.seq, guid=r.guid, version=r.version),
                            written=r.written))
        return jobs, settled

    def _seconds_until_due(self, now: datetime) -> float | None:
        d, e = webhook_deliveries, webhook_endpoints
        soonest = [
            sa.select(sa.func.min(d.c.next_attempt_at)).where(d.c.state.in_(OPEN_STATES),
                                                              d.c.next_attempt_at > now).scalar_subquery(),
            sa.select(sa.func.min(d.c.lease_until)).where(d.c.state.in_(OPEN_STATES),
                                                          d.c.lease_until > now).scalar_subquery(),
            sa.select(sa.func.min(e.c.open_until)).where(e.c.active.is_(True),
                                                         e.c.open_until > now).scalar_subquery(),
        ]
        with self.store.read() as conn:
            row = conn.execute(sa.select(*soonest)).one()
        times = [v for v in row if v is not None]  # MIN() keeps the column type: aware UTC datetimes
        if not times:
            return None
        return max(0.0, (min(times) - now).total_seconds())

    def record(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> None:
        """Write what came of attempts: the delivery's new state, the log row and the circuit, as a
        few set-wise statements whatever the burst's size."""
        now = now or utcnow()
        delivered = [o for o in outcomes if o.ok and not o.test and o.settle is None]
        settled = [o for o in outcomes if o.settle is not None and not o.test]
        failed = [o for o in outcomes if not o.ok and not o.test and o.settle is None]
        logged = [_attempt_row(o) for o in outcomes if o.test]
        used: list[dict[str, Any]] = []
        with self.store.write() as conn:
            if delivered:
                rows, used = self._record_delivered(conn, delivered, now)
                logged += rows
            if settled:
                self._record_settled(conn, settled)
            if failed:
                logged += self._record_failed(conn, failed, now)
            if logged:
                conn.execute(webhook_attempts.insert(), logged)
            if used:  # the usage log, in the same transaction as the delivery it records
                conn.execute(usage.insert(), used)

    # Only the holder of the claim moves a delivery on: a node whose claim ran out (and was taken
    # over) still logs what it did, but does not overwrite the newer state.
    _MINE = (webhook_deliveries.c.id == sa.bindparam("b_id"),
             webhook_deliveries.c.lease_owner == sa.bindparam("b_lease"))

    def _record_settled(self, conn: sa.Connection, settled: list[Outcome]) -> None:
        d = webhook_deliveries
        conn.execute(d.update().where(*self._MINE).values(
            state=sa.bindparam("b_state"), last_error=sa.bindparam("b_error"), lease_until=None, lease_owner=None),
            [{"b_id": o.delivery_id, "b_lease": o.lease, "b_state": o.settle, "b_error": o.error} for o in settled])

    def _record_failed(self, conn: sa.Connection, failed: list[Outcome], now: datetime) -> list[dict[str, Any]]:
        """Retry later or give up; count the failures on each endpoint's circuit. Returns the log rows."""
        d, e = webhook_deliveries, webhook_endpoints
        cfg = self.config
        params = []
        for o in failed:
            dead = o.attempt >= cfg.max_attempts
            delay = backoff(o.attempt, cfg)
            if o.retry_after is not None:
                delay = max(delay, min(o.retry_after, cfg.max_delay))
            params.append({"b_id": o.delivery_id, "b_lease": o.lease, "b_attempts": o.attempt, "b_status": o.status,
                           "b_error": o.error, "b_state": DEAD if dead else FAILED,
                           "b_next": None if dead else now + timedelta(seconds=delay)})
        conn.execute(d.update().where(*self._MINE).values(
            attempts=sa.bindparam("b_attempts"), last_status=sa.bindparam("b_status"),
            last_error=sa.bindparam("b_error"), state=sa.bindparam("b_state"), lease_until=None, lease_owner=None,
            next_attempt_at=sa.func.coalesce(sa.bindparam("b_next", type_=UTCDateTime()), d.c.next_attempt_at)),
            params)
        present = self._present(conn, [o.delivery_id for o in failed])
        kept = [o for o in failed if o.delivery_id in present]
        per_endpoint: dict[str, int] = {}
        for o in kept:
            per_endpoint[o.endpoint_id] = per_endpoint.get(o.endpoint_id, 0) + 1
        if per_endpoint:
            counted = e.c.consecutive_failures + sa.bindparam("b_n")
            opens = sa.literal(now + timedelta(seconds=cfg.breaker_cooldown), UTCDateTime())
            conn.execute(e.update().where(e.c.id == sa.bindparam("b_endpoint")).values(
                consecutive_failures=counted,
                failing_since=sa.func.coalesce(e.c.failing_since, sa.literal(now, UTCDateTime())),
                open_until=sa.case((counted >= cfg.breaker_threshold, opens), else_=e.c.open_until)),
                [{"b_endpoint": k, "b_n": n} for k, n in sorted(per_endpoint.items())])
        return [_attempt_row(o) for o in kept]

    @staticmethod
    def _present(conn: sa.Connection, ids: list[int | None]) -> set[int]:
        """Which deliveries still exist (an endpoint deleted meanwhile takes its deliveries along)."""
        d = webhook_deliveries
        wanted = [i for i in ids if i is not None]
        present: set[int] = set()
        for start in range(0, len(wanted), _CHUNK):
            present.update(conn.execute(sa.select(d.c.id).where(d.c.id.in_(wanted[start:start + _CHUNK]))).scalars())
        return present

    def _record_delivered(self, conn: sa.Connection, delivered: list[Outcome],
                          now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        d, e = webhook_deliveries, webhook_endpoints
        conn.execute(
            d.update().where(*self._MINE)
            .values(state=DELIVERED, delivered_at=now, attempts=sa.bindparam("b_attempts"),
                    last_status=sa.bindparam("b_status"), last_error=None, lease_until=None, lease_owner=None),
            [{"b_id": o.delivery_id, "b_lease": o.lease, "b_attempts": o.attempt, "b_status": o.status}
             for o in delivered])
        # an attempt is logged unless its delivery is gone (the endpoint was deleted meanwhile)
        present = self._present(conn, [o.delivery_id for o in delivered])
        kept = [o for o in delivered if o.delivery_id in present]
        endpoint_ids = sorted({o.endpoint_id for o in kept})
        for start in range(0, len(endpoint_ids), _CHUNK):  # close the circuits that were counting failures
            conn.execute(e.update().where(e.c.id.in_(endpoint_ids[start:start + _CHUNK]),
                                          sa.or_(e.c.consecutive_failures != 0, e.c.open_until.is_not(None),
                                                 e.c.failing_since.is_not(None)))
                         .values(consecutive_failures=0, open_until=None, failing_since=None))
        used = [{"company_id": o.company_id, "actor": f"webhook:{o.endpoint_id}", "guid": o.guid,
                 "version": o.version, "channel": "webhook", "format": o.format, "at": now} for o in kept]
        return [_attempt_row(o) for o in kept], used

    def release(self, jobs: Sequence[Job]) -> None:
        """Give claims back unsent (a node shutting down), so another node need not wait for the lease."""
        claimed = [{"b_id": job.delivery_id, "b_lease": job.lease} for job in jobs if job.delivery_id is not None]
        if not claimed:
            return
        with self.store.write() as conn:
            conn.execute(webhook_deliveries.update().where(*self._MINE).values(lease_until=None, lease_owner=None),
                         claimed)

    # ---- test events ----------------------------------------------------------------------------

    async def send_test_event(self, endpoint_id: str, *, client: aiohttp.ClientSession | None = None) -> TestResult:
        """POST a signed, clearly marked test item to the endpoint now (not entitlement-bound, not
        retried), log it, and say how it went."""
        job = await asyncio.to_thread(self._test_job, endpoint_id)
        if client is None:
            async with make_client(self.config, self.targets, 1) as own:
                outcome = await post(own, job, self.config)
        else:
            outcome = await post(client, job, self.config)
        await asyncio.to_thread(self.record, [outcome])
        return TestResult(ok=outcome.ok, status=outcome.status, error=outcome.error,
                          duration_ms=outcome.duration_ms, webhook_id=outcome.webhook_id)

    def _test_job(self, endpoint_id: str) -> Job:
        with self.store.read() as conn:
            row = conn.execute(webhook_endpoints.select().where(webhook_endpoints.c.id == endpoint_id)).first()
        if row is None:
            raise NotFound(f"no webhook endpoint with id {endpoint_id!r}")
        now = utcnow()
        token = secrets.token_hex(8)
        notice = ("This is a test event sent from Newsflow to check this webhook endpoint. "
                  "It is not a story: do not publish it.")
        sample = StoryVersion(guid=f"test-{token}", version=1, headline="TEST: Newsflow webhook test event",
                              spot=notice, body_html=f"<p>{notice}</p>", slugline="TEST", keywords=["test"],
                              pubstatus=PubStatus.withheld, first_published=now, version_created=now,
                              editor_note="Webhook test event")
        body = render(sample, row.format, self.render_context, cache=None)  # never cache a throwaway
        headers = _headers(row.format, "test", seq=None, guid=sample.guid, version=1) | {"newsflow-test": "true"}
        return Job(delivery_id=None, endpoint_id=row.id, company_id=row.company_id, format=row.format,
                   guid=sample.guid, version=1, lease="test", attempt=1, webhook_id=f"test_{token}",
                   url=row.url, secrets=_live_secrets(row, now), body=body, headers=headers)


# ---- HTTP ---------------------------------------------------------------------------------------

def make_client(config: WebhookConfig, targets: TargetGuard, connections: int | None = None) -> aiohttp.ClientSession:
    """One client per node: a pool sized to the concurrency, no redirects (a 3xx is a failure), and no
    proxy from the environment (a delivery goes where the admin said). aiohttp, not httpx, on this hot
    path: with a thousand endpoints it sends about twenty times as many POSTs a second. Every name is
    resolved and every socket connected through `targets`, which refuses non-global addresses."""
    size = connections or config.concurrency
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=size, limit_per_host=0, enable_cleanup_closed=True,
                                       resolver=targets.resolver(), socket_factory=targets.socket_factory),
        timeout=aiohttp.ClientTimeout(total=config.total_timeout, connect=config.connect_timeout),
        trust_env=False, auto_decompress=False, headers={"user-agent": USER_AGENT})


async def post(client: aiohttp.ClientSession, job: Job, config: WebhookConfig) -> Outcome:
    """One signed attempt, never longer than `total_timeout`; every failure becomes an Outcome."""
    timestamp = int(time.time())
    headers = job.headers | {"webhook-id": job.webhook_id, "webhook-timestamp": str(timestamp),
                             "webhook-signature": signature_header(job.secrets, job.webhook_id, timestamp, job.body)}
    started, clock = utcnow(), time.perf_counter()
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    try:
        async with asyncio.timeout(config.total_timeout):
            async with client.post(job.url, data=job.body, headers=headers, allow_redirects=False) as response:
                status = response.status
                # a bounded part of the answer: enough to log; a small body read in full lets the
                # connection go back to the pool, a huge one is cut off with the connection
                answer = await response.content.read(config.max_response_bytes)
                if not 200 <= status < 300:
                    # a test event is an admin's probe on demand: it reports status and timing, never
                    # what the endpoint said (that would read internal pages back to whoever asks)
                    text = "" if job.delivery_id is None else " ".join(
                        answer[:_ERROR_SNIPPET * 4].decode("utf-8", "replace").split())
                    error = f"HTTP {status}" + (f": {text[:_ERROR_SNIPPET]}" if text else "")
                    retry_after = _retry_after(response.headers.get("retry-after"))
    except TimeoutError:
        error = f"no complete answer within {config.total_timeout:g} s"
    except aiohttp.ConnectionTimeoutError:
        error = f"could not connect within {config.connect_timeout:g} s"
    except aiohttp.ServerTimeoutError as exc:
        error = f"timed out: {type(exc).__name__}"
    except aiohttp.ClientError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    except Exception as exc:  # e.g. an URL the client refuses; an attempt must always yield an outcome
        error = f"{type(exc).__name__}: {exc}"
    if error is not None and status is not None and 200 <= status < 300:
        status = None  # the answer never completed: not a delivery
    return Outcome(**job.claimed(), started=started, duration_ms=round((time.perf_counter() - clock) * 1000),
                   status=status, error=error, retry_after=retry_after, test=job.delivery_id is None)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utcnow()).total_seconds())


# ---- the per-node dispatcher --------------------------------------------------------------------

class WebhookDispatcher:
    """Sends this node's share of deliveries. Register `on_events` as a LogFollower handler; `start()`
    in the app's lifespan, `close()` on the way out."""

    def __init__(self, service: WebhookService, *, node_id: str | None = None,
                 client: aiohttp.ClientSession | None = None) -> None:
        self.service = service
        self.config = service.config
        self.node_id = node_id or secrets.token_hex(4)
        self._client = client
        self._own_client = client is None
        self._wake = asyncio.Event()
        self._results: list[Outcome] = []
        self._results_ready = asyncio.Event()
        self._to_plan: asyncio.Queue[list[Event]] = asyncio.Queue()
        self._in_flight: dict[asyncio.Task[None], Job] = {}
        self._closing = False
        self._runner: asyncio.Task[None] | None = None
        self._recorder: asyncio.Task[None] | None = None
        self._planner: asyncio.Task[None] | None = None
        self.sent = 0  # attempts made by this node (for stats and tests)
        self.metrics = UNWIRED  # the node's (Services sets it)

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def start(self) -> None:
        # Made here, not in __init__: they belong to the loop that runs the node (Services may be built
        # before any loop exists, and a test may start a node on a fresh loop).
        self._wake = asyncio.Event()
        self._results_ready = asyncio.Event()
        self._to_plan = asyncio.Queue()
        self._results = []
        if self._client is None:
            self._client = make_client(self.config, self.service.targets)
        self._closing = False
        self._runner = asyncio.create_task(self._run(), name="webhooks-dispatch")
        self._recorder = asyncio.create_task(self._record_results(), name="webhooks-record")
        self._planner = asyncio.create_task(self._plan_events(), name="webhooks-plan")

    async def close(self, grace: float = 1.0) -> None:
        """Stop claiming; give sends in flight up to `grace` seconds to finish (fewer repeats after a
        restart), write every result in and hand back the claims of sends that did not finish.

        The loops are asked to stop rather than cancelled: a cancelled `to_thread` call that has not
        started yet never runs, which would drop results or strand claims until their lease ran out."""
        if self._runner is None or self._recorder is None or self._planner is None:
            return  # never started
        self._closing = True
        self.wake()
        await asyncio.gather(self._runner, return_exceptions=True)
        if self._in_flight and grace > 0:
            await asyncio.wait(list(self._in_flight), timeout=grace)
        unfinished = list(self._in_flight.values())
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        self._results_ready.set()
        await asyncio.gather(self._recorder, return_exceptions=True)
        self._planner.cancel()  # what it had not planned yet, the next sweep of any node plans
        await asyncio.gather(self._planner, return_exceptions=True)
        try:
            if self._results:
                batch, self._results = self._results, []
                await asyncio.to_thread(self.service.record, batch)
            if unfinished:
                await asyncio.to_thread(self.service.release, unfinished)
        except Exception:  # the claims will simply run out
            log.exception("could not hand back webhook claims on close")
        if self._own_client and self._client is not None:
            await self._client.close()
            self._client = None
        self._runner = self._recorder = self._planner = None

    async def on_events(self, batch: list[Event]) -> None:
        """LogFollower handler: queue the events and return at once, so planning (a few queries per
        batch) never holds up the follower's other channels. (Before `start` they are left to the
        sweep, which plans from the persisted cursor.)"""
        if self._planner is not None:
            self._to_plan.put_nowait(list(batch))

    def wake(self) -> None:
        self._wake.set()

    async def _plan_events(self) -> None:
        while True:
            batch = await self._to_plan.get()
            while not self._to_plan.empty():  # batches arrive in log order: several plan as one
                batch.extend(self._to_plan.get_nowait())
            try:
                await asyncio.to_thread(self.service.plan, batch)
            except Exception:
                log.exception("planning webhook deliveries for events %s-%s failed; the sweep retries",
                              batch[0].seq, batch[-1].seq)
            self.wake()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = 0.0
        while not self._closing:
            self._wake.clear()
            wait = self.config.poll_every
            try:
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + self.config.sweep_every
                    await asyncio.to_thread(self.service.catch_up)
                free = self.config.concurrency - len(self._in_flight)
                if free > 0 and not self._closing:
                    jobs, due = await asyncio.to_thread(self.service.next_jobs, self.node_id, free)
                    for job in jobs:
                        self._spawn(job)
                    if due is not None:
                        wait = min(wait, due)
            except Exception:
                log.exception("webhook dispatch failed; retrying")
                wait = self.config.poll_every
            if wait > 0 and not self._closing:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)

    def _spawn(self, job: Job) -> None:
        task = asyncio.create_task(self._send(job))
        self._in_flight[task] = job
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        self._wake.set()  # a slot is free

    async def _send(self, job: Job) -> None:
        assert self._client is not None
        outcome = await post(self._client, job, self.config)
        self.sent += 1
        self.metrics.attempted("webhook", job, outcome)
        self._results.append(outcome)
        self._results_ready.set()

    async def _record_results(self) -> None:
        # One writer for all results: a burst of deliveries is one transaction, not one each.
        failures = 0
        while True:
            await self._results_ready.wait()
            self._results_ready.clear()
            batch, self._results = self._results, []
            if batch:
                try:
                    await asyncio.to_thread(self.service.record, batch)
                    failures = 0
                    self.wake()  # those endpoints' next deliveries may go now
                except Exception:
                    failures += 1
                    log.exception("recording %d webhook results failed", len(batch))
                    if failures < 3:
                        self._results[:0] = batch
                        self._results_ready.set()
                        await asyncio.sleep(self.config.poll_every)
                    # after that the claims run out and the deliveries are tried again: at least once
            if self._closing and not self._results:
                return  # close() writes whatever comes in after this


# ---- helpers ------------------------------------------------------------------------------------

def _check_url(url: str) -> str:
    url = url.strip()
    if not url or len(url) > _MAX_URL:
        raise FieldError("url", f"a URL of 1 to {_MAX_URL} characters is needed")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise FieldError("url", f"not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FieldError("url", "an http:// or https:// URL with a host is needed")
    return url


def _check_format(fmt: str) -> str:
    if fmt not in OUTPUTS:
        raise FieldError("format", f"{fmt!r} is not one of {', '.join(OUTPUTS)}")
    return fmt


def _check_secret(secret: str) -> str:
    why = f"a secret is {SECRET_PREFIX} followed by base64 of 24 to 64 random bytes"
    if not secret.startswith(SECRET_PREFIX):
        raise FieldError("secret", why)
    try:
        key = _key(secret)
    except (binascii.Error, ValueError):
        raise FieldError("secret", why) from None
    if not 24 <= len(key) <= 64:
        raise FieldError("secret", why)
    return secret


def _live_secrets(row: Any, now: datetime) -> tuple[str, ...]:
    if row.previous_secret and row.previous_expires is not None and row.previous_expires > now:
        return (row.secret, row.previous_secret)
    return (row.secret,)


def _headers(fmt: str, kind: str, *, seq: int | None, guid: str, version: int) -> dict[str, str]:
    headers = {"content-type": OUTPUTS[fmt].media_type, "newsflow-event": kind, "newsflow-guid": guid,
               "newsflow-version": str(version)}
    if seq is not None:
        headers["newsflow-seq"] = str(seq)
    return headers


def narrowed_access(company: CompanyAccess, product_ids: Sequence[int] | None) -> CompanyAccess:
    """The company as one of its endpoints sees it: only the products the endpoint was narrowed to."""
    if product_ids is None:
        return company
    return dataclasses.replace(company, product_ids=company.product_ids & frozenset(product_ids))


def _attempt_row(o: Outcome) -> dict[str, Any]:
    return {"endpoint_id": o.endpoint_id, "delivery_id": o.delivery_id, "webhook_id": o.webhook_id,
            "attempt": o.attempt, "started": o.started, "duration_ms": o.duration_ms, "status": o.status,
            "error": o.error, "test": o.test}


def _require_endpoint(conn: sa.Connection, endpoint_id: str) -> None:
    if conn.execute(sa.select(webhook_endpoints.c.id).where(webhook_endpoints.c.id == endpoint_id)).first() is None:
        raise NotFound(f"no webhook endpoint with id {endpoint_id!r}")


def _endpoint(row: sa.Row[Any]) -> WebhookEndpoint:
    rotating = row.previous_expires if row.previous_secret else None
    return WebhookEndpoint(id=row.id, company_id=row.company_id, url=row.url, format=row.format,
                           product_ids=tuple(row.product_ids) if row.product_ids is not None else None,
                           active=row.active, created=row.created, start_seq=row.start_seq,
                           rotating_until=rotating, consecutive_failures=row.consecutive_failures,
                           open_until=row.open_until, failing_since=row.failing_since)


def _delivery(row: sa.Row[Any]) -> Delivery:
    return Delivery(id=row.id, endpoint_id=row.endpoint_id, seq=row.seq, kind=row.kind, guid=row.guid,
                    version=row.version, state=row.state, attempts=row.attempts,
                    next_attempt_at=row.next_attempt_at, last_status=row.last_status, last_error=row.last_error,
                    created=row.created, delivered_at=row.delivered_at)

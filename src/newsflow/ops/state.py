"""The node's state as readiness and the metrics scrape see it: what is read on the event loop (open
streams, the follower's position, the bus) and what is read from the database in a thread (the log's
end, webhook backlog and circuits). Loop-owned objects are only read on the loop, so a scrape running
in a worker thread never iterates a set the loop is changing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from newsflow.model import utcnow
from newsflow.ops.metrics import Family
from newsflow.store import Store
from newsflow.store.tables import events
from newsflow.wire.webhook_tables import webhook_deliveries, webhook_endpoints
from newsflow.wire.webhooks import OPEN_STATES

if TYPE_CHECKING:
    from newsflow.services import Services

FACES = ("api", "portal", "desk")  # /v1/stream, /portal/events, /desk/live


def bus_connected(bus: object) -> bool:
    """Whether the bus can carry wake-ups now. A bus says so itself (`connected`); a NATS bus that does
    not yet is asked through its client; an in-process bus always can."""
    said = getattr(bus, "connected", None)
    if said is not None:
        return bool(said)
    if hasattr(bus, "_nc"):  # a NATS bus from before `connected`: not started or not connected is down
        client = bus._nc
        return client is not None and bool(client.is_connected)
    return True


@dataclass(frozen=True)
class Live:
    """Read on the event loop: cheap, no I/O."""

    svc: Services = field(repr=False)  # for what the scrape then reads from the database
    streams: dict[str, int]
    handled_seq: int
    bus_connected: bool
    webhooks_in_flight: int

    @classmethod
    def take(cls, svc: Services, app: Any = None) -> Live:
        streams = dict.fromkeys(FACES, 0)
        for group in tuple(svc.hub.groups.values()):
            for conn in tuple(group.connections):
                streams["api" if conn.holder.key is not None else "portal"] += 1
        desk = getattr(getattr(app, "state", None), "desk_live", None)
        streams["desk"] = len(getattr(desk, "_tabs", ()))  # the desk's live view keeps one queue per open tab
        return cls(svc, streams, svc.follower.handled_seq, bus_connected(svc.bus), svc.dispatcher.in_flight)


@dataclass(frozen=True)
class LogEnd:
    """Where the log ends and how old its oldest event not yet handled by this node is."""

    last_seq: int
    oldest_unhandled: datetime | None  # None: the follower has handled everything

    @classmethod
    def read(cls, store: Store, handled_seq: int) -> LogEnd:
        """Raises when the log cannot be read — or, on SQLite, when its file is gone: open connections
        would go on reading and writing the deleted file, and lose it all at the next start."""
        path = store.engine.url.database if store.dialect == "sqlite" else None
        if path and path != ":memory:" and not Path(path).exists():
            raise FileNotFoundError(f"the SQLite database file {path} is gone")
        after = (sa.select(events.c.created).where(events.c.seq > handled_seq)
                 .order_by(events.c.seq).limit(1).scalar_subquery())
        with store.read() as conn:
            last, oldest = conn.execute(sa.select(sa.func.coalesce(sa.func.max(events.c.seq), 0), after)).one()
        return cls(last, oldest)

    def lag(self, handled_seq: int, now: datetime | None = None) -> tuple[int, float]:
        """(events, seconds) this node's follower is behind the log."""
        if self.oldest_unhandled is None:
            return max(0, self.last_seq - handled_seq), 0.0
        age = ((now or utcnow()) - self.oldest_unhandled).total_seconds()
        return max(0, self.last_seq - handled_seq), max(0.0, age)


@dataclass(frozen=True)
class Webhooks:
    backlog: int  # deliveries still to send (pending or failed, awaiting a retry)
    circuits: dict[str, int] = field(default_factory=dict)  # active endpoints per circuit state

    @classmethod
    def read(cls, store: Store, now: datetime | None = None) -> Webhooks:
        now = now or utcnow()
        d, e = webhook_deliveries, webhook_endpoints
        state = sa.case((e.c.active.is_(False), "disabled"), (e.c.open_until > now, "open"),
                        (e.c.consecutive_failures > 0, "failing"), else_="closed")
        with store.read() as conn:
            backlog = conn.execute(sa.select(sa.func.count()).where(d.c.state.in_(OPEN_STATES))).scalar_one()
            circuits = dict.fromkeys(("closed", "failing", "open", "disabled"), 0)
            for name, count in conn.execute(sa.select(state, sa.func.count()).group_by(state)):
                circuits[name] = count
        return cls(backlog, circuits)


def families(live: Live) -> Iterator[Family]:
    """The scrape-time gauges; run in a worker thread (the database reads block)."""
    svc = live.svc
    yield ("newsflow_open_streams", "Open event streams on this node, by face.", ["face"],
           [([face], float(n)) for face, n in live.streams.items()])
    yield ("newsflow_bus_connected", "1 when the bus carries wake-ups; 0: the log is polled only.", [],
           [([], 1.0 if live.bus_connected else 0.0)])
    yield ("newsflow_webhook_in_flight", "Webhook POSTs this node has in flight.", [],
           [([], float(live.webhooks_in_flight))])
    try:
        end = LogEnd.read(svc.store, live.handled_seq)
    except Exception:  # the database is down: /readyz says so; the rest of the page still serves
        pass
    else:
        behind, seconds = end.lag(live.handled_seq)
        yield ("newsflow_log_last_seq", "The highest seq in the distribution log.", [], [([], float(end.last_seq))])
        yield ("newsflow_follower_lag_events", "Log events this node's follower has not handed to every channel.",
               [], [([], float(behind))])
        yield ("newsflow_follower_lag_seconds", "Age of the oldest log event this node has not handled yet.",
               [], [([], seconds)])
    try:
        hooks = Webhooks.read(svc.store)
    except Exception:
        return
    yield ("newsflow_webhook_backlog_deliveries", "Webhook deliveries waiting to be sent or retried (all nodes).",
           [], [([], float(hooks.backlog))])
    yield ("newsflow_webhook_circuits", "Webhook endpoints by circuit state (all nodes).", ["state"],
           [([name], float(n)) for name, n in hooks.circuits.items()])

"""The node's Prometheus metrics, one registry per `Services` (so several apps in one process never
share or collide), and the scrape that renders them.

Counters and histograms are moved by one-line hooks where things happen (an event written, a
delivery made or failed, a file ingested, a request answered). What can be read from the node's
state — open streams, follower lag, webhook backlog and circuits, the bus — is read at scrape time
by `StateCollector` instead, so no hook can forget to move it and nothing is spent between scrapes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from newsflow.model import Event, utcnow

log = logging.getLogger("newsflow.delivery")

CHANNELS = ("feed", "queue", "stream", "webhook")
# From ms (a stream frame right after the write) to half an hour (a webhook after retries).
DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
Family = tuple[str, str, list[str], list[tuple[list[str], float]]]  # name, help, label names, samples
Reader = Callable[[Any], Iterable[Family]]


class Metrics:
    """The counters and histograms of one node, on their own registry."""

    def __init__(self, read: Reader | None = None) -> None:
        """`read(snapshot)` gives the gauges read from the node's state at each scrape (`StateCollector`)."""
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.events_written = Counter("newsflow_events_written", "Log events this node wrote, by kind.",
                                      ["kind"], registry=r)
        self.delivery_latency = Histogram(
            "newsflow_delivery_latency_seconds",
            "Time from an event's write to its delivery, by channel (feed and queue: entries read at the "
            "end of the log; stream: offered to the open connections; webhook: answered 2xx).",
            ["channel"], buckets=DELIVERY_BUCKETS, registry=r)
        self.delivery_failures = Counter("newsflow_delivery_failures", "Failed delivery attempts, by channel.",
                                         ["channel"], registry=r)
        self.http_latency = Histogram("newsflow_http_request_duration_seconds",
                                      "Time to answer an HTTP request, by route template and status class.",
                                      ["route", "status"], buckets=REQUEST_BUCKETS, registry=r)
        self.ingest_items = Counter("newsflow_ingest_items", "Ingested items, by source kind and outcome.",
                                    ["source_kind", "outcome"], registry=r)
        # children made once: a label lookup takes a lock, and every channel shows up at 0 from the start
        self._latency = {c: self.delivery_latency.labels(c) for c in CHANNELS}
        self._failures = {c: self.delivery_failures.labels(c) for c in CHANNELS}
        self._routes: dict[tuple[str, int], Any] = {}
        self._scrape = threading.Lock()
        self.state: StateCollector | None = None
        if read is not None:
            self.state = StateCollector(read)
            r.register(self.state)

    def event_written(self, event: Event) -> None:
        """A newsroom listener: every event this node appends (publish, update, … , embargo lift)."""
        self.events_written.labels(event.kind.value).inc()

    def delivered(self, channel: str, written: Iterable[datetime], now: datetime | None = None) -> None:
        """Events written at `written` were just delivered through `channel`."""
        now = now or utcnow()
        child = self._latency[channel]
        for when in written:
            child.observe(max(0.0, (now - when).total_seconds()))

    def failed(self, channel: str, reason: str, **fields: object) -> None:
        """One failed delivery attempt: counted, and one structured log line saying where and why."""
        self._failures[channel].inc()
        log.warning("%s delivery failed: %s", channel, reason,
                    extra={"fields": {"event": "delivery_failed", "channel": channel, "error": reason, **fields}})

    def pulled(self, channel: str, entries: Sequence[Any], limit: int) -> None:
        """A feed or queue page was served. Only a page short of `limit` — one that reached the end of
        the log, what a caught-up subscriber's polls read — counts: a full page is catch-up, and its
        age would measure the subscriber's absence, not the node."""
        if entries and len(entries) < limit:
            self.delivered(channel, [entry.event.created for entry in entries])

    def attempted(self, channel: str, job: Any, outcome: Any) -> None:
        """How a delivery attempt (a `wire.webhooks` Job and its Outcome) went: latency when it
        landed, a failure counted and logged when not."""
        if outcome.ok:
            if job.written is not None:
                self.delivered(channel, (job.written,))
            return
        self.failed(channel, outcome.error or f"HTTP {outcome.status}", endpoint_id=job.endpoint_id,
                    company_id=job.company_id, delivery_id=job.delivery_id, webhook_id=job.webhook_id,
                    attempt=job.attempt, status=outcome.status, duration_ms=outcome.duration_ms)

    def ingested(self, source_kind: str, outcomes: Iterable[str]) -> None:
        for outcome in outcomes:
            self.ingest_items.labels(source_kind, outcome).inc()

    def request(self, route: str, status: int, seconds: float) -> None:
        key = (route, status // 100)
        child = self._routes.get(key)
        if child is None:  # routes are templates and classes five, so this stays small
            label = STATUS_CLASSES[key[1] - 1] if 1 <= key[1] <= 5 else "other"
            child = self._routes[key] = self.http_latency.labels(route, label)
        child.observe(seconds)

    def render(self, snapshot: object = None) -> bytes:
        """The text exposition; the state collector reads `snapshot` (taken on the event loop)."""
        if self.state is None:
            return generate_latest(self.registry)
        with self._scrape:  # one scrape at a time: the collector holds one snapshot
            self.state.snapshot = snapshot
            try:
                return generate_latest(self.registry)
            finally:
                self.state.snapshot = None


UNWIRED = Metrics()  # what a wire object counts into until `Services` gives it the node's own


class StateCollector(Collector):
    """Gauges read from the node at scrape time. `read(snapshot)` yields (name, help, labels, samples)
    families; a family whose source fails (the database is down) is left out of that scrape rather
    than failing the whole page — `/readyz` is where such a fault is told."""

    def __init__(self, read: Reader) -> None:
        self.read = read
        self.snapshot: object = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())  # nothing at registration: the families exist only while a scrape reads them

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.snapshot is None:
            return
        for name, text, labels, samples in self.read(self.snapshot):
            family = GaugeMetricFamily(name, text, labels=labels)
            for values, value in samples:
                family.add_metric(values, value)
            yield family

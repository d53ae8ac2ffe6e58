"""Observability (issue 10, item 6): /healthz and /readyz for a load balancer, Prometheus /metrics that
move with the work done, and one JSON log line per request carrying its request id.

Everything is asked over real HTTP of a live server (or of a real `newsflow serve` process), and the
metrics page is read with prometheus_client's own text parser."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from newsflow.config import Settings
from newsflow.ops.logs import JsonFormatter
from newsflow.ops.requests import MAX_ID, AccessRecord, RequestLog, sane_id
from newsflow.services import Services
from newsflow.web.app import create_app
from tests.conftest import PG_URL
from tests.helpers import live_server, wait_followed
from tests.web.test_admin_face import receiver  # noqa: F401 (a fixture: a webhook endpoint that answers 200)
from tests.web.test_subscriber import World, _auth, _setup
from tests.wire.nodes import Node, free_port, node_env

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(base: str, headers: dict[str, str] | None = None) -> Samples:
    """Every sample of /metrics, keyed by (name, sorted labels), parsed by prometheus_client."""
    r = httpx.get(base + "/metrics", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def routes(samples: Samples) -> set[str]:
    counts = "newsflow_http_request_duration_seconds_count"
    return {dict(labels)["route"] for (name, labels) in samples if name == counts}


def wait_for(check: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


@contextlib.contextmanager
def open_stream(base: str, key: str) -> Iterator[bytearray]:
    """A /v1/stream connection on a plain socket, read in a thread; yields what it has read so far.
    Leaving closes the socket, which the server sees at once (a client library's pool may keep it)."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(f"GET /v1/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
    raw = bytearray()

    def pump() -> None:
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                raw.extend(chunk)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        wait_for(lambda: b": connected" in raw, "the stream connected")
        yield raw
    finally:
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        reader.join(5)


@contextlib.contextmanager
def captured(logger: str) -> Iterator[io.StringIO]:
    """What `logger` writes at INFO and above, as the JSON lines `newsflow serve` would write."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    target = logging.getLogger(logger)
    old_level = target.level
    target.addHandler(handler)
    target.setLevel(logging.INFO)
    try:
        yield out
    finally:
        target.removeHandler(handler)
        target.setLevel(old_level)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# ---- /metrics moves with the work done ---------------------------------------------------------------


def test_publishing_and_delivering_on_every_channel_moves_the_metrics(
        services: Services, receiver: tuple[str, list[bytes]]) -> None:  # noqa: F811
    svc = services
    world = _setup(svc)
    company = svc.subscribers.company_for_key(world.world_key)
    assert company is not None
    hook_url, hits = receiver
    svc.webhooks.create_endpoint(company.id, hook_url)
    dead_port = free_port()  # nothing listens there: every attempt fails
    broken = svc.webhooks.create_endpoint(company.id, f"http://127.0.0.1:{dead_port}/hook")
    with live_server(svc) as base, open_stream(base, world.world_key) as raw:
        before = scrape(base)
        assert value(before, "newsflow_open_streams", face="api") == 1
        assert value(before, "newsflow_events_written_total", kind="publish") == 0

        guid = world.publish("Ceasefire holds", "World")
        world.publish("Cup final", "Sports")  # written, but no connection or endpoint of A's is entitled
        wait_followed(svc)
        wait_for(lambda: len(hits) == 1, "the webhook was delivered")
        wait_for(lambda: b"Ceasefire holds" in raw, "the stream frame arrived")
        wait_for(lambda: value(scrape(base), "newsflow_delivery_failures_total", channel="webhook") >= 1,
                 "the broken endpoint's attempt failed")
        feed = httpx.get(base + "/v1/feed", headers=_auth(world.world_key))  # the fast path: a plain page
        assert feed.status_code == 200 and len(feed.json()["items"]) == 1
        take = httpx.post(base + "/v1/queue/nightly-desk/take", headers=_auth(world.world_key))
        assert take.status_code == 200 and take.json()["count"] == 1
        item = httpx.get(base + f"/v1/items/{guid}", headers=_auth(world.world_key))
        assert item.status_code == 200
        # a request is timed when its answer has gone out: the client may ask the next before that
        wait_for(lambda: any(r.startswith("/v1/items/{guid") for r in routes(scrape(base))), "the item was timed")
        after = scrape(base)

    assert value(after, "newsflow_events_written_total", kind="publish") == 2
    for channel in ("feed", "queue", "stream", "webhook"):
        count = value(after, "newsflow_delivery_latency_seconds_count", channel=channel)
        assert count == 1, (channel, count)  # one event of A's each; the Sports story reached no one of A's
        total = value(after, "newsflow_delivery_latency_seconds_sum", channel=channel)
        assert 0 <= total < 30, (channel, total)
        # an observation lands in the buckets: the +Inf bucket holds it, and so does some finite one
        assert value(after, "newsflow_delivery_latency_seconds_bucket", channel=channel, le="+Inf") == 1
        assert value(after, "newsflow_delivery_latency_seconds_bucket", channel=channel, le="60.0") == 1
    assert value(after, "newsflow_delivery_failures_total", channel="webhook") >= 1
    assert value(after, "newsflow_delivery_failures_total", channel="feed") == 0
    assert value(after, "newsflow_webhook_backlog_deliveries") >= 1  # the broken endpoint's delivery waits
    assert value(after, "newsflow_webhook_circuits", state="failing") + \
        value(after, "newsflow_webhook_circuits", state="open") == 1
    assert value(after, "newsflow_webhook_circuits", state="closed") == 1
    assert value(after, "newsflow_log_last_seq") == svc.store.last_seq()
    assert value(after, "newsflow_follower_lag_events") == 0
    assert value(after, "newsflow_bus_connected") == 1
    # request latency is labelled by route template and status class, never by the raw path
    timed = routes(after)
    assert {"/v1/feed", "/v1/queue/{consumer}/take"} <= timed  # the stream's: once it ends
    assert not any(guid in r or "nightly-desk" in r for r in timed)
    assert value(after, "newsflow_http_request_duration_seconds_count", route="/v1/feed", status="2xx") == 1
    circuit = svc.webhooks.get_endpoint(broken.endpoint.id)
    assert circuit.consecutive_failures >= 1  # the gauge above read this endpoint's state


def test_the_open_stream_gauge_falls_when_the_client_leaves(services: Services) -> None:
    world = _setup(services)
    with captured("newsflow.access") as out, live_server(services) as base:
        with open_stream(base, world.world_key), open_stream(base, world.sports_key):
            assert value(scrape(base), "newsflow_open_streams", face="api") == 2
        wait_for(lambda: value(scrape(base), "newsflow_open_streams", face="api") == 0, "the streams closed")
        wait_for(lambda: '"/v1/stream"' in out.getvalue(), "the streams' log lines")
        # a stream's life is logged, but kept out of the request-latency histogram it would swamp
        assert "/v1/stream" not in routes(scrape(base))
    ended = [line for line in json_lines(out.getvalue()) if line["route"] == "/v1/stream"]
    assert len(ended) == 2 and all(line["status"] == 200 and line["duration_ms"] > 0 for line in ended)


def test_ingest_outcomes_are_counted_per_source_kind_and_outcome(services: Services, tmp_path: Path) -> None:
    good = tmp_path / "wire" / "story.json"
    good.parent.mkdir()
    good.write_text(json.dumps({"uri": "urn:test:1", "headline": "Dam opens", "version": "1"}))
    bad = tmp_path / "wire" / "broken.json"
    bad.write_text('{"headline": ' * 5)
    for path in (good, good, bad):  # the second time the same version is skipped
        services.ingestor.ingest_path(path)
    with live_server(services) as base:
        samples = scrape(base)
    outcomes = {dict(labels)["outcome"]: v for (name, labels), v in samples.items()
                if name == "newsflow_ingest_items_total" and dict(labels)["source_kind"] == "folder"}
    assert outcomes == {"ingested": 1, "skipped": 1, "failed": 1}, outcomes


# ---- who may read /metrics ---------------------------------------------------------------------------


@pytest.fixture
def sqlite_node(tmp_path: Path) -> Iterator[Services]:
    """One node on SQLite, for what does not depend on the store (who may read /metrics)."""
    svc = Services.open(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db'}",
                                 media_dir=tmp_path / "media", demo=False))
    yield svc
    svc.close()


@pytest.mark.parametrize("address", ["1.1.1.1", "8.8.8.8", "2001:4860::1", "::ffff:8.8.4.4", "testclient"])
def test_metrics_refuse_public_addresses_without_a_token(sqlite_node: Services, address: str) -> None:
    client = TestClient(create_app(sqlite_node), client=(address, 40000))
    r = client.get("/metrics")
    assert r.status_code == 403
    assert "NEWSFLOW_METRICS_TOKEN" in r.json()["error"]
    assert "newsflow_" not in r.text


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.7", "::1", "::ffff:172.16.0.4"])
def test_metrics_answer_loopback_and_private_addresses(sqlite_node: Services, address: str) -> None:
    r = TestClient(create_app(sqlite_node), client=(address, 40000)).get("/metrics")
    assert r.status_code == 200 and "newsflow_events_written" in r.text


def test_with_a_token_metrics_want_it_from_everyone(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, media_dir=tmp_path / "media", demo=False,
                        metrics_token="s3cret-scrape")
    svc = Services.open(settings)
    try:
        with live_server(svc) as base:  # loopback, which without a token would be let in
            for sent in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer s3cret-scrapE"},
                         {"Authorization": "s3cret-scrape"}):
                r = httpx.get(base + "/metrics", headers=sent)
                assert r.status_code == 401 and "NEWSFLOW_METRICS_TOKEN" in r.json()["error"], sent
                assert r.headers["www-authenticate"] == "Bearer"
            assert value(scrape(base, {"Authorization": "Bearer s3cret-scrape"}), "newsflow_bus_connected") == 1
    finally:
        svc.close()


def test_two_apps_in_one_process_keep_their_own_metrics(tmp_path: Path) -> None:
    nodes = [Services.open(Settings(data_dir=tmp_path / n, database_url=f"sqlite:///{tmp_path / n / 'db'}",
                                    media_dir=tmp_path / n / "media", demo=False)) for n in ("a", "b")]
    try:
        world = _setup(nodes[0])
        world.publish("Only on a", "World")
        with live_server(nodes[0]) as a, live_server(nodes[1]) as b:
            assert value(scrape(a), "newsflow_events_written_total", kind="publish") == 1
            assert value(scrape(b), "newsflow_events_written_total", kind="publish") == 0
    finally:
        for svc in nodes:
            svc.close()


# ---- health and readiness ---------------------------------------------------------------------------


def test_ready_then_503_naming_the_database_once_the_sqlite_file_is_gone(tmp_path: Path) -> None:
    db = tmp_path / "newsflow.db"
    svc = Services.open(Settings(data_dir=tmp_path, database_url=f"sqlite:///{db}", media_dir=tmp_path / "m",
                                 demo=False))
    try:
        with live_server(svc) as base:
            ready = httpx.get(base + "/readyz")
            assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
            for path in tmp_path.glob("newsflow.db*"):
                path.unlink()
            gone = httpx.get(base + "/readyz")
            assert gone.status_code == 503, gone.text
            assert gone.json()["status"] == "unready" and "database" in gone.json()["error"]
            assert str(tmp_path) not in gone.text  # the public answer names no internal path
            assert httpx.get(base + "/healthz").status_code == 200  # alive all the same: no restart
            assert httpx.get(base + "/metrics").status_code == 200  # the page serves, without the log's gauges
    finally:
        svc.store.close()


def test_503_while_the_postgresql_schema_is_gone_and_ready_again_once_it_is_back(pg_schema_url: str,
                                                                                 tmp_path: Path) -> None:
    schema = re.search(r"search_path%3D(\w+)", pg_schema_url)
    assert schema is not None
    svc = Services.open(Settings(data_dir=tmp_path, database_url=pg_schema_url, media_dir=tmp_path / "m",
                                 demo=False))
    admin = psycopg.connect(PG_URL, autocommit=True)
    try:
        with live_server(svc) as base:
            assert httpx.get(base + "/readyz").status_code == 200
            admin.execute(f"ALTER SCHEMA {schema[1]} RENAME TO {schema[1]}_away")
            try:
                gone = httpx.get(base + "/readyz")
                assert gone.status_code == 503 and "database unreachable" in gone.json()["error"], gone.text
                assert gone.json()["checks"]["database"]["ok"] is False
            finally:
                admin.execute(f"ALTER SCHEMA {schema[1]}_away RENAME TO {schema[1]}")
            back = httpx.get(base + "/readyz")
            assert back.status_code == 200 and back.json()["status"] == "ready", back.text
    finally:
        admin.close()
        svc.close()


def test_degraded_but_200_with_the_bus_on_a_closed_port(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, media_dir=tmp_path / "m", demo=False,
                        bus_url=f"nats://127.0.0.1:{free_port()}")
    svc = Services.open(settings)
    try:
        with live_server(svc) as base:
            r = httpx.get(base + "/readyz")
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["status"] == "degraded" and "bus" in body["reason"]
            assert body["checks"]["bus"]["ok"] is False and body["checks"]["database"]["ok"] is True
            assert value(scrape(base), "newsflow_bus_connected") == 0
    finally:
        svc.close()


def test_503_when_the_follower_falls_behind_the_log_beyond_the_limit(tmp_path: Path, database_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=database_url, media_dir=tmp_path / "m", demo=False,
                        ready_max_lag=0.5)
    svc = Services.open(settings)

    async def stuck(events: list[Any]) -> None:
        raise RuntimeError("a channel that cannot keep up")

    try:
        world = _setup(svc)
        with live_server(svc) as base:
            svc.follower.handlers.append(stuck)
            world.publish("Held back", "World")
            wait_for(lambda: httpx.get(base + "/readyz").status_code == 503, "readiness noticed the lag")
            body = httpx.get(base + "/readyz").json()
            assert "follower" in body["error"] and body["checks"]["follower"]["lag_events"] == 1
            samples = scrape(base)
            assert value(samples, "newsflow_follower_lag_events") == 1
            assert value(samples, "newsflow_follower_lag_seconds") > 0.5
            svc.follower.handlers.remove(stuck)  # the channel is gone: the follower catches up
            wait_for(lambda: httpx.get(base + "/readyz").status_code == 200, "ready again")
    finally:
        svc.close()


def test_probes_are_not_logged_at_info(services: Services) -> None:
    with captured("newsflow.access") as out, live_server(services) as base:
        for path in ("/healthz", "/readyz", "/metrics", "/healthz"):
            assert httpx.get(base + path).status_code == 200
        httpx.get(base + "/v1/feed")
    lines = json_lines(out.getvalue())
    assert [line["path"] for line in lines] == ["/v1/feed"]


# ---- request ids and log lines ------------------------------------------------------------------------


def test_one_json_line_per_request_with_the_given_request_id_and_who_asked(services: Services) -> None:
    world: World = _setup(services)
    with captured("newsflow.access") as out, live_server(services) as base:
        r = httpx.get(base + "/v1/feed", params={"limit": 5}, headers=_auth(world.world_key) |
                      {"X-Request-ID": "lb-7f3a/42"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "lb-7f3a/42"
        missing = httpx.get(base + "/v1/items/nope", headers={"X-Request-ID": "x" * (MAX_ID + 1)})
        generated = missing.headers["x-request-id"]
        assert missing.status_code == 401 and generated != "x" * (MAX_ID + 1) and sane_id(generated.encode())
        other = httpx.get(base + "/healthz").headers["x-request-id"]
        assert other != generated  # each request its own
    company = services.subscribers.company_for_key(world.world_key)
    assert company is not None
    lines = {line["request_id"]: line for line in json_lines(out.getvalue())}
    feed = lines["lb-7f3a/42"]
    assert feed["method"] == "GET" and feed["route"] == "/v1/feed" and feed["path"] == "/v1/feed"
    assert feed["status"] == 200 and feed["bytes"] == len(r.content) and feed["duration_ms"] >= 0
    assert feed["client"] == "127.0.0.1" and feed["company_id"] == company.id and len(feed["key_id"]) == 12
    assert world.world_key not in out.getvalue()  # a fingerprint, never the key
    assert lines[generated]["status"] == 401 and lines[generated]["route"].startswith("/v1/items/{guid")


def test_a_webhook_delivery_failure_is_one_json_line(services: Services) -> None:
    world = _setup(services)
    company = services.subscribers.company_for_key(world.world_key)
    assert company is not None
    endpoint = services.webhooks.create_endpoint(company.id, f"http://127.0.0.1:{free_port()}/hook")
    with captured("newsflow.delivery") as out, live_server(services) as base:
        world.publish("Nobody listens", "World")
        wait_for(lambda: value(scrape(base), "newsflow_delivery_failures_total", channel="webhook") >= 1,
                 "the attempt failed")
    failures = [line for line in json_lines(out.getvalue()) if line.get("event") == "delivery_failed"]
    assert failures, out.getvalue()
    first = failures[0]
    assert first["channel"] == "webhook" and first["level"] == "warning" and first["attempt"] == 1
    assert first["endpoint_id"] == endpoint.endpoint.id and first["company_id"] == company.id and first["error"]


@settings(max_examples=200, deadline=None)
@given(sent=st.one_of(st.binary(max_size=200), st.text(max_size=140).map(lambda t: t.encode("utf-8")),
                      st.from_regex(rb"[!-~]{1,128}", fullmatch=True)))
def test_a_sane_request_id_comes_back_as_sent_and_anything_else_is_replaced(sent: bytes) -> None:
    async def answer(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent_back: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent_back.append(message)

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"x-request-id", sent)], "client": None}
    asyncio.run(RequestLog(answer)(scope, None, send))
    ids = [v for k, v in sent_back[0]["headers"] if k == b"x-request-id"]
    assert len(ids) == 1
    sane = len(sent) <= MAX_ID and sent != b"" and all(0x21 <= b <= 0x7E for b in sent)
    if sane:
        assert ids[0] == sent
    else:
        assert ids[0] != sent
    # whatever came in, what goes out is a safe header value and a loggable id
    assert 0 < len(ids[0]) <= MAX_ID and all(0x21 <= b <= 0x7E for b in ids[0])


def test_newsflow_serve_writes_json_lines_and_no_uvicorn_access_log(tmp_path: Path) -> None:
    node = Node(node_env(tmp_path, NEWSFLOW_LOG_FORMAT="json"), tmp_path / "node.log").start()
    try:
        node.wait_serving()
        r = httpx.get(node.url + "/v1/feed", headers={"X-Request-ID": "serve-check-1"})
        assert r.status_code == 401 and r.headers["x-request-id"] == "serve-check-1"
        wait_for(lambda: "serve-check-1" in node.output(), "the request's line was written")
    finally:
        node.stop()
    lines = json_lines(node.output())
    mine = [line for line in lines if line.get("request_id") == "serve-check-1"]
    assert len(mine) == 1 and mine[0]["status"] == 401 and mine[0]["logger"] == "newsflow.access"
    assert not re.search(r'"GET /v1/feed HTTP/1\.1" 401', node.output())  # uvicorn's own access line


def test_a_bad_setting_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NEWSFLOW_LOG_FORMAT"):
        Settings(data_dir=tmp_path, log_format="xml")
    for lag in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="NEWSFLOW_READY_MAX_LAG"):
            Settings(data_dir=tmp_path, ready_max_lag=lag)


def test_an_unexpected_error_is_a_json_500_that_names_its_request_id(services: Services) -> None:
    app = create_app(services)

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with captured("newsflow.access") as out:
        r = TestClient(app, raise_server_exceptions=False).get("/v1/boom", headers={"X-Request-ID": "bug-report-9"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "bug-report-9"
    assert "bug-report-9" in r.json()["error"] and "a bug" not in r.text  # nothing of the fault leaks
    (line,) = [line for line in json_lines(out.getvalue()) if line["request_id"] == "bug-report-9"]
    assert line["status"] == 500 and line["level"] == "error" and line["route"] == "/v1/boom"


def test_a_staff_tokens_request_names_its_user(services: Services, staff_headers: dict[str, str]) -> None:
    editor = services.store.user_for_token(staff_headers["Authorization"].removeprefix("Bearer "))
    assert editor is not None
    with captured("newsflow.access") as out, live_server(services) as base:
        r = httpx.get(base + "/v1/newsroom/stories", headers=staff_headers | {"X-Request-ID": "desk-audit-3"})
        assert r.status_code == 200
        wrong = httpx.get(base + "/v1/newsroom/stories", headers={"Authorization": "Bearer nope",
                                                                 "X-Request-ID": "desk-audit-4"})
        assert wrong.status_code == 401
    lines = {line["request_id"]: line for line in json_lines(out.getvalue())}
    assert lines["desk-audit-3"]["user_id"] == editor.id and lines["desk-audit-3"]["route"] == "/v1/newsroom/stories"
    assert "user_id" not in lines["desk-audit-4"]  # refused: nobody is named


@settings(max_examples=300, deadline=None)
@given(path=st.text(max_size=60), rid=st.text(min_size=1, max_size=20), route=st.text(max_size=30),
       client=st.one_of(st.none(), st.text(max_size=40)), status=st.integers(100, 599),
       seconds=st.floats(0, 1e5, allow_nan=False), sent=st.integers(0, 2**40),
       who=st.dictionaries(st.sampled_from(["company_id", "user_id"]), st.text(max_size=20)))
def test_a_request_line_written_directly_is_the_json_the_formatter_would_write(
        path: str, rid: str, route: str, client: str | None, status: int, seconds: float, sent: int,
        who: dict[str, str]) -> None:
    scope = {"method": "GET", "path": path, "client": None if client is None else (client, 1), "state": who}
    record = AccessRecord(logging.INFO, scope, rid, route, status, seconds, sent)
    fast = JsonFormatter().format(record)
    assert "\n" not in fast  # one line, whatever the path holds
    generic = json.loads(JsonFormatter().format(logging.makeLogRecord(
        {"name": record.name, "levelno": record.levelno, "levelname": record.levelname, "msg": record.msg,
         "created": record.created, "msecs": record.msecs, "fields": record.fields})))
    assert json.loads(fast) == generic
    assert generic["path"] == path and generic["request_id"] == rid and generic["client"] == client

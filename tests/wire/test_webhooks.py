"""Webhooks over real HTTP: local receivers in threads, the dispatcher on an event loop, both stores.

Receivers are `http.server.ThreadingHTTPServer`s on 127.0.0.1; what each one answers is a function of
the request, so one can verify signatures, fail a few times, hang, or be gone altogether.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.formats.base import RenderContext
from newsflow.formats.registry import OUTPUTS, render
from newsflow.model import Event, EventKind, Story, utcnow
from newsflow.newsroom import Newsroom
from newsflow.store import Store
from newsflow.store.engine import MIGRATIONS
from newsflow.wire.subscribers import Subscribers
from newsflow.wire.usage import usage
from newsflow.wire.webhook_tables import webhook_deliveries
from newsflow.wire.webhooks import (
    DEAD,
    DELIVERED,
    FAILED,
    PENDING,
    SKIPPED,
    WebhookConfig,
    WebhookDispatcher,
    WebhookService,
    backoff,
    sign,
    signature_header,
)

# Milliseconds instead of seconds; a breaker that never trips unless a test asks for one.
FAST = WebhookConfig(base_delay=0.02, max_delay=0.1, max_attempts=8, connect_timeout=0.5, total_timeout=2.0,
                     breaker_threshold=1000, breaker_cooldown=0.2, lease=10.0, poll_every=0.05, sweep_every=0.2)
CTX = RenderContext()


# ---- an independent Standard Webhooks verifier ----------------------------------------------------

def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """What a subscriber would write from the spec alone: every v1 signature tried against the key."""
    key = base64.b64decode(secret[len("whsec_"):])
    msg_id, stamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(stamp)) > tolerance:
        return False
    expected = base64.b64encode(hmac.new(key, b"%s.%s.%s" % (msg_id.encode(), stamp.encode(), body),
                                         hashlib.sha256).digest())
    for candidate in headers["webhook-signature"].split(" "):
        version, _, sig = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(sig.encode(), expected):
            return True
    return False


def signatures(headers: dict[str, str]) -> list[str]:
    return headers["webhook-signature"].split(" ")


# ---- local receivers ----------------------------------------------------------------------------

@dataclass
class Request:
    headers: dict[str, str]
    body: bytes
    at: float
    status: int | None = None  # what the receiver answered (None: it hung)

    @property
    def version(self) -> int:
        return int(json.loads(self.body)["version"])

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


# Answer with a status, or None to hang until the receiver is closed.
Behaviour = Callable[[int, Request], int | None]


@dataclass
class Receiver:
    behave: Behaviour = lambda n, r: 200
    port: int = 0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stop = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                request = Request({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                with receiver.lock:
                    receiver.requests.append(request)
                    number = len(receiver.requests)
                status = receiver.behave(number, request)
                if status is None:
                    receiver.stop.wait(30)
                    self.close_connection = True
                    return
                request.status = status
                answer = b"ok" if status < 300 else b"nope"
                self.send_response(status)
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def accepted(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.status is not None and 200 <= r.status < 300]

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Any:
    made: list[Receiver] = []

    def make(behave: Behaviour | None = None, port: int = 0) -> Receiver:
        receiver = Receiver(behave or (lambda n, r: 200), port=port)
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


def verifying(receivers: Any) -> tuple[Receiver, dict[str, str]]:
    """A receiver that accepts only what verifies against holder["secret"] (401 otherwise)."""
    holder: dict[str, str] = {}
    box = receivers(lambda n, r: 200 if verify(holder["secret"], r.headers, r.body) else 401)
    return box, holder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- the world: companies, products, a desk that publishes ----------------------------------------

@dataclass
class World:
    store: Store
    subs: Subscribers
    newsroom: Newsroom
    service: WebhookService
    world_product: int
    sports_product: int
    events: list[Event] = field(default_factory=list)

    def company(self, name: str, *products: int, embargoed: bool = False) -> str:
        company = self.subs.create_company(name, may_receive_embargoed=embargoed)
        for product in products:
            self.subs.assign_product(company.id, product)
        return company.id

    def publish(self, headline: str = "Summit opens", *, categories: tuple[str, ...] = ("World",),
                **fields: Any) -> str:
        guid = self.newsroom.create(Story(headline=headline, categories=list(categories), **fields)).guid
        self.newsroom.publish(guid)
        return guid

    def update(self, guid: str, **changes: Any) -> None:
        self.newsroom.edit(guid, changes)
        self.newsroom.update(guid)

    def version(self, guid: str, number: int | None = None) -> Any:
        return self.store.get_version(guid, number)

    def deliveries(self, endpoint_id: str) -> list[Any]:
        return sorted(self.service.deliveries(endpoint_id, limit=1000), key=lambda d: d.seq)


@pytest.fixture
def world(store: Store) -> World:
    subs = Subscribers(store)
    newsroom = Newsroom(store)
    w = World(store=store, subs=subs, newsroom=newsroom,
              service=WebhookService(store, subs, render_context=CTX, config=FAST),
              world_product=subs.create_product("World", {"categories": ["World"]}).id,
              sports_product=subs.create_product("Sports", {"categories": ["Sports"]}).id)

    store.entitlement = subs  # each event is written with the products it matches, as Services does
    newsroom.listeners.append(w.events.append)
    return w


def configured(w: World, **changes: Any) -> WebhookService:
    w.service = WebhookService(w.store, w.subs, render_context=CTX, config=dataclasses.replace(FAST, **changes))
    return w.service


def run(coro: Coroutine[Any, Any, None], timeout: float = 30) -> None:
    async def bounded() -> None:
        await asyncio.wait_for(coro, timeout)

    asyncio.run(bounded())


async def eventually(check: Callable[[], Any], timeout: float = 10, every: float = 0.02) -> Any:
    """Until `check()` (run in a worker thread: it may query the store) is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s: {check}")
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def dispatching(service: WebhookService, **options: Any) -> AsyncIterator[WebhookDispatcher]:
    dispatcher = WebhookDispatcher(service, **options)
    await dispatcher.start()
    try:
        yield dispatcher
    finally:
        await dispatcher.close()


async def plan_new(w: World, dispatcher: WebhookDispatcher | None = None) -> None:
    """What the LogFollower does: hand the new events to the dispatcher (or plan them directly)."""
    batch, w.events[:] = list(w.events), []
    if dispatcher is not None:
        await dispatcher.on_events(batch)
    else:
        await asyncio.to_thread(w.service.plan, batch)


def states(w: World, endpoint_id: str) -> list[str]:
    return [d.state for d in w.deliveries(endpoint_id)]


# ---- signing ------------------------------------------------------------------------------------

def test_signatures_follow_standard_webhooks() -> None:
    # The example in the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}') == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    other = "whsec_" + base64.b64encode(b"k" * 32).decode()
    stamp = int(time.time())
    header = signature_header([secret, other], "evt_7", stamp, b"{}")
    assert len(header.split(" ")) == 2
    headers = {"webhook-id": "evt_7", "webhook-timestamp": str(stamp), "webhook-signature": header}
    assert verify(secret, headers, b"{}") and verify(other, headers, b"{}")
    assert not verify(secret, headers, b"{ }")
    assert not verify(secret, headers | {"webhook-id": "evt_8"}, b"{}")


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    import random

    rng = random.Random(7)
    config = WebhookConfig(base_delay=1.0, max_delay=3600.0)
    for attempt, ceiling in [(1, 1), (2, 2), (5, 16), (12, 2048), (13, 3600), (40, 3600)]:
        delays = [backoff(attempt, config, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8  # spread over the whole range, not a fixed step


# ---- endpoints ----------------------------------------------------------------------------------

def test_endpoints_are_managed_and_secrets_are_write_only(world: World) -> None:
    w = world
    daily = w.company("Daily", w.world_product, w.sports_product)
    made = w.service.create_endpoint(daily, "https://hooks.example/in", format="nitf")
    assert made.secret.startswith("whsec_") and len(base64.b64decode(made.secret[6:])) == 32
    endpoint = made.endpoint
    assert (endpoint.url, endpoint.format, endpoint.product_ids, endpoint.active) == (
        "https://hooks.example/in", "nitf", None, True)
    shown = repr(endpoint) + repr(w.service.list_endpoints(daily)) + repr(w.service.get_endpoint(endpoint.id))
    assert made.secret not in shown and "secret" not in {f.name for f in dataclasses.fields(endpoint)}

    narrowed = w.service.update_endpoint(endpoint.id, product_ids=[w.sports_product], format="ninjs3",
                                         url="http://10.0.0.1:8080/x")
    assert (narrowed.product_ids, narrowed.format, narrowed.url) == ((w.sports_product,), "ninjs3",
                                                                      "http://10.0.0.1:8080/x")
    assert w.service.update_endpoint(endpoint.id, active=False).product_ids == (w.sports_product,)
    assert w.service.update_endpoint(endpoint.id, product_ids=None).product_ids is None

    given = "whsec_" + base64.b64encode(bytes(range(24))).decode()
    assert w.service.create_endpoint(daily, "http://127.0.0.1:9/h", secret=given).secret == given
    for bad in ("ftp://hooks.example/", "hooks.example/in", "http://", "", "https://x/" + "a" * 2000):
        with pytest.raises(FieldError, match="url"):
            w.service.create_endpoint(daily, bad)
    with pytest.raises(FieldError, match="format"):
        w.service.create_endpoint(daily, "https://hooks.example/", format="pdf")
    for bad_secret in ("plain", "whsec_!!!", "whsec_" + base64.b64encode(b"short").decode()):
        with pytest.raises(FieldError, match="secret"):
            w.service.create_endpoint(daily, "https://hooks.example/", secret=bad_secret)
    other = w.company("Other")
    with pytest.raises(FieldError, match="product"):
        w.service.create_endpoint(other, "https://hooks.example/", product_ids=[w.world_product])
    with pytest.raises(FieldError, match="product"):
        w.service.create_endpoint(daily, "https://hooks.example/", product_ids=[])
    with pytest.raises(NotFound):
        w.service.create_endpoint("no-such-company", "https://hooks.example/")

    w.service.delete_endpoint(endpoint.id)
    with pytest.raises(NotFound):
        w.service.get_endpoint(endpoint.id)
    assert [e.url for e in w.service.list_endpoints(daily)] == ["http://127.0.0.1:9/h"]


def test_migration_0003_goes_down_and_up(database_url: str) -> None:
    store = Store(database_url)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))

        def to(revision: str, down: bool = False) -> None:
            with store.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                (command.downgrade if down else command.upgrade)(cfg, revision)

        to("head")
        with store.read() as conn:
            assert {"webhook_endpoints", "webhook_deliveries", "webhook_attempts", "webhook_planner"} <= set(
                sa.inspect(conn).get_table_names())
        to("0002", down=True)
        with store.read() as conn:
            assert not [t for t in sa.inspect(conn).get_table_names() if t.startswith("webhook")]
        to("head")
        assert WebhookService(store).planned_up_to() == 0
    finally:
        store.close()


# ---- delivery -----------------------------------------------------------------------------------

def test_each_event_arrives_signed_with_the_rendered_bytes(world: World, receivers: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    w = world
    boxes: list[Receiver] = []
    endpoints = []
    for name in ("Daily", "Ledger", "Herald"):
        box, holder = verifying(receivers)
        made = w.service.create_endpoint(w.company(name, w.world_product), box.url)
        holder["secret"] = made.secret
        boxes.append(box)
        endpoints.append(made.endpoint)

    renders = 0
    ninjs = OUTPUTS["ninjs"]

    def counting(version: Any, ctx: RenderContext) -> bytes:
        nonlocal renders
        renders += 1
        return ninjs.render(version, ctx)

    monkeypatch.setitem(OUTPUTS, "ninjs", dataclasses.replace(ninjs, render=counting))

    async def scenario() -> None:
        async with dispatching(w.service):
            first = w.publish("Summit opens")
            second = w.publish("Talks continue")
            seqs = [e.seq for e in w.events]
            await plan_new(w)
            for box in boxes:
                await eventually(lambda box=box: len(box.accepted) == 2)
            for endpoint in endpoints:
                await eventually(lambda e=endpoint.id: states(w, e) == [DELIVERED] * 2)
            for box in boxes:
                assert [r.status for r in box.requests] == [200, 200]
                assert [r.id for r in box.accepted] == [f"evt_{s}" for s in seqs]
                assert [r.body for r in box.accepted] == [render(w.version(g), "ninjs", CTX) for g in (first, second)]
                head = box.accepted[0].headers
                assert head["content-type"] == "application/ninjs+json"
                assert (head["newsflow-event"], head["newsflow-guid"], head["newsflow-version"]) == (
                    "publish", first, "1")
                assert len(signatures(head)) == 1

    run(scenario())
    assert renders == 2  # once per (event, format), however many endpoints
    for endpoint in endpoints:
        delivered = w.deliveries(endpoint.id)
        assert [(d.state, d.attempts, d.last_status) for d in delivered] == [(DELIVERED, 1, 200)] * 2
        assert all(d.delivered_at is not None for d in delivered)
        log = w.service.attempts(endpoint.id)
        assert [(a.status, a.attempt, a.test) for a in log] == [(200, 1, False)] * 2
        assert {a.webhook_id for a in log} == {d.webhook_id for d in delivered}
        # the usage log has each delivery, and the story's deliveries say where it went
        with w.store.read() as conn:
            used = conn.execute(sa.select(usage.c.guid, usage.c.channel, usage.c.format, usage.c.actor)
                                .where(usage.c.company_id == endpoint.company_id).order_by(usage.c.id)).all()
        assert [tuple(u) for u in used] == [(d.guid, "webhook", "ninjs", f"webhook:{endpoint.id}") for d in delivered]
        (story,) = w.service.deliveries_of(delivered[0].guid, endpoint.company_id)
        assert (story.endpoint_id, story.state) == (endpoint.id, DELIVERED)
    assert len(w.service.deliveries_of(delivered[0].guid)) == 3


def test_an_endpoint_failing_a_few_times_gets_the_event_on_a_retry(world: World, receivers: Any) -> None:
    w = world
    box = receivers(lambda n, r: 500 if n <= 3 else 200)
    made = w.service.create_endpoint(w.company("Daily", w.world_product), box.url)

    async def scenario() -> None:
        async with dispatching(w.service):
            w.publish()
            await plan_new(w)
            await eventually(lambda: states(w, made.endpoint.id) == [DELIVERED])

    run(scenario())
    assert [r.status for r in box.requests] == [500, 500, 500, 200]
    assert len({r.id for r in box.requests}) == 1  # the same webhook-id on every try: receivers dedupe
    assert all(verify(made.secret, r.headers, r.body) for r in box.requests)
    (delivery,) = w.deliveries(made.endpoint.id)
    assert (delivery.state, delivery.attempts, delivery.last_status, delivery.last_error) == (DELIVERED, 4, 200, None)
    log = w.service.attempts(made.endpoint.id, delivery_id=delivery.id)
    assert [(a.attempt, a.status) for a in reversed(log)] == [(1, 500), (2, 500), (3, 500), (4, 200)]
    assert all(a.error == "HTTP 500: nope" for a in log[1:])
    endpoint = w.service.get_endpoint(made.endpoint.id)
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)


def test_a_hanging_endpoint_never_delays_a_healthy_one(world: World, receivers: Any) -> None:
    w = world
    service = configured(w, total_timeout=5.0)
    hanging = receivers(lambda n, r: None)
    healthy = receivers()
    slow = service.create_endpoint(w.company("Slow", w.world_product), hanging.url).endpoint
    service.create_endpoint(w.company("Quick", w.world_product), healthy.url)

    async def scenario() -> None:
        async with dispatching(service):
            for headline in ("Summit opens", "Talks continue"):
                w.publish(headline)
                started = time.monotonic()
                await plan_new(w)
                await eventually(lambda n=len(healthy.accepted) + 1: len(healthy.accepted) == n, timeout=5,
                                 every=0.005)
                took = healthy.accepted[-1].at - started
                assert took < 1.0, f"the healthy endpoint waited {took:.3f} s"  # the hanging one holds 5 s
                # the hanging endpoint is still on its first event, one attempt in flight (its request
                # may land a moment after the healthy one's on a busy machine)
                await eventually(lambda: len(hanging.requests) >= 1, timeout=5)
                assert len(hanging.requests) == 1
                assert (w.deliveries(slow.id)[0].state, w.deliveries(slow.id)[0].attempts) == (PENDING, 0)

    run(scenario())


def test_a_dead_endpoint_fills_the_dead_letters_and_replay_delivers_when_it_is_back(
        world: World, receivers: Any) -> None:
    w = world
    service = configured(w, max_attempts=3)
    port = free_port()  # nothing listens there: connection refused
    endpoint = service.create_endpoint(w.company("Daily", w.world_product), f"http://127.0.0.1:{port}/hook").endpoint

    async def scenario() -> None:
        async with dispatching(service):
            first = w.publish("Summit opens")
            second = w.publish("Talks continue")
            await plan_new(w)
            # both die: after the first one's last attempt the endpoint moves on to the next
            await eventually(lambda: states(w, endpoint.id) == [DEAD, DEAD])
            dead = service.dead_letters(endpoint.id)
            assert [(d.guid, d.attempts, d.last_status) for d in dead] == [(first, 3, None), (second, 3, None)]
            assert all("Connect" in (d.last_error or "") for d in dead)
            assert len(service.attempts(endpoint.id)) == 6
            assert service.get_endpoint(endpoint.id).failing_since is not None

            back = receivers(port=port)
            assert service.replay(endpoint.id) == 2
            await eventually(lambda: len(back.accepted) == 2)
            assert [r.headers["newsflow-guid"] for r in back.accepted] == [first, second]
            await eventually(lambda: states(w, endpoint.id) == [DELIVERED, DELIVERED])
            assert service.dead_letters(endpoint.id) == []

    run(scenario())
    with pytest.raises(Conflict, match="only dead"):
        service.replay(endpoint.id, w.deliveries(endpoint.id)[0].id)
    with pytest.raises(NotFound):
        service.replay(endpoint.id, 10**9)


def test_replaying_an_old_version_after_a_newer_one_was_delivered_skips_it(world: World, receivers: Any) -> None:
    w = world
    service = configured(w, max_attempts=2)
    box = receivers(lambda n, r: 400 if r.version == 1 else 200)
    endpoint = service.create_endpoint(w.company("Daily", w.world_product), box.url).endpoint

    async def scenario() -> None:
        async with dispatching(service):
            guid = w.publish("Summit opens")
            w.update(guid, headline="Summit opens with a deal")
            await plan_new(w)
            await eventually(lambda: states(w, endpoint.id) == [DEAD, DELIVERED])
            assert service.replay(endpoint.id) == 0

    run(scenario())
    first, _ = w.deliveries(endpoint.id)
    assert (first.state, first.last_error) == (SKIPPED, "superseded by version 2 of the story")
    assert [r.version for r in box.accepted] == [2]


def test_versions_of_a_story_arrive_in_order_while_the_endpoint_struggles(world: World, receivers: Any) -> None:
    w = world

    def struggling(n: int, r: Request) -> int:
        time.sleep(0.03)
        return 503 if n <= 3 or n == 5 else 200

    box = receivers(struggling)
    endpoint = w.service.create_endpoint(w.company("Daily", w.world_product), box.url).endpoint

    async def scenario() -> None:
        async with dispatching(w.service) as dispatcher:
            guid = w.publish("Quake strikes")
            await plan_new(w, dispatcher)
            await eventually(lambda: len(states(w, endpoint.id)) == 1)  # planned before the next version
            w.update(guid, headline="Quake strikes, dozens hurt")
            await plan_new(w, dispatcher)
            await eventually(lambda: len(states(w, endpoint.id)) == 2)
            w.update(guid, headline="Quake strikes, hundreds hurt")
            w.newsroom.kill(guid, "Legal advice")
            await plan_new(w, dispatcher)
            await eventually(lambda: len(s := states(w, endpoint.id)) == 3 and set(s) <= {DELIVERED, SKIPPED}
                             and s[-1] == DELIVERED)

    run(scenario())
    accepted = [r.version for r in box.accepted]
    seen = [r.version for r in box.requests]
    assert seen == sorted(seen)  # never an older version after a newer one, retries included
    # v3 was written just before the kill, so it was never planned: once the story is killed its
    # text is never sent (and v1/v2 only if they got through before the kill; if not, skipped)
    assert 3 not in seen and accepted[-1] == 4 and accepted == sorted(set(accepted))
    assert [d.version for d in w.deliveries(endpoint.id)] == [1, 2, 4]
    kill = box.accepted[-1]
    assert kill.headers["newsflow-event"] == "kill" and json.loads(kill.body)["pubstatus"] == "canceled"


def test_rotation_signs_with_both_secrets_during_the_overlap(world: World, receivers: Any) -> None:
    w = world
    box = receivers()
    made = w.service.create_endpoint(w.company("Daily", w.world_product), box.url)
    old = made.secret
    new = w.service.rotate_secret(made.endpoint.id, overlap=timedelta(hours=1))
    assert new != old and new.startswith("whsec_")
    rotating = w.service.get_endpoint(made.endpoint.id).rotating_until
    assert rotating is not None and timedelta(minutes=59) < rotating - utcnow() <= timedelta(hours=1)

    async def scenario() -> None:
        async with dispatching(w.service):
            w.publish("During the overlap")
            await plan_new(w)
            await eventually(lambda: len(box.accepted) == 1)
            newest = w.service.rotate_secret(made.endpoint.id, overlap=timedelta(0))
            w.publish("After the overlap")
            await plan_new(w)
            await eventually(lambda: len(box.accepted) == 2)
            during, after = box.accepted
            first, second = signatures(during.headers)
            for secret, sig in ((new, first), (old, second)):
                one = during.headers | {"webhook-signature": sig}
                assert verify(secret, one, during.body)
            assert not verify(old, during.headers | {"webhook-signature": first}, during.body)
            assert len(signatures(after.headers)) == 1
            assert verify(newest, after.headers, after.body)
            assert not verify(new, after.headers, after.body)

    run(scenario())
    assert w.service.get_endpoint(made.endpoint.id).rotating_until is None


def test_only_entitled_endpoints_receive_and_embargoed_copy_only_where_allowed(world: World,
                                                                               receivers: Any) -> None:
    w = world
    boxes = {name: receivers() for name in ("world", "sports", "embargo_ok", "narrowed")}
    ids = {
        "world": w.service.create_endpoint(w.company("World desk", w.world_product), boxes["world"].url),
        "sports": w.service.create_endpoint(w.company("Sports desk", w.sports_product), boxes["sports"].url),
        "embargo_ok": w.service.create_endpoint(w.company("Wire partner", w.world_product, embargoed=True),
                                                boxes["embargo_ok"].url),
        "narrowed": w.service.create_endpoint(w.company("Both", w.world_product, w.sports_product),
                                              boxes["narrowed"].url, product_ids=[w.sports_product]),
    }
    embargo = utcnow() + timedelta(hours=1)

    def guids(name: str) -> list[str]:
        return [r.headers["newsflow-guid"] for r in boxes[name].accepted]

    news = w.publish("Summit opens")
    held = w.publish("Budget figures", embargo=embargo)
    match = w.publish("Cup final", categories=("Sports",))

    async def scenario() -> None:
        async with dispatching(w.service):
            await plan_new(w)
            await eventually(lambda: len(guids("world")) == 1 and len(guids("embargo_ok")) == 2
                             and len(guids("sports")) == 1 and len(guids("narrowed")) == 1)
            assert guids("world") == [news]
            assert guids("embargo_ok") == [news, held]
            assert json.loads(boxes["embargo_ok"].accepted[1].body)["embargoed"]
            assert guids("sports") == [match] and guids("narrowed") == [match]

            # the lift is an event: now the embargo has passed, the world desk gets the story too
            w.newsroom.lift_embargoes(embargo + timedelta(seconds=1))
            lift = w.events[-1]
            assert lift.kind == EventKind.embargo_lift
            await asyncio.to_thread(w.service.plan, list(w.events), now=embargo + timedelta(seconds=1))
            w.events.clear()
            await eventually(lambda: len(guids("world")) == 2)
            assert guids("world") == [news, held]
            # the partner had the embargoed copy at publish: the lift does not send it again
            await asyncio.sleep(0.5)
            assert guids("embargo_ok") == [news, held]
            assert boxes["world"].accepted[1].headers["newsflow-event"] == "embargo_lift"

    run(scenario())
    assert [d.guid for d in w.deliveries(ids["sports"].endpoint.id)] == [match]
    assert [(d.guid, d.kind) for d in w.deliveries(ids["world"].endpoint.id)] == [
        (news, "publish"), (held, "embargo_lift")]


def test_a_subscription_cancelled_before_sending_stops_the_delivery(world: World, receivers: Any) -> None:
    w = world
    service = configured(w, recheck_after=0.0)
    box = receivers()
    daily = w.company("Daily", w.world_product)
    endpoint = service.create_endpoint(daily, box.url).endpoint
    w.publish()
    run(plan_new(w))
    assert states(w, endpoint.id) == [PENDING]
    w.subs.unassign_product(daily, w.world_product)

    async def scenario() -> None:
        async with dispatching(service):
            await eventually(lambda: states(w, endpoint.id) == [SKIPPED])

    run(scenario())
    assert box.requests == []
    assert w.deliveries(endpoint.id)[0].last_error == "not entitled when sent: no matching product"


def test_each_delivery_is_sent_once_however_often_planned_and_however_many_dispatchers(
        world: World, receivers: Any) -> None:
    w = world
    boxes = [receivers() for _ in range(4)]
    endpoints = [w.service.create_endpoint(w.company(f"Paper {i}", w.world_product), b.url).endpoint
                 for i, b in enumerate(boxes)]
    for i in range(20):
        w.publish(f"Story {i}")
    batch = list(w.events)
    total = len(batch) * len(endpoints)
    assert w.service.plan(batch) == total
    assert w.service.plan(batch) == total  # offered again ...
    w.service.plan(batch[3:9])
    with w.store.read() as conn:  # ... but written once
        assert conn.execute(sa.select(sa.func.count()).select_from(webhook_deliveries)).scalar_one() == total
    assert w.service.planned_up_to() == batch[-1].seq

    async def scenario() -> None:
        # three nodes: each its own service, client and claims, one database
        nodes = [WebhookService(w.store, Subscribers(w.store), render_context=CTX, config=FAST) for _ in range(3)]
        async with contextlib.AsyncExitStack() as stack:
            dispatchers = [await stack.enter_async_context(dispatching(node, node_id=f"node{i}"))
                           for i, node in enumerate(nodes)]
            await asyncio.gather(*(d.on_events(batch) for d in dispatchers))
            await eventually(lambda: all(states(w, e.id) == [DELIVERED] * len(batch) for e in endpoints))
            await asyncio.sleep(0.3)  # room for a double send to show up
            assert sum(d.sent for d in dispatchers) == total

    run(scenario())
    for box, endpoint in zip(boxes, endpoints, strict=True):
        ids = [r.id for r in box.requests]
        assert len(ids) == len(set(ids)) == len(batch)
        assert ids == sorted(ids, key=lambda i: int(i.removeprefix("evt_")))  # in seq order per endpoint
        assert [a.status for a in w.service.attempts(endpoint.id)] == [200] * len(batch)


def test_the_circuit_opens_after_repeated_failures_and_a_trial_closes_it(world: World, receivers: Any) -> None:
    w = world
    service = configured(w, breaker_threshold=2, breaker_cooldown=1.5, base_delay=0.001, max_delay=0.001,
                         max_attempts=20)

    async def within_cool_down(endpoint_id: str) -> None:
        """Wait a little, but never past the cool-down (a busy machine may see the opening late)."""
        until = service.get_endpoint(endpoint_id).open_until
        assert until is not None
        await asyncio.sleep(max(0.0, min(0.3, (until - utcnow()).total_seconds() - 0.3)))

    healthy = threading.Event()
    box = receivers(lambda n, r: 200 if healthy.is_set() else 500)
    endpoint = service.create_endpoint(w.company("Daily", w.world_product), box.url).endpoint

    async def scenario() -> None:
        async with dispatching(service):
            w.publish()
            await plan_new(w)
            opened = await eventually(lambda: (e := service.get_endpoint(endpoint.id)).open_until and e)
            assert opened.consecutive_failures == 2 and len(box.requests) == 2
            assert opened.failing_since is not None
            await within_cool_down(endpoint.id)
            assert len(box.requests) == 2  # open: nothing is sent during the cool-down
            await eventually(lambda: len(box.requests) == 3, timeout=5)  # half-open: one trial ...
            await eventually(lambda: service.get_endpoint(endpoint.id).consecutive_failures == 3)
            await within_cool_down(endpoint.id)
            assert len(box.requests) == 3  # ... which failed, so it is open again
            healthy.set()
            await eventually(lambda: states(w, endpoint.id) == [DELIVERED], timeout=5)

    run(scenario())
    closed = service.get_endpoint(endpoint.id)
    assert (closed.consecutive_failures, closed.open_until, closed.failing_since) == (0, None, None)
    assert states(w, endpoint.id) == [DELIVERED]


def test_a_test_event_is_sent_now_signed_marked_and_logged(world: World, receivers: Any) -> None:
    w = world
    box, holder = verifying(receivers)
    nothing = w.company("No products")  # not entitlement-bound: a company with no products can test
    made = w.service.create_endpoint(nothing, box.url)
    holder["secret"] = made.secret
    gone = w.service.create_endpoint(nothing, f"http://127.0.0.1:{free_port()}/x").endpoint

    async def scenario() -> None:
        result = await w.service.send_test_event(made.endpoint.id)
        assert (result.ok, result.status, result.error) == (True, 200, None)
        assert result.webhook_id.startswith("test_")
        failed = await w.service.send_test_event(gone.id)
        assert not failed.ok and failed.status is None and "Connect" in (failed.error or "")

    run(scenario())
    (request,) = box.requests
    assert request.headers["newsflow-test"] == "true" and request.headers["newsflow-event"] == "test"
    payload = json.loads(request.body)
    assert payload["headlines"][0]["value"].startswith("TEST") and payload["pubstatus"] == "withheld"
    (logged,) = w.service.attempts(made.endpoint.id)
    assert logged.test and logged.status == 200 and logged.delivery_id is None
    assert w.deliveries(made.endpoint.id) == []


def test_events_no_node_planned_are_caught_up_from_the_persisted_cursor(world: World, receivers: Any) -> None:
    w = world
    box = receivers()
    w.publish("Before any endpoint")
    early = w.service.create_endpoint(w.company("Daily", w.world_product), box.url).endpoint
    w.service.catch_up()  # nothing for the endpoint yet: the cursor moves past the old story
    assert w.service.planned_up_to() == w.events[-1].seq
    w.events.clear()

    first = w.publish("While every node was down")
    second = w.publish("Still down")
    later_batch = list(w.events[1:])
    w.events.clear()
    w.service.plan(later_batch)  # planned out of order: the cursor may not jump the gap
    assert w.service.planned_up_to() < later_batch[0].seq
    late = w.service.create_endpoint(w.company("Latecomer", w.world_product), box.url).endpoint
    assert w.service.catch_up() == 2  # the first story (and the second again, harmlessly)
    assert w.service.planned_up_to() == later_batch[-1].seq
    assert [d.guid for d in w.deliveries(early.id)] == [first, second]
    assert w.deliveries(late.id) == []  # an endpoint starts with the events after its creation

    async def scenario() -> None:
        async with dispatching(w.service):  # its sweep finds the rest of the log as well
            third = w.publish("Back up")
            await eventually(lambda: len(box.accepted) == 4)
            assert sorted(r.headers["newsflow-guid"] for r in box.accepted) == sorted([first, second, third, third])

    run(scenario())


def test_the_log_follower_drives_deliveries(world: World, receivers: Any) -> None:
    from newsflow.bus import LocalBus
    from newsflow.wire.follower import LogFollower

    w = world
    service = configured(w, sweep_every=60.0)  # the follower, not the sweep, must bring the event
    box = receivers()
    service.create_endpoint(w.company("Daily", w.world_product), box.url)

    async def scenario() -> None:
        bus = LocalBus()
        await bus.start()
        follower = LogFollower(w.store, bus, poll_every=5.0)
        await follower.start()
        w.newsroom.listeners.append(lambda event: bus.notify(event.seq))
        async with dispatching(service) as dispatcher:
            follower.handlers.append(dispatcher.on_events)
            following = asyncio.create_task(follower.run())
            try:
                await asyncio.sleep(0.3)  # past the dispatcher's first sweep
                started = time.monotonic()
                guid = w.publish("Flash: ceasefire")
                await eventually(lambda: box.accepted, timeout=3, every=0.005)
                assert box.accepted[0].at - started < 1.0
                assert box.accepted[0].headers["newsflow-guid"] == guid
            finally:
                following.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await following
        await bus.close()

    run(scenario())


def test_failed_deliveries_wait_for_their_backoff(world: World, receivers: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from newsflow.wire import webhooks

    monkeypatch.setattr(webhooks, "backoff", lambda attempt, config: 3.0)  # the jitter's draw, fixed
    w = world
    service = configured(w)
    box = receivers(lambda n, r: 500)
    endpoint = service.create_endpoint(w.company("Daily", w.world_product), box.url).endpoint

    async def scenario() -> None:
        async with dispatching(service):
            w.publish()
            await plan_new(w)
            await eventually(lambda: states(w, endpoint.id) == [FAILED])

    run(scenario())
    (delivery,) = w.deliveries(endpoint.id)
    assert delivery.attempts == 1 and delivery.last_status == 500
    assert utcnow() < delivery.next_attempt_at <= utcnow() + timedelta(seconds=3)
    jobs, due = service.next_jobs("node", 10)
    assert jobs == [] and due is not None and 2 < due <= 3

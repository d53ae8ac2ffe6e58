"""Webhooks as an agency admin runs them, on both stores: the admin API over real HTTP (the app under
uvicorn, with the node's own follower and dispatcher), stories published through the newsroom API,
real local receivers in threads; and the `newsflow webhook` commands as real processes.

Signatures are checked with the `verify_webhook` function printed in docs/api.md, run as written.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from newsflow.model import Story
from newsflow.services import Services
from newsflow.web.app import create_app
from newsflow.wire.webhooks import WebhookConfig, WebhookDispatcher

# Milliseconds instead of seconds, few attempts, and a breaker that never trips unless a test asks.
FAST = WebhookConfig(base_delay=0.02, max_delay=0.1, max_attempts=3, connect_timeout=0.5, total_timeout=2.0,
                     breaker_threshold=1000, breaker_cooldown=0.2, lease=10.0, poll_every=0.05, sweep_every=0.2)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))

Verifier = Callable[[str, Mapping[str, str], bytes], bool]


@functools.cache
def docs_verifier() -> Verifier:
    """The receiver-side check exactly as the API guide prints it (independent of the signing code)."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    (code,) = [b for b in blocks if "def verify_webhook(" in b]
    namespace: dict[str, Any] = {}
    exec(compile(code, f"{DOCS}:verify_webhook", "exec"), namespace)
    return namespace["verify_webhook"]


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    return docs_verifier()(secret, headers, body)


# ---- local receivers ----------------------------------------------------------------------------

@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes
    status: int = 0

    @property
    def signatures(self) -> list[str]:
        return self.headers["webhook-signature"].split()


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers what `answer(hit)` says."""

    answer: Callable[[Hit], int] = lambda hit: 200
    port: int = 0
    hits: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                hit = Hit({k.lower(): v for k, v in self.headers.items()},
                          self.rfile.read(int(self.headers.get("content-length", 0))))
                hit.status = receiver.answer(hit)
                with receiver.lock:
                    receiver.hits.append(hit)
                reply = b"ok" if hit.status < 300 else b"nope"
                self.send_response(hit.status)
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def accepted(self) -> list[Hit]:
        with self.lock:
            return [h for h in self.hits if 200 <= h.status < 300]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(answer: Callable[[Hit], int] | None = None) -> Receiver:
        made.append(Receiver(answer or (lambda hit: 200)))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def verifying(receivers: Callable[..., Receiver]) -> tuple[Receiver, dict[str, str]]:
    """A receiver that accepts only what verifies against holder["secret"] (401 otherwise)."""
    holder: dict[str, str] = {}
    return receivers(lambda hit: 200 if verify(holder["secret"], hit.headers, hit.body) else 401), holder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def eventually(check: Callable[[], Any], timeout: float = 15, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(every)


# ---- the agency: a node serving HTTP, a subscriber company, an admin -------------------------------

@dataclass
class Agency:
    svc: Services
    http: httpx.Client  # the node's base URL, signed in as an admin
    company: str  # holds the World and Sports products
    world: int
    sports: int
    culture: int  # held by another company only

    def publish(self, headline: str, category: str = "World") -> str:
        guid = self.ok(self.http.post("/v1/newsroom/stories", json={"headline": headline,
                                                                     "categories": [category]}), 201)["guid"]
        self.ok(self.http.post(f"/v1/newsroom/stories/{guid}/publish"), 201)
        return guid

    def add(self, url: str, **fields: Any) -> dict[str, Any]:
        return self.ok(self.http.post(f"/v1/admin/companies/{self.company}/webhooks", json={"url": url, **fields}),
                       201)

    def get(self, path: str, **params: Any) -> Any:
        return self.ok(self.http.get(path, params=params))

    def explain(self, guid: str) -> dict[str, Any]:
        return self.get("/v1/admin/explain", guid=guid, company=self.company)

    def hooks(self, guid: str) -> dict[str, dict[str, Any]]:
        return {h["endpoint"]: h for h in self.explain(guid)["webhooks"]}

    @staticmethod
    def ok(response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
def start(services: Services) -> Iterator[Callable[..., Agency]]:
    """Start the node with FAST webhook settings (changed by keyword); the tests talk to it over HTTP."""
    running: list[tuple[uvicorn.Server, threading.Thread, httpx.Client]] = []

    def run(**config: Any) -> Agency:
        services.webhooks.config = services.dispatcher.config = dataclasses.replace(FAST, **config)
        server = uvicorn.Server(uvicorn.Config(create_app(services), host="127.0.0.1", port=0,
                                               log_level="warning", loop="asyncio"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        eventually(lambda: server.started, timeout=10, every=0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        boss = services.store.create_user(email="admin@example.org", name="Ad Min", role="admin")
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15,
                            headers={"Authorization": f"Bearer {services.store.create_token(boss.id)}"})
        running.append((server, thread, http))
        subs = services.subscribers
        world = subs.create_product("World", {"categories": ["World"]}).id
        sports = subs.create_product("Sports", {"categories": ["Sports"]}).id
        culture = subs.create_product("Culture", {"categories": ["Culture"]}).id
        daily = subs.create_company("Daily").id
        for product in (world, sports):
            subs.assign_product(daily, product)
        subs.assign_product(subs.create_company("Evening Post").id, culture)
        return Agency(services, http, daily, world, sports, culture)

    yield run
    for server, thread, http in running:
        http.close()
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def agency(start: Callable[..., Agency]) -> Agency:
    return start()


# ---- endpoints and their secrets ---------------------------------------------------------------------

def test_create_shows_the_secret_once_and_no_get_ever_does(agency: Agency, receivers: Any) -> None:
    a = agency
    made = a.add(receivers().url, format="nitf", product_ids=[a.world])
    secret, eid = made["secret"], made["id"]
    assert secret.startswith("whsec_")
    assert (made["format"], made["product_ids"], made["active"], made["company_id"]) == (
        "nitf", [a.world], True, a.company)

    patched = a.ok(a.http.patch(f"/v1/admin/webhooks/{eid}", json={"product_ids": [a.sports], "format": "ninjs3"}))
    assert (patched["product_ids"], patched["format"]) == ([a.sports], "ninjs3")
    kept = a.ok(a.http.patch(f"/v1/admin/webhooks/{eid}", json={"active": False}))
    assert (kept["active"], kept["product_ids"]) == (False, [a.sports])  # left out: unchanged
    widened = a.ok(a.http.patch(f"/v1/admin/webhooks/{eid}", json={"product_ids": None, "active": True}))
    assert (widened["active"], widened["product_ids"]) == (True, None)  # null: all the company's products
    rotated = a.ok(a.http.post(f"/v1/admin/webhooks/{eid}/rotate"))
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != secret
    assert rotated["previous_valid_until"] is not None

    views = [a.http.get(f"/v1/admin/webhooks/{eid}"), a.http.get("/v1/admin/webhooks"),
             a.http.get("/v1/admin/webhooks", params={"company": a.company}),
             a.http.get(f"/v1/admin/companies/{a.company}/webhooks"), a.http.get("/v1/admin/webhooks/dead-letters"),
             a.http.get(f"/v1/admin/webhooks/{eid}/deliveries"), a.http.get(f"/v1/admin/webhooks/{eid}/attempts")]
    for view in views:
        assert view.status_code == 200, view.text
        assert secret not in view.text and rotated["secret"] not in view.text and '"secret"' not in view.text
    assert [e["id"] for e in views[1].json()] == [e["id"] for e in views[3].json()] == [eid]
    assert views[0].json()["rotating_until"] == rotated["previous_valid_until"]

    assert a.http.delete(f"/v1/admin/webhooks/{eid}").status_code == 204
    assert a.http.get(f"/v1/admin/webhooks/{eid}").status_code == 404
    assert a.get("/v1/admin/webhooks") == []


# ---- delivery, signatures, rotation ---------------------------------------------------------------

def test_a_published_story_arrives_signed_and_a_rotation_signs_with_both_secrets(agency: Agency,
                                                                                receivers: Any) -> None:
    a = agency
    box, holder = verifying(receivers)
    made = a.add(box.url)
    old = holder["secret"] = made["secret"]

    guid = a.publish("Summit opens")
    (hit,) = eventually(lambda: box.accepted)
    head = hit.headers
    assert (head["newsflow-event"], head["newsflow-guid"], head["newsflow-version"]) == ("publish", guid, "1")
    assert head["content-type"] == "application/ninjs+json" and head["user-agent"].startswith("Newsflow-Webhooks/")
    assert head["webhook-id"] == f"evt_{head['newsflow-seq']}"
    assert json.loads(hit.body)["headlines"][0]["value"] == "Summit opens"
    assert len(hit.signatures) == 1 and verify(old, head, hit.body)
    assert not verify(old, head, hit.body + b" ") and not verify(old, head | {"webhook-id": "evt_0"}, hit.body)

    # rotate with an hour's overlap: the receiver may switch whenever it likes, both secrets sign
    rotated = a.ok(a.http.post(f"/v1/admin/webhooks/{made['id']}/rotate", json={"overlap_hours": 1}))
    new = holder["secret"] = rotated["secret"]
    a.publish("Talks continue")
    during = eventually(lambda: len(box.accepted) == 2 and box.accepted[1])
    assert len(during.signatures) == 2
    assert verify(new, during.headers, during.body) and verify(old, during.headers, during.body)
    for secret in (new, old):  # each secret matches exactly one of the two
        alone = [verify(secret, during.headers | {"webhook-signature": s}, during.body) for s in during.signatures]
        assert sorted(alone) == [False, True]

    # rotate without overlap: only the newest secret signs from now on
    newest = holder["secret"] = a.ok(a.http.post(f"/v1/admin/webhooks/{made['id']}/rotate",
                                                 json={"overlap_hours": 0}))["secret"]
    a.publish("Talks end")
    after = eventually(lambda: len(box.accepted) == 3 and box.accepted[2])
    assert len(after.signatures) == 1 and verify(newest, after.headers, after.body)
    assert not verify(new, after.headers, after.body) and not verify(old, after.headers, after.body)
    assert [h.status for h in box.hits] == [200, 200, 200]  # never once refused by the receiver

    done = a.get(f"/v1/admin/webhooks/{made['id']}/deliveries", state="delivered")
    assert [(d["state"], d["attempts"]) for d in done] == [("delivered", 1)] * 3
    assert done[-1]["guid"] == guid  # newest event first


# ---- failure, dead letters, replay, the delivery log, explain ----------------------------------------

def test_a_failing_receiver_ends_in_the_dead_letters_and_a_replay_delivers(start: Callable[..., Agency],
                                                                           receivers: Any) -> None:
    a = start(max_attempts=3)
    healthy = threading.Event()
    box = receivers(lambda hit: 200 if healthy.is_set() else 500)
    eid = a.add(box.url)["id"]
    guid = a.publish("Summit opens")

    dead = eventually(lambda: a.get("/v1/admin/webhooks/dead-letters"))
    assert [(d["endpoint_id"], d["guid"], d["state"], d["attempts"], d["last_status"], d["last_error"])
            for d in dead] == [(eid, guid, "dead", 3, 500, "HTTP 500: nope")]
    assert a.get("/v1/admin/webhooks/dead-letters", endpoint=eid) == dead
    assert a.get("/v1/admin/webhooks/dead-letters", endpoint="another") == []
    assert [d["id"] for d in a.get(f"/v1/admin/webhooks/{eid}/deliveries", state="dead")] == [dead[0]["id"]]
    assert a.get(f"/v1/admin/webhooks/{eid}/deliveries", state="delivered") == []

    log = a.get(f"/v1/admin/webhooks/{eid}/attempts")  # the delivery log, newest first
    assert [(x["attempt"], x["status"], x["error"], x["ok"], x["test"]) for x in log] == [
        (n, 500, "HTTP 500: nope", False, False) for n in (3, 2, 1)]
    assert all(x["duration_ms"] >= 0 and x["started"] and x["delivery_id"] == dead[0]["id"] for x in log)
    assert a.get(f"/v1/admin/webhooks/{eid}")["failing_since"] is not None

    why = a.explain(guid)
    assert why["delivered"] is False
    (hook,) = why["webhooks"]
    assert hook["status"] == "dead letter" and "3 attempt(s)" in hook["reason"] and "HTTP 500" in hook["reason"]
    assert f"webhook {eid}: dead letter" in why["summary"]

    healthy.set()
    assert a.ok(a.http.post(f"/v1/admin/webhooks/{eid}/replay")) == {"requeued": 1}
    eventually(lambda: a.get(f"/v1/admin/webhooks/{eid}/deliveries")[0]["state"] == "delivered")
    assert [h.status for h in box.hits] == [500, 500, 500, 200]
    assert len({h.headers["webhook-id"] for h in box.hits}) == 1  # the same id on every try: receivers dedupe
    assert a.get("/v1/admin/webhooks/dead-letters") == []
    assert a.get(f"/v1/admin/webhooks/{eid}")["failing_since"] is None

    why = a.explain(guid)
    (hook,) = why["webhooks"]
    assert why["delivered"] is True and why["summary"].startswith("delivered 1 time(s); last by webhook")
    assert hook["status"] == "delivered" and "after 1 attempt(s)" in hook["reason"]
    assert hook["announcements"][0]["delivery"]["state"] == "delivered"

    again = a.http.post(f"/v1/admin/webhooks/{eid}/replay", json={"delivery_id": dead[0]["id"]})
    assert again.status_code == 409 and "only dead" in again.json()["error"]
    assert a.http.post(f"/v1/admin/webhooks/{eid}/replay", json={"delivery_id": 10**9}).status_code == 404


def test_explain_says_where_a_story_stands_at_each_endpoint(start: Callable[..., Agency], receivers: Any) -> None:
    a = start(breaker_threshold=2, breaker_cooldown=60.0, max_attempts=10)
    down = receivers(lambda hit: 503)
    healthy = receivers()
    failing = a.add(down.url)["id"]
    narrowed = a.add(healthy.url, product_ids=[a.sports])["id"]
    first = a.publish("Summit opens")

    # two failures in a row open the circuit for a minute: the story waits there, retrying
    eventually(lambda: a.get(f"/v1/admin/webhooks/{failing}")["open_until"])
    second = a.publish("Talks continue")
    later = a.add(healthy.url)["id"]  # created after both stories were announced
    eventually(lambda: a.hooks(second)[failing]["status"] == "endpoint failing")

    hooks = a.hooks(first)
    retrying = hooks[failing]["reason"]
    assert hooks[failing]["status"] == "retrying"
    assert "retrying since" in retrying and "2 attempt(s)" in retrying and "HTTP 503: nope" in retrying
    assert "failing since" in retrying and "circuit open until" in retrying
    assert hooks[narrowed]["status"] == "narrowed" and f"[{a.sports}]" in hooks[narrowed]["reason"]
    assert hooks[later]["status"] == "created later"
    blocked = a.hooks(second)[failing]["reason"]
    assert "not sent yet" in blocked and "failing since" in blocked and "last error: HTTP 503: nope" in blocked
    why = a.explain(first)
    assert why["summary"].startswith("entitled, but not yet fetched or delivered on any channel")
    assert f"webhook {failing}: retrying since" in why["summary"] and narrowed in why["summary"]
    assert later not in why["summary"]

    a.ok(a.http.patch(f"/v1/admin/webhooks/{failing}", json={"active": False}))
    assert a.hooks(first)[failing]["status"] == "endpoint inactive"

    # the subscriber gives a working URL: that closes the circuit, and both stories go, in order
    a.ok(a.http.patch(f"/v1/admin/webhooks/{failing}", json={"url": healthy.url, "active": True}))
    eventually(lambda: a.hooks(second)[failing]["status"] == "delivered")
    assert [h.headers["newsflow-guid"] for h in healthy.accepted] == [first, second]
    hooks = a.hooks(first)
    assert hooks[failing]["status"] == "delivered" and "after 3 attempt(s)" in hooks[failing]["reason"]
    assert a.explain(first)["delivered"] is True


# ---- test events -----------------------------------------------------------------------------------

def test_a_test_event_is_sent_now_signed_and_logged(agency: Agency, receivers: Any) -> None:
    a = agency
    box, holder = verifying(receivers)
    made = a.add(box.url)
    holder["secret"] = made["secret"]
    result = a.ok(a.http.post(f"/v1/admin/webhooks/{made['id']}/test"))
    assert (result["ok"], result["status"], result["error"]) == (True, 200, None)
    assert result["duration_ms"] >= 0 and result["webhook_id"].startswith("test_")
    (hit,) = box.hits
    assert hit.status == 200 and verify(made["secret"], hit.headers, hit.body)
    assert (hit.headers["newsflow-test"], hit.headers["newsflow-event"]) == ("true", "test")
    assert hit.headers["webhook-id"] == result["webhook_id"]
    (logged,) = a.get(f"/v1/admin/webhooks/{made['id']}/attempts")
    assert (logged["test"], logged["status"], logged["ok"], logged["delivery_id"]) == (True, 200, True, None)
    assert a.get(f"/v1/admin/webhooks/{made['id']}/deliveries") == []  # not a delivery

    gone = a.add(f"http://127.0.0.1:{free_port()}/hook")
    failed = a.ok(a.http.post(f"/v1/admin/webhooks/{gone['id']}/test"))
    assert (failed["ok"], failed["status"]) == (False, None) and "Connect" in failed["error"]
    assert a.get(f"/v1/admin/webhooks/{gone['id']}/attempts")[0]["error"] == failed["error"]


# ---- who may, and what is refused -------------------------------------------------------------------

def test_only_admins_manage_webhooks(agency: Agency, receivers: Any) -> None:
    a = agency
    eid = a.add(receivers().url)["id"]
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", f"/v1/admin/companies/{a.company}/webhooks", {"url": "https://hooks.example/in"}),
        ("GET", f"/v1/admin/companies/{a.company}/webhooks", None), ("GET", "/v1/admin/webhooks", None),
        ("GET", "/v1/admin/webhooks/dead-letters", None), ("GET", f"/v1/admin/webhooks/{eid}", None),
        ("PATCH", f"/v1/admin/webhooks/{eid}", {"active": False}), ("DELETE", f"/v1/admin/webhooks/{eid}", None),
        ("POST", f"/v1/admin/webhooks/{eid}/rotate", None), ("GET", f"/v1/admin/webhooks/{eid}/deliveries", None),
        ("GET", f"/v1/admin/webhooks/{eid}/attempts", None), ("POST", f"/v1/admin/webhooks/{eid}/replay", None),
        ("POST", f"/v1/admin/webhooks/{eid}/test", None),
    ]
    store = a.svc.store
    tokens = {role: store.create_token(store.create_user(email=f"{role}@example.org", name=role, role=role).id)
              for role in ("editor", "reporter")}
    key = a.svc.subscribers.create_api_key(a.company).secret
    for method, path, body in routes:
        def call(auth: str | None, method: str = method, path: str = path, body: Any = body) -> httpx.Response:
            headers = {"Authorization": f"Bearer {auth}"} if auth else {}
            return httpx.request(method, str(a.http.base_url.join(path)), json=body, headers=headers)

        assert call(None).status_code == 401, path
        assert call(key).status_code == 401, path  # a subscriber's key is no staff token
        for role, token in tokens.items():
            refused = call(token)
            assert refused.status_code == 403, (role, path)
            assert "admin" in refused.json()["error"]
    endpoint = a.get(f"/v1/admin/webhooks/{eid}")
    assert endpoint["active"] is True and endpoint["rotating_until"] is None  # nothing was changed
    assert [e["id"] for e in a.get("/v1/admin/webhooks")] == [eid]
    assert a.get(f"/v1/admin/webhooks/{eid}/attempts") == []


def test_unknown_endpoints_answer_404_and_bad_input_names_the_field(agency: Agency, receivers: Any) -> None:
    a = agency
    eid = a.add(receivers().url)["id"]
    for method, path in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/rotate"), ("GET", "/deliveries"),
                         ("GET", "/attempts"), ("POST", "/replay"), ("POST", "/test")]:
        r = a.http.request(method, f"/v1/admin/webhooks/nope{path}", json={} if method == "PATCH" else None)
        assert r.status_code == 404 and "nope" in r.json()["error"], (method, path, r.text)
    missing = a.http.post("/v1/admin/companies/nope/webhooks", json={"url": "https://hooks.example/in"})
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    assert a.http.get("/v1/admin/companies/nope/webhooks").status_code == 404

    def refused(body: dict[str, Any], status: int = 422) -> str:
        r = a.http.post(f"/v1/admin/companies/{a.company}/webhooks", json=body)
        assert r.status_code == status, r.text
        return r.json().get("field") or r.json()["fields"][0]["field"]

    for bad in ("ftp://hooks.example/in", "hooks.example/in", "http://", ""):
        assert refused({"url": bad}) == "url"
    assert refused({}) == "url"
    assert refused({"url": "https://hooks.example/in", "format": "pdf"}) == "format"
    assert refused({"url": "https://hooks.example/in", "product_ids": [a.culture]}) == "product_ids"
    assert refused({"url": "https://hooks.example/in", "product_ids": []}) == "product_ids"
    assert refused({"url": "https://hooks.example/in", "product_ids": ["x"]}) == "product_ids.0"
    other = a.http.post(f"/v1/admin/companies/{a.company}/webhooks",
                        json={"url": "https://hooks.example/in", "product_ids": [a.culture]}).json()
    assert str(a.culture) in other["error"]  # "the company does not hold product(s) [n]"

    patch = a.http.patch(f"/v1/admin/webhooks/{eid}", json={"format": "docx"})
    assert patch.status_code == 422 and patch.json()["field"] == "format" and "ninjs" in patch.json()["error"]
    patch = a.http.patch(f"/v1/admin/webhooks/{eid}", json={"url": "mailto:desk@example.org"})
    assert patch.status_code == 422 and patch.json()["field"] == "url"
    state = a.http.get(f"/v1/admin/webhooks/{eid}/deliveries", params={"state": "lost"})
    assert state.status_code == 422 and "state" in state.json()["error"]
    limit = a.http.get(f"/v1/admin/webhooks/{eid}/attempts", params={"limit": 0})
    assert limit.status_code == 422 and "limit" in limit.json()["error"]
    overlap = a.http.post(f"/v1/admin/webhooks/{eid}/rotate", json={"overlap_hours": -1})
    assert overlap.status_code == 422 and overlap.json()["fields"][0]["field"] == "overlap_hours"

    assert [e["id"] for e in a.get("/v1/admin/webhooks")] == [eid]  # nothing refused was written
    assert a.get(f"/v1/admin/webhooks/{eid}")["format"] == "ninjs"


# ---- the command line ------------------------------------------------------------------------------

def _cli(tmp_path: Path, database_url: str, **extra: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    # the receivers listen on 127.0.0.1, which only this setting lets a webhook reach
    env |= {"NEWSFLOW_DATA_DIR": str(tmp_path / "var"), "NEWSFLOW_DATABASE_URL": database_url, "COLUMNS": "250",
            "NEWSFLOW_WEBHOOK_ALLOW_PRIVATE": "1"} | extra

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([NEWSFLOW, "webhook", *args], env=env, capture_output=True, text=True, timeout=60)

    return run


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"{pattern!r} not in {text!r}"
    return match[1]


def test_cli_adds_lists_tests_and_rotates_webhooks(services: Services, database_url: str, tmp_path: Path,
                                                  receivers: Any) -> None:
    cli = _cli(tmp_path, database_url)
    subs = services.subscribers
    world = subs.create_product("World", {"categories": ["World"]}).id
    daily = subs.create_company("Daily").id
    subs.assign_product(daily, world)
    box, holder = verifying(receivers)

    added = cli("add", daily, box.url, "--format", "nitf", "--products", str(world))
    assert added.returncode == 0, added.stderr
    eid = _found(r"endpoint (\w+)", added.stdout)
    holder["secret"] = secret = _found(r"(whsec_\S+)", added.stdout)
    endpoint = services.webhooks.get_endpoint(eid)
    assert (endpoint.company_id, endpoint.url, endpoint.format, endpoint.product_ids) == (
        daily, box.url, "nitf", (world,))

    listed = cli("list", "--company", daily)
    assert listed.returncode == 0 and eid in listed.stdout and box.url in listed.stdout and "nitf" in listed.stdout
    assert secret not in listed.stdout and "ok" in listed.stdout
    assert eid not in cli("list", "--company", subs.create_company("Other").id).stdout

    tested = cli("test", eid)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "200" in tested.stdout and "yes" in tested.stdout
    (hit,) = box.hits
    assert hit.status == 200 and hit.headers["newsflow-test"] == "true"

    rotated = cli("rotate", eid, "--overlap-hours", "2")
    assert rotated.returncode == 0, rotated.stderr
    new = _found(r"(whsec_\S+)", rotated.stdout)
    assert new != secret and "old secret signs too until" in rotated.stdout
    holder["secret"] = new
    assert cli("test", eid).returncode == 0
    assert len(box.hits[-1].signatures) == 2 and verify(secret, box.hits[-1].headers, box.hits[-1].body)

    gone = services.webhooks.create_endpoint(daily, f"http://127.0.0.1:{free_port()}/hook").endpoint
    failed = cli("test", gone.id)
    assert failed.returncode == 1 and "Connect" in failed.stdout

    refusals = {("add", daily, "ftp://hooks.example/"): "url", ("add", daily, box.url, "--format", "pdf"): "format",
                ("add", daily, box.url, "--products", "1,x"): "no product named 'x'",  # names or ids
                ("add", daily, box.url, "--products", "999"): "999", ("add", "nope", box.url): "no company",
                ("rotate", "nope"): "nope", ("test", "nope"): "nope", ("replay", "nope"): "nope"}
    with ThreadPoolExecutor(4) as pool:  # independent processes: run side by side
        for (args, words), done in zip(refusals.items(), pool.map(lambda args: cli(*args), refusals), strict=True):
            assert done.returncode != 0 and words in done.stderr, (args, done.stdout, done.stderr)
    assert [e.id for e in services.webhooks.list_endpoints(daily)] == [eid, gone.id]


def test_cli_replays_dead_letters(services: Services, database_url: str, tmp_path: Path) -> None:
    cli = _cli(tmp_path, database_url)
    subs = services.subscribers
    world = subs.create_product("World", {"categories": ["World"]}).id
    daily = subs.create_company("Daily").id
    subs.assign_product(daily, world)
    services.webhooks.config = dataclasses.replace(FAST, max_attempts=1)
    eid = services.webhooks.create_endpoint(daily, f"http://127.0.0.1:{free_port()}/hook").endpoint.id
    _publish(services, "Summit opens")

    async def until_dead() -> None:  # a dispatcher of its own: its sweep plans the event, then it fails
        dispatcher = WebhookDispatcher(services.webhooks)
        await dispatcher.start()
        try:
            while not await asyncio.to_thread(services.webhooks.dead_letters, eid):
                await asyncio.sleep(0.05)
        finally:
            await dispatcher.close()

    asyncio.run(asyncio.wait_for(until_dead(), 15))
    (dead,) = services.webhooks.dead_letters(eid)

    replayed = cli("replay", eid)
    assert replayed.returncode == 0, replayed.stderr
    assert "Requeued 1 dead delivery" in replayed.stdout
    assert services.webhooks.get_delivery(dead.id).state == "pending"
    again = cli("replay", eid, "--delivery", str(dead.id))
    assert again.returncode == 1 and "only dead" in again.stderr
    unknown = cli("replay", eid, "--delivery", "999999")
    assert unknown.returncode == 1 and "no delivery 999999" in unknown.stderr
    assert cli("replay", eid).stdout.startswith("Requeued 0")


def _publish(services: Services, headline: str) -> str:
    guid = services.newsroom.create(Story(headline=headline, categories=["World"])).guid
    services.newsroom.publish(guid)
    return guid

"""The outermost ASGI layer: a request id on every request and response, one structured log line per
request, and the request-latency histogram — for the framework's routes and the fast paths beneath it
(the plain feed page, pre-rendered public pages) alike.

It is on the hottest path there is (a plain feed page answers in tens of microseconds), so it does
little: ids are a per-process prefix and a counter, not random bytes; the route template is the
matched route's, or a small table's for what no route matched; the line is built only when the
access logger is on."""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from newsflow.ops.metrics import Metrics

log = logging.getLogger("newsflow.access")

HEADER = b"x-request-id"
MAX_ID = 128
QUIET = frozenset({"/healthz", "/readyz", "/metrics"})  # a load balancer's and Prometheus's polls: debug only
_quoted: Callable[[str], str] = json.encoder.encode_basestring  # a JSON string literal (in C), non-ASCII kept
STATE = "state"  # Starlette's `request.state` lives in the scope under this key
SIGNED_IN = "nf.user"  # where web.login keeps the request's signed-in account
# The request's state for code that is not handed the request (the staff-token dependency): the
# dict itself is shared, so a worker thread running a sync dependency writes into the same one.
_CURRENT: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar("newsflow_request_state")


def note_user(user_id: str) -> None:
    """Name the staff member a token belongs to in this request's log line."""
    state = _CURRENT.get(None)
    if state is not None:
        state["user_id"] = user_id


def sane_id(value: bytes) -> str | None:
    """The client's request id when it is one we may log and send back: 1-128 visible ASCII characters
    (no spaces, no control characters); else None, and the node makes one."""
    if not 0 < len(value) <= MAX_ID or not all(0x21 <= b <= 0x7E for b in value):
        return None
    return value.decode("ascii")


class AccessRecord(logging.LogRecord):
    """A request's log record, made for a fraction of what `log.info` costs: no walk up the stack for
    the caller's file and line, no thread or process look-ups; and its JSON line is written straight
    from its values (`json_line`), its `fields` dict made only for a handler that asks for it."""

    def __init__(self, level: int, scope: dict[str, Any], rid: str, route: str, status: int, seconds: float,
                 sent: int) -> None:
        # deliberately not calling LogRecord.__init__: these are all the attributes handlers read
        method, path = scope["method"], scope["path"]
        self.name, self.levelno, self.levelname = log.name, level, logging.getLevelName(level)
        self.msg, self.args = f"{method} {path} {status}", ()
        self.created = time.time()
        self.msecs = (self.created - int(self.created)) * 1000
        self.relativeCreated = (self.created - logging._startTime) * 1000  # type: ignore[attr-defined]
        self.pathname, self.filename, self.module, self.funcName, self.lineno = __file__, "requests.py", \
            "requests", "__call__", 0
        self.exc_info = self.exc_text = self.stack_info = None
        self.thread = self.threadName = self.process = self.processName = self.taskName = None
        client = scope.get("client")
        self.values: tuple[Any, ...] = (rid, method, route, path, status, round(seconds * 1000, 3), sent,
                                        client[0] if client else None)
        self.who = _who(scope)

    @property
    def fields(self) -> dict[str, Any]:
        rid, method, route, path, status, ms, sent, client = self.values
        return {"event": "request", "request_id": rid, "method": method, "route": route, "path": path,
                "status": status, "duration_ms": ms, "bytes": sent, "client": client, **self.who}

    def json_line(self, stamp: str) -> str:
        """The record as ops.logs.JsonFormatter would write it, without building and encoding a dict."""
        rid, method, route, path, status, ms, sent, client = self.values
        line = (f'{{"ts": "{stamp}", "level": "{self.levelname.lower()}", "logger": "{self.name}", '
                f'"msg": {_quoted(self.msg)}, "event": "request", "request_id": {_quoted(rid)}, '
                f'"method": {_quoted(method)}, "route": {_quoted(route)}, "path": {_quoted(path)}, '
                f'"status": {status}, "duration_ms": {ms!r}, "bytes": {sent}, '
                f'"client": {"null" if client is None else _quoted(client)}')
        for name, value in self.who.items():
            line += f', "{name}": {_quoted(value)}'
        return line + "}"


def _who(scope: dict[str, Any]) -> dict[str, str]:
    """Who asked, as far as the request's handling found out."""
    who: dict[str, str] = {}
    user = scope.get(SIGNED_IN)  # the faces' session user, once web.login has looked it up
    if user is not None:
        who["user_id"] = user.id
        if getattr(user, "company_id", None):
            who["company_id"] = user.company_id
    state = scope.get(STATE, {})
    for name in ("company_id", "user_id"):
        if name in state:
            who[name] = state[name]
    key = state.get("key")  # the API key's hash, set by the subscriber API's auth: its fingerprint
    if isinstance(key, str):
        who["key_id"] = key[:12]
    return who


def name_caller(scope: dict[str, Any], company_id: str, key_hash: str) -> None:
    """Who asked, for the request's log line: what the subscriber API's auth puts in `request.state`,
    for a layer beneath it (the feed's fast path)."""
    state = scope.setdefault(STATE, {})
    state["company_id"], state["key"] = company_id, key_hash


class RequestLog:
    """Request id, access log line and latency for every HTTP request; the metrics are the app's
    services' (looked up per request: the services may be opened in the lifespan)."""

    def __init__(self, app: Any, paths: dict[str, str] | None = None, subtrees: dict[str, str] | None = None) -> None:
        from newsflow.web.api.subscriber import RAW_SEND  # here: the web layer's auth imports this module

        self.app = app
        self._raw_send = RAW_SEND
        # labels for what the router does not name: paths answered beneath it (path → label), and
        # mounted subtrees (prefix → label)
        self.paths = paths or {}
        self.subtrees = tuple((subtrees or {}).items())
        self._prefix = secrets.token_hex(4) + "-"  # unique per process; the counter makes it unique per request
        self._next: Callable[[], int] = itertools.count(1).__next__

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        began = time.perf_counter()
        rid = None
        for name, value in scope["headers"]:
            if name == HEADER:
                rid = sane_id(value)
                break
        if rid is None:
            rid = f"{self._prefix}{self._next():x}"
        state = scope.setdefault(STATE, {})
        state["request_id"] = rid
        _CURRENT.set(state)  # this request's task (and the threads it hands work to) only
        scope.setdefault(self._raw_send, send)  # the stream's frames skip this layer's wrapper
        header = (HEADER, rid.encode())
        status = 500  # if the app raises before answering, the server's error page is a 500
        sent = 0
        started = streamed = False

        async def respond(message: dict[str, Any]) -> None:
            nonlocal status, sent, started, streamed
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                headers = message.get("headers", ())
                streamed = any(k == b"content-type" and v.startswith(b"text/event-stream") for k, v in headers)
                message = {**message, "headers": [*headers, header]}  # a copy: a layer may reuse its own
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, respond)
        except Exception:
            if not started:  # answer the 500 here, so that it too names its request id
                body = b'{"error":"internal server error (request id %s)"}' % header[1]
                await send({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)), header]})
                await send({"type": "http.response.body", "body": body})
                sent = len(body)
            raise  # the server logs the traceback (the framework sees the answer went out and adds none)
        finally:
            seconds = time.perf_counter() - began
            route = self._route(scope, status)
            svc = getattr(scope["app"].state, "services", None) if "app" in scope else None
            metrics: Metrics | None = getattr(svc, "metrics", None)
            if metrics is not None and not streamed:  # a stream's time is its life, not its latency
                metrics.request(route, status, seconds)
            level = logging.DEBUG if scope["path"] in QUIET else logging.ERROR if status >= 500 else logging.INFO
            if log.isEnabledFor(level):
                log.handle(AccessRecord(level, scope, rid, route, status, seconds, sent))

    def _route(self, scope: dict[str, Any], status: int) -> str:
        """The route's template (never the raw path, so the label set stays small)."""
        route = scope.get("route")
        template = getattr(route, "path", None)
        if isinstance(template, str) and hasattr(route, "endpoint"):
            return template
        path = scope["path"]
        label = self.paths.get(path)
        if label is not None:
            return label
        for prefix, label in self.subtrees:
            if path.startswith(prefix):
                return label
        return "unmatched" if status == 404 else "unrouted"

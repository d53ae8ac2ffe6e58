"""What a load balancer and Prometheus ask a node: `/healthz` (the process answers), `/readyz` (it
can serve: database, bus, follower) and `/metrics`.

Health and readiness are open to anyone and cheap (no body is read, one indexed query at most);
`/metrics` is for the monitoring system only: with `NEWSFLOW_METRICS_TOKEN` set it wants that bearer
token from everyone, without it it answers only loopback and private addresses.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from newsflow.ops.state import Live, LogEnd, bus_connected
from newsflow.services import Services

log = logging.getLogger("newsflow.ops")
router = APIRouter(include_in_schema=False)  # for operators' tools, not subscribers' developers
DATABASE_TIMEOUT = 2.0  # seconds: a balancer's probe gives up soon after; a hung database is not ready
_NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is alive and its event loop answers; nothing else is asked (no database)."""
    return JSONResponse({"status": "ok"}, headers=_NO_STORE)


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """200 `ready`; 200 `degraded` when the bus is down (wake-ups come from polling the log, later but
    complete); 503 `unready` naming what is wrong: the database cannot be read, or the follower is
    further behind the log than NEWSFLOW_READY_MAX_LAG seconds."""
    svc: Services = request.app.state.services
    handled = svc.follower.handled_seq
    checks: dict[str, Any] = {}
    try:
        end = await asyncio.wait_for(asyncio.to_thread(LogEnd.read, svc.store, handled), DATABASE_TIMEOUT)
    except Exception as exc:
        # the class only: the message may name internal hosts, and this answer is public
        why = ("timed out" if isinstance(exc, TimeoutError) else "file missing" if isinstance(exc, FileNotFoundError)
               else type(exc).__name__)
        log.warning("readiness: the database cannot be read: %s", exc)
        checks["database"] = {"ok": False}
        return _answer(503, "unready", f"database unreachable ({why})", checks)
    checks["database"] = {"ok": True, "last_seq": end.last_seq}
    behind, seconds = end.lag(handled)
    limit = svc.settings.ready_max_lag
    lagging = limit > 0 and seconds > limit
    checks["follower"] = {"ok": not lagging, "handled_seq": handled, "lag_events": behind,
                          "lag_seconds": round(seconds, 3)}
    connected = bus_connected(svc.bus)
    checks["bus"] = {"ok": connected}
    if lagging:
        return _answer(503, "unready", f"follower {seconds:.0f} s behind the log (limit {limit:g} s)", checks)
    if not connected:
        return _answer(200, "degraded", "bus disconnected: wake-ups fall back to polling the log every "
                                        f"{svc.settings.log_poll_every:g} s", checks)
    return _answer(200, "ready", None, checks)


def _answer(status: int, state: str, problem: str | None, checks: dict[str, Any]) -> JSONResponse:
    body: dict[str, Any] = {"status": state, "checks": checks}
    if problem is not None:
        body["error" if status >= 500 else "reason"] = problem
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """The node's metrics in the Prometheus text format (see `ops.metrics`)."""
    svc: Services = request.app.state.services
    refused = refusal(request, svc.settings.metrics_token)
    if refused is not None:
        status, message = refused
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    live = Live.take(svc, request.app)  # on the loop: the streams and the follower belong to it
    body = await asyncio.to_thread(svc.metrics.render, live)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=_NO_STORE)


def refusal(request: Request, token: str) -> tuple[int, str] | None:
    """Why this request may not read /metrics (status, message), or None when it may."""
    if token:
        sent = request.headers.get("authorization", "")
        if hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return None
        return 401, "/metrics wants 'Authorization: Bearer <NEWSFLOW_METRICS_TOKEN>'"
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket's view of an IPv4 client
    if address is not None and (address.is_loopback or address.is_private):
        return None
    return 403, ("/metrics answers loopback and private addresses only; set NEWSFLOW_METRICS_TOKEN to "
                 "scrape it from elsewhere with a bearer token")

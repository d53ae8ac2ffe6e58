"""The `Idempotency-Key` header of the newsroom API: a retried request answers the first result.

A client that sends a request and never sees the answer (a timeout, a crash) sends it again with the
same key, and gets the first answer (same status and body, `Idempotent-Replayed: true`) instead of a
second draft or a 409. The key is claimed at the start of the action's own transaction
(Store.unit) and its answer written before that transaction commits: the effect and the kept answer
exist together or not at all, and a second request with the key waits for the first (SQLite's write
lock, PostgreSQL's unique index) and then reads its answer. A refused request (4xx) keeps nothing,
so a retry asks again. The same key for a different request (route or body) is 422. Keys are per
user and kept for `KEEP`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from newsflow.errors import Conflict, FieldError
from newsflow.model import utcnow
from newsflow.services import Services
from newsflow.store import Store, User
from newsflow.store.tables import idempotency_keys
from newsflow.web.deps import services

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
REPLAYED = {"Idempotent-Replayed": "true"}


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: route and body (JSON compared by value, not by spacing)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode() if body else b""
    except ValueError:
        canonical = body
    return hashlib.sha256(f"{method} {path}\n".encode() + canonical).hexdigest()


@dataclass(frozen=True)
class Idempotent:
    """One request's key (None when it sent none) and fingerprint."""

    store: Store
    key: str | None
    fingerprint: str

    def answer(self, user: User, status: int, action: Callable[[], BaseModel]) -> JSONResponse:
        """Run `action` once per key and answer its result as JSON with `status`."""
        if self.key is None:
            return JSONResponse(action().model_dump(mode="json"), status_code=status)
        with self.store.unit() as conn:
            kept = self._claim(conn, user.id, utcnow())
            if kept is not None:
                return kept
            body = action().model_dump(mode="json")
            k = idempotency_keys
            conn.execute(k.update().where(k.c.user_id == user.id, k.c.key == self.key)
                         .values(status=status, response=body))
        return JSONResponse(body, status_code=status)

    def _claim(self, conn: sa.Connection, user_id: str, now: datetime) -> JSONResponse | None:
        """Take the key for this request, or the answer kept for it."""
        k = idempotency_keys
        conn.execute(k.delete().where(k.c.user_id == user_id, k.c.created < now - KEEP))
        taken = conn.execute(self.store.insert_ignoring(k, "user_id", "key").values(
            user_id=user_id, key=self.key, fingerprint=self.fingerprint, created=now).returning(k.c.key)).first()
        if taken is not None:
            return None
        row: Any = conn.execute(k.select().where(k.c.user_id == user_id, k.c.key == self.key)).one()
        if row.fingerprint != self.fingerprint:
            raise FieldError(HEADER, "this key was used for a different request (another route or body); "
                                     "use a new key for a new request")
        if row.status is None:  # cannot be seen committed; a guard should a store ever allow it
            raise Conflict(f"the request with this {HEADER} is still being answered; retry shortly")
        return JSONResponse(row.response, status_code=row.status, headers=REPLAYED)


async def idempotent(request: Request, key: str | None = Header(
        None, alias=HEADER, min_length=1, max_length=255,
        description="A unique value per request (e.g. a UUID). A retry with the same key gets the first "
                    "answer instead of doing the action twice; kept 24 hours."),
        svc: Services = Depends(services)) -> Idempotent:
    body = await request.body() if key is not None else b""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Idempotent(svc.store, key, fingerprint(request.method, path, body))

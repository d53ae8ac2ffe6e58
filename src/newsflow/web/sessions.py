"""Sessions and CSRF tokens, shared by every web face.

A signed-in session lives in the database (store.credentials): the cookie carries only an opaque
random id (`s.<id>`), the row — found by the id's hash — holds the user, the CSRF token and the flash
data of the next page view, and is looked up again on every request, so logout, a password change or
a deactivation ends it at once. A secret shown once rides in the row, never in the cookie.

Before signing in, a visitor's session is a small signed cookie holding only its CSRF token (HMAC-
SHA256; nothing secret, and no database row for every passer-by of a public form). Each session
carries one CSRF token; every POST form sends it back in a hidden field and `check_csrf` compares
the two in constant time.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsflow.config import Settings
from newsflow.store import User
from newsflow.store import credentials as stored
from newsflow.store.store import hash_token

COOKIE = "nf_session"
CSRF_FIELD = "csrf_token"
MAX_AGE = 14 * 24 * 3600  # of the signed, signed-out cookie; a signed-in session's is the setting's
SERVER = "s."  # the prefix of a cookie naming a server-side session
_SECRET_FILE = "secret_key"


def secret_key(settings: Settings) -> bytes:
    """NEWSFLOW_SECRET_KEY, or a key generated once and kept in the data dir, so sessions survive a
    restart. Several nodes must share one: set the variable for them."""
    if settings.secret_key:
        return settings.secret_key.encode()
    return _key_in(Path(settings.data_dir))


@functools.cache  # read once per data dir, not on every request
def _key_in(data_dir: Path) -> bytes:
    path = data_dir / _SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode()
    try:  # O_EXCL: when two workers start together, one writes and both read the winner's key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


class Session(dict[str, Any]):
    """A dict that knows whether it changed, so unchanged sessions write nothing. `user` and `id_hash`
    are set for a signed-in (server-side) session; `new_id` only on the request that opened it."""

    modified: bool = False
    user: User | None = None
    id_hash: str | None = None
    new_id: str | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.modified = True
        super().__delitem__(key)

    def take(self, key: str) -> Any:
        """The value once: it leaves the session (and the cookie) as it is read."""
        if key not in self:
            return None
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        self.modified = True
        super().clear()


def _sign(key: bytes, payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode().rstrip("=")


def encode(key: bytes, data: dict[str, Any], now: float | None = None) -> str:
    body = json.dumps({"d": data, "t": int(now or time.time())}, separators=(",", ":")).encode()
    payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
    return f"{payload}.{_sign(key, payload.encode())}"


def decode(key: bytes, value: str, now: float | None = None) -> dict[str, Any] | None:
    """The data of a cookie signed with `key` and younger than MAX_AGE; None for anything else."""
    payload, _, signature = value.partition(".")
    if not signature or not hmac.compare_digest(signature, _sign(key, payload.encode())):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("d"), dict):
        return None
    if (now or time.time()) - int(body.get("t", 0)) > MAX_AGE:
        return None
    return body["d"]


def _lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.session_hours)


def session(request: Request) -> Session:
    """This request's session (read once, kept on the request): a live server-side session named by
    the cookie, else the signed, signed-out one (its CSRF token only), else a new empty one."""
    found = request.scope.get("nf.session")
    if found is None:
        services = request.app.state.services
        value = request.cookies.get(COOKIE, "")
        found = Session()
        if value.startswith(SERVER):
            row = stored.find_session(services.store, hash_token(value[len(SERVER):]))
            if row is not None:
                found = Session({**row.data, "csrf": row.csrf})
                found.user, found.id_hash = row.user, row.id_hash
        else:
            data = decode(secret_key(services.settings), value) or {}
            if isinstance(data.get("csrf"), str):
                found = Session(csrf=data["csrf"])
        request.scope["nf.session"] = found
    return found


def sign_in(request: Request, user: User) -> Session:
    """A fresh server-side session for `user` (new id, new CSRF token, nothing from before, so a
    planted cookie is worthless); the one this browser had is ended, not left alive beside it. `save`
    puts the new id in the cookie."""
    sign_out(request)
    store = request.app.state.services.store
    sid = stored.open_session(store, user.id, _lifetime(request.app.state.services.settings))
    row = stored.find_session(store, hash_token(sid))
    assert row is not None, "a session just written is there"
    fresh = Session(csrf=row.csrf)
    fresh.user, fresh.id_hash, fresh.new_id = row.user, row.id_hash, sid
    request.scope["nf.session"] = fresh
    return fresh


def sign_out(request: Request) -> None:
    """End this request's server-side session (its row is deleted: the cookie is worthless from now)."""
    data = session(request)
    if data.id_hash is not None:
        stored.end_session(request.app.state.services.store, data.id_hash)
    request.scope["nf.session"] = Session()


def save(request: Request, response: Response) -> None:
    """Write what changed: a signed-in session to its row (the cookie only on sign-in), a signed-out
    one (its CSRF token, nothing else) to the signed cookie; after sign-out, the cookie is dropped."""
    data: Session | None = request.scope.get("nf.session")
    if data is None:
        return
    settings = request.app.state.services.settings
    secure = settings.base_url.startswith("https://")
    if data.id_hash is not None:
        if data.modified:
            flash = {k: v for k, v in data.items() if k != "csrf"}
            stored.save_session(request.app.state.services.store, data.id_hash, str(data.get("csrf", "")), flash)
            data.modified = False
        if data.new_id is not None:
            response.set_cookie(COOKIE, SERVER + data.new_id, max_age=int(_lifetime(settings).total_seconds()),
                                httponly=True, samesite="lax", secure=secure, path="/")
        return
    if request.cookies.get(COOKIE, "").startswith(SERVER) and not data.modified:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
        return
    if not data.modified:
        return
    # signed, not encrypted: only the CSRF token may ride here, never a secret
    signed_out = {"csrf": data["csrf"]} if isinstance(data.get("csrf"), str) else {}
    response.set_cookie(COOKIE, encode(secret_key(settings), signed_out), max_age=MAX_AGE, httponly=True,
                        samesite="lax", secure=secure, path="/")


SHOWN = "shown"  # the session key a secret travels under from a POST to the page after it


def show_once(request: Request, url: str, shown: dict[str, Any]) -> Response:
    """Post/redirect/get for a secret (an API key, a signing secret, a generated password): it rides in
    the session row to the next page, which shows it and drops it (`take(SHOWN)`), so reloading that
    page neither repeats the POST (a second key) nor shows it again."""
    session(request)[SHOWN] = shown
    response = RedirectResponse(url, 303)
    save(request, response)
    return response


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; put it in every form as CSRF_FIELD."""
    data = session(request)
    token = data.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        data["csrf"] = token
    return token


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse (403) a POST whose form token is missing or is not this session's."""
    expected = session(request).get("csrf")
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "the form's security token is missing or expired; reload the page")


async def require_csrf(request: Request) -> None:
    """A dependency for POST form routes: `dependencies=[Depends(require_csrf)]`. The parsed form is
    kept by Starlette, so the route can still read `await request.form()`."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    check_csrf(request, sent if isinstance(sent, str) else None)


async def until_ended(frames: AsyncIterator[str], still_valid: Callable[[], Any], every: float = 1.0,
                      ) -> AsyncIterator[str]:
    """Pass `frames` on while `still_valid()` (run in a thread at most every `every` seconds) holds; when
    it no longer does, end with a last comment saying why — even while `frames` waits for its next."""
    queue: asyncio.Queue[str | None] = asyncio.Queue(maxsize=1)  # one frame in hand: a slow client slows `frames`

    async def pump() -> None:
        try:
            async for frame in frames:
                await queue.put(frame)
        except Exception:  # the stream ends as it would have without the wrapper, and says why in the log
            logging.getLogger("newsflow.web").exception("a live stream failed; it is closed")
        await queue.put(None)  # (not reached when cancelled: then nobody reads any more)

    loop = asyncio.get_running_loop()
    task = asyncio.create_task(pump())
    check_at = loop.time() + every
    try:
        while True:
            try:
                frame = await asyncio.wait_for(queue.get(), max(0.0, check_at - loop.time()))
            except TimeoutError:
                frame = ""
            if frame is None or (not frame and task.done() and queue.empty()):
                return  # `frames` ended (a node's drain, a slow tab dropped): so does this stream
            if frame:
                yield frame
            if loop.time() >= check_at:
                if not await asyncio.to_thread(still_valid):
                    yield ": closed: signed out or access revoked\n\n"
                    return
                check_at = loop.time() + every
    finally:
        task.cancel()

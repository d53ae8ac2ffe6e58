"""Signed session cookies and CSRF tokens, shared by every web face.

The cookie holds a small JSON dict signed with HMAC-SHA256 (nothing secret goes in it; the signature
only stops a client from forging or editing it). Each session carries one CSRF token; every POST form
sends it back in a hidden field and `check_csrf` compares the two in constant time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from newsflow.config import Settings

COOKIE = "nf_session"
CSRF_FIELD = "csrf_token"
MAX_AGE = 14 * 24 * 3600
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
    """A dict that knows whether it changed, so unchanged sessions set no cookie."""

    modified: bool = False

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


def session(request: Request) -> Session:
    """This request's session (read once, kept on the request)."""
    found = request.scope.get("nf.session")
    if found is None:
        key = secret_key(request.app.state.services.settings)
        found = Session(decode(key, request.cookies.get(COOKIE, "")) or {})
        request.scope["nf.session"] = found
    return found


def save(request: Request, response: Response) -> None:
    """Write the session cookie if the session changed during this request."""
    data = request.scope.get("nf.session")
    if data is None or not data.modified:
        return
    settings = request.app.state.services.settings
    response.set_cookie(COOKIE, encode(secret_key(settings), dict(data)), max_age=MAX_AGE, httponly=True,
                        samesite="lax", secure=settings.base_url.startswith("https://"), path="/")


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

"""Signing in and out for every web face, and the dependencies that guard their pages.

The session cookie (web/sessions.py) holds only an opaque session id; the session row and its account
are read again on every request, so logout, a password change, a deactivation or a changed role take
effect at once, not when the cookie expires.

Sign-in is throttled twice: per (address, e-mail), which stops guessing one account's password, and
per address over failures only, whatever the e-mails, which stops spraying one password over many
accounts (NEWSFLOW_LOGIN_FAILURES_PER_HOUR). Both are kept in this node's memory.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from newsflow.auth import COMPANY_ROLES, PUBLISH_ROLES, STAFF_ROLES, check_account, hash_password, verify_password
from newsflow.errors import FieldError, NotFound
from newsflow.services import Services
from newsflow.store import User
from newsflow.store import credentials as stored
from newsflow.web import i18n, sessions
from newsflow.web.account.reset import offered as reset_offered
from newsflow.web.deps import services
from newsflow.web.i18n import N_
from newsflow.web.ratelimit import RateLimiter
from newsflow.web.templating import env, private_page

router = APIRouter(include_in_schema=False)

WRONG = N_("wrong e-mail or password")  # one message for every failure, in the reader's language
TOO_MANY = N_("Too many sign-in attempts; please wait a minute and try again.")
# Attempts per (address, e-mail): enough for typos, far too few to guess a password.
LOGIN_PER_MINUTE = 10
LOGIN_BURST = 5
_dummy_hash: str | None = None


def _limiter(request: Request) -> RateLimiter:
    # Kept on the app, not the Services dataclass: only the web login needs it.
    limiter = getattr(request.app.state, "login_limiter", None)
    if limiter is None:
        limiter = RateLimiter(LOGIN_PER_MINUTE, LOGIN_BURST)
        request.app.state.login_limiter = limiter
    return limiter


def _failures(request: Request) -> RateLimiter:
    """Failed sign-ins per client address, over every e-mail: a bucket of the hour's allowance."""
    limiter = getattr(request.app.state, "login_failures", None)
    if limiter is None:
        per_hour = request.app.state.services.settings.login_failures_per_hour
        limiter = RateLimiter(per_hour / 60, per_hour)
        request.app.state.login_failures = limiter
    return limiter


def _dummy() -> str:
    """A hash to verify against when the e-mail is unknown, so both failures take the same time."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    return _dummy_hash


def safe_next(value: str | None, default: str = "/desk") -> str:
    """Only a path on this site: `//evil.example`, `https://…` or `/\\evil` would make the login page an
    open redirect."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


# ---- who is signed in --------------------------------------------------------------------------------


def current_user(request: Request) -> User | None:
    """The signed-in, active account of this request, or None (read once per request)."""
    if "nf.user" in request.scope:
        return request.scope["nf.user"]
    user = sessions.session(request).user  # the session row's look-up joins its active account
    request.scope["nf.user"] = user
    return user


@dataclass(frozen=True)
class StreamCredential:
    """Who holds an open stream and how to ask, while it is open, whether they still may."""

    user: User
    still_valid: Callable[[], bool]


def stream_credential(request: Request) -> StreamCredential | None:
    """The staff member behind a stream request — a signed-in session, or a staff token sent as
    `Authorization: Bearer` — with a re-check that fails once the session or token ends."""
    store = request.app.state.services.store
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret:
        user = store.user_for_token(secret.strip())
        if user is None:
            return None
        return StreamCredential(user, lambda: store.user_for_token(secret.strip()) is not None)
    data = sessions.session(request)
    if data.user is None or data.id_hash is None:
        return None
    id_hash = data.id_hash
    return StreamCredential(data.user, lambda: bool(stored.live_sessions(store, {id_hash})))


def _sign_in_first(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # a 303 with Location: the app's HTTPException handler keeps the header, so browsers follow it
    return HTTPException(303, "sign in first", {"Location": f"/login?next={quote(target, safe='/')}"})


def _require(request: Request, roles: tuple[str, ...]) -> User:
    user = current_user(request)
    if user is None:
        raise _sign_in_first(request)
    if user.role not in roles:
        raise HTTPException(403, f"role {user.role!r} may not do this")
    return user


def require_staff(request: Request) -> User:
    return _require(request, STAFF_ROLES)


def require_publisher(request: Request) -> User:
    """Editors and admins: the ones who may put copy on the wire (auth.PUBLISH_ROLES)."""
    return _require(request, PUBLISH_ROLES)


def require_admin(request: Request) -> User:
    return _require(request, ("admin",))


def require_portal(request: Request) -> User:
    """A subscriber company's user (for the portal): a company role and a company to see through."""
    user = _require(request, COMPANY_ROLES)
    if not user.company_id:
        raise HTTPException(403, "this account belongs to no subscriber company")
    return user


def require_company_admin(request: Request) -> User:
    """A subscriber company's own admin (for /portal/company): its company's users, keys and webhooks."""
    user = require_portal(request)
    if user.role != "company_admin":
        raise HTTPException(403, f"role {user.role!r} may not manage the company")
    return user


def faces_of(user: User) -> tuple[str, ...]:
    """The faces an account may open, the one it lands on after sign-in first: an admin runs /admin and
    may use the desk too; other staff work at /desk; a subscriber company's people at /portal."""
    if user.role == "admin":
        return ("/admin", "/desk")
    if user.role in STAFF_ROLES:
        return ("/desk",)
    if user.role in COMPANY_ROLES and user.company_id:
        return ("/portal",)
    return ()


env.globals["faces_of"] = faces_of  # templates/_faces_nav.html links the same faces


def _home(user: User) -> str:
    return next(iter(faces_of(user)), "/")


# ---- the pages -----------------------------------------------------------------------------------------


def _form(request: Request, *, email: str = "", next_path: str = "", error: str | None = None,
          status: int = 200) -> Response:
    # "Forgot your password?" only where a link can be mailed (web.account.reset)
    return private_page(request, "login.html", status=status, email=email, next_path=next_path, error=error,
                        can_reset=reset_offered(request.app.state.services))


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    user = current_user(request)
    if user is not None:
        return RedirectResponse(safe_next(next, _home(user)), 303)
    return _form(request, next_path=safe_next(next, ""))


@router.post("/login", dependencies=[Depends(sessions.require_csrf)])
async def login(request: Request, svc: Services = Depends(services)) -> Response:
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()[:320]
    password = str(form.get("password") or "")
    next_path = safe_next(str(form.get("next") or ""), "")
    address = request.client.host if request.client else "unknown"
    # spraying: this address failed too often lately, whatever e-mails it tried (peeked, not taken:
    # only a failure spends from this allowance)
    wait = _failures(request).wait(address) or _limiter(request).take(f"{address}|{email}")
    if wait:
        response = _form(request, email=email, next_path=next_path, status=429,
                         error=i18n.request_translator(request).gettext(TOO_MANY))
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    try:
        user: User | None = svc.store.user_by_email(email) if email else None
    except NotFound:
        user = None
    ok = verify_password(user.password_hash if user else _dummy(), password)
    if user is None or not ok or not user.active:
        _failures(request).take(address)
        # one message for every failure: the page must not tell which e-mails have accounts
        return _form(request, email=email, next_path=next_path, error=i18n.request_translator(request).gettext(WRONG),
                     status=401)
    # rotate: a fresh server-side session (new id, new CSRF token), so a planted cookie is worthless
    await run_in_threadpool(sessions.sign_in, request, user)
    request.scope["nf.user"] = user
    response = RedirectResponse(safe_next(next_path, _home(user)), 303)
    sessions.save(request, response)
    _mark_signed_in(request, response, True)
    return response


@router.post("/logout", dependencies=[Depends(sessions.require_csrf)])
async def logout(request: Request) -> Response:
    sessions.sign_out(request)  # the row is deleted: this cookie signs nobody in again, anywhere
    request.scope["nf.user"] = None
    response = RedirectResponse("/login", 303)
    sessions.save(request, response)
    _mark_signed_in(request, response, False)
    return response


# ---- who is signed in, for pages everyone shares ----------------------------------------------------------

# The public pages are kept in memory and served alike to every reader, so their header only says
# "Sign in". A browser that signed in holds this flag (no secret: the session cookie stays HttpOnly),
# and static/signed-in.js asks /login/whoami for the reader's own header only when the flag is there,
# so readers who never sign in cost the site no request.
SIGNED_IN_FLAG = "nf_in"


def _mark_signed_in(request: Request, response: Response, signed_in: bool) -> None:
    secure = request.app.state.services.settings.base_url.startswith("https://")
    if signed_in:
        hours = request.app.state.services.settings.session_hours
        response.set_cookie(SIGNED_IN_FLAG, "1", max_age=hours * 3600, samesite="lax", secure=secure, path="/")
    else:
        response.delete_cookie(SIGNED_IN_FLAG, path="/", samesite="lax", secure=secure)


@router.get("/login/whoami")
def whoami(request: Request) -> Response:
    """The signed-in reader's part of the header (name, faces, sign out) as an HTML fragment; 204 and
    the flag dropped when nobody is signed in (the session ended elsewhere)."""
    user = current_user(request)
    if user is None:
        response = Response(status_code=204, headers={"Cache-Control": "private, no-store"})
        _mark_signed_in(request, response, False)
        return response
    return private_page(request, "_signed_in.html", user=user)


# ---- changing one's own password ------------------------------------------------------------------------


def require_signed_in(request: Request) -> User:
    """Anyone signed in, whatever the role (their own password and settings)."""
    user = current_user(request)
    if user is None:
        raise _sign_in_first(request)
    return user


def _password_form(request: Request, user: User, *, error: str | None = None, status: int = 200) -> Response:
    return private_page(request, "password.html", status=status, user=user, error=error)


@router.get("/password")
def password_form(request: Request, user: User = Depends(require_signed_in)) -> Response:
    return _password_form(request, user)


@router.post("/password", dependencies=[Depends(sessions.require_csrf)])
async def change_password(request: Request, user: User = Depends(require_signed_in),
                          svc: Services = Depends(services)) -> Response:
    """The signed-in person's own password. Every session and staff token of the account ends with the
    change (a thief's copy of a cookie or token is out too); this browser gets a fresh session."""
    form = await request.form()
    current, new = str(form.get("current") or ""), str(form.get("new") or "")
    address = request.client.host if request.client else "unknown"
    t = i18n.request_translator(request)
    wait = _failures(request).wait(address)
    if wait:  # a stolen session must not become a way round the sign-in throttle
        response = _password_form(request, user, error=t.gettext(TOO_MANY), status=429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    if not await run_in_threadpool(verify_password, user.password_hash, current):
        _failures(request).take(address)
        return _password_form(request, user, error=t.gettext("the current password is wrong"), status=401)
    try:
        check_account(password=new)
    except FieldError as exc:
        return _password_form(request, user, error=exc.message, status=422)
    changed = await run_in_threadpool(lambda: stored.change_account(svc.store, user.id,
                                                                    password_hash=hash_password(new)))
    await run_in_threadpool(sessions.sign_in, request, changed)  # the old session row is gone with the others
    request.scope["nf.user"] = changed
    response = RedirectResponse(_home(changed), 303)
    sessions.save(request, response)
    return response

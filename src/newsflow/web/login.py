"""Signing in and out for every web face, and the dependencies that guard their pages.

The session cookie (web/sessions.py) holds only the user's id; the account is read again on every
request, so a deactivated user or a changed role takes effect at once, not when the cookie expires.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from newsflow.auth import COMPANY_ROLES, PUBLISH_ROLES, STAFF_ROLES, hash_password, verify_password
from newsflow.errors import NotFound
from newsflow.services import Services
from newsflow.store import User
from newsflow.web import i18n, sessions
from newsflow.web.deps import services
from newsflow.web.ratelimit import RateLimiter
from newsflow.web.templating import private_page

router = APIRouter(include_in_schema=False)

USER_KEY = "uid"
WRONG = "login_wrong"  # i18n key: one message for every failure, in the reader's language
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
    user: User | None = None
    uid = sessions.session(request).get(USER_KEY)
    if isinstance(uid, str):
        try:
            user = request.app.state.services.store.get_user(uid)
        except NotFound:
            user = None
        if user is not None and not user.active:
            user = None
    request.scope["nf.user"] = user
    return user


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


def _home(user: User) -> str:
    return "/desk" if user.role in STAFF_ROLES else "/"


# ---- the pages -----------------------------------------------------------------------------------------


def _form(request: Request, *, email: str = "", next_path: str = "", error: str | None = None,
          status: int = 200) -> Response:
    return private_page(request, "login.html", status=status, email=email, next_path=next_path, error=error)


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
    wait = _limiter(request).take(f"{address}|{email}")
    if wait:
        response = _form(request, email=email, next_path=next_path, status=429,
                         error=i18n.request_translator(request)("login_too_many"))
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    try:
        user: User | None = svc.store.user_by_email(email) if email else None
    except NotFound:
        user = None
    ok = verify_password(user.password_hash if user else _dummy(), password)
    if user is None or not ok or not user.active:
        # one message for every failure: the page must not tell which e-mails have accounts
        return _form(request, email=email, next_path=next_path, error=i18n.request_translator(request)(WRONG),
                     status=401)
    # rotate: a fresh session (new CSRF token, nothing from before) so a planted cookie is worthless
    data = sessions.session(request)
    data.clear()
    data[USER_KEY] = user.id
    data["csrf"] = secrets.token_urlsafe(32)
    request.scope["nf.user"] = user
    response = RedirectResponse(safe_next(next_path, _home(user)), 303)
    sessions.save(request, response)
    return response


@router.post("/logout", dependencies=[Depends(sessions.require_csrf)])
async def logout(request: Request) -> Response:
    data = sessions.session(request)
    data.clear()  # marks the session changed: the cookie is rewritten empty
    request.scope["nf.user"] = None
    response = RedirectResponse("/login", 303)
    sessions.save(request, response)
    return response

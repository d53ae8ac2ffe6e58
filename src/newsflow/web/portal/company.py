"""A subscriber company's own admin at /portal/company: its people, API keys, webhooks, the addresses
its systems read, its products (read-only) and its usage.

For role company_admin only (`login.require_company_admin`), and only ever for the signed-in user's
own company: every id in a path is looked up and, when it belongs to another company (or to agency
staff), answered 404 — the same as an id that does not exist, so nothing tells one company's admin
what another has. The work is done by the same calls the agency's admin face and API make
(newsflow.accounts, wire.subscribers, wire.webhooks, wire.usage); this module only scopes them.

Text a form sends is refused (400, the field named) when it is too long or holds a control character,
never cut, and a refused form writes nothing. Secrets — a generated password, an API key, a signing
secret — are shown once, on the page the POST redirects to (`sessions.show_once`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from newsflow import accounts
from newsflow.auth import COMPANY_ROLES
from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.formats.registry import OUTPUTS
from newsflow.model import utcnow
from newsflow.services import Services
from newsflow.store import User
from newsflow.web import forms, sessions
from newsflow.web.account.login import require_company_admin
from newsflow.web.admin.routes import usage_chart
from newsflow.web.api.subscriber import JSON_FORMATS
from newsflow.web.deps import services
from newsflow.web.portal.routes import _render
from newsflow.wire.subscribers import DEFAULT_SCOPES, SCOPES, ApiKey
from newsflow.wire.webhooks import WebhookEndpoint

Owned = TypeVar("Owned", User, ApiKey, WebhookEndpoint)

router = APIRouter(prefix="/portal/company", include_in_schema=False,
                   dependencies=[Depends(require_company_admin)])
posting = [Depends(sessions.require_csrf)]

# The longest text each field takes (the forms say so too, with maxlength).
LIMITS = {"email": 320, "name": 200, "role": 50, "label": 200, "url": 2000, "format": 50}
# Notices after a redirect, named by the query; the template words them (anything else shows nothing).
DONE = ("deactivated", "activated", "revoked", "deleted")
USAGE_DAYS = (7, 30, 90)


def _admin(request: Request) -> User:
    user: User = request.scope["nf.user"]  # require_company_admin put it there
    return user


def _company_id(request: Request) -> str:
    company_id = _admin(request).company_id
    assert company_id is not None  # require_portal saw to it
    return company_id


def _page(request: Request, svc: Services, template: str, tab: str, *, status: int = 200,
          **values: Any) -> Response:
    user = _admin(request)
    try:
        company = svc.subscribers.get_company(_company_id(request))
    except NotFound:
        raise HTTPException(403, "this account's company is gone") from None
    done = request.query_params.get("done", "")
    values.setdefault("errors", {})
    values.setdefault("v", {})
    return _render(request, template, user, svc, status=status, section="company", tab=tab, company=company,
                   done=done if done in DONE else None, shown=sessions.session(request).take(sessions.SHOWN),
                   limits=LIMITS, **values)


def _back(path: str, done: str | None = None) -> Response:
    return RedirectResponse(f"/portal/company{path}" + (f"?done={done}" if done else ""), 303)


# ---- feeds and products ---------------------------------------------------------------------------


def feed_addresses(base_url: str) -> list[dict[str, Any]]:
    """The endpoints a company's keys read (docs/api.md), as full addresses on this agency's base URL;
    `what` is a code the page words."""
    v1 = base_url.rstrip("/") + "/v1"
    return [
        {"what": "feed", "url": f"{v1}/feed?after=0&format=ninjs", "formats": JSON_FORMATS},
        {"what": "stream", "url": f"{v1}/stream?format=ninjs", "formats": tuple(OUTPUTS)},
        {"what": "queue", "url": f"{v1}/queue/cms/take?limit=20", "formats": JSON_FORMATS},
        {"what": "search", "url": f"{v1}/search?q=", "formats": JSON_FORMATS},
        {"what": "items", "url": v1 + "/items/{guid}?format=newsmlg2", "formats": tuple(OUTPUTS)},
        {"what": "products", "url": f"{v1}/products", "formats": ("json",)},
    ]


@router.get("")
def overview(request: Request, svc: Services = Depends(services)) -> Response:
    """The addresses its systems read, with copy buttons, and the products it has, read-only."""
    company = svc.subscribers.get_company(_company_id(request))
    products = [p for p in svc.subscribers.list_products() if p.id in company.product_ids]
    base = svc.settings.base_url.rstrip("/")
    return _page(request, svc, "portal/company.html", "overview", addresses=feed_addresses(base),
                 products=[(p, p.filter.model_dump(exclude_defaults=True), f"{base}/v1/products/{p.id}")
                           for p in products])


# ---- users ----------------------------------------------------------------------------------------


def _own(request: Request, get: Callable[[str], Owned | None], item_id: str, what: str) -> Owned:
    """A user, key or endpoint of this company; 404 for another company's or none at all, the same
    answer either way, so ids cannot be probed across companies."""
    try:
        found = get(item_id)
    except NotFound:
        found = None
    if found is None or found.company_id != _company_id(request):
        raise HTTPException(404, f"no such {what} in your company")
    return found


def _member(request: Request, svc: Services, user_id: str) -> User:
    """One of this company's people; 404 for anyone else (another company's, staff, nobody)."""
    found = _own(request, svc.store.get_user, user_id, "user")
    if found.role not in COMPANY_ROLES:
        raise HTTPException(404, "no such user in your company")
    return found


def _users_page(request: Request, svc: Services, *, status: int = 200, **values: Any) -> Response:
    values.setdefault("v", {"role": "subscriber"})
    return _page(request, svc, "portal/company_users.html", "users", status=status, roles=COMPANY_ROLES,
                 users=svc.store.list_users(_company_id(request)), me=_admin(request).id, **values)


@router.get("/users")
def users(request: Request, svc: Services = Depends(services)) -> Response:
    return _users_page(request, svc)


@router.post("/users", dependencies=posting)
async def create_user(request: Request, svc: Services = Depends(services)) -> Response:
    """A subscriber or company_admin of this company, with a generated password shown once. Staff
    roles are not on offer: a company's admin makes only its company's people."""
    form = await request.form()
    try:
        v = {name: forms.line(form, name, LIMITS[name]) for name in ("email", "name", "role")}
    except forms.Refused as exc:
        return _users_page(request, svc, errors={exc.field: exc.reason}, status=400)
    v["email"] = v["email"].lower()
    errors = {name: "needed" for name in ("email", "name") if not v[name]}
    if v["role"] not in COMPANY_ROLES:
        errors["role"] = "role"
    if errors:
        return _users_page(request, svc, v=v, errors=errors, status=422)
    try:
        user, password = await run_in_threadpool(lambda: accounts.create_account(
            svc.store, email=v["email"], name=v["name"], role=v["role"], company_id=_company_id(request)))
    except FieldError as exc:  # auth.check_account: only the e-mail can be wrong here
        return _users_page(request, svc, v=v, errors={exc.field: "email" if exc.field == "email" else exc.message},
                           status=422)
    except Conflict:  # the e-mail is taken (also when two forms raced: the store's unique e-mail decides)
        return _users_page(request, svc, v=v, errors={"email": "taken"}, status=409)
    return sessions.show_once(request, "/portal/company/users", {"kind": "password", "about": user.email,
                                                                 "secret": password})


async def _set_active(request: Request, svc: Services, user_id: str, active: bool) -> Response:
    member = _member(request, svc, user_id)
    try:
        await run_in_threadpool(lambda: accounts.set_active(svc.store, member.id, active, by=_admin(request)))
    except Conflict as exc:  # one's own account
        raise HTTPException(409, str(exc)) from None
    return _back("/users", "activated" if active else "deactivated")


@router.post("/users/{user_id}/deactivate", dependencies=posting)
async def deactivate_user(user_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    """The account is off at once: its sessions end, its open portal stream with them."""
    return await _set_active(request, svc, user_id, False)


@router.post("/users/{user_id}/activate", dependencies=posting)
async def activate_user(user_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    return await _set_active(request, svc, user_id, True)


@router.post("/users/{user_id}/reset", dependencies=posting)
async def reset_password(user_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    """A one-time password, shown once; whoever was signed in as that person is signed out."""
    member = _member(request, svc, user_id)
    if member.id == _admin(request).id:  # it would end this very session, and the secret riding in it
        raise HTTPException(409, "change your own password at /password")
    _, password = await run_in_threadpool(accounts.reset_password, svc.store, member.id)
    return sessions.show_once(request, "/portal/company/users", {"kind": "reset", "about": member.email,
                                                                 "secret": password})


# ---- API keys -------------------------------------------------------------------------------------


def _own_key(request: Request, svc: Services, key_id: str) -> ApiKey:
    return _own(request, svc.subscribers.get_api_key, key_id, "API key")


def _keys_page(request: Request, svc: Services, *, status: int = 200, **values: Any) -> Response:
    values.setdefault("v", {"scopes": list(DEFAULT_SCOPES)})
    return _page(request, svc, "portal/company_keys.html", "keys", status=status, scopes=tuple(SCOPES),
                 keys=svc.subscribers.list_api_keys(_company_id(request)), **values)


@router.get("/keys")
def keys(request: Request, svc: Services = Depends(services)) -> Response:
    return _keys_page(request, svc)


@router.post("/keys", dependencies=posting)
async def create_key(request: Request, svc: Services = Depends(services)) -> Response:
    """A named key with the uses ticked; its secret is shown once (only its hash is kept)."""
    form = await request.form()
    try:
        label = forms.line(form, "label", LIMITS["label"])
    except forms.Refused as exc:
        return _keys_page(request, svc, errors={exc.field: exc.reason}, status=400)
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    v = {"label": label, "scopes": scopes}
    errors = {"label": "needed"} if not label else {}
    if not scopes:
        errors["scopes"] = "scopes"
    if errors:
        return _keys_page(request, svc, v=v, errors=errors, status=422)
    try:
        new = await run_in_threadpool(lambda: svc.subscribers.create_api_key(_company_id(request), label=label,
                                                                             scopes=scopes))
    except FieldError as exc:  # an unknown scope
        return _keys_page(request, svc, v=v, errors={exc.field: exc.message}, status=422)
    return sessions.show_once(request, "/portal/company/keys", {"kind": "key", "about": new.key.label,
                                                                "secret": new.secret})


@router.post("/keys/{key_id}/revoke", dependencies=posting)
async def revoke_key(key_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    """The admin face's revocation: the key stops at once, open streams on it within a second."""
    key = _own_key(request, svc, key_id)
    await run_in_threadpool(svc.subscribers.revoke_api_key, key.id)
    return _back("/keys", "revoked")


# ---- webhooks -------------------------------------------------------------------------------------


def _own_endpoint(request: Request, svc: Services, endpoint_id: str) -> WebhookEndpoint:
    return _own(request, svc.webhooks.get_endpoint, endpoint_id, "webhook endpoint")


def _webhooks_page(request: Request, svc: Services, *, status: int = 200, **values: Any) -> Response:
    values.setdefault("v", {"format": "ninjs"})
    return _page(request, svc, "portal/company_webhooks.html", "webhooks", status=status, formats=tuple(OUTPUTS),
                 endpoints=svc.webhooks.list_endpoints(_company_id(request)), now=utcnow(), **values)


@router.get("/webhooks")
def webhooks(request: Request, svc: Services = Depends(services)) -> Response:
    return _webhooks_page(request, svc)


@router.post("/webhooks", dependencies=posting)
async def create_webhook(request: Request, svc: Services = Depends(services)) -> Response:
    """An endpoint checked as the admin's and the API's are (wire.webhooks: the URL, its address, the
    format); its signing secret is shown once."""
    form = await request.form()
    try:
        v = {name: forms.line(form, name, LIMITS[name]) for name in ("url", "format")}
    except forms.Refused as exc:
        return _webhooks_page(request, svc, errors={exc.field: exc.reason}, status=400)
    if not v["url"]:
        return _webhooks_page(request, svc, v=v, errors={"url": "needed"}, status=422)
    try:
        new = await run_in_threadpool(lambda: svc.webhooks.create_endpoint(_company_id(request), v["url"],
                                                                           format=v["format"] or "ninjs"))
    except FieldError as exc:
        return _webhooks_page(request, svc, v=v, errors={exc.field: exc.message}, status=422)
    return sessions.show_once(request, "/portal/company/webhooks", {"kind": "webhook", "about": new.endpoint.url,
                                                                    "secret": new.secret})


@router.post("/webhooks/{endpoint_id}/rotate", dependencies=posting)
async def rotate_secret(endpoint_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    """A new signing secret, shown once; the old one keeps signing for the service's overlap (a day)."""
    endpoint = _own_endpoint(request, svc, endpoint_id)
    secret = await run_in_threadpool(svc.webhooks.rotate_secret, endpoint.id)
    return sessions.show_once(request, "/portal/company/webhooks", {"kind": "rotated", "about": endpoint.url,
                                                                    "secret": secret})


@router.post("/webhooks/{endpoint_id}/delete", dependencies=posting)
async def delete_webhook(endpoint_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    endpoint = _own_endpoint(request, svc, endpoint_id)
    await run_in_threadpool(svc.webhooks.delete_endpoint, endpoint.id)
    return _back("/webhooks", "deleted")


# ---- usage ----------------------------------------------------------------------------------------


@router.get("/usage")
def usage(request: Request, days: int = Query(30, ge=1, le=366), svc: Services = Depends(services)) -> Response:
    """Deliveries per day by channel over its keys and people: the admin usage page's report and
    day list (wire.usage, admin.routes.usage_chart), as a table."""
    report = svc.usage.report(_company_id(request), days=days)
    chart = usage_chart(report, days, utcnow().date())
    return _page(request, svc, "portal/company_usage.html", "usage", days=days, choices=USAGE_DAYS,
                 report=report, chart=chart)

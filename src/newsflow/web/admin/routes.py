"""The admin face at /admin: companies, users, products, API keys, webhooks, delivery explanations,
subscription requests and usage (admin role only).

Every rule lives in the services (wire.subscribers, the store's users with auth.check_account,
wire.webhooks, wire.usage); this module turns forms into calls to them and their errors into messages
next to the fields. A form is checked whole before anything is written, so a refused form leaves
nothing behind. Secrets (API keys, webhook signing secrets, generated passwords) are shown once, on
the page the POST that made them redirects to (they ride there in the session, which drops them as
they are shown), and never again; reloading that page makes nothing twice.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from newsflow import accounts
from newsflow.auth import ROLES, check_account
from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.formats.registry import OUTPUTS
from newsflow.model import utcnow
from newsflow.ranges import INT32_MAX, INT64_MAX, whole_number
from newsflow.services import Services
from newsflow.store import User
from newsflow.store import credentials as stored
from newsflow.web import forms, i18n, sessions
from newsflow.web.account.login import require_admin, safe_next
from newsflow.web.api import admin as admin_api
from newsflow.web.deps import services
from newsflow.web.i18n import N_, Translator, words
from newsflow.web.templating import PRIVATE, context, env, private_page
from newsflow.wire import archive
from newsflow.wire.products import ProductFilter, matches
from newsflow.wire.subscribers import ARCHIVE_DAYS_MAX, SCOPES

router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(require_admin)])
posting = [Depends(sessions.require_csrf)]

PREVIEW_SIZE = 50  # the product preview tests a filter against this many recent published stories
LIST_FIELDS = ("categories", "dossiers", "languages", "subjects", "places")
MEDIA_TYPES = ("text", "picture")
# Mid-tone bar colours that stand 3:1 against both the light and the dark page; no red (it means flash or kill).
CHANNEL_COLOURS = ("#2f74c9", "#168a74", "#b97800", "#8456d6", "#6f7a87", "#c0468f", "#6d8a12", "#a5623c")
# Fixed messages after a redirect: the query names one, so nothing a link carries is echoed.
# The values are msgids: the message is shown in the reader's UI language.
NOTICES = {"company": N_("Company saved."), "product": N_("Product saved."), "revoked": N_("API key revoked."),
           "deactivated": N_("User deactivated."), "activated": N_("User activated."),
           "replayed": N_("Queued again."), "webhook": N_("Webhook endpoint saved."),
           "webhook_saved": N_("Endpoint saved."), "webhook_deleted": N_("Endpoint deleted."),
           "public": N_("Public rule saved; the website follows on its next page."),
           "token_revoked": N_("Staff token revoked.")}


def _page(request: Request, template: str, *, status: int = 200, **values: Any) -> Response:
    done = NOTICES.get(request.query_params.get("done", ""))
    values.setdefault("notice", i18n.request_translator(request).gettext(done) if done else None)
    values.setdefault("shown", sessions.session(request).take(sessions.SHOWN))
    return private_page(request, template, status=status, user=request.scope.get("nf.user"), **values)


def _see_other(url: str) -> Response:
    return RedirectResponse(url, 303)


# ---- home ------------------------------------------------------------------------------------------------


@router.get("")
def home() -> Response:
    return _see_other("/admin/companies")


# ---- companies -------------------------------------------------------------------------------------------


@router.get("/companies")
def companies(request: Request, svc: Services = Depends(services)) -> Response:
    return _companies_page(request, svc)


def _companies_page(request: Request, svc: Services, *, values: dict[str, Any] | None = None,
                    errors: dict[str, str] | None = None, status: int = 200) -> Response:
    products = {p.id: p for p in svc.subscribers.list_products()}
    return _page(request, "admin/companies.html", status=status, section="companies",
                 companies=svc.subscribers.list_companies(), products=products, v=values or {}, errors=errors or {})


@router.post("/companies", dependencies=posting)
async def create_company(request: Request, svc: Services = Depends(services)) -> Response:
    form = await request.form()
    values = {"name": forms.text(form, "name", 300), "active": forms.checked(form, "active"),
              "may_receive_embargoed": forms.checked(form, "may_receive_embargoed")}
    try:
        company = await run_in_threadpool(svc.subscribers.create_company, values["name"],
                                          may_receive_embargoed=values["may_receive_embargoed"],
                                          active=values["active"])
    except FieldError as exc:
        return _companies_page(request, svc, values=values, errors={exc.field: exc.message}, status=422)
    except Conflict as exc:
        return _companies_page(request, svc, values=values, errors={"name": str(exc)}, status=409)
    return _see_other(f"/admin/companies/{company.id}?done=company")


def _company_page(request: Request, svc: Services, company_id: str, *, status: int = 200,
                  **values: Any) -> Response:
    try:
        company = svc.subscribers.get_company(company_id)
    except NotFound:
        raise HTTPException(404, "no such company") from None
    values.setdefault("v", {"name": company.name, "active": company.active,
                            "may_receive_embargoed": company.may_receive_embargoed,
                            "product_ids": set(company.product_ids)})
    values.setdefault("errors", {})
    for name in ("key_v", "key_errors", "hook_v", "hook_errors"):
        values.setdefault(name, {})
    return _page(request, "admin/company.html", status=status, section="companies", company=company,
                 products=svc.subscribers.list_products(), users=svc.store.list_users(company_id),
                 keys=svc.subscribers.list_api_keys(company_id), endpoints=svc.webhooks.list_endpoints(company_id),
                 scopes=_scopes(i18n.request_translator(request)), formats=list(OUTPUTS), **values)


def _scopes(t: Translator) -> dict[str, str]:
    """Each scope's description in the UI language; a scope added without a translation shows its English one."""
    return {name: t.gettext(words.SCOPES[name]) if name in words.SCOPES else what
            for name, what in SCOPES.items()}


@router.get("/companies/{company_id}")
def company(company_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    return _company_page(request, svc, company_id)


@router.post("/companies/{company_id}", dependencies=posting)
async def update_company(company_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    form = await request.form()
    current = svc.subscribers.get_company(company_id) if _exists(svc, company_id) else None
    if current is None:
        raise HTTPException(404, "no such company")
    known = {p.id for p in svc.subscribers.list_products()}
    t = i18n.request_translator(request)
    wanted: set[int] = set()
    errors: dict[str, str] = {}
    for raw in form.getlist("product_ids"):
        try:
            wanted.add(whole_number(raw if isinstance(raw, str) else "", "product_ids", low=1, high=INT32_MAX))
        except FieldError:
            errors["product_ids"] = t.gettext("%(value)s is not a product id", value=repr(raw))
    if wanted - known:
        errors["product_ids"] = t.gettext("unknown product(s): %(ids)s", ids=sorted(wanted - known))
    values = {"name": forms.text(form, "name", 300), "active": forms.checked(form, "active"),
              "may_receive_embargoed": forms.checked(form, "may_receive_embargoed"), "product_ids": wanted}
    if not values["name"]:
        errors["name"] = t.gettext("a name needs 1 to 200 characters")
    if errors:
        return _company_page(request, svc, company_id, v=values, errors=errors, status=422)
    try:  # the name is the one thing the service may still refuse: it goes first, before any product
        await run_in_threadpool(svc.subscribers.update_company, company_id, name=values["name"],
                                active=values["active"], may_receive_embargoed=values["may_receive_embargoed"])
    except FieldError as exc:
        return _company_page(request, svc, company_id, v=values, errors={exc.field: exc.message}, status=422)
    except Conflict as exc:
        return _company_page(request, svc, company_id, v=values, errors={"name": str(exc)}, status=409)
    for product_id in sorted(wanted - current.product_ids):
        await run_in_threadpool(svc.subscribers.assign_product, company_id, product_id)
    for product_id in sorted(current.product_ids - wanted):
        await run_in_threadpool(svc.subscribers.unassign_product, company_id, product_id)
    return _see_other(f"/admin/companies/{company_id}?done=company")


def _exists(svc: Services, company_id: str) -> bool:
    try:
        svc.subscribers.get_company(company_id)
    except NotFound:
        return False
    return True


# ---- users -----------------------------------------------------------------------------------------------


def _users_page(request: Request, svc: Services, company: str = "", *, status: int = 200,
                **values: Any) -> Response:
    companies = {c.id: c for c in svc.subscribers.list_companies()}
    values.setdefault("v", {"company_id": company, "role": "subscriber" if company else ""})
    values.setdefault("errors", {})
    return _page(request, "admin/users.html", status=status, section="users",
                 users=svc.store.list_users(company or None), companies=companies, company=company,
                 roles=ROLES, **values)


@router.get("/users")
def users(request: Request, company: str = "", svc: Services = Depends(services)) -> Response:
    return _users_page(request, svc, company)


@router.post("/users", dependencies=posting)
async def create_user(request: Request, svc: Services = Depends(services)) -> Response:
    """An account with a role and (for a company's people) a company; the rules are auth.check_account's.
    The password is generated and shown once."""
    form = await request.form()
    values = {"email": forms.text(form, "email", 320).lower(), "name": forms.text(form, "name", 300),
              "role": forms.text(form, "role", 50), "company_id": forms.text(form, "company_id", 100)}
    company_id = values["company_id"] or None
    t = i18n.request_translator(request)
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = t.gettext("a name is needed")
    try:
        check_account(email=values["email"], role=values["role"], company_id=company_id)
    except FieldError as exc:
        errors[exc.field] = exc.message
    if company_id and "company_id" not in errors and not _exists(svc, company_id):
        errors["company_id"] = t.gettext("no such company")
    if "email" not in errors:
        try:
            svc.store.user_by_email(values["email"])
            errors["email"] = t.gettext("an account with this e-mail exists already")
        except NotFound:
            pass
    if errors:
        return _users_page(request, svc, values["company_id"], v=values, errors=errors, status=422)
    try:
        user, password = await run_in_threadpool(lambda: accounts.create_account(
            svc.store, email=values["email"], name=values["name"], role=values["role"], company_id=company_id))
    except (Conflict, FieldError) as exc:
        return _users_page(request, svc, values["company_id"], v=values, errors={"email": str(exc)}, status=409)
    shown = {"what": t.gettext("Password for %(email)s", email=user.email), "secret": password,
             "hint": t.gettext("Pass it on to the person now: it is not stored and will not be shown again.")}
    return sessions.show_once(request, "/admin/users" + (f"?company={quote(company_id)}" if company_id else ""), shown)


async def _set_active(request: Request, svc: Services, user_id: str, active: bool) -> Response:
    form = await request.form()
    try:
        user: User = svc.store.get_user(user_id)
    except NotFound:
        raise HTTPException(404, "no such user") from None
    try:
        by = request.scope.get("nf.user")
        await run_in_threadpool(lambda: accounts.set_active(svc.store, user.id, active, by=by))
    except Conflict as exc:  # one's own account
        raise HTTPException(409, str(exc)) from None
    back = safe_next(forms.text(form, "back", 300), "/admin/users")
    target = back if back.startswith("/admin/") else "/admin/users"
    sep = "&" if "?" in target else "?"
    return _see_other(f"{target}{sep}done={'activated' if active else 'deactivated'}")


@router.post("/users/{user_id}/deactivate", dependencies=posting)
async def deactivate_user(user_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    return await _set_active(request, svc, user_id, False)


@router.post("/users/{user_id}/activate", dependencies=posting)
async def activate_user(user_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    return await _set_active(request, svc, user_id, True)


@router.post("/users/{user_id}/reset-password", dependencies=posting)
async def reset_user_password(user_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    """A new generated password for someone who forgot theirs, shown once; every session and token of
    the account ends (accounts.reset_password). One's own password is changed at /password instead."""
    form = await request.form()
    try:
        user: User = svc.store.get_user(user_id)
    except NotFound:
        raise HTTPException(404, "no such user") from None
    by = request.scope.get("nf.user")
    if by is not None and by.id == user.id:
        raise HTTPException(409, "change your own password at /password")
    _, password = await run_in_threadpool(accounts.reset_password, svc.store, user.id)
    t = i18n.request_translator(request)
    shown = {"what": t.gettext("New password for %(email)s", email=user.email), "secret": password,
             "hint": t.gettext("Pass it on to the person now: it is not stored and will not be shown again. "
                               "Every session and API token of the account has ended.")}
    back = safe_next(forms.text(form, "back", 300), "/admin/users")
    return sessions.show_once(request, back if back.startswith("/admin/") else "/admin/users", shown)


# ---- staff tokens ----------------------------------------------------------------------------------------


@router.get("/tokens")
def staff_tokens(request: Request, svc: Services = Depends(services)) -> Response:
    """Every staff token, revoked ones too (greyed), newest last; made with `newsflow token create`."""
    return _page(request, "admin/tokens.html", section="tokens",
                 tokens=stored.list_tokens(svc.store, include_revoked=True))


@router.post("/tokens/{token_id}/revoke", dependencies=posting)
async def revoke_staff_token(token_id: str, svc: Services = Depends(services)) -> Response:
    try:
        await run_in_threadpool(stored.revoke_token, svc.store, token_id)
    except NotFound:
        raise HTTPException(404, "no such token") from None
    return _see_other("/admin/tokens?done=token_revoked")


# ---- API keys --------------------------------------------------------------------------------------------


@router.post("/companies/{company_id}/keys", dependencies=posting)
async def create_key(company_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    if not _exists(svc, company_id):
        raise HTTPException(404, "no such company")
    form = await request.form()
    scopes = [s for s in form.getlist("scopes") if isinstance(s, str)]
    values = {"label": forms.text(form, "label", 200), "scopes": set(scopes)}
    t = i18n.request_translator(request)
    errors: dict[str, str] = {}
    if not scopes:
        errors["scopes"] = t.gettext("pick at least one scope")
    elif unknown := sorted(set(scopes) - set(SCOPES)):
        errors["scopes"] = t.gettext("unknown scope(s): %(names)s", names=", ".join(unknown))
    if errors:
        return _company_page(request, svc, company_id, key_v=values, key_errors=errors, status=422)
    try:
        new = await run_in_threadpool(lambda: svc.subscribers.create_api_key(company_id, label=values["label"],
                                                                             scopes=scopes))
    except FieldError as exc:
        return _company_page(request, svc, company_id, key_v=values, key_errors={"scopes": exc.message},
                             status=422)
    shown = {"what": t.gettext("API key %(prefix)s… (%(scopes)s)", prefix=new.key.prefix,
                               scopes=", ".join(new.key.scopes)),
             "secret": new.secret, "hint": t.gettext("Copy it now: only a hash is stored, it will not be shown again.")}
    return sessions.show_once(request, f"/admin/companies/{company_id}", shown)


@router.post("/keys/{key_id}/revoke", dependencies=posting)
async def revoke_key(key_id: str, svc: Services = Depends(services)) -> Response:
    try:
        key = await run_in_threadpool(svc.subscribers.revoke_api_key, key_id)
    except NotFound:
        raise HTTPException(404, "no such key") from None
    return _see_other(f"/admin/companies/{key.company_id}?done=revoked")


# ---- products --------------------------------------------------------------------------------------------


def _filter_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: forms.text(form, name, 5000) for name in LIST_FIELDS}
    values["media_types"] = [m for m in form.getlist("media_types") if m in MEDIA_TYPES]
    values["urgency_max"] = forms.text(form, "urgency_max", 5)
    values["public_only"] = forms.checked(form, "public_only")
    return values


def _parse_filter(values: dict[str, Any], t: Translator) -> tuple[ProductFilter | None, dict[str, str]]:
    raw: dict[str, Any] = {name: forms.commas(values[name]) for name in LIST_FIELDS}
    raw["media_types"] = values["media_types"]
    raw["public_only"] = values["public_only"]
    errors: dict[str, str] = {}
    if values["urgency_max"]:
        try:
            raw["urgency_max"] = int(values["urgency_max"])
        except ValueError:
            errors["urgency_max"] = t.gettext("a number from 1 (flash) to 9")
    try:
        found = ProductFilter.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0]) if err["loc"] else "filter"
            message = err["msg"]
            if name == "languages" and err["type"] == "string_pattern_mismatch":
                message = t.gettext("not a language tag such as en or en-GB")
            errors.setdefault(name, message + (f" ({err['input']!r})" if len(err["loc"]) > 1 else ""))
        return None, errors
    return (None, errors) if errors else (found, errors)


def _product_values(form: FormData) -> dict[str, Any]:
    return {"name": forms.text(form, "name", 300), "description": forms.text(form, "description", 2000),
            "active": forms.checked(form, "active"), "public": forms.checked(form, "public"),
            "archive_days": forms.text(form, "archive_days", 12), **_filter_values(form)}


def _archive_days(v: dict[str, Any]) -> int | None:
    """The form's archive window: empty for the whole archive (FieldError naming the field)."""
    raw = v["archive_days"]
    return whole_number(raw, "archive_days", low=1, high=ARCHIVE_DAYS_MAX) if raw.strip() else None


def _values_of(product: Any) -> dict[str, Any]:
    f = product.filter
    return {"name": product.name, "description": product.description, "active": product.active,
            "public": product.public, "archive_days": str(product.archive_days or ""),
            **{name: ", ".join(getattr(f, name)) for name in LIST_FIELDS},
            "media_types": list(f.media_types), "urgency_max": str(f.urgency_max or ""),
            "public_only": f.public_only}


def _preview(svc: Services, filter: ProductFilter) -> dict[str, Any]:
    recent = svc.store.latest(limit=PREVIEW_SIZE)
    matched = [v for v in recent if matches(filter, v)]
    return {"matched": matched, "tested": len(recent)}


def _product_page(request: Request, svc: Services, product: Any | None, *, v: dict[str, Any],
                  errors: dict[str, str] | None = None, status: int = 200) -> Response:
    preview = None
    if not errors:
        found, _ = _parse_filter(v, i18n.request_translator(request))
        if found is not None:
            preview = _preview(svc, found)
    run = archive.progress(svc.store, [product.id]).get(product.id) if product is not None else None
    return _page(request, "admin/product.html", status=status, section="products", product=product, v=v,
                 errors=errors or {}, preview=preview, media_types=MEDIA_TYPES, archive_run=run)


@router.get("/products")
def products(request: Request, svc: Services = Depends(services)) -> Response:
    return _page(request, "admin/products.html", section="products", products=svc.subscribers.list_products())


@router.get("/products/new")
def new_product(request: Request, svc: Services = Depends(services)) -> Response:
    blank = {name: "" for name in LIST_FIELDS} | {"name": "", "description": "", "active": True, "public": False,
                                                   "archive_days": "", "media_types": [], "urgency_max": "",
                                                   "public_only": False}
    return _product_page(request, svc, None, v=blank)


@router.get("/products/{product_id}")
def product(request: Request, product_id: int = admin_api.PRODUCT_ID, svc: Services = Depends(services)) -> Response:
    try:
        found = svc.subscribers.get_product(product_id)
    except NotFound:
        raise HTTPException(404, "no such product") from None
    return _product_page(request, svc, found, v=_values_of(found))


@router.post("/products/preview", dependencies=posting)
async def preview(request: Request, svc: Services = Depends(services)) -> Response:
    """The live preview: an HTML fragment listing which recent stories the form's filter matches."""
    form = await request.form()
    t = i18n.request_translator(request)
    found, errors = _parse_filter(_filter_values(form), t)
    result = await run_in_threadpool(_preview, svc, found) if found is not None else None
    # a fragment, not a page: the same context as one (the reader's catalog and zone), no layout
    body = env.get_template("admin/_preview.html").render(context(request, preview=result, errors=errors))
    return Response(body, 200 if found is not None else 422, {"Cache-Control": PRIVATE},
                    "text/html; charset=utf-8")


async def _save_product(request: Request, svc: Services, product_id: int | None) -> Response:
    current = None
    if product_id is not None:
        try:
            current = svc.subscribers.get_product(product_id)
        except NotFound:
            raise HTTPException(404, "no such product") from None
    form = await request.form()
    t = i18n.request_translator(request)
    v = _product_values(form)
    found, errors = _parse_filter(v, t)
    if not v["name"]:
        errors["name"] = t.gettext("a name needs 1 to 200 characters")
    if errors or found is None:
        return _product_page(request, svc, current, v=v, errors=errors, status=422)
    try:
        days = _archive_days(v)
        if current is None:
            saved = await run_in_threadpool(lambda: svc.subscribers.create_product(
                v["name"], found, description=v["description"], active=v["active"], public=v["public"],
                archive_days=days))
        else:
            saved = await run_in_threadpool(lambda: svc.subscribers.update_product(
                current.id, name=v["name"], description=v["description"], filter=found, active=v["active"],
                public=v["public"], archive_days=days))
    except FieldError as exc:
        return _product_page(request, svc, current, v=v, errors={exc.field: exc.message}, status=422)
    except Conflict as exc:
        return _product_page(request, svc, current, v=v, errors={"name": str(exc)}, status=409)
    return _see_other(f"/admin/products/{saved.id}?done=product")


@router.post("/products/new", dependencies=posting)
async def create_product(request: Request, svc: Services = Depends(services)) -> Response:
    return await _save_product(request, svc, None)


@router.post("/products/{product_id}", dependencies=posting)
async def update_product(request: Request, product_id: int = admin_api.PRODUCT_ID,
                         svc: Services = Depends(services)) -> Response:
    return await _save_product(request, svc, product_id)


# ---- the public website's rule ----------------------------------------------------------------------------


def _public_page(request: Request, svc: Services, *, status: int = 200, **values: Any) -> Response:
    site = svc.public
    rule = site.rule()
    shown = site.stories(limit=20)
    values.setdefault("errors", {})
    return _page(request, "admin/public.html", status=status, section="public", setting=site.urgency_setting(),
                 default_urgency=site.urgency_max, products=svc.subscribers.list_products(),
                 stories=[(v, rule.why(v)) for v in shown], **values)


@router.get("/public")
def public_rule(request: Request, svc: Services = Depends(services)) -> Response:
    return _public_page(request, svc)


@router.post("/public", dependencies=posting)
async def set_public_rule(request: Request, svc: Services = Depends(services)) -> Response:
    """The urgency clause of the public rule (products are marked public on their own page)."""
    form = await request.form()
    raw = forms.text(form, "urgency_max", 5)
    user = request.scope.get("nf.user")
    try:
        try:
            urgency = whole_number(raw, "urgency_max", high=9)
        except FieldError:
            message = i18n.request_translator(request).gettext("choose off or an urgency from 1 to 9")
            raise FieldError("urgency_max", message) from None
        await run_in_threadpool(lambda: svc.public.set_urgency(urgency, by=user.email if user else "admin"))
    except FieldError as exc:
        return _public_page(request, svc, errors={exc.field: exc.message}, status=422)
    return _see_other("/admin/public?done=public")


# ---- webhooks --------------------------------------------------------------------------------------------


@router.post("/companies/{company_id}/webhooks", dependencies=posting)
async def create_webhook(company_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    if not _exists(svc, company_id):
        raise HTTPException(404, "no such company")
    form = await request.form()
    values = {"url": forms.text(form, "url", 3000), "format": forms.text(form, "format", 50) or "ninjs"}
    try:
        new = await run_in_threadpool(lambda: svc.webhooks.create_endpoint(company_id, values["url"],
                                                                           format=values["format"]))
    except FieldError as exc:
        return _company_page(request, svc, company_id, hook_v=values, hook_errors={exc.field: exc.message},
                             status=422)
    t = i18n.request_translator(request)
    shown = {"what": t.gettext("Signing secret of webhook %(url)s", url=new.endpoint.url), "secret": new.secret,
             "hint": t.gettext("Give it to the receiver now: it will not be shown again (rotate to make a new one).")}
    return sessions.show_once(request, f"/admin/webhooks/{new.endpoint.id}", shown)


def _endpoint_or_404(svc: Services, endpoint_id: str) -> Any:
    try:
        return svc.webhooks.get_endpoint(endpoint_id)
    except NotFound:
        raise HTTPException(404, "no such webhook endpoint") from None


def _webhook_page(request: Request, svc: Services, endpoint_id: str, *, status: int = 200,
                  **values: Any) -> Response:
    ep = _endpoint_or_404(svc, endpoint_id)
    company = svc.subscribers.get_company(ep.company_id)
    values.setdefault("v", {"url": ep.url, "format": ep.format, "active": ep.active,
                            "product_ids": set(ep.product_ids or ())})
    values.setdefault("errors", {})
    values.setdefault("test", None)
    products = [p for p in svc.subscribers.list_products() if p.id in company.product_ids]
    return _page(request, "admin/webhook.html", status=status, section="companies", ep=ep, company=company,
                 products=products, formats=list(OUTPUTS),
                 deliveries=svc.webhooks.deliveries(endpoint_id, limit=50),
                 attempts=svc.webhooks.attempts(endpoint_id, limit=50),
                 dead=svc.webhooks.dead_letters(endpoint_id, limit=100), **values)


@router.get("/webhooks/{endpoint_id}")
def webhook(endpoint_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    return _webhook_page(request, svc, endpoint_id)


def _is_id(raw: str, high: int) -> bool:
    """A row id a form may name: str.isdigit() also passes "²" (int() refuses it) and 30 nines (the
    store refuses those)."""
    try:
        return bool(whole_number(raw, "id", low=1, high=high))
    except FieldError:
        return False


@router.post("/webhooks/{endpoint_id}", dependencies=posting)
async def update_webhook(endpoint_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    """Change the URL, format, narrowing (no product ticked: all the company's products) or whether
    the endpoint is active; a new URL or a re-activation closes its circuit."""
    _endpoint_or_404(svc, endpoint_id)
    form = await request.form()
    picked = [int(p) for p in form.getlist("product_ids") if isinstance(p, str) and _is_id(p, INT32_MAX)]
    values = {"url": forms.text(form, "url", 3000), "format": forms.text(form, "format", 50),
              "active": forms.checked(form, "active"), "product_ids": set(picked)}
    try:
        await run_in_threadpool(lambda: svc.webhooks.update_endpoint(
            endpoint_id, url=values["url"], format=values["format"], product_ids=picked or None,
            active=values["active"]))
    except FieldError as exc:
        return _webhook_page(request, svc, endpoint_id, v=values, errors={exc.field: exc.message}, status=422)
    svc.dispatcher.wake()  # a re-activated endpoint's waiting deliveries go now
    return _see_other(f"/admin/webhooks/{endpoint_id}?done=webhook_saved")


@router.post("/webhooks/{endpoint_id}/delete", dependencies=posting)
async def delete_webhook(endpoint_id: str, svc: Services = Depends(services)) -> Response:
    ep = _endpoint_or_404(svc, endpoint_id)
    await run_in_threadpool(svc.webhooks.delete_endpoint, endpoint_id)
    return _see_other(f"/admin/companies/{ep.company_id}?done=webhook_deleted")


@router.post("/webhooks/{endpoint_id}/rotate", dependencies=posting)
async def rotate(endpoint_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    _endpoint_or_404(svc, endpoint_id)
    secret = await run_in_threadpool(svc.webhooks.rotate_secret, endpoint_id, timedelta(hours=24))
    t = i18n.request_translator(request)
    shown = {"what": t.gettext("New signing secret"), "secret": secret,
             "hint": t.gettext("The previous secret keeps signing for 24 hours as well; "
                               "give this one to the receiver now.")}
    return sessions.show_once(request, f"/admin/webhooks/{endpoint_id}", shown)


@router.post("/webhooks/{endpoint_id}/test", dependencies=posting)
async def test_event(endpoint_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    _endpoint_or_404(svc, endpoint_id)
    result = await svc.webhooks.send_test_event(endpoint_id)
    return _webhook_page(request, svc, endpoint_id, test=result)


@router.post("/webhooks/{endpoint_id}/replay", dependencies=posting)
async def replay(endpoint_id: str, request: Request, svc: Services = Depends(services)) -> Response:
    _endpoint_or_404(svc, endpoint_id)
    form = await request.form()
    raw = forms.text(form, "delivery_id", 30)
    delivery_id = int(raw) if _is_id(raw, INT64_MAX) else None
    try:
        await run_in_threadpool(svc.webhooks.replay, endpoint_id, delivery_id)
    except NotFound:
        raise HTTPException(404, "no such delivery") from None
    svc.dispatcher.wake()
    back = "/admin/dead-letters" if forms.text(form, "back", 50) == "dead-letters" else f"/admin/webhooks/{endpoint_id}"
    return _see_other(f"{back}?done=replayed")


@router.get("/dead-letters")
def dead_letters(request: Request, svc: Services = Depends(services)) -> Response:
    endpoints = {e.id: e for e in svc.webhooks.list_endpoints()}
    companies = {c.id: c for c in svc.subscribers.list_companies()}
    return _page(request, "admin/dead_letters.html", section="dead", dead=svc.webhooks.dead_letters(limit=500),
                 endpoints=endpoints, companies=companies)


# ---- delivery explanation -------------------------------------------------------------------------------


@router.get("/explain")
def explain(request: Request, guid: str = "", company: str = "", svc: Services = Depends(services)) -> Response:
    result = None
    errors: dict[str, str] = {}
    guid, company = guid.strip(), company.strip()
    if guid or company:
        t = i18n.request_translator(request)
        if not guid:
            errors["guid"] = t.gettext("give the story's guid")
        if not company:
            errors["company"] = t.gettext("pick a company")
        elif not _exists(svc, company):
            errors["company"] = t.gettext("no such company")
        if not errors:
            try:
                result = admin_api.explain(guid, company, svc)  # the API's own route: one definition
            except NotFound:
                errors["guid"] = t.gettext("no story with guid %(guid)s", guid=repr(guid))
    return _page(request, "admin/explain.html", status=422 if errors else 200, section="explain",
                 companies=svc.subscribers.list_companies(), guid=guid, company=company, result=result,
                 errors=errors, recent=svc.store.latest(limit=20))


# ---- subscription requests ------------------------------------------------------------------------------


@router.get("/requests")
def requests_list(request: Request, svc: Services = Depends(services)) -> Response:
    return _page(request, "admin/requests.html", section="requests",
                 requests=svc.subscription_requests.list(limit=200), total=svc.subscription_requests.count())


# ---- usage ----------------------------------------------------------------------------------------------


CHART_PLOT_WIDTH = 640  # SVG user units; the figure scales to the page width, text and all
LABEL_SIZE = 11  # the day labels' font size, in the same units
LABEL_GAP = 6  # the least room between two day labels


def usage_chart(report: dict[str, Any], days: int, today: Any) -> dict[str, Any]:
    """A stacked bar per day (every day of the range, empty ones too), one colour per channel; the
    numbers the template draws as an inline SVG."""
    day_list = [(today - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]
    per_day: dict[str, dict[str, int]] = report["per_day"]
    channels = sorted(report["by_channel"], key=lambda c: (-report["by_channel"][c], c))
    colours = {c: CHANNEL_COLOURS[i % len(CHANNEL_COLOURS)] for i, c in enumerate(channels)}
    top = max((sum(per_day.get(d, {}).values()) for d in day_list), default=0) or 1
    # The plot is as wide at 7 days as at 366 (the bars share it), so the page does not jump with the range.
    # the right margin holds half of today's label when its bar is the last, narrow one
    height, plot_w, left, right, bottom = 200, CHART_PLOT_WIDTH, 40, 24, 30
    slot = plot_w / len(day_list)
    bar_w = round(max(1.0, slot * 0.7), 1)
    bars = []
    for i, day in enumerate(day_list):
        x = round(left + i * slot + (slot - bar_w) / 2, 1)
        y = height
        for channel in channels:
            count = per_day.get(day, {}).get(channel, 0)
            if not count:
                continue
            h = max(1.0, count / top * (height - 10))
            y -= h
            bars.append({"x": x, "y": round(y, 1), "w": bar_w, "h": round(h, 1), "colour": colours[channel],
                         "title": f"{day} {channel}: {count}"})
    # A label every `step` days, counted back from today (always labelled), with `step` the fewest days
    # whose slots are wider than a label and its gap: labels never touch, whatever the range.
    label_w = _label_width(len("12-31"))
    step = max(1, math.ceil((label_w + LABEL_GAP) / slot))
    last = len(day_list) - 1
    labels = [{"x": round(left + i * slot + slot / 2, 1), "text": day[5:]}
              for i, day in enumerate(day_list) if (last - i) % step == 0]
    return {"width": left + plot_w + right, "height": height + bottom, "base": height, "left": left, "top": top,
            "bars": bars, "labels": labels, "label_size": LABEL_SIZE, "label_width": label_w,
            "legend": [(c, colours[c], report["by_channel"][c]) for c in channels],
            "days": day_list, "totals": Counter({d: sum(per_day.get(d, {}).values()) for d in day_list})}


def _label_width(chars: int) -> float:
    """How wide a day label ("12-03") draws at LABEL_SIZE: digits and the dash are about 0.6 em in the
    system sans fonts; 0.62 errs wide."""
    return chars * LABEL_SIZE * 0.62


@router.get("/companies/{company_id}/usage")
def usage(company_id: str, request: Request, days: int = 30, svc: Services = Depends(services)) -> Response:
    if not _exists(svc, company_id):
        raise HTTPException(404, "no such company")
    days = min(max(days, 1), 366)
    report = svc.usage.report(company_id, days=days)
    chart = usage_chart(report, days, utcnow().date())
    return _page(request, "admin/usage.html", section="companies", company=svc.subscribers.get_company(company_id),
                 report=report, chart=chart, days=days)

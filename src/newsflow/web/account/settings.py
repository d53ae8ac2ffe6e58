"""/account: a signed-in person's own settings, whatever the role: the time zone every page shows
times in (the agency's unless they pick one) and the UI language (kept in the language cookie, the
one place negotiation reads a choice from)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from newsflow import zones
from newsflow.services import Services
from newsflow.store import User
from newsflow.web import i18n, sessions
from newsflow.web.account.login import require_signed_in
from newsflow.web.deps import services
from newsflow.web.templating import private_page

router = APIRouter(include_in_schema=False)


def _form(request: Request, svc: Services, user: User, *, error: str | None = None, status: int = 200,
          chosen: str | None = None) -> Response:
    return private_page(request, "account/settings.html", status=status, user=user, error=error,
                        zones=zones.by_region(), chosen=user.time_zone if chosen is None else chosen,
                        agency_zone=svc.settings.time_zone, saved=request.query_params.get("saved") == "1")


@router.get("/account")
def settings_form(request: Request, user: User = Depends(require_signed_in),
                  svc: Services = Depends(services)) -> Response:
    return _form(request, svc, user)


@router.post("/account", dependencies=[Depends(sessions.require_csrf)])
async def save_settings(request: Request, user: User = Depends(require_signed_in),
                        svc: Services = Depends(services)) -> Response:
    form = await request.form()
    zone = str(form.get("time_zone") or "").strip()  # empty: the agency's zone
    lang = str(form.get("lang") or "")
    t = i18n.request_translator(request)
    if zone and not zones.is_known(zone):
        return _form(request, svc, user, status=400, chosen=zone,
                     error=t.gettext("%(zone)s is not a time zone: pick one from the list.", zone=repr(zone)))
    if lang not in i18n.LANGUAGES:
        return _form(request, svc, user, status=400, chosen=zone,
                     error=t.gettext("%(lang)s is not a language of this site.", lang=repr(lang)))
    changed = await run_in_threadpool(lambda: svc.store.update_user(user.id, time_zone=zone or None))
    request.scope["nf.user"] = changed
    response = RedirectResponse("/account?saved=1", 303)
    i18n.remember(response, lang)
    sessions.save(request, response)
    return response

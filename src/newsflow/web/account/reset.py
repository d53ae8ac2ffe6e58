"""A forgotten password, reset by a one-time link sent by e-mail (only when NEWSFLOW_SMTP_URL is set).

/password/forgot takes an e-mail address and always answers the same page, whether an account has it
or not, at the same speed: the look-up, the link and the mail happen after the answer is sent (a
background task), so neither the page nor its timing tells which addresses have accounts. Asking is
limited per client address. The link (store.resets: one use, one hour) carries its token in the query
string, which the request log leaves out (it logs paths). Using it sets a password that meets the
usual rules and ends every session and staff token of the account.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from newsflow import mail
from newsflow.auth import MIN_PASSWORD, check_account, hash_password
from newsflow.errors import FieldError, NotFound
from newsflow.services import Services
from newsflow.store import resets
from newsflow.web import sessions
from newsflow.web.deps import services
from newsflow.web.ratelimit import RateLimiter
from newsflow.web.templating import context, env, private_page

log = logging.getLogger("newsflow.web")
router = APIRouter(include_in_schema=False)

# Requests for a link per client address: a few for typos, too few to flood someone's mailbox.
FORGOT_PER_HOUR = 10
FORGOT_BURST = 3
STATUS = {resets.LinkState.valid: 200, resets.LinkState.used: 410, resets.LinkState.expired: 410,
          resets.LinkState.unknown: 404}


def offered(svc: Services) -> bool:
    """Whether /login offers "Forgot your password?": only when mail can be sent."""
    return bool(svc.settings.smtp_url)


def _offered_or_404(svc: Services) -> None:
    if not offered(svc):
        raise HTTPException(404, "password reset by e-mail is off (no NEWSFLOW_SMTP_URL)")


def _limiter(request: Request) -> RateLimiter:
    limiter = getattr(request.app.state, "reset_limiter", None)
    if limiter is None:
        limiter = request.app.state.reset_limiter = RateLimiter(FORGOT_PER_HOUR / 60, FORGOT_BURST)
    return limiter


@router.get("/password/forgot")
def forgot_form(request: Request, svc: Services = Depends(services)) -> Response:
    _offered_or_404(svc)
    return _forgot_page(request)


def _forgot_page(request: Request, *, status: int = 200, sent: bool = False, email: str = "",
                 problem: str | None = None) -> Response:
    """The form, or (sent) the one answer every address gets; `problem`: too_many or missing."""
    return private_page(request, "password_forgot.html", status=status, sent=sent, email=email, problem=problem)


@router.post("/password/forgot", dependencies=[Depends(sessions.require_csrf)])
async def forgot(request: Request, svc: Services = Depends(services)) -> Response:
    _offered_or_404(svc)
    form = await request.form()
    email = str(form.get("email") or "").strip().lower()[:320]
    address = request.client.host if request.client else "unknown"
    wait = _limiter(request).take(address)
    if wait:
        response = _forgot_page(request, status=429, email=email, problem="too_many")
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    if not email:
        return _forgot_page(request, status=422, problem="missing")
    response = _forgot_page(request, sent=True, email=email)
    mail_text = _mail_renderer(request)
    response.background = BackgroundTask(_send_link, svc, email, mail_text)
    return response


def _mail_renderer(request: Request) -> dict[str, str]:
    """The mail's subject (its template's first line) and text in the asker's language, with `{link}`
    for the link: rendered now, while the request is at hand, and sent after the answer."""
    rendered = env.get_template("password_reset_mail.txt").render(context(request, link="{link}"))
    subject, _, text = rendered.strip().partition("\n")
    return {"subject": subject.strip(), "text": text.strip() + "\n"}


def _send_link(svc: Services, email: str, text: dict[str, str]) -> None:
    """After the answer: a link for an active account with this address, mailed; nothing otherwise."""
    try:
        user = svc.store.user_by_email(email)
    except NotFound:
        return
    if not user.active:
        return
    token = resets.issue(svc.store, user.id)
    link = f"{svc.settings.base_url}/password/reset?token={token}"
    message = mail.message(sender=svc.settings.mail_from, to=user.email, subject=text["subject"],
                           text=text["text"].replace("{link}", link))
    try:
        (refused,) = mail.SmtpServer.from_url(svc.settings.smtp_url).send([message])
    except OSError as exc:  # smtplib's errors are OSErrors too: the asker may ask again
        log.warning("password reset mail not sent: %s", exc)
        return
    if refused:
        log.warning("password reset mail refused: %s", refused)


def _link_page(request: Request, token: str, state: resets.LinkState, *, error: str | None = None,
               status: int | None = None) -> Response:
    return private_page(request, "password_reset.html", status=status or STATUS[state], token=token,
                        state=state.value, error=error, min_length=MIN_PASSWORD)


@router.get("/password/reset")
def reset_form(request: Request, token: str = "", svc: Services = Depends(services)) -> Response:
    state, _ = resets.state(svc.store, token) if token else (resets.LinkState.unknown, None)
    return _link_page(request, token, state)


@router.post("/password/reset", dependencies=[Depends(sessions.require_csrf)])
async def reset(request: Request, svc: Services = Depends(services)) -> Response:
    form = await request.form()
    token, new, again = (str(form.get(k) or "") for k in ("token", "new", "again"))
    state, _ = await run_in_threadpool(resets.state, svc.store, token) if token else (resets.LinkState.unknown, None)
    if state is not resets.LinkState.valid:
        return _link_page(request, token, state)
    if new != again:
        return _link_page(request, token, state, error="differ", status=422)
    try:
        check_account(password=new)
    except FieldError:
        return _link_page(request, token, state, error="short", status=422)
    state, user = await run_in_threadpool(lambda: resets.use(svc.store, token, hash_password(new)))
    if user is None:  # another use of the same link won meanwhile
        return _link_page(request, token, state)
    sessions.sign_out(request)  # whoever was signed in on this browser: the new password signs in afresh
    return private_page(request, "password_reset.html", token="", state="done", error=None,
                        min_length=MIN_PASSWORD)

"""One Jinja2 environment for every web face, and the page response they all share.

Autoescape is on for every template: story fields are editor or wire input, and the only HTML a page
may carry from them is none at all (the public site shows text fields and summaries only).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from babel import Locale
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.numbers import format_decimal
from fastapi.templating import Jinja2Templates
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from newsflow import zones
from newsflow.web import i18n, sessions
from newsflow.web.conditional import cached
from newsflow.web.guid_paths import segment
from newsflow.web.i18n import words

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"  # the layout and the pages every face shares
# Each face keeps its templates beside its routes; names are unique across the folders (a face's own
# pages sit under its name: "portal/wire.html", "desk/editor.html", "admin/users.html").
FACES = ("public", "account", "portal", "desk", "admin", "api")
TEMPLATE_DIRS = (TEMPLATES, *(HERE / face / "templates" for face in FACES))
STATIC = HERE / "static"  # one stylesheet per face on base.css, and the faces' scripts


def _json_ld(value: Any) -> Markup:
    # JSON inside <script>: escape the characters that could close the element or start a comment.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _zone(ctx: Context) -> ZoneInfo:
    name = ctx.get("zone") or zones.DEFAULT
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone the tz database of this node lacks
        return ZoneInfo(zones.DEFAULT)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # the store keeps UTC


@jinja2.pass_context
def _date(ctx: Context, value: datetime, fmt: str = "medium") -> str:
    """A date and time in the reader's locale and zone, the zone named ("3 Dec 2026, 16:55 CET")."""
    zone, locale = _zone(ctx), Locale.parse(ctx.get("ui_lang") or "en")
    when = _aware(value).astimezone(zone)
    named = format_datetime(when, "z", tzinfo=zone, locale=locale)
    # the locale's own way of joining a date and a time, with the time to the minute: a story's time
    # in seconds is noise ("Dec 3, 2026, 4:26 PM UTC", "3 Ara 2026 16:26 TSİ")
    pattern = locale.datetime_formats[fmt].replace("'", "")  # "{1}, {0}", "{1} 'at' {0}" …
    time = format_time(when, "short", tzinfo=zone, locale=locale)
    joined = pattern.format(time, format_date(when, fmt, locale=locale))
    return f"{joined} {named}"


@jinja2.pass_context
def _ago(ctx: Context, value: datetime) -> str:
    """How long ago, in the reader's language ("3 minutes ago")."""
    delta = _aware(value) - datetime.now(UTC)
    return format_timedelta(delta, add_direction=True, threshold=1, locale=ctx.get("ui_lang") or "en")


@jinja2.pass_context
def _number(ctx: Context, value: float) -> str:
    return format_decimal(value, locale=ctx.get("ui_lang") or "en")


env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIRS), autoescape=True,
                         trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                         extensions=["jinja2.ext.i18n"])
env.install_null_translations(newstyle=True)  # `_("…")` and {% trans %}; each page passes its reader's catalog
env.globals["words"] = words  # the msgids of values shown translated: {{ _(words.STATUS[s]) }}
env.filters["json_ld"] = _json_ld
env.filters["date"] = _date  # absolute, with the zone: {{ t|date }}, {{ t|date("short") }}
env.filters["ago"] = _ago  # relative: {{ t|ago }}
env.filters["number"] = _number
env.filters["guid_segment"] = segment  # a guid in a link: one encoded path segment
templates = Jinja2Templates(env=env)


def context(request: Request, **values: Any) -> dict[str, Any]:
    """What every page's layout needs: agency name, language, direction, the gettext functions in the
    reader's language (they win over the environment's null ones), switch links."""
    svc = request.app.state.services
    lang = values.pop("lang", None) or i18n.negotiate(request)
    agency = svc.settings.agency_name
    return {"request": request, "agency": agency, "lang": lang, "dir": i18n.direction(lang),
            "ui_lang": lang, **i18n.template_functions(lang), "languages": i18n.LANGUAGES,
            "base_url": svc.settings.base_url, "canonical": None, "alternates": [], "head_extra": None,
            "noindex": False, "zone": zone_name(request), **values}


def zone_name(request: Request) -> str:
    """The zone a page shows times in: the signed-in reader's once a face has looked them up (public
    pages, shared by every reader through caches, never do: they show the agency's)."""
    user = request.scope.get("nf.user")
    return getattr(user, "time_zone", None) or request.app.state.services.settings.time_zone


def reader_zone(request: Request) -> ZoneInfo:
    """`zone_name` as a zone, for a form that reads or writes a time in it (the desk's embargo)."""
    try:
        return ZoneInfo(zone_name(request))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(zones.DEFAULT)


PRIVATE = "private, no-store"  # a page for one session: its CSRF token or its reader's own data


def private_page(request: Request, template: str, *, status: int = 200, **values: Any) -> Response:
    """A page that holds a form or one person's data: never stored by a browser or proxy, never
    indexed, with the session's CSRF token as `csrf`."""
    return page(request, template, status=status, cache=PRIVATE, noindex=True, csrf=sessions.csrf_token(request),
                **values)


def page(request: Request, template: str, *, status: int = 200, cache: str = "public, max-age=60",
         **values: Any) -> Response:
    """A rendered page with an ETag; a matching If-None-Match gets 304. Pages that hold a form or one
    person's data are `private_page`s."""
    ctx = context(request, **values)
    body = env.get_template(template).render(ctx).encode()
    headers = {"Cache-Control": cache, "Content-Language": ctx["lang"], "Vary": "Cookie, Accept-Language"}
    response = cached(request, body, "text/html; charset=utf-8", headers, status)
    if request.query_params.get("lang") in i18n.LANGUAGES:  # the switch remembers the choice
        i18n.remember(response, ctx["ui_lang"])
    sessions.save(request, response)
    return response

"""The reader's language and the UI's words in it: gettext catalogs (locale/*/LC_MESSAGES/messages.po).

The msgids are the English texts, so English needs no catalog. Templates call `_("…", name=value)`
(Jinja2's newstyle gettext, bound per page to the reader's catalog by `template_functions`); code that
builds a message itself (a notice, a form error, an e-mail) uses a `Translator`. Both always
%-format the text with the named values, so a literal % is written %% everywhere. How translators
work: docs/translating.md.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from typing import Any

from jinja2.ext import _make_new_gettext, _make_new_ngettext, _make_new_npgettext, _make_new_pgettext
from starlette.requests import Request
from starlette.responses import Response

from newsflow.formats.html import text_direction
from newsflow.web.i18n.catalogs import load, po_path

LANGUAGES = {"en": "English", "tr": "Türkçe", "ar": "العربية"}
DEFAULT = "en"
COOKIE = "nf_lang"


def N_(message: str) -> str:
    """Marks a message chosen at run time (a status, a field's name) for extraction; translated where
    it is shown, with `_(value)` in a template or `Translator.gettext(value)` in code."""
    return message


def direction(lang: str) -> str:
    return text_direction(lang)  # one list of right-to-left languages, kept with the HTML renderer


def negotiate(request: Request) -> str:
    """The UI language: ?lang=, then the cookie a switch left, then Accept-Language, then English."""
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE)
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().split("-")[0].lower()
        if tag in LANGUAGES:
            return tag
    return DEFAULT


def remember(response: Response, lang: str) -> None:
    """Keep `lang` as the reader's choice (the language switch, /account) for a year."""
    response.set_cookie(COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", path="/")


@cache
def catalog(lang: str) -> gettext.NullTranslations:
    """The catalog of `lang`, loaded once (see catalogs.load: the .mo, or the .po compiled in memory)."""
    if lang == DEFAULT or lang not in LANGUAGES:
        return gettext.NullTranslations()  # the msgids are the English texts
    return load(po_path(lang))


class Translator:
    """gettext in one language for messages code builds, %-formatted with named values like the
    templates' newstyle gettext (`t.gettext("%(n)s stories", n=3)`)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._catalog = catalog(lang)

    def gettext(self, message: str, **values: Any) -> str:
        return self._catalog.gettext(message) % values

    def pgettext(self, context: str, message: str, **values: Any) -> str:
        return self._catalog.pgettext(context, message) % values

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        return self._catalog.ngettext(singular, plural, n) % {"num": n, **values}


def translator(lang: str) -> Translator:
    return Translator(lang)


def request_translator(request: Request) -> Translator:
    """A `Translator` in the request's UI language."""
    return Translator(negotiate(request))


@cache
def template_functions(lang: str) -> dict[str, Callable[..., str]]:
    """`_`, `gettext`, `ngettext`, `pgettext` and `npgettext` bound to `lang`'s catalog, for a page's
    context: context values win over the environment's null translations, and the functions are
    Jinja2's own newstyle ones (autoescape-aware: the values are escaped, the translation is not)."""
    c = catalog(lang)
    gettext_ = _make_new_gettext(c.gettext)
    return {"_": gettext_, "gettext": gettext_, "ngettext": _make_new_ngettext(c.ngettext),
            "pgettext": _make_new_pgettext(c.pgettext), "npgettext": _make_new_npgettext(c.npgettext)}

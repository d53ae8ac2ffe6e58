"""The staff faces (newsroom desk, admin, sign-in) in English, Turkish and Arabic: each page says which
language and direction it is in, shows its labels in that language and never an i18n key instead of
a text; the story's own fields keep the story's language and direction whatever the UI's is; and
every UI string exists in the three languages with the same placeholders."""

from __future__ import annotations

import html
import re

import httpx
import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.model import Story
from newsflow.services import Services
from newsflow.web import i18n

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A placeholder left on a page means a message was shown without its values.
_UNFILLED = re.compile(r"%\([a-z_]+\)s")
DIRECTIONS = {"en": "ltr", "tr": "ltr", "ar": "rtl"}


def _text(message: str, lang: str) -> str:
    """The catalog's text for an English msgid; every message these tests name is translated."""
    text = i18n.translator(lang).gettext(message)
    assert lang == "en" or text != message or message in _SAME, (message, lang)
    return text


_SAME = {"Portal"}  # a word some languages share with English


def _csrf(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _sign_in_admin(client: TestClient, services: Services) -> None:
    """An admin: staff, so the desk is open to it as well as /admin."""
    services.store.create_user(email="admin@agency.example", name="Ada Min", role="admin",
                               password_hash=hash_password(PASSWORD))
    r = client.post("/login", data={"email": "admin@agency.example", "password": PASSWORD, "next": "",
                                    "csrf_token": _csrf(client.get("/login").text)}, follow_redirects=False)
    assert r.status_code == 303, r.text


def _check_page(r: httpx.Response, lang: str, *messages: str) -> str:
    """The page is in `lang` (and its direction), shows the texts of `messages` in it and no unfilled placeholder."""
    assert r.status_code == 200, r.text[:500]
    page = r.text
    assert f'<html lang="{lang}" dir="{DIRECTIONS[lang]}">' in page
    assert r.headers["content-language"] == lang
    shown = html.unescape(page)
    for message in messages:
        assert _text(message, lang) in shown, (message, lang)
    unfilled = sorted(set(_UNFILLED.findall(page)))
    assert not unfilled, f"placeholders shown on {r.request.url}: {unfilled}"
    return shown


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_staff_pages_speak_the_ui_language(client: TestClient, services: Services, lang: str) -> None:
    _check_page(client.get(f"/login?lang={lang}"), lang, "Sign in", "Password")
    wrong = client.post("/login", data={"email": "nobody@agency.example", "password": "x", "next": "",
                                        "csrf_token": _csrf(client.get("/login").text)})
    # in the cookie's language
    assert wrong.status_code == 401 and _text("wrong e-mail or password", lang) in html.unescape(wrong.text)

    _sign_in_admin(client, services)
    english = services.newsroom.create(Story(headline="Harbour reopens after storm", language="en")).guid
    arabic = services.newsroom.create(Story(headline="إعادة فتح الميناء", language="ar")).guid

    _check_page(client.get(f"/desk?lang={lang}"), lang, "Stories", "Filter", "New story",
                "draft")
    editor = _check_page(client.get(f"/desk/stories/{english}?lang={lang}&done=saved"), lang,
                         "Headline (required)", "Save draft", "Publish", "Draft saved.",
                         "routine")
    # the copy fields keep the story's language and direction, not the UI's
    assert re.search(r'<input id="f-headline"[^>]* lang="en" dir="ltr"', editor)
    assert re.search(r'<textarea id="f-body_html"[^>]* lang="en" dir="ltr"', editor)
    assert 'id="f-slugline" type="text" name="slugline" value="">' in editor  # not copy: the UI's direction
    rtl = _check_page(client.get(f"/desk/stories/{arabic}?lang={lang}"), lang, "Headline (required)")
    assert re.search(r'<input id="f-headline"[^>]* lang="ar" dir="rtl"', rtl)
    _check_page(client.get(f"/desk/stories/new?lang={lang}"), lang, "New story", "Spot (standfirst shown in lists)")
    _check_page(client.get(f"/desk/live?lang={lang}"), lang, "Live: what went out", "Event")

    _check_page(client.get(f"/admin/companies?lang={lang}"), lang, "Subscriber companies",
                "Create company", "No companies yet.", "Sign out")
    _check_page(client.get(f"/admin/users?lang={lang}"), lang, "New user", "Create user")
    _check_page(client.get(f"/admin/products/new?lang={lang}"), lang, "Save product", "Preview")
    # a message built in admin_face.py
    _check_page(client.get(f"/admin/explain?lang={lang}"), lang, "Was it delivered?")
    r = client.get(f"/admin/explain?guid={english}&lang={lang}")
    assert r.status_code == 422 and _text("pick a company", lang) in html.unescape(r.text)


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_the_product_preview_fragment_speaks_the_cookies_language(client: TestClient, services: Services,
                                                                  lang: str) -> None:
    _sign_in_admin(client, services)
    token = _csrf(client.get(f"/admin/products/new?lang={lang}").text)  # leaves the language cookie
    form = {"csrf_token": token, "categories": "", "dossiers": "", "languages": "", "subjects": "", "places": ""}
    r = client.post("/admin/products/preview", data=form)
    assert r.status_code == 200 and "<strong>0</strong>" in r.text
    assert not _UNFILLED.findall(r.text)
    bad = client.post("/admin/products/preview", data=form | {"languages": "english!"})
    assert bad.status_code == 422
    assert _text("The filter is not valid yet:", lang) in html.unescape(bad.text)
    assert _text("not a language tag such as en or en-GB", lang) in html.unescape(bad.text)


# ---- values shown translated --------------------------------------------------------------------------


def test_every_value_a_face_shows_has_its_words() -> None:
    """Templates translate a value's msgid from i18n.words (`_(words.STATUS[s])`): a new value (a status,
    an urgency level, a scope, a facet) needs its words, or the page fails with a KeyError."""
    from newsflow.model import URGENCY_LABELS, ItemKind, PubStatus
    from newsflow.store.search import FACETS
    from newsflow.web.admin.routes import MEDIA_TYPES
    from newsflow.web.desk.routes import STATUSES
    from newsflow.web.i18n import words
    from newsflow.wire.subscribers import SCOPES

    for wanted, table in ((STATUSES, words.STATUS), (URGENCY_LABELS.values(), words.URGENCY),
                          ({p.value for p in PubStatus}, words.PUBSTATUS), ({k.value for k in ItemKind}, words.KIND),
                          ({k.value for k in ItemKind}, words.KIND_SHORT), (MEDIA_TYPES, words.MEDIA_TYPES),
                          (SCOPES, words.SCOPES), (FACETS, words.FACETS)):
        assert set(wanted) - table.keys() == set(), table


def test_a_value_s_words_are_translated_in_code_and_templates() -> None:
    from newsflow.web.i18n import words

    assert i18n.translator("tr").gettext(words.STATUS["draft"]) == "taslak"
    assert i18n.translator("ar").gettext("Contributor %(n)s name", n=2) == "اسم المساهم 2"


def test_the_language_switch_keeps_the_page_s_other_parameters(client: TestClient) -> None:
    page = client.get("/search", params={"q": "harbour & port"}).text
    assert 'href="?q=harbour+%26+port&amp;lang=tr"' in page

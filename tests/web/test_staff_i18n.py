"""The staff faces (newsroom desk, admin, sign-in) in English, Turkish and Arabic: each page says which
language and direction it is in, shows its labels in that language and never an i18n key instead of
a text; the story's own fields keep the story's language and direction whatever the UI's is; and
every UI string exists in the three languages with the same placeholders."""

from __future__ import annotations

import html
import re
import string

import httpx
import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup

from newsflow.auth import hash_password
from newsflow.model import URGENCY_LABELS, PubStatus, Story
from newsflow.services import Services
from newsflow.web import i18n
from newsflow.web.admin.routes import MEDIA_TYPES
from newsflow.web.desk.routes import STATUSES
from newsflow.web.i18n_staff import STAFF_STRINGS
from newsflow.wire.subscribers import SCOPES

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A staff key's name on a page means a t() call found no string (or a key built from an unknown value).
_KEY = re.compile(r"\b(?:desk|admin|login)_[a-z0-9_]+\b")
DIRECTIONS = {"en": "ltr", "tr": "ltr", "ar": "rtl"}


def _text(key: str, lang: str) -> str:
    return STAFF_STRINGS[key][lang]


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


def _check_page(r: httpx.Response, lang: str, *keys: str) -> str:
    """The page is in `lang` (and its direction), shows the texts of `keys` and no key name."""
    assert r.status_code == 200, r.text[:500]
    page = r.text
    assert f'<html lang="{lang}" dir="{DIRECTIONS[lang]}">' in page
    assert r.headers["content-language"] == lang
    shown = html.unescape(page)
    for key in keys:
        assert _text(key, lang) in shown, (key, lang)
    leaked = sorted(set(_KEY.findall(page)))
    assert not leaked, f"i18n keys shown on {r.request.url}: {leaked}"
    return shown


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_staff_pages_speak_the_ui_language(client: TestClient, services: Services, lang: str) -> None:
    _check_page(client.get(f"/login?lang={lang}"), lang, "login_sign_in", "login_password")
    wrong = client.post("/login", data={"email": "nobody@agency.example", "password": "x", "next": "",
                                        "csrf_token": _csrf(client.get("/login").text)})
    assert wrong.status_code == 401 and _text("login_wrong", lang) in html.unescape(wrong.text)  # the cookie's language

    _sign_in_admin(client, services)
    english = services.newsroom.create(Story(headline="Harbour reopens after storm", language="en")).guid
    arabic = services.newsroom.create(Story(headline="إعادة فتح الميناء", language="ar")).guid

    _check_page(client.get(f"/desk?lang={lang}"), lang, "desk_stories", "desk_filter", "desk_new_story",
                "desk_status_draft")
    editor = _check_page(client.get(f"/desk/stories/{english}?lang={lang}&done=saved"), lang,
                         "desk_label_headline", "desk_save_draft", "desk_publish", "desk_notice_saved",
                         "desk_urgency_routine")
    # the copy fields keep the story's language and direction, not the UI's
    assert re.search(r'<input id="f-headline"[^>]* lang="en" dir="ltr"', editor)
    assert re.search(r'<textarea id="f-body_html"[^>]* lang="en" dir="ltr"', editor)
    assert 'id="f-slugline" type="text" name="slugline" value="">' in editor  # not copy: the UI's direction
    rtl = _check_page(client.get(f"/desk/stories/{arabic}?lang={lang}"), lang, "desk_label_headline")
    assert re.search(r'<input id="f-headline"[^>]* lang="ar" dir="rtl"', rtl)
    _check_page(client.get(f"/desk/stories/new?lang={lang}"), lang, "desk_new_story", "desk_label_body")
    _check_page(client.get(f"/desk/live?lang={lang}"), lang, "desk_live_heading", "desk_event")

    _check_page(client.get(f"/admin/companies?lang={lang}"), lang, "admin_subscriber_companies",
                "admin_create_company", "admin_no_companies", "desk_sign_out")
    _check_page(client.get(f"/admin/users?lang={lang}"), lang, "admin_new_user", "admin_create_user")
    _check_page(client.get(f"/admin/products/new?lang={lang}"), lang, "admin_save_product", "admin_preview")
    # a message built in admin_face.py
    _check_page(client.get(f"/admin/explain?lang={lang}"), lang, "admin_was_delivered")
    r = client.get(f"/admin/explain?guid={english}&lang={lang}")
    assert r.status_code == 422 and _text("admin_err_pick_company", lang) in html.unescape(r.text)


@pytest.mark.parametrize("lang", ["en", "tr", "ar"])
def test_the_product_preview_fragment_speaks_the_cookies_language(client: TestClient, services: Services,
                                                                  lang: str) -> None:
    _sign_in_admin(client, services)
    token = _csrf(client.get(f"/admin/products/new?lang={lang}").text)  # leaves the language cookie
    form = {"csrf_token": token, "categories": "", "dossiers": "", "languages": "", "subjects": "", "places": ""}
    r = client.post("/admin/products/preview", data=form)
    assert r.status_code == 200 and "<strong>0</strong>" in r.text
    assert not _KEY.findall(r.text)
    bad = client.post("/admin/products/preview", data=form | {"languages": "english!"})
    assert bad.status_code == 422
    assert _text("admin_preview_invalid", lang) in html.unescape(bad.text)
    assert _text("admin_err_language_tag", lang) in html.unescape(bad.text)


# ---- the strings themselves --------------------------------------------------------------------------------


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("table", [STAFF_STRINGS, i18n.STRINGS, i18n.INTEREST_LABELS],
                         ids=["STAFF_STRINGS", "STRINGS", "INTEREST_LABELS"])
def test_every_string_is_in_the_three_languages_with_the_same_placeholders(table: dict[str, dict[str, str]]) -> None:
    for key, entry in table.items():
        assert set(entry) == set(i18n.LANGUAGES), key
        for lang, text in entry.items():
            assert text.strip(), (key, lang)
        english = _placeholders(entry["en"])
        for lang in ("tr", "ar"):
            assert _placeholders(entry[lang]) == english, (key, lang, entry[lang])


def test_staff_keys_name_their_face_and_are_looked_up_like_the_public_ones() -> None:
    assert all(key.startswith(("desk_", "admin_", "login_")) for key in STAFF_STRINGS)
    t = i18n.translator("tr")
    assert t("desk_stories") == "Haberler" and t("home") == "Ana sayfa"
    assert i18n.translator("ar")("desk_contributor_name", n=2) == "اسم المساهم 2"


def test_keys_built_from_values_exist_for_every_value() -> None:
    """Templates build these keys from a value (t("desk_status_" ~ s)); a new value needs its strings."""
    wanted = ({f"desk_status_{s}" for s in STATUSES} | {f"desk_urgency_{u}" for u in URGENCY_LABELS.values()}
              | {f"desk_pubstatus_{p.value}" for p in PubStatus} | {f"admin_media_{m}" for m in MEDIA_TYPES}
              | {f"admin_scope_{s}" for s in SCOPES})
    assert wanted - STAFF_STRINGS.keys() == set()


def test_a_markup_value_keeps_its_tags_and_everything_else_is_escaped() -> None:
    t = i18n.translator("en")
    shown = t("admin_preview_matches", matched=Markup("<strong>3</strong>"), tested="<b>50</b>")
    assert isinstance(shown, Markup)
    assert shown == "Matches <strong>3</strong> of the &lt;b&gt;50&lt;/b&gt; most recent published stories."
    assert t("admin_preview_matches", matched="<i>", tested=1) == "Matches <i> of the 1 most recent published stories."


def test_every_key_a_template_names_exists() -> None:
    """t("literal") in any template: a missing key would show its name on the page (keys built from a
    value, t("desk_status_" ~ s), are checked above)."""
    from newsflow.web.templating import TEMPLATE_DIRS

    named = {m.group(1) for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")
             for m in re.finditer(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""", path.read_text())}
    assert named, "no t(...) calls found: the pattern no longer matches the templates"
    assert named - i18n.STRINGS.keys() - i18n.INTEREST_LABELS.keys() == set()
    assert {"portal_wire", "desk_stories", "cta"} <= named


def test_portal_keys_name_their_face() -> None:
    from newsflow.web.i18n_portal import PORTAL_STRINGS

    assert all(key.startswith("portal_") for key in PORTAL_STRINGS)
    assert i18n.translator("ar")("portal_urgency", n=3) == "الأولوية 3"


def test_every_facet_has_a_portal_heading() -> None:
    from newsflow.store.search import FACETS

    assert {f"portal_facet_{name}" for name in FACETS} - i18n.STRINGS.keys() == set()


def test_the_language_switch_keeps_the_page_s_other_parameters(client: TestClient) -> None:
    page = client.get("/search", params={"q": "harbour & port"}).text
    assert 'href="?q=harbour+%26+port&amp;lang=tr"' in page

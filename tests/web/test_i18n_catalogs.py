"""The UI's gettext catalogs: the template (.pot) holds exactly the messages the code and templates
use, Turkish and Arabic translate every one with the same placeholders, a checkout compiles the .po in
memory while a built package carries .mo files, and pages render in the reader's catalog."""

from __future__ import annotations

import html
import importlib.util
import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from fastapi.testclient import TestClient
from markupsafe import Markup
from setuptools import Distribution

from newsflow.auth import hash_password
from newsflow.services import Services
from newsflow.web import i18n
from newsflow.web.i18n.catalogs import LOCALE_DIR, load, po_path
from newsflow.web.templating import env

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("tr", "ar")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _key(context: str | None, msgid: str) -> str:
    return f"{context} | {msgid}" if context else msgid


def _messages(path: Path) -> list[Message]:
    with path.open("rb") as f:
        return [m for m in read_po(f) if m.id]  # the header entry has the empty msgid


def test_the_template_holds_exactly_what_the_code_and_templates_use() -> None:
    """A new _() without a catalog entry, or an entry nothing uses any more, fails here by its text;
    docs/translating.md says how to update the catalogs."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    used = {_key(context, message if isinstance(message, str) else message[0])
            for _, _, message, _, context in extract_from_dir(str(ROOT), method_map, options_map,
                                                              keywords=DEFAULT_KEYWORDS)}
    assert len(used) > 300, "extraction found too little: does babel.cfg still match the tree?"
    listed = {_key(m.context, m.id if isinstance(m.id, str) else m.id[0])
              for m in _messages(LOCALE_DIR / "messages.pot")}
    assert sorted(used - listed) == [], "used but not in messages.pot (update the catalogs)"
    assert sorted(listed - used) == [], "in messages.pot but no longer used (update the catalogs)"


def test_no_message_hides_inside_an_f_string() -> None:
    """Babel's Python extractor reads an f-string as one string token: a gettext call inside one would
    be shown untranslated and never reach the catalog."""
    hidden = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "src").rglob("*.py")
              for n, line in enumerate(path.read_text().splitlines(), 1)
              if re.search(r"""\bf(["'])[^"']*\{[^}]*\b(p|n)?gettext\(""", line)]
    assert hidden == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    template = {_key(m.context, str(m.id)) for m in _messages(LOCALE_DIR / "messages.pot")}
    messages = _messages(po_path(lang))
    assert {_key(m.context, str(m.id)) for m in messages} == template, "the .po is not up to date with the .pot"
    for m in messages:
        where = (lang, m.context, m.id)
        assert m.string and str(m.string).strip(), ("untranslated", *where)
        assert not m.fuzzy, ("fuzzy", *where)
        names = set(_PLACEHOLDER.findall(str(m.id)))
        assert set(_PLACEHOLDER.findall(str(m.string))) == names, ("placeholders differ", *where)
        # both are %-formatted with the named values: a stray % would fail on a reader's page
        str(m.string) % dict.fromkeys(names, "x")
    if lang == "ar":  # Western digits, as the agency's Arabic copy uses
        assert not [m.id for m in messages if re.search("[\u0660-\u0669]", str(m.string))]


def _write_po(path: Path, translation: str) -> None:
    catalog = Catalog(locale="tr")
    catalog.add("Sign in", translation)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog)


def test_a_checkout_compiles_the_po_and_an_older_mo_is_not_used(tmp_path: Path) -> None:
    po = tmp_path / "tr" / "LC_MESSAGES" / "messages.po"
    _write_po(po, "Giriş yap")
    assert load(po).gettext("Sign in") == "Giriş yap"  # no .mo: compiled in memory

    stale = Catalog(locale="tr")
    stale.add("Sign in", "eski")
    with po.with_suffix(".mo").open("wb") as f:
        write_mo(f, stale)
    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime + 10,) * 2)
    assert load(po).gettext("Sign in") == "eski"  # a newer .mo is what a built package carries
    os.utime(po, (po.stat().st_mtime + 20,) * 2)
    assert load(po).gettext("Sign in") == "Giriş yap"  # the .po edited since: the .mo is out of date


def test_the_package_build_writes_a_mo_beside_every_po(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("newsflow_setup", ROOT / "setup.py")
    assert spec and spec.loader
    setup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup)  # defines the command; setup() itself runs only as __main__
    dist = Distribution({"name": "newsflow", "package_dir": {"": str(ROOT / "src")},
                         "packages": ["newsflow.web.i18n"],
                         "package_data": {"newsflow.web.i18n": ["locale/*.pot", "locale/*/LC_MESSAGES/*.po"]}})
    dist.script_name = str(ROOT / "setup.py")
    command = setup.BuildPyWithCatalogs(dist)
    command.build_lib = str(tmp_path)
    command.ensure_finalized()
    command.run()
    built = tmp_path / "newsflow" / "web" / "i18n" / "locale"
    assert sorted(p.parent.parent.name for p in built.glob("*/LC_MESSAGES/messages.mo")) == sorted(TRANSLATED)
    for lang in TRANSLATED:
        assert load(built / lang / "LC_MESSAGES" / "messages.po").gettext("Sign in") == \
            i18n.catalog(lang).gettext("Sign in") != "Sign in"


def test_the_page_s_functions_win_over_the_null_ones_and_escape_only_values() -> None:
    page = env.from_string('{{ _("Sign in") }}|{{ pgettext("duration", "Time") }}|{{ _("Language") }}')
    assert page.render(**i18n.template_functions("tr")) == "Oturum aç|Süre|Dil"
    assert page.render() == "Sign in|Time|Language"  # no reader: the environment's null translations
    values = env.from_string('{{ _("Matches %(matched)s of the %(tested)s most recent published stories.", '
                             'matched=m, tested=t) }}')
    shown = values.render(m=Markup("<strong>3</strong>"), t="<b>50</b>", **i18n.template_functions("en"))
    assert shown == "Matches <strong>3</strong> of the &lt;b&gt;50&lt;/b&gt; most recent published stories."


def test_code_gets_the_same_text_formatted() -> None:
    tr = i18n.translator("tr")
    assert tr.gettext("version %(n)s", n=3) == "sürüm 3"
    assert tr.pgettext("noun", "Filter") != tr.gettext("Filter")  # one English word, two meanings
    assert i18n.translator("xx").gettext("Sign in") == "Sign in"  # a language without a catalog: English


@pytest.mark.parametrize("lang", TRANSLATED)
def test_pages_show_the_reader_s_language(client: TestClient, services: Services, lang: str) -> None:
    def shown(path: str, *messages: str) -> None:
        r = client.get(path, headers={"Accept-Language": lang})
        assert r.status_code == 200 and f'<html lang="{lang}"' in r.text, path
        text = html.unescape(r.text)
        for message in messages:
            translated = i18n.translator(lang).gettext(message)
            assert translated != message and translated in text, (path, message)
            assert message not in text, (path, message)

    shown("/login", "Sign in", "Password")
    shown("/", "Skip to content", "Latest news")
    company = services.subscribers.create_company("Daily A")
    services.store.create_user(email="reader@daily-a.example", name="Reader", role="subscriber",
                               company_id=company.id, password_hash=hash_password("correct horse battery"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    r = client.post("/login", data={"email": "reader@daily-a.example", "password": "correct horse battery",
                                    "csrf_token": token.group(1), "next": "/portal"}, follow_redirects=False)
    assert r.status_code == 303
    shown("/portal", "Bookmarks", "Alerts")

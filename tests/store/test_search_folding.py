"""Turkish and Arabic folding in search (newsflow.store.folding), on SQLite FTS5 and PostgreSQL alike.

Every test runs on both stores with the same assertions, so "same results on both" is what passes.
"""

# Turkish and Arabic letters are the subject here, not confusables of Latin ones.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from hypothesis import given
from hypothesis import strategies as st

from newsflow.store import Store
from newsflow.store.engine import MIGRATIONS
from newsflow.store.folding import fold_text, fold_word, query_forms
from newsflow.store.search import SearchIndex, SearchQuery, fts5_expression, parse
from newsflow.store.search_tables import search_docs
from newsflow.wire.subscribers import Subscribers
from tests.store.test_search import DB_SETTINGS, NOW, Desk, _find, _guids, _json, _story


@pytest.fixture
def desk(store: Store) -> Desk:
    return Desk(store, Subscribers(store))


@pytest.fixture
def index(store: Store) -> SearchIndex:
    return SearchIndex(store)


def _found(index: SearchIndex, q: str) -> set[str]:
    return set(_guids(_find(index, q)))


def _marked(snippet: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", snippet)]


def _shown(snippet: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", snippet)).strip("…")


# ---- Turkish ------------------------------------------------------------------------------------------


def test_turkish_dotted_and_dotless_i(desk: Desk, index: SearchIndex) -> None:
    city, _ = desk.publish("İstanbul'da ılık bir sabah", spot="Boğaz kıyısında İLK bahar günü", language="tr")
    marrow, _ = desk.publish("Kemik ilik bağışı için kampanya", spot="Hastaneler gönüllü arıyor", language="tr")
    for q in ["istanbul", "ISTANBUL", "İSTANBUL", "İstanbul", "Istanbul", "ıstanbul"]:
        assert _found(index, q) == {city.guid}, q
    # "ILIK" is "ılık" in capitals and also "ilik" in capitals: a case-blind search finds both.
    for q in ["ILIK", "ılık", "Ilık", "ilik", "İLİK"]:
        assert _found(index, q) == {city.guid, marrow.guid}, q
    assert _found(index, '"ılık bir sabah"') == {city.guid}
    assert _found(index, '"ILIK BIR SABAH"') == {city.guid}
    assert _found(index, "kiyisinda ilk") == {city.guid}  # İLK in the story, ı and accents typed plainly
    assert _found(index, "ıstan*") == {city.guid}


def test_an_english_i_is_not_folded_the_turkish_way(desk: Desk, index: SearchIndex) -> None:
    """Decision: no story's `I` becomes `ı` (that would make "INDIA" unfindable by "india"), English
    text gets no Turkish rule, and a dotless `ı` typed on a Turkish keyboard is `i` in every language
    (PostgreSQL's unaccent does this anyway; SQLite must agree)."""
    india, _ = desk.publish("INDIA AND IRAN SIGN A TRADE PACT", spot="I think it is fair, says the minister",
                            language="en")
    turkish, _ = desk.publish("Hindistan ile İran ticaret anlaşması imzaladı", language="tr")
    for q in ["india", "INDIA", "India", "ındia"]:
        assert _found(index, q) == {india.guid}, q
    assert _found(index, "iran") == _found(index, "IRAN") == _found(index, "ıran") == {india.guid, turkish.guid}
    assert _found(index, '"i think"') == {india.guid}
    assert _found(index, "ındıa ıran") == {india.guid}
    with desk.store.read() as conn:
        variants = dict(conn.execute(sa.select(search_docs.c.guid, search_docs.c.variants)).all())
    assert variants[india.guid] == ""  # nothing folded: the English story is indexed as written
    assert "iran" in variants[turkish.guid] and "İran" not in variants[turkish.guid]


# ---- Arabic -------------------------------------------------------------------------------------------

ARABIC = {
    "book": ("صدر الكتاب الجديد للكاتبة في معرض القاهرة", "قرأ الطلاب بالكتاب فصلين"),
    "vowels": ("وَصَلَ الرَّئِيسُ إِلَى القَاهِرَةِ مساءً", "استقبله الوزراءُ في المطارِ"),
    "tatweel": ("مؤتمــر الطاقــة يبدأ غداً", "يشارك فيه خبراء من عشرين دولة"),
    "alef": ("أحمد يفوز بجائزة إسلامية عن آفاق ٱلعلم", "تسلم الجائزة في مدرسه المدينه"),
    "yeh": ("افتتاح مستشفى جديد في المدينة", "وزير الصحة يزور المستشفى الجديد على الفور"),
    "prefixes": ("والطلاب فالمعلمون كالأهالي يحتفلون", "هدية للمدرسة بالمناسبة"),
}


@pytest.fixture
def arabic(desk: Desk) -> dict[str, str]:
    return {name: desk.publish(headline, spot=spot, language="ar")[0].guid
            for name, (headline, spot) in ARABIC.items()}


@pytest.mark.parametrize(("q", "expected"), [
    # the article, both ways
    ("كتاب", {"book"}), ("الكتاب", {"book"}), ("بالكتاب", {"book"}), ("كالكتاب", {"book"}),
    ('"كتاب جديد"', {"book"}), ('"الكتاب الجديد"', {"book"}), ("طلاب", {"book", "prefixes"}),
    ("الطلاب", {"book", "prefixes"}), ("معلمون", {"prefixes"}), ("الأهالي", {"prefixes"}),
    ("مدرسة", {"prefixes", "alef"}), ("المدرسة", {"prefixes", "alef"}), ("مناسبة", {"prefixes"}),
    # harakat and tatweel
    ("الرئيس", {"vowels"}), ("رئيس", {"vowels"}), ("القاهرة", {"vowels", "book"}), ("قاهره", {"vowels", "book"}),
    ("مؤتمر", {"tatweel"}), ("الطاقة", {"tatweel"}), ("مؤتـــمر", {"tatweel"}), ("الرَّئِيسُ", {"vowels"}),
    # alef variants, ى/ي, ة/ه
    ("احمد", {"alef"}), ("أحمد", {"alef"}), ("اسلامية", {"alef"}), ("إسلاميه", {"alef"}), ("افاق", {"alef"}),
    ("العلم", {"alef"}), ("علم", {"alef"}), ("مستشفي", {"yeh"}), ("المستشفى", {"yeh"}), ("علي", {"yeh"}),
    ("المدينة", {"alef", "yeh"}), ("مدينه", {"alef", "yeh"}),
    # exclusions and prefixes fold too
    ("مدينة -مستشفى", {"alef"}), ("مستشف*", {"yeh"}), ("الطلا*", {"book", "prefixes"}),
])
def test_arabic_letters_marks_and_the_article_fold(index: SearchIndex, arabic: dict[str, str], q: str,
                                                   expected: set[str]) -> None:
    assert _found(index, q) == {arabic[name] for name in expected}


def test_arabic_rules_follow_the_storys_language(desk: Desk, index: SearchIndex) -> None:
    """An English story quoting Arabic is indexed as written: only its literal words find it."""
    english, _ = desk.publish("Cairo talks", spot="The sign read «الكتاب» in large letters", language="en")
    arabic, _ = desk.publish("معرض الكتاب يفتح أبوابه", language="ar-EG")
    assert _found(index, "الكتاب") == {english.guid, arabic.guid}
    assert _found(index, "كتاب") == {arabic.guid}


# ---- snippets -----------------------------------------------------------------------------------------


def test_snippets_show_the_words_as_written(desk: Desk, index: SearchIndex) -> None:
    weather, _ = desk.publish("Hava durumu", spot="Sabah ılık, öğleden sonra İSTANBUL'da yağmur bekleniyor.",
                              language="tr")
    book, _ = desk.publish("معرض", spot="قرأ الطلاب بالكتاب فصلين ثم ناقشوا المؤلفَ", language="ar")
    vowels, _ = desk.publish("خبر", spot="وَصَلَ الرَّئِيسُ إِلَى القَاهِرَةِ مساءً", language="ar")
    cases = [("ILIK", weather, "ılık"), ("istanbul", weather, "İSTANBUL"), ("كتاب", book, "بالكتاب"),
             ("المؤلف", book, "المؤلف"), ("الرئيس", vowels, "الرَّئِيسُ"), ("قاهرة", vowels, "القَاهِرَةِ")]
    for q, story, written in cases:
        hit = _find(index, q).hits[0]
        assert hit.guid == story.guid, q
        marks = _marked(hit.snippet)
        # FTS5 cuts a word at its harakat, so a mark may stop before a trailing one: the letters are there
        assert any(written in mark for mark in marks), (q, hit.snippet)
        # only the story's own text, never the folded copy the index also holds
        assert all(mark in story.spot for mark in marks), (q, hit.snippet)
        assert _shown(hit.snippet).strip() in story.spot, (q, hit.snippet)


# ---- the query ----------------------------------------------------------------------------------------


def test_a_query_term_is_looked_up_as_typed_and_folded() -> None:
    assert query_forms("harbour") == ("harbour",)
    assert query_forms("ILIK") == ("ILIK",)  # the tokenizers lowercase it alike: nothing to add
    assert query_forms("İLİK") == ("İLİK", "ilik")
    assert query_forms("ılık") == ("ilik",)  # the dotless i as PostgreSQL's unaccent reads it
    assert query_forms("الكتاب") == ("الكتاب", "كتاب")
    parsed = parse('الكتاب "بالكتاب الجديد" -مؤتمر مدرس*')
    assert parsed is not None
    assert fts5_expression(parsed) == ('(("الكتاب" OR "كتاب") AND ("بالكتاب الجديد" OR "كتاب جديد") AND "مدرس" *) '
                                       'NOT "مؤتمر"')


# ---- properties ---------------------------------------------------------------------------------------

LANGUAGES = st.sampled_from(["tr", "ar", "en", "az", "ar-SA", "fa", "", None])


@given(text=st.text(), language=LANGUAGES)
def test_folding_is_idempotent(text: str, language: str | None) -> None:
    once = fold_text(text, language)
    assert fold_text(once, language) == once
    for word in text.split():
        assert fold_word(fold_word(word, language), language) == fold_word(word, language)


@given(text=st.text(alphabet="İIıiلالكتابوفبأإآٱىيةهـَُِّْ ", max_size=40))
def test_folding_keeps_the_words_and_what_lies_between(text: str) -> None:
    """Same number of words, same separators: a phrase in the original is a phrase in the fold."""
    folded = fold_text(text, "ar")
    assert folded.split(" ") == [fold_word(w, "ar") for w in text.split(" ")]
    assert all(w for w in folded.split(" ") if w) or not text.strip()


TURKISH_WORDS = ["ılık", "istanbul", "ığdır", "şişli", "çiçek", "görüşme", "ıhlamur", "iğne", "kırmızı",
                 "düğün", "ülke", "sığınak", "bilim", "ıslak", "irmik", "ağrı"]
ARABIC_STEMS = ["كتاب", "مدرسة", "مستشفى", "رئيس", "أحمد", "إسلام", "آفاق", "قاهرة", "طاقة", "مؤتمر",
                "جامعة", "وزير", "سفينة", "مطار", "حكومة", "شارع"]
_ARTICLES = ["", "ال", "وال", "بال", "كال", "فال", "لل"]
_HARAKAT = ["َ", "ُ", "ِ", "ّ", "ْ", "ً", "ٌ", "ٍ"]
_ALEFS = "اأإآٱ"
_PLAIN = {"ç": "c", "ş": "s", "ğ": "g", "ö": "o", "ü": "u"}


@st.composite
def turkish_spelling(draw: st.DrawFn, word: str) -> str:
    """`word` as a reader might type it: any case, any i for an i, accents kept or dropped."""
    out = []
    for ch in word:
        if ch in "iı":
            ch = draw(st.sampled_from("iıİI"))
        elif ch in _PLAIN and draw(st.booleans()):
            ch = _PLAIN[ch]
        out.append(ch.upper() if draw(st.booleans()) and ch not in "iıİI" else ch)
    return "".join(out)


@st.composite
def arabic_spelling(draw: st.DrawFn, stem: str) -> str:
    """`stem` with any article, harakat, tatweel, alef form, ى/ي and ة/ه a writer might use."""
    out = []
    for i, ch in enumerate(stem):
        last = i == len(stem) - 1
        if ch in _ALEFS:
            ch = draw(st.sampled_from(_ALEFS))
        elif last and ch in "ىي":
            ch = draw(st.sampled_from("ىي"))
        elif last and ch in "ةه":
            ch = draw(st.sampled_from("ةه"))
        out.append(ch)
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(_HARAKAT)))
        if not last and draw(st.integers(0, 5)) == 0:
            out.append("ـ")
    return draw(st.sampled_from(_ARTICLES)) + "".join(out)


@st.composite
def stories_and_queries(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A story's language and words as published, and each word as searched for."""
    if draw(st.booleans()):
        words = draw(st.lists(st.sampled_from(TURKISH_WORDS), min_size=2, max_size=6, unique=True))
        return "tr", [draw(turkish_spelling(w)) for w in words], [draw(turkish_spelling(w)) for w in words]
    stems = draw(st.lists(st.sampled_from(ARABIC_STEMS), min_size=2, max_size=6, unique=True))
    return "ar", [draw(arabic_spelling(s)) for s in stems], [draw(arabic_spelling(s)) for s in stems]


@DB_SETTINGS
@given(example=stories_and_queries())
def test_any_spelling_of_a_storys_word_finds_it(desk: Desk, index: SearchIndex,
                                                example: tuple[str, list[str], list[str]]) -> None:
    language, written, typed = example
    story, _ = desk.publish(" ".join(written[:2]), spot=" ".join(written[2:]), language=language)
    for word in typed:
        assert _guids(index.search(SearchQuery(q=word, guids=[story.guid]), None, NOW)) == [story.guid], word
    phrase = f'"{typed[0]} {typed[1]}"'
    assert _guids(index.search(SearchQuery(q=phrase, guids=[story.guid]), None, NOW)) == [story.guid], phrase


# ---- migration ----------------------------------------------------------------------------------------


def test_migration_0020_folds_the_stories_already_indexed(database_url: str) -> None:
    store = Store(database_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def to(revision: str, down: bool = False) -> None:
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)

    def columns() -> set[str]:
        with store.engine.connect() as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns("search_docs")}

    try:
        to("0019")
        assert "variants" not in columns()
        content = _story("Kitap fuarı ılık havada açıldı", language="tr").model_dump(mode="json")
        stamp: Any = "2026-03-01 12:00:00.000000" if store.dialect == "sqlite" else NOW
        with store.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO stories (guid, draft, current_version, created, modified) "
                                 "VALUES ('g1', '{}', 0, :t, :t)"), {"t": stamp})
            conn.execute(sa.text(
                "INSERT INTO versions (guid, version, content, headline, language, urgency, pubstatus, public,"
                " first_published, version_created, is_correction) VALUES ('g1', 1, :c, :h, 'tr', 5, 'usable',"
                " false, :t, :t, false)"), {"c": _json(content), "h": content["headline"], "t": stamp})
            conn.execute(sa.text("INSERT INTO events (kind, guid, version, created) VALUES ('publish', 'g1', 1, :t)"),
                         {"t": stamp})
            conn.execute(sa.text("UPDATE stories SET current_version = 1, pubstatus = 'usable' WHERE guid = 'g1'"))
        to("0020")
        assert _guids(SearchIndex(store).search(SearchQuery(q="ILIK fuari"), None, NOW)) == ["g1"]
        to("0019", down=True)
        assert "variants" not in columns()
        to("0020")
        assert "variants" in columns()
        assert _guids(SearchIndex(store).search(SearchQuery(q="kitap ILIK"), None, NOW)) == ["g1"]
    finally:
        store.close()

"""Fold rules for search: how a word is written for the index beyond what the tokenizers do themselves.

Both stores already ignore case and Latin accents (FTS5 `unicode61 remove_diacritics 2`, PostgreSQL
`unaccent` + 'simple'). What they miss is a matter of language, so the rules are chosen by the
story's language (its primary subtag: `tr`, `ar-EG` → `ar`), and a query, whose language is unknown,
is folded by all of them, so it can meet a story of either language:

- every language: the dotless `ı` is `i`. PostgreSQL's unaccent already does this to every word it
  sees, so SQLite must too, or the two stores would answer differently.
- `tr`, `az`: `İ`, `I`, `ı` and `i` are one letter. "ILIK" is how "ılık" is written in capitals, and a
  case-blind search cannot know which i was meant. Nothing lowercases `I` to `ı`: an English story's
  "I" stays `i` (a Turkish-locale lowercasing would make "INDIA" unfindable by "india").
- `ar`: harakat and other marks and the tatweel are dropped; `أ إ آ ٱ` are `ا`; `ى` is `ي` and `ة` is
  `ه` (both are written either way, above all at a word's end); the definite article — `ال`, also
  after `و ب ك ف` (`وال`, `بال`, …) and `لل` — is removed while at least two letters remain, so
  "كتاب", "الكتاب" and "بالكتاب" are one word. The removal repeats, so folding is idempotent
  ("الالتزام" → "التزام" → "تزام", the same as "التزام" gives).

`fold_text` keeps everything that is not a word as it was, so a folded text has the same words in the
same order (phrases still match) and the index can hold it beside the original.
"""

# Turkish and Arabic letters are the subject here, not confusables of Latin ones.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Arabic marks: Quranic annotation signs, harakat (fathatan … sukun, and the later marks up to U+065F),
# the superscript alef, and the tatweel (a stretch of the line, not a letter).
_ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
_TATWEEL = "\u0640"
_ARABIC_DROP = re.compile(f"[{_ARABIC_MARKS}{_TATWEEL}]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
# Longest first: "وال" must not be read as "و" + a word starting "ال".
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_MIN_STEM = 2

# A word as the tokenizers see it, plus the marks inside it (Python's \w leaves out combining marks,
# which would split "الْكِتَاب" in three).
WORD = re.compile(rf"(?:[^\W_]|[\u0300-\u036f{_ARABIC_MARKS}{_TATWEEL}])+")


def _common(word: str) -> str:
    return word.replace("ı", "i")


def _turkish(word: str) -> str:
    # "İ".lower() is "i" + a combining dot: map the capital first, and drop a decomposed dot after I/i.
    word = word.replace("İ", "i").replace("I\u0307", "i").replace("i\u0307", "i")
    return word.replace("I", "i").lower()


def _arabic(word: str) -> str:
    word = _ARABIC_DROP.sub("", word).translate(_ARABIC_LETTERS)
    stripped = True
    while stripped:
        stripped = False
        for article in _ARTICLES:
            if word.startswith(article) and len(word) - len(article) >= _MIN_STEM:
                word = word[len(article):]
                stripped = True
                break
    return word


_RULES: dict[str, tuple[Callable[[str], str], ...]] = {
    "tr": (_turkish,),
    "az": (_turkish,),
    "ar": (_arabic,),
}
# A query: every language's rules (each touches its own letters only).
_ALL = tuple(dict.fromkeys(rule for rules in _RULES.values() for rule in rules))


def primary_language(tag: str) -> str:
    return tag.split("-", 1)[0].split("_", 1)[0].lower()


def rules_for(language: str | None) -> tuple[Callable[[str], str], ...]:
    """The word rules for a story in `language`, or for a query (None): every language's."""
    specific = _ALL if language is None else _RULES.get(primary_language(language), ())
    return (_common, *specific)


def fold_word(word: str, language: str | None = None) -> str:
    """`word` as indexed for a story in `language` (None: a query's word, folded by every rule)."""
    for rule in rules_for(language):
        word = rule(word)
    return word


def fold_text(text: str, language: str | None = None) -> str:
    """`text` with each word folded and everything between words unchanged."""
    rules = rules_for(language)

    def one(match: re.Match[str]) -> str:
        word = match.group()
        for rule in rules:
            word = rule(word)
        return word

    return WORD.sub(one, text)


def match_key(word: str, language: str | None = None) -> str:
    """What a tokenizer would make of the folded word: case and Latin accents gone too. Only for
    comparing words in Python (marking a snippet); the index itself leaves that to the tokenizer."""
    decomposed = unicodedata.normalize("NFKD", fold_word(word, language).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def query_forms(text: str) -> tuple[str, ...]:
    """The forms a query's word or phrase is looked up in: as typed (with the rule every language
    gets, as PostgreSQL's unaccent would apply it) and folded by every language's rules, when that
    makes another word."""
    typed, folded = fold_text(text, ""), fold_text(text)
    return (typed,) if folded.casefold() == typed.casefold() else (typed, folded)

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
  ("الالتزام" → "التزام" → "تزام", the same as "التزام" gives). Known misses of a rule without a
  dictionary: a stem that starts with ل after لل ("للغة" → "غه", not "لغه") is not met by "لغة".

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
# (str.replace per letter: a dict-driven str.translate is ten times slower on a story)
_ARABIC_LETTERS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ى", "ي"), ("ة", "ه"))
# The definite article, alone or after و ب ك ف, or ل's contraction لل, at a word's start and with at
# least two letters after it; repeated, so the result is a fixed point. Longest first: "وال" must
# not be read as "و" + a word starting "ال".
_ARTICLE = re.compile(r"(?<![^\W_])(?:(?:وال|بال|كال|فال|لل|ال)(?=[^\W_]{2}))+")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")

# A word as the tokenizers see it, plus the marks inside it (Python's \w leaves out combining marks,
# which would split "الْكِتَاب" in three).
WORD = re.compile(rf"(?:[^\W_]|[\u0300-\u036f{_ARABIC_MARKS}{_TATWEEL}])+")

# Each rule works on a whole text at once (a story is folded on every publish): each change is a
# letter's or happens at a word's start, so a text folds as its words would one by one.


def _common(text: str) -> str:
    return text.replace("ı", "i") if "ı" in text else text


def _turkish(text: str) -> str:
    # "İ".lower() is "i" + a combining dot: map the capital first, and drop a decomposed dot after I/i.
    text = text.replace("İ", "i").replace("I\u0307", "i").replace("i\u0307", "i")
    return text.replace("I", "i").lower()


def _arabic(text: str) -> str:
    if not _ARABIC_SCRIPT.search(text):
        return text
    text = _ARABIC_DROP.sub("", text)
    for letter, plain in _ARABIC_LETTERS:
        text = text.replace(letter, plain)
    return _ARTICLE.sub("", text)


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
    """The rules for a story in `language`, or for a query (None): every language's."""
    specific = _ALL if language is None else _RULES.get(primary_language(language), ())
    return (_common, *specific)


def fold_text(text: str, language: str | None = None) -> str:
    """`text` with each word folded for a story in `language` (None: a query, folded by every rule),
    and everything between words unchanged."""
    for rule in rules_for(language):
        text = rule(text)
    return text


fold_word = fold_text  # a word is a text of one word


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

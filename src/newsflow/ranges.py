"""The ranges stored numbers live in, and the one parser for whole numbers read from text.

A seq and most row ids are 64-bit signed integers in both stores; a story's version and a product's id
are 32-bit columns in PostgreSQL. A value beyond its column cannot be bound to a query (SQLite raises
OverflowError, PostgreSQL NumericValueOutOfRange: a 500), so it is refused at the door, naming the
parameter, before it reaches the store.
"""

from __future__ import annotations

import re

from newsflow.errors import FieldError

INT64_MAX = 2**63 - 1  # seq, cursors, offsets, delivery and saved-search ids
INT32_MAX = 2**31 - 1  # story versions, product ids
_WHOLE = re.compile(r"-?[0-9]+")


def whole_number(raw: str, name: str, *, low: int = 0, high: int = INT64_MAX) -> int:
    """`raw` as an int in [low, high]; FieldError naming `name` for anything else (signs, spaces,
    "nan", "1e3", digits beyond 64 bits). Digits only, so nothing Python's int() also accepts
    (underscores, Unicode digits, whitespace) slips through as a different number."""
    text = raw.strip()
    if not _WHOLE.fullmatch(text):
        raise FieldError(name, f"expected a whole number from {low} to {high}, got {raw[:40]!r}")
    # length first: int() of a huge digit string is itself slow (and refused past 4,300 digits)
    value = int(text) if len(text) <= 40 else (-1 if text[0] == "-" else 1) * 10**40
    if value < low:
        raise FieldError(name, f"must be at least {low}")
    if value > high:
        raise FieldError(name, f"must be at most {high}")
    return value

"""Which format a file is in, from its bytes (not its name), and the parser for it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from newsflow.formats import apmedia, feeds, newsml1, newsmlg2, ninjs, nitf
from newsflow.formats.base import FormatError
from newsflow.model import StoryVersion, unsafe_text_stripped

Parser = Callable[[bytes, str], list[StoryVersion]]

PARSERS: dict[str, Parser] = {
    "ninjs": ninjs.parse, "apmedia": apmedia.parse, "newsmlg2": newsmlg2.parse, "newsml1": newsml1.parse,
    "nitf": nitf.parse, "feed": feeds.parse,
}
# First element after the prolog, comments and doctype: its local name decides.
_ROOT = re.compile(rb"<(?![?!])(?:[\w.-]+:)?([\w.-]+)")
_XML_ROOTS = {b"newsItem": "newsmlg2", b"newsMessage": "newsmlg2", b"packageItem": "newsmlg2",
              b"NewsML": "newsml1", b"nitf": "nitf", b"feed": "feed", b"rss": "feed", b"RDF": "feed"}


def detect(data: bytes, source: str = "<input>") -> str:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:4096]
    if head[:1] in (b"{", b"["):
        return _detect_json(data, source)
    if head[:1] == b"<":
        # skip comments so a commented-out tag does not decide
        match = _ROOT.search(re.sub(rb"<!--.*?-->", b"", head, flags=re.S))
        if match and match.group(1) in _XML_ROOTS:
            return _XML_ROOTS[match.group(1)]
        name = match.group(1).decode(errors="replace") if match else "?"
        raise FormatError(source, f"XML with root element <{name}> is not a news format Newsflow reads "
                                  "(NewsML-G2, NewsML 1.x, NITF, Atom, RSS)")
    raise FormatError(source, "neither JSON nor XML: cannot tell the format")


def _detect_json(data: bytes, source: str) -> str:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "ninjs"  # let the ninjs parser report the exact line of the error
    # AP's altids is an object of ids; ninjs 2.x altids is a list, so the type decides
    if isinstance(doc, dict) and ("api_version" in doc or isinstance(_item(doc).get("altids"), dict)):
        return "apmedia"
    return "ninjs"


def _item(doc: dict[str, object]) -> dict[str, object]:
    data = doc.get("data")
    if isinstance(data, dict):
        item = data.get("item")
        return item if isinstance(item, dict) else data
    item = doc.get("item")
    return item if isinstance(item, dict) else doc


def parse(data: bytes, source: str = "<input>") -> list[StoryVersion]:
    """Every story version in a file of any supported format.

    Characters XML 1.0 cannot carry (a wire's stray control character, a NUL, a lone surrogate from a
    JSON escape or a decoded character reference) are stripped from every field, in the model, for every
    parser alike: the story is kept, and no format can fail to carry it later."""
    fmt = detect(data, source)
    with unsafe_text_stripped():
        return PARSERS[fmt](data, source)

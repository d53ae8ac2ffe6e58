"""The one way Newsflow parses XML: no DTDs, no entities, no network, bounded size and depth.

Wire files come from outside; a billion-laughs bomb or an external entity must be refused with a
clear error, never expanded or fetched.
"""

from __future__ import annotations

import re

from lxml import etree

from newsflow.formats.base import FormatError

MAX_BYTES = 20 * 2**20
# Depth: libxml2 itself refuses documents nested deeper than 256 unless huge_tree is on (it is off).
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)


class XMLError(FormatError):
    """Unusable or hostile XML."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, source: str = "<input>") -> etree._Element:
    if len(data) > MAX_BYTES:
        raise XMLError(source, f"document is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    declaration = _ENTITY_DECL.search(data)
    if declaration:
        line = data[: declaration.start()].count(b"\n") + 1
        raise XMLError(source, "entity declarations are not accepted (possible entity-expansion attack)", line)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise XMLError(source, exc.msg or "malformed XML", exc.lineno) from None
    except ValueError as exc:  # e.g. an encoding declaration lxml cannot honour
        raise XMLError(source, str(exc)) from None
    if root is None:
        raise XMLError(source, "empty document")
    return root

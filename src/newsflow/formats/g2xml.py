"""Small helpers for reading and writing NewsML-G2 elements, shared by the item and media modules.

Readers match elements by local name and case (real wires put elements in other namespaces or
capitalise them); writers put every element in the G2 namespace."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from lxml import etree

NAR = "http://iptc.org/std/nar/2006-10-01/"


def q(tag: str) -> str:
    return f"{{{NAR}}}{tag}"


def sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    element = etree.SubElement(parent, q(name), {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def local(el: etree._Element) -> str:
    return local_name(el.tag)


@functools.lru_cache(maxsize=2048)
def local_name(tag: str) -> str:
    # called for every element visited; wires use a few hundred distinct tags at most
    return tag.rpartition("}")[2].lower()


def kids(el: etree._Element | None) -> Iterator[etree._Element]:
    return (child for child in (el if el is not None else []) if isinstance(child.tag, str))


# Set by `grouped`: element -> its element children by local name. A reader asks the same element for
# a dozen names; lxml makes a proxy object for every child it walks, so walking once is most of a parse.
_GROUPS: ContextVar[dict[etree._Element, dict[str, list[etree._Element]]] | None] = ContextVar(
    "newsflow_g2_groups", default=None)


@contextmanager
def grouped() -> Iterator[None]:
    """Within, `children` walks each element's children once; the tree must not change meanwhile (the
    cache holds the elements, so each keeps its proxy and identity)."""
    token = _GROUPS.set({})
    try:
        yield
    finally:
        _GROUPS.reset(token)


def children(el: etree._Element | None, name: str) -> list[etree._Element]:
    if el is None:
        return []
    groups = _GROUPS.get()
    if groups is None:
        wanted = name.lower()
        # plain iteration, cached local names (comments have non-str tags)
        return [child for child in el if type(child.tag) is str and local_name(child.tag) == wanted]
    by_name = groups.get(el)
    if by_name is None:
        by_name = groups[el] = {}
        for child in el:
            if type(child.tag) is str:
                by_name.setdefault(local_name(child.tag), []).append(child)
    found = by_name.get(name.lower())
    return list(found) if found else []  # a copy: callers may change the list they get


def child(el: etree._Element | None, name: str) -> etree._Element | None:
    found = children(el, name)
    return found[0] if found else None


def first(el: etree._Element, name: str) -> etree._Element | None:
    """The first descendant (or the element itself) with this local name."""
    return next((d for d in el.iter() if isinstance(d.tag, str) and local(d) == name), None)


def attr(el: etree._Element | None, name: str) -> str | None:
    return el.get(name) if el is not None else None


def text(el: etree._Element | None) -> str:
    """All text inside an element, whitespace collapsed (G2 labels and blocks may hold markup)."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).split())


def code(qcode: str | None) -> str:
    return split_qcode(qcode)[1]


def split_qcode(qcode: str | None) -> tuple[str, str]:
    alias, _, code = (qcode or "").strip().partition(":")
    return (alias, code) if code else ("", alias)


def integer(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None

"""Labels for concepts that arrive as bare codes: a subject `subj:04011002` is shown as "Tourism"
rather than its number.

After parsing, a subject, place, person or organisation whose name is only its code (the code, its
last segment, or nothing) takes the label the same file gives that code elsewhere, else the label of
the IPTC Subject NewsCodes vocabulary for an IPTC subject code, else keeps the code.

The vocabulary is a JSON object of code -> label (`{"04011002": "tourism", …}`) read from the file
that NEWSFLOW_SUBJECT_CODES names; when unset, from `../shared/vocab/iptc-subject-codes.json` beside
the checkout when it is there; otherwise there is none and codes stay codes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from newsflow.model import Concept, StoryVersion

# beside the checkout: <checkout>/src/newsflow/ingest/vocabulary.py -> <checkout>/../shared/vocab
BESIDE_CHECKOUT = Path(__file__).resolve().parents[3].parent / "shared" / "vocab" / "iptc-subject-codes.json"
CONCEPTS = ("subjects", "places", "people", "organisations")
# An IPTC subject code: eight digits, bare or as a QCode/URI of the subject code scheme.
_SUBJECT_CODE = re.compile(r"(?:(?:subj|subject|iptc|iptcsubject|subjectcode)[:/]|.*/subjectcode/)?(\d{8})",
                           re.I)


def load(path: str | Path | None) -> dict[str, str]:
    """The vocabulary at `path` (ValueError naming it when it is not a JSON object of labels); with no
    path, the one beside the checkout if present, else none."""
    if not path:
        if not BESIDE_CHECKOUT.is_file():
            return {}
        path = BESIDE_CHECKOUT
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"NEWSFLOW_SUBJECT_CODES={str(path)!r} cannot be read: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"NEWSFLOW_SUBJECT_CODES={str(path)!r} is not a JSON object of code -> label")
    return {code.strip(): label.strip() for code, label in data.items() if label.strip()}


def is_bare(concept: Concept) -> bool:
    """Whether the concept's name is nothing but its code (or a segment of it)."""
    if not concept.code:
        return False
    name = concept.name.strip()
    tail = re.split(r"[:/#]", concept.code.rstrip("/"))[-1]
    return name in (concept.code, tail) or not name.strip("-_.: ")


def label(concept: Concept, from_file: Mapping[str, str], vocabulary: Mapping[str, str]) -> Concept:
    if not is_bare(concept) or not concept.code:
        return concept
    found = from_file.get(concept.code)
    if found is None and (match := _SUBJECT_CODE.fullmatch(concept.code.strip())):
        found = vocabulary.get(match[1])
    return concept.model_copy(update={"name": found[:1000]}) if found else concept


def labelled(items: Iterable[StoryVersion], vocabulary: Mapping[str, str]) -> list[StoryVersion]:
    """`items` (one file's) with every bare code named where the file or the vocabulary can."""
    items = list(items)
    from_file = {c.code: c.name for item in items for kind in CONCEPTS for c in getattr(item, kind)
                 if c.code and not is_bare(c)}
    out = []
    for item in items:
        update = {}
        for kind in CONCEPTS:
            concepts = getattr(item, kind)
            named = [label(c, from_file, vocabulary) for c in concepts]
            if any(a is not b for a, b in zip(named, concepts, strict=True)):
                update[kind] = named
        out.append(item.model_copy(update=update) if update else item)
    return out

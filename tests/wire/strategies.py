"""Hypothesis strategies for stories and product filters, shared by the wire tests.

Values come from small pools that overlap between stories and filters (with case variants), so a
random filter matches a random story often enough for the properties to mean something.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from newsflow.model import Concept, Photo, StoryVersion

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

CATEGORIES = ["World", "Europe", "Asia - Pacific", "Sport", "world", "SPORT", "Économie", "économie"]
DOSSIERS = ["Azerbaijan Front Line", "azerbaijan front line", "Floods", "Straße"]
STORY_LANGUAGES = ["en", "en-GB", "en-US", "tr", "fr-CA", "eng", "ar"]
FILTER_LANGUAGES = ["en", "EN", "en-GB", "en-gb", "fr", "tr", "eng", "ar", "de"]
SUBJECT_CODES = ["subj:15000000", "subj:15001000", "subj:11000000", "subj:16009000", "medtop:20000001"]
SUBJECT_PREFIXES = ["subj:", "subj:15", "subj:15001", "subj:16009000", "medtop:", "subj:2", "x"]
PLACES = ["Baku", "BAKU", "Azerbaijan", "Ankara", "İstanbul", "Straße", "STRASSE"]


def _sample_list(pool: list[str], *, min_size: int = 0, max_size: int = 3) -> st.SearchStrategy[list[str]]:
    # max_size within the pool, and min_size rather than .filter(bool): hypothesis 6.170 trips over
    # a filtered unique list that can run out of values
    return st.lists(st.sampled_from(pool), min_size=min_size, max_size=min(max_size, len(pool)), unique=True)


@st.composite
def story_versions(draw: st.DrawFn, *, embargo: bool = True) -> StoryVersion:
    subjects = [Concept(name=f"s{i}", code=code)
                for i, code in enumerate(draw(st.lists(st.sampled_from([*SUBJECT_CODES, None]), max_size=3)))]
    places = [Concept(name=name) for name in draw(_sample_list(PLACES))]
    photos = [Photo(href=f"https://photos.example/{i}.jpg") for i in range(draw(st.integers(0, 2)))]
    held = None
    if embargo and draw(st.booleans()):
        held = NOW + timedelta(minutes=draw(st.integers(-120, 120)))
    return StoryVersion(
        headline="A headline", guid="20260301-0000000000000001", version=draw(st.integers(1, 3)),
        first_published=NOW, version_created=NOW,
        categories=draw(_sample_list(CATEGORIES)), dossier=draw(st.sampled_from([*DOSSIERS, None])),
        language=draw(st.sampled_from(STORY_LANGUAGES)), urgency=draw(st.integers(1, 9)),
        subjects=subjects, places=places, photos=photos, public=draw(st.booleans()), embargo=held)


# A filter as the plain dict an admin would send; ProductFilter.model_validate turns it into one.
LIST_FIELDS: dict[str, list[str]] = {
    "categories": CATEGORIES, "dossiers": DOSSIERS, "languages": FILTER_LANGUAGES,
    "media_types": ["text", "picture"], "subjects": SUBJECT_PREFIXES, "places": PLACES,
}


@st.composite
def filter_specs(draw: st.DrawFn) -> dict[str, Any]:
    # Each list is left empty half the time, so most filters constrain only a few fields.
    spec: dict[str, Any] = {
        name: draw(st.one_of(st.just([]), _sample_list(pool))) for name, pool in LIST_FIELDS.items()}
    spec["urgency_max"] = draw(st.one_of(st.none(), st.integers(1, 9)))
    spec["public_only"] = draw(st.booleans())
    return spec


@st.composite
def narrowed(draw: st.DrawFn, spec: dict[str, Any]) -> dict[str, Any]:
    """The same filter with one more constraint: an empty list filled, a list cut down to a
    non-empty part of itself, a lower urgency ceiling, or public only."""
    out = dict(spec)
    name = draw(st.sampled_from([*LIST_FIELDS, "urgency_max", "public_only"]))
    if name == "urgency_max":
        ceiling = draw(st.integers(1, 9))
        out[name] = ceiling if spec[name] is None else min(ceiling, spec[name])
    elif name == "public_only":
        out[name] = True
    elif not spec[name]:
        out[name] = draw(_sample_list(LIST_FIELDS[name], min_size=1))
    else:
        out[name] = draw(_sample_list(spec[name], min_size=1))
    return out

"""Product filters: the documented semantics, checked by example and against a reference evaluation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from newsflow.model import Concept, Photo, StoryVersion
from newsflow.wire.products import ProductFilter, matches
from tests.wire.strategies import LIST_FIELDS, NOW, filter_specs, narrowed, story_versions


def _seed(**changes: Any) -> StoryVersion:
    """The seed article's fields (see docs/product.md)."""
    fields: dict[str, Any] = {
        "headline": "Azerbaijan seizes Armenian arms, ammunition, vehicles",
        "guid": "20201002-00000000000000aa", "version": 1, "first_published": NOW, "version_created": NOW,
        "categories": ["World", "Europe", "Asia - Pacific"], "dossier": "Azerbaijan Front Line",
        "language": "en", "urgency": 4,
        "subjects": [Concept(name="war", code="subj:16009000"), Concept(name="armed conflict")],
        "places": [Concept(name="Baku"), Concept(name="Azerbaijan")],
        "photos": [Photo(href="https://photos.example/1.jpg", caption="Seized equipment")],
    }
    return StoryVersion(**(fields | changes))


def _f(**spec: Any) -> ProductFilter:
    return ProductFilter.model_validate(spec)


# ---- semantics by example -----------------------------------------------------------------------

def test_empty_filter_matches_the_seed_story() -> None:
    assert matches(ProductFilter(), _seed())


@pytest.mark.parametrize(("spec", "expected"), [
    ({"categories": ["europe"]}, True),  # case-insensitive
    ({"categories": ["Sport", "Asia - Pacific"]}, True),  # OR within a list
    ({"categories": ["Sport"]}, False),
    ({"dossiers": ["AZERBAIJAN FRONT LINE"]}, True),
    ({"dossiers": ["Floods"]}, False),
    ({"languages": ["en"]}, True),
    ({"languages": ["EN"]}, True),
    ({"languages": ["en-GB"]}, False),  # a regional filter does not take the bare language
    ({"languages": ["tr", "ar"]}, False),
    ({"media_types": ["picture"]}, True),
    ({"media_types": ["text"]}, True),
    ({"urgency_max": 4}, True),  # inclusive
    ({"urgency_max": 3}, False),
    ({"subjects": ["subj:16"]}, True),  # code prefix
    ({"subjects": ["subj:16009000"]}, True),
    ({"subjects": ["subj:15"]}, False),
    ({"places": ["baku"]}, True),
    ({"places": ["Ankara"]}, False),
    ({"public_only": True}, False),
    ({"categories": ["World"], "places": ["Baku"], "urgency_max": 5}, True),  # AND across fields
    ({"categories": ["World"], "places": ["Ankara"]}, False),
])
def test_filter_semantics_on_the_seed_story(spec: dict[str, Any], expected: bool) -> None:
    assert matches(_f(**spec), _seed()) is expected


def test_regional_language_filters() -> None:
    assert matches(_f(languages=["en"]), _seed(language="en-GB"))
    assert matches(_f(languages=["en-gb"]), _seed(language="en-GB"))
    assert not matches(_f(languages=["en-US"]), _seed(language="en-GB"))
    assert not matches(_f(languages=["en"]), _seed(language="eng"))  # a prefix of subtags, not of letters


def test_pictures_need_photos_and_text_is_every_story() -> None:
    bare = _seed(photos=[])
    assert not matches(_f(media_types=["picture"]), bare)
    assert matches(_f(media_types=["text"]), bare)
    assert matches(_f(media_types=["picture", "text"]), bare)


def test_missing_fields_fail_their_constraints() -> None:
    bare = _seed(dossier=None, subjects=[Concept(name="no code")], places=[], categories=[])
    for spec in ({"dossiers": ["Azerbaijan Front Line"]}, {"subjects": ["subj:"]}, {"places": ["Baku"]},
                 {"categories": ["World"]}):
        assert not matches(_f(**spec), bare), spec


def test_public_only_takes_public_stories() -> None:
    assert matches(_f(public_only=True), _seed(public=True))


@pytest.mark.parametrize("spec", [
    {"channels": ["web"]},  # unknown field
    {"urgency_max": 0}, {"urgency_max": 10},
    {"media_types": ["video"]},
    {"categories": [""]}, {"places": ["   "]},
    {"languages": ["english!"]},
    {"public_only": "perhaps"},
])
def test_invalid_filters_are_refused(spec: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ProductFilter.model_validate(spec)


def test_filter_is_frozen_and_copies_revalidate() -> None:
    f = _f(categories=["World"])
    with pytest.raises(ValidationError):
        f.categories = ["Sport"]  # type: ignore[misc]
    moved = f.model_copy(update={"categories": ["Sport"]})
    assert not matches(moved, _seed())  # the copy matches on its new values, not stale ones
    with pytest.raises(ValidationError):
        f.model_copy(update={"urgency_max": 12})


def test_filter_round_trips_through_json() -> None:
    f = _f(categories=["World"], subjects=["subj:16"], urgency_max=3, public_only=True)
    assert ProductFilter.model_validate_json(f.model_dump_json()) == f


# ---- properties ---------------------------------------------------------------------------------

def _reference(spec: dict[str, Any], story: StoryVersion) -> bool:
    """The filter semantics spelled out constraint by constraint, independently of `matches`."""
    verdicts: list[bool] = []
    if spec["categories"]:
        wanted = {c.casefold() for c in spec["categories"]}
        verdicts.append(bool(wanted & {c.casefold() for c in story.categories}))
    if spec["dossiers"]:
        verdicts.append(story.dossier is not None
                        and any(d.casefold() == story.dossier.casefold() for d in spec["dossiers"]))
    if spec["languages"]:
        lang = story.language.lower()
        verdicts.append(any(lang == tag.lower() or lang.startswith(tag.lower() + "-")
                            for tag in spec["languages"]))
    if spec["media_types"]:
        kinds = {"text", "picture"} if story.photos else {"text"}
        verdicts.append(not kinds.isdisjoint(spec["media_types"]))
    if spec["urgency_max"] is not None:
        verdicts.append(story.urgency <= spec["urgency_max"])
    if spec["subjects"]:
        codes = [s.code for s in story.subjects if s.code is not None]
        verdicts.append(any(re.match(re.escape(prefix), code)
                            for prefix in spec["subjects"] for code in codes))
    if spec["places"]:
        verdicts.append(any(p.name.casefold() == want.casefold()
                            for p in story.places for want in spec["places"]))
    if spec["public_only"]:
        verdicts.append(story.public)
    return all(verdicts)


@settings(max_examples=400)
@given(story=story_versions(), spec=filter_specs())
def test_matches_agrees_with_the_reference(story: StoryVersion, spec: dict[str, Any]) -> None:
    assert matches(ProductFilter.model_validate(spec), story) == _reference(spec, story)


@given(story=story_versions())
def test_an_empty_filter_matches_everything(story: StoryVersion) -> None:
    assert matches(ProductFilter(), story)
    assert matches(ProductFilter.model_validate({name: [] for name in LIST_FIELDS}), story)


@settings(max_examples=300)
@given(story=story_versions(), data=st.data())
def test_adding_a_constraint_never_widens(story: StoryVersion, data: st.DataObject) -> None:
    spec = data.draw(filter_specs())
    tighter = data.draw(narrowed(spec))
    if matches(ProductFilter.model_validate(tighter), story):
        assert matches(ProductFilter.model_validate(spec), story)


@settings(max_examples=300)
@given(story=story_versions(), spec=filter_specs(), data=st.data())
def test_adding_a_value_to_a_used_list_never_narrows(story: StoryVersion, spec: dict[str, Any],
                                                     data: st.DataObject) -> None:
    used = [name for name in LIST_FIELDS if spec[name]]
    if not used:
        return
    name = data.draw(st.sampled_from(used))
    extra = data.draw(st.sampled_from(LIST_FIELDS[name]))
    wider = spec | {name: list(dict.fromkeys([*spec[name], extra]))}
    if matches(ProductFilter.model_validate(spec), story):
        assert matches(ProductFilter.model_validate(wider), story)

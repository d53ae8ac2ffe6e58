"""Products: saved filters over story fields, and the one test of a story against a filter.

Semantics (the contract the admin UI and the tests rely on):

- every constraint is optional; an empty list (or None / False) constrains nothing;
- constraints are AND-ed; the values within one list are OR-ed;
- categories, dossiers and places compare case-insensitively (Unicode casefold);
- languages are BCP 47 prefixes: "en" matches "en" and "en-GB", "en-GB" matches only "en-GB";
- media_types: every story is "text"; a story is also "picture" when it has photos;
- urgency_max: the story's urgency (1 flash … 9 background) is at most this;
- subjects are code prefixes: "subj:15" matches "subj:15000000" and "subj:15001000";
- public_only: only stories in the public portion.

Matching runs once per (event, product) at write time, so the filter keeps its values pre-normalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from newsflow.model import Story

MediaType = Literal["text", "picture"]
Value = Annotated[str, Field(min_length=1, max_length=300)]
Language = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]


class ProductFilter(BaseModel):
    """What a product covers. Stored as JSON in `products.filter`."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    categories: list[Value] = Field(default_factory=list, max_length=200)
    dossiers: list[Value] = Field(default_factory=list, max_length=200)
    languages: list[Language] = Field(default_factory=list, max_length=50)
    media_types: list[MediaType] = Field(default_factory=list, max_length=2)
    urgency_max: int | None = Field(default=None, ge=1, le=9, description="Urgency at most this (1 = flash).")
    subjects: list[Value] = Field(default_factory=list, max_length=500, description="Subject code prefixes.")
    places: list[Value] = Field(default_factory=list, max_length=500)
    public_only: bool = False

    # Normalised once here so `matches` does set look-ups and no string work per product.
    _categories: frozenset[str] = PrivateAttr()
    _dossiers: frozenset[str] = PrivateAttr()
    _languages: tuple[tuple[str, ...], ...] = PrivateAttr()
    _pictures_only: bool = PrivateAttr()
    _subjects: tuple[str, ...] = PrivateAttr()
    _places: frozenset[str] = PrivateAttr()

    @field_validator("categories", "dossiers", "subjects", "places", mode="after")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        if any(not v for v in values):
            raise ValueError("values may not be blank")
        return values

    def model_post_init(self, context: Any, /) -> None:
        self._categories = frozenset(c.casefold() for c in self.categories)
        self._dossiers = frozenset(d.casefold() for d in self.dossiers)
        self._languages = tuple(tuple(lang.lower().split("-")) for lang in self.languages)
        # "text" covers every story, so only a filter naming pictures alone constrains anything.
        self._pictures_only = bool(self.media_types) and "text" not in self.media_types
        self._subjects = tuple(self.subjects)
        self._places = frozenset(p.casefold() for p in self.places)


def matches(filter: ProductFilter, version: Story) -> bool:
    """Whether a story (any version of it) falls inside the filter. Pure and allocation-light."""
    f = filter
    if f.public_only and not version.public:
        return False
    if f.urgency_max is not None and version.urgency > f.urgency_max:
        return False
    if f._pictures_only and not version.photos:
        return False
    if f._categories and not any(c.casefold() in f._categories for c in version.categories):
        return False
    if f._dossiers and (version.dossier is None or version.dossier.casefold() not in f._dossiers):
        return False
    if f._languages:
        tags = version.language.lower().split("-")
        if not any(tags[:len(prefix)] == list(prefix) for prefix in f._languages):
            return False
    if f._subjects and not any(s.code and s.code.startswith(f._subjects) for s in version.subjects):
        return False
    return not (f._places and not any(p.name.casefold() in f._places for p in version.places))


@dataclass(frozen=True)
class Product:
    """A product as stored. Inactive products grant nothing but keep their history."""

    id: int
    name: str
    description: str
    filter: ProductFilter
    active: bool
    created: datetime

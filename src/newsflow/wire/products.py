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

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from newsflow.model import Story
from newsflow.sanitize import strip_unsafe

MediaType = Literal["text", "picture"]
Value = Annotated[str, Field(min_length=1, max_length=300)]
Language = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]


class ProductFilter(BaseModel):
    """What a product covers. Stored as JSON in `products.filter`."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    # The descriptions are what `newsflow product create --help` and the API schema tell users.
    categories: list[Value] = Field(default_factory=list, max_length=200,
                                    description="Sections, any of them (any case), e.g. [\"World\"].")
    dossiers: list[Value] = Field(default_factory=list, max_length=200,
                                  description="Running topics, any of them (any case).")
    languages: list[Language] = Field(default_factory=list, max_length=50,
                                      description="BCP 47 prefixes: \"en\" also takes \"en-GB\".")
    media_types: list[MediaType] = Field(default_factory=list, max_length=2,
                                         description="[\"picture\"]: only stories with photos.")
    urgency_max: int | None = Field(default=None, ge=1, le=9, description="Urgency at most this (1 = flash).")
    subjects: list[Value] = Field(default_factory=list, max_length=500,
                                  description="Subject code prefixes: \"subj:15\" takes \"subj:15000000\".")
    places: list[Value] = Field(default_factory=list, max_length=500, description="Places, any of them (any case).")
    public_only: bool = Field(default=False, description="Only stories of the public portion.")

    # Compiled once here, so matching does set operations and no string work per product.
    _compiled: _Compiled = PrivateAttr()

    @field_validator("categories", "dossiers", "subjects", "places", mode="after")
    @classmethod
    def _no_blank(cls, values: list[str]) -> list[str]:
        if any(not v for v in values):
            raise ValueError("values may not be blank")
        return values

    def model_post_init(self, context: Any, /) -> None:
        self._compiled = _Compiled(
            categories=frozenset(c.casefold() for c in self.categories),
            dossiers=frozenset(d.casefold() for d in self.dossiers),
            languages=frozenset(lang.lower() for lang in self.languages),
            # "text" covers every story, so only a filter naming pictures alone constrains anything.
            pictures_only=bool(self.media_types) and "text" not in self.media_types,
            urgency_max=self.urgency_max if self.urgency_max is not None else 9,
            subjects=tuple(self.subjects),
            places=frozenset(p.casefold() for p in self.places),
            public_only=self.public_only)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> ProductFilter:
        # pydantic's copy neither validates `update` nor re-runs model_post_init: rebuild instead.
        return type(self).model_validate(self.model_dump() | dict(update or {}))


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A filter with every value normalised the way `StoryFacts` are; empty means unconstrained."""

    categories: frozenset[str]
    dossiers: frozenset[str]
    languages: frozenset[str]
    pictures_only: bool
    urgency_max: int
    subjects: tuple[str, ...]
    places: frozenset[str]
    public_only: bool

    def accepts(self, facts: StoryFacts) -> bool:
        return not (
            (self.public_only and not facts.public)
            or facts.urgency > self.urgency_max
            or (self.pictures_only and not facts.has_photos)
            or (self.categories and self.categories.isdisjoint(facts.categories))
            or (self.dossiers and facts.dossier not in self.dossiers)
            or (self.languages and self.languages.isdisjoint(facts.language_ranges))
            or (self.subjects and not any(code.startswith(self.subjects) for code in facts.subject_codes))
            or (self.places and self.places.isdisjoint(facts.places)))


@dataclass(frozen=True, slots=True)
class StoryFacts:
    """The fields filters look at, normalised once per story rather than once per product."""

    categories: frozenset[str]
    dossier: str | None
    language_ranges: frozenset[str]  # "en-gb" gives {"en", "en-gb"}: every filter language it satisfies
    has_photos: bool
    urgency: int
    subject_codes: tuple[str, ...]
    places: frozenset[str]
    public: bool

    @classmethod
    def of(cls, story: Story) -> StoryFacts:
        tags = story.language.lower().split("-")
        return cls(categories=frozenset(c.casefold() for c in story.categories),
                   dossier=story.dossier.casefold() if story.dossier is not None else None,
                   language_ranges=frozenset("-".join(tags[:n]) for n in range(1, len(tags) + 1)),
                   has_photos=bool(story.photos), urgency=story.urgency,
                   subject_codes=tuple(s.code for s in story.subjects if s.code),
                   places=frozenset(p.name.casefold() for p in story.places), public=story.public)


    @classmethod
    def of_stored(cls, content: Mapping[str, Any]) -> StoryFacts:
        """`of(Story.from_stored(content))` without building the story: a version as stored (its JSON)
        read for the fields filters look at only — a hundred times faster, which an archive run over a
        million versions needs. Text is stripped of what the model refuses, as `from_stored` does."""
        fields = Story.model_fields
        categories = content.get("categories") or []
        dossier = content.get("dossier")
        language = strip_unsafe(content.get("language") or fields["language"].default)
        tags = language.lower().split("-")
        return cls(categories=frozenset(strip_unsafe(c).casefold() for c in categories),
                   dossier=strip_unsafe(dossier).casefold() if dossier is not None else None,
                   language_ranges=frozenset("-".join(tags[:n]) for n in range(1, len(tags) + 1)),
                   has_photos=bool(content.get("photos")),
                   urgency=int(content.get("urgency", fields["urgency"].default)),
                   subject_codes=tuple(s["code"] for s in content.get("subjects") or () if s.get("code")),
                   places=frozenset(strip_unsafe(p["name"]).casefold() for p in content.get("places") or ()),
                   public=bool(content.get("public", fields["public"].default)))


def matches(filter: ProductFilter, version: Story | StoryFacts) -> bool:
    """Whether a story (any version of it) falls inside the filter. Pure; pass `StoryFacts` to test
    one story against many filters without normalising it each time."""
    facts = version if isinstance(version, StoryFacts) else StoryFacts.of(version)
    return filter._compiled.accepts(facts)


@dataclass(frozen=True)
class Product:
    """A product as stored. Inactive products grant nothing but keep their history."""

    id: int
    name: str
    description: str
    filter: ProductFilter
    active: bool
    created: datetime
    public: bool = False  # its stories are also part of the public website's portion
    archive_days: int | None = None  # how far back it reaches into the archive; None: all of it
    # Held directly: reading a pydantic private attribute costs more than the match itself.
    _compiled: _Compiled = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", self.filter._compiled)

    @classmethod
    def of_row(cls, row: Any, filter: ProductFilter) -> Product:
        """A `products` row with its filter already parsed."""
        return cls(id=row.id, name=row.name, description=row.description, filter=filter, active=row.active,
                   created=row.created, public=row.public, archive_days=row.archive_days)

    def covers(self, facts: StoryFacts) -> bool:
        """`matches(self.filter, story)` for a story already reduced to its facts (the hot path)."""
        return self._compiled.accepts(facts)

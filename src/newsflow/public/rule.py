"""Which stories the public website may show: `PublicRule.admits` is the ONE answer to "is this story
public?"; `is_public` adds what is never negotiable (killed and still-embargoed copy stay off the
site). Every public page, feed, sitemap and search asks these two and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from newsflow.model import PubStatus, Story, StoryVersion, utcnow
from newsflow.store.tables import versions
from newsflow.wire.products import ProductFilter, StoryFacts, matches


class Gone(Exception):
    """The story was public and has been killed: its URL answers 410."""


@dataclass(frozen=True)
class PublicRule:
    """A story is public when an editor marked it so, when a product marked public covers it, or when
    it is at least as urgent as `urgency_max` (0 turns that clause off)."""

    urgency_max: int = 0
    products: tuple[ProductFilter, ...] = ()

    def admits(self, story: Story) -> bool:
        return self.why(story) is not None

    def why(self, story: Story) -> str | None:
        """Which clause lets the story in ("flag", "urgency", "product"), None when none does — the
        admin face shows it beside each public story."""
        if story.public:
            return "flag"
        if self.urgency_max and story.urgency <= self.urgency_max:
            return "urgency"
        if self.products and any(matches(f, StoryFacts.of(story)) for f in self.products):
            return "product"
        return None

    def narrowed(self) -> sa.ColumnElement[bool] | None:
        """A condition on the versions table that every story `admits` takes also meets, so a scan of
        the whole archive need not read the stories that cannot be public. The flag and the urgency
        are columns; a product's filter is not, so with public products there is nothing to narrow.
        `admits` still judges every story the condition lets through."""
        if self.products:
            return None
        flagged = versions.c.public.is_(True)
        return sa.or_(flagged, versions.c.urgency <= self.urgency_max) if self.urgency_max else flagged


def is_public(version: StoryVersion, rule: PublicRule, now: datetime | None = None) -> bool:
    """Shown on the public site now: in the portion, not killed or withheld, not under embargo."""
    now = now or utcnow()
    return (version.pubstatus == PubStatus.usable and not version.embargoed_at(now)
            and rule.admits(version))

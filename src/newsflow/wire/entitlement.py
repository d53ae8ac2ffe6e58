"""Entitlement: the one question every channel asks before a subscriber gets a version.

Which products an event matches is decided once, when the event is written (`products_for`); from
then on the pull feed, search, downloads, the stream, webhooks and feeds all ask `may_see`, which
only intersects two small sets and checks the embargo. No channel re-evaluates product filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from newsflow.model import Story, StoryVersion
from newsflow.wire.products import Product, StoryFacts


@dataclass(frozen=True)
class CompanyAccess:
    """What entitlement needs to know about a subscriber company (its active products only)."""

    id: str
    product_ids: frozenset[int]
    active: bool = True
    may_receive_embargoed: bool = False
    # what the API key in hand may be used for (see wire.subscribers.SCOPES); entitlement ignores it
    scopes: frozenset[str] = frozenset({"read"})

    def may_use(self, scope: str) -> bool:
        return "read" in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class Verdict:
    """Allowed or not, and why not in words an admin can read back to the subscriber."""

    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        # A plain tuple would always be truthy; `if may_see(...)` must mean what it says.
        return self.allowed


ALLOWED = Verdict(True, "allowed")
INACTIVE = Verdict(False, "company inactive")
NO_PRODUCT = Verdict(False, "no matching product")


def may_see(company: CompanyAccess, event_products: frozenset[int], version: StoryVersion,
            now: datetime) -> Verdict:
    """Whether `company` may receive `version`, announced by an event that matched `event_products`.

    A kill's event products include those of the version it withdraws, so a company entitled to the
    story is entitled to its kill. Embargoed copy goes only to companies allowed to hold it.
    """
    if not company.active:
        return INACTIVE
    if company.product_ids.isdisjoint(event_products):
        return NO_PRODUCT
    embargo = version.embargo
    if embargo is not None and embargo > now and not company.may_receive_embargoed:
        return Verdict(False, f"embargoed until {embargo.isoformat()}")
    return ALLOWED


def products_for(version: Story, products: Iterable[Product], *,
                 previous: Story | None = None) -> frozenset[int]:
    """Ids of the products an event announcing `version` matches, computed once at write time.

    `previous` is the version a kill or correction replaces: whoever was entitled to it is entitled
    to the notice, even when the notice itself no longer matches (a kill drops the photos, so a
    pictures-only product would otherwise never hear of it). Inactive products are matched too:
    access is gated by a company's active products, so re-activating one restores its history.
    """
    now_facts = StoryFacts.of(version)
    before = StoryFacts.of(previous) if previous is not None else None
    return frozenset(p.id for p in products
                     if p.covers(now_facts) or (before is not None and p.covers(before)))

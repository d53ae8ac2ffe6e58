"""Entitlement: the one question every channel asks before a subscriber gets a version.

Which products an event reaches is decided once, when the event is written (`products_for`, then
`Subscribers.plan`); from then on the pull feed, search, downloads, the stream, webhooks and feeds
all ask `may_see`, which only intersects small sets and checks the embargo. No channel re-evaluates
product filters.

The rule is per version (docs/security.md): a company gets a version's copy only if one of its
products matches that version. A company that held an earlier version and is not entitled to the
new one is in the event's `notice` products: it gets a withdrawal notice (`withdrawal_notice`),
never the copy. Each version reaches a reader once: embargoed copy travels with its publishing
event to companies that may hold it and with the `embargo_lift` event to everyone else.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsflow.model import EventKind, PubStatus, Story, StoryVersion
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
    # (product id, days) for each of its products whose archive is bounded: such a product grants
    # only versions created within the last `days` days (products.archive_days; none: everything)
    windows: tuple[tuple[int, int], ...] = ()

    def may_use(self, scope: str) -> bool:
        return "read" in self.scopes or scope in self.scopes


@dataclass(frozen=True)
class Verdict:
    """Allowed or not, and why not in words an admin can read back to the subscriber."""

    allowed: bool
    reason: str
    withdrawal: bool = False  # allowed a withdrawal notice only, never the version's copy

    def __bool__(self) -> bool:
        # A plain tuple would always be truthy; `if may_see(...)` must mean what it says.
        return self.allowed


ALLOWED = Verdict(True, "allowed")
INACTIVE = Verdict(False, "company inactive")
NO_PRODUCT = Verdict(False, "no matching product")
WITHDRAWAL = Verdict(True, "withdrawal notice: held an earlier version this one is not covered for", True)
HAD_IT = Verdict(False, "received the embargoed copy when it was published")
OUTSIDE_ARCHIVE = Verdict(False, "older than the archive window of your products")
# Events that carry a version's copy when it is first written (a lift carries it again, later).
_CARRIES_COPY = frozenset({EventKind.publish, EventKind.update, EventKind.correct})


def may_see(company: CompanyAccess, event_products: frozenset[int], version: StoryVersion,
            now: datetime, *, kind: EventKind | None = None, notice: frozenset[int] = frozenset()) -> Verdict:
    """Whether `company` may receive `version`, announced by an event of `kind` that reached
    `event_products` with the copy and `notice` with a withdrawal notice only.

    A kill's event products include every product the story reached before, so whoever held any
    version hears of the kill. Embargoed copy goes to companies allowed to hold it with the event
    that wrote it, and to everyone else with the `embargo_lift` event — never both, so a reader who
    replays the log after the lift still gets each version once. `kind` is None when no event is in
    hand (an item fetched by id, search): then only the embargo time decides.
    """
    if not company.active:
        return INACTIVE
    if company.windows and archive_expiry(company, event_products | notice, version, now) == _PASSED:
        return OUTSIDE_ARCHIVE
    if company.product_ids.isdisjoint(event_products):
        return NO_PRODUCT if company.product_ids.isdisjoint(notice) else WITHDRAWAL
    embargo = version.embargo
    if kind == EventKind.embargo_lift:
        return HAD_IT if company.may_receive_embargoed else ALLOWED
    if embargo is not None and not company.may_receive_embargoed and (
            embargo > now or kind in _CARRIES_COPY):
        return Verdict(False, f"embargoed until {embargo.isoformat()}"
                       + ("; delivered with the lift" if kind in _CARRIES_COPY else ""))
    return ALLOWED


_PASSED = datetime.min.replace(tzinfo=UTC)  # `archive_expiry`'s answer for a window already passed


def archive_expiry(company: CompanyAccess, reached: frozenset[int], version: StoryVersion,
                   now: datetime) -> datetime | None:
    """Until when the company's archive windows let it have `version` through the products in
    `reached`: None while one of them is unbounded (or none is the company's), `_PASSED` once every
    window has moved past the version. Windows only move forward, so a refusal never turns back."""
    bounds = dict(company.windows)
    ends: list[datetime] = []
    for product_id in company.product_ids & reached:
        days = bounds.get(product_id)
        if days is None:
            return None
        ends.append(version.version_created + timedelta(days=days))
    if not ends:
        return None
    end = max(ends)
    return end if end >= now else _PASSED


WITHDRAWN_HEADLINE = "Withdrawn from your subscription"


def withdrawal_notice(version: StoryVersion) -> StoryVersion:
    """What a company gets instead of `version` when it held an earlier version of the story and is
    not entitled to this one: the same guid and version number, canceled for it, no copy."""
    text = "This story is no longer part of your subscription. Do not use earlier versions of it."
    return StoryVersion.model_construct(**{
        **dict(version), "headline": WITHDRAWN_HEADLINE, "spot": text, "summary": None,
        "body_html": f"<p>{text}</p>", "photos": [], "categories": [], "dossier": None, "subjects": [],
        "places": [], "people": [], "organisations": [], "keywords": [], "related": [], "public": False,
        "slugline": None, "contributors": [], "dateline": None, "embargo": None, "translation_group": None,
        "pubstatus": PubStatus.canceled, "is_correction": False, "editor_note": text})


def deliverable(verdict: Verdict, version: StoryVersion) -> StoryVersion:
    """The version a channel renders for an allowed verdict: the copy, or the withdrawal notice."""
    return withdrawal_notice(version) if verdict.withdrawal else version


@dataclass(frozen=True, slots=True)
class Reach:
    """What an event reached when it was written: `copy` products get the version, `notice`
    products a withdrawal notice (see `may_see`)."""

    copy: frozenset[int] = frozenset()
    notice: frozenset[int] = frozenset()

    def within(self, products: frozenset[int] | None) -> Reach:
        """Only the part a narrowed connection or endpoint listens to (None: all of it)."""
        return self if products is None else Reach(self.copy & products, self.notice & products)


NOWHERE = Reach()


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

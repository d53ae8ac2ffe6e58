"""IANA time zones: which names are known, and the list a person picks theirs from.

One home for both checks (the agency's NEWSFLOW_TIME_ZONE at start, a user's choice on /account)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

# The regions of "Region/City" names; the older aliases (US/…, Etc/GMT+5, EST5EDT) stay accepted but
# are not offered, so the list reads as places.
REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian",
           "Pacific")
DEFAULT = "UTC"


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known(name: str) -> bool:
    return name in _known()


@cache
def by_region() -> dict[str, list[str]]:
    """{"UTC": ["UTC"], "Africa": ["Africa/Abidjan", …], …}, in the order a select shows them."""
    grouped: dict[str, list[str]] = {DEFAULT: [DEFAULT]}
    for region in REGIONS:
        grouped[region] = sorted(n for n in _known() if n.startswith(region + "/"))
    return grouped

"""Who may fetch a stored media object, and the signed links for clients that cannot send headers.

A media object has no entitlement of its own: a company may fetch it while a story version it may
receive uses it — the rule of `/v1/items` (`wire.feed.item_verdicts`: products, embargo, withdrawal),
asked of each version the store says uses it (`Store.media_used_by`, written with every version).
Once every story using it is killed, it is gone for every subscriber (410): a kill means kill.

A signed link names the media object, the rendition, the company and an expiry, with an HMAC over
all four under a key derived from the server's secret (`link_key`): whoever holds the link may fetch
that one file until it expires, and only while the company is still entitled to it — the signature
says who asks, the entitlement is asked again on every fetch.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from newsflow.model import PubStatus, utcnow
from newsflow.public import PublicSite, is_public
from newsflow.store import Store
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.feed import item_verdicts

# A link lives a day unless asked otherwise, at most a week: long enough for an importer's queue,
# short enough that a leaked link does not stay useful.
LINK_TTL = 24 * 3600
LINK_TTL_MAX = 7 * 24 * 3600
_LINK_CONTEXT = b"newsflow media links v1"


@dataclass(frozen=True)
class MediaVerdict:
    """200 (allowed, through `use`), 403 (not entitled), 404 (no published story uses it) or 410
    (every story using it was killed), and why in words the subscriber can act on."""

    status: int
    reason: str
    use: tuple[str, int] | None = None  # the (guid, version) that allows it, for the usage log

    @property
    def allowed(self) -> bool:
        return self.status == 200


def _uses(store: Store, media_id: str) -> dict[str, list[int]]:
    by_guid: dict[str, list[int]] = defaultdict(list)
    for guid, version in store.media_used_by(media_id):
        by_guid[guid].append(version)
    return by_guid


def _killed(store: Store, media_id: str, by_guid: dict[str, list[int]]) -> MediaVerdict | None:
    """404 when no published version uses it, 410 when every story that did was killed, else None."""
    if not by_guid:
        return MediaVerdict(404, f"no published media {media_id!r}")
    latest = store.latest_versions(by_guid)
    if all(v.pubstatus == PubStatus.canceled for v in latest.values()):
        return MediaVerdict(410, f"media {media_id!r} was withdrawn: every story using it was killed")
    return None


def company_verdict(store: Store, company: CompanyAccess, media_id: str, *,
                    now: datetime | None = None) -> MediaVerdict:
    """Whether `company` may fetch `media_id`: allowed through the newest version it may receive of
    any story using it."""
    now = now or utcnow()
    by_guid = _uses(store, media_id)
    gone = _killed(store, media_id, by_guid)
    if gone is not None:
        return gone
    uses = [(guid, number) for guid, numbers in by_guid.items() for number in numbers]
    verdicts = item_verdicts(store, company, uses, now=now)
    reasons: set[str] = set()
    for guid, number in sorted(uses, key=lambda use: (use[0], -use[1])):  # each story's newest first
        if (guid, number) not in verdicts:
            continue
        found, verdict = verdicts[(guid, number)]
        if verdict and found.pubstatus != PubStatus.canceled:  # a kill or withdrawal notice is no copy
            return MediaVerdict(200, "allowed", (guid, number))
        reasons.add(verdict.reason if not verdict else "withdrawn from your subscription")
    return MediaVerdict(403, f"media {media_id!r} is in no story your company may receive now "
                             f"({'; '.join(sorted(reasons))})")


def public_verdict(store: Store, public: PublicSite, media_id: str, *,
                   now: datetime | None = None) -> MediaVerdict:
    """Whether the watermarked public rendition of `media_id` is open to everyone: it is while a story
    on the public site (`public.is_public`: in the public portion, out of embargo, not killed) shows it
    in its current version."""
    by_guid = _uses(store, media_id)
    gone = _killed(store, media_id, by_guid)
    if gone is not None:
        return gone
    rule, now = public.rule(), now or utcnow()
    for guid, shown in sorted(store.latest_versions(by_guid).items()):  # one batch, however many
        if is_public(shown, rule, now) and any(p.media_id == media_id for p in shown.photos):
            return MediaVerdict(200, "public", (guid, shown.version))
    return MediaVerdict(403, f"media {media_id!r} is in no story on the public site")


def link_key(secret: bytes) -> bytes:
    """The signing key of media links, derived from the server's secret (so every node that shares
    the secret shares it, and a link's key is never the session key itself)."""
    return hmac.new(secret, _LINK_CONTEXT, hashlib.sha256).digest()


def signature(key: bytes, media_id: str, rendition: str, company_id: str, expires: int) -> str:
    # JSON: no choice of the four values can make another choice's message
    message = json.dumps([media_id, rendition, company_id, expires], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode().rstrip("=")


def link_problem(key: bytes, media_id: str, rendition: str, company_id: str, expires: int, sig: str, *,
                 now: datetime | None = None) -> str | None:
    """Why a signed link does not open this file (None: it does)."""
    if not hmac.compare_digest(sig.encode(), signature(key, media_id, rendition, company_id, expires).encode()):
        return "the link's signature does not match: it was changed, or was made for another file"
    if expires <= (now or utcnow()).timestamp():
        return f"the link expired at {datetime.fromtimestamp(expires, UTC).isoformat()}; ask for a new one"
    return None

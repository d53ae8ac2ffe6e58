"""Subscription requests from the public website: validated, stored, listed for the admins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from newsflow.model import utcnow
from newsflow.public.tables import subscription_requests
from newsflow.store import Store

INTERESTS = ("world", "politics", "economy", "sports", "technology", "health", "culture", "photos")
# Deliberately loose: one @, a dot in the domain, no spaces. The real test is the reply.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LIMITS = {"organisation": 200, "name": 200, "email": 320, "country": 100, "message": 2000}


@dataclass(frozen=True)
class SubscriptionRequest:
    id: int
    organisation: str
    name: str
    email: str
    country: str
    interests: list[str]
    message: str
    language: str
    created: datetime


def validate(form: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Cleaned values and, per field, what is wrong with it (a key of web/i18n/words.py FORM_ERRORS)."""
    values: dict[str, Any] = {name: str(form.get(name) or "").strip() for name in _LIMITS}
    errors: dict[str, str] = {}
    for name in ("organisation", "name", "email", "country"):
        if not values[name]:
            errors[name] = "required"
    for name, limit in _LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = "too_long"
    if values["email"] and "email" not in errors and not _EMAIL.match(values["email"]):
        errors["email"] = "email"
    raw = form.get("interests") or []
    picked = [raw] if isinstance(raw, str) else list(raw)
    values["interests"] = [i for i in INTERESTS if i in picked]
    if len(values["interests"]) != len(set(picked)):
        errors["interests"] = "interest"
    return values, errors


class SubscriptionRequests:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, values: dict[str, Any], *, language: str = "en", now: datetime | None = None) -> int:
        with self.store.write() as conn:
            return int(conn.execute(subscription_requests.insert().values(
                organisation=values["organisation"], name=values["name"], email=values["email"],
                country=values["country"], interests=values["interests"], message=values.get("message", ""),
                language=language, created=now or utcnow()).returning(subscription_requests.c.id)).scalar_one())

    def list(self, *, limit: int = 100, offset: int = 0) -> list[SubscriptionRequest]:
        """Newest first (for the admin face)."""
        t = subscription_requests
        query = t.select().order_by(t.c.created.desc(), t.c.id.desc()).limit(limit).offset(offset)
        with self.store.read() as conn:
            return [SubscriptionRequest(id=r.id, organisation=r.organisation, name=r.name, email=r.email,
                                        country=r.country, interests=list(r.interests), message=r.message,
                                        language=r.language, created=r.created) for r in conn.execute(query)]

    def count(self) -> int:
        with self.store.read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(subscription_requests)).scalar_one())

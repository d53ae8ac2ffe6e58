"""One-time password reset links (table `password_resets`, migration 0024).

A link carries a random token; only its SHA-256 is kept, so a copy of the table resets nobody's
password. A link is good for one use within its lifetime. Using it sets the new password, marks every
pending link of the account used and ends every session and staff token of the account, all in one
transaction whose first statement claims the link (`used IS NULL` in the UPDATE's WHERE): of two
concurrent uses, the database lets exactly one claim it, and the other finds it used.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import Enum

import sqlalchemy as sa

from newsflow.model import utcnow
from newsflow.store.credentials import _end_all
from newsflow.store.store import Store, User, _user, hash_token
from newsflow.store.tables import password_resets, users

LIFETIME = timedelta(hours=1)


class LinkState(Enum):
    valid = "valid"
    used = "used"
    expired = "expired"
    unknown = "unknown"  # never issued, or its account is gone or deactivated


def issue(store: Store, user_id: str, lifetime: timedelta = LIFETIME) -> str:
    """A new link token for `user_id` (to be mailed; only its hash is stored). Links that ended more
    than a day ago are swept here, where a write happens anyway."""
    token, now = secrets.token_urlsafe(32), utcnow()
    with store.write() as conn:
        conn.execute(password_resets.delete().where(password_resets.c.expires < now - timedelta(days=1)))
        conn.execute(password_resets.insert().values(token_hash=hash_token(token), user_id=user_id, created=now,
                                                     expires=now + lifetime, used=None))
    return token


def state(store: Store, token: str) -> tuple[LinkState, User | None]:
    """What a link is now, and its (active) account while it is valid."""
    query = (sa.select(password_resets.c.expires, password_resets.c.used, *users.c)
             .join(users, users.c.id == password_resets.c.user_id)
             .where(password_resets.c.token_hash == hash_token(token)))
    with store.read() as conn:
        row = conn.execute(query).first()
    if row is None or not row.active:
        return LinkState.unknown, None
    if row.used is not None:
        return LinkState.used, None
    if row.expires <= utcnow():
        return LinkState.expired, None
    return LinkState.valid, _user(row)


def use(store: Store, token: str, password_hash: str) -> tuple[LinkState, User | None]:
    """Claim the link and set the account's password with it; (valid, the account) when this call won,
    else why not (used, expired, unknown) and nothing changed."""
    id_hash, now = hash_token(token), utcnow()
    active = sa.select(users.c.id).where(users.c.active.is_(True))
    with store.write() as conn:
        claim = (password_resets.update()
                 .where(password_resets.c.token_hash == id_hash, password_resets.c.used.is_(None),
                        password_resets.c.expires > now, password_resets.c.user_id.in_(active))
                 .values(used=now).returning(password_resets.c.user_id))
        user_id = conn.execute(claim).scalar()
        if user_id is not None:
            conn.execute(users.update().where(users.c.id == user_id).values(password_hash=password_hash))
            # the account's other pending links go too: a new password starts from a clean slate
            conn.execute(password_resets.update().where(password_resets.c.user_id == user_id,
                                                        password_resets.c.used.is_(None)).values(used=now))
            _end_all(conn, user_id)
            return LinkState.valid, _user(conn.execute(users.select().where(users.c.id == user_id)).one())
    return state(store, token)[0], None

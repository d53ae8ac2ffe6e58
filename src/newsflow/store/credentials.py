"""Server-side sessions and the ways sessions and staff tokens end.

A session row is found by the SHA-256 of the opaque id its cookie carries (the id itself is never
stored, so a copy of the table signs nobody in). The row holds the user, the CSRF token, the flash
data of the next page view (a secret shown once rides there, never in the cookie) and an expiry.
Ending an account's credentials — a password change, a deactivation — deletes its sessions and
revokes its tokens in the same transaction as the change itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsflow.errors import NotFound
from newsflow.model import utcnow
from newsflow.store.store import Store, User, _user, hash_token
from newsflow.store.tables import Json, UTCDateTime, metadata, tokens, users

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("data", Json, nullable=False),
    sa.Column("created", UTCDateTime, nullable=False),
    sa.Column("last_seen", UTCDateTime, nullable=False),
    sa.Column("expires", UTCDateTime, nullable=False),
)
sa.Index("ix_sessions_user", sessions.c.user_id)
sa.Index("ix_sessions_expires", sessions.c.expires)
sa.Index("ix_tokens_user", tokens.c.user_id)  # ending or listing one account's tokens

SEEN_EVERY = 60  # seconds: last_seen is written at most this often, so reading a session is no write


@dataclass(frozen=True)
class SessionRow:
    id_hash: str
    user: User
    csrf: str
    data: dict[str, Any]
    last_seen: datetime
    expires: datetime


@dataclass(frozen=True)
class TokenInfo:
    id: str
    user_id: str
    email: str
    label: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def open_session(store: Store, user_id: str, lifetime: timedelta, data: dict[str, Any] | None = None) -> str:
    """A new session for `user_id`; returns its id (for the cookie; only the hash is kept). Expired
    rows are swept here, on sign-in, where the write is happening anyway."""
    sid, now = new_session_id(), utcnow()
    with store.write() as conn:
        conn.execute(sessions.delete().where(sessions.c.expires < now))
        conn.execute(sessions.insert().values(id_hash=hash_token(sid), user_id=user_id,
                                              csrf=secrets.token_urlsafe(32), data=data or {}, created=now,
                                              last_seen=now, expires=now + lifetime))
    return sid


# Built once: on every request only the parameters change (building it each time cost half the look-up).
_FIND = (sa.select(sessions.c.id_hash, sessions.c.csrf, sessions.c.data, sessions.c.last_seen, sessions.c.expires,
                   *users.c)
         .join(users, users.c.id == sessions.c.user_id)
         .where(sessions.c.id_hash == sa.bindparam("id_hash"),
                sessions.c.expires > sa.bindparam("now", type_=UTCDateTime), users.c.active.is_(True)))


def find_session(store: Store, id_hash: str, now: datetime | None = None) -> SessionRow | None:
    """The live session with this hash and its active user, in one indexed look-up; None when it was
    ended, has expired or its account is deactivated."""
    now = now or utcnow()
    with store.read() as conn:
        row = conn.execute(_FIND, {"id_hash": id_hash, "now": now}).first()
    if row is None:
        return None
    if (now - row.last_seen).total_seconds() > SEEN_EVERY:
        with store.write() as conn:
            conn.execute(sessions.update().where(sessions.c.id_hash == id_hash).values(last_seen=now))
    return SessionRow(id_hash=row.id_hash, user=_user(row), csrf=row.csrf, data=dict(row.data or {}),
                      last_seen=row.last_seen, expires=row.expires)


def live_sessions(store: Store, id_hashes: set[str]) -> set[str]:
    """Which of these session hashes are still live (one query for all open streams of a node)."""
    if not id_hashes:
        return set()
    query = (sa.select(sessions.c.id_hash).join(users, users.c.id == sessions.c.user_id)
             .where(sessions.c.id_hash.in_(id_hashes), sessions.c.expires > utcnow(), users.c.active.is_(True)))
    with store.read() as conn:
        return set(conn.scalars(query))


def save_session(store: Store, id_hash: str, csrf: str, data: dict[str, Any]) -> None:
    with store.write() as conn:
        conn.execute(sessions.update().where(sessions.c.id_hash == id_hash).values(csrf=csrf, data=data))


def end_session(store: Store, id_hash: str) -> None:
    with store.write() as conn:
        conn.execute(sessions.delete().where(sessions.c.id_hash == id_hash))


def _end_all(conn: sa.Connection, user_id: str) -> None:
    conn.execute(sessions.delete().where(sessions.c.user_id == user_id))
    conn.execute(tokens.update().where(tokens.c.user_id == user_id, tokens.c.revoked.is_(None))
                 .values(revoked=utcnow()))


def end_all(store: Store, user_id: str) -> None:
    """End every session and revoke every token of `user_id` (e.g. a stolen laptop)."""
    with store.write() as conn:
        _end_all(conn, user_id)


def change_account(store: Store, user_id: str, **values: Any) -> User:
    """`Store.update_user`, and when the password changes or the account is deactivated, every session
    and token of the account ends in the same transaction: nothing signed in before outlives it."""
    unknown = set(values) - {"name", "role", "company_id", "active", "password_hash"}
    if unknown:
        raise ValueError(f"not user fields: {sorted(unknown)}")
    ending = "password_hash" in values or values.get("active") is False
    with store.write() as conn:
        if conn.execute(users.update().where(users.c.id == user_id).values(**values)).rowcount == 0:
            raise NotFound(f"no user with id {user_id!r}")
        if ending:
            _end_all(conn, user_id)
    return store.get_user(user_id)


def list_tokens(store: Store, user_id: str | None = None, *, include_revoked: bool = False) -> list[TokenInfo]:
    query = (sa.select(tokens.c.id, tokens.c.user_id, users.c.email, tokens.c.label, tokens.c.created,
                       tokens.c.last_used, tokens.c.revoked)
             .join(users, users.c.id == tokens.c.user_id).order_by(tokens.c.created, tokens.c.id))
    if user_id is not None:
        query = query.where(tokens.c.user_id == user_id)
    if not include_revoked:
        query = query.where(tokens.c.revoked.is_(None))
    with store.read() as conn:
        return [TokenInfo(**row._mapping) for row in conn.execute(query)]


def revoke_token(store: Store, token_id: str) -> TokenInfo:
    """Revoke a staff token by its id (not its secret, which is not kept); revoking twice is harmless."""
    with store.write() as conn:
        found = conn.execute(sa.select(tokens.c.revoked).where(tokens.c.id == token_id)).first()
        if found is None:
            raise NotFound(f"no staff token with id {token_id!r}")
        if found.revoked is None:
            conn.execute(tokens.update().where(tokens.c.id == token_id).values(revoked=utcnow()))
    return next(t for t in list_tokens(store, include_revoked=True) if t.id == token_id)

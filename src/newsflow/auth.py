"""Passwords (argon2) and the staff roles that may act in the newsroom."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

STAFF_ROLES = ("reporter", "editor", "admin")
# Reporters file and edit; only editors and admins put copy on the wire.
PUBLISH_ROLES = ("editor", "admin")
ROLES = ("subscriber", "company_admin", *STAFF_ROLES)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

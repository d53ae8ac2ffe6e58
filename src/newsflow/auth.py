"""Accounts: passwords (argon2), roles, and which roles belong to a subscriber company."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from newsflow.errors import FieldError

_hasher = PasswordHasher()

STAFF_ROLES = ("reporter", "editor", "admin")
# Reporters file and edit; only editors and admins put copy on the wire.
PUBLISH_ROLES = ("editor", "admin")
COMPANY_ROLES = ("subscriber", "company_admin")  # portal users, always of one subscriber company
ROLES = (*COMPANY_ROLES, *STAFF_ROLES)
MIN_PASSWORD = 8
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def check_account(*, email: str | None = None, role: str | None = None, company_id: str | None = None,
                  password: str | None = None) -> None:
    """The rules every way of creating or changing an account obeys (REST, CLI, first start)."""
    if email is not None and not _EMAIL.match(email.strip()):
        raise FieldError("email", f"{email!r} is not an e-mail address")
    if role is not None:
        if role not in ROLES:
            raise FieldError("role", f"{role!r} is not one of {', '.join(ROLES)}")
        if role in COMPANY_ROLES and not company_id:
            raise FieldError("company_id", f"a {role} belongs to a subscriber company: give its id")
        if role in STAFF_ROLES and company_id:
            raise FieldError("company_id", f"agency staff ({role}) belong to no subscriber company")
    if password is not None and len(password) < MIN_PASSWORD:
        raise FieldError("password", f"a password needs at least {MIN_PASSWORD} characters")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

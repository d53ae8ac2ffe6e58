"""Making and changing people's accounts: the one path the admin face, the admin API and a company's
own admin (in the portal) take, so the rules (auth.check_account), the generated passwords and the end
of a changed account's sessions are the same whoever acts.
"""

from __future__ import annotations

import secrets

from newsflow.auth import check_account, hash_password
from newsflow.errors import Conflict
from newsflow.store import Store, User
from newsflow.store import credentials as stored


def generated_password() -> str:
    """A password made for someone, shown once to whoever asked and passed on by them."""
    return secrets.token_urlsafe(12)


def create_account(store: Store, *, email: str, name: str, role: str, company_id: str | None,
                   password: str | None = None) -> tuple[User, str | None]:
    """A new account; with no `password` one is generated and returned (the only time it exists in
    clear). Two creations of one e-mail at once make one account: the store's unique e-mail refuses
    the other with Conflict."""
    check_account(email=email, role=role, company_id=company_id, password=password)
    chosen = password or generated_password()
    user = store.create_user(email=email, name=name.strip(), role=role, company_id=company_id,
                             password_hash=hash_password(chosen))
    return user, None if password else chosen


def reset_password(store: Store, user_id: str) -> tuple[User, str]:
    """Give the account a generated one-time password (returned, to be shown once); every session and
    token it had ends in the same transaction."""
    password = generated_password()
    return stored.change_account(store, user_id, password_hash=hash_password(password)), password


def set_active(store: Store, user_id: str, active: bool, *, by: User | None) -> User:
    """(De)activate an account; deactivating ends its sessions and tokens (and their open streams).
    Nobody deactivates themselves: an admin locked out by a slip has nobody left to let them back in."""
    if not active and by is not None and by.id == user_id:
        raise Conflict("you cannot deactivate your own account")
    return stored.change_account(store, user_id, active=active)

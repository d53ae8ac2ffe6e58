"""Request dependencies: the shared services and the signed-in staff member."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from newsflow.auth import PUBLISH_ROLES, STAFF_ROLES
from newsflow.ops.requests import note_user
from newsflow.services import Services
from newsflow.store import User

_bearer = HTTPBearer(auto_error=False, description="A staff token from `newsflow token create`.")


def services(request: Request) -> Services:
    return request.app.state.services


def staff(creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
          svc: Services = Depends(services)) -> User:
    challenge = {"WWW-Authenticate": "Bearer"}
    if creds is None:
        raise HTTPException(401, "missing token: send 'Authorization: Bearer <staff token>'", challenge)
    user = svc.store.user_for_token(creds.credentials)
    if user is None:
        raise HTTPException(401, "invalid or revoked token", challenge)
    if user.role not in STAFF_ROLES:
        raise HTTPException(403, f"role {user.role!r} may not use the newsroom API")
    note_user(user.id)  # named in the request's log line
    return user


def publisher(user: User = Depends(staff)) -> User:
    if user.role not in PUBLISH_ROLES:
        raise HTTPException(403, f"role {user.role!r} may edit but not publish; ask an editor")
    return user


def admin(user: User = Depends(staff)) -> User:
    if user.role != "admin":
        raise HTTPException(403, f"role {user.role!r} may not administer subscribers; ask an admin")
    return user

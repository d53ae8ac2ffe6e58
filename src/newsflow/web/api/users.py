"""/v1/admin/users: accounts of agency staff and of subscriber companies' people (admin role).

Passwords are argon2 hashes; one given by the admin is never shown back, and one left out is
generated and shown once in the creation response, to be passed on to the person. A new password or
a deactivation ends every session and staff token of the account (store.credentials.change_account),
so whoever held them — a stolen laptop, a leaked token — is out at once, open streams included.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from newsflow import accounts
from newsflow.auth import ROLES, check_account, hash_password
from newsflow.services import Services
from newsflow.store import User
from newsflow.store import credentials as stored
from newsflow.web.deps import admin, services

router = APIRouter(prefix="/v1/admin/users", tags=["admin"], dependencies=[Depends(admin)])


class UserIn(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(description=f"One of: {', '.join(ROLES)}.")
    company_id: str | None = Field(default=None, description="Required for subscriber and company_admin.")
    password: str | None = Field(default=None, description="Generated and shown once when left out.")


class UserPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: str | None = None
    company_id: str | None = None
    active: bool | None = None
    password: str | None = None


def _public(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name, "role": user.role,
            "company_id": user.company_id, "active": user.active}


@router.post("", status_code=201)
def create_user(body: UserIn, svc: Services = Depends(services)) -> dict[str, Any]:
    check_account(email=body.email, role=body.role, company_id=body.company_id, password=body.password)
    if body.company_id:
        svc.subscribers.get_company(body.company_id)  # 404 naming the company
    user, generated = accounts.create_account(svc.store, email=body.email, name=body.name, role=body.role,
                                              company_id=body.company_id, password=body.password)
    out = _public(user)
    if generated is not None:
        out["password"] = generated  # the only time it is shown
    return out


@router.get("")
def list_users(company: str | None = Query(None, description="Only this company's people."),
               svc: Services = Depends(services)) -> list[dict[str, Any]]:
    return [_public(u) for u in svc.store.list_users(company)]


@router.get("/{user_id}")
def get_user(user_id: str, svc: Services = Depends(services)) -> dict[str, Any]:
    return _public(svc.store.get_user(user_id))


@router.patch("/{user_id}")
def update_user(user_id: str, body: UserPatch, svc: Services = Depends(services)) -> dict[str, Any]:
    current = svc.store.get_user(user_id)
    changes = body.model_dump(exclude_unset=True)
    role = changes.get("role", current.role)
    company_id = changes.get("company_id", current.company_id)
    check_account(role=role, company_id=company_id, password=changes.get("password"))
    if company_id and "company_id" in changes:
        svc.subscribers.get_company(company_id)
    if "password" in changes:
        changes["password_hash"] = hash_password(changes.pop("password"))
    return _public(stored.change_account(svc.store, user_id, **changes))

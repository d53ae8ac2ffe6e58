"""/v1/admin/users: staff and subscriber accounts, with the rules on roles and companies."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from newsflow.auth import verify_password
from newsflow.services import Services


@pytest.fixture
def admin_headers(services: Services) -> dict[str, str]:
    user = services.store.create_user(email="boss@example.org", name="Boss", role="admin")
    return {"Authorization": f"Bearer {services.store.create_token(user.id)}"}


@pytest.fixture
def company_id(services: Services) -> str:
    return services.subscribers.create_company("Daily Planet").id


def test_an_admin_creates_a_subscriber_and_the_generated_password_is_shown_once(
        client: TestClient, services: Services, admin_headers: dict[str, str], company_id: str) -> None:
    r = client.post("/v1/admin/users", headers=admin_headers,
                    json={"email": "Lois@Example.org", "name": "Lois", "role": "subscriber", "company_id": company_id})
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["email"] == "lois@example.org" and made["company_id"] == company_id
    assert verify_password(services.store.get_user(made["id"]).password_hash, made["password"])
    shown = client.get(f"/v1/admin/users/{made['id']}", headers=admin_headers).json()
    assert "password" not in shown and "password_hash" not in shown
    listed = client.get("/v1/admin/users", params={"company": company_id}, headers=admin_headers).json()
    assert [u["email"] for u in listed] == ["lois@example.org"]


def test_a_given_password_is_never_echoed(client: TestClient, admin_headers: dict[str, str]) -> None:
    r = client.post("/v1/admin/users", headers=admin_headers,
                    json={"email": "rep@example.org", "name": "Rep", "role": "reporter", "password": "s3cret-enough"})
    assert r.status_code == 201 and "password" not in r.json()


@pytest.mark.parametrize(("body", "field"), [
    ({"role": "chief"}, "role"),
    ({"role": "subscriber"}, "company_id"),  # a subscriber belongs to a company
    ({"role": "editor", "company_id": "COMPANY"}, "company_id"),  # staff belong to none
    ({"email": "not-an-address"}, "email"),
    ({"password": "short"}, "password"),
])
def test_bad_accounts_are_refused_naming_the_field(client: TestClient, services: Services,
                                                   admin_headers: dict[str, str], company_id: str,
                                                   body: dict[str, str], field: str) -> None:
    base = {"email": "x@example.org", "name": "X", "role": "reporter"}
    sent = base | {k: (company_id if v == "COMPANY" else v) for k, v in body.items()}
    r = client.post("/v1/admin/users", headers=admin_headers, json=sent)
    assert r.status_code == 422 and field in r.text, r.text
    assert [u.email for u in services.store.list_users()] == ["boss@example.org"]  # nothing written


def test_duplicates_unknown_companies_and_unknown_users(client: TestClient, admin_headers: dict[str, str],
                                                        company_id: str) -> None:
    body = {"email": "dup@example.org", "name": "D", "role": "subscriber", "company_id": company_id}
    assert client.post("/v1/admin/users", headers=admin_headers, json=body).status_code == 201
    again = client.post("/v1/admin/users", headers=admin_headers, json=body)
    assert again.status_code == 409 and "dup@example.org" in again.text
    ghost = client.post("/v1/admin/users", headers=admin_headers, json=body | {"email": "g@example.org",
                                                                               "company_id": "nope"})
    assert ghost.status_code == 404 and "nope" in ghost.text
    assert client.get("/v1/admin/users/nobody", headers=admin_headers).status_code == 404


def test_deactivating_a_user_stops_their_tokens(client: TestClient, services: Services,
                                                admin_headers: dict[str, str]) -> None:
    ed = services.store.create_user(email="ed@example.org", name="Ed", role="editor")
    token = {"Authorization": f"Bearer {services.store.create_token(ed.id)}"}
    assert client.get("/v1/newsroom/stories", headers=token).status_code == 200
    r = client.patch(f"/v1/admin/users/{ed.id}", headers=admin_headers, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/v1/newsroom/stories", headers=token).status_code == 401
    moved = client.patch(f"/v1/admin/users/{ed.id}", headers=admin_headers, json={"role": "subscriber"})
    assert moved.status_code == 422 and "company_id" in moved.text


def test_only_admins_manage_accounts(client: TestClient, staff_headers: dict[str, str]) -> None:
    assert client.get("/v1/admin/users").status_code == 401
    r = client.get("/v1/admin/users", headers=staff_headers)
    assert r.status_code == 403 and "editor" in r.text

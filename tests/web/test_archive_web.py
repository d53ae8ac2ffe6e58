"""Archive entitlement from the outside: an admin makes a product after the stories, assigns it, and the
company's key finds the archive on search, items and the feed once the node's background run is over;
the admin sees the run's progress; an archive window is refused out of range with the field named."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from newsflow.services import Services
from tests.web.test_admin_face import post, publish, sign_in


def _wait_for_archive(client: TestClient, headers: dict[str, str], product_id: int) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = {p["id"]: p for p in client.get("/v1/admin/products", headers=headers).json()}[product_id]
        if found["archive"] and found["archive"]["finished"]:
            return found
        time.sleep(0.1)
    raise AssertionError("the node never finished the archive run")


def test_a_late_product_gives_the_archive_to_a_key_on_search_items_and_feed(client: TestClient,
                                                                            services: Services) -> None:
    world = {publish(services, f"Harbour story {i}", "World") for i in range(5)}
    publish(services, "Stadium story", "Sport")
    admin = services.store.create_user(email="root@agency.example", name="Root", role="admin")
    staff = {"Authorization": f"Bearer {services.store.create_token(admin.id, 'tests')}"}
    company = client.post("/v1/admin/companies", json={"name": "Late Gazette"}, headers=staff).json()
    r = client.post("/v1/admin/products", json={"name": "World late", "filter": {"categories": ["World"]}},
                    headers=staff)
    assert r.status_code == 201, r.text
    product = r.json()
    assert product["archive_days"] is None and product["archive"]["finished"] is None
    assert client.put(f"/v1/admin/companies/{company['id']}/products/{product['id']}", headers=staff).status_code == 204
    key = client.post(f"/v1/admin/companies/{company['id']}/keys", json={}, headers=staff).json()
    reader = {"Authorization": f"Bearer {key['secret']}"}
    seq_before = services.store.last_seq()
    done = _wait_for_archive(client, staff, product["id"])
    assert done["archive"]["percent"] == 100 and done["archive"]["stories_done"] == 6
    assert services.store.last_seq() == seq_before, "a run writes no event: nothing goes down live channels"
    found = client.get("/v1/search", params={"q": "harbour"}, headers=reader).json()
    assert {h["guid"] for h in found["hits"]} == world
    feed = client.get("/v1/feed", params={"after": 0}, headers=reader).json()
    assert feed["count"] == 5 and {i["item"]["uri"].rsplit("/", 1)[-1] for i in feed["items"]} == world
    for guid in world:
        assert client.get(f"/v1/items/{guid}", headers=reader).status_code == 200
    # the window: explicit null reopens everything, a window out of range is a 422 naming the field
    r = client.patch(f"/v1/admin/products/{product['id']}", json={"archive_days": 0}, headers=staff)
    assert r.status_code == 422 and "archive_days" in r.text
    r = client.patch(f"/v1/admin/products/{product['id']}", json={"archive_days": 30}, headers=staff)
    assert r.json()["archive_days"] == 30
    r = client.patch(f"/v1/admin/products/{product['id']}", json={"archive_days": None}, headers=staff)
    assert r.json()["archive_days"] is None


def test_the_admin_sees_the_archive_run_and_the_window_field(client: TestClient, services: Services) -> None:
    sign_in(client, services)
    for i in range(3):
        publish(services, f"Valley story {i}", "World")
    r = post(client, "/admin/products/new", {"name": "Valley", "categories": "World", "active": "on",
                                             "archive_days": "0"}, page="/admin/products/new")
    assert r.status_code == 422 and 'id="e-archive_days"' in r.text
    r = post(client, "/admin/products/new", {"name": "Valley", "categories": "World", "active": "on",
                                             "archive_days": "90"}, page="/admin/products/new")
    assert r.status_code == 303, r.text
    page_url = r.headers["location"].split("?")[0]
    deadline = time.monotonic() + 60
    while "Archive given: 3 stories" not in (page := client.get(page_url).text):
        assert time.monotonic() < deadline, page
        time.sleep(0.1)
    assert 'name="archive_days"' in page and 'value="90"' in page

"""A private edNote of an ingested NewsML-G2 item is kept for the newsroom (`desk_note`) and reaches no
subscriber: not the items API in any format, the feed, search, the stream or a webhook payload."""

from __future__ import annotations

from fastapi.testclient import TestClient

from newsflow.formats.registry import OUTPUTS, render
from newsflow.ingest import Outcome
from newsflow.services import Services
from newsflow.web.api.subscriber import JSON_FORMATS
from newsflow.wire.stream import render_frame
from tests.ingest.wires import g2_item

GUID = "urn:newsml:wire.example.test:20260301:cranes-1"
PRIVATE = "Desk only: our lawyer is still reading paragraph three"
PUBLIC = "Corrects the name of the port"

G2 = g2_item(GUID, "Harbour cranes stop work",
             item_meta=f'<edNote>{PUBLIC}</edNote><edNote role="exwnote:private">{PRIVATE}</edNote>',
             body="<p>The cranes of the container harbour stood still on Sunday.</p>")


def test_a_private_ednote_stays_in_the_newsroom(services: Services, client: TestClient,
                                                staff_headers: dict[str, str]) -> None:
    subs = services.subscribers
    company = subs.create_company("Daily Paper")
    subs.assign_product(company.id, subs.create_product("Everything in English", {"languages": ["en"]}).id)
    key = {"Authorization": f"Bearer {subs.create_api_key(company.id, label='tests').secret}"}
    assert services.ingestor.ingest_bytes(G2, "cranes.xml")[0].outcome == Outcome.ingested

    outputs: dict[str, bytes] = {}
    for fmt in OUTPUTS:
        r = client.get(f"/v1/items/{GUID}", params={"format": fmt}, headers=key)
        assert r.status_code == 200, (fmt, r.text)
        outputs[f"items {fmt}"] = r.content
    for fmt in JSON_FORMATS:
        r = client.get("/v1/feed", params={"format": fmt}, headers=key)
        assert r.status_code == 200 and b"Harbour cranes" in r.content
        outputs[f"feed {fmt}"] = r.content
        r = client.get("/v1/search", params={"q": "cranes", "format": fmt}, headers=key)
        assert r.status_code == 200 and b"Harbour cranes" in r.content
        outputs[f"search {fmt}"] = r.content
    version = services.store.get_version(GUID)
    [event] = services.store.events_after(0)
    for fmt in OUTPUTS:  # the stream's frames and the webhooks' bodies are these bytes
        outputs[f"stream {fmt}"] = render_frame(event, version, fmt, services.render_context) or b""
        outputs[f"webhook {fmt}"] = render(version, fmt, services.render_context)
    assert all(b"Harbour cranes" in body for body in outputs.values())
    leaked = [where for where, body in outputs.items() if PRIVATE.encode() in body or b"lawyer" in body]
    assert leaked == []

    staff = client.get(f"/v1/newsroom/stories/{GUID}/versions/1", headers=staff_headers)
    assert staff.status_code == 200 and staff.json()["desk_note"] == PRIVATE
    assert PRIVATE not in (staff.json()["editor_note"] or "")

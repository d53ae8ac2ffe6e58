"""The desk's story list is the wire list: every status labelled in words, embargo countdowns, the
thumbnail of a story's picture, filters from what the list holds, and one row for a live update."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from newsflow.model import Story, utcnow
from newsflow.services import Services
from tests.helpers import jpeg
from tests.web.test_desk import as_role


def _row(html: str, headline: str) -> str:
    for row in re.findall(r'<li class="wire-row[^"]*"[\s\S]*?</li>', html):
        if f">{headline}</a>" in row:
            return row
    raise AssertionError(f"no row for {headline!r}")


def test_the_list_labels_every_status_in_words(client: TestClient, services: Services) -> None:
    desk = services.newsroom
    media = services.media.add(jpeg(), filename="pier.jpg")
    draft = desk.create(Story.model_validate({"headline": "Draft on the pier", "categories": ["World"],
                                              "photos": [{"media_id": media["id"], "alt": "The pier"}]})).guid
    flash = desk.create(Story(headline="Flash from the coast", categories=["World"], urgency=1)).guid
    desk.publish(flash)
    held = desk.create(Story(headline="Held budget", categories=["Economy"], language="tr",
                             embargo=utcnow() + timedelta(hours=2))).guid
    desk.publish(held)
    gone = desk.create(Story(headline="Story to kill", categories=["World"], spot="Earlier spot")).guid
    desk.publish(gone)
    desk.kill(gone, "Wrong figures")
    as_role(client, services, "editor")
    html = client.get("/desk").text
    row = _row(html, "Draft on the pier")
    assert ">Draft<" in row and "wire-draft" in row and f'src="/desk/media/{media["id"]}/thumbnail"' in row
    assert ">Flash<" in _row(html, "Flash from the coast")
    embargo = _row(html, "Held budget")
    assert re.search(r"data-embargo=\"[^\"]+\"[\s\S]*?>Embargo lifts in (1|2) hours?</span>", embargo), embargo
    killed = _row(html, "Story to kill")
    assert "Killed — do not use" in killed
    assert f'href="/desk/stories/{draft}"' in row and "/static/wire.js" in html
    assert re.search(r'<option value="tr">tr</option>', html)  # filters from what the list holds
    only = client.get("/desk", params={"status": "draft"}).text
    assert "Draft on the pier" in only and "Flash from the coast" not in only
    assert 'data-events="/desk/events?after=' in html and 'data-row="/desk/stories/{guid}/row"' in html


def test_a_row_alone_for_a_live_update(client: TestClient, services: Services) -> None:
    desk = services.newsroom
    guid = desk.create(Story(headline="Port reopens", categories=["World"], urgency=3)).guid
    desk.publish(guid)
    as_role(client, services, "reporter")
    r = client.get(f"/desk/stories/{guid}/row")
    assert r.status_code == 200 and r.text.lstrip().startswith('<li class="wire-row wire-urgent')
    assert ">Urgent<" in r.text and "Port reopens" in r.text
    assert client.get("/desk/stories/no-such-guid/row").status_code == 404
    client.cookies.clear()
    assert client.get(f"/desk/stories/{guid}/row", follow_redirects=False).status_code in (303, 401)


def test_the_reading_pane_shows_the_working_copy_as_the_wire_would(client: TestClient, services: Services) -> None:
    """The desk's pane draws a story's working copy with the portal's own partial (an unsent draft
    included), escapes what an editor typed, links to the editor, and is for staff only."""
    desk = services.newsroom
    guid = desk.create(Story(headline='Quay <script>alert(1)</script> "reopens"', categories=["World"],
                             body_html="<p>Ferries sail again.</p>", dateline="PORTO")).guid
    as_role(client, services, "reporter")
    assert f'data-pane="/desk/stories/{guid}/pane"' in client.get("/desk").text
    r = client.get(f"/desk/stories/{guid}/pane")
    assert r.status_code == 200 and "no-store" in r.headers["cache-control"]
    assert "<script>alert" not in r.text and "Quay &lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<p>Ferries sail again.</p>" in r.text and "PORTO" in r.text
    assert f'href="/desk/stories/{guid}"' in r.text and "Open in the editor" in r.text
    assert not r.text.lstrip().startswith("<!doctype")  # a fragment for the pane, not a page
    assert client.get("/desk/stories/no-such-guid/pane").status_code == 404
    client.cookies.clear()
    assert client.get(f"/desk/stories/{guid}/pane", follow_redirects=False).status_code in (303, 401)

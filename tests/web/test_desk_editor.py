"""The desk editor's helper routes: POST /desk/clean (pasted HTML through the server's sanitizer) and
POST /desk/preview (the unsaved form as the wire and the public page would show it)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from newsflow.auth import hash_password
from newsflow.services import Services
from newsflow.web.desk.paste import clean_paste
from tests.web.pastes import DOCS, WORD
from tests.web.test_desk import PASSWORD, as_role, csrf_of, sign_in, story_form


def clean(client: TestClient, html: str, **extra: str) -> httpx.Response:
    token = csrf_of(client.get("/desk/stories/new").text)
    return client.post("/desk/clean", data={"csrf_token": token, "html": html, **extra}, follow_redirects=False)


@pytest.fixture
def editor_client(client: TestClient, services: Services) -> TestClient:
    as_role(client, services, "editor")
    return client


# ---- pastes --------------------------------------------------------------------------------------------


def test_a_word_paste_keeps_its_structure_and_loses_word_s_furniture(editor_client: TestClient) -> None:
    response = clean(editor_client, WORD)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.json()["html"]
    assert "<h2>Ferry strike ends</h2>" in html  # Word's h1: a body's headings start at h2
    assert "<b>returned</b>" in html and "<i>Monday</i>" in html
    assert "<strong>no more\nstrikes</strong>" in html  # bold given by a span's style
    assert "<ul><li>Pay rises by four per cent</li>\n<li>Night shifts are shorter</li>\n</ul>" in html
    assert "<ol><li>First\nsailing at six</li>" in html
    assert '<a href="https://union.example/statement" rel="noopener noreferrer">the statement</a>' in html
    for furniture in ("Mso", "mso-", "o:p", "<span", "<font", "style", "<!--", "·", "StartFragment", "Calibri",
                      "class=", "<p></p>", "\u00a0"):
        assert furniture not in html, furniture


def test_a_google_docs_paste_is_not_all_bold_and_keeps_its_bold_and_italic(editor_client: TestClient) -> None:
    html = clean(editor_client, DOCS).json()["html"]
    assert html == ('<h2>Talks resume</h2><p>Negotiators met <strong>before dawn</strong><em> in Geneva</em>.</p>'
                    '<ul><li>Ceasefire holds</li></ul>'
                    '<p><a href="https://news.example/geneva" rel="noopener noreferrer">Full text</a></p>')


def test_bold_and_italic_in_one_style_are_both_kept() -> None:
    assert clean_paste('<p><span style="font-weight: bold; font-style: italic">both</span> '
                       '<b style="mso-bidi-font-weight:normal">still bold</b></p>') == \
        "<p><strong><em>both</em></strong> <b>still bold</b></p>"


def test_a_writer_s_own_language_span_is_kept() -> None:
    assert clean_paste('<p>He said <span lang="fr">merci</span>.</p>') == '<p>He said <span lang="fr">merci</span>.</p>'


@pytest.mark.parametrize("hostile, gone", [
    ('<p>a<script>alert(1)</script>b</p>', ("script", "alert")),
    ('<p onclick="steal()">a<img src=x onerror="steal()"></p>', ("onclick", "onerror", "steal", "<img")),
    ('<p><a href="javascript:alert(1)">link</a> <a href="JaVaScRiPt&colon;alert(2)">two</a></p>',
     ("javascript", "alert", "href")),
    ('<p>bell\x07 nul\x00 esc\x1b &#1; end</p>', ("\x07", "\x00", "\x1b", "\x01", "&#1;")),
    ('<iframe src="https://evil.example"></iframe><p style="background:url(https://evil.example)">x</p>',
     ("iframe", "evil", "style")),
    ('<svg><g onload="steal()"/></svg><math><mi xlink:href="javascript:x">y</mi></math>',
     ("svg", "onload", "javascript")),
])
def test_hostile_html_comes_back_harmless(editor_client: TestClient, hostile: str, gone: tuple[str, ...]) -> None:
    response = clean(editor_client, hostile)
    assert response.status_code == 200
    html = response.json()["html"]
    for part in gone:
        assert part.lower() not in html.lower(), (part, html)


def test_an_oversized_paste_is_refused_naming_the_limit(editor_client: TestClient, services: Services) -> None:
    services.settings = dataclasses.replace(services.settings, max_ingest_bytes=4096)
    response = clean(editor_client, "<p>" + "word " * 2000 + "</p>")
    assert response.status_code == 413
    assert "4,096-byte limit" in response.text and "NEWSFLOW_MAX_INGEST_MB" in response.text
    assert clean(editor_client, "<p>short</p>").status_code == 200  # under the limit it is taken


def test_cleaning_needs_the_page_s_csrf_token_and_an_html_field(editor_client: TestClient) -> None:
    refused = editor_client.post("/desk/clean", data={"csrf_token": "forged", "html": "<p>x</p>"})
    assert refused.status_code == 403
    missing = clean(editor_client, "")  # an empty field is a field
    assert missing.status_code == 200 and missing.json() == {"html": ""}
    token = csrf_of(editor_client.get("/desk/stories/new").text)
    no_field = editor_client.post("/desk/clean", data={"csrf_token": token})
    assert no_field.status_code == 422 and "html field" in no_field.text


def subscriber(client: TestClient, services: Services) -> None:
    company = services.subscribers.create_company("Daily Paper")
    services.store.create_user(email="sub@paper.example", name="Sub", role="subscriber",
                               password_hash=hash_password(PASSWORD), company_id=company.id)
    assert sign_in(client, "sub@paper.example").status_code == 303


def test_only_staff_may_clean(client: TestClient, services: Services) -> None:
    anonymous = client.post("/desk/clean", data={"html": "<p>x</p>"}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    subscriber(client, services)
    token = csrf_of(client.get("/portal").text)
    refused = client.post("/desk/clean", data={"csrf_token": token, "html": "<p>x</p>"})
    assert refused.status_code == 403


# ---- previews ------------------------------------------------------------------------------------------


def preview(client: TestClient, view: str, page: str = "/desk/stories/new", **fields: Any) -> httpx.Response:
    data = story_form(client, page, **fields)
    data.pop("action")
    return client.post("/desk/preview", data={**data, "view": view, **({"guid": ""} if "guid" not in data else {})})


def test_the_wire_preview_shows_the_whole_story_as_a_subscriber_would(editor_client: TestClient,
                                                                      services: Services) -> None:
    response = preview(editor_client, "wire")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    page = response.text
    assert re.search(r"<h1[^>]*>Harbour reopens after storm</h1>", page)
    assert "<h2>Damage</h2>" in page and "<p>Two piers were hit.</p>" in page  # the whole body
    assert "PORTO, Portugal" in page
    assert services.store.list_stories(limit=10) == []  # a preview writes nothing


def test_the_public_preview_shows_the_summary_never_the_whole_body(editor_client: TestClient) -> None:
    page = preview(editor_client, "public", public="on").text
    assert re.search(r"<h1[^>]*>Harbour reopens after storm</h1>", page)
    assert "The harbour reopened" in page
    assert "Two piers were hit." not in page  # the public site shows a summary
    assert "not be shown" not in page
    hidden = preview(editor_client, "public").text  # not marked public
    assert "will not be shown on the public site" in hidden


def test_a_preview_escapes_everything_the_form_holds(editor_client: TestClient) -> None:
    for view in ("wire", "public"):
        page = preview(editor_client, view, public="on", headline='<script>alert("h")</script>',
                       spot='<img src=x onerror=alert(1)>', dateline="<b>PORTO</b>",
                       body_html='<p>ok</p><script>alert("b")</script><p onclick="x()">two</p>').text
        assert "<script" not in page and "<img" not in page and "onclick" not in page
        assert "&lt;script&gt;alert(&#34;h&#34;)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
        assert "&lt;b&gt;PORTO&lt;/b&gt;" in page


def test_a_preview_of_an_unreadable_form_names_the_problems(editor_client: TestClient) -> None:
    response = preview(editor_client, "wire", headline="", urgency="soon")
    assert response.status_code == 422
    assert "Headline" in response.text and "Urgency" in response.text


def test_a_preview_names_an_unknown_view(editor_client: TestClient) -> None:
    response = preview(editor_client, "print")
    assert response.status_code == 422 and "view must be one of wire, public" in response.text


def test_previews_are_for_staff_with_the_page_s_token(client: TestClient, services: Services) -> None:
    as_role(client, services, "reporter")
    assert preview(client, "wire").status_code == 200  # a reporter may look before an editor publishes
    data = story_form(client) | {"view": "wire", "csrf_token": "forged"}
    assert client.post("/desk/preview", data=data).status_code == 403
    client.cookies.clear()
    subscriber(client, services)
    token = csrf_of(client.get("/portal").text)
    refused = client.post("/desk/preview", data=data | {"csrf_token": token})
    assert refused.status_code == 403 and "Harbour reopens" not in refused.text

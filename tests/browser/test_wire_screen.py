"""The wire screen of the portal and the desk, in a real browser: keys (j/k, o, /, ?), the reading
pane, a live arrival rendered as a reloaded row is and announced politely, a correction and a kill
replacing their rows, copy text, Download selected as a zip, and axe on the wire, the story page and
the desk list."""

from __future__ import annotations

import io
import re
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from tests.browser.conftest import NEWSFLOW, VIEWPORT, Site, assert_accessible, shot
from tests.browser.journeys import api, publish_story, site_env, unique
from tests.helpers import jpeg

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Browser, BrowserContext, Page

PASSWORD = "wire-screen-reader-pw"


@dataclass(frozen=True)
class Reader:
    email: str
    company: str


@pytest.fixture(scope="module")
def wire_reader(site: Site) -> Reader:
    """A subscriber of a company (embargoed copy allowed) with a World product, made by the CLI."""
    tag = uuid.uuid4().hex[:8]
    company, product, email = f"Wire Courier {tag}", f"Wire World {tag}", f"wire-{tag}@courier.example"
    env = site_env(site)
    for args in (["company", "create", company, "--embargoed"],
                 ["product", "create", product, "--filter", '{"categories": ["World"]}'],
                 ["product", "assign", company, product],
                 ["user", "create", "--email", email, "--name", "Wire Reader", "--role", "subscriber",
                  "--company", company, "--password", PASSWORD]):
        done = subprocess.run([NEWSFLOW, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"newsflow {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return Reader(email=email, company=company)


@pytest.fixture
def clip_context(browser: Browser, site: Site) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=site.url, viewport=VIEWPORT, locale="en-GB", accept_downloads=True)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def _photo(site: Site) -> dict[str, Any]:
    with api(site) as client:
        r = client.post("/media", files={"file": ("quay.jpg", jpeg(), "image/jpeg")},
                        data={"caption": "The quay at dawn", "credit": "Agency"})
        assert r.status_code == 201, r.text
        return {"media_id": r.json()["id"], "caption": "The quay at dawn", "alt": "Boats at the quay"}


def _story(headline: str, **fields: Any) -> dict[str, Any]:
    return {"headline": headline, "categories": ["World"], "language": "en",
            "body_html": "<p>First paragraph of the copy.</p><p>Second paragraph.</p>", **fields}


def _open_wire(page: Page, reader: Reader) -> None:
    page.goto("/login?next=/portal")
    page.get_by_label("E-mail").fill(reader.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda r: "/portal/events" in r.url) as events:
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/portal$"))
    assert events.value.status == 200


def test_wire_keys_pane_copy_live_and_zip(site: Site, wire_reader: Reader, clip_context: BrowserContext) -> None:
    from playwright.sync_api import expect

    routine = unique("Council approves the harbour budget")
    publish_story(site, _story(routine, byline_text="By Ada Reporter", dateline="LISBON"))
    urgent = unique("Ministers call an emergency meeting")
    publish_story(site, _story(urgent, urgency=3))
    page = clip_context.new_page()
    _open_wire(page, wire_reader)
    rows = page.locator("#wire li.wire-row")
    expect(rows.first).to_be_visible()

    # j selects the first row and shows it in the pane; j again the next; k back
    page.locator("body").press("j")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#wire-pane article h1")).to_have_text(urgent)
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#wire-pane article h1")).to_have_text(routine)
    assert page.evaluate("document.activeElement.classList.contains('wire-headline')"), "focus left the list"
    shot(page, "portal-reading-pane")

    # copy text: headline, byline, dateline and body as plain text
    page.locator("#wire-pane").get_by_role("button", name="Copy text").click()
    expect(page.locator("#wire-pane .copy-status")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(routine) and "By Ada Reporter" in copied and "LISBON" in copied, copied
    assert "First paragraph of the copy.\n" in copied and "<p>" not in copied, copied

    # ? opens the help dialog, Escape closes it; / goes to the search box
    page.keyboard.press("?")
    expect(page.locator("#wire-help")).to_be_visible()
    expect(page.locator("#wire-help")).to_contain_text("Next story")
    page.keyboard.press("Escape")
    expect(page.locator("#wire-help")).to_be_hidden()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.hasAttribute('data-wire-search')"), "/ did not reach search"
    page.locator("#wire li.wire-row.selected a.wire-headline").focus()

    # a flash arrives live with everything a reloaded row has, announced without taking focus
    flash = unique("Earthquake strikes off the coast")
    guid = publish_story(site, _story(flash, urgency=1, spot="Buildings shook in the capital.",
                                      slugline="QUAKE", photos=[_photo(site)]))
    row = page.locator(f'#wire li.wire-row[data-guid="{guid}"]')
    expect(row).to_be_visible(timeout=5_000)
    expect(row.locator(".badge-flash")).to_have_text("Flash")
    expect(row).to_contain_text("Buildings shook in the capital.")
    expect(row).to_contain_text("QUAKE")
    expect(row.locator("img.wire-thumb")).to_have_attribute("alt", "Boats at the quay")
    expect(row.locator("time[data-ago]")).to_have_text(re.compile(r"now|second|minute"))
    expect(page.locator("#wire-announce")).to_have_text(f"New: {flash}")
    assert page.locator("#wire-announce").get_attribute("aria-live") == "polite"
    assert page.evaluate("document.activeElement.textContent") == routine, "the arrival took the focus"
    assert rows.first.get_attribute("data-guid") == guid
    assert page.evaluate("img => img.naturalWidth", row.locator("img.wire-thumb").element_handle()) > 0

    # a correction replaces the row, labelled
    with api(site) as client:
        assert client.post(f"/stories/{guid}/correct", json={"editor_note": "Magnitude corrected."}).status_code == 201
    expect(row.locator(".badge-correction")).to_have_text("Correction")
    expect(page.locator("#wire li.wire-row").filter(has_text=flash)).to_have_count(1)
    assert_accessible(page)
    shot(page, "portal-wire", phone=True)

    # Download selected: two ticked, NITF, one zip with both
    page.locator("#wire li.wire-row").filter(has_text=routine).locator("input.wire-pick").check()
    page.locator("#wire li.wire-row").filter(has_text=urgent).locator("input.wire-pick").check()
    expect(page.locator(".wire-bulk-count")).to_have_text("2 selected")
    page.locator("#wire-bulk select[name=format]").select_option("nitf")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download selected").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    names = archive.namelist()
    assert len(names) == 2 and all(n.endswith(".xml") for n in names), names
    texts = b"".join(archive.read(n) for n in names).decode()
    assert routine in texts and urgent in texts

    # o opens the selected story's page: labelled as a correction, accessible
    page.locator("#wire li.wire-row").filter(has_text=flash).locator("a.wire-headline").focus()
    page.keyboard.press("o")
    page.wait_for_url(re.compile(r"/portal/stories/"))
    expect(page.locator("article .badge-correction")).to_have_text("Correction")
    assert_accessible(page)

    # a kill replaces the row where it stood, without the earlier text
    page.go_back()
    expect(page.locator(f'#wire li.wire-row[data-guid="{guid}"]')).to_be_visible()
    with api(site) as client:
        assert client.post(f"/stories/{guid}/kill", json={"reason": "Wrong quake"}).status_code == 201
    killed = page.locator(f'#wire li.wire-row[data-guid="{guid}"]')
    expect(killed.locator(".badge-killed")).to_have_text("Killed — do not use")
    expect(killed).not_to_contain_text("Buildings shook in the capital.")
    expect(page.locator("#wire-announce")).to_have_text(f"Killed: {flash}")


def test_narrow_screen_opens_the_story_page(site: Site, wire_reader: Reader, clip_context: BrowserContext) -> None:
    headline = unique("Dockers vote on the new contract")
    publish_story(site, _story(headline))
    page = clip_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    _open_wire(page, wire_reader)
    assert page.locator("#wire-pane").is_hidden()
    page.locator("#wire a.wire-headline", has_text=headline).click()
    page.wait_for_url(re.compile(r"/portal/stories/"))
    assert page.locator("article h1").text_content() == headline


def test_desk_list_is_the_same_wire(site: Site, page: Page) -> None:
    from playwright.sync_api import expect

    from tests.browser.journeys import sign_in

    draft = unique("Draft about the port strike")
    with api(site) as client:
        assert client.post("/stories", json=_story(draft, embargo="2099-01-01T09:00:00Z")).status_code == 201
    sign_in(page, site.editor_email, site.editor_password)
    page.goto("/desk")
    row = page.locator("#wire li.wire-row").filter(has_text=draft)
    expect(row.locator(".badge-draft")).to_have_text("Draft")
    expect(row.locator("[data-embargo]")).to_have_text(re.compile(r"^Embargo lifts in \d+ years?$"))
    page.locator("body").press("j")
    expect(page.locator("#wire li.wire-row").first).to_have_class(re.compile(r"\bselected\b"))
    # the reading pane: the draft as the wire would carry it, and the way into the editor
    row.locator("a.wire-headline").click()
    expect(page.locator("#wire-pane article h1")).to_have_text(draft)
    assert page.url.endswith("/desk"), "a wide screen reads in the pane"
    assert_accessible(page)
    shot(page, "desk-list", phone=True)
    page.goto("/desk")
    page.locator("#wire li.wire-row").filter(has_text=draft).locator("a.wire-headline").click()
    page.locator("#wire-pane").get_by_role("link", name="Open in the editor").click()
    page.wait_for_url(re.compile(r"/desk/stories/[^/]+$"))
    expect(page.get_by_label("Headline (required)")).to_have_value(draft)


def test_desk_and_portal_pass_axe_in_the_dark_scheme(site: Site, wire_reader: Reader, browser: Browser) -> None:
    """The staff and subscriber faces use the same tokens as the public site: in a dark room every page
    a journalist keeps open (desk list, editor, live view, portal wire, a story, the company pages)
    still has AA contrast, and its background is the dark scheme's own."""
    from tests.browser.journeys import sign_in

    ctx = browser.new_context(base_url=site.url, viewport=VIEWPORT, locale="en-GB", color_scheme="dark")
    ctx.set_default_timeout(10_000)
    try:
        page = ctx.new_page()
        sign_in(page, site.editor_email, site.editor_password)
        for path in ("/desk", "/desk/stories/new", "/desk/live", "/account"):
            page.goto(path)
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(18, 20, 23)", path
            assert_accessible(page)
        page.goto("/desk/stories/new")
        shot(page, "desk-editor-dark")
        ctx.clear_cookies()
        _open_wire(page, wire_reader)
        page.locator("#wire li.wire-row").first.wait_for()
        page.locator("body").press("j")  # the reading pane, with its badges and buttons
        page.locator("#wire-pane article h1").wait_for()
        assert_accessible(page)
        shot(page, "portal-wire-dark")
    finally:
        ctx.close()

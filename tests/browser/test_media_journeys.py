"""Pictures, video and audio in a real browser: a subscriber browses the photo wire and plays the
demo's video and audio items in the portal (the files come from the subscriber media route, with the
portal session), and an editor uploads a video at the desk and sees its poster frame and duration.
Each page is checked for Content-Security-Policy violations; the screenshots go to docs/screenshots.

The demo's video and audio items exist only where ffmpeg is installed (tests.clips says why not).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from newsflow.auth import hash_password
from newsflow.model import ItemKind, PubStatus
from newsflow.store import Store
from newsflow.wire.subscribers import Subscribers
from tests.browser.conftest import SCREENSHOTS, Site, assert_accessible, server_log, shot
from tests.browser.journeys import api, sign_in, unique
from tests.clips import make_clip, require_ffmpeg

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Page

PASSWORD = "browser-tests-reader"
# records CSP violations from the first script a page runs
_RECORD = """window.__violations = [];
document.addEventListener("securitypolicyviolation",
  e => window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline")));"""


@dataclass(frozen=True)
class Reader:
    email: str


@pytest.fixture(scope="module")
def reader_account(site: Site) -> Iterator[Reader]:
    """A subscriber of a company whose product carries the demo's World, Europe and Culture copy."""
    require_ffmpeg()  # the demo has its video and audio items only with ffmpeg
    store = Store(f"sqlite:///{site.data_dir / 'newsflow.db'}")
    try:
        subs = Subscribers(store)
        product = subs.create_product(unique("Pictures and video"), {"categories": ["World", "Europe", "Culture"]})
        company = subs.create_company(unique("Picture Desk Daily"))
        subs.assign_product(company.id, product.id)
        email = f"{unique('pictures').replace(' ', '.').lower()}@daily.example"
        store.create_user(email=email, name="Paula Pictures", role="subscriber", company_id=company.id,
                          password_hash=hash_password(PASSWORD))
        # the product is given the demo archive in the background; the newsroom also re-sends the demo's
        # media items and a few stories with pictures (an update each), so they lead the wire
        wanted = {"World", "Europe", "Culture"}
        records = [r for r in store.list_stories(limit=1000) if r.published and r.pubstatus == PubStatus.usable
                   and not r.draft.embargo and wanted & set(r.draft.categories)]
        items = [r for r in records if r.draft.kind != ItemKind.text]
        pictured = [r for r in records if r.draft.kind == ItemKind.text and r.draft.photos][:6]
        with api(site) as client:
            for record in sorted(pictured + items, key=lambda r: r.modified):
                sent = client.post(f"/stories/{record.guid}/update", json={})
                assert sent.status_code == 201, sent.text
        yield Reader(email)
    finally:
        store.close()


def _portal(page: Page, reader: Reader) -> None:
    page.add_init_script(_RECORD)
    page.goto("/login?next=/portal/photos")
    page.get_by_label("E-mail").fill(reader.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/portal/photos$"))


def _until(page: Page, expression: str, timeout: float = 20.0) -> None:
    """Wait until a JavaScript expression is true. Polled with `evaluate` (run by the DevTools protocol):
    `wait_for_function` compiles its predicate with eval, which the pages' CSP rightly refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout:g} s: {expression}"
        page.wait_for_timeout(100)


def _no_violations(page: Page) -> None:
    assert page.evaluate("window.__violations || []") == []


def _images_loaded(page: Page, selector: str) -> int:
    """How many images under `selector` loaded (waits for each to finish, loaded or failed). Each is
    brought into view first: thumbnails load lazily, as a reader scrolls."""
    images = page.locator(selector)
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    pending = f"[...document.querySelectorAll({selector!r})].filter(i => !i.complete).map(i => i.src)"
    deadline = time.monotonic() + 20
    while waiting := page.evaluate(pending):
        assert time.monotonic() < deadline, f"images still loading after 20 s: {waiting}"
        page.wait_for_timeout(100)
    return int(page.evaluate(f"[...document.querySelectorAll({selector!r})].filter(i => i.naturalWidth > 0).length"))


def _story_link(page: Page, words: str) -> str:
    page.goto(f"/portal/search?q={words.replace(' ', '+')}")
    href = page.locator("a[href^='/portal/stories/']").first.get_attribute("href")
    assert href, f"no story found for {words!r}\n{page.content()[:2000]}"
    return href


def test_the_photo_wire_shows_thumbnails_with_caption_credit_and_time(page: Page, site: Site,
                                                                      reader_account: Reader) -> None:
    _portal(page, reader_account)
    cards = page.locator(".photo-card")
    assert cards.count() >= 4, server_log(site)
    assert _images_loaded(page, ".photo-card img") == cards.count()  # every thumbnail came through
    first = cards.first
    assert (first.locator("img").get_attribute("alt") or "").strip()
    # every card credits its photo; the demo's own (other tests may have published newer ones first)
    credits = [c.strip() for c in cards.locator(".credit").all_inner_texts()]
    assert all(credits) and any(c.startswith("Newsflow Agency /") for c in credits), credits
    assert first.locator("time").get_attribute("datetime")
    assert page.get_by_text("Bar chart").count() == 0  # alt text is for readers without the picture, not shown
    page.get_by_role("link", name="Photo wire").focus()
    _no_violations(page)
    assert_accessible(page)
    shot(page, "portal-photo-wire")
    # keyboard: a card's link is reached and followed without a mouse
    link = first.locator("a").first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/portal/stories/"))
    assert page.locator(".gallery img").count() >= 1


def test_a_video_item_plays_with_its_poster_and_an_audio_item_in_its_player(page: Page, site: Site,
                                                                            reader_account: Reader) -> None:
    _portal(page, reader_account)
    page.goto(_story_link(page, "Rescue boats flooded streets"))
    video = page.locator("figure.player video")
    assert video.count() == 1
    poster = video.get_attribute("poster") or ""
    assert re.fullmatch(r"/media/[0-9a-f]+/preview", poster), poster
    # the browser fetches the file from the media route with the portal session and reads its metadata
    _until(page, "document.querySelector('figure.player video').readyState >= 1", 20)
    duration = page.evaluate("document.querySelector('figure.player video').duration")
    assert 5.5 < duration < 6.5
    assert page.locator("figure.player .duration").inner_text() == "duration 0:06"
    assert video.get_attribute("aria-label") == "Rescue boats moving along a flooded street lined with shops."
    video.focus()  # the native controls take the keyboard
    page.keyboard.press("Space")
    _until(page, "document.querySelector('figure.player video').currentTime > 0", 10)
    page.evaluate("(() => { const v = document.querySelector('figure.player video'); v.pause(); v.currentTime = 0;"
                  " v.load(); })()")  # back to the poster for the screenshot
    _until(page, "document.querySelector('figure.player video').readyState >= 1")
    _no_violations(page)
    assert_accessible(page)
    shot(page, "portal-video")

    page.goto(_story_link(page, "festival director programme"))
    _until(page, "document.querySelector('figure.player audio').readyState >= 1", 20)
    assert 7.5 < page.evaluate("document.querySelector('figure.player audio').duration") < 8.5
    assert page.locator("figure.player-audio figcaption").inner_text().startswith("Interview with the festival")
    _no_violations(page)


def test_an_editor_uploads_a_video_and_sees_its_poster_frame(page: Page, site: Site, tmp_path: Path) -> None:
    clip = tmp_path / "harbour-ferry.mp4"
    clip.write_bytes(make_clip(tmp_path, "mp4", 4.0))
    page.add_init_script(_RECORD)
    sign_in(page, site.editor_email, site.editor_password)
    page.get_by_role("link", name="New story").click()
    page.wait_for_url("**/desk/stories/new")
    page.get_by_label("Item kind").select_option("video")
    page.get_by_label("Headline (required)").fill(unique("Video: The morning ferry leaves the harbour"))
    page.get_by_label("Sections").fill("World")
    page.get_by_label("Media file").set_input_files(str(clip))
    page.locator("#f-photo_new_caption").fill("The morning ferry turns in the harbour.")
    page.locator("#f-photo_new_credit").fill("Newsflow Agency / Browser Tests")
    page.locator("#f-photo_new_alt").fill("A test card in place of a ferry turning in a harbour.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/desk/stories/[^/?]+\?done=saved"))
    assert page.get_by_label("Item kind").input_value() == "video"
    row = page.locator(".photo.media-video")
    assert row.count() == 1, server_log(site)
    assert row.locator(".duration").inner_text() == "duration 0:04"
    poster = row.locator("video").get_attribute("poster") or ""
    assert re.fullmatch(r"/desk/media/[0-9a-f]+/preview", poster), poster
    frame = page.request.get(poster)  # with the desk session, as the player fetches it
    assert frame.status == 200 and frame.headers["content-type"] == "image/jpeg"
    page.wait_for_load_state("networkidle")  # the poster shows before the screenshot
    _no_violations(page)
    # the part of the editor this is about: the media rows and the upload fields
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # (the editor's actions bar stays in view and would cover the top of the picture: let it scroll away)
    page.evaluate("document.querySelector('.editor-bar').style.position = 'static'")
    page.locator("details", has=row).screenshot(path=str(SCREENSHOTS / "desk-video-upload.png"),
                                                 animations="disabled")

"""The design system in a real browser: every public page and the admin pages pass axe-core (colour
contrast included) in the light and the dark scheme, a story prints without the site's chrome, and
the usage chart's day labels never overlap on screen at 7, 30 or 90 days."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import pairwise
from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import PHONE, Site, assert_accessible, assert_no_sideways_scroll, shot
from tests.browser.journeys import api, publish_story, unique

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

SCHEMES = ("light", "dark")


def _story(page: Page) -> tuple[str, str]:
    """A public demo story's address and headline, found the way a reader finds them: on the home page."""
    page.goto("/")
    link = page.locator("main article.card a").first
    href, headline = link.get_attribute("href"), link.inner_text().strip()
    assert href and href.startswith("/news/") and headline, (href, headline)
    return href, headline


def _admin_sign_in(page: Page, site: Site, next_path: str) -> None:
    page.goto(f"/login?next={next_path}")
    page.get_by_label("E-mail").fill(site.admin_email)
    page.get_by_label("Password").fill(site.admin_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin"))


@pytest.fixture(scope="module")
def company_id(browser: Browser, site: Site) -> Iterator[str]:
    """A subscriber company made through the admin face, for its usage page."""
    ctx = browser.new_context(base_url=site.url)
    page = ctx.new_page()
    try:
        _admin_sign_in(page, site, "/admin/companies")
        page.get_by_label("Name", exact=True).fill(unique("Design Gazette"))
        page.get_by_role("button", name="Create company").click()
        page.wait_for_url(re.compile(r"/admin/companies/[^/?]+\?done=company"))
        found = re.search(r"/admin/companies/([^/?]+)\?", page.url)
        assert found, page.url
        yield found.group(1)
    finally:
        ctx.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_public_pages_pass_axe_in_both_schemes(page: Page, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    story, _ = _story(page)
    for path in ("/", story, "/subscribe", "/login"):
        page.goto(path)
        assert_accessible(page)
        assert_no_sideways_scroll(page)
    page.goto("/")
    # the scheme reached the page: its background is the scheme's own (the tokens were redefined)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == ("rgb(255, 255, 255)" if scheme == "light" else "rgb(18, 20, 23)"), background
    shot(page, "public-home" if scheme == "light" else "public-home-dark", phone=True)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_admin_pages_pass_axe_in_both_schemes(context: BrowserContext, site: Site, company_id: str,
                                              scheme: str) -> None:
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    _admin_sign_in(page, site, "/admin/companies")
    for path in ("/admin/companies", f"/admin/companies/{company_id}/usage?days=30"):
        page.goto(path)
        assert_accessible(page)
    if scheme == "light":
        shot(page, "admin-usage", phone=True)


def test_a_printed_story_has_no_chrome_and_keeps_the_headline(page: Page) -> None:
    path, expected = _story(page)
    page.goto(path)
    headline = page.locator("main h1")
    assert headline.is_visible()
    page.emulate_media(media="print")
    for chrome in ("header.site", "footer.site", "main nav", "form", "a.cta"):
        for element in page.locator(chrome).all():
            assert element.is_hidden(), f"{chrome} shows on paper"
    assert headline.is_visible() and headline.inner_text().strip() == expected
    body = page.evaluate("getComputedStyle(document.body)")
    assert "serif" in body["fontFamily"] and "sans" not in body["fontFamily"], body["fontFamily"]
    assert body["color"] == "rgb(0, 0, 0)"
    page.emulate_media(media="print", color_scheme="dark")  # paper is white even when the screen is dark
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    shot(page, "public-story-print")


@pytest.mark.parametrize("days", [7, 30, 90])
def test_usage_chart_day_labels_do_not_overlap_on_screen(context: BrowserContext, site: Site, company_id: str,
                                                         days: int) -> None:
    page = context.new_page()
    _admin_sign_in(page, site, f"/admin/companies/{company_id}/usage?days={days}")
    for viewport in (None, PHONE):
        if viewport:
            page.set_viewport_size(viewport)
            page.reload()
        boxes = page.eval_on_selector_all(
            "figure.chart svg text.day",
            "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.right, e.textContent]; })")
        assert len(boxes) >= 7, boxes
        boxes.sort()
        for (_, right, a), (left, _, b) in pairwise(boxes):
            assert right <= left, f"{days} days at {viewport or 'desktop'}: label {a} overlaps {b}"
        assert boxes[-1][2].strip() == datetime.now(UTC).strftime("%m-%d"), "today is not the last label"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_corrected_story_shows_its_label_legibly_in_both_schemes(page: Page, site: Site, scheme: str) -> None:
    headline = unique("Ferry timetable changes")
    guid = publish_story(site, {"headline": headline, "categories": ["World"], "public": True,
                                "body_html": "<p>The ferry leaves at ten.</p>"})
    with api(site) as client:
        corrected = client.post(f"/stories/{guid}/correct", json={"editor_note": "The ferry leaves at nine."})
    assert corrected.status_code == 201, corrected.text
    page.emulate_media(color_scheme=scheme)
    page.goto(f"/news/{guid}")
    label = page.locator("main .corrected")
    assert label.is_visible() and "correction" in label.inner_text().lower()  # uppercased by CSS
    assert label.locator("time").get_attribute("datetime"), "the correction does not say when"
    assert_accessible(page)  # the badge's colours included

"""The home page in a real browser: a document with a title and a language, and demo stories on it.

Written to hold for the placeholder home page and for the public site that replaces it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.conftest import Site, assert_accessible, demo_headlines, server_log, shot

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Page


def test_home_page_shows_demo_stories(page: Page, site: Site) -> None:
    response = page.goto("/")
    assert response is not None, "no answer for /"
    assert response.ok, f"GET / answered {response.status}; the server's log ends:\n{server_log(site)}"
    assert page.title().strip(), "the page has no <title>"
    assert (page.locator("html").get_attribute("lang") or "").strip(), "<html> has no lang attribute"
    assert page.locator("h1").count() >= 1, "the page has no <h1>"

    text = " ".join((page.locator("body").text_content() or "").split())
    on_page = sorted(h for h in demo_headlines() if h in text)
    assert on_page, f"no demo headline on the home page; it reads: {text[:500]!r}"
    assert any(page.get_by_text(h).first.is_visible() for h in on_page), f"no demo headline is visible: {on_page}"

    assert_accessible(page)
    shot(page, "home")

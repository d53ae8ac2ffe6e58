"""An editor at the desk, in a real browser: sign in, write a public story, publish it, change its
headline, kill it, and watch the public website follow each step."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.browser.conftest import Site, assert_accessible, server_log, shot
from tests.browser.journeys import reader, sign_in, unique

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Browser, Page

BODY = ("<p>The Almeda river authority opened a new footbridge at Vila Nova on Tuesday.</p>"
        "<p>The crossing replaces a ferry that stopped running after last year's floods.</p>"
        "<h2>Built in eight months</h2>"
        "<p>Engineers said the bridge was designed to stay above the highest recorded water level.</p>")


def _public_page(browser: Browser, site: Site, guid: str) -> tuple[str, str]:
    """The headline a new reader (empty cache) sees on the story's public page, and that page's address."""
    with reader(browser, site) as public:
        response = public.goto(f"/news/{guid}")
        assert response is not None and response.status == 200, \
            f"/news/{guid} answered {response and response.status}; the server's log ends:\n{server_log(site)}"
        return " ".join((public.locator("article h1").text_content() or "").split()), public.url


def test_editor_publishes_updates_and_kills_a_public_story(browser: Browser, page: Page, site: Site) -> None:
    sign_in(page, site.editor_email, site.editor_password)
    assert page.get_by_role("button", name="Sign out").is_visible()

    headline = unique("Footbridge opens over the Almeda at Vila Nova")
    page.get_by_role("link", name="New story").click()
    page.wait_for_url("**/desk/stories/new")
    page.get_by_label("Headline (required)").fill(headline)
    page.get_by_label("Spot (standfirst shown in lists)").fill("The crossing replaces a ferry lost to the floods.")
    page.get_by_role("button", name="HTML", exact=True).click()  # the body's HTML source, beside the editor
    page.locator("#f-body_html").fill(BODY)
    page.get_by_label("Dateline").fill("VILA NOVA, Mozambique")
    page.get_by_label("Sections").fill("World, Africa")
    page.get_by_label("Contributor 1 name").fill("Browser Reporter")
    page.get_by_label("Contributor 1 place").fill("Vila Nova")
    page.get_by_text("Urgency, embargo and public site").click()  # a folded section
    page.get_by_role("checkbox", name=re.compile(r"Public: part of the public website")).check()

    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/desk/stories/[^/?]+\?done=published"))
    assert_accessible(page)
    assert page.get_by_role("status").filter(has_text="Published").is_visible()
    guid = re.search(r"/desk/stories/([^/?]+)\?", page.url).group(1)  # type: ignore[union-attr]
    shown, first_url = _public_page(browser, site, guid)
    assert shown == headline

    page.get_by_role("link", name="Live").click()
    page.wait_for_url("**/desk/live")
    row = page.locator("#live tbody tr").filter(has_text=headline)
    assert row.count() >= 1 and "publish" in (row.first.text_content() or ""), "the publish is not in the live view"
    assert_accessible(page)
    shot(page, "desk-live")

    new_headline = unique("Almeda footbridge opens to walkers and cyclists")
    page.goto(f"/desk/stories/{guid}")
    page.get_by_label("Headline (required)").fill(new_headline)
    page.get_by_label(re.compile(r"^Editor's note")).fill("Headline: cyclists may use the bridge too.")
    page.get_by_role("button", name="Send update").click()
    page.wait_for_url(re.compile(r"\?done=update"))
    shown, public_url = _public_page(browser, site, guid)
    assert shown == new_headline
    assert public_url != first_url, "the slug should follow the new headline"

    page.get_by_role("link", name="Kill…").click()  # from the actions bar: opens the folded kill form
    page.get_by_label("Reason subscribers will read (required)").fill("Opening postponed; do not use.")
    page.get_by_role("button", name="Kill this story everywhere").click()
    page.wait_for_url(re.compile(r"\?done=kill"))
    assert "killed" in (page.locator("p.meta").first.text_content() or "")
    with reader(browser, site) as public:
        for url in (public_url, first_url, f"{site.url}/news/{guid}"):
            response = public.goto(url)
            assert response is not None and response.status == 410, (url, response and response.status)
            assert new_headline not in (public.locator("body").text_content() or ""), url

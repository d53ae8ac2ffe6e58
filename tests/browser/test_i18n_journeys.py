"""A person's own settings in a real browser: /account picks the time zone the desk shows times in and
the language of the pages; the page is accessible and fits a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from newsflow.web.i18n import translator
from tests.browser.conftest import Site, assert_accessible, shot
from tests.browser.journeys import sign_in


def test_an_editor_picks_a_zone_and_a_language_on_account(page: Page, site: Site) -> None:
    sign_in(page, site.editor_email, site.editor_password)
    page.goto("/account")
    expect(page.get_by_role("heading", name="Your settings")).to_be_visible()
    assert_accessible(page)
    shot(page, "account", phone=True)

    page.get_by_label("Time zone").select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/account\?saved=1"))
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert page.get_by_label("Time zone").input_value() == "Asia/Tokyo"

    page.goto("/desk/live")  # the demo's events, drawn by the server in the editor's zone
    first_time = page.locator("#live tbody tr").first.locator("td").nth(1)
    expect(first_time).to_have_text(re.compile(r"(\+0900|GMT\+9|JST)$"))

    page.goto("/account")
    page.get_by_label("Language of the pages").select_option("tr")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.get_by_role("heading", name=translator("tr").gettext("Your settings"))).to_be_visible()
    assert_accessible(page)

"""A subscriber company's own admin in a real browser: signs in, lands on /portal/company, reads its
feeds' addresses, makes an API key (its secret shown once, and it reads the feed), adds a colleague
(a generated password shown once), revokes the key (the feed refuses it at once) and looks at its
webhooks and usage; axe finds nothing wrong on any of the pages, and none scrolls sideways at 390 px.
"""

from __future__ import annotations

import re
import subprocess
from typing import TYPE_CHECKING

import httpx

from tests.browser.conftest import NEWSFLOW, PHONE, VIEWPORT, Site, assert_accessible, assert_no_sideways_scroll, shot
from tests.browser.journeys import site_env, unique

if TYPE_CHECKING:
    from playwright.sync_api import Page

PASSWORD = "company admin's own pass"


def _company_admin(site: Site) -> tuple[str, str]:
    """A company and its admin, made with the CLI as the agency's operator would; (company, e-mail)."""
    company = unique("Daily Courier")
    email = f"boss-{company.rsplit(' ', 1)[1]}@courier.example"
    env = site_env(site)
    product = f"World in English for {company}"
    for args in (["company", "create", company],
                 ["product", "create", product, "--filter", '{"categories": ["World"], "languages": ["en"]}',
                  "--description", "Foreign news, in English"],
                 ["product", "assign", company, product],
                 ["user", "create", "--email", email, "--name", "Casey Boss", "--role", "company_admin",
                  "--company", company, "--password", PASSWORD]):
        done = subprocess.run([NEWSFLOW, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"newsflow {' '.join(args)}: {done.stdout} {done.stderr}"
    return company, email


def _checked(page: Page) -> None:
    assert_accessible(page)
    assert_no_sideways_scroll(page)


def test_a_company_admin_makes_and_revokes_a_key_and_adds_a_colleague(page: Page, site: Site) -> None:
    company, email = _company_admin(site)
    page.goto("/login?next=/portal/company")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/portal/company$"))
    assert company in (page.locator("h1").text_content() or "")
    assert page.get_by_text(f"{site.url}/v1/feed?after=0", exact=False).count() >= 1
    assert page.locator("button.copy").first.is_visible()  # the script showed the copy buttons
    assert page.get_by_role("heading", name=f"World in English for {company}").count() == 1
    _checked(page)
    shot(page, "portal-company", phone=True)

    page.get_by_role("link", name="API keys").click()
    page.wait_for_url(re.compile(r"/portal/company/keys$"))
    _checked(page)
    page.get_by_label("Name", exact=True).fill("Newsroom CMS")
    page.get_by_role("button", name="Create key").click()
    secret = (page.locator("#secret").text_content() or "").strip()
    assert secret.startswith("nfk_"), secret
    _checked(page)
    shot(page, "portal-company-keys")
    page.set_viewport_size(PHONE)  # the long secret wraps on a phone instead of widening the page
    assert_no_sideways_scroll(page)
    page.set_viewport_size(VIEWPORT)
    feed = f"{site.url}/v1/feed"
    assert httpx.get(feed, headers={"Authorization": f"Bearer {secret}"}, timeout=10).status_code == 200
    page.reload()
    assert page.locator("#secret").count() == 0  # shown once
    assert page.get_by_role("cell", name="Newsroom CMS", exact=True).count() == 1

    page.get_by_role("link", name="People").click()
    page.wait_for_url(re.compile(r"/portal/company/users$"))
    _checked(page)
    colleague = email.replace("boss-", "reader-")
    page.get_by_label("Name", exact=True).fill("Robin Reader")
    page.get_by_label("E-mail").fill(colleague)
    page.get_by_role("button", name="Add", exact=True).click()
    assert len((page.locator("#secret").text_content() or "").strip()) >= 12
    assert page.get_by_role("cell", name=colleague, exact=True).count() == 1
    _checked(page)

    page.get_by_role("link", name="API keys").click()
    page.get_by_role("button", name="Revoke Newsroom CMS").click()
    page.wait_for_url(re.compile(r"done=revoked"))
    assert page.get_by_role("status").filter(has_text="revoked").count() == 1
    assert httpx.get(feed, headers={"Authorization": f"Bearer {secret}"}, timeout=10).status_code == 401
    _checked(page)

    for tab in ("Webhooks", "Usage"):
        page.get_by_role("link", name=tab, exact=True).click()
        page.wait_for_url(re.compile(rf"/portal/company/{tab.lower()}"))
        _checked(page)

    page.goto("/portal/company/users?lang=ar")  # right to left, in the Arabic catalog
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.get_by_role("link", name="شركتكم").count() == 1
    _checked(page)
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)

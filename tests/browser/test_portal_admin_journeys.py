"""The admin face and the subscriber portal, in a real browser.

An admin sets up a subscriber company through /admin (a product filtered on the World category, the
product assigned, a subscriber account and an API key, each secret shown once); the key reads /v1/feed
and gets World copy only. The subscriber then keeps /portal open while the newsroom publishes: a
World story arrives in the wire list live, a Sports story never does, is not found by search and its
portal page is a 404.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.browser.conftest import VIEWPORT, Site, assert_accessible, server_log, shot
from tests.browser.journeys import api, publish_story, sign_in, unique
from tests.helpers import jpeg

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Browser, BrowserContext, Page

SUBSCRIBER_NAME = "Rita Reader"


@dataclass(frozen=True)
class Subscription:
    """What the admin made: a company with a World product, a subscriber and an API key."""

    company_id: str
    company_name: str
    product_id: int
    email: str
    password: str
    api_key: str


def _context(browser: Browser, site: Site) -> BrowserContext:
    ctx = browser.new_context(base_url=site.url, viewport=VIEWPORT, locale="en-GB")
    ctx.set_default_timeout(10_000)
    return ctx


def _secret(page: Page) -> str:
    """The secret the admin face shows once, on the page answering the POST that made it."""
    secret = (page.locator("#secret").text_content() or "").strip()
    assert secret, f"no secret shown on {page.url}"
    return secret


def _story(headline: str, category: str) -> dict[str, Any]:
    return {"headline": headline, "categories": [category], "language": "en", "urgency": 3,
            "spot": f"A {category} story from the browser tests.", "dateline": "GENEVA",
            "body_html": f"<p>{headline}.</p><p>More to follow.</p>"}


def _photo(site: Site, caption: str) -> dict[str, Any]:
    """A photo uploaded through the newsroom API, as a story's `photos` entry."""
    with api(site) as client:
        response = client.post("/media", files={"file": ("harbour.jpg", jpeg(), "image/jpeg")},
                               data={"caption": caption, "credit": "Agency photo"})
    assert response.status_code == 201, f"{response.status_code} {response.text[:500]}"
    return {"media_id": response.json()["id"], "caption": caption, "credit": "Agency photo", "alt": caption}


def _item_guid(item: dict[str, Any]) -> str:
    uri = str(item.get("uri") or item.get("guid") or "")
    return uri.rsplit("/", 1)[-1]


def _item_categories(item: dict[str, Any]) -> set[str]:
    subjects = item.get("subject") or item.get("subjects") or []
    return {s.get("name", "") for s in subjects if "category" in str(s.get("rel", ""))}


@pytest.fixture(scope="module")
def subscription(browser: Browser, site: Site) -> Iterator[Subscription]:
    """Journey 5, through the admin face: company, product, assignment, subscriber and API key."""
    ctx = _context(browser, site)
    page = ctx.new_page()
    try:
        sign_in(page, site.admin_email, site.admin_password)
        page.goto("/admin")
        page.wait_for_url("**/admin/companies")

        company_name = unique("Daily Courier")
        page.get_by_label("Name", exact=True).fill(company_name)
        page.get_by_role("button", name="Create company").click()
        page.wait_for_url(re.compile(r"/admin/companies/[^/?]+\?done=company"))
        company_id = re.search(r"/admin/companies/([^/?]+)\?", page.url).group(1)  # type: ignore[union-attr]

        product_name = unique("World desk")
        page.goto("/admin/products/new")
        assert_accessible(page)
        page.get_by_label("Name", exact=True).fill(product_name)
        page.get_by_label("Description").fill("Every story in the World category.")
        page.get_by_label("Categories").fill("World")
        page.get_by_role("button", name="Save product").click()
        page.wait_for_url(re.compile(r"/admin/products/\d+\?done=product"))
        product_id = int(re.search(r"/admin/products/(\d+)\?", page.url).group(1))  # type: ignore[union-attr]
        assert page.get_by_role("status").filter(has_text="Product saved").is_visible()

        page.goto(f"/admin/companies/{company_id}")
        page.get_by_role("checkbox", name=product_name).check()
        page.get_by_role("button", name="Save company").click()
        page.wait_for_url(re.compile(rf"/admin/companies/{company_id}\?done=company"))
        assert page.get_by_role("checkbox", name=product_name).is_checked(), "the product was not assigned"

        email = f"{unique('reader').replace(' ', '.')}@courier.example"
        page.goto(f"/admin/users?company={company_id}")
        assert_accessible(page)
        page.get_by_label("Name", exact=True).fill(SUBSCRIBER_NAME)
        page.get_by_label("E-mail").fill(email)
        page.locator("#f-role").select_option("subscriber")
        page.locator("#f-company_id").select_option(company_id)
        page.get_by_role("button", name="Create user").click()
        page.locator("#secret").wait_for()
        assert email in (page.get_by_role("alert").text_content() or "")
        password = _secret(page)

        page.goto(f"/admin/companies/{company_id}")
        page.get_by_label("Label").fill("Courier CMS importer")
        page.get_by_role("button", name="Create key").click()
        page.locator("#secret").wait_for()
        api_key = _secret(page)
        page.reload()  # the secret came after a redirect: a reload neither repeats the POST nor shows it
        assert page.locator("#secret").count() == 0 and api_key not in page.content()
        page.goto(f"/admin/companies/{company_id}")  # shown once: the page on its own never shows it again
        assert api_key not in page.content(), "the API key's secret is shown again"

        yield Subscription(company_id=company_id, company_name=company_name, product_id=product_id, email=email,
                           password=password, api_key=api_key)
    finally:
        ctx.close()


def _open_portal(page: Page, sub: Subscription) -> None:
    """Sign in as the subscriber and land on /portal, with its live stream connected."""
    page.goto("/login?next=/portal")
    page.get_by_label("E-mail").fill(sub.email)
    page.get_by_label("Password").fill(sub.password)
    with page.expect_response(lambda r: "/portal/events" in r.url) as events:
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/portal$"))
    assert events.value.status == 200, f"/portal/events answered {events.value.status}"


def test_admin_sets_up_a_subscriber_whose_key_reads_world_copy_only(
        browser: Browser, page: Page, site: Site, subscription: Subscription) -> None:
    world = publish_story(site, _story(unique("Ministers agree on grain corridor"), "World"))
    sports = publish_story(site, _story(unique("Harbour marathon moves to spring"), "Sports"))

    response = httpx.get(f"{site.url}/v1/feed", params={"limit": 100}, timeout=30,
                         headers={"Authorization": f"Bearer {subscription.api_key}"})
    assert response.status_code == 200, f"{response.status_code} {response.text[:500]}\n{server_log(site)}"
    items = [entry["item"] for entry in response.json()["items"]]
    guids = {_item_guid(item) for item in items}
    assert world in guids, f"the World story is not in the feed: {sorted(guids)}"
    assert sports not in guids, "the Sports story reached a World-only subscriber"
    for item in items:
        assert "World" in _item_categories(item), f"not a World item: {item.get('uri')} {_item_categories(item)}"

    sign_in(page, site.admin_email, site.admin_password)
    page.goto(f"/admin/companies/{subscription.company_id}")
    assert page.get_by_role("heading", name=subscription.company_name, level=1).is_visible()
    assert page.locator("#h-users ~ table").get_by_text(subscription.email).is_visible()
    keys = page.locator("#h-keys ~ table tbody tr")
    assert keys.count() == 1 and "never" not in (keys.first.text_content() or ""), "the key's last use is missing"
    assert subscription.api_key not in page.content()
    assert_accessible(page)
    shot(page, "admin-company")

    page.get_by_role("link", name="Usage report").click()
    page.wait_for_url(f"**/admin/companies/{subscription.company_id}/usage")
    legend = page.locator("ul.legend").text_content() or ""
    assert "feed" in legend, f"the feed read is not in the usage report: {legend!r}"
    # a legend's colour swatch is a small square beside its words, not a chart-wide block
    swatch = page.locator("ul.legend svg.swatch").first.bounding_box()
    assert swatch is not None and swatch["width"] <= 24 and swatch["height"] <= 24, swatch
    assert_accessible(page)
    shot(page, "admin-usage")

    # The public rule: flashes and bulletins public for a moment (then back, for the other tests).
    page.goto("/admin/public")
    before = page.locator("#f-urgency_max").input_value()
    page.locator("#f-urgency_max").select_option("2")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/public?done=public")
    assert page.locator("#f-urgency_max").input_value() == "2"
    assert page.get_by_text(f"Set by {site.admin_email}").is_visible()
    assert_accessible(page)
    shot(page, "admin-public")
    page.locator("#f-urgency_max").select_option(before)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url("**/admin/public?done=public")


def test_subscriber_sees_a_world_story_arrive_live(browser: Browser, site: Site,
                                                     subscription: Subscription) -> None:
    from playwright.sync_api import expect  # here: without playwright the fixtures skip (or fail in CI)

    ctx = _context(browser, site)
    try:
        portal = ctx.new_page()
        _open_portal(portal, subscription)

        headline = unique("Storm closes the northern ports")
        fields = _story(headline, "World") | {"photos": [_photo(site, "Ferries wait in the harbour")]}
        started = time.monotonic()
        guid = publish_story(site, fields)
        hit = portal.locator("#wire li.wire-row").filter(has_text=headline)
        remaining = max(0.0, 2.0 - (time.monotonic() - started))
        expect(hit).to_be_visible(timeout=int(remaining * 1000) or 1)
        assert portal.locator("#wire li.wire-row").first.get_attribute("data-guid") == guid
        expect(hit.locator("img.wire-thumb")).to_be_visible()  # arrived live with its thumbnail
        assert_accessible(portal)

        portal.set_viewport_size({"width": 390, "height": 844})  # narrow: the row's link opens the page
        hit.locator("a.wire-headline").click()
        portal.wait_for_url(f"**/portal/stories/{guid}")
        assert " ".join((portal.locator("article h1").text_content() or "").split()) == headline
        assert portal.get_by_role("link", name=re.compile("ninjs")).count() >= 1, "no download links"
        photo = portal.locator("section.gallery img").first
        expect(photo).to_be_visible()
        assert portal.evaluate("img => img.naturalWidth", photo.element_handle()) > 0, "the photo did not load"
        portal.set_viewport_size(VIEWPORT)
        assert_accessible(portal)
        shot(portal, "portal-story", phone=True)
    finally:
        ctx.close()


def test_subscriber_never_sees_a_story_outside_its_products(browser: Browser, site: Site,
                                                             subscription: Subscription) -> None:
    ctx = _context(browser, site)
    try:
        portal = ctx.new_page()
        _open_portal(portal, subscription)

        word = f"zebracup{int(time.time() * 1000) % 10**8}"
        headline = f"Final of the {word} goes to extra time"
        guid = publish_story(site, _story(headline, "Sports"))
        portal.wait_for_timeout(2000)
        assert portal.locator("#wire").get_by_text(word).count() == 0, "a Sports story reached the wire list"
        portal.reload()
        assert portal.locator("#wire").get_by_text(word).count() == 0, "a Sports story is in the wire list"

        portal.goto(f"/portal/search?q={word}")
        assert portal.locator("p.total").text_content() == "0 stories", portal.locator("p.total").text_content()
        assert portal.locator("ol.hits li").count() == 0
        assert_accessible(portal)

        response = portal.goto(f"/portal/stories/{guid}")
        assert response is not None and response.status == 404, response and response.status
        assert word not in (portal.locator("body").text_content() or "")

        # the same word does find a story the company may see: the search itself works
        seen = publish_story(site, _story(f"Foreign ministers discuss the {word} boycott", "World"))
        portal.goto(f"/portal/search?q={word}")
        assert portal.locator("ol.hits li").count() == 1
        assert portal.locator("ol.hits li").first.get_attribute("data-guid") == seen
    finally:
        ctx.close()


def test_a_saved_search_alert_lights_the_badge_live_and_the_portal_reads_arabic(
        browser: Browser, site: Site, subscription: Subscription) -> None:
    from playwright.sync_api import expect  # here: without playwright the fixtures skip (or fail in CI)

    ctx = _context(browser, site)
    try:
        portal = ctx.new_page()
        _open_portal(portal, subscription)
        word = f"glacier{int(time.time() * 1000) % 10**8}"
        portal.goto(f"/portal/search?q={word}")
        portal.get_by_label("Save this search as").fill(f"Glaciers {word}")
        portal.get_by_role("button", name="Save and alert me").click()
        portal.wait_for_url("**/portal/alerts")
        assert portal.get_by_role("link", name=f"Glaciers {word}").is_visible()

        portal.goto("/portal")
        badge = portal.locator("#alert-count")
        expect(badge).to_be_hidden()
        headline = f"The {word} retreats faster than measured"
        publish_story(site, _story(headline, "World"))
        # raised on the server as the story goes out; the wire page asks for the count as it arrives
        expect(badge).to_have_text(re.compile(r"^\s*1"), timeout=8_000)
        expect(badge).to_be_visible()

        portal.get_by_role("link", name=re.compile("^Alerts")).click()
        portal.wait_for_url("**/portal/alerts")
        assert portal.locator("ol.alerts li.new").filter(has_text=headline).is_visible()
        assert_accessible(portal)
        shot(portal, "portal-alerts")

        portal.goto("/portal?lang=ar")
        assert portal.locator("html").get_attribute("dir") == "rtl"
        assert portal.locator("html").get_attribute("lang") == "ar"
        assert portal.get_by_role("heading", level=1).text_content() == "الخدمة الإخبارية"
        assert_accessible(portal)
        shot(portal, "portal-arabic")
        portal.goto("/portal?lang=en")  # the choice is remembered in a cookie: leave English behind
    finally:
        ctx.close()

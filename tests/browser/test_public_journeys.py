"""Readers on the public website, in a real browser: the seed story, an Arabic story, a story that
tries to run script, and the basics a Lighthouse audit would check first."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.browser.conftest import Site, assert_accessible, server_log, shot
from tests.browser.journeys import (
    public_demo_headline,
    publish_story,
    reader,
    seed_story,
    sign_in,
    unique,
)

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Browser, Page

# English in the agency's zone; CLDR puts a narrow no-break space before PM
DATE = re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M UTC")


def _text(page: Page, selector: str) -> str:
    return " ".join((page.locator(selector).first.text_content() or "").split())


def _open_from_home(page: Page, site: Site, headline: str) -> None:
    response = page.goto("/")
    assert response is not None and response.ok, f"GET / failed; the server's log ends:\n{server_log(site)}"
    link = page.get_by_role("link", name=headline, exact=True).first
    assert link.is_visible(), f"no visible link to {headline!r} on the home page"
    link.click()
    page.wait_for_load_state("load")


def test_reader_follows_the_seed_story_from_the_home_page(page: Page, site: Site) -> None:
    story = seed_story(site)
    seed = story.seed
    response = page.goto("/")
    assert response is not None and response.ok, f"GET / failed; the server's log ends:\n{server_log(site)}"
    assert page.get_by_role("link", name=seed.headline, exact=True).first.is_visible()
    assert_accessible(page)
    shot(page, "public-home")

    _open_from_home(page, site, seed.headline)
    assert f"/news/{story.guid}/" in page.url, page.url
    article = page.locator("article").first
    assert _text(page, "article h1") == seed.headline
    assert _text(page, "article .spot") == seed.spot
    assert seed.reporter in _text(page, "article .byline")
    assert _text(page, "article .dateline") == seed.dateline

    times = article.locator(".meta time")
    assert times.count() == 2, "the page should give the first-published and the updated time"
    published, updated = (times.nth(i) for i in range(2))
    assert DATE.fullmatch(published.inner_text().strip()) and DATE.fullmatch(updated.inner_text().strip())
    assert published.get_attribute("datetime") < updated.get_attribute("datetime"), "updated after published"
    meta = _text(page, "article .meta")
    assert "Published" in meta and "Update" in meta, meta

    photo = article.locator("figure img")
    assert photo.count() == 1, "the lead photo is missing"
    assert (photo.get_attribute("alt") or "").strip(), "the photo has no alt text"
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the photo did not load"

    summary = _text(page, "article .summary")
    body_text = " ".join(seed.paragraphs)
    assert summary and seed.paragraphs[0][:60] in summary, summary
    assert len(summary) < len(body_text), "the summary is as long as the body"
    page_text = " ".join((page.locator("body").text_content() or "").split())
    assert seed.paragraphs[-1] not in page_text, "the body's last paragraph reached the public page"
    assert seed.subheading not in summary

    disclaimer = _text(page, "aside.disclaimer")
    assert "only a selection" in disclaimer and "subscription" in disclaimer, disclaimer
    cta = page.get_by_role("link", name="Subscription options")
    assert cta.is_visible() and cta.get_attribute("href") == "/subscribe"
    assert_accessible(page)
    shot(page, "public-story")


def test_arabic_story_reads_right_to_left(page: Page, site: Site) -> None:
    headline = public_demo_headline("ar")
    _open_from_home(page, site, headline)
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar", \
        (html.get_attribute("dir"), html.get_attribute("lang"))
    assert _text(page, "article h1") == headline
    assert page.locator("article").first.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert_accessible(page)
    shot(page, "public-arabic")


SCRIPT = "<script>window.__pwned=1</script>"
HANDLER = '<img src=x onerror="window.__pwned=1">'


def _not_pwned(page: Page, where: str, dialogs: list[str]) -> None:
    page.wait_for_load_state("load")  # images (and their onerror) are settled by then
    page.wait_for_timeout(200)
    assert page.evaluate("typeof window.__pwned") == "undefined", f"script ran on {where}"
    assert not dialogs, f"a dialog opened on {where}: {dialogs}"


def test_script_in_a_story_never_runs(browser: Browser, page: Page, site: Site) -> None:
    headline = unique("Harbour council weighs ferry timetable")
    guid = publish_story(site, {
        "headline": headline, "spot": f"The plan {HANDLER} is debated.", "categories": ["World"],
        "body_html": f"<p>The council met on Monday {SCRIPT} to discuss the ferries.</p>"
                     f"<p>{HANDLER} Residents asked for later sailings.</p><p>A vote is due next week.</p>",
        "language": "en", "public": True})
    dialogs: list[str] = []

    with reader(browser, site) as public:
        public.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        response = public.goto(f"/news/{guid}")
        assert response is not None and response.status == 200, response and response.status
        assert _text(public, "article h1") == headline
        _not_pwned(public, "the public story page", dialogs)

    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, site.editor_email, site.editor_password)
    for path in (f"/desk/stories/{guid}", "/desk", "/desk/live"):
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        assert page.get_by_text(headline).first.is_visible(), f"{headline!r} is not on {path}"
        _not_pwned(page, path, dialogs)
    preview = page.goto(f"/desk/stories/{guid}")
    assert preview is not None
    # the body as the editor holds it (static/desk-editor.js loads it into a live editable element)
    assert page.locator("#body-rich p").count() > 0, "the body is not in the editor"
    assert page.locator("#body-rich script, #body-rich [onerror]").count() == 0, "the body kept script"


def test_story_page_has_the_accessibility_and_performance_basics(page: Page, site: Site) -> None:
    story = seed_story(site)
    for path in (f"/news/{story.guid}", "/"):
        response = page.goto(path)
        assert response is not None and response.ok, (path, response and response.status)
        assert page.locator("h1").count() == 1, f"{path}: not exactly one <h1>"
        assert (page.locator("html").get_attribute("lang") or "").strip(), f"{path}: <html> has no lang"
        no_alt = page.locator("img").evaluate_all(
            "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.outerHTML)")
        assert not no_alt, f"{path}: images without alt text: {no_alt}"
        blocking = page.locator("head script[src]:not([defer]):not([async])").evaluate_all(
            "els => els.map(e => e.outerHTML)")
        assert not blocking, f"{path}: render-blocking scripts in <head>: {blocking}"

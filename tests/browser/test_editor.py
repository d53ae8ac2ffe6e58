"""The desk's story editor in a real browser: a body written with the toolbar and the keyboard, a Word
paste cleaned by the server, the actions bar in view at the bottom of the form, the wire and public
previews of the unsaved form, the live counts, and the warning before leaving with unsaved changes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.browser.conftest import SCREENSHOTS, Site, assert_accessible, shot
from tests.browser.journeys import publish_story, sign_in, unique
from tests.web.pastes import DOCS, WORD

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Dialog, Page

PASTE = """(html) => {
  const target = document.getElementById("body-rich");
  target.focus();
  const data = new DataTransfer();
  data.setData("text/html", html);
  data.setData("text/plain", "the plain text a word processor also offers");
  target.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""


def new_story(page: Page, site: Site, headline: str) -> None:
    sign_in(page, site.editor_email, site.editor_password)
    page.goto("/desk/stories/new")
    page.get_by_label("Headline (required)").fill(headline)


def saved_body(page: Page) -> str:
    """The body as the server stored it: the page after the save renders the draft into the textarea."""
    page.wait_for_url(re.compile(r"\?done=saved"))
    return page.locator("#f-body_html").input_value()


def test_a_body_typed_with_the_toolbar_and_keys_is_saved_as_clean_html(page: Page, site: Site) -> None:
    refused: list[str] = []  # what the page's Content-Security-Policy blocked, as the console reports it
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    new_story(page, site, unique("Night ferry returns to Porto"))
    body = page.locator("#body-rich")
    assert page.locator("#f-body_html").is_hidden(), "with the script the textarea gives way to the editor"
    body.click()
    page.keyboard.type("The first night ferry sailed at ten.")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Sub-heading", exact=True).click()
    page.keyboard.type("Timetable")
    assert page.get_by_role("button", name="Sub-heading", exact=True).get_attribute("aria-pressed") == "true"
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Bulleted list").click()
    page.keyboard.type("Departs 22:00")
    page.keyboard.press("Enter")
    page.keyboard.type("Arrives 06:00")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # an empty item ends the list
    page.keyboard.press("Control+]")  # the keyboard's quote
    page.keyboard.type("We had waited a year for this.")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+[")
    page.keyboard.type("See the ")
    page.keyboard.press("Control+b")
    page.keyboard.type("new")
    page.keyboard.press("Control+b")
    page.keyboard.type(" timetable")
    for _ in range(len("timetable")):
        page.keyboard.press("Shift+ArrowLeft")
    page.once("dialog", lambda dialog: dialog.accept("https://ferries.example/timetable"))
    page.get_by_role("button", name="Link").click()
    counts = page.locator("#counts")
    # counted after a pause in typing (some 24 words, depending on how the browser splits "22:00")
    page.wait_for_function("() => Number((/Words: (\\d+)/.exec(document.getElementById('counts').textContent)"
                           " || [0, 0])[1]) >= 20")
    assert counts.get_attribute("aria-live") == "polite"

    page.get_by_role("button", name="Save draft").click()
    html = saved_body(page)
    assert "<p>The first night ferry sailed at ten.</p>" in html
    assert "<h2>Timetable</h2>" in html
    assert "<ul><li>Departs 22:00</li><li>Arrives 06:00</li></ul>" in html
    assert "<blockquote><p>We had waited a year for this.</p></blockquote>" in html
    assert re.search(r'<p>See the <strong>new</strong> <a href="https://ferries\.example/timetable"[^>]*>timetable</a>'
                     r"</p>", html), html
    for noise in ("<b>", "<div", "style=", "<br", "<span", "&nbsp;"):
        assert noise not in html, (noise, html)
    assert_accessible(page)  # an existing story's editor
    assert refused == [], "the editor must work under the faces' CSP (no inline script or style)"
    shot(page, "desk-editor", phone=True)


def test_pasted_word_and_docs_html_is_cleaned_before_it_is_saved(page: Page, site: Site) -> None:
    new_story(page, site, unique("Ferry strike ends"))
    page.evaluate(PASTE, WORD)
    page.get_by_role("status").filter(has_text="Pasted text cleaned").wait_for()
    assert page.locator("#body-rich li").first.inner_text() == "Pay rises by four per cent"
    page.locator("#body-rich").press("Control+End")
    page.keyboard.press("Enter")  # into an empty paragraph: a paste into a line of text joins that line
    page.evaluate(PASTE, DOCS)
    page.locator("#body-rich h2", has_text="Talks resume").wait_for()
    page.get_by_role("button", name="Save draft").click()
    html = saved_body(page)
    assert "<h2>Ferry strike ends</h2>" in html and "<li>Pay rises by four per cent</li>" in html
    assert "<ol><li>First sailing at six</li></ol>" in re.sub(r"\s+", " ", html)
    assert "<strong>before dawn</strong>" in html and "<em> in Geneva</em>" in html
    assert "Negotiators met <strong>" in html, "the Docs wrapper must not make the whole paste bold"
    for noise in ("mso", "Mso", "o:p", "<span", "<font", "style=", "docs-internal", "·", "<!--", "Calibri",
                  "the plain text"):
        assert noise not in html, (noise, html)


def test_the_actions_stay_in_view_and_the_previews_show_the_unsaved_story(page: Page, site: Site) -> None:
    headline = unique("Bridge reopens after repairs")
    new_story(page, site, headline)
    page.get_by_label("Spot (standfirst shown in lists)").fill("Traffic returns to the old bridge.")
    page.locator("#body-rich").click()
    page.keyboard.type("Engineers finished the work a week early. ")
    page.keyboard.press("Enter")
    page.keyboard.type("The council thanked residents for their patience.")
    assert_accessible(page)  # a new story's editor

    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    for name in ("Save draft", "Publish", "Wire preview", "Public preview"):
        button = page.get_by_role("button", name=name, exact=True)
        box = button.bounding_box()
        assert box is not None and 0 <= box["y"] <= (page.viewport_size or {"height": 0})["height"] - box["height"], \
            f"{name} scrolled out of view"

    page.evaluate("window.scrollTo(0, 0)")  # the screenshot below shows the page from its top
    page.get_by_role("button", name="Wire preview").click()
    dialog = page.get_by_role("dialog", name="Wire preview")
    dialog.wait_for()
    assert dialog.locator("h1").inner_text() == headline
    assert "The council thanked residents" in dialog.inner_text()  # the wire has the whole body
    assert_accessible(page)
    # what the writer sees (a modal over the page), not the full page: the backdrop covers one screen only
    page.screenshot(path=str(SCREENSHOTS / "desk-editor-preview.png"), animations="disabled")
    dialog.get_by_role("button", name="Close").click()
    assert dialog.is_hidden()

    page.get_by_role("button", name="Public preview").click()
    public = page.get_by_role("dialog", name="Public preview")
    public.wait_for()
    assert public.locator("h1").inner_text() == headline
    assert "will not be shown on the public site" in public.inner_text()  # not marked public
    assert "The council thanked residents" not in public.inner_text()  # a summary, never the whole body
    assert_accessible(page)
    page.keyboard.press("Escape")
    assert public.is_hidden()


def test_the_headline_count_follows_typing(page: Page, site: Site) -> None:
    new_story(page, site, "")
    page.get_by_label("Headline (required)").fill("Twelve chars")
    page.wait_for_function("() => document.getElementById('counts').textContent.includes('Headline: 12 of 500')")


def test_leaving_with_unsaved_changes_asks_first_but_saving_does_not(page: Page, site: Site) -> None:
    guid = publish_story(site, {"headline": unique("Port cranes idle"), "body_html": "<p>Work stopped.</p>",
                                "categories": ["Business"]})
    sign_in(page, site.editor_email, site.editor_password)
    page.goto(f"/desk/stories/{guid}")
    seen: list[str] = []

    def stay(dialog: Dialog) -> None:
        seen.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Stories", exact=True).click()  # nothing changed: no question
    page.wait_for_url(re.compile(r"/desk$"))
    assert seen == []
    page.go_back()
    page.locator("#body-rich").click()
    page.keyboard.type(" More.")
    page.get_by_role("link", name="Stories", exact=True).click()
    page.wait_for_timeout(500)
    assert seen == ["beforeunload"]
    assert f"/desk/stories/{guid}" in page.url, "dismissing the question keeps the writer on the page"
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"\?done=saved"))
    assert seen == ["beforeunload"], "a save is no reason to ask"

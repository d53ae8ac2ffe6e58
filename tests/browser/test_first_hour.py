"""A newcomer's first hour (issue 13), following only README.md: its "Where to go" table is read from the
repository and every place in it is opened on a freshly started server; the admin signs in with the
first start's password, as the README says, and lands on the admin face; a subscriber made with the
commands the README lists lands on the portal; the API docs render their operations with every request
to another host refused. axe-core finds nothing on each page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.conftest import NEWSFLOW, Site, assert_accessible, shot
from tests.browser.journeys import site_env

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

ROOT = Path(__file__).resolve().parents[2]


def where_to_go() -> tuple[list[str], list[str]]:
    """The paths (`/…` in backticks) and the guides linked in README.md's "Where to go" table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Where to go", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|") and "`/" in line]
    paths = [p for row in rows for p in re.findall(r"`(/[^`]*)`", row)]
    guides = re.findall(r"\]\((docs/[^)#]+)\)", section)
    return paths, guides


def _offline(context: BrowserContext, site: Site) -> list[str]:
    """Refuse every request that leaves the site; the list fills with what was tried."""
    tried: list[str] = []

    def route(r: Route) -> None:
        if r.request.url.startswith(site.url):
            r.continue_()
        else:
            tried.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return tried


def _cli(site: Site, *args: str) -> str:
    done = subprocess.run([NEWSFLOW, *args], env=site_env(site), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"newsflow {' '.join(args)}: {done.stdout} {done.stderr}"
    return done.stdout


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()  # the public header's link, as a reader finds it
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_readme_leads_a_newcomer_to_every_face(context: BrowserContext, page: Page, site: Site) -> None:
    paths, guides = where_to_go()
    assert {"/", "/login", "/desk", "/portal", "/admin", "/docs"} <= set(paths), paths
    for guide in guides:
        assert (ROOT / guide).is_file(), f"README links {guide}, which is missing"
    assert {"docs/guide-public.md", "docs/guide-portal.md", "docs/guide-desk.md", "docs/guide-admin.md",
            "docs/api.md"} <= set(guides)
    tried = _offline(context, site)

    for path in paths:  # signed out: each answers, the faces by asking to sign in
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        if path in ("/desk", "/portal", "/admin"):
            assert "/login" in page.url, f"{path} let a stranger in: {page.url}"
        if path == "/docs":
            continue  # below, once the viewers have drawn
        assert page.get_by_role("link", name="Sign in").count() >= 1, f"{path}: no way to sign in"
        assert_accessible(page)
    page.goto("/login")
    shot(page, "first-hour-login", phone=True)

    # the API docs draw the operations from /openapi.json with nothing from another host
    page.goto("/docs")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    assert page.locator(".opblock").count() >= 20
    assert page.get_by_text("/v1/feed").first.is_visible()
    assert_accessible(page)
    shot(page, "first-hour-docs")
    page.goto("/redoc")  # FastAPI's other address leads to the same, accessible page
    page.wait_for_url(re.compile(r"/docs$"))
    assert tried == [], f"the pages reached for other hosts: {tried}"

    # the admin, with the first start's password, lands on the admin face and finds the desk from there
    _sign_in(page, site.admin_email, site.admin_password)
    page.wait_for_url(re.compile(r"/admin"))
    assert_accessible(page)
    shot(page, "first-hour-admin", phone=True)
    page.get_by_role("navigation", name="Go to").get_by_role("link", name="Newsroom desk").click()
    page.wait_for_url(re.compile(r"/desk$"))
    assert_accessible(page)
    page.get_by_role("navigation", name="Go to").get_by_role("link", name="Admin").click()
    page.wait_for_url(re.compile(r"/admin"))


def test_a_subscriber_made_from_the_readme_lands_on_the_portal(page: Page, site: Site) -> None:
    company = "First Hour Daily"
    _cli(site, "company", "create", company)
    _cli(site, "product", "create", "First hour everything", "--no-progress")
    _cli(site, "product", "assign", company, "First hour everything")
    made = _cli(site, "user", "create", "--email", "reader@firsthour.example", "--name", "First Reader",
                "--role", "subscriber", "--company", company)  # no terminal: a password is made, shown once
    password = made.split("Password (shown once):")[1].split()[0]
    _sign_in(page, "reader@firsthour.example", password)
    page.wait_for_url(re.compile(r"/portal$"))
    assert page.get_by_text("First Reader").first.is_visible()
    assert_accessible(page)
    shot(page, "first-hour-portal", phone=True)
    # from the portal back to the public site: a page shared by every reader, on which this browser
    # alone puts its reader's name, faces and sign-out in place of the "Sign in" link
    page.get_by_role("navigation", name="Go to").get_by_role("link", name="Public website").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_text("Signed in as First Reader").wait_for()
    assert page.get_by_role("link", name="Sign in").count() == 0
    assert page.locator("header.site").get_by_role("link", name="Subscriber portal").is_visible()
    assert_accessible(page)
    page.locator("header.site").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/")
    assert page.get_by_role("link", name="Sign in").is_visible()


def test_an_editor_lands_on_the_desk(page: Page, site: Site) -> None:
    _sign_in(page, site.editor_email, site.editor_password)
    page.wait_for_url(re.compile(r"/desk$"))
    nav = page.get_by_role("navigation", name="Go to")
    assert nav.get_by_role("link", name="Admin").count() == 0  # an editor has no admin face
    assert_accessible(page)
    shot(page, "first-hour-desk", phone=True)

"""Browser tests: Playwright drives Debian's chromium (/usr/bin/chromium, never a downloaded browser)
against a real `newsflow serve` process on SQLite with the demo content loaded.

`scripts/test.sh` installs chromium when it can. Without it (or without the `playwright` package)
the browser tests FAIL in CI (CI=true) and are skipped elsewhere, with the reason.

The `site` fixture starts one server for the whole session and knows the admin's first-start
password and an editor with a known password; `browser` is one chromium for the tests of this
folder (closed afterwards: the Sync API holds an asyncio loop while it lives); `context` and
`page` are fresh per test, with `base_url` set, so `page.goto("/")` opens the home page.
`shot(page, name)` saves a full-page screenshot to docs/screenshots/{name}.png.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import httpx
import pytest

from newsflow.demo import STORIES
from newsflow.services import ADMIN_EMAIL
from tests.conftest import IN_CI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EDITOR_EMAIL = "editor@newsflow.test"
EDITOR_PASSWORD = "browser-tests-editor"
VIEWPORT = {"width": 1280, "height": 800}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class Site:
    """A running `newsflow serve` with the demo content."""

    url: str
    admin_email: str
    admin_password: str
    editor_email: str
    editor_password: str
    data_dir: Path
    log: Path


def _browser_unavailable(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"The browser tests are required in CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_headlines() -> set[str]:
    """Every headline the demo content can show: as first published, updated or corrected."""
    headlines = set()
    for story in STORIES:
        headlines.add(story.fields["headline"])
        for follow_up in (story.update, story.correction):
            if follow_up and "headline" in follow_up.changes:
                headlines.add(follow_up.changes["headline"])
    return headlines


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data_dir = tmp_path_factory.mktemp("site")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")} | {
        "NEWSFLOW_DATA_DIR": str(data_dir), "NEWSFLOW_DATABASE_URL": f"sqlite:///{data_dir / 'newsflow.db'}",
        "NEWSFLOW_DEMO": "1", "NEWSFLOW_BASE_URL": url, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    log_path = data_dir / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen([NEWSFLOW, "serve", "--port", str(port)], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"newsflow serve exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                httpx.get(url + "/", timeout=1)  # any answer: a broken page is the tests' to report
                break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"newsflow serve did not answer on {url} within 60 s:\n{log_path.read_text()}")
            time.sleep(0.2)
        found = re.search(rf"{re.escape(ADMIN_EMAIL)}\s+password\s+(\S+)", log_path.read_text())
        if not found:
            pytest.fail(f"no first-start admin password in the server's output:\n{log_path.read_text()}")
        subprocess.run([NEWSFLOW, "user", "create", "--email", EDITOR_EMAIL, "--name", "Browser Editor",
                        "--role", "editor", "--password", EDITOR_PASSWORD], env=env, check=True,
                       capture_output=True, text=True)
        yield Site(url=url, admin_email=ADMIN_EMAIL, admin_password=found.group(1), editor_email=EDITOR_EMAIL,
                   editor_password=EDITOR_PASSWORD, data_dir=data_dir, log=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Checked before the server starts, so a missing browser skips (or fails) at once."""
    if not CHROMIUM.exists():
        _browser_unavailable(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _browser_unavailable(f"the playwright package is missing ({exc}); pip install -e '.[test]'")


@pytest.fixture(scope="package")
def browser(browser_available: None) -> Iterator[Browser]:
    from playwright.sync_api import Error, sync_playwright

    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        except Error as exc:
            _browser_unavailable(f"{CHROMIUM} did not start: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser_available: None, browser: Browser, site: Site) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=site.url, viewport=VIEWPORT, locale="en-GB")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def server_log(site: Site, lines: int = 40) -> str:
    """The end of the server's output, for failure messages."""
    return "\n".join(site.log.read_text(errors="replace").splitlines()[-lines:])


def shot(page: Page, name: str, *, phone: bool = False) -> Path:
    """A full-page PNG of what the page shows now, saved as docs/screenshots/{name}.png; with `phone`,
    also as {name}-390.png at a 390 px wide viewport (the page is reloaded at that width), after which
    the viewport goes back to what it was."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    if phone:
        size = page.viewport_size or VIEWPORT
        page.set_viewport_size(PHONE)
        try:
            page.reload()
            assert_no_sideways_scroll(page)
            page.screenshot(path=str(SCREENSHOTS / f"{name}-390.png"), full_page=True, animations="disabled")
        finally:
            page.set_viewport_size(size)
            page.reload()
    return path


PHONE = {"width": 390, "height": 844}


def assert_no_sideways_scroll(page: Page) -> None:
    """Nothing on the page is wider than the viewport (a phone reader never scrolls sideways)."""
    wide = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 1, f"{page.url} scrolls sideways by {wide} px at {page.viewport_size}"


def assert_accessible(page: Page) -> None:
    """axe-core (bundled with axe-playwright-python, injected over the DevTools protocol, so the
    page's CSP stays as it is) finds no violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"axe on {page.url}:\n{results.generate_report()}"

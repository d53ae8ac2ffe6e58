"""Security headers as a browser obeys them (issue 10, item 2): a page of another site cannot frame
the desk or the admin face, and the faces' own pages — public, login, desk, live desk, admin (with
its scripts), portal — run under their Content-Security-Policy without a single violation.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlsplit

from tests.browser.conftest import Site, server_log
from tests.browser.journeys import sign_in
from tests.browser.test_portal_admin_journeys import Subscription, _open_portal, subscription  # noqa: F401
from tests.helpers import http_server

if TYPE_CHECKING:  # imported only for hints: without playwright the fixtures skip (or fail in CI)
    from playwright.sync_api import Page



@contextmanager
def elsewhere() -> Iterator[str]:
    """Another site (another origin on this machine: a public page may not frame a local one at all,
    which would hide what the headers do): /attack?target=URL frames URL, and, as the control, its
    own /friendly page under another origin (localhost instead of 127.0.0.1)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            port = self.server.server_address[1]
            asked = parse_qs(urlsplit(self.path).query).get("target")
            if self.path.startswith("/friendly"):
                body = "<p id='shown'>framed fine</p>"
            elif not asked:  # the browser's own asks (a favicon)
                self.send_error(404)
                return
            else:
                target = html.escape(asked[0])
                body = (f"<iframe name='victim' src='{target}'></iframe>"
                        f"<iframe name='control' src='http://localhost:{port}/friendly'></iframe>")
            data = body.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with http_server(Handler) as url:
        yield url


# Each document records the violations of its policy as the browser reports them (the init script
# runs before any of the page's own, and is not itself subject to the policy).
_RECORD = """window.__violations = [];
document.addEventListener("securitypolicyviolation",
  e => window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile));"""


def _violations(page: Page) -> list[str]:
    return page.evaluate("window.__violations || []")


def _framed_text(page: Page, frame_name: str) -> str:
    frame = page.frame(name=frame_name)
    assert frame is not None, f"no frame {frame_name}"
    if frame.url.startswith("chrome-error:"):
        return ""  # the browser refused to show it
    return frame.locator("body").inner_text(timeout=2000)


def test_desk_and_admin_cannot_be_framed(page: Page, site: Site) -> None:
    sign_in(page, site.admin_email, site.admin_password)  # signed in: framing would show the real pages
    with elsewhere() as attacker:
        for target in ("/desk", "/admin/companies", "/login"):
            page.goto(f"{attacker}/attack?target={quote(site.url + target)}")
            control = page.frame_locator("iframe[name=control]").locator("#shown")
            control.wait_for()  # cross-origin framing works here: an ordinary page is framed and readable
            assert control.text_content() == "framed fine"
            page.wait_for_load_state("load")
            victim = page.frame(name="victim")
            assert victim is not None and victim.url.startswith("chrome-error:"), (target, victim and victim.url)
            assert _framed_text(page, "victim") == ""


def test_the_faces_raise_no_csp_violation(page: Page, site: Site, subscription: Subscription) -> None:  # noqa: F811
    page.add_init_script(_RECORD)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    seen: dict[str, list[str]] = {}

    def visit(path: str) -> None:
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}\n{server_log(site)}"
        page.wait_for_load_state("networkidle") if path != "/desk/live" else page.wait_for_timeout(300)
        seen[path] = _violations(page)

    visit("/")
    # the detector works: an injected inline handler is blocked and reported
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.__ran = 1\">')")
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran") is None and "script-src" in _violations(page)[0]

    visit("/login")
    story = page.goto("/") and page.locator("main a[href^='/news/']").first.get_attribute("href")
    assert story, "no story linked from the home page"
    visit(story)
    sign_in(page, site.admin_email, site.admin_password)
    for path in ("/desk", "/desk/live", "/desk/stories/new", "/admin/companies", "/admin/products/new",
                 f"/admin/companies/{subscription.company_id}", f"/admin/companies/{subscription.company_id}/usage",
                 "/admin/users", "/admin/explain"):
        visit(path)
    # the product editor's script runs under the policy: the preview is fetched as the filter is typed
    page.goto("/admin/products/new")
    with page.expect_response(lambda r: "/admin/products/preview" in r.url):
        page.get_by_label("Categories").fill("World")
    seen["/admin/products/new (typing)"] = _violations(page)

    page.context.clear_cookies()
    _open_portal(page, subscription)  # its live stream connects under the policy
    page.wait_for_timeout(300)
    seen["/portal"] = _violations(page)
    assert {path: found for path, found in seen.items() if found} == {} and errors == [], (seen, errors)

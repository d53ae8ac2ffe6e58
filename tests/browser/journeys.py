"""Helpers for the browser journeys: stories put on the wire through the newsroom REST API of the
running `site`, a reader's fresh browser, and signing in at /login.

Not a test module: the journeys import from it. Staff tokens come from `newsflow token create`, run
in the site's own environment, exactly as the operator would mint one.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from newsflow.demo import STORIES
from tests.browser.conftest import NEWSFLOW, VIEWPORT, Site
from tests.helpers import jpeg
from tests.test_seed_story import Seed, read_seed, seed_body, seed_fields

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

TOKEN = re.compile(r"\S{20,}")


def unique(text: str) -> str:
    """A headline no other test (or demo story) uses."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def site_env(site: Site) -> dict[str, str]:
    """The environment the site's server runs with, for `newsflow` commands against its database."""
    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")} | {
        "NEWSFLOW_DATA_DIR": str(site.data_dir),
        "NEWSFLOW_DATABASE_URL": f"sqlite:///{site.data_dir / 'newsflow.db'}",
        "NEWSFLOW_BASE_URL": site.url, "COLUMNS": "400"}


@functools.cache
def staff_token(site: Site) -> str:
    """A bearer token for the site's editor, minted once per session."""
    done = subprocess.run([NEWSFLOW, "token", "create", "--email", site.editor_email, "--label", "browser tests"],
                          env=site_env(site), capture_output=True, text=True, check=True, timeout=60)
    found = TOKEN.findall(done.stdout)
    assert found, f"no token in `newsflow token create` output: {done.stdout!r} {done.stderr!r}"
    return found[-1]


def api(site: Site) -> httpx.Client:
    return httpx.Client(base_url=site.url + "/v1/newsroom", timeout=30,
                        headers={"Authorization": f"Bearer {staff_token(site)}"})


def _ok(response: httpx.Response, expected: int) -> dict[str, Any]:
    assert response.status_code == expected, f"{response.request.method} {response.request.url}: " \
                                              f"{response.status_code} {response.text[:500]}"
    return response.json()


def publish_story(site: Site, fields: dict[str, Any], *, update: bool = False) -> str:
    """Create a story with `fields`, publish it (and send an update when asked); its guid."""
    with api(site) as client:
        guid = _ok(client.post("/stories", json=fields), 201)["guid"]
        _ok(client.post(f"/stories/{guid}/publish"), 201)
        if update:
            _ok(client.post(f"/stories/{guid}/update", json={}), 201)
    return guid


# ---- the seed article ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedStory:
    guid: str
    seed: Seed
    body_html: str


@functools.cache
def seed_story(site: Site) -> SeedStory:
    """The seed article on the wire, public, built as tests/test_seed_story.py builds it (once per session)."""
    seed = read_seed()
    with api(site) as client:
        media_ids = []
        for name, caption in (("trucks.jpg", seed.headline), ("border.jpg", seed.spot)):
            media = client.post("/media", files={"file": (name, jpeg(), "image/jpeg")},
                                data={"caption": caption, "credit": "Anadolu Agency"})
            media_ids.append(_ok(media, 201)["id"])
    # update=True: "Update : …", the seed was updated after it was first published
    guid = publish_story(site, {"headline": seed.headline, **seed_fields(seed, media_ids)}, update=True)
    return SeedStory(guid=guid, seed=seed, body_html=seed_body(seed))


# ---- demo content ------------------------------------------------------------------------------------------


def final_headline(story: Any) -> str:
    headline = story.fields["headline"]
    for follow_up in (story.update, story.correction):
        if follow_up and "headline" in follow_up.changes:
            headline = follow_up.changes["headline"]
    return headline


def public_demo_headline(language: str) -> str:
    """The current headline of a demo story in `language` that the public site shows."""
    for story in STORIES:
        f = story.fields
        if f.get("language") == language and f.get("public") and not story.kill and story.embargo_hours is None:
            return final_headline(story)
    raise AssertionError(f"the demo content has no public story in {language!r}")


# ---- browsers ----------------------------------------------------------------------------------------------


@contextmanager
def reader(browser: Browser, site: Site) -> Iterator[Page]:
    """A page in a brand-new browser context: a reader with an empty cache and no cookies."""
    ctx = browser.new_context(base_url=site.url, viewport=VIEWPORT, locale="en-GB")
    ctx.set_default_timeout(10_000)
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def sign_in(page: Page, email: str, password: str, next_path: str = "") -> None:
    page.goto("/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # each role lands on its own face (an admin on /admin, other staff on /desk) or on next_path
    page.wait_for_url(lambda url: "/login" not in url)

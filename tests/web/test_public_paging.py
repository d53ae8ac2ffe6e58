"""The public site reaches the whole archive a page at a time: every public story exactly once, in
order, while stories keep arriving; a cursor it did not make answers 400 naming the problem; each
page is rendered once per change of what the site shows."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.model import Story, StoryVersion, utcnow
from newsflow.public import BadCursor, Cursor, SearchCursor
from newsflow.services import Services
from newsflow.web.public import site as public_site

NEXT = re.compile(r'<a rel="next" href="([^"]+)"')
STORY = re.compile(r'href="/news/([^/"]+)/')


def publish(svc: Services, headline: str, *, category: str = "Harbour", public: bool = True,
            now: datetime | None = None, **fields: Any) -> StoryVersion:
    record = svc.newsroom.create(Story(headline=headline, categories=[category], public=public, **fields))
    return svc.newsroom.publish(record.guid, now=now)


def walk_html(client: TestClient, path: str) -> list[str]:
    """The guids of every story card, following the "older" links to the end."""
    seen: list[str] = []
    while path:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        seen += [unquote(g) for g in STORY.findall(r.text)]
        found = NEXT.search(r.text)
        path = found.group(1).replace("&amp;", "&") if found else ""
    return seen


def test_every_public_story_of_a_few_hundred_is_reached_once_on_every_paged_address(
        client: TestClient, services: Services) -> None:
    start = utcnow() - timedelta(hours=1)
    shown = [publish(services, f"Harbour crane {n}", dossier="Cranes", now=start + timedelta(seconds=n // 3))
             for n in range(260)]  # three to a second: ties on version_created are broken by guid
    hidden = [publish(services, f"Harbour crane for subscribers {n}", public=False, dossier="Cranes")
              for n in range(20)]
    wanted = [v.guid for v in sorted(shown, key=lambda v: (v.version_created, v.guid), reverse=True)]
    for path in ("/category/Harbour", "/dossier/Cranes"):
        assert walk_html(client, path) == wanted, path  # newest first, each once, none hidden
    found = walk_html(client, "/search?q=crane")
    assert sorted(found) == sorted(wanted)  # best match first, so compared as sets; each once
    items: list[str] = []
    address = "/feed.json"
    while address:
        feed = client.get(address.removeprefix(services.settings.base_url)).json()
        items += [i["id"].rsplit("/", 1)[1] for i in feed["items"]]
        address = feed.get("next_url", "")
    assert [unquote(i) for i in items] == wanted
    atom = client.get("/feed.atom").text
    assert 'rel="next"' in atom and "before=" in atom
    assert not {v.guid for v in hidden} & set(found)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(initial=st.lists(st.integers(0, 4), min_size=1, max_size=30),
       steps=st.lists(st.tuples(st.integers(1, 6), st.lists(st.integers(0, 2), max_size=3)), min_size=1, max_size=20))
def test_paging_reaches_each_story_once_while_stories_are_added(
        services: Services, initial: list[int], steps: list[tuple[int, list[int]]]) -> None:
    """`initial`: the seconds (ties welcome) of the stories there before the first page; each step reads
    a page of `size` and then publishes stories at the given seconds past the newest so far (a tie
    with it included). Every story there at the start is read exactly once, none twice."""
    category = f"Run{secrets.token_hex(4)}"
    base = datetime(2026, 1, 1, tzinfo=UTC)
    before = {publish(services, "Pier", category=category, now=base + timedelta(seconds=s)).guid for s in initial}
    newest = base + timedelta(seconds=max(initial))
    read: list[str] = []
    cursor: Cursor | None = None
    for size, arrivals in steps:
        page = services.public.page(limit=size, category=category, before=cursor)
        read += [v.guid for v in page.stories]
        cursor = Cursor.parse(page.older) if page.older else None
        if cursor is None:
            break
        for s in arrivals:
            newest += timedelta(seconds=s)
            publish(services, "Pier later", category=category, now=newest)
    while cursor is not None:  # the rest, in pages of 5
        page = services.public.page(limit=5, category=category, before=cursor)
        read += [v.guid for v in page.stories]
        cursor = Cursor.parse(page.older) if page.older else None
    assert len(read) == len(set(read))
    assert before <= set(read)


@given(moment=st.datetimes(timezones=st.just(UTC)), guid=st.text(min_size=1, max_size=80),
       offset=st.integers(0, 10**9 - 1))
def test_a_cursor_reads_back_as_made(moment: datetime, guid: str, offset: int) -> None:
    assert Cursor.parse(Cursor(moment, guid).token()) == Cursor(moment, guid)
    assert SearchCursor.parse(SearchCursor(moment, offset).token()) == SearchCursor(moment, offset)


@given(st.text(max_size=60))
def test_any_other_text_is_refused_as_a_cursor_and_nothing_else(text: str) -> None:
    for kind in (Cursor, SearchCursor):
        try:
            kind.parse(text)
        except BadCursor as exc:
            assert exc.field == "before" and exc.message
    with pytest.raises(BadCursor, match="before: not a cursor"):
        Cursor.parse("bm90IGEgY3Vyc29y")  # "not a cursor"


@pytest.mark.parametrize("path", ["/category/Harbour", "/dossier/Cranes", "/search?q=crane&", "/feed.atom",
                                  "/feed.rss", "/feed.json"])
def test_a_cursor_the_site_did_not_make_answers_400_naming_it(client: TestClient, services: Services,
                                                              path: str) -> None:
    publish(services, "Harbour crane", dossier="Cranes")
    joiner = "" if path.endswith("&") else "?"
    for junk in ("%%%", "bm90IGEgY3Vyc29y", Cursor(utcnow(), "x").token()[:-3] + "@@@"):
        r = client.get(f"{path}{joiner}before={junk}")
        assert r.status_code == 400, (path, junk)
        assert "before: not a" in r.text and r.headers["content-type"].startswith("text/html")
        assert r.headers["cache-control"] == "no-store"


def test_an_older_page_is_rendered_once_per_change(client: TestClient, services: Services,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(60):
        publish(services, f"Harbour tug {n}")
    older = NEXT.search(client.get("/category/Harbour").text)
    assert older
    path = older.group(1)
    renders: list[str] = []
    real = public_site._listing

    def counted(request: Any, svc: Services, **kw: Any) -> Any:
        renders.append(str(request.url))
        return real(request, svc, **kw)

    monkeypatch.setattr(public_site, "_listing", counted)
    first, second = client.get(path), client.get(path)
    assert first.content == second.content and len(renders) == 1  # the second from memory
    publish(services, "Harbour tug late")
    assert "Harbour tug late" not in client.get(path).text and len(renders) == 2  # rendered again

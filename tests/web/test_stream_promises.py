"""The live streams keep their promises at the edges (issue 9), over real HTTP on a running server and
read by a real SSE client (httpx-sse): revocation ends or narrows open connections within seconds
(item 5), a database error in the fan-out loses no event (item 7), a render error for one story and
format harms no other (item 8), and no text in a story can forge an SSE field (item 9)."""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource, ServerSentEvent
from sqlalchemy.exc import OperationalError

from newsflow.auth import hash_password
from newsflow.formats.registry import render
from newsflow.model import StoryVersion
from newsflow.services import Services
from newsflow.wire import stream as stream_module
from tests.helpers import live_server, publish_story, wait_followed
from tests.web.test_portal import PASSWORD, sign_in

BOUND = 2.5  # seconds: the other channels' bound (KEY_TTL, 2 s), plus a margin for a loaded machine
READ_TIMEOUT = 8.0  # a stream that should have ended and did not fails the test this fast


@dataclass
class Wire:
    svc: Services
    url: str
    company_id: str  # Daily A: the World and Sports products
    key_id: str
    key: str
    world: int
    sports: int
    reader_id: str  # Daily A's portal user
    reader_email: str


@pytest.fixture
def wire(services: Services) -> Iterator[Wire]:
    subs = services.subscribers
    world = subs.create_product("World desk", {"categories": ["World"]})
    sports = subs.create_product("Sports desk", {"categories": ["Sports"]})
    company = subs.create_company("Daily A")
    subs.assign_product(company.id, world.id)
    subs.assign_product(company.id, sports.id)
    key = subs.create_api_key(company.id, label="tests")
    reader = services.store.create_user(email="reader@daily-a.example", name="Reader", role="subscriber",
                                        company_id=company.id, password_hash=hash_password(PASSWORD))
    with live_server(services) as url:
        yield Wire(services, url, company.id, key.key.id, key.secret, world.id, sports.id, reader.id, reader.email)


class Sse:
    """One open SSE response, read on the test's own thread when needed (the socket buffers the rest);
    everything received is parsed by httpx-sse, a client that follows the SSE standard."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.read()
        self.response = response
        self.raw = b""
        self.ended_at: float | None = None
        self._chunks = response.iter_raw()

    def events(self) -> list[ServerSentEvent]:
        """The messages a browser would dispatch (those with data), as parsed from all bytes so far."""
        parsed = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=self.raw)
        return [e for e in EventSource(parsed).iter_sse() if e.data]

    def read_until(self, done: Callable[[Sse], bool], timeout: float = 20.0) -> Sse:
        deadline = time.monotonic() + timeout
        while not done(self):
            assert self.ended_at is None, f"the stream ended early: {self.raw[-300:]!r}"
            assert time.monotonic() < deadline, f"timed out; received {self.raw[-300:]!r}"
            self._next()
        return self

    def until_events(self, count: int, timeout: float = 20.0) -> list[ServerSentEvent]:
        return self.read_until(lambda s: len(s.events()) >= count, timeout).events()

    def until_connected(self) -> Sse:
        return self.read_until(lambda s: b": connected\n" in s.raw)

    def until_closed(self) -> float:
        """Read to the end of the response; when it ended."""
        while self.ended_at is None:
            self._next()
        return self.ended_at

    def _next(self) -> None:
        try:
            self.raw += next(self._chunks)
        except StopIteration:
            self.ended_at = time.monotonic()
        except httpx.ReadTimeout:
            raise AssertionError(f"nothing for {READ_TIMEOUT} s; received {self.raw[-300:]!r}") from None


def _client(wire: Wire) -> httpx.Client:
    return httpx.Client(base_url=wire.url, timeout=httpx.Timeout(10, read=READ_TIMEOUT))


def _key(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}


def _headlines(events: list[ServerSentEvent]) -> list[str]:
    return [json.loads(e.data)["headlines"][0]["value"] for e in events]


def _assert_closed_within_bound(sse: Sse, since: float, reason: str) -> None:
    ended = sse.until_closed()
    assert sse.raw.endswith(f": closed: {reason}\n\n".encode()), sse.raw[-200:]
    assert ended - since < BOUND, f"the stream stayed open {ended - since:.1f} s after access ended"


# ---- item 5: revocation reaches open connections ---------------------------------------------------------


def test_item5_revoked_key_ends_open_stream(wire: Wire) -> None:
    with _client(wire) as http, http.stream("GET", "/v1/stream", headers=_key(wire.key)) as response:
        sse = Sse(response).until_connected()
        publish_story(wire.svc, "Before the revocation", "World")
        assert _headlines(sse.until_events(1)) == ["Before the revocation"]
        wire.svc.subscribers.revoke_api_key(wire.key_id)
        _assert_closed_within_bound(sse, time.monotonic(), "API key revoked")
    publish_story(wire.svc, "After the revocation", "World")
    with _client(wire) as http:
        assert http.get("/v1/stream", headers=_key(wire.key)).status_code == 401


def test_item5_deactivated_company_ends_its_key_and_portal_streams(wire: Wire) -> None:
    with _client(wire) as http, _client(wire) as browser:
        sign_in(browser, wire.reader_email)
        with http.stream("GET", "/v1/stream", headers=_key(wire.key)) as by_key, \
                browser.stream("GET", "/portal/events") as in_portal:
            streams = [Sse(by_key).until_connected(), Sse(in_portal).until_connected()]
            publish_story(wire.svc, "While active", "World")
            for sse in streams:
                assert _headlines(sse.until_events(1)) == ["While active"]
            wire.svc.subscribers.update_company(wire.company_id, active=False)
            since = time.monotonic()
            for sse in streams:
                _assert_closed_within_bound(sse, since, "company deactivated")


def test_item5_unassigned_product_narrows_open_stream(wire: Wire) -> None:
    subs = wire.svc.subscribers
    with _client(wire) as http, http.stream("GET", "/v1/stream", headers=_key(wire.key)) as whole, \
            http.stream("GET", "/v1/stream", params={"products": str(wire.sports)},
                         headers=_key(wire.key)) as sports_only:
        everything, narrowed = Sse(whole).until_connected(), Sse(sports_only).until_connected()
        publish_story(wire.svc, "Derby tonight", "Sports")
        assert _headlines(everything.until_events(1)) == _headlines(narrowed.until_events(1)) == ["Derby tonight"]
        subs.unassign_product(wire.company_id, wire.sports)
        # the stream narrowed to Sports alone has nothing left: it ends; the other narrows in the same tick
        _assert_closed_within_bound(narrowed, time.monotonic(), "no product of this stream is in the "
                                                                "subscription any more")
        publish_story(wire.svc, "Cup final", "Sports")
        publish_story(wire.svc, "Summit opens", "World")
        assert _headlines(everything.until_events(2)) == ["Derby tonight", "Summit opens"]
        # a product switched off takes its share away the same way: here the last one, so it ends
        subs.update_product(wire.world, active=False)
        _assert_closed_within_bound(everything, time.monotonic(), "no product of this stream is in the "
                                                                  "subscription any more")


def test_item5_deactivated_portal_user_ends_portal_events(wire: Wire) -> None:
    with _client(wire) as browser:
        sign_in(browser, wire.reader_email)
        with browser.stream("GET", "/portal/events") as response:
            sse = Sse(response).until_connected()
            publish_story(wire.svc, "For the reader", "World")
            assert _headlines(sse.until_events(1)) == ["For the reader"]
            wire.svc.store.update_user(wire.reader_id, active=False)
            _assert_closed_within_bound(sse, time.monotonic(), "account deactivated")
        assert browser.get("/portal/events").status_code == 401


def test_item5_portal_user_moved_to_another_company_loses_the_old_stream(wire: Wire) -> None:
    other = wire.svc.subscribers.create_company("Daily B")
    with _client(wire) as browser:
        sign_in(browser, wire.reader_email)
        with browser.stream("GET", "/portal/events") as response:
            sse = Sse(response).until_connected()
            wire.svc.store.update_user(wire.reader_id, company_id=other.id)
            _assert_closed_within_bound(sse, time.monotonic(), "account no longer belongs to this company")


# ---- item 7: a database error in the fan-out loses no event -----------------------------------------------


class _Flaky:
    """A stand-in for the Store that fails some calls of the named methods as a dropped connection would."""

    def __init__(self, real: Any, fails: Callable[[int], bool], *names: str) -> None:
        self._real, self._fails, self._names = real, fails, names
        self._calls = itertools.count()
        self.failed = 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._real, name)
        if name not in self._names:
            return found

        def flaky(*args: Any, **kwargs: Any) -> Any:
            if self._fails(next(self._calls)):
                self.failed += 1
                raise OperationalError("SELECT ...", {}, Exception("terminating connection due to administrator"
                                                                   " command"))
            return found(*args, **kwargs)

        return flaky


def test_item7_database_errors_in_fan_out_lose_no_event(wire: Wire, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = wire.svc
    hub_reads = _Flaky(svc.store, lambda n: n % 3 != 2, "get_versions")  # two of every three fail
    log_reads = _Flaky(svc.store, lambda n: n % 4 == 1, "events_after")
    monkeypatch.setattr(svc.hub, "store", hub_reads)
    monkeypatch.setattr(svc.follower, "store", log_reads)
    count = 30
    with _client(wire) as http, http.stream("GET", "/v1/stream", headers=_key(wire.key)) as response:
        sse = Sse(response).until_connected()
        before = svc.store.last_seq()
        for n in range(count):
            publish_story(svc, f"Story {n}", "World")
            time.sleep(0.02)  # many small batches, each a chance to fail
        got = sse.until_events(count, timeout=60)
        time.sleep(0.5)  # anything repeated would arrive now
        got = sse.events()
    written = [e.seq for e in svc.store.events_after(before, 1000)]
    assert len(written) == count and hub_reads.failed > 0 and log_reads.failed > 0
    assert [int(e.id) for e in got] == written  # each event once, in order: no gap, no repeat
    assert _headlines(got) == [f"Story {n}" for n in range(count)]


# ---- item 8: a render error for one story in one group is contained ----------------------------------------


def test_item8_render_error_in_one_group_is_contained(wire: Wire, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    real = stream_module.render

    def breaks_on_poison(version: StoryVersion, fmt: str, *args: Any, **kwargs: Any) -> bytes:
        if fmt == "nitf" and version.headline.startswith("Poison"):
            raise ValueError("All strings must be XML compatible")
        return real(version, fmt, *args, **kwargs)

    monkeypatch.setattr(stream_module, "render", breaks_on_poison)
    svc = wire.svc
    with caplog.at_level(logging.ERROR, logger="newsflow.wire"), _client(wire) as http, \
            http.stream("GET", "/v1/stream", params={"format": "nitf"}, headers=_key(wire.key)) as as_nitf, \
            http.stream("GET", "/v1/stream", params={"format": "ninjs"}, headers=_key(wire.key)) as as_ninjs:
        nitf, ninjs = Sse(as_nitf).until_connected(), Sse(as_ninjs).until_connected()
        poison = publish_story(svc, "Poison pill", "World")
        fine = publish_story(svc, "Fine story", "Sports")
        # the group that could not render it misses only that story; every other group gets both
        assert _headlines(ninjs.until_events(2)) == ["Poison pill", "Fine story"]
        [fine_seq] = [e.seq for e in svc.store.events_for(fine)]
        assert [int(e.id) for e in nitf.until_events(1)] == [fine_seq]
        wait_followed(svc)  # and the follower is not stuck retrying the poison story
        assert svc.follower.handled_seq == svc.store.last_seq()
        # a reconnect from the start skips it the same way instead of failing the catch-up
        with http.stream("GET", "/v1/stream", params={"format": "nitf"},
                         headers=_key(wire.key) | {"Last-Event-ID": "0"}) as again:
            assert [int(e.id) for e in Sse(again).until_events(1)] == [fine_seq]
    assert any(poison in r.getMessage() for r in caplog.records if r.name == "newsflow.wire")


# ---- item 9: SSE framing ------------------------------------------------------------------------------------

HOSTILE = "Calm day\rid: 999\revent: kill\rretry: 1\r\rdata: forged\r\nid: 998"


def test_item9_bare_cr_cannot_forge_sse_fields(wire: Wire) -> None:
    svc = wire.svc
    formats = ("text", "html")
    with _client(wire) as http:
        with http.stream("GET", "/v1/stream", params={"format": "text"}, headers=_key(wire.key)) as as_text, \
                http.stream("GET", "/v1/stream", params={"format": "html"}, headers=_key(wire.key)) as as_html:
            live = [Sse(as_text).until_connected(), Sse(as_html).until_connected()]
            hostile = publish_story(svc, HOSTILE, "World", spot="Spot\rid: 997\revent: kill\r",
                                    body_html="<p>Body\rid: 996\r\revent: kill\r\r</p>")
            after = publish_story(svc, "After it", "World")
            received = [sse.until_events(2) for sse in live]
        # and the same through the catch-up of a reconnect from the start of the log
        for fmt in formats:
            with http.stream("GET", "/v1/stream", params={"format": fmt},
                             headers=_key(wire.key) | {"Last-Event-ID": "0"}) as response:
                received.append(Sse(response).until_events(2))
    seqs = [svc.store.events_for(guid)[0].seq for guid in (hostile, after)]
    version = svc.store.get_version(hostile)
    assert "\r" in version.headline  # the text really reaches the frames with its bare CRs
    for fmt, events in zip(formats * 2, received, strict=True):
        assert [e.id for e in events] == [str(s) for s in seqs], fmt
        assert [e.event for e in events] == ["publish", "publish"], fmt
        assert all(e.retry is None for e in events), fmt
        # the client gets the story's text back, every line break as a newline: nothing was taken as a field
        expected = re.sub(r"\r\n|\r", "\n", render(version, fmt, svc.render_context).decode())
        assert events[0].data == expected, fmt
        assert "After it" in events[1].data

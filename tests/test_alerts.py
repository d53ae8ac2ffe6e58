"""Saved-search alerts: raised as the log advances, only for what the user's company may see, once per
search and story however many nodes raise them; e-mailed through a real SMTP server (aiosmtpd), one
message per user and round, retried while the server is away, never sent twice."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from newsflow.alerts import MAIL_ATTEMPTS, MAIL_RETRY, AlertMailer
from newsflow.auth import hash_password
from newsflow.config import Settings
from newsflow.mail import MailConfigError, SmtpServer
from newsflow.model import utcnow
from newsflow.portal_tables import portal_alerts
from newsflow.services import Services
from newsflow.web.app import create_app
from tests.helpers import publish_story
from tests.web.test_portal import PASSWORD, csrf_of, sign_in

BASE = "https://wire.example"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """An SMTP server's handler: keeps what it accepts, refuses recipients at refused.example."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def links(self) -> list[str]:
        out: list[str] = []
        for msg in self.messages:
            body = msg.get_body(("plain",))
            assert body is not None
            out += re.findall(r"https://wire\.example/portal/stories/\S+", body.get_content())
        return out


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@dataclass
class World:
    svc: Services
    reader: str  # user id: a subscriber of the World product
    reader_email: str
    company_id: str

    def publish(self, headline: str, category: str = "World", **fields: Any) -> str:
        return publish_story(self.svc, headline, category, **fields)

    def raise_new(self, after: int = 0, **kw: Any) -> int:
        return self.svc.alerts.raise_for(self.svc.store.events_after(after, 1000), **kw)

    def alert_rows(self) -> list[Any]:
        with self.svc.store.read() as conn:
            return conn.execute(portal_alerts.select().order_by(portal_alerts.c.id)).all()


def _world(svc: Services, email_address: str = "reader@daily.example") -> World:
    subs = svc.subscribers
    world = subs.create_product("World desk", {"categories": ["World"]})
    company = subs.create_company("Daily")
    subs.assign_product(company.id, world.id)
    user = svc.store.create_user(email=email_address, name="Reader", role="subscriber", company_id=company.id,
                                 password_hash=hash_password(PASSWORD))
    return World(svc, user.id, email_address, company.id)


@pytest.fixture
def world(services: Services) -> World:
    return _world(services)


@pytest.fixture
def mailing(database_url: str, tmp_path: Path, smtp: tuple[Inbox, str]) -> Iterator[tuple[World, Inbox]]:
    inbox, url = smtp
    settings = Settings(data_dir=tmp_path, database_url=database_url, media_dir=tmp_path / "media", demo=False,
                        smtp_url=url, base_url=BASE, mail_from="Wire alerts <alerts@wire.example>")
    svc = Services.open(settings)
    try:
        yield _world(svc), inbox
    finally:
        svc.close()


# ---- raising ------------------------------------------------------------------------------------------


def test_a_story_raises_one_alert_per_matching_search_and_only_within_the_products(world: World) -> None:
    world.publish("Volcano erupted last year")  # before the search: never an alert
    alerts = world.svc.alerts
    volcano = alerts.save_search(world.reader, "Volcanoes", {"q": "volcano"})
    alerts.save_search(world.reader, "Anything in Turkish", {"language": "tr"})
    guid = world.publish("Volcano erupts near the coast", body_html="<p>Lava reached the sea.</p>")
    world.svc.newsroom.update(guid)
    world.publish("Volcano museum opens", "Sports")  # outside the company's products
    world.publish("Markets close higher")  # matches no search
    assert world.raise_new() == 0  # nothing asked for e-mail
    rows = world.alert_rows()
    assert [(r.search_id, r.guid, r.headline, r.mail_state) for r in rows] == [
        (volcano, guid, "Volcano erupts near the coast", "")]
    # Another node (or a replay) raising from the same events adds nothing.
    assert world.raise_new() == 0
    assert len(world.alert_rows()) == 1
    assert alerts.unseen(world.reader) == 1
    alerts.mark_seen(world.reader)
    assert alerts.unseen(world.reader) == 0 and alerts.alerts(world.reader)[0].seen


def test_embargoed_copy_alerts_when_the_embargo_lifts_and_killed_copy_never(world: World) -> None:
    alerts = world.svc.alerts
    alerts.save_search(world.reader, "Budget", {"q": "budget"})
    now = utcnow()
    held = world.publish("Budget figures released", embargo=now + timedelta(hours=1))
    killed = world.publish("Budget draft leaked")
    world.svc.newsroom.kill(killed, "legal")
    seen = world.svc.store.last_seq()
    world.raise_new(now=now)
    assert world.alert_rows() == []  # held for this company, and the other one is withdrawn
    lifted = world.svc.newsroom.lift_embargoes(now=now + timedelta(hours=2))
    assert [e.guid for e in lifted] == [held]
    world.raise_new(after=seen, now=now + timedelta(hours=2))
    assert [r.guid for r in world.alert_rows()] == [held]


def test_a_company_allowed_embargoed_copy_is_alerted_at_publish(world: World) -> None:
    world.svc.subscribers.update_company(world.company_id, may_receive_embargoed=True)
    world.svc.alerts.save_search(world.reader, "Budget", {"q": "budget"})
    guid = world.publish("Budget figures released", embargo=utcnow() + timedelta(hours=1))
    world.raise_new()
    assert [r.guid for r in world.alert_rows()] == [guid]


def test_inactive_users_and_companies_get_no_alerts(world: World) -> None:
    world.svc.alerts.save_search(world.reader, "All", {})
    world.svc.store.update_user(world.reader, active=False)
    world.publish("First story")
    world.raise_new()
    world.svc.store.update_user(world.reader, active=True)
    world.svc.subscribers.update_company(world.company_id, active=False)
    seen = world.svc.store.last_seq()
    world.publish("Second story")
    world.raise_new(after=seen)
    assert world.alert_rows() == []


def test_deleting_a_search_takes_its_alerts_and_only_the_owner_may(world: World) -> None:
    alerts = world.svc.alerts
    search_id = alerts.save_search(world.reader, "All", {})
    world.publish("A story")
    world.raise_new()
    alerts.delete_search("someone-else", search_id)
    assert len(world.alert_rows()) == 1 and alerts.saved_searches(world.reader)
    alerts.delete_search(world.reader, search_id)
    assert world.alert_rows() == [] and alerts.saved_searches(world.reader) == []


def _one_alert_queued_and_a_mailer_whose_server_is_away(world: World) -> AlertMailer:
    world.svc.alerts.save_search(world.reader, "All", {}, email=True)
    world.publish("A story")
    world.raise_new()
    return AlertMailer(world.svc.alerts, SmtpServer.from_url(f"smtp://127.0.0.1:{_free_port()}"),
                       sender="a@wire.example", agency="Wire", base_url=BASE)


# ---- e-mail -------------------------------------------------------------------------------------------


def test_alerts_are_mailed_once_per_user_and_round(mailing: tuple[World, Inbox]) -> None:
    world, inbox = mailing
    alerts, mailer = world.svc.alerts, world.svc.mailer
    assert mailer is not None
    alerts.save_search(world.reader, "Volcanoes", {"q": "volcano"}, email=True)
    alerts.save_search(world.reader, "World copy, portal only", {"category": "World"})
    first = world.publish("Volcano erupts near the coast")
    second = world.publish("Volcano ash closes airport")
    assert world.raise_new() == 2
    assert mailer.send_due() == 2
    assert len(inbox.messages) == 1
    msg = inbox.messages[0]
    assert msg["To"] == world.reader_email and msg["From"] == "Wire alerts <alerts@wire.example>"
    assert msg["Subject"] == "Newsflow Agency: 2 new stories match your saved searches"
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Volcanoes:" in text and "Volcano erupts near the coast" in text and "Volcano ash" in text
    assert sorted(inbox.links()) == sorted(f"{BASE}/portal/stories/{g}" for g in (first, second))
    assert "portal only" not in text  # that search did not ask for e-mail
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Volcano erupts near the coast</a>" in html
    states = sorted((r.search_id is not None, r.mail_state) for r in world.alert_rows())
    assert [s for _, s in states].count("sent") == 2 and [s for _, s in states].count("") == 2
    assert mailer.send_due() == 0 and len(inbox.messages) == 1  # nothing twice


def test_a_headline_cannot_inject_mail_headers(mailing: tuple[World, Inbox]) -> None:
    world, inbox = mailing
    world.svc.alerts.save_search(world.reader, "All", {}, email=True)
    world.publish("Quake hits\r\nBcc: victim@elsewhere.example")
    world.raise_new()
    assert world.svc.mailer is not None and world.svc.mailer.send_due() == 1
    msg = inbox.messages[0]
    assert msg["Bcc"] is None and "\n" not in str(msg["Subject"])


def test_mail_waits_and_retries_while_the_server_is_away(mailing: tuple[World, Inbox]) -> None:
    world, inbox = mailing
    live = world.svc.mailer
    assert live is not None
    away = _one_alert_queued_and_a_mailer_whose_server_is_away(world)
    now = utcnow()
    assert away.send_due(now) == 1
    [row] = world.alert_rows()
    assert row.mail_state == "queued" and row.mail_attempts == 1 and "Connection" in row.mail_error
    assert row.mail_next >= now + MAIL_RETRY - timedelta(seconds=1)
    assert live.send_due(now) == 0  # not due yet
    assert live.send_due(now + MAIL_RETRY + timedelta(seconds=1)) == 1
    assert len(inbox.messages) == 1 and world.alert_rows()[0].mail_state == "sent"


def test_mail_is_given_up_after_the_last_attempt(mailing: tuple[World, Inbox]) -> None:
    world, _ = mailing
    away = _one_alert_queued_and_a_mailer_whose_server_is_away(world)
    when = utcnow()
    for _ in range(MAIL_ATTEMPTS):
        assert away.send_due(when) == 1
        when += timedelta(hours=1)
    [row] = world.alert_rows()
    assert row.mail_state == "failed" and row.mail_attempts == MAIL_ATTEMPTS
    assert away.send_due(when) == 0
    assert world.svc.alerts.unseen(world.reader) == 1  # the in-app alert stays


def test_a_refused_recipient_fails_alone(mailing: tuple[World, Inbox]) -> None:
    world, inbox = mailing
    svc = world.svc
    bad = svc.store.create_user(email="gone@refused.example", name="Gone", role="subscriber",
                                company_id=world.company_id)
    svc.alerts.save_search(world.reader, "All", {}, email=True)
    svc.alerts.save_search(bad.id, "All", {}, email=True)
    world.publish("A story")
    world.raise_new()
    assert svc.mailer is not None and svc.mailer.send_due() == 2
    states = {r.user_id: (r.mail_state, r.mail_error) for r in world.alert_rows()}
    assert states[world.reader] == ("sent", "")
    assert states[bad.id][0] == "failed" and "550" in states[bad.id][1]
    assert [m["To"] for m in inbox.messages] == [world.reader_email]


def test_two_mailers_never_send_an_alert_twice(mailing: tuple[World, Inbox]) -> None:
    world, inbox = mailing
    svc = world.svc
    assert svc.mailer is not None
    readers = [world.reader] + [
        svc.store.create_user(email=f"r{i}@daily.example", name=f"R{i}", role="subscriber",
                              company_id=world.company_id).id for i in range(9)]
    for user_id in readers:
        svc.alerts.save_search(user_id, "All", {}, email=True)
    for i in range(6):
        world.publish(f"Story {i}")
    assert world.raise_new() == 60
    other = AlertMailer(svc.alerts, svc.mailer.server, sender="a@wire.example", agency="Wire", base_url=BASE)
    claimed: list[int] = []
    start = threading.Barrier(2)

    def drain(mailer: AlertMailer) -> None:
        start.wait()
        while n := mailer.send_due():
            claimed.append(n)

    threads = [threading.Thread(target=drain, args=(m,)) for m in (svc.mailer, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(claimed) == 60
    links = inbox.links()
    assert len(links) == 60
    per_user = {m["To"] for m in inbox.messages}
    assert len(per_user) == 10
    assert all(r.mail_state == "sent" for r in world.alert_rows())


def test_publish_to_inbox_through_the_running_app(mailing: tuple[World, Inbox]) -> None:
    """The whole path: a subscriber saves a search in the portal asking for e-mail; an editor
    publishes; the node's follower raises the alert and its mailer sends it."""
    world, inbox = mailing
    with TestClient(create_app(world.svc), base_url=BASE) as client:  # https: the session cookie is Secure
        sign_in(client, world.reader_email)
        token = csrf_of(client.get("/portal/search", params={"q": "eclipse"}).text)
        page = client.post("/portal/searches", data={"csrf_token": token, "q": "eclipse", "name": "Eclipse",
                                                     "email": "on"}).text
        assert "E-mail alerts are off" not in page and "by e-mail too" in page
        guid = world.publish("Total eclipse darkens the capital")
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["Subject"] for m in inbox.messages] == ["Newsflow Agency: Total eclipse darkens the capital"]
        assert inbox.links() == [f"{BASE}/portal/stories/{guid}"]
        deadline = time.monotonic() + 10  # the state is written once the server has answered
        while "e-mailed" not in client.get("/portal/alerts").text:
            assert time.monotonic() < deadline, "the alert was never marked e-mailed"
            time.sleep(0.05)
        # Turning e-mail off for the search: the next match stays in the portal.
        [saved] = world.svc.alerts.saved_searches(world.reader)
        assert saved.language == "en" and saved.email  # the portal's language when it was saved
        search_id = saved.id
        token = csrf_of(client.get("/portal/alerts").text)
        client.post(f"/portal/searches/{search_id}/email", data={"csrf_token": token})
        world.publish("Eclipse seen from the coast")
        deadline = time.monotonic() + 10
        while world.svc.alerts.unseen(world.reader) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # time enough for a mail that should not be sent
        assert len(inbox.messages) == 1
        with world.svc.store.read() as conn:
            states = conn.execute(sa.select(portal_alerts.c.mail_state).order_by(portal_alerts.c.id)).scalars().all()
        assert states == ["sent", ""]


# ---- configuration ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://relay.internal", SmtpServer("relay.internal", 25, tls=False, starttls=False)),
    ("smtp://u%40x:p%3Aw@mail.example:587?starttls", SmtpServer("mail.example", 587, False, True, "u@x", "p:w")),
    ("smtps://u:p@mail.example", SmtpServer("mail.example", 465, True, False, "u", "p")),
])
def test_smtp_urls(url: str, expected: SmtpServer) -> None:
    assert SmtpServer.from_url(url) == expected


@pytest.mark.parametrize(("url", "names"), [
    ("http://mail.example", "scheme"), ("smtp://", "no host"), ("smtp://mail.example:abc", "port")])
def test_bad_smtp_urls_name_the_problem(url: str, names: str) -> None:
    with pytest.raises(MailConfigError, match=names):
        SmtpServer.from_url(url)


def test_the_mail_speaks_the_language_the_search_was_saved_in(mailing: tuple[World, Inbox]) -> None:
    world, inbox = mailing
    world.svc.alerts.save_search(world.reader, "Deprem", {"q": "quake"}, email=True, language="tr")
    world.publish("Quake shakes the coast")
    world.publish("Quake aftershocks continue")
    world.raise_new()
    assert world.svc.mailer is not None and world.svc.mailer.send_due() == 2
    msg = inbox.messages[0]
    assert msg["Subject"] == "Newsflow Agency: Kayıtlı aramalarınıza uyan 2 yeni haber"  # noqa: RUF001
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Newsflow Agency haber akışındaki yeni haberler" in text and "Deprem:" in text  # noqa: RUF001


def test_item7_alerts_retry_a_batch_after_a_database_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database error while raising alerts retries the same batch; it never passes over it."""
    import asyncio

    alerts = world.svc.alerts
    alerts.save_search(world.reader, "Volcanoes", {"q": "volcano"})
    world.publish("Volcano erupts near the coast")
    real, calls = alerts.raise_for, []

    def flaky(events: Any, now: Any = None) -> int:
        calls.append(len(events))
        if len(calls) <= 2:
            raise sa.exc.OperationalError("SELECT …", {}, Exception("server closed the connection"))
        return real(events, now)

    monkeypatch.setattr(alerts, "raise_for", flaky)

    async def follow() -> None:
        runner = asyncio.ensure_future(alerts.run())
        await alerts.on_events(world.svc.store.events_after(0))
        deadline = time.monotonic() + 10
        while alerts.done_seq < world.svc.store.last_seq() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        runner.cancel()

    asyncio.run(follow())
    assert len(calls) == 3  # failed twice, then raised
    assert [row.headline for row in world.alert_rows()] == ["Volcano erupts near the coast"]


def test_item2_an_alert_not_yet_mailed_is_dropped_when_its_story_is_killed(mailing: tuple[World, Inbox]) -> None:
    world, inbox = mailing
    svc = world.svc
    svc.alerts.save_search(world.reader, "All", {}, email=True)
    killed = world.publish("Minister resigns")
    kept = world.publish("Markets steady")
    world.raise_new()  # both alerts queued for e-mail …
    svc.newsroom.kill(killed, "Legal advice")  # … and one story killed before the mail went
    assert svc.mailer is not None and svc.mailer.send_due() == 2
    states = {r.guid: (r.mail_state, r.mail_error) for r in world.alert_rows()}
    assert states[killed] == ("failed", "the story was killed")
    assert states[kept] == ("sent", "")
    assert len(inbox.messages) == 1 and "Minister" not in inbox.messages[0].as_string()

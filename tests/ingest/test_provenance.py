"""Issue 9, item 4: ingest provenance. Every ingest source (a push partner with its own secret, a
watched folder, a polled feed) is named; an ingested story belongs to its source, and a file can only
create or update its own source's stories: never a newsroom story, never another source's, never one
that was killed. What is refused is reported per item with the reason, and the rest still goes in.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from newsflow.ingest import Outcome
from newsflow.ingest.folder import WatchedFolder
from newsflow.ingest.poll import FeedPoller
from newsflow.ingest.push import sign
from newsflow.model import PubStatus, Story, StoryVersion
from newsflow.services import Services
from tests.conftest import shared
from tests.helpers import http_server, publish_story

CORPUS = shared("corpus", "agency")
EFE = CORPUS / "nitf" / "efe.xml"  # one real agency story, doc-id 22751909, no du-key (version 1)
WENN = CORPUS / "atom" / "wenn.xml"  # a real agency feed of two entries (Atom entries are version 1)
WENN_IDS = (b"urn:feed-wenn-com:newsfeedarticle:2:2222:1", b"urn:feed-wenn-com:newsfeedarticle:2:2222:3")
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def efe_as(guid: str, version: int, *, killed: bool = False) -> bytes:
    """The EFE file rewritten to carry `guid` at `version` (a du-key), usable or killed."""
    data = EFE.read_bytes().replace(b'<doc-id id-string="22751909"/>',
                                    f'<doc-id id-string="{guid}"/><du-key key="t" version="{version}"/>'.encode())
    return data.replace(b'management-status="usable"', b'management-status="canceled"') if killed else data


def wenn_as(first: str | None = None, second: str | None = None) -> bytes:
    """The WENN feed with its entries' ids rewritten (None keeps an id)."""
    data = WENN.read_bytes()
    for old, new in zip(WENN_IDS, (first, second), strict=True):
        if new is not None:
            data = data.replace(old, new.encode())
    return data


def newsroom_story(svc: Services, *, published: bool = True) -> str:
    body = "<p>The newsroom's own text.</p>"
    if published:
        return publish_story(svc, "Newsroom exclusive", "World", body_html=body)
    return svc.newsroom.create(Story(headline="Newsroom draft", body_html=body)).guid


def push(client: TestClient, body: bytes, secret: str, source: str | None = None,
         filename: str = "efe.xml") -> tuple[int, dict[str, object]]:
    now = int(time.time())
    headers = {"X-Newsflow-Timestamp": str(now), "X-Newsflow-Signature": sign(secret, now, body),
               "X-Newsflow-Filename": filename} | ({"X-Newsflow-Source": source} if source else {})
    r = client.post("/v1/ingest", content=body, headers=headers)
    return r.status_code, r.json()


@pytest.fixture
def legacy_push(services: Services, monkeypatch: pytest.MonkeyPatch) -> str:
    """NEWSFLOW_INGEST_SECRET set, as deployments had it before sources had names."""
    monkeypatch.setattr(services, "settings", dataclasses.replace(services.settings, ingest_secret="s3cret"))
    return "s3cret"


def _events(svc: Services, guid: str) -> list[str]:
    return [e.kind for e in svc.store.events_for(guid)]


# ---- push ------------------------------------------------------------------------------------------


def test_item4_ingest_cannot_overwrite_newsroom_story(client: TestClient, services: Services,
                                                      legacy_push: str) -> None:
    guid = newsroom_story(services)
    status, answer = push(client, efe_as(guid, 5), legacy_push)
    assert status == 409, answer
    [item] = answer["results"]
    assert item["outcome"] == "refused" and item["guid"] == guid
    assert f"guid {guid} belongs to the newsroom" in item["reason"]
    assert answer["ingest_source"] == "push"
    latest = services.store.get_version(guid)
    assert (latest.version, latest.headline) == (1, "Newsroom exclusive")
    assert "newsroom's own text" in latest.body_html
    assert _events(services, guid) == ["publish"]


def test_item4_push_batch_with_a_refused_item_stores_the_others(client: TestClient, services: Services,
                                                                legacy_push: str) -> None:
    draft = newsroom_story(services, published=False)  # even an unpublished draft is the newsroom's
    status, answer = push(client, wenn_as(second=draft), legacy_push, filename="wenn.xml")
    assert status == 200, answer
    outcomes = {item["guid"]: (item["outcome"], item["reason"]) for item in answer["results"]}
    assert outcomes[draft][0] == "refused" and "belongs to the newsroom" in outcomes[draft][1]
    assert outcomes[WENN_IDS[0].decode()] == ("ingested", "")
    record = services.store.get_story(draft)
    assert record.current_version == 0 and record.draft.headline == "Newsroom draft"
    assert services.store.get_story(WENN_IDS[0].decode()).source == "push"


def test_item4_push_sources_each_sign_with_their_own_secret(client: TestClient, services: Services,
                                                            legacy_push: str) -> None:
    sources = services.ingestor.sources
    _, reuters = sources.add("reuters", "push")
    _, afp = sources.add("afp", "push")
    assert reuters and afp and reuters != afp
    status, answer = push(client, efe_as("wire-1", 1), reuters, "reuters")
    assert status == 200 and answer["results"][0]["outcome"] == "ingested"
    assert services.store.get_story("wire-1").source == "reuters"
    # another partner cannot take it over, whatever version it claims
    status, answer = push(client, efe_as("wire-1", 9), afp, "afp")
    assert status == 409 and "belongs to source 'reuters'" in answer["results"][0]["reason"]
    # nor the legacy secret, which is the source named "push"
    status, answer = push(client, efe_as("wire-1", 9), legacy_push)
    assert status == 409 and "belongs to source 'reuters'" in answer["results"][0]["reason"]
    # a source is who signed: one partner's secret does not open another's name
    assert push(client, efe_as("wire-2", 1), reuters, "afp")[0] == 401
    assert push(client, efe_as("wire-2", 1), reuters, "nobody")[0] == 401
    assert push(client, efe_as("wire-1", 2), reuters, "reuters")[1]["results"][0]["outcome"] == "updated"
    # rotation: the old secret is accepted during the overlap only
    new = sources.rotate("reuters", timedelta(hours=1))
    assert push(client, efe_as("wire-1", 3), reuters, "reuters")[0] == 200
    assert push(client, efe_as("wire-1", 4), new, "reuters")[0] == 200
    newest = sources.rotate("reuters", timedelta(0))
    assert push(client, efe_as("wire-1", 5), new, "reuters")[0] == 401
    assert push(client, efe_as("wire-1", 5), newest, "reuters")[0] == 200
    # a disabled source is refused outright
    sources.set_active("reuters", False)
    status, answer = push(client, efe_as("wire-1", 6), newest, "reuters")
    assert status == 403 and "disabled" in answer["error"]
    assert services.store.get_version("wire-1").version == 5


def test_item4_push_without_the_legacy_secret_needs_a_push_source(client: TestClient, services: Services) -> None:
    body = efe_as("wire-1", 1)
    assert push(client, body, "anything")[0] == 403
    _, secret = services.ingestor.sources.add("partner", "push")
    assert secret is not None
    assert push(client, body, secret)[0] == 401  # no source named "push" without NEWSFLOW_INGEST_SECRET
    assert push(client, body, secret, "partner")[0] == 200


# ---- kills are final ----------------------------------------------------------------------------


def test_item4_ingest_never_follows_a_kill(client: TestClient, services: Services, legacy_push: str,
                                           staff_headers: dict[str, str]) -> None:
    # the newsroom kills a wire story; the wire's later take is refused
    assert push(client, efe_as("wire-k1", 1), legacy_push)[0] == 200
    services.newsroom.kill("wire-k1", "Court order")
    status, answer = push(client, efe_as("wire-k1", 5), legacy_push)
    assert status == 409 and "wire-k1 was killed" in answer["results"][0]["reason"]
    assert client.get("/v1/items/wire-k1", headers=staff_headers).status_code == 410
    # the wire kills its own story; a later usable version does not bring it back
    results = [push(client, efe_as("wire-k2", v, killed=v == 2), legacy_push)[1]["results"][0]["outcome"]
               for v in (1, 2, 3)]
    assert results == ["ingested", "updated", "refused"]
    assert services.store.get_story("wire-k2").pubstatus == PubStatus.canceled
    assert _events(services, "wire-k2") == ["publish", "kill"]
    assert client.get("/v1/items/wire-k2", headers=staff_headers).status_code == 410


# ---- watched folder, files and polling ---------------------------------------------------------------


def test_item4_watched_folder_refuses_stories_it_does_not_own(services: Services, tmp_path: Path) -> None:
    mine = newsroom_story(services)
    services.ingestor.ingest_bytes(efe_as("partner-1", 1), "partner.xml", source="partner")
    folder = WatchedFolder(services.ingestor, tmp_path / "drop")
    assert folder.source == "drop"
    (folder.folder / "takeover.xml").write_bytes(efe_as(mine, 5))
    (folder.folder / "poach.xml").write_bytes(efe_as("partner-1", 2))
    (folder.folder / "own.xml").write_bytes(efe_as("drop-1", 1))
    folder.scan()
    results = {Path(r.source).name: r for r in folder.scan()}
    assert results["takeover.xml"].outcome == Outcome.refused
    assert f"guid {mine} belongs to the newsroom" in results["takeover.xml"].reason
    assert results["poach.xml"].outcome == Outcome.refused
    assert "belongs to source 'partner'" in results["poach.xml"].reason
    assert results["own.xml"].outcome == Outcome.ingested
    assert sorted(p.name for p in folder.refused.iterdir()) == ["poach.xml", "takeover.xml"]
    assert [p.name for p in folder.done.iterdir()] == ["own.xml"]
    assert services.store.get_version(mine).version == 1 and services.store.get_version("partner-1").version == 1
    assert services.store.get_story("drop-1").source == "drop"


def test_item4_polled_feed_is_its_own_source_and_refuses_others(services: Services) -> None:
    draft = newsroom_story(services, published=False)
    services.ingestor.ingest_bytes(efe_as("partner-1", 1), "partner.xml", source="partner")
    with _serving(wenn_as(first=draft, second="partner-1")) as url:
        poller = FeedPoller(services.ingestor, url)
        results = {r.guid: r for r in poller.poll_once()}
    assert results[draft].outcome == Outcome.refused and "belongs to the newsroom" in results[draft].reason
    assert results["partner-1"].outcome == Outcome.refused
    assert "belongs to source 'partner'" in results["partner-1"].reason
    assert services.store.get_story(draft).current_version == 0
    with _serving(wenn_as()) as url:
        poller = FeedPoller(services.ingestor, url)
        assert {r.outcome for r in poller.poll_once()} == {Outcome.ingested}
    source = services.store.get_story(WENN_IDS[0].decode()).source
    assert source == poller.source and source.endswith("/feed.atom") and source.startswith("127.0.0.1:")
    assert services.ingestor.sources.get(source).kind == "feed"


@contextmanager
def _serving(feed: bytes) -> Iterator[str]:
    """A feed on a real HTTP server; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.end_headers()
            self.wfile.write(feed)

        def log_message(self, *args: object) -> None:
            pass

    with http_server(Handler) as url:
        yield f"{url}/feed.atom"


def test_item4_cli_sources_and_refusals_per_file(services: Services, database_url: str, tmp_path: Path) -> None:
    mine = newsroom_story(services)
    env = {"NEWSFLOW_DATA_DIR": str(tmp_path / "var"), "NEWSFLOW_DATABASE_URL": database_url,
           "NEWSFLOW_DEMO": "0", "PATH": "/usr/bin:/bin", "COLUMNS": "200"}

    def newsflow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([NEWSFLOW, *args], env=env, capture_output=True, text=True, timeout=120)

    added = newsflow("source", "add", "reuters", "--kind", "push")
    assert added.returncode == 0 and "nfsrc_" in added.stdout, added.stderr
    assert newsflow("source", "add", "reuters", "--kind", "push").returncode == 1
    assert "kind" in newsflow("source", "add", "x", "--kind", "carrier-pigeon").stderr
    rotated = newsflow("source", "rotate", "reuters")
    assert rotated.returncode == 0 and "nfsrc_" in rotated.stdout
    wires = tmp_path / "wires"
    wires.mkdir()
    (wires / "takeover.xml").write_bytes(efe_as(mine, 5))
    (wires / "own.xml").write_bytes(efe_as("wires-1", 1))
    done = newsflow("ingest", str(wires))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "refused" in done.stdout and f"{mine} belongs to the newsroom" in done.stdout
    assert "wires-1 v1" in done.stdout and "source wires" in done.stdout
    assert services.store.get_story("wires-1").source == "wires"
    # --source names the source: the same file as another source is refused
    again = newsflow("ingest", "--source", "elsewhere", str(wires / "own.xml"))
    assert again.returncode == 1 and "belongs to source 'wires'" in again.stdout
    listed = newsflow("source", "list")
    for name in ("reuters", "wires", "elsewhere"):
        assert name in listed.stdout
    assert services.store.get_version(mine).version == 1


def test_item4_migration_gives_earlier_wire_stories_a_legacy_source(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from newsflow.model import utcnow
    from newsflow.store import Store
    from newsflow.store.engine import MIGRATIONS
    from newsflow.store.tables import Json, UTCDateTime, stories

    store = Store(database_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0013")
        # the stories table as it was at 0013, without the source column
        before = sa.table("stories", sa.column("guid"), sa.column("draft", Json), sa.column("current_version"),
                          sa.column("created", UTCDateTime), sa.column("modified", UTCDateTime),
                          sa.column("created_by"))
        now = utcnow()
        conn.execute(before.insert(), [
            {"guid": "wire-old", "draft": {}, "current_version": 0, "created": now, "modified": now,
             "created_by": "ingest"},
            {"guid": "desk-old", "draft": {}, "current_version": 0, "created": now, "modified": now,
             "created_by": "u1"}])
    store.migrate()
    try:
        with store.read() as conn:
            owners = dict(conn.execute(sa.select(stories.c.guid, stories.c.source)).all())
        assert owners == {"wire-old": "legacy-ingest", "desk-old": None}
        from newsflow.ingest.sources import Sources

        assert Sources(store).get("legacy-ingest").active
        [(_, reason)] = store.ingest_versions([_version("wire-old", 2)], source="feed")
        assert reason == "refused: guid wire-old belongs to source 'legacy-ingest', not to source 'feed'"
    finally:
        store.close()


def _version(guid: str, version: int) -> StoryVersion:
    from newsflow.model import utcnow

    now = utcnow()
    return StoryVersion(headline="Wire copy", guid=guid, version=version, first_published=now, version_created=now)

"""Ingest channels: files and folders, the watched folder, the signed HTTP push, feed polling."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsflow.formats import ninjs
from newsflow.ingest import Outcome
from newsflow.ingest.folder import WatchedFolder
from newsflow.ingest.poll import FeedPoller
from newsflow.ingest.push import sign
from newsflow.ingest.service import expand
from newsflow.services import Services
from tests.conftest import shared
from tests.formats.conftest import full_version
from tests.helpers import http_server

CORPUS = shared("corpus", "agency")
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


def _ninjs(guid: str, version: int, headline: str) -> bytes:
    from newsflow.formats.base import RenderContext

    v = full_version(guid=guid, version=version, headline=headline, photos=[], related=[])
    return ninjs.render2(v, RenderContext())


def test_every_corpus_file_ingests_and_a_second_pass_skips_them_all(services: Services) -> None:
    files = list(expand([CORPUS]))
    assert len(files) >= 25
    first = [r for path in files for r in services.ingestor.ingest_path(path)]
    failed = [r.reason for r in first if r.outcome == Outcome.failed]
    assert failed == []
    stored = [r for r in first if r.outcome in (Outcome.ingested, Outcome.updated)]
    assert len({r.guid for r in stored}) >= 25
    assert services.store.last_seq() == len(stored)
    again = [r for path in files for r in services.ingestor.ingest_path(path)]
    assert {r.outcome for r in again} == {Outcome.skipped}
    assert services.store.last_seq() == len(stored)  # re-ingest wrote nothing


def test_a_newer_version_becomes_an_update_and_older_is_skipped(services: Services) -> None:
    ing = services.ingestor
    assert ing.ingest_bytes(_ninjs("wire-1", 2, "First take"), "a.json")[0].outcome == Outcome.ingested
    assert ing.ingest_bytes(_ninjs("wire-1", 3, "Second take"), "b.json")[0].outcome == Outcome.updated
    old = ing.ingest_bytes(_ninjs("wire-1", 1, "Stale take"), "c.json")[0]
    assert old.outcome == Outcome.skipped and "already held" in old.reason
    assert services.store.get_version("wire-1").headline == "Second take"
    assert [e.kind for e in services.store.events_after(0)] == ["publish", "update"]


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("broken.xml", b"<?xml version='1.0'?>\n<newsItem>\n<itemMeta></newsItem>", "broken.xml:3"),
    ("bomb.xml", b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
                 b"<nitf>&lol2;</nitf>", "entity"),
    ("truncated.json", b'{"uri": "x", "headline": "cut', "truncated.json:1"),
    ("latin1.xml", "<?xml version='1.0' encoding='utf-8'?><nitf><head><title>Caf\u00e9</title>"
                   "</head></nitf>".encode("latin-1"), "latin1.xml"),
    ("empty.json", b"", "empty.json"),
    ("plain.txt.xml", b"just some words", "neither JSON nor XML"),
])
def test_bad_files_fail_with_file_and_reason_and_write_nothing(services: Services, name: str, data: bytes,
                                                               expected: str) -> None:
    [result] = services.ingestor.ingest_bytes(data, name)
    assert result.outcome == Outcome.failed
    assert expected in result.reason
    assert services.store.last_seq() == 0 and services.store.count_stories() == 0


def test_cli_ingests_a_folder_reports_and_exits_nonzero_on_failure(tmp_path: Path) -> None:
    wires = tmp_path / "wires"
    shutil.copytree(CORPUS / "nitf", wires)
    (wires / "broken.xml").write_bytes(b"<nitf><head>")
    env = {"NEWSFLOW_DATA_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin", "COLUMNS": "200"}
    done = subprocess.run([NEWSFLOW, "ingest", str(wires)], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "broken.xml" in done.stdout and "failed" in done.stdout
    assert "ingested" in done.stdout
    again = subprocess.run([NEWSFLOW, "ingest", str(wires / "ap.xml")], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and "skipped" in again.stdout and "already held" in again.stdout
    missing = subprocess.run([NEWSFLOW, "ingest", str(tmp_path / "nope")], env=env, capture_output=True,
                             text=True)
    assert missing.returncode == 1 and "nope" in missing.stderr


def test_watched_folder_takes_settled_files_and_sorts_them(services: Services, tmp_path: Path) -> None:
    folder = WatchedFolder(services.ingestor, tmp_path / "in")
    shutil.copy(CORPUS / "nitf" / "efe.xml", folder.folder / "efe.xml")
    (folder.folder / "bad.xml").write_bytes(b"<nitf")
    assert folder.scan() == []  # first look: sizes not yet known to be stable
    results = folder.scan()
    assert sorted(r.outcome for r in results) == [Outcome.failed, Outcome.ingested]
    assert (folder.done / "efe.xml").exists() and (folder.failed / "bad.xml").exists()
    assert list(folder.folder.glob("*.xml")) == []


def test_signed_push(client: TestClient, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (CORPUS / "nitf" / "efe.xml").read_bytes()
    off = client.post("/v1/ingest", content=body)
    assert off.status_code == 403 and "NEWSFLOW_INGEST_SECRET" in off.json()["error"]
    monkeypatch.setattr(services, "settings", services.settings.__class__(
        data_dir=services.settings.data_dir, database_url=services.settings.database_url,
        media_dir=services.settings.media_dir, ingest_secret="s3cret", demo=False))
    now = int(time.time())
    headers = {"X-Newsflow-Timestamp": str(now), "X-Newsflow-Signature": sign("s3cret", now, body),
               "X-Newsflow-Filename": "efe.xml"}
    assert client.post("/v1/ingest", content=body + b" ", headers=headers).status_code == 401
    wrong = headers | {"X-Newsflow-Signature": sign("other", now, body)}
    assert client.post("/v1/ingest", content=body, headers=wrong).json()["error"] == \
        "signature does not match the body"
    stale = {"X-Newsflow-Timestamp": str(now - 900), "X-Newsflow-Signature": sign("s3cret", now - 900, body)}
    assert "clock" in client.post("/v1/ingest", content=body, headers=stale).json()["error"]
    ok = client.post("/v1/ingest", content=body, headers=headers)
    assert ok.status_code == 200 and ok.json()["results"][0]["outcome"] == "ingested"
    bad = b"<nitf><head>"
    bad_headers = {"X-Newsflow-Timestamp": str(now), "X-Newsflow-Signature": sign("s3cret", now, bad)}
    r = client.post("/v1/ingest", content=bad, headers=bad_headers)
    assert r.status_code == 422 and "push" in r.json()["error"]


def test_feed_polling_uses_conditional_gets(services: Services) -> None:
    feed = (CORPUS / "atom" / "wenn.xml").read_bytes()
    seen: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers.get("If-None-Match"))
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Type", "application/atom+xml")
            self.end_headers()
            self.wfile.write(feed)

        def log_message(self, *args: object) -> None:
            pass

    with http_server(Handler) as url:
        poller = FeedPoller(services.ingestor, f"{url}/feed.atom")
        first = poller.poll_once()
        assert first and {r.outcome for r in first} == {Outcome.ingested}
        assert poller.poll_once() == []  # 304: nothing fetched, nothing written
        assert seen == [None, '"v1"']
    with pytest.raises(ValueError, match="http"):
        FeedPoller(services.ingestor, "file:///etc/passwd")


def test_unreachable_feed_is_a_failure_not_a_crash(services: Services) -> None:
    [result] = FeedPoller(services.ingestor, "http://127.0.0.1:9/feed", timeout=2).poll_once()
    assert result.outcome == Outcome.failed and "127.0.0.1:9" in result.reason


def test_json_feed_documents_are_not_json_lines(services: Services) -> None:
    data = json.dumps([1, 2, 3]).encode()
    [result] = services.ingestor.ingest_bytes(data, "numbers.json")
    assert result.outcome == Outcome.failed and "numbers.json" in result.reason

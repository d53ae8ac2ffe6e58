"""Relative media of a file read from disk go into the media library, from the file's own folder only
(ingest.media.FolderMedia); nothing is left behind by an item that is not stored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from newsflow.ingest import Outcome
from newsflow.ingest.folder import WatchedFolder
from newsflow.ingest.media import FolderMedia
from newsflow.services import Services
from tests.helpers import jpeg


def _nitf(guid: str, *sources: str, headline: str = "Storm floods the harbour") -> bytes:
    media = "".join(f'<media media-type="image"><media-reference source="{s}" mime-type="image/jpeg"/>'
                    f"<media-caption>Water on the quay.</media-caption></media>" for s in sources)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<nitf xmlns="http://iptc.org/std/NITF/2006-10-18/"><head><docdata>
  <doc-id regsrc="EXW" id-string="{guid}"/><date.issue norm="20260301T100000Z"/>
</docdata></head><body><body.head><hedline><hl1>{headline}</hl1></hedline></body.head>
<body.content><p>The quay was under water by noon.</p>{media}</body.content></body></nitf>""".encode()


def _media_dirs(svc: Services) -> set[str]:
    root = svc.media.root
    return {p.name for p in root.iterdir()} if root.exists() else set()


def _wire(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_a_relative_picture_beside_the_file_is_stored_in_the_media_library(services: Services,
                                                                           tmp_path: Path) -> None:
    wire = tmp_path / "wire"
    _wire(wire / "photos", "quay.jpg", jpeg(1600, 1000))
    path = _wire(wire, "storm.xml", _nitf("exw-1", "photos/quay.jpg"))
    results = services.ingestor.ingest_path(path)
    assert [(r.outcome, r.notes) for r in results] == [(Outcome.ingested, ())]
    photo = services.store.get_version("exw-1").photos[0]
    assert photo.media_id and not photo.href
    record = services.media.lookup(photo.media_id)
    assert record is not None and {"original", "preview", "thumbnail"} <= set(record["renditions"])
    with Image.open(services.media.path(photo.media_id, "original")[0]) as image:
        assert image.size == (1600, 1000)
    # re-ingest: the item is already held, so the picture read again is not kept twice
    before = _media_dirs(services)
    assert services.ingestor.ingest_path(path)[0].outcome == Outcome.skipped
    assert _media_dirs(services) == before


def test_the_cli_stores_the_picture_and_says_what_it_left_out(tmp_path: Path) -> None:
    wire = tmp_path / "wire"
    _wire(wire, "quay.jpg", jpeg())
    _wire(wire, "storm.xml", _nitf("exw-cli", "quay.jpg", "gone.jpg"))
    env = {"NEWSFLOW_DATA_DIR": str(tmp_path / "var"), "NEWSFLOW_DEMO": "0", "PATH": "/usr/bin:/bin",
           "COLUMNS": "200"}
    done = subprocess.run([str(Path(sys.executable).with_name("newsflow")), "ingest", str(wire)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "exw-cli v1" in done.stdout and "'gone.jpg' left out: no such file" in done.stdout
    assert len(list((tmp_path / "var" / "media").iterdir())) == 1  # quay.jpg, stored once


def test_a_missing_or_escaping_reference_is_left_out_and_said(services: Services, tmp_path: Path) -> None:
    outside = _wire(tmp_path / "elsewhere", "secret.jpg", jpeg())
    wire = tmp_path / "wire"
    wire.mkdir()
    (wire / "link.jpg").symlink_to(outside)
    refs = ("missing.jpg", "../elsewhere/secret.jpg", str(outside), "link.jpg", "file:///etc/passwd")
    path = _wire(wire, "storm.xml", _nitf("exw-2", *refs))
    [result] = services.ingestor.ingest_path(path)
    assert result.outcome == Outcome.ingested
    assert services.store.get_version("exw-2").photos == []
    said = "\n".join(result.notes)
    for ref in refs:
        assert repr(ref) in said
    assert "no such file" in said and "leads out of the file's folder" in said
    assert _media_dirs(services) == set()


def test_a_file_over_the_upload_limit_is_not_read(services: Services, tmp_path: Path) -> None:
    wire = tmp_path / "wire"
    big = _wire(wire, "big.jpg", jpeg())
    os.truncate(big, services.media.upload_cap + 1)
    [result] = services.ingestor.ingest_path(_wire(wire, "storm.xml", _nitf("exw-3", "big.jpg")))
    assert result.outcome == Outcome.ingested and "the limit is" in result.notes[0]
    assert _media_dirs(services) == set()


def test_a_pushed_file_reads_nothing_from_disk(services: Services, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _wire(tmp_path, "quay.jpg", jpeg())
    monkeypatch.chdir(tmp_path)  # even with the picture in the working directory
    [result] = services.ingestor.ingest_bytes(_nitf("exw-4", "quay.jpg"), "push")
    assert result.outcome == Outcome.ingested
    assert services.store.get_version("exw-4").photos == [] and _media_dirs(services) == set()


def test_an_item_that_is_not_stored_leaves_no_media(services: Services, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    wire = tmp_path / "wire"
    _wire(wire, "quay.jpg", jpeg())
    # refused: the story belongs to another source, not to this folder's
    refused_path = _wire(wire, "first.xml", _nitf("exw-5", "quay.jpg"))
    assert services.ingestor.ingest_path(refused_path, source="other")[0].outcome == Outcome.ingested
    again = _wire(wire, "again.xml", _nitf("exw-5", "quay.jpg", headline="A later take"))
    kept = _media_dirs(services)
    assert services.ingestor.ingest_path(again)[0].outcome == Outcome.refused
    assert _media_dirs(services) == kept
    # the store fails mid-way: the picture just added goes again
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.store, "ingest_versions", broken)
    with pytest.raises(RuntimeError):
        services.ingestor.ingest_path(_wire(wire, "third.xml", _nitf("exw-6", "quay.jpg")))
    assert _media_dirs(services) == kept
    assert services.store.media_held(_media_dirs(services) | {"x"}) == kept


SEGMENT = st.sampled_from(["..", ".", "photos", "a.jpg", "", "~", "link", "C:", "%2e%2e"])


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(SEGMENT, min_size=1, max_size=5), st.sampled_from(["/", "\\"]), st.booleans())
def test_no_reference_reads_a_file_outside_the_folder(tmp_path: Path, parts: list[str], sep: str,
                                                       leading: bool) -> None:
    root = tmp_path / "case"
    (root / "wire" / "photos").mkdir(parents=True, exist_ok=True)
    (root / "a.jpg").write_bytes(b"outside")  # one level up: must never be read
    if not (root / "wire" / "link").exists():
        (root / "wire" / "link").symlink_to(root)
    read: list[bytes] = []

    class Library:
        upload_cap = 1000

        def add(self, data: BinaryIO, *, filename: str) -> dict[str, str]:
            read.append(data.read())
            return {"id": "m1"}

    ref = (sep if leading else "") + sep.join(parts)
    FolderMedia(Library(), root / "wire", "t.xml")(ref)  # type: ignore[arg-type]
    assert read == []  # nothing inside matches a.jpg; whatever resolves outside is refused


def test_the_watched_folder_stores_the_picture_dropped_beside_the_wire(services: Services, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    watch = WatchedFolder(services.ingestor, inbox)
    _wire(inbox / "photos", "quay.jpg", jpeg())
    _wire(inbox, "storm.xml", _nitf("exw-watch", "photos/quay.jpg"))
    assert watch.scan() == []  # not settled yet
    [result] = watch.scan()
    assert result.outcome == Outcome.ingested and (inbox / "done" / "storm.xml").exists()
    media_id = services.store.get_version("exw-watch").photos[0].media_id
    assert media_id and services.media.lookup(media_id) is not None

"""A node's data dir, media library and SQLite database are for its own account only (issue 10: the
SQLite file and the data dir were world-readable)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.config import Settings
from newsflow.private import private_dir
from newsflow.services import Services
from tests.helpers import jpeg


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """The umask most machines start services with: without the rule, everything is 0755/0644."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _open(data_dir: Path) -> Services:
    return Services.open(Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'newsflow.db'}",
                                  media_dir=data_dir / "media", demo=False))


def test_a_new_node_makes_its_files_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "deep" / "var"
    svc = _open(data_dir)
    try:
        svc.media.add(jpeg(), filename="quay.jpg")
        user = svc.store.create_user(email="ed@example.org", name="Ed", role="editor")
        assert user.id
        database = data_dir / "newsflow.db"
        files = [database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
        for folder in (data_dir, data_dir / "media", tmp_path / "deep"):
            assert mode(folder) == 0o700, folder
    finally:
        svc.close()


def test_an_existing_loose_data_dir_is_closed_at_start(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    (data_dir / "newsflow.db").touch(mode=0o644)
    os.chmod(data_dir / "newsflow.db", 0o644)
    (data_dir / "media").mkdir(mode=0o777)
    os.chmod(data_dir / "media", 0o777)
    with caplog.at_level(logging.WARNING, "newsflow"):
        svc = _open(data_dir)
    svc.close()
    assert (mode(data_dir), mode(data_dir / "media"), mode(data_dir / "newsflow.db")) == (0o700, 0o700, 0o600)
    assert sum("could be read by other accounts" in r.getMessage() for r in caplog.records) == 3


def test_a_shared_folder_is_not_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: other accounts' files live there too
    with caplog.at_level(logging.WARNING, "newsflow"):
        private_dir(shared)
    assert mode(shared) == 0o1777
    assert "leaves it as it is" in caplog.text

"""`newsflow export` and `newsflow import` run as an operator runs them: real processes, real files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from newsflow.config import Settings
from newsflow.services import Services
from newsflow.store.engine import create_engine
from tests.helpers import jpeg, publish_story
from tests.test_cli import NEWSFLOW, _env


def _run(tmp_path: Path, data: str, *args: str) -> subprocess.CompletedProcess[str]:
    # wide, so that rich does not fold a message the assertions look for
    return subprocess.run([NEWSFLOW, *args], env=_env(tmp_path, NEWSFLOW_DATA_DIR=str(tmp_path / data),
                                                      COLUMNS="200"),
                          capture_output=True, text=True, timeout=120)


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def test_export_and_import_through_the_command(tmp_path: Path) -> None:
    source = tmp_path / "source"
    svc = Services.open(Settings(data_dir=source, demo=False))
    photo = svc.media.add(jpeg(), filename="p.jpg")
    publish_story(svc, "Backed up", "World", photos=[{"media_id": photo["id"]}])
    last_seq = svc.store.last_seq()
    kept = (source / "media" / photo["id"] / "original.jpg").read_bytes()  # as stored: signed (C2PA)
    svc.close()

    shown = _run(tmp_path, "source", "export", str(tmp_path / "a.zip"), "--progress")
    assert shown.returncode == 0, shown.stderr
    assert "Exporting" in shown.stderr and "━" in shown.stderr  # the bar
    assert "Exported" in shown.stdout and "3 media files" in shown.stdout

    restored = _run(tmp_path, "target", "import", str(tmp_path / "a.zip"))
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout and restored.stderr == ""  # not a terminal: no bar
    copy = Services.open(Settings(data_dir=tmp_path / "target", demo=False))
    assert copy.store.last_seq() == last_seq and copy.store.get_version(copy.store.events_after(0)[0].guid)
    assert (tmp_path / "target" / "media" / photo["id"] / "original.jpg").read_bytes() == kept
    copy.close()

    again = _run(tmp_path, "target", "import", str(tmp_path / "a.zip"))
    assert again.returncode == 1 and "not empty" in again.stderr and "Traceback" not in again.stderr


def test_import_of_a_damaged_or_missing_file_says_so_and_writes_nothing(tmp_path: Path) -> None:
    Services.open(Settings(data_dir=tmp_path / "source", demo=False)).close()
    assert _run(tmp_path, "source", "export", str(tmp_path / "a.zip")).returncode == 0
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes((tmp_path / "a.zip").read_bytes()[:-300])  # cut short, as a failed copy is

    for path in (damaged, tmp_path / "absent.zip"):
        result = _run(tmp_path, "target", "import", str(path))
        assert result.returncode == 1
        assert str(path) in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert _tables(f"sqlite:///{tmp_path / 'target' / 'newsflow.db'}") == []
    assert not (tmp_path / "target" / "media").exists()

"""A node's files are for the account it runs as only.

The data dir holds the SQLite database (password hashes, key hashes, webhook secrets, every embargoed
story), the media library, the session key and the usage journal. New folders are made 0700 and the
SQLite file 0600 before SQLite first opens it (its -wal and -shm files take the database file's mode).
A data dir or database left open to others by an older release or a loose umask is closed at start,
and the log says so; a folder that is not the node's own to change (another owner, a sticky /tmp) is
left alone with a warning.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("newsflow")

OTHERS = stat.S_IRWXG | stat.S_IRWXO


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner can enter, made if missing (with its missing parents)."""
    path = path.expanduser()
    if not path.exists():
        for parent in reversed([path, *path.parents]):
            if not parent.exists():
                parent.mkdir(mode=0o700)
    _close(path, 0o700)
    return path


def private_file(path: Path) -> Path:
    """`path` as a file only its owner can read, made empty if missing."""
    path = path.expanduser()
    if not path.parent.exists():
        private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _close(path, 0o600)
    return path


def _close(path: Path, mode: int) -> None:
    info = path.stat()
    if not info.st_mode & OTHERS:
        return
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX:
        log.warning("%s can be read by other accounts; Newsflow leaves it as it is (not its own folder): "
                    "keep secrets out of it or set NEWSFLOW_DATA_DIR", path)
        return
    os.chmod(path, mode)
    log.warning("%s could be read by other accounts (mode %o); now %o", path, stat.S_IMODE(info.st_mode), mode)

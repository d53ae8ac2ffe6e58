"""Which node this process is, kept across restarts: a slot in the data dir, locked while the process lives.

A serving process takes the first free slot `<data dir>/nodes/<n>/` (an exclusive `flock` on its `lock`
file, which the kernel lets go when the process ends, even by SIGKILL) and with it the slot's node id,
made once and kept in its `id` file. So a node restarted on the same data dir is the same node: it finds
its own usage journal to replay and its own webhook claims to hand back. Several processes on one data
dir take different slots; a slot whose lock is free belongs to a process that is gone, and the next
node to start tidies up after it (`idle_slots`).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # services builds on everything, this module included
    from newsflow.services import Services

log = logging.getLogger("newsflow")


@dataclass
class NodeSlot:
    index: int
    id: str  # stable for the slot: webhook claims carry it (lease owner "<id>:…")
    dir: Path  # the slot's own files (its usage journal)
    _lock: int  # the open, locked `lock` file

    @classmethod
    def take(cls, data_dir: Path) -> NodeSlot:
        """The first slot no running process holds (a new one when all are taken)."""
        index = 0
        while True:
            slot = cls._try(data_dir / "nodes" / str(index), index)
            if slot is not None:
                return slot
            index += 1

    @classmethod
    def _try(cls, folder: Path, index: int) -> NodeSlot | None:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(index, _slot_id(folder), folder, fd)

    def release(self) -> None:
        if self._lock >= 0:
            os.close(self._lock)  # closing the file lets go of the lock
            self._lock = -1


def _slot_id(folder: Path) -> str:
    path = folder / "id"
    with contextlib.suppress(FileNotFoundError):
        found = path.read_text().strip()
        if found:
            return found
    # written aside and renamed, so a crash never leaves an empty id behind (the slot's lock is held)
    made = secrets.token_hex(6)
    aside = folder / "id.new"
    aside.write_text(made + "\n")
    aside.replace(path)
    return made


def idle_slots(data_dir: Path, mine: NodeSlot) -> Iterator[NodeSlot]:
    """The other slots of `data_dir` whose process is gone, each locked while the caller tidies it."""
    root = data_dir / "nodes"
    if not root.is_dir():
        return
    for folder in sorted(root.iterdir()):
        if not folder.name.isdigit() or int(folder.name) == mine.index or not (folder / "id").exists():
            continue
        slot = NodeSlot._try(folder, int(folder.name))
        if slot is None:
            continue  # a running node's
        try:
            yield slot
        finally:
            slot.release()


def start_node(services: Services) -> NodeSlot:
    """Take this process's slot and pick up after crashes: count what the slot's node (and any other
    stopped node of this data dir) served but had not written, and hand back their webhook claims so the
    endpoints need not wait out the lease. From now on every use is journalled before it is served."""
    slot = NodeSlot.take(services.settings.data_dir)
    try:
        for idle in idle_slots(services.settings.data_dir, slot):
            services.usage.replay_journal(idle.dir, idle.id)
            services.webhooks.release_node(idle.id)
        services.usage.open_journal(slot.dir, slot.id)
        services.webhooks.release_node(slot.id)
    except BaseException:
        slot.release()
        raise
    services.dispatcher.node_id = slot.id  # its claims carry the slot's id, which the next start knows
    services.archive.node = slot.id  # … and so do its archive runs
    return slot


def stop_node(services: Services, slot: NodeSlot) -> None:
    """Write the usage counts and let go of the slot; what cannot be written stays in the journal."""
    try:
        services.usage.flush()
    except Exception:
        log.exception("writing the usage log on the way out failed; the journal keeps it for the next start")
    finally:
        services.usage.close_journal()
        slot.release()

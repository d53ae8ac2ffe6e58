"""The usage journal: what a node has served, on disk before the answer leaves, until the usage log has it.

The usage log counts in memory and writes every few seconds (`UsageLog.flush`); the journal is what
makes that safe. Each use is one JSON line appended (`os.write` on an O_APPEND file, no fsync: a killed
process loses nothing the kernel has, and a lost machine is not what this guards against) to the
current segment `usage-<n>.jsonl` in the node's slot folder. A flush seals the segment (later uses go to
the next) and, in the transaction that writes the counts, records "segments up to n are in" for the
node (`usage_journal`); then it deletes them. At start the node replays every segment after that mark:
so each use is counted exactly once, whether the process ended by SIGKILL before, during or after a
flush.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("newsflow.wire")
_SEGMENT = re.compile(r"usage-(\d{12})\.jsonl")
Line = tuple[str, str, str, str, tuple[tuple[str, int], ...]]  # company, actor, channel, format, served


class UsageJournal:
    def __init__(self, folder: Path, node: str, first: int) -> None:
        """Journal into segments numbered from `first` on (after every number used before: marks
        only move forward)."""
        self.folder = folder
        self.node = node
        self.segment = first
        self._fd = self._open(self.segment)
        self._encoded: dict[int, tuple[object, bytes]] = {}  # id(served) -> (served, its JSON)
        self._heads: dict[tuple[str, str, str, str], bytes] = {}  # (company, actor, channel, format) -> JSON

    def _open(self, segment: int) -> int:
        return os.open(self.folder / f"usage-{segment:012d}.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def append(self, company_id: str, actor: str, channel: str, fmt: str,
               served: tuple[tuple[str, int], ...]) -> None:
        """One use; the caller holds the usage log's lock, so lines and segments never interleave."""
        # The pull API hands the same `served` tuple with every answer from a kept page: encode it once.
        kept = self._encoded.get(id(served))
        if kept is None or kept[0] is not served:
            if len(self._encoded) > 4096:
                self._encoded.clear()
            kept = self._encoded[id(served)] = (served, json.dumps(served, separators=(",", ":")).encode())
        who = (company_id, actor, channel, fmt)
        head = self._heads.get(who)
        if head is None:
            if len(self._heads) > 4096:
                self._heads.clear()
            head = self._heads[who] = json.dumps(who, separators=(",", ":")).encode()[:-1] + b","
        os.write(self._fd, head + kept[1] + b"]\n")

    def seal(self) -> int:
        """Start the next segment; returns the number of the one sealed. Under the usage log's lock."""
        sealed = self.segment
        self.segment += 1
        fd, self._fd = self._fd, self._open(self.segment)
        os.close(fd)
        return sealed

    def remove_through(self, segment: int) -> None:
        """Segments up to `segment` are in the usage table: delete them."""
        for n, path in segments(self.folder):
            if n <= segment and n != self.segment:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def segments(folder: Path) -> list[tuple[int, Path]]:
    """(number, path) of each journal segment in `folder`, oldest first."""
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _SEGMENT.fullmatch(p.name))]
    return sorted(found)


def read_segments(paths: list[Path]) -> Iterator[Line]:
    """The uses in `paths`. A line cut short by a crash in the middle of a write is skipped, and said."""
    for path in paths:
        with path.open("rb") as f:
            for number, raw in enumerate(f, 1):
                try:
                    company, actor, channel, fmt, served = json.loads(raw)
                    yield company, actor, channel, fmt, tuple((str(g), int(v)) for g, v in served)
                except (ValueError, TypeError):
                    log.warning("usage journal %s line %d is unreadable (cut short by a crash?); skipped",
                                path, number)

"""A watched folder: wire files dropped in are ingested, then moved to `done/` or `failed/`.

A file is taken only once its size has stopped changing between two looks, so a file still being
copied in is never read half-way.
"""

from __future__ import annotations

from pathlib import Path

from newsflow.ingest.service import SUFFIXES, Ingestor, Outcome, Result


class WatchedFolder:
    def __init__(self, ingestor: Ingestor, folder: Path) -> None:
        self.ingestor = ingestor
        self.folder = folder
        self.done = folder / "done"
        self.failed = folder / "failed"
        for path in (folder, self.done, self.failed):
            path.mkdir(parents=True, exist_ok=True)
        self._sizes: dict[Path, int] = {}

    def scan(self) -> list[Result]:
        """Ingest every file that has settled since the last scan."""
        results: list[Result] = []
        seen: dict[Path, int] = {}
        for path in sorted(self.folder.iterdir()):
            if not path.is_file() or path.suffix.lower() not in SUFFIXES:
                continue
            size = path.stat().st_size
            seen[path] = size
            if self._sizes.get(path) != size:
                continue  # new or still growing: look again next time
            outcome = self.ingestor.ingest_path(path)
            results.extend(outcome)
            bad = any(r.outcome == Outcome.failed for r in outcome)
            path.replace((self.failed if bad else self.done) / path.name)
            seen.pop(path)
        self._sizes = seen
        return results

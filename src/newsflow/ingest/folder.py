"""A watched folder: wire files dropped in are ingested, then moved to `done/`, `refused/` (an item
was a story the folder's source may not touch) or `failed/` (it could not be read).

The folder is an ingest source of its own, named after it unless given a name.

A file is taken only once its size has stopped changing between two looks, so a file still being
copied in is never read half-way.
"""

from __future__ import annotations

import logging
from pathlib import Path

from newsflow.ingest.service import SUFFIXES, Ingestor, Outcome, Result
from newsflow.ingest.sources import SourceKind, folder_source

log = logging.getLogger("newsflow.ingest")


class WatchedFolder:
    def __init__(self, ingestor: Ingestor, folder: Path, *, source: str | None = None) -> None:
        self.ingestor = ingestor
        self.folder = folder
        self.done = folder / "done"
        self.refused = folder / "refused"
        self.failed = folder / "failed"
        for path in (folder, self.done, self.refused, self.failed):
            path.mkdir(parents=True, exist_ok=True)
        self.source = ingestor.sources.ensure(source or folder_source(folder), SourceKind.folder).name
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
            try:
                outcome = self.ingestor.ingest_path(path, source=self.source)
            except Exception as exc:  # e.g. a store error: this file goes to failed/, the watch goes on
                log.exception("%s: ingest failed", path)
                outcome = [Result(str(path), Outcome.failed, reason=f"{path}: {exc}")]
            results.extend(outcome)
            path.replace(self._destination(outcome) / path.name)
            seen.pop(path)
        self._sizes = seen
        return results

    def _destination(self, outcome: list[Result]) -> Path:
        kinds = {r.outcome for r in outcome}
        return self.failed if Outcome.failed in kinds else self.refused if Outcome.refused in kinds else self.done

"""Parse any supported file and store its stories: one home for the rules every ingest channel shares.

Every file comes from a named ingest source (newsflow.ingest.sources) and can only create or update
that source's stories. Re-ingesting the same guid and version is a no-op; a newer version becomes an
update. A story of the newsroom or of another source, or one that was killed, is refused with the
reason. A file that cannot be parsed is reported as failed with its reason (file and line) and
writes nothing; the other files of a batch still go in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from newsflow.formats.base import FormatError
from newsflow.ingest import screen
from newsflow.ingest.sources import SourceKind, Sources, folder_source
from newsflow.model import Event, StoryVersion
from newsflow.ops.metrics import UNWIRED, Metrics
from newsflow.store import Store
from newsflow.store.store import LOCAL_SOURCE

SUFFIXES = {".xml", ".json", ".nitf", ".atom", ".rss", ".g2"}
MAX_FILE_BYTES = 20 * 2**20
BATCH = 500  # items written per transaction


class Outcome(StrEnum):
    ingested = "ingested"
    updated = "updated"
    skipped = "skipped"
    refused = "refused"  # a story of the newsroom or another source, a killed one, a disabled source
    failed = "failed"


@dataclass(frozen=True)
class Result:
    source: str  # the file or URL the item came in (its ingest source's name is the caller's)
    outcome: Outcome
    guid: str | None = None
    version: int | None = None
    headline: str | None = None
    reason: str = ""


class Ingestor:
    def __init__(self, store: Store, announce: Callable[[Event], None] | None = None, *,
                 metrics: Metrics = UNWIRED) -> None:
        self.store = store
        self.announce = announce
        self.sources = Sources(store)
        self.metrics = metrics

    def ingest_bytes(self, data: bytes, label: str, *, source: str = LOCAL_SOURCE) -> list[Result]:
        """Store the stories of one file (`label` names it in reasons) as ingest source `source`."""
        return self._counted(source, self._ingest_bytes(data, label, source))

    def _counted(self, source: str, results: list[Result]) -> list[Result]:
        """Count each item's outcome under its source's kind (push, folder, feed; `local` for the CLI's)."""
        found = self.sources.find(source)
        self.metrics.ingested(found.kind.value if found is not None else "local", (r.outcome.value for r in results))
        return results

    def _ingest_bytes(self, data: bytes, label: str, source: str) -> list[Result]:
        disabled = self.sources.refusal(source)
        if disabled:
            return [Result(label, Outcome.refused, reason=f"{label}: {disabled}")]
        try:
            items = screen.read(data, label)  # never raises but FormatError, whatever the file holds
        except FormatError as exc:
            return [Result(label, Outcome.failed, reason=str(exc))]
        if not items:
            return [Result(label, Outcome.skipped, reason=f"{label}: holds no story")]
        return self.store_versions(items, label, source=source)

    def store_versions(self, items: list[StoryVersion], label: str, *,
                       source: str = LOCAL_SOURCE) -> list[Result]:
        results: list[Result] = []
        for start in range(0, len(items), BATCH):
            for item, outcome in self.store.ingest_versions(items[start:start + BATCH], source=source):
                results.append(self._result(label, item, outcome))
        return results

    def _result(self, source: str, item: StoryVersion, outcome: Event | str) -> Result:
        common = {"guid": item.guid, "version": item.version, "headline": item.headline}
        if isinstance(outcome, Event):
            if self.announce:
                self.announce(outcome)
            kind = Outcome.ingested if outcome.kind == "publish" else Outcome.updated
            return Result(source, kind, **common)
        status, _, reason = outcome.partition(": ")
        return Result(source, Outcome(status), reason=reason, **common)

    def ingest_path(self, path: Path, *, source: str | None = None) -> list[Result]:
        """Ingest one file as `source`; by default the source named after the file's folder."""
        if source is None:
            source = self.sources.ensure(folder_source(path), SourceKind.folder).name
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                return self._counted(source, [Result(str(path), Outcome.failed,
                                     reason=f"{path}: {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")])
            data = path.read_bytes()
        except OSError as exc:
            return self._counted(source, [Result(str(path), Outcome.failed, reason=f"{path}: {exc.strerror or exc}")])
        return self.ingest_bytes(data, str(path), source=source)


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and the wire files inside folders named (recursively, sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            yield path

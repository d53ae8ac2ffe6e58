"""Parse any supported file and store its stories: one home for the rules every ingest channel shares.

Every file comes from a named ingest source (newsflow.ingest.sources) and can only create or update
that source's stories. Re-ingesting the same guid and version is a no-op; a newer version becomes an
update. A story of the newsroom or of another source, or one that was killed, is refused with the
reason. A file that cannot be parsed is reported as failed with its reason (file and line) and
writes nothing; the other files of a batch still go in.

Between parsing and storing, every item is brought to one form whatever channel it came by: its
agency guid (ingest.identity: one story per agency item across formats; ingest.aliases: the same for
an item sent without an id, by the guid it was sent under or its fingerprint), labels for bare codes
(ingest.vocabulary), and media ids only this database holds (ingest.media). A file read from disk also
has its relative media files added to the media library (ingest.media.FolderMedia).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from newsflow.formats.base import FormatError, local_media
from newsflow.ingest import aliases, identity, screen, vocabulary
from newsflow.ingest.media import FolderMedia, foreign_as_remote, media_ids
from newsflow.ingest.sources import SourceKind, Sources, folder_source
from newsflow.model import Event, ItemKind, StoryVersion
from newsflow.newsroom import MediaLibrary
from newsflow.ops.metrics import UNWIRED, Metrics
from newsflow.store import Store
from newsflow.store.aliases import Alias
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
    notes: tuple[str, ...] = ()  # what of a stored item was left out (a media file that could not be read)


class Ingestor:
    def __init__(self, store: Store, announce: Callable[[Event], None] | None = None, *,
                 metrics: Metrics = UNWIRED, media: MediaLibrary | None = None,
                 subject_codes: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.announce = announce
        self.sources = Sources(store)
        self.metrics = metrics
        self.media = media  # None: relative media files are not read
        self.subject_codes = subject_codes if subject_codes is not None else vocabulary.load(None)

    def ingest_bytes(self, data: bytes, label: str, *, source: str = LOCAL_SOURCE,
                     folder: Path | None = None) -> list[Result]:
        """Store the stories of one file (`label` names it in reasons) as ingest source `source`;
        `folder` is where a file read from disk lies (its relative media are read from there)."""
        return self._counted(source, self._ingest_bytes(data, label, source, folder))

    def _counted(self, source: str, results: list[Result]) -> list[Result]:
        """Count each item's outcome under its source's kind (push, folder, feed; `local` for the CLI's)."""
        found = self.sources.find(source)
        self.metrics.ingested(found.kind.value if found is not None else "local", (r.outcome.value for r in results))
        return results

    def _ingest_bytes(self, data: bytes, label: str, source: str, folder: Path | None) -> list[Result]:
        disabled = self.sources.refusal(source)
        if disabled:
            return [Result(label, Outcome.refused, reason=f"{label}: {disabled}")]
        files = FolderMedia(self.media, folder, label) if folder is not None and self.media else None
        stored: list[tuple[StoryVersion, Result]] = []
        try:
            try:
                with local_media(files) if files else nullcontext():
                    items = screen.read(data, label)  # never raises but FormatError, whatever the file holds
            except FormatError as exc:
                return [Result(label, Outcome.failed, reason=str(exc))]
            if not items:
                return [Result(label, Outcome.skipped, reason=f"{label}: holds no story")]
            stored = self._store(items, label, source, files.notes if files else ())
            return [result for _, result in stored]
        finally:
            if files:  # media of items not stored go again (all of them when storing raised)
                files.keep_only({m for item, r in stored if r.outcome in (Outcome.ingested, Outcome.updated)
                                 for m in media_ids(item)})

    def prepare(self, items: list[StoryVersion], source: str = LOCAL_SOURCE,
                ) -> tuple[list[StoryVersion], dict[str, list[str]], dict[str, list[Alias]]]:
        """One file's items as `source` stores them (see the module's doc), per guid what was left out,
        and per guid the aliases to record with its story."""
        # members before the packages that group them: a subscriber told of a package can fetch its parts
        items = sorted((identity.normalise(item) for item in self.label(items)),
                       key=lambda item: item.kind == ItemKind.package)
        items, named = aliases.resolve(self.store, source, items)
        held = self.store.media_held(m for item in items for m in media_ids(item))
        notes: dict[str, list[str]] = {}
        out = []
        for item in items:
            item, dropped = foreign_as_remote(item, held)
            notes.setdefault(item.guid, []).extend(dropped)
            out.append(item)
        return out, notes, named

    def label(self, items: list[StoryVersion]) -> list[StoryVersion]:
        return vocabulary.labelled(items, self.subject_codes)

    def store_versions(self, items: list[StoryVersion], label: str, *,
                       source: str = LOCAL_SOURCE) -> list[Result]:
        return [result for _, result in self._store(items, label, source)]

    def _store(self, items: list[StoryVersion], label: str, source: str,
               notes: Iterable[str] = ()) -> list[tuple[StoryVersion, Result]]:
        items, dropped, named = self.prepare(items, source)
        notes = tuple(notes)
        out: list[tuple[StoryVersion, Result]] = []
        for start in range(0, len(items), BATCH):
            for item, outcome in self.store.ingest_versions(items[start:start + BATCH], source=source, aliases=named):
                out.append((item, self._result(label, item, outcome, (*notes, *dropped.get(item.guid, ())))))
        return out

    def _result(self, source: str, item: StoryVersion, outcome: Event | str, notes: tuple[str, ...] = ()) -> Result:
        common = {"guid": item.guid, "version": item.version, "headline": item.headline, "notes": notes}
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
        return self.ingest_bytes(data, str(path), source=source, folder=path.parent)


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and the wire files inside folders named (recursively, sorted)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            yield path

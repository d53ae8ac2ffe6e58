"""How many stored subjects and places are named by nothing but their code, after ingesting a corpus
into a fresh database — with the labelling step of ingest (newsflow.ingest.vocabulary) and without it.

    .venv/bin/python bench/code_labels.py [../shared/corpus/agency]
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsflow.ingest import Ingestor, vocabulary
from newsflow.ingest.service import expand
from newsflow.model import StoryVersion
from newsflow.store import Store


def bare_codes(corpus: Path, codes: Mapping[str, str], *, labelling: bool) -> tuple[int, int]:
    """(bare, all) subjects and places of the stories stored from `corpus` in a fresh database."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/labels.db")
        store.migrate()
        ingestor = Ingestor(store, subject_codes=codes)
        if not labelling:
            ingestor.label = lambda items: list(items)  # type: ignore[method-assign]
        for path in expand([corpus]):
            ingestor.ingest_path(path)
        guids = [r.guid for r in store.list_stories(limit=100_000)]
        stored: list[StoryVersion] = list(store.latest_versions(guids).values())
        store.close()
    concepts = [c for v in stored for c in (*v.subjects, *v.places)]
    return sum(vocabulary.is_bare(c) for c in concepts), len(concepts)


def main() -> None:
    corpus = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / ".." / "shared"
                  / "corpus" / "agency")
    codes = vocabulary.load(None)
    for name, labelling in (("without labels", False), ("with labels", True)):
        bare, total = bare_codes(corpus, codes, labelling=labelling)
        print(f"{name:15} {bare} of {total} stored subjects and places are a bare code")


if __name__ == "__main__":
    main()

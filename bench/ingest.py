"""Ingest throughput: NewsML-G2 items parsed and stored per second on one core, embedded store.

Baseline in the same run: the floor for the same bytes — lxml parsing each file and SQLite storing
the raw bytes, one transaction per batch — so the ratio shows what the model, validation and the
log cost on top of parse + write.

    .venv/bin/python bench/ingest.py [--items 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree

from bench.report import median, write_section
from newsflow.formats import newsmlg2
from newsflow.formats.base import RenderContext
from newsflow.formats.detect import parse
from newsflow.ingest import Ingestor
from newsflow.model import Concept, Contributor, StoryVersion
from newsflow.store import Store

BATCH = 500
TARGET = 5000  # items/s (issue 12; 2,000 before)


def make_files(count: int) -> list[bytes]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    body = "".join(f"<p>Paragraph {n} of a wire story about harbour traffic and winter storms.</p>"
                   for n in range(8))
    ctx = RenderContext()
    return [newsmlg2.render_item(StoryVersion(
        guid=f"bench-{i:06d}", version=1, headline=f"Harbour traffic resumes, take {i}",
        spot="Ferries sail again after three days of storms", body_html=body, categories=["Europe"],
        contributors=[Contributor(name="Ana Costa", place="Porto")], dateline="PORTO, Portugal",
        subjects=[Concept(name="transport", code="subj:04015000")], keywords=["ferry"], urgency=4,
        first_published=base + timedelta(seconds=i), version_created=base + timedelta(seconds=i)), ctx)
        for i in range(count)]


def run_newsflow(files: list[bytes]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db")
        store.migrate()
        ingestor = Ingestor(store)
        started = time.perf_counter()
        pending = []
        for n, data in enumerate(files):
            pending.extend(parse(data, f"item-{n}.xml"))
            if len(pending) >= BATCH:
                ingestor.store_versions(pending, "bench")
                pending = []
        ingestor.store_versions(pending, "bench")
        elapsed = time.perf_counter() - started
        assert store.last_seq() == len(files)
        store.close()
    return len(files) / elapsed


def run_floor(files: list[bytes]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(f"{tmp}/floor.db", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, guid TEXT UNIQUE, body BLOB)")
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        started = time.perf_counter()
        for start in range(0, len(files), BATCH):
            rows = []
            for data in files[start:start + BATCH]:
                root = etree.fromstring(data, parser)
                rows.append((root.get("guid"), data))
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO items (guid, body) VALUES (?, ?)", rows)
            db.execute("COMMIT")
        elapsed = time.perf_counter() - started
        db.close()
    return len(files) / elapsed


def _list(values: list[float]) -> str:
    return ", ".join(f"{x:,.0f}" for x in values)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    files = make_files(args.items)
    ours, floor = [], []
    for _ in range(args.rounds):
        floor.append(run_floor(files))
        ours.append(run_newsflow(files))
    mean_size = sum(map(len, files)) / len(files)
    write_section("Ingest: NewsML-G2 items per second (one core, SQLite)", f"""
{args.items} NewsML-G2 newsItems of {mean_size / 1024:.1f} KB each, {args.rounds} rounds, process pinned to one core.

| what | items/s (median) | rounds |
|---|---|---|
| Newsflow: detect + parse + model + store version, story and log event, {BATCH} per transaction \
| **{median(ours):,.0f}** | {_list(ours)} |
| floor: lxml parse + raw SQLite insert of the same bytes | {median(floor):,.0f} | {_list(floor)} |

Newsflow reaches {median(ours) / median(floor):.2f} of the floor. Target: ≥ {TARGET:,} items/s.
""")


if __name__ == "__main__":
    main()

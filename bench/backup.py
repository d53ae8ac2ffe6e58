"""Backup and restore timing: the demo content plus `--stories` generated stories, exported from
SQLite, imported into a fresh PostgreSQL schema, exported from there and imported into a fresh
SQLite file — each step the `newsflow` command as an operator runs it, timed, with the archive's
size and the command's peak RSS (streaming: it should not grow with the archive).

    .venv/bin/python bench/backup.py [--stories 20000] [--database-url postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from feed import database

from newsflow.config import Settings
from newsflow.model import Story
from newsflow.services import Services, bootstrap

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
CATEGORIES = ("World", "Economy", "Sports", "Politics", "Culture")


def fill(root: Path, stories: int) -> tuple[int, float]:
    svc = Services.open(Settings(data_dir=root, demo=True))
    started = time.monotonic()
    bootstrap(svc)
    company = svc.subscribers.create_company("Bench")
    svc.subscribers.assign_product(company.id, svc.subscribers.create_product("All", {}).id)
    body = "<p>" + " ".join(["Lorem ipsum dolor sit amet, consectetur adipiscing elit."] * 30) + "</p>"
    for n in range(stories):
        guid = svc.newsroom.create(Story.model_validate({
            "headline": f"Generated story {n}", "spot": f"Spot of story {n}.", "body_html": body,
            "categories": [CATEGORIES[n % len(CATEGORIES)]]})).guid
        svc.newsroom.publish(guid)
    events = svc.store.last_seq()
    svc.close()
    return events, time.monotonic() - started


def step(label: str, root: Path, url: str | None, *args: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")} | {"NEWSFLOW_DATA_DIR": str(root)}
    if url:
        env["NEWSFLOW_DATABASE_URL"] = url
    started = time.monotonic()
    subprocess.run([NEWSFLOW, *args], env=env, check=True, capture_output=True)
    took = time.monotonic() - started
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{label:32} {took:6.1f} s   (peak RSS of the commands so far {rss:.0f} MB)", flush=True)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        events, took = fill(tmp / "source", args.stories)
        print(f"demo + {args.stories:,} stories: {events:,} events ({took:.0f} s to publish)", flush=True)
        step("export from SQLite", tmp / "source", None, "export", str(tmp / "a.zip"))
        print(f"archive: {(tmp / 'a.zip').stat().st_size / 2**20:.1f} MB", flush=True)
        with database(args.database_url, tmp) as pg:
            step("import into PostgreSQL", tmp / "pg", pg, "import", str(tmp / "a.zip"))
            step("export from PostgreSQL", tmp / "pg", pg, "export", str(tmp / "b.zip"))
        step("import into SQLite", tmp / "copy", None, "import", str(tmp / "b.zip"))


if __name__ == "__main__":
    main()

"""Write a benchmark's results into its own section of docs/benchmarks.md (other sections kept)."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Each section is written by the benchmark named in it; rerun the command to refresh it. The machine
is shared and noisy (2 cores), so figures are medians of several rounds, and each is set against a
baseline measured in the same run.
"""


def median(values: list[float]) -> float:
    return statistics.median(values)


def commit() -> str:
    """The commit measured: BENCH_COMMIT when the code measured is an export of another commit (on
    PYTHONPATH), else the checkout's HEAD (which may also hold uncommitted work)."""
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    done = subprocess.run(["git", "-C", str(DOC.parents[1]), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def write_section(name: str, body: str, *, doc: Path = DOC, header: str = HEADER) -> None:
    text = doc.read_text() if doc.exists() else header
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python " + " ".join([f"bench/{Path(sys.argv[0]).name}", *sys.argv[1:]])
    section = (f"## {name}\n\n<!-- {name}: start -->\n"
               f"Command: `{command}`  \nRun: {stamp}, commit {commit()}, Python {platform.python_version()}, "
               f"{platform.machine()}\n\n{body.strip()}\n<!-- {name}: end -->\n")
    pattern = re.compile(rf"## {re.escape(name)}\n\n<!-- {re.escape(name)}: start -->.*?<!-- "
                         rf"{re.escape(name)}: end -->\n", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    doc.write_text(text)
    print(section)

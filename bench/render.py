"""Render throughput per format: cold (rendering) and cached (bytes from the render cache).

    .venv/bin/python bench/render.py [--items 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import median, write_section
from newsflow.demo.stories import STORIES
from newsflow.formats.base import RenderContext
from newsflow.formats.registry import OUTPUTS, RenderCache, render
from newsflow.model import Story, StoryVersion, utcnow


def versions(count: int) -> list[StoryVersion]:
    now = utcnow()
    out = []
    for i in range(count):
        demo = STORIES[i % len(STORIES)]
        out.append(StoryVersion(**dict(Story(**demo.fields)), guid=f"bench-{i}", version=1,
                                first_published=now, version_created=now))
    return out


def rate(items: list[StoryVersion], fmt: str, ctx: RenderContext, cache: RenderCache | None) -> float:
    started = time.perf_counter()
    for v in items:
        render(v, fmt, ctx, cache)
    return len(items) / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    items = versions(args.items)
    ctx = RenderContext()
    rows = []
    for fmt in OUTPUTS:
        cold = [rate(items, fmt, ctx, None) for _ in range(args.rounds)]
        cache = RenderCache()
        rate(items, fmt, ctx, cache)  # fill
        hot = [rate(items, fmt, ctx, cache) for _ in range(args.rounds)]
        rows.append(f"| {fmt} | {median(cold):,.0f} | {median(hot):,.0f} | {median(hot) / median(cold):,.0f}x |")
    table = "\n".join(rows)
    write_section("Render: items per second per format", f"""
{args.items} versions built from the demo stories, {args.rounds} rounds; cold = rendered each time,
cached = the same bytes from the (guid, version, format) cache. Target: cached ≥ 50x cold.

| format | cold items/s | cached items/s | cached / cold |
|---|---|---|---|
{table}
""")


if __name__ == "__main__":
    main()

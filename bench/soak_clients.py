"""The soak's subscribers (a separate process): held SSE streams and feed pollers, each keeping a
digest of what it received, bounded in memory however long the soak runs.

    python bench/soak_clients.py --port P --plan plan.json

`plan.json`: {"streams": [[key, company], …], "pollers": [[key, company], …]}. Prints "ready" once
every stream is open, then runs until "stop" on stdin; pollers then read their feed to its end, and
one JSON line reports every digest and the latency histogram.

A digest holds, per stream or poller, the count of events and the sum and sum of squares of their
seqs, and counts any seq that is not above the previous one (a repeat or a reordering): with equal
counts, sums and squares against the set a company is entitled to, and no such count, it received
exactly that set, each once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
import uvloop

STAMP = re.compile(rb"t=(\d+\.\d+)")
ID = re.compile(rb"^id: (\d+)$", re.M)
HISTOGRAM_MS = 120_000  # latencies above two minutes land in the last bucket
OPEN_AT_ONCE = 100  # connects in flight: a real fleet does not open 2,000 streams in one instant


@dataclass
class Digest:
    company: str
    count: int = 0
    total: int = 0
    squares: int = 0
    out_of_order: int = 0  # a seq not above the previous one: a repeat or a reordering
    last: int = 0
    ends: int = 0  # the server ended the stream (the client resumed with Last-Event-ID)
    errors: list[str] = field(default_factory=list)

    def add(self, seq: int) -> None:
        if seq <= self.last:
            self.out_of_order += 1
        self.last = max(self.last, seq)
        self.count += 1
        self.total += seq
        self.squares += seq * seq

    def error(self, what: str) -> None:
        if len(self.errors) < 5:  # bounded: the first few say what went wrong
            self.errors.append(what)


class Latency:
    def __init__(self) -> None:
        self.buckets = [0] * (HISTOGRAM_MS + 1)

    def add(self, ms: float) -> None:
        self.buckets[min(HISTOGRAM_MS, max(0, int(ms)))] += 1


async def stream(port: int, key: str, digest: Digest, latency: Latency, gate: asyncio.Semaphore,
                 opened: list[int], total: int, ready: asyncio.Event, stop: asyncio.Event) -> None:
    resume = b""
    while not stop.is_set():
        try:
            async with gate:
                reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**22)
                writer.write(b"GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                             b"Accept: text/event-stream\r\n%s\r\n" % (key.encode(), resume))
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
            status = head.split(b" ", 2)[1]
            if status != b"200":
                digest.error(f"stream answered {status.decode()}: {head[:200]!r}")
                writer.close()
                await asyncio.sleep(1)
                continue
            if not resume:
                opened[0] += 1
                if opened[0] == total:
                    ready.set()
            buf = b""
            while not stop.is_set():
                chunk = await reader.read(1 << 16)
                if not chunk:
                    break
                buf += chunk
                now = time.time()
                *frames, buf = buf.split(b"\n\n")
                for frame in frames:
                    found = ID.search(frame)
                    if found is None:
                        continue  # a comment: heartbeat, "connected", a farewell
                    digest.add(int(found.group(1)))
                    stamp = STAMP.search(frame)
                    if stamp:
                        latency.add((now - float(stamp.group(1))) * 1000)
            writer.close()
            if not stop.is_set():
                digest.ends += 1
                resume = b"Last-Event-ID: %d\r\n" % digest.last
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as exc:
            digest.error(f"stream: {type(exc).__name__}: {exc}")
            digest.ends += 1
            resume = b"Last-Event-ID: %d\r\n" % digest.last if digest.last else b""
            await asyncio.sleep(1)


async def poll(http: httpx.AsyncClient, key: str, digest: Digest, after: int, stop: asyncio.Event,
               every: float) -> None:
    """Follow the company's feed from `after`; once told to stop, read on until a page comes back
    short (the end of the log)."""
    cursor = after
    while True:
        stopping = stop.is_set()
        try:
            resp = await http.get("/v1/feed", params={"after": cursor, "limit": 100},
                                  headers={"Authorization": f"Bearer {key}"})
            if resp.status_code != 200:
                digest.error(f"feed answered {resp.status_code}: {resp.text[:200]}")
            else:
                page = resp.json()
                for item in page["items"]:
                    digest.add(item["seq"])
                cursor = page["cursor"]
                if stopping and page["count"] < 100:
                    return
                if page["count"] == 100:
                    continue  # behind: read on at once
        except httpx.HTTPError as exc:
            digest.error(f"feed: {type(exc).__name__}: {exc}")
        if not stopping:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), every)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--after", type=int, default=0, help="pollers start after this seq")
    ap.add_argument("--poll-every", type=float, default=1.0)
    args = ap.parse_args()
    with open(args.plan) as f:
        plan = json.load(f)
    ready, stop = asyncio.Event(), asyncio.Event()
    gate = asyncio.Semaphore(OPEN_AT_ONCE)
    latency = Latency()
    opened = [0]
    streams = [Digest(company) for _, company in plan["streams"]]
    pollers = [Digest(company) for _, company in plan["pollers"]]
    tasks = [asyncio.create_task(stream(args.port, key, d, latency, gate, opened, len(streams), ready, stop))
             for (key, _), d in zip(plan["streams"], streams, strict=True)]
    try:
        await asyncio.wait_for(ready.wait(), 300)
    except TimeoutError:
        print(json.dumps({"error": f"only {opened[0]} of {len(streams)} streams opened",
                          "first_errors": [e for d in streams for e in d.errors][:5]}), flush=True)
        return
    print("ready", flush=True)
    limits = httpx.Limits(max_connections=len(pollers) + 1)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}", timeout=30, limits=limits) as http:
        polling = [asyncio.create_task(poll(http, key, d, args.after, stop, args.poll_every))
                   for (key, _), d in zip(plan["pollers"], pollers, strict=True)]
        loop = asyncio.get_running_loop()
        while (line := await loop.run_in_executor(None, sys.stdin.readline)) and line.strip() != "stop":
            if line.strip() == "status":  # progress, once a minute: what arrived so far
                print(json.dumps({"events": sum(d.count for d in streams), "polled": sum(d.count for d in pollers),
                                  "ends": sum(d.ends for d in streams),
                                  "errors": sum(len(d.errors) for d in [*streams, *pollers])}), flush=True)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*polling), 120)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    report: dict[str, Any] = {"streams": [asdict(d) for d in streams], "pollers": [asdict(d) for d in pollers],
                              "latency_buckets": {i: n for i, n in enumerate(latency.buckets) if n}}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    uvloop.run(main())

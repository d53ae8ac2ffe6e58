"""Webhook delivery: newsroom publish (the API call) → POST received, at N endpoints.

N local receivers (bench/webhook_receivers.py, its own process, one port each) stand for N subscriber
companies' endpoints. Floor, same run, same receivers: a bare asyncio client holding one keep-alive
connection per endpoint and writing one pre-built POST of the same size to all of them at once.

    .venv/bin/python bench/webhooks.py [--endpoints 1000] [--events 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procs import newsflow_server, percentile, publish_stamped, rss_mb
from bench.report import median, write_section

HERE = Path(__file__).resolve().parent
PY = sys.executable


class Receivers:
    def __init__(self, n: int) -> None:
        self.proc = subprocess.Popen([PY, str(HERE / "webhook_receivers.py"), "--count", str(n)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.ports: list[int] = json.loads(self.proc.stdout.readline())

    def report(self) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("report\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def wait_for(receivers: Receivers, expected: int, timeout: float = 60) -> dict:
    """Reports until `expected` POSTs arrived (or the timeout), then a moment more for duplicates.
    (The receivers keep what arrives between reports, so nothing sent meanwhile is lost.)"""
    got: dict = {"latencies_ms": [], "ids": []}
    deadline = time.monotonic() + timeout
    while len(got["latencies_ms"]) < expected and time.monotonic() < deadline:
        time.sleep(0.25)
        more = receivers.report()
        got["latencies_ms"] += more["latencies_ms"]
        got["ids"] += more["ids"]
    time.sleep(1.0)
    more = receivers.report()
    got["latencies_ms"] += more["latencies_ms"]
    got["ids"] += more["ids"]
    return got


def newsflow_round(receivers: Receivers, events: int) -> tuple[dict, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        # the receivers are local: webhooks to 127.0.0.1 are refused unless allowed
        env |= {"NEWSFLOW_DATA_DIR": tmp, "NEWSFLOW_DEMO": "0", "NEWSFLOW_WEBHOOK_ALLOW_PRIVATE": "1"}
        setup = (
            "import sys\n"
            "from newsflow.services import Services\n"
            "svc = Services.open()\n"
            "p = svc.subscribers.create_product('All', {})\n"
            "for i, port in enumerate(sys.argv[1:]):\n"
            "    c = svc.subscribers.create_company(f'Subscriber {i}')\n"
            "    svc.subscribers.assign_product(c.id, p.id)\n"
            "    svc.webhooks.create_endpoint(c.id, f'http://127.0.0.1:{port}/hook')\n"
            "u = svc.store.create_user(email='bench@example.org', name='Bench', role='editor')\n"
            "print(svc.store.create_token(u.id))\n")
        token = subprocess.run([PY, "-c", setup, *map(str, receivers.ports)], env=env, capture_output=True,
                               text=True, check=True).stdout.split()[-1]
        with newsflow_server(env) as (server, base):
            http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            for n in range(events):
                publish_stamped(http, n)
                if n < events - 1:
                    time.sleep(2.0)
            return wait_for(receivers, len(receivers.ports) * events), rss_mb(server.pid)


async def _floor(ports: list[int], events: int, size: int) -> None:
    conns = [await asyncio.open_connection("127.0.0.1", p) for p in ports]
    for n in range(events):
        body = f'{{"headline":"Flash {n} t={time.time():.6f}","pad":"{"x" * size}"}}'.encode()
        request = (b"POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"webhook-id: msg_floor_%d\r\nContent-Length: %d\r\n\r\n%s" % (n, len(body), body))
        for _, writer in conns:
            writer.write(request)
        await asyncio.gather(*(reader.readuntil(b"\r\n\r\n") for reader, _ in conns))
        await asyncio.sleep(2.0)
    for _, writer in conns:
        writer.close()


def floor_round(receivers: Receivers, events: int, size: int) -> dict:
    receivers.report()  # start clean
    asyncio.run(_floor(receivers.ports, events, size))
    return wait_for(receivers, len(receivers.ports) * events, timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoints", type=int, default=1000)
    ap.add_argument("--events", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--size", type=int, default=1500, help="bytes of the floor's body (≈ a ninjs story)")
    args = ap.parse_args()
    receivers = Receivers(args.endpoints)
    rows = []
    try:
        for _ in range(args.rounds):
            ours, rss = newsflow_round(receivers, args.events)
            floor = floor_round(receivers, args.events, args.size)
            rows.append((ours, floor, rss))
    finally:
        receivers.close()
    expected = args.endpoints * args.events
    lines = []
    for ours, floor, rss in rows:
        doubles = sum(c - 1 for c in Counter(ours["ids"]).values() if c > 1)
        p50, p99 = percentile(ours["latencies_ms"], 50), percentile(ours["latencies_ms"], 99)
        f50, f99 = percentile(floor["latencies_ms"], 50), percentile(floor["latencies_ms"], 99)
        lines.append(f"| {args.endpoints:,} | {p50:.1f} | {p99:.1f} | {f50:.1f} | {f99:.1f} | "
                     f"{len(ours['latencies_ms']):,} / {expected:,} | {doubles} | {rss:.0f} |")
    p99s = [percentile(o["latencies_ms"], 99) for o, _, _ in rows]
    write_section("Webhooks: publish → POST received", f"""
Newsflow: `newsflow serve` (one process, SQLite), {args.endpoints:,} companies with one webhook endpoint
each, all subscribed to the published story; the endpoints are local receivers in another process
(one port each, 204). Each of {args.events} events is timed from just before the newsroom publish call to
its receipt at each endpoint. Floor: a bare asyncio client writing one pre-built POST of the same size
to the same receivers over held keep-alive connections. Latencies in ms.

| endpoints | p50 | p99 | floor p50 | floor p99 | POSTs received | double sends | server RSS MB |
|---|---|---|---|---|---|---|---|
{chr(10).join(lines)}

Median p99 over rounds: {median(p99s):.1f} ms. Target: all delivered, p99 ≤ 1,000 ms.
""")


if __name__ == "__main__":
    main()

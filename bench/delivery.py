"""Delivery latency: newsroom publish (the API call) → SSE event received, N concurrent clients.

Same run, same load generator (bench/sse_loadgen.py, its own process): the floor is a raw uvloop
server (bench/sse_floor.py) writing one pre-encoded event of the same size to N held sockets.
Also reports the server's RSS with N open streams.

    .venv/bin/python bench/delivery.py [--clients 1000 5000 10000] [--events 5]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procs import free_port, newsflow_server, percentile, publish_stamped, rss_mb
from bench.report import write_section

HERE = Path(__file__).resolve().parent
PY = sys.executable


def run_loadgen(port: int, path: str, clients: int, events: int, key: str,
                fire: callable) -> tuple[list[float], dict]:  # type: ignore[valid-type]
    gen = subprocess.Popen([PY, str(HERE / "sse_loadgen.py"), "--port", str(port), "--path", path,
                            "--clients", str(clients), "--events", str(events), "--key", key],
                           stdout=subprocess.PIPE, text=True)
    assert gen.stdout is not None
    line = gen.stdout.readline().strip()
    if line != "ready":
        gen.kill()
        raise RuntimeError(f"load generator: {line!r}")
    time.sleep(1.0)  # let every connection settle
    extra = {}
    for n in range(events):
        extra = fire(n) or extra
        time.sleep(0.6)
    out = json.loads(gen.stdout.readline())
    gen.wait(30)
    return out["latencies_ms"], {"errors": out["errors"], "unfinished": out["unfinished"], **extra}


def newsflow_round(clients: int, events: int) -> tuple[list[float], dict]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        env |= {"NEWSFLOW_DATA_DIR": tmp, "NEWSFLOW_DEMO": "0", "NEWSFLOW_RATE_PER_MINUTE": "1000000",
                # every client holds a stream on the one key: lift the per-key and per-company caps
                "NEWSFLOW_STREAMS_PER_KEY": "1000000", "NEWSFLOW_STREAMS_PER_COMPANY": "1000000"}
        setup = (
            "from newsflow.services import Services\n"
            "svc = Services.open()\n"
            "p = svc.subscribers.create_product('All', {})\n"
            "c = svc.subscribers.create_company('Bench')\n"
            "svc.subscribers.assign_product(c.id, p.id)\n"
            "print(svc.subscribers.create_api_key(c.id).secret)\n"
            "u = svc.store.create_user(email='bench@example.org', name='Bench', role='editor')\n"
            "print(svc.store.create_token(u.id))\n")
        key, token = subprocess.run([PY, "-c", setup], env=env, capture_output=True, text=True,
                                    check=True).stdout.split()
        with newsflow_server(env) as (server, base):
            http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)

            def fire(n: int) -> dict:
                publish_stamped(http, n)
                return {"rss_mb": rss_mb(server.pid)}

            return run_loadgen(int(base.rsplit(":", 1)[1]), "/v1/stream", clients, events, key, fire)


def floor_round(clients: int, events: int, size: int) -> tuple[list[float], dict]:
    port, control = free_port(), free_port()
    server = subprocess.Popen([PY, str(HERE / "sse_floor.py"), "--port", str(port), "--control", str(control),
                               "--size", str(size)], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        server.stdout.readline()

        def fire(_: int) -> dict:
            with socket.create_connection(("127.0.0.1", control)) as s:
                s.recv(64)
            return {"rss_mb": rss_mb(server.pid)}

        return run_loadgen(port, "/", clients, events, "", fire)
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, nargs="+", default=[1000, 5000, 10000])
    ap.add_argument("--events", type=int, default=5)
    ap.add_argument("--size", type=int, default=1500, help="bytes of the floor's event (≈ a ninjs story)")
    args = ap.parse_args()
    rows = []
    for n in args.clients:
        ours, ours_info = newsflow_round(n, args.events)
        floor, _floor_info = floor_round(n, args.events, args.size)
        p50, p99 = statistics.median(ours), percentile(ours, 99)
        f50, f99 = statistics.median(floor), percentile(floor, 99)
        rows.append(f"| {n:,} | {p50:.1f} | {p99:.1f} | {f50:.1f} | {f99:.1f} | {p99 / f99:.2f} | "
                    f"{ours_info['rss_mb']:.0f} | {len(ours):,} / {n * args.events:,} |")
        print(rows[-1], flush=True)
    write_section("Delivery: publish → SSE receipt", f"""
Newsflow: `newsflow serve` (one process, SQLite), N SSE clients on `/v1/stream` held by a load generator in
another process; each of {args.events} events is timed from just before the newsroom publish call to its
receipt. Floor: a raw uvloop server writing one pre-encoded {args.size}-byte event to N held sockets, the
same load generator. Latencies in ms.

| clients | p50 | p99 | floor p50 | floor p99 | p99 / floor p99 | server RSS MB | events received |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Target: p99 ≤ 1.5x the floor's p99 at 10,000 clients; RSS ≤ 1 GiB.
""")


if __name__ == "__main__":
    main()

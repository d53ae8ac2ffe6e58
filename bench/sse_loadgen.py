"""Load generator (a separate process): hold N SSE connections, time each one's receipt of events.

Each event the benchmark publishes carries its send time ("t=<unix seconds>") in its text; the
receipt latency is the local clock at receipt minus that time (same machine, same clock).

    python bench/sse_loadgen.py --port P --path "/v1/stream" --clients N --events E [--key K]

Prints "ready" once every connection is open, then one JSON line with the latencies in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time

import uvloop

STAMP = re.compile(rb"t=(\d+\.\d+)")


async def client(port: int, request: bytes, events: int, ready: asyncio.Event, opened: list[int],
                 total: int, out: list[float]) -> None:
    for attempt in range(10):  # a refused or reset connect under a burst is retried, like a real client
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
            writer.write(request)
            await writer.drain()
            buf = b""
            while b"connected" not in buf:  # both servers send an SSE comment once the stream is open
                chunk = await reader.read(65536)
                if not chunk:
                    raise ConnectionResetError("closed before the stream opened")
                buf += chunk
            break
        except (ConnectionResetError, ConnectionRefusedError):
            await asyncio.sleep(0.1 * (attempt + 1))
    else:
        raise ConnectionError("could not open the stream")
    opened[0] += 1
    if opened[0] == total:
        ready.set()
    buf = buf[buf.index(b"connected"):]
    seen = 0
    while seen < events:
        while b"\n\n" in buf:
            frame, _, buf = buf.partition(b"\n\n")
            match = STAMP.search(frame)
            if match:  # an event (heartbeats and comments carry no stamp)
                out.append((time.time() - float(match.group(1))) * 1000)
                seen += 1
        if seen >= events:
            break
        chunk = await reader.read(65536)
        if not chunk:
            break
        buf += chunk
    writer.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/v1/stream")
    ap.add_argument("--clients", type=int, required=True)
    ap.add_argument("--events", type=int, default=5)
    ap.add_argument("--key", default="")
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    auth = f"Authorization: Bearer {args.key}\r\n" if args.key else ""
    request = f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Accept: text/event-stream\r\n\r\n".encode()
    ready = asyncio.Event()
    opened = [0]
    latencies: list[float] = []
    tasks = []
    for i in range(args.clients):
        tasks.append(asyncio.create_task(client(args.port, request, args.events, ready, opened, args.clients,
                                                latencies)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)  # stay under the listen backlog
    await asyncio.wait_for(ready.wait(), args.timeout)
    print("ready", flush=True)
    done, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for task in pending:
        task.cancel()
    errors = sum(1 for t in done if t.exception() is not None)
    print(json.dumps({"latencies_ms": latencies, "errors": errors, "unfinished": len(pending)}), flush=True)


if __name__ == "__main__":
    sys.exit(uvloop.run(main()))

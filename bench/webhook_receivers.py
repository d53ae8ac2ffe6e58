"""Webhook receivers (a separate process): one listening port per endpoint, each answering 204.

Every POST body carries its send time ("t=<unix seconds>"); the receiver records receipt minus that time
(same machine, same clock) and the webhook-id, so double deliveries show.

    python bench/webhook_receivers.py --count N   (prints the ports; reads "report" on stdin, prints JSON)
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
latencies: list[float] = []
ids: list[str] = []


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length, hook_id = 0, ""
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"webhook-id":
                    hook_id = value.strip().decode()
            body = await reader.readexactly(length)
            match = STAMP.search(body)
            if match:
                latencies.append((time.time() - float(match.group(1))) * 1000)
                ids.append(f"{writer.get_extra_info('sockname')[1]}/{hook_id}")  # per endpoint
            writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, required=True)
    args = ap.parse_args()
    servers = [await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024) for _ in range(args.count)]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line or line.strip() == "quit":
            break
        if line.strip() == "report":
            print(json.dumps({"latencies_ms": latencies, "ids": ids}), flush=True)
            latencies.clear()
            ids.clear()
    for server in servers:
        server.close()


if __name__ == "__main__":
    uvloop.run(main())

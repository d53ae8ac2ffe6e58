"""The floor for stream delivery: a raw uvloop server that holds sockets and, when told, writes one
pre-encoded SSE event (the same size as Newsflow's) to every one of them. No HTTP framework, no
entitlement, no rendering: the least any server on this machine can do.

    python bench/sse_floor.py --port P --control C --size BYTES
A connection to the control port makes the server write one event (stamped with the send time).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import uvloop

clients: set[asyncio.Transport] = set()


class Stream(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.greeted = False

    def data_received(self, data: bytes) -> None:
        if not self.greeted and b"\r\n\r\n" in data:
            self.greeted = True
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n: connected\n\n")
            clients.add(self.transport)

    def connection_lost(self, exc: Exception | None) -> None:
        clients.discard(self.transport)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control", type=int, required=True)
    ap.add_argument("--size", type=int, default=1500)
    args = ap.parse_args()
    loop = asyncio.get_running_loop()
    seq = [0]

    async def fire(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seq[0] += 1
        stamp = b"t=%.6f" % time.time()
        data = stamp + b" " + b"x" * max(0, args.size - len(stamp) - 40)
        frame = b"id: %d\nevent: publish\ndata: %s\n\n" % (seq[0], data)
        for transport in tuple(clients):
            transport.write(frame)
        writer.write(b"%d\n" % len(clients))
        await writer.drain()
        writer.close()

    await loop.create_server(Stream, "127.0.0.1", args.port, backlog=4096)
    await asyncio.start_server(fire, "127.0.0.1", args.control)
    print("listening", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.run(main())

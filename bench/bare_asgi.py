"""The floor of any Python answer: a bare ASGI app under uvicorn with Newsflow's server options, serving
the files of BENCH_WWW from memory, no framework and no layer. bench/public.py sets it beside Newsflow
and nginx, so what the framework's layers cost is told apart from what the Python server costs.

    BENCH_WWW=dir python -m uvicorn --factory bench.bare_asgi:app --loop uvloop --http httptools …
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ASGI = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def app() -> ASGI:
    root = Path(os.environ["BENCH_WWW"])
    files = {f"/{p.name}": (p.read_bytes(), "text/html" if p.suffix == ".html" else "application/octet-stream")
             for p in root.iterdir() if p.is_file()}

    async def serve(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        found = files.get(scope["path"])
        body, kind = found or (b"not found", "text/plain")
        await send({"type": "http.response.start", "status": 200 if found else 404,
                    "headers": [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return serve

"""Small helpers the benchmarks share: ports, waiting for a server, percentiles, memory."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
# a story body of a realistic size (about a ninjs item of 1.5 KB)
BODY = "".join(f"<p>Paragraph {i} of the breaking story, long enough to be realistic.</p>" for i in range(12))


@contextmanager
def newsflow_server(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`newsflow serve` on a free port with `env`, answering; stopped on the way out."""
    port = free_port()
    server = subprocess.Popen([NEWSFLOW, "serve", "--port", str(port), "--no-demo"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/")
        yield server, base
    finally:
        server.terminate()
        server.wait(10)


def publish_stamped(http: httpx.Client, n: int) -> None:
    """Publish story `n` with its send time in the headline ("t=<unix seconds>"), stamped just before
    the publish call, so a receiver can time publish → receipt."""
    guid = http.post("/v1/newsroom/stories", json={
        "headline": "draft", "body_html": BODY, "categories": ["World"]}).json()["guid"]
    http.patch(f"/v1/newsroom/stories/{guid}", json={"headline": f"Flash {n} t={time.time():.6f}"})
    http.post(f"/v1/newsroom/stories/{guid}/publish").raise_for_status()

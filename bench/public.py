"""Public website throughput: the home page, a story page and the Atom feed of the public portion,
measured with wrk on 127.0.0.1 against nginx serving the same bytes as static files.

Set-up: `newsflow serve` (one worker, SQLite, the demo content) in a temporary data dir. Each page is
fetched once from Newsflow and written to nginx's root, so both servers answer with the same bytes;
the same wrk settings drive both, rounds alternating which goes first (wrk helpers from bench/feed.py).
A third server, a bare ASGI app under uvicorn with Newsflow's options (bench/bare_asgi.py), serves the
same files too: the floor of any Python answer, which tells the server's cost from the layers'.

    .venv/bin/python bench/public.py [--rounds 3] [--duration 8] [--threads 2] [--connections 32]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.feed import NEWSFLOW, PY, WRK_LUA, WrkResult, nginx_conf, process, run_wrk
from bench.procs import free_port, wait_http
from bench.report import write_section

SECTION = "Public website throughput"


def story_path(base: str) -> str:
    """The first story the home page links to (its canonical /news/{guid}/{slug} address)."""
    html = httpx.get(base + "/").text
    start = html.index('href="/news/') + len('href="')
    return html[start:html.index('"', start)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        (tmp / "keys.txt").write_text("none\n")  # the shared wrk script sends a key; public pages ignore it
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        env |= {"NEWSFLOW_DATA_DIR": str(tmp), "NEWSFLOW_DEMO": "1"}
        ours_port, nginx_port, bare_port = free_port(), free_port(), free_port()
        ours, theirs = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{nginx_port}"
        bare = f"http://127.0.0.1:{bare_port}"
        bare_argv = [PY, "-m", "uvicorn", "--factory", "bench.bare_asgi:app", "--host", "127.0.0.1", "--port",
                     str(bare_port), "--loop", "uvloop", "--http", "httptools", "--log-level", "warning",
                     "--no-access-log", "--backlog", "8192"]
        bare_env = os.environ | {"BENCH_WWW": str(tmp / "www"), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        argv = [NEWSFLOW, "serve", "--host", "127.0.0.1", "--port", str(ours_port)]  # with the demo content
        rows = []
        with process(argv, env, tmp / "newsflow.log"):
            wait_http(ours + "/", timeout=120)
            pages = {"home": "/", "story": story_path(ours), "Atom feed": "/feed.atom"}
            (tmp / "www").mkdir(exist_ok=True)
            for name, path in pages.items():
                body = httpx.get(ours + path).content
                (tmp / "www" / f"{name.replace(' ', '-')}.html").write_bytes(body)
            conf = nginx_conf(tmp, nginx_port, 1)
            with process(["nginx", "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
                         log=tmp / "nginx.log"), process(bare_argv, bare_env, tmp / "bare.log"):
                wait_http(theirs + "/home.html")
                wait_http(bare + "/home.html")
                wrk = {"threads": args.threads, "connections": args.connections}
                for name, path in pages.items():
                    file = f"/{name.replace(' ', '-')}.html"
                    targets = {"ours": path, "nginx": file, "bare": file}
                    bases = {"ours": ours, "nginx": theirs, "bare": bare}
                    for who in ("nginx", "bare"):
                        if httpx.get(bases[who] + file).content != httpx.get(ours + path).content:
                            raise RuntimeError(f"{who} does not serve the bytes of {path}")
                    scripts = {}
                    for who, target in targets.items():
                        scripts[who] = tmp / f"{who}.lua"
                        scripts[who].write_text(WRK_LUA % {"keys": tmp / "keys.txt", "path": target})
                    for who in bases:
                        run_wrk(bases[who], scripts[who], seconds=2, **wrk)  # warm-up
                    results: dict[str, list[WrkResult]] = {"ours": [], "nginx": [], "bare": []}
                    for n in range(args.rounds):
                        order = ("ours", "nginx", "bare")
                        for who in (order if n % 2 == 0 else order[::-1]):
                            results[who].append(run_wrk(bases[who], scripts[who], seconds=args.duration, **wrk))
                    o = statistics.median(r.rps for r in results["ours"])
                    t = statistics.median(r.rps for r in results["nginx"])
                    b = statistics.median(r.rps for r in results["bare"])
                    p99 = statistics.median(r.p99_ms for r in results["ours"])
                    size = (tmp / "www" / targets["nginx"].lstrip("/")).stat().st_size
                    rows.append(f"| {name} (`{path if len(path) < 40 else path[:37] + '…'}`, {size / 1024:.1f} KB) "
                                f"| **{o:,.0f}** | {t:,.0f} | **{o / t:.2f}** | {b:,.0f} | {b / t:.2f} | {o / b:.2f} "
                                f"| {p99:.1f} ms |")
                    print(rows[-1], flush=True)
    write_section(SECTION, f"""
One `newsflow serve` process (SQLite, demo content) against nginx (one worker) serving the same
bytes, and against a bare ASGI app under uvicorn with Newsflow's server options serving them too
(bench/bare_asgi.py: the floor of any Python answer); wrk with {args.threads} threads and
{args.connections} connections, {args.rounds} rounds of {args.duration} s each, median. A page is
rendered once per change of what the site shows and language, and then answered from memory beneath
the framework (`ServeRendered`, inside the request log, body limit and security headers every answer
passes), with no database read: the bus or the log follower tells the node when the site changed. A
browser or proxy revalidating its copy gets 304.

| page | Newsflow req/s | nginx req/s | Newsflow / nginx | bare req/s | bare / nginx | Newsflow / bare | p99 |
|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}
""")


if __name__ == "__main__":
    main()

"""Feed throughput: GET /v1/feed pages of 20 ninjs items, 1,000 companies with different product
sets, measured with wrk on 127.0.0.1 against nginx serving the same bytes as a static file.

Set-up (fresh each run): a temporary data dir with an SQLite database (or a fresh schema in the
PostgreSQL database given by `--database-url`, dropped afterwards), a pool of products (filters over
categories, languages, urgency, subjects and pictures), several copies of the demo stories
published through the newsroom, then `--companies` companies, each with its own set of products
(no two alike, each entitled to at least a full page) and one API key each.

Same run, same wrk settings, rounds alternating which server goes first: Newsflow (`newsflow serve`
with one worker; with `--workers N` > 1, uvicorn's `--workers N` on the app factory, which is what a
multi-process deployment runs) and nginx (`--workers` worker processes, access_log off) serving one
real feed page fetched from Newsflow. The same wrk Lua script drives both: it rotates over every
company's `Authorization` header (nginx ignores it) and counts non-2xx responses, which fail the run.

    .venv/bin/python bench/feed.py [--companies 1000] [--rounds 5] [--duration 10] \\
        [--threads 2] [--connections 64] [--workers 2] [--database-url postgresql://…] [--stories N]

`--stories N` first writes an archive of N stories (bench/corpus.py, through the batch ingest path with
every event stamped with its products) before the demo copies, so the log the pages are read from, the
product stamps and the indexes hold that many more.

Every Newsflow worker writes its access log line per request as `newsflow serve` does (JSON, info level,
to the run's newsflow.log): the multi-worker command gets the same logging set-up by a dictConfig file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import corpus
from bench.procs import free_port, wait_http
from bench.report import write_section
from newsflow.config import Settings
from newsflow.demo import STORIES, load_demo
from newsflow.model import utcnow
from newsflow.services import Services
from newsflow.wire.feed import read_page

PY = sys.executable
NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))
SECTION = "Feed throughput"
TARGET = 0.3

# wrk drives both servers with this script: the same requests (every company's key in turn, each
# thread starting at its own offset) and the same per-response work (a status check).
WRK_LUA = r"""
local keys = {}
for line in io.lines("%(keys)s") do keys[#keys + 1] = line end
local path = "%(path)s"
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init(args)
  reqs = {}
  for i, key in ipairs(keys) do
    reqs[i] = wrk.format("GET", path, {["Authorization"] = "Bearer " .. key})
  end
  n = #reqs
  at = (id * 397) %% n
  non2xx = 0
  first_bad = 0
end

function request()
  at = at %% n + 1
  return reqs[at]
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    if first == 0 then first = t:get("first_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "p50_us": %%d, "p99_us": %%d, ' ..
    '"non2xx": %%d, "first_bad_status": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    bad, first, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

NGINX_CONF = """
worker_processes %(workers)d;
daemon off;
master_process on;
pid %(tmp)s/nginx.pid;
error_log %(tmp)s/nginx-error.log warn;
%(user)s
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %(tmp)s/client_body;
    proxy_temp_path %(tmp)s/proxy;
    fastcgi_temp_path %(tmp)s/fastcgi;
    uwsgi_temp_path %(tmp)s/uwsgi;
    scgi_temp_path %(tmp)s/scgi;
    types { application/json json; }
    default_type application/json;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 75s;
    keepalive_requests 100000000;  # like uvicorn: a kept-alive connection is never cut short
    server {
        listen 127.0.0.1:%(port)d;
        root %(tmp)s/www;
        location / { }
    }
}
"""


@dataclass
class WrkResult:
    requests: int
    seconds: float
    bytes: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---- the data -------------------------------------------------------------------------------------

def product_pool() -> list[tuple[str, dict[str, Any]]]:
    """Named filters over what the demo stories carry: categories, languages, urgency, subjects,
    pictures, and some combinations."""
    categories = sorted({c for s in STORIES for c in s.fields.get("categories", ())})
    subjects = sorted({c.code[:7] for s in STORIES for c in s.fields.get("subjects", ()) if c.code})
    languages = ["en", "tr", "ar"]
    pool: list[tuple[str, dict[str, Any]]] = []
    pool += [(f"Category {c}", {"categories": [c]}) for c in categories]
    pool += [(f"Language {lang}", {"languages": [lang]}) for lang in languages]
    pool += [(f"{c} in {lang}", {"categories": [c], "languages": [lang]}) for c in categories for lang in languages]
    pool += [(f"Urgency up to {u}", {"urgency_max": u}) for u in (1, 3, 4)]
    pool += [(f"Subject {code}", {"subjects": [code]}) for code in subjects]
    pool += [(f"Pictures of {c}", {"categories": [c], "media_types": ["picture"]}) for c in categories]
    pool += [(f"{a} or {b}", {"categories": [a, b]}) for i, a in enumerate(categories) for b in categories[i + 1:]]
    return pool


def build(svc: Services, *, companies: int, copies: int, limit: int, seed: int = 7, stories: int = 0) -> list[str]:
    """Products, stories (`stories` of the corpus archive first) and companies; returns one API key per
    company."""
    rng = random.Random(seed)
    started = time.monotonic()
    # products first: which products an event matches is decided when the event is written
    pool = [svc.subscribers.create_product(name, spec).id for name, spec in product_pool()]
    broad = [p.id for p in svc.subscribers.list_products() if p.name.startswith(("Language en", "Urgency"))]
    now = utcnow()
    if stories:
        entitlement = svc.store.entitlement
        filled = corpus.fill(svc.store, stories, now=now, workers=1)  # stamps with the products above
        svc.store.entitlement = entitlement  # fill wires its own Subscribers; the node's own goes back
        print(f"corpus: {filled.stories:,} stories, {filled.versions:,} versions ({filled.seconds:.0f} s, "
              f"{filled.rate:,.0f} stories/s)", flush=True)
    for n in range(copies):  # each copy of the demo three days before the previous one
        load_demo(svc.newsroom, svc.media, now=now - timedelta(days=3 * n))
    stories = svc.store.count_stories()
    print(f"{len(pool)} products, {stories} stories, {svc.store.last_seq()} events "
          f"({time.monotonic() - started:.0f} s)", flush=True)
    seen: set[frozenset[int]] = set()
    keys: list[str] = []
    while len(keys) < companies:
        chosen = frozenset(rng.sample(pool, rng.randint(2, 5)))
        company = svc.subscribers.create_company(f"Bench company {len(keys) + 1:04d}")
        for product_id in sorted(chosen):
            svc.subscribers.assign_product(company.id, product_id)
        # a narrow set may not fill a page: widen it until it does, keeping every set different
        while (len(read_page(svc.store, svc.subscribers.access(company.id), 0, limit).entries) < limit
               or chosen in seen):
            extra = rng.choice([p for p in broad + pool if p not in chosen])
            chosen |= {extra}
            svc.subscribers.assign_product(company.id, extra)
        seen.add(chosen)
        keys.append(svc.subscribers.create_api_key(company.id, label="bench").secret)
    sizes = sorted(len(s) for s in seen)
    print(f"{companies} companies, {len(seen)} different product sets of {sizes[0]} to {sizes[-1]} products "
          f"({time.monotonic() - started:.0f} s)", flush=True)
    return keys


@contextmanager
def database(url: str | None, tmp: Path) -> Iterator[str]:
    """SQLite in the temp dir, or a brand-new schema in the given PostgreSQL database."""
    if not url:
        yield f"sqlite:///{tmp / 'newsflow.db'}"
        return
    import psycopg

    schema = f"nf_bench_{secrets.token_hex(6)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
        try:
            yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        finally:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


# ---- the servers ------------------------------------------------------------------------------------

@contextmanager
def process(argv: list[str], env: dict[str, str] | None = None,
            log: Path | None = None) -> Iterator[subprocess.Popen[bytes]]:
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: this process and its workers only
            proc.wait(5)
        if log:
            out.close()  # type: ignore[union-attr]


# What `newsflow serve` sets up (newsflow.ops.logs.configure("json")), for uvicorn's --log-config: every
# record to stderr as JSON at info, so each request writes its access line (ops.requests); uvicorn's own
# access log off.
LOG_CONFIG = {
    "version": 1, "disable_existing_loggers": False,
    "formatters": {"json": {"()": "newsflow.ops.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {"uvicorn": {"handlers": [], "propagate": True}, "uvicorn.error": {"handlers": [], "propagate": True},
                "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"}},
}


def newsflow_argv(port: int, workers: int, tmp: Path) -> list[str]:
    if workers == 1:
        return [NEWSFLOW, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-demo"]
    (tmp / "logging.json").write_text(json.dumps(LOG_CONFIG))
    # the options `newsflow serve` passes to uvicorn.run, on the app factory so workers can fork
    return [PY, "-m", "uvicorn", "--factory", "newsflow.web.app:create_app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
            "--log-level", "warning", "--no-access-log", "--backlog", "8192", "--log-config", str(tmp / "logging.json")]


def nginx_conf(tmp: Path, port: int, workers: int) -> Path:
    for name in ("www", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
    # as root the master would hand its workers to `nobody`: keep them as the current user
    user = f"user {os.environ.get('USER') or 'root'};" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF % {"workers": workers, "tmp": tmp, "port": port, "user": user})
    return conf


# ---- wrk ----------------------------------------------------------------------------------------------

def run_wrk(url: str, script: Path, *, threads: int, connections: int, seconds: int) -> WrkResult:
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=True)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("WRK-RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    r = json.loads(line.removeprefix("WRK-RESULT "))
    errors = {k: r[k] for k in ("connect", "read", "write", "timeout") if r[k]}
    if r["non2xx"] or errors:
        raise RuntimeError(f"{url}: {r['non2xx']} non-2xx responses (first: {r['first_bad_status']}), "
                           f"socket errors {errors}")
    return WrkResult(requests=r["requests"], seconds=r["duration_us"] / 1e6, bytes=r["bytes"],
                     p50_ms=r["p50_us"] / 1000, p99_ms=r["p99_us"] / 1000)


def fetch_pages(base: str, path: str, keys: list[str], limit: int) -> list[bytes]:
    """Every company's page once: checks each is a full page, and warms the server."""
    bodies = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for key in keys:
            resp = http.get(path, headers={"Authorization": f"Bearer {key}"})
            resp.raise_for_status()
            count = resp.json()["count"]
            if count != limit:
                raise RuntimeError(f"a company's page has {count} items, not {limit}")
            bodies.append(resp.content)
    return bodies


# ---- main -----------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--companies", type=int, default=1000)
    ap.add_argument("--copies", type=int, default=6, help=f"copies of the {len(STORIES)} demo stories")
    ap.add_argument("--limit", type=int, default=20, help="items per feed page")
    ap.add_argument("--format", default="ninjs")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    # each worker meets each key and builds each company's page once; on a loaded machine that takes a while
    ap.add_argument("--warmup", type=int, default=15, help="seconds of wrk before the rounds, per server")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2, help="server processes, for Newsflow and nginx alike")
    ap.add_argument("--database-url", help="a PostgreSQL database to use a fresh schema of (default: SQLite)")
    ap.add_argument("--stories", type=int, default=0, help="archive stories (bench/corpus.py) written first")
    ap.add_argument("--no-write", action="store_true", help="print the section, leave docs/benchmarks.md")
    args = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is not installed (apt-get install -y nginx-light wrk)")

    with tempfile.TemporaryDirectory(prefix="nf-feed-bench-") as tmp_name:
        tmp = Path(tmp_name)
        with database(args.database_url, tmp) as url:
            settings = Settings(data_dir=tmp, database_url=url, media_dir=tmp / "media", demo=False)
            svc = Services.open(settings)
            try:
                keys = build(svc, companies=args.companies, copies=args.copies, limit=args.limit,
                             stories=args.stories)
                stories, events = svc.store.count_stories(), svc.store.last_seq()
            finally:
                svc.close()
            rows = measure(args, tmp, url, keys)
    report(args, rows, stories=stories, events=events)


def measure(args: argparse.Namespace, tmp: Path, url: str, keys: list[str]) -> dict[str, Any]:
    path = f"/v1/feed?limit={args.limit}&format={args.format}"
    (tmp / "keys.txt").write_text("\n".join(keys) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env |= {"NEWSFLOW_DATA_DIR": str(tmp), "NEWSFLOW_DATABASE_URL": url, "NEWSFLOW_DEMO": "0",
            "NEWSFLOW_RATE_PER_MINUTE": "1000000000"}  # the limiter never answers 429 here
    ours_port, nginx_port = free_port(), free_port()
    ours_base, nginx_base = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{nginx_port}"
    with process(newsflow_argv(ours_port, args.workers, tmp), env, tmp / "newsflow.log"):
        wait_http(ours_base + "/")
        bodies = fetch_pages(ours_base, path, keys, args.limit)
        sizes = sorted(len(b) for b in bodies)
        static = sorted(bodies, key=len)[len(bodies) // 2]  # the median-sized page
        (tmp / "www").mkdir(exist_ok=True)
        (tmp / "www" / "feed.json").write_bytes(static)
        conf = nginx_conf(tmp, nginx_port, args.workers)
        with process(["nginx", "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
                     log=tmp / "nginx.log"):
            wait_http(nginx_base + "/feed.json")
            if httpx.get(nginx_base + "/feed.json").content != static:
                raise RuntimeError("nginx does not serve the page's bytes")
            scripts = {}
            for name, target in (("ours", path), ("nginx", "/feed.json")):
                scripts[name] = tmp / f"{name}.lua"
                scripts[name].write_text(WRK_LUA % {"keys": tmp / "keys.txt", "path": target})
            bases = {"ours": ours_base, "nginx": nginx_base}
            wrk = {"threads": args.threads, "connections": args.connections}
            for name in ("ours", "nginx"):  # warm-up: every worker's caches and connections
                run_wrk(bases[name], scripts[name], seconds=args.warmup, **wrk)
            results: dict[str, list[WrkResult]] = {"ours": [], "nginx": []}
            for n in range(args.rounds):
                for name in (("ours", "nginx") if n % 2 == 0 else ("nginx", "ours")):
                    results[name].append(run_wrk(bases[name], scripts[name], seconds=args.duration, **wrk))
                ratio = results["ours"][-1].rps / results["nginx"][-1].rps
                print(f"round {n + 1}: ours {results['ours'][-1].rps:,.0f} req/s, "
                      f"nginx {results['nginx'][-1].rps:,.0f} req/s, ratio {ratio:.3f}", flush=True)
    return {"results": results, "sizes": sizes, "static": len(static)}


def report(args: argparse.Namespace, rows: dict[str, Any], *, stories: int, events: int) -> None:
    results: dict[str, list[WrkResult]] = rows["results"]
    sizes: list[int] = rows["sizes"]
    ours, nginx = results["ours"], results["nginx"]

    def med(values: list[float]) -> float:
        return statistics.median(values)

    ratios = [o.rps / n.rps for o, n in zip(ours, nginx, strict=True)]
    ratio = med([o.rps for o in ours]) / med([n.rps for n in nginx])
    backend = "PostgreSQL" if args.database_url else "SQLite"
    server = ("`newsflow serve` (one process)" if args.workers == 1 else
              f"{args.workers} uvicorn workers (`--workers {args.workers}` on the app factory "
              "`newsflow.web.app:create_app`, with the options `newsflow serve` passes; it has no workers "
              "option), sharing the database as nodes do")

    def line(name: str, runs: list[WrkResult]) -> str:
        return (f"| {name} | **{med([r.rps for r in runs]):,.0f}** | {med([r.p50_ms for r in runs]):.2f} | "
                f"{med([r.p99_ms for r in runs]):.2f} | {', '.join(f'{r.rps:,.0f}' for r in runs)} |")

    verdict = "meets" if ratio >= TARGET else "misses"
    archive = f", after an archive of {args.stories:,} (bench/corpus.py)" if args.stories else ""

    def fmt(r: float) -> str:  # two significant places even far below the target
        return f"{r:.2f}" if r >= 0.1 else f"{r:.3f}"

    body = f"""
`GET /v1/feed?limit={args.limit}&format={args.format}` from the start of the log, {args.companies:,} companies
each with a different set of products (filters over categories, languages, urgency, subjects,
pictures) and one API key; {stories:,} stories ({events:,} log events; {args.copies} copies of the demo{archive}) on
{backend}. Newsflow: {server}. Baseline: nginx, {plural(args.workers, 'worker')}, access_log off, serving one real page
(the median-sized one, {rows['static']:,} bytes) as a static file. wrk `-t{args.threads} -c{args.connections}
-d{args.duration}s` on 127.0.0.1 with the same Lua script for both: it rotates over the
{args.companies:,} keys' `Authorization` headers and fails the run on any non-2xx response (there were
none). {plural(args.rounds, 'round')}, alternating which server goes first; medians. Page bodies
{sizes[0]:,} to {sizes[-1]:,} bytes (median {med(sizes):,.0f}). wrk shares the 2 cores with both servers.

| server | req/s (median) | p50 ms | p99 ms | rounds req/s |
|---|---|---|---|---|
{line("Newsflow feed", ours)}
{line("nginx, static file", nginx)}

Ratio Newsflow / nginx: **{fmt(ratio)}** (per round: {', '.join(fmt(r) for r in ratios)}); {verdict} the
target of ≥ {TARGET}.

What is measured: polling of full pages, the common case of a subscriber system. A full page never
changes, so its answer is built once and served from memory by the feed's hot path
(`web/fastfeed.py`); keys are remembered for 2 s and re-checked in batches (`wire/keymemory.py`); the
usage log counts each served item in memory, appends it to the node's journal and writes the table once
per window. A page at the end of the log is read from the database on every request. Each request writes
its access log line (JSON, info level), as `newsflow serve` does.
"""
    if args.no_write:
        print(body)
    else:
        write_section(SECTION, body)


if __name__ == "__main__":
    main()

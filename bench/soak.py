"""Soak: one `newsflow serve` node for `--minutes` under a steady publish rate, with thousands of open
streams, webhook endpoints and feed pollers; every delivery is checked, and the node's memory watched.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 5] [--companies 20] [--keys 5] \\
        [--streams 2000] [--endpoints 100] [--no-write]

Set-up (fresh each run, SQLite in a temporary dir, 127.0.0.1 only): one product per category;
`--companies` companies, each entitled to a different set of one to three categories, with `--keys`
API keys; the streams spread evenly over every key (2,000 over 20 companies of 5 keys is 20 per key and 100 per
company: the default caps, NEWSFLOW_STREAMS_PER_KEY and NEWSFLOW_STREAMS_PER_COMPANY); the webhook
endpoints spread evenly over the companies, all at local receivers (bench/webhook_receivers.py, so
NEWSFLOW_WEBHOOK_ALLOW_PRIVATE=1); one feed poller per company, every second.

The run: `--rate` stories a second published through the newsroom API (create, stamp the send time in
the headline, publish), categories in turn. Afterwards the log is read back through the newsroom API
and each company's entitlement worked out from the categories alone — not by Newsflow's code; every
stream, endpoint and poller must have received exactly that set of seqs, each once and in order
(bench/soak_clients.py keeps a digest per client). Errors: any refused or failed publish, any
non-200 stream or feed answer, any stream the server ended, any ERROR or traceback in the node's log.
The node's RSS is sampled once a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.procs import BODY, NEWSFLOW, free_port, percentile, rss_mb, wait_http
from bench.report import write_section
from bench.webhooks import Receivers

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
CATEGORIES = ["World", "Business", "Sport", "Science"]
PUBLISHERS = 4  # threads publishing, as a few editors do
RELIABILITY = """# Reliability

What a node does over time under a steady load: every delivery checked, memory watched. Each section is
written by the command named in it (bench/, not CI); rerun it to refresh the section. The machine is
shared and noisy (2 cores), which shows in latencies, not in what was delivered.
"""
LOG_PROBLEM = re.compile(r"Traceback|\bERROR\b|\"level\":\s*\"(error|critical)\"", re.I)


@dataclass
class Totals:
    """What one digest (a stream, an endpoint, a poller) must add up to: a company's entitled seqs."""

    count: int = 0
    total: int = 0
    squares: int = 0

    def add(self, seq: int) -> None:
        self.count += 1
        self.total += seq
        self.squares += seq * seq


@dataclass
class Published:
    by_guid: dict[str, str] = field(default_factory=dict)  # guid → category
    errors: list[str] = field(default_factory=list)
    late: int = 0  # publishes that started more than a second behind schedule


# ---- set-up -------------------------------------------------------------------------------------------

def company_categories(n: int) -> list[str]:
    """A different set of one to three categories per company, in turn."""
    sets = [[c] for c in CATEGORIES]
    sets += [[a, b] for i, a in enumerate(CATEGORIES) for b in CATEGORIES[i + 1:]]
    sets += [[c for c in CATEGORIES if c != left] for left in CATEGORIES]
    return sets[n % len(sets)]


def build(env: dict[str, str], args: argparse.Namespace, ports: list[int]) -> dict[str, Any]:
    """Products, companies, keys, endpoints and a staff token, written before the node starts."""
    setup = """
import json, sys
from bench.soak import company_categories, CATEGORIES
from newsflow.services import Services
companies, keys, ports = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
svc = Services.open()
products = {c: svc.subscribers.create_product(f"Category {c}", {"categories": [c]}).id for c in CATEGORIES}
plan = {"companies": {}, "streams": [], "pollers": [], "endpoints": {}}
for n in range(companies):
    company = svc.subscribers.create_company(f"Soak company {n + 1:02d}")
    cats = company_categories(n)
    for c in cats:
        svc.subscribers.assign_product(company.id, products[c])
    plan["companies"][company.id] = {"categories": cats, "keys": [
        svc.subscribers.create_api_key(company.id, label=f"soak {k}").secret for k in range(keys)]}
ids = list(plan["companies"])
for i, port in enumerate(ports):
    company = ids[i % len(ids)]
    svc.webhooks.create_endpoint(company, f"http://127.0.0.1:{port}/hook")
    plan["endpoints"][str(port)] = company
user = svc.store.create_user(email="soak@example.org", name="Soak", role="editor")
plan["token"] = svc.store.create_token(user.id)
svc.close()
print(json.dumps(plan))
"""
    done = subprocess.run([PY, "-c", setup, str(args.companies), str(args.keys), json.dumps(ports)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"set-up failed:\n{done.stderr[-3000:]}")
    plan: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    keys = [(key, cid) for cid, c in plan["companies"].items() for key in c["keys"]]
    plan["streams"] = [keys[i % len(keys)] for i in range(args.streams)]
    plan["pollers"] = [(c["keys"][0], cid) for cid, c in plan["companies"].items()]
    return plan


@contextmanager
def node(env: dict[str, str], log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen([NEWSFLOW, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-demo"],
                                  env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_http(base + "/")
            yield server, base
        finally:
            server.terminate()
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(10)


# ---- the run ------------------------------------------------------------------------------------------

def publish_loop(http: httpx.Client, rate: float, seconds: float, out: Published, stop: threading.Event) -> None:
    """`rate` publishes a second on a fixed schedule, each started on time by one of a few threads
    (a publish is three API calls: one at a time, a loaded node would set the pace, not the schedule)."""
    start = time.monotonic()
    with ThreadPoolExecutor(PUBLISHERS) as pool:
        for n in range(int(rate * seconds)):
            if stop.is_set():
                break
            wait = start + n / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            pool.submit(publish_one, http, n, start + n / rate, out)


def publish_one(http: httpx.Client, n: int, due: float, out: Published) -> None:
    if time.monotonic() - due > 1.0:
        out.late += 1  # every thread was still busy a second after this one was due
    category = CATEGORIES[n % len(CATEGORIES)]
    try:
        made = http.post("/v1/newsroom/stories", json={"headline": "draft", "body_html": BODY,
                                                       "categories": [category]})
        made.raise_for_status()
        guid = made.json()["guid"]
        http.patch(f"/v1/newsroom/stories/{guid}",
                   json={"headline": f"Soak {n} t={time.time():.6f}"}).raise_for_status()
        http.post(f"/v1/newsroom/stories/{guid}/publish").raise_for_status()
        out.by_guid[guid] = category
    except httpx.HTTPError as exc:
        out.errors.append(f"publish {n}: {exc}")


def read_log(http: httpx.Client, after: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        page = http.get("/v1/newsroom/events", params={"after": after, "limit": 1000})
        page.raise_for_status()
        batch = page.json()
        if not batch:
            return events
        events += batch
        after = batch[-1]["seq"]


class Clients:
    def __init__(self, port: int, plan_file: Path, after: int) -> None:
        self.proc = subprocess.Popen([PY, str(HERE / "soak_clients.py"), "--port", str(port), "--plan",
                                      str(plan_file), "--after", str(after)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, line: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def ready(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"the clients did not open their streams: {line}")


def digest_of(seqs: list[int]) -> dict[str, int]:
    totals, out_of_order, last = Totals(), 0, 0
    for seq in seqs:
        out_of_order += seq <= last
        last = max(last, seq)
        totals.add(seq)
    return {"count": totals.count, "total": totals.total, "squares": totals.squares, "out_of_order": out_of_order}


def misses(digests: list[dict[str, Any]], expected: dict[str, Totals]) -> tuple[int, int, int]:
    """(clients whose set differs from their company's, events missing, repeats or reorderings)."""
    wrong = missing = disorder = 0
    for d in digests:
        want = expected[d["company"]]
        if (d["count"], d["total"], d["squares"]) != (want.count, want.total, want.squares) or d["out_of_order"]:
            wrong += 1
        missing += max(0, want.count - d["count"])
        disorder += d["out_of_order"]
    return wrong, missing, disorder


def histogram_percentile(buckets: dict[str, int], p: float) -> float:
    total = sum(buckets.values())
    if not total:
        return float("nan")
    seen, rank = 0, p / 100 * total
    for ms, n in sorted((int(k), v) for k, v in buckets.items()):
        seen += n
        if seen >= rank:
            return float(ms)
    return float(max(int(k) for k in buckets))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=float, default=5, help="publishes per second")
    ap.add_argument("--companies", type=int, default=20)
    ap.add_argument("--keys", type=int, default=5, help="API keys per company")
    ap.add_argument("--streams", type=int, default=2000)
    ap.add_argument("--endpoints", type=int, default=100)
    ap.add_argument("--drain", type=float, default=20, help="seconds allowed for deliveries after the last publish")
    ap.add_argument("--no-write", action="store_true", help="print the result, leave docs/reliability.md")
    args = ap.parse_args()
    seconds = args.minutes * 60
    receivers = Receivers(args.endpoints)
    try:
        with tempfile.TemporaryDirectory(prefix="nf-soak-") as tmp_name:
            tmp = Path(tmp_name)
            env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
            env |= {"NEWSFLOW_DATA_DIR": str(tmp), "NEWSFLOW_DEMO": "0", "NEWSFLOW_WEBHOOK_ALLOW_PRIVATE": "1",
                    "NEWSFLOW_RATE_PER_MINUTE": "1000000",
                    # the set-up imports bench/; an export of another commit given on PYTHONPATH stays first
                    "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT)]))}
            started = time.monotonic()
            plan = build(env, args, receivers.ports)
            print(f"set-up: {args.companies} companies, {args.companies * args.keys} keys, {args.endpoints} "
                  f"endpoints ({time.monotonic() - started:.0f} s)", flush=True)
            (tmp / "plan.json").write_text(json.dumps({"streams": plan["streams"], "pollers": plan["pollers"]}))
            result = run(args, env, tmp, plan, receivers, seconds)
    finally:
        receivers.close()
    report(args, result)


def run(args: argparse.Namespace, env: dict[str, str], tmp: Path, plan: dict[str, Any], receivers: Receivers,
        seconds: float) -> dict[str, Any]:
    with node(env, tmp / "node.log") as (server, base):
        staff = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {plan['token']}"}, timeout=60)
        start_seq = max([e["seq"] for e in read_log(staff, 0)], default=0)
        clients = Clients(int(base.rsplit(":", 1)[1]), tmp / "plan.json", start_seq)
        opening = time.monotonic()
        clients.ready()
        print(f"{args.streams} streams open ({time.monotonic() - opening:.0f} s)", flush=True)
        rss = [(0.0, rss_mb(server.pid))]
        hooks: dict[int, list[int]] = defaultdict(list)
        hook_ms: list[float] = []

        def collect() -> None:
            got = receivers.report()
            hook_ms.extend(got["latencies_ms"])
            for entry in got["ids"]:
                port, _, hook_id = entry.partition("/")
                hooks[int(port)].append(int(hook_id.removeprefix("evt_")))

        published, stop = Published(), threading.Event()
        publisher = threading.Thread(target=publish_loop, args=(staff, args.rate, seconds, published, stop))
        t0 = time.monotonic()
        publisher.start()
        minute = 1
        while publisher.is_alive():
            publisher.join(5)
            collect()
            if time.monotonic() - t0 >= 60 * minute:
                status = clients.ask("status")
                rss.append((minute, rss_mb(server.pid)))
                print(f"minute {minute}: RSS {rss[-1][1]:.0f} MB, {len(published.by_guid)} published, "
                      f"{status['events']:,} stream events, {status['polled']:,} polled, "
                      f"{sum(map(len, hooks.values())):,} webhook POSTs, errors {status['errors']}, "
                      f"streams ended {status['ends']}", flush=True)
                minute += 1
        elapsed = time.monotonic() - t0
        log = read_log(staff, start_seq)
        expected: dict[str, Totals] = {cid: Totals() for cid in plan["companies"]}
        for event in log:
            category = published.by_guid.get(event["guid"])
            for cid, company in plan["companies"].items():
                if category in company["categories"]:
                    expected[cid].add(event["seq"])
        want_posts = sum(expected[cid].count for cid in plan["endpoints"].values())
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and sum(map(len, hooks.values())) < want_posts:
            time.sleep(1)
            collect()
        time.sleep(min(args.drain, 5))  # streams and pollers: a moment for the last frames
        collect()
        rss.append((round(elapsed / 60, 1), rss_mb(server.pid)))
        final = clients.ask("stop")
        clients.proc.wait(60)
    lines = (tmp / "node.log").read_text(errors="replace").splitlines()
    problems = [line for line in lines if LOG_PROBLEM.search(line)]
    endpoint_digests = [{"company": plan["endpoints"][str(port)], **digest_of(hooks.get(port, []))}
                        for port in receivers.ports]
    return {"published": published, "events": len(log), "start_seq": start_seq, "elapsed": elapsed,
            "rss": rss, "final": final, "endpoint_digests": endpoint_digests, "hook_ms": hook_ms,
            "expected": expected, "log_problems": problems}


def report(args: argparse.Namespace, r: dict[str, Any]) -> None:
    published: Published = r["published"]
    final, expected = r["final"], r["expected"]
    streams, pollers, endpoints = final["streams"], final["pollers"], r["endpoint_digests"]
    s_wrong, s_missing, s_disorder = misses(streams, expected)
    p_wrong, p_missing, p_disorder = misses(pollers, expected)
    e_wrong, e_missing, e_disorder = misses(endpoints, expected)
    client_errors = [e for d in [*streams, *pollers] for e in d["errors"]]
    ends = sum(d["ends"] for d in streams)
    errors = len(published.errors) + len(client_errors) + ends + len(r["log_problems"])
    s50, s99 = (histogram_percentile(final["latency_buckets"], p) for p in (50, 99))
    w50, w99 = (percentile(r["hook_ms"], p) if r["hook_ms"] else float("nan") for p in (50, 99))
    rss = r["rss"]
    achieved = len(published.by_guid) / r["elapsed"]
    rows = [("SSE streams", streams, s_wrong, s_missing, s_disorder, f"{s50:.0f} / {s99:.0f}"),
            ("webhooks", endpoints, e_wrong, e_missing, e_disorder, f"{w50:.0f} / {w99:.0f}"),
            ("feed polling", pollers, p_wrong, p_missing, p_disorder, "(polled every 1 s)")]
    table = "\n".join(
        ["| channel | clients | events entitled | received | clients with a wrong set | missing | "
         "repeats or out of order | latency p50 / p99 ms |", "|---|---|---|---|---|---|---|---|"]
        + [f"| {name} | {len(ds):,} | {sum(expected[d['company']].count for d in ds):,} | "
           f"{sum(d['count'] for d in ds):,} | {wrong} | {missing} | {disorder} | {latency} |"
           for name, ds, wrong, missing, disorder, latency in rows])
    verdict = ("**passed**: zero errors, zero missed deliveries" if not errors and not
               (s_wrong or p_wrong or e_wrong) else "**failed** (see the counts)")
    body = f"""
One `newsflow serve` node (SQLite) for {r['elapsed'] / 60:.1f} minutes: {args.rate:g} publishes a second
through the newsroom API, {achieved:.1f} a second achieved ({len(published.by_guid):,} stories,
{r['events']:,} log events; {published.late} publishes started more than a second late);
{args.streams:,} SSE streams on `/v1/stream` over
{args.companies * args.keys} API keys of {args.companies} companies (each entitled to one to three of
{len(CATEGORIES)} categories); {args.endpoints} webhook endpoints at local receivers; {args.companies} feed pollers,
one per company, every second. Each client's seqs are checked against its company's entitlement,
worked out from the categories alone. Result: {verdict}.

{table}

Errors: {len(published.errors)} failed publishes, {len(client_errors)} refused or failed stream/feed
requests, {ends} streams ended by the server, {len(r['log_problems'])} ERROR or traceback lines in the node's log.

Server RSS (MB) by minute: {', '.join(f'{m:g}: {v:.0f}' for m, v in rss)} — start {rss[0][1]:.0f}, end {rss[-1][1]:.0f}.
"""
    if r["log_problems"]:
        body += "\nFirst log problems:\n\n" + "".join(f"    {line[:200]}\n" for line in r["log_problems"][:5])
    if client_errors or published.errors:
        first = [e for e in published.errors + client_errors if e][:5]
        body += "\nFirst errors:\n\n" + "".join(f"    {e[:200]}\n" for e in first)
    print(body)
    if not args.no_write:
        write_section("Soak: streams, webhooks and feed polling under a steady publish rate", body,
                      doc=ROOT / "docs" / "reliability.md", header=RELIABILITY)


if __name__ == "__main__":
    main()

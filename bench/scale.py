"""Scale: what each reader's question costs as the archive grows from 10k to 100k to 1M stories.

Each store is filled with bench/corpus.py's archive (through the ingest batch path, products
stamped) and measured at every size: search (SearchIndex, 1-3 words from the corpus vocabulary,
with and without a category filter, facets on, as a company and as staff), a feed page at the start
and at the end of the log (wire.feed.read_page), an item by id (wire.feed.item_for), a new company's
first page after being given a product (with wire.archive.stamp_product when the tree has it), the
public home and a category page, the portal's wire and search over HTTP against a running
`newsflow serve`, that server's cold start (process start to /readyz 200), and the database's size.

SQLite: `--sqlite` names the database file per size (`{n}` in the path); a file that exists is
measured as it is (bench/corpus.py grows one and copies it at each size: much faster than three
fills), else it is filled first. PostgreSQL: one fresh schema grown size by size and dropped at the
end; or, with `--pg-from-sqlite`, a fresh schema per size loaded the way an operator moves an
archive (`newsflow export` of that size's SQLite file, `newsflow import` into PostgreSQL), which is
many times faster than writing a million stories one batch at a time.
Figures are kept in `--results` (JSON, merged by store and size), so sizes measured in several
runs make one table; `--report` writes the table, docs/img/scale.png and the docs/benchmarks.md
section from it.

    .venv/bin/python bench/scale.py --sizes 10000 100000 --sqlite '/tmp/scale-sqlite-{n}.db' \\
        --database-url postgresql://127.0.0.1:5432/test --report
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import sqlalchemy as sa

from bench.corpus import CATEGORIES, WORDS, ensure_products, fill, text_of
from bench.procs import NEWSFLOW, free_port, percentile
from bench.report import write_section
from newsflow.auth import hash_password
from newsflow.store import Store
from newsflow.store.search import SearchIndex, SearchQuery
from newsflow.store.tables import events
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.feed import item_for, read_page
from newsflow.wire.subscribers import Subscribers

SECTION = "Scale: 10k → 100k → 1M stories"
ROOT = Path(__file__).resolve().parents[1]
PLOT = ROOT / "docs" / "img" / "scale.png"
PASSWORD = "scale probe password"
PAGE = 100  # feed page size
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# (key, label, unit) in table order
FIGURES: list[tuple[str, str, str]] = [
    ("search_staff", "search as staff, p50 / p95", "ms"),
    ("search_staff_category", "search as staff, category filter, p50 / p95", "ms"),
    ("search_company", "search as a company (all products), p50 / p95", "ms"),
    ("search_company_category", "search as a company, category filter, p50 / p95", "ms"),
    ("search_narrow", "search as a company with one narrow product, p50 / p95", "ms"),
    ("feed_start", "feed page (100) at the start of the log, p50 / p95", "ms"),
    ("feed_end", "feed page (100) at the end of the log, p50 / p95", "ms"),
    ("feed_narrow_end", "feed page at the end, narrow product, p50 / p95", "ms"),
    ("item", "item by id, p50 / p95", "ms"),
    ("stamp_product", "new product: stamp the archive (stamp_product)", "s"),
    ("new_company_page", "new company's first feed page, p50 / p95", "ms"),
    ("new_company_entries", "… entries on that first page", ""),
    ("http_home", "HTTP public home (rendered), p50 / p95", "ms"),
    ("http_category", "HTTP public category page (rendered), p50 / p95", "ms"),
    ("http_portal_wire", "HTTP portal wire, p50 / p95", "ms"),
    ("http_portal_search", "HTTP portal search, p50 / p95", "ms"),
    ("cold_start", "`newsflow serve` cold start to /readyz 200, median", "s"),
    ("size", "database size", "MB"),
]


def timed(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        t = time.perf_counter()
        call()
        out.append((time.perf_counter() - t) * 1000)
    return out


def spread(ms: list[float]) -> list[float]:
    return [round(percentile(ms, 50), 2), round(percentile(ms, 95), 2)]


def queries(seed: int, count: int) -> list[str]:
    """1-3 words of one language: common words (Zipf-weighted, as the corpus uses them) and coined
    ones from its long tail, so some queries match much of the archive and some a few stories."""
    rng = random.Random(seed)
    text = text_of(1)
    out = []
    for _ in range(count):
        language = rng.choice(("en", "en", "de", "fr", "es", "tr", "ar"))
        content = [w for w in WORDS[language] if len(w) > 3]
        words = [rng.choice(content) if rng.random() < 0.6 else rng.choice(text.rare[language])
                 for _ in range(rng.randint(1, 3))]
        out.append(" ".join(words))
    return out


def probe_company(subs: Subscribers, name: str, product_ids: list[int]) -> str:
    found = next((c for c in subs.list_companies() if c.name == name), None)
    company = found or subs.create_company(name)
    for product_id in product_ids:
        subs.assign_product(company.id, product_id)
    return company.id


def measure_store(store: Store, seed: int, rounds: int) -> dict[str, Any]:
    subs = Subscribers(store)
    store.entitlement = subs
    products = ensure_products(store)
    broad = subs.access(probe_company(subs, "Scale probe: everything", [products[0]]))
    narrow = subs.access(probe_company(subs, "Scale probe: flashes", [products[4]]))
    index = SearchIndex(store)
    rng = random.Random(seed)
    words = queries(seed, rounds)
    out: dict[str, Any] = {}

    def search(company: CompanyAccess | None, category: bool) -> list[float]:
        return spread(timed([lambda q=q: index.search(SearchQuery(
            q=q, categories=[rng.choice(CATEGORIES)] if category else (), facets=True), company)
            for q in words]))

    out["search_staff"] = search(None, False)
    out["search_staff_category"] = search(None, True)
    out["search_company"] = search(broad, False)
    out["search_company_category"] = search(broad, True)
    out["search_narrow"] = search(narrow, False)
    last = store.last_seq()
    starts = [k * PAGE for k in range(rounds)]
    ends = [max(0, last - PAGE * (k + 2)) for k in range(rounds)]
    out["feed_start"] = spread(timed([lambda a=a: read_page(store, broad, a, PAGE) for a in starts]))
    out["feed_end"] = spread(timed([lambda a=a: read_page(store, broad, a, PAGE) for a in ends]))
    # far enough back for a full page of a product that takes one event in fifteen; distinct, so none is kept
    narrow_ends = [max(0, last - 3000 - 37 * k) for k in range(rounds)]
    out["feed_narrow_end"] = spread(timed([lambda a=a: read_page(store, narrow, a, PAGE) for a in narrow_ends]))
    with store.read() as conn:
        guids = list(conn.execute(sa.select(events.c.guid).where(
            events.c.seq.in_([rng.randint(1, last) for _ in range(rounds)]))).scalars())
    out["item"] = spread(timed([lambda g=g: item_for(store, broad, g) for g in guids]))
    out.update(new_product(store, subs, rounds))
    out["size"] = round(database_mb(store), 1)
    return out


def new_product(store: Store, subs: Subscribers, rounds: int) -> dict[str, Any]:
    """A product made now, a company given it, and that company's first feed pages."""
    tag = secrets.token_hex(3)
    product = subs.create_product(f"Scale probe: Spanish sport {tag}", {"languages": ["es"], "categories": ["Sport"]})
    out: dict[str, Any] = {}
    try:
        from newsflow.wire.archive import stamp_product  # the lead's archive stamping, when in the tree
    except ImportError:
        out["stamp_product"] = None  # not in this tree: the company sees only events written from now on
    else:
        t = time.perf_counter()
        stamp_product(store, product.id)
        out["stamp_product"] = round(time.perf_counter() - t, 2)
    access = subs.access(probe_company(subs, f"Scale probe: new {tag}", [product.id]))
    out["new_company_page"] = spread(timed([lambda a=a: read_page(store, access, a, PAGE)
                                            for a in [k * PAGE for k in range(min(rounds, 5))]]))
    out["new_company_entries"] = len(read_page(store, access, 0, PAGE).entries)
    return out


def database_mb(store: Store) -> float:
    if store.dialect == "sqlite":
        path = Path(store.engine.url.database or "")
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 2**20
    with store.read() as conn:
        return float(conn.execute(sa.text(
            "SELECT sum(pg_total_relation_size(format('%I.%I', schemaname, tablename)::regclass)) "
            "FROM pg_tables WHERE schemaname = current_schema()")).scalar_one()) / 2**20


# ---- over HTTP --------------------------------------------------------------------------------------


@contextmanager
def serving(url: str) -> Iterator[tuple[str, float]]:
    """`newsflow serve` on the database; yields its address and the seconds from process start to
    /readyz answering 200."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        env |= {"NEWSFLOW_DATA_DIR": tmp, "NEWSFLOW_DATABASE_URL": url, "NEWSFLOW_DEMO": "0"}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        log = Path(tmp) / "serve.log"
        with log.open("wb") as err:
            server = subprocess.Popen([NEWSFLOW, "serve", "--port", str(port), "--no-demo"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = started + 600
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError(f"newsflow serve did not get ready: {log.read_text()[-2000:]}")
                time.sleep(0.05)
            yield base, time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(30)


def measure_http(store: Store, url: str, seed: int, rounds: int) -> dict[str, Any]:
    subs = Subscribers(store)
    products = ensure_products(store)
    company = probe_company(subs, "Scale probe: everything", [products[0]])
    email = f"reader-{secrets.token_hex(4)}@scale-probe.example"
    store.create_user(email=email, name="Scale probe reader", role="subscriber", company_id=company,
                      password_hash=hash_password(PASSWORD))
    starts = []
    for _ in range(2):
        with serving(url) as (_, seconds):
            starts.append(seconds)
    out: dict[str, Any] = {}
    with serving(url) as (base, seconds):
        starts.append(seconds)
        with httpx.Client(base_url=base, timeout=120) as http:
            def get(path: str) -> Callable[[], object]:
                return lambda: http.get(path).raise_for_status()

            # A distinct query string per request: the site keeps each rendered page, and the render is what grows.
            out["http_home"] = spread(timed([get(f"/?scale={k}") for k in range(rounds)]))
            out["http_category"] = spread(timed([get(f"/category/{quote(CATEGORIES[k % len(CATEGORIES)])}?scale={k}")
                                                 for k in range(rounds)]))
            token = CSRF.search(http.get("/login").text)
            assert token, "no CSRF field on /login"
            signed = http.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1),
                                               "next": "/portal"})
            if signed.status_code != 303 or signed.headers.get("location") != "/portal":
                raise RuntimeError(f"sign-in refused: {signed.status_code}")
            out["http_portal_wire"] = spread(timed([get(f"/portal?category={quote(c)}")
                                                    for c in (CATEGORIES * rounds)[:rounds]]))
            out["http_portal_search"] = spread(timed([get(f"/portal/search?q={quote(q)}")
                                                      for q in queries(seed + 1, rounds)]))
    out["cold_start"] = round(sorted(starts)[len(starts) // 2], 2)
    return out


# ---- stores and sizes ----------------------------------------------------------------------------------


def pg_schema(url: str) -> tuple[str, str]:
    schema = f"scale_{secrets.token_hex(4)}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return schema, f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def drop_schema(url: str, schema: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def load_from_sqlite(url: str, sqlite_path: Path, n: int) -> dict[str, Any]:
    """`newsflow export` of the SQLite corpus (kept beside it), `newsflow import` into `url`."""
    from newsflow.backup import export_archive, restore_archive
    from newsflow.store.engine import create_engine

    backup = sqlite_path.with_suffix(".zip")
    media = Path(tempfile.mkdtemp(prefix="scale-media-"))
    if not backup.exists():
        source = create_engine(f"sqlite:///{sqlite_path}")
        t = time.perf_counter()
        export_archive(source, media, backup, agency="scale")
        print(f"exported {n:,} stories in {time.perf_counter() - t:,.0f} s", flush=True)
        source.dispose()
    target = create_engine(url)
    t = time.perf_counter()
    restore_archive(target, media, backup)
    seconds = time.perf_counter() - t
    target.dispose()
    print(f"imported {n:,} stories in {seconds:,.0f} s", flush=True)
    return {"import_rate": round(n / seconds), "import_seconds": round(seconds)}


def run_size(name: str, url: str, n: int, args: argparse.Namespace, filled: dict[str, Any]) -> dict[str, Any]:
    store = Store(url)
    store.migrate()
    print(f"{name} {n:,}: measuring", flush=True)
    figures = {"stories": n, **filled, **measure_store(store, args.seed, args.rounds)}
    figures.update(measure_http(store, url, args.seed, args.rounds))
    store.close()
    print(json.dumps(figures), flush=True)
    return figures


def grow(url: str, have: int, want: int, seed: int) -> dict[str, Any]:
    store = Store(url)
    store.migrate()
    if have == 0:
        ensure_products(store)
    done = fill(store, want - have, seed=seed, start=have, workers=1)
    store.close()
    return {"fill_rate": round(done.rate), "fill_seconds": round(done.seconds)}


def save(path: Path, name: str, figures: dict[str, Any]) -> None:
    held = json.loads(path.read_text()) if path.exists() else {}
    held.setdefault(name, {})[str(figures["stories"])] = figures
    path.write_text(json.dumps(held, indent=1))


# ---- the report ------------------------------------------------------------------------------------------


def cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return f"{value[0]:,.1f} / {value[1]:,.1f}" if value[1] < 100 else f"{value[0]:,.0f} / {value[1]:,.0f}"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def table(held: dict[str, dict[str, dict[str, Any]]]) -> str:
    columns = [(store, n) for store in held for n in sorted(held[store], key=int)]
    head = "| figure | " + " | ".join(f"{store} {int(n):,}" for store, n in columns) + " |"
    rows = [head, "|---" * (len(columns) + 1) + "|"]
    for key, label, unit in [("fill_rate", "corpus fill rate (stories/s)", ""),
                             ("import_rate", "loaded by `newsflow import` from the SQLite corpus (stories/s)", ""),
                             *FIGURES]:
        values = [held[store][n].get(key) for store, n in columns]
        if all(v is None for v in values):
            continue
        rows.append(f"| {label}{f' ({unit})' if unit else ''} | " + " | ".join(cell(v) for v in values) + " |")
    return "\n".join(rows)


def plot(held: dict[str, dict[str, dict[str, Any]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("search (p50, ms)", [k for k, _, _ in FIGURES if k.startswith("search")]),
              ("feed and items (p50, ms)", ["feed_start", "feed_end", "feed_narrow_end", "item", "new_company_page"]),
              ("over HTTP (p50, ms)", ["http_home", "http_category", "http_portal_wire", "http_portal_search"]),
              ("cold start (s) and size (GB)", ["cold_start", "size"])]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    colours = plt.get_cmap("tab10")
    for ax, (title, keys) in zip(axes.flat, panels, strict=True):
        for store, sizes in held.items():
            ns = sorted(sizes, key=int)
            for key in keys:
                points = [(int(n), sizes[n].get(key)) for n in ns if sizes[n].get(key) is not None]
                if not points:
                    continue
                points = [(x, v[0] if isinstance(v, list) else v / 1024 if key == "size" else v) for x, v in points]
                points = [(x, y) for x, y in points if y > 0.01]  # a page served from memory has no place on a log axis
                ys = [y for _, y in points]
                ax.plot([x for x, _ in points], ys, marker="o", linestyle="-" if store == "sqlite" else "--",
                        color=colours(keys.index(key)), label=f"{key} ({store})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel("stories")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Newsflow as the archive grows (solid: SQLite, dashed: PostgreSQL; p50)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)


def report(held: dict[str, dict[str, dict[str, Any]]], notes: str) -> None:
    plot(held, PLOT)
    write_section(SECTION, f"""
The archive bench/corpus.py writes (six languages, bodies of a few hundred to several thousand words,
products stamped at write time), measured at each size on one node; ms are p50 / p95 of
{'the queries and pages named'} on a shared 2-core machine (other work ran alongside: read the growth,
not the last digit). Search, feed and items are timed in-process (SearchIndex, wire.feed); the
public site and the portal over HTTP against a running `newsflow serve` on the same database.

{table(held)}

![growth of each figure with the archive](img/{PLOT.name})

{notes.strip()}
""")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--sqlite", help="SQLite file per size, with {n} (measured if it exists, else filled)")
    ap.add_argument("--database-url", help="PostgreSQL server: a fresh schema is grown, measured and dropped")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg-from-sqlite", action="store_true",
                    help="load each PostgreSQL size from --sqlite's file by export/import, in its own schema")
    ap.add_argument("--rounds", type=int, default=30, help="queries / pages per figure")
    ap.add_argument("--results", type=Path, default=Path("/tmp/newsflow-scale.json"))
    ap.add_argument("--report", action="store_true", help="write the table, plot and docs section from --results")
    ap.add_argument("--notes", type=Path, help="markdown appended to the section (findings)")
    args = ap.parse_args()
    sizes = sorted(args.sizes)
    if args.sqlite and not args.pg_from_sqlite:
        for n in sizes:
            path = Path(args.sqlite.format(n=n))
            filled: dict[str, Any] = {}
            if not path.exists():
                filled = grow(f"sqlite:///{path}", 0, n, args.seed)
            save(args.results, "sqlite", run_size("sqlite", f"sqlite:///{path}", n, args, filled))
    if args.database_url and args.pg_from_sqlite:
        for n in sizes:
            schema, url = pg_schema(args.database_url)
            try:
                loaded = load_from_sqlite(url, Path(args.sqlite.format(n=n)), n)
                save(args.results, "postgresql", run_size("postgresql", url, n, args, loaded))
            finally:
                drop_schema(args.database_url, schema)
    elif args.database_url:
        schema, url = pg_schema(args.database_url)
        try:
            have = 0
            for n in sizes:
                filled = grow(url, have, n, args.seed)
                have = n
                save(args.results, "postgresql", run_size("postgresql", url, n, args, filled))
        finally:
            drop_schema(args.database_url, schema)
    if args.report:
        report(json.loads(args.results.read_text()), args.notes.read_text() if args.notes else "")


if __name__ == "__main__":
    main()

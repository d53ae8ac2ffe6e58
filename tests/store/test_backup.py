"""Backup and restore (issue 10, item 7): the whole system to one file and back, on either store.

The round trip goes SQLite → PostgreSQL → SQLite and compares every table row by row (seq included)
and the media files byte for byte; then the restored systems keep numbering where the original
stopped. Damaged, altered and hostile archives, and non-empty targets, write nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from newsflow.backup import ArchiveError, export_archive, restore_archive
from newsflow.backup.archive import MANIFEST, column_kind, decode, dump_line, encode
from newsflow.backup.schema import head_revision, schema_tables
from newsflow.config import Settings
from newsflow.model import utcnow
from newsflow.services import Services, bootstrap
from newsflow.store.engine import create_engine
from newsflow.store.search import SearchQuery
from newsflow.wire.webhooks import Outcome
from tests.helpers import jpeg, publish_story

HOSTILE = "Söz \u2028 \"quoted\" <b>&amp;</b> \u202eRTL 🗞 \\ ' ;--"


def _fill(svc: Services) -> None:
    """Something in every corner: the demo wire (versions, an update, a correction, a kill, an
    embargo, photos) plus subscribers, keys, webhooks with deliveries and attempts, usage, alerts,
    the portal's tables, a subscription request and an ingest source."""
    bootstrap(svc)
    subs = svc.subscribers
    company = subs.create_company("Daily Planet", may_receive_embargoed=True)
    world = subs.create_product("World", {"categories": ["World"]})
    everything = subs.create_product("Everything", {})
    subs.assign_product(company.id, world.id)
    subs.assign_product(company.id, everything.id)
    key = subs.create_api_key(company.id, label="cms", scopes=["read"])
    reader = svc.store.create_user(email="reader@planet.example", name="Lois", role="subscriber",
                                   company_id=company.id)
    admin = svc.store.user_by_email("admin@newsflow.local")
    svc.store.create_token(admin.id, "ops")
    search_id = svc.alerts.save_search(reader.id, "world", {"q": "Azerbaijan"}, email=True)
    assert search_id
    # an endpoint for all products (product_ids SQL NULL) and one narrowed to a product
    svc.webhooks.create_endpoint(company.id, "https://93.184.216.34/hook")
    svc.webhooks.create_endpoint(company.id, "https://93.184.216.34/world", product_ids=[world.id])
    photo = svc.media.add(jpeg(640, 400, (200, 40, 40)), filename="fire.jpg", caption=HOSTILE, credit="AA")
    guid = publish_story(svc, "Azerbaijan seizes arms " + HOSTILE, "World", spot="A spot.",
                         body_html="<p>Body</p>", photos=[{"media_id": photo["id"], "caption": "c"}])
    publish_story(svc, "Markets close higher", "Economy")
    fresh = svc.store.events_after(svc.store.last_seq() - 2)
    svc.webhooks.plan(fresh)
    jobs, _ = svc.webhooks.next_jobs("backup-test", 10)
    assert jobs, "a delivery to attempt"
    svc.webhooks.record([Outcome(**jobs[0].claimed(), started=utcnow(), duration_ms=12, status=503,
                                 error="HTTP 503")])
    svc.alerts.raise_for(fresh)
    svc.usage.record_answer(company.id, key.key.id, "feed", "ninjs", ((guid, 1),))
    svc.usage.flush()
    svc.portal.bookmark(reader.id, guid)
    svc.portal.note(reader.id, guid, 1, "download", "nitf")
    svc.subscription_requests.add({"organisation": "Gazette", "name": "Ann", "email": "ann@gazette.example",
                                   "country": "TR", "interests": ["World"], "message": HOSTILE})
    svc.ingestor.sources.add("partner-push", "push")


def _open(url: str, root: Path, demo: bool = False) -> Services:
    return Services.open(Settings(data_dir=root, database_url=url, media_dir=root / "media", demo=demo))


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A filled SQLite system, made once per module (the demo takes seconds); tests work on copies."""
    root = tmp_path_factory.mktemp("filled")
    svc = _open(f"sqlite:///{root / 'newsflow.db'}", root, demo=True)
    _fill(svc)
    svc.close()
    return root


@pytest.fixture
def original(filled: Path, tmp_path: Path) -> Iterator[Services]:
    root = tmp_path / "original"
    shutil.copytree(filled, root)
    svc = _open(f"sqlite:///{root / 'newsflow.db'}", root)
    yield svc
    svc.close()


def table_rows(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the schema, in key order; JSON columns also say whether they hold
    SQL NULL (SQLAlchemy reads SQL NULL and JSON null alike)."""
    engine = create_engine(url)
    found: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.connect() as conn:
            for table in schema_tables():
                nulls = [c.is_(None).label(f"{c.name} IS NULL") for c in table.columns if column_kind(c) == "json"]
                rows = [dict(r) for r in conn.execute(sa.select(*table.columns, *nulls)).mappings()]
                key = [c.name for c in table.primary_key.columns]
                found[table.name] = sorted(rows, key=lambda r: [r[k] for k in key])
    finally:
        engine.dispose()
    return found


def media_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _export(svc: Services, target: Path) -> None:
    export_archive(svc.store.engine, svc.settings.media_dir, target, agency="Test Agency")


def _restore(url: str, root: Path, archive: Path) -> None:
    engine = create_engine(url)
    try:
        restore_archive(engine, root / "media", archive)
    finally:
        engine.dispose()


def test_round_trip_sqlite_postgresql_sqlite_keeps_every_row_and_file(original: Services, tmp_path: Path,
                                                                       pg_schema_url: str) -> None:
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    _export(original, first)
    _restore(pg_schema_url, tmp_path / "pg", first)
    pg = _open(pg_schema_url, tmp_path / "pg")
    _export(pg, second)
    pg.close()
    copy_url = f"sqlite:///{tmp_path / 'copy' / 'newsflow.db'}"
    _restore(copy_url, tmp_path / "copy", second)

    expected = table_rows(original.store.url)
    assert sum(map(len, expected.values())) > 200
    assert [name for name in ("stories", "versions", "events", "event_products", "media", "companies",
                                    "products", "company_products", "api_keys", "users", "tokens",
                                    "webhook_endpoints", "webhook_deliveries", "webhook_attempts", "usage",
                                    "portal_saved_searches", "portal_alerts", "portal_bookmarks",
                                    "portal_history", "subscription_requests", "ingest_sources", "search_docs")
                  if not expected[name]] == [], "a corner of the system left empty: the round trip would not test it"
    assert {e["kind"] for e in expected["events"]} >= {"publish", "update", "correct", "kill"}
    assert any(v["embargo"] for v in expected["versions"])
    # "all products" is kept as a JSON null (not SQL NULL): the copies must keep which one it is
    assert any(e["product_ids"] is None and not e["product_ids IS NULL"] for e in expected["webhook_endpoints"])
    for url in (pg_schema_url, copy_url):
        restored = table_rows(url)
        for name, rows in expected.items():
            assert restored[name] == rows, f"table {name} differs after the round trip ({url.split(':')[0]})"
    original_media = media_files(original.settings.media_dir)
    assert len(original_media) >= 100
    assert media_files(tmp_path / "pg" / "media") == original_media
    assert media_files(tmp_path / "copy" / "media") == original_media

    # the restored systems number on from where the original stopped, and search finds the copy
    last = max(e["seq"] for e in expected["events"])
    last_product = max(p["id"] for p in expected["products"])
    for url, root in ((pg_schema_url, tmp_path / "pg"), (copy_url, tmp_path / "copy")):
        svc = _open(url, root)
        try:
            publish_story(svc, "After the restore", "World")
            assert svc.store.last_seq() == last + 1
            assert svc.subscribers.create_product("New", {}).id == last_product + 1
            assert svc.search.search(SearchQuery(q="Azerbaijan", limit=5), None).total >= 1
        finally:
            svc.close()


def test_import_refuses_a_database_that_holds_anything(original: Services, database_url: str,
                                                       tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    _export(original, archive)
    target = _open(database_url, tmp_path / "target")
    user = target.store.create_user(email="someone@example.org", name="Someone", role="editor")
    target.close()
    before = table_rows(database_url)
    with pytest.raises(ArchiveError, match=r"not empty.*users"):
        _restore(database_url, tmp_path / "target", archive)
    assert table_rows(database_url) == before and before["users"][0]["id"] == user.id
    assert not (tmp_path / "target" / "media").exists()


def test_import_into_a_migrated_but_empty_database_works(original: Services, database_url: str,
                                                         tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    _export(original, archive)
    _open(database_url, tmp_path / "target").close()  # `newsflow migrate`: seeded rows, no content
    _restore(database_url, tmp_path / "target", archive)
    assert table_rows(database_url) == table_rows(original.store.url)
    if database_url.startswith("postgresql"):  # the planner has statistics for what was restored
        engine = create_engine(database_url)
        with engine.connect() as conn:
            analyzed = conn.execute(sa.text("SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'versions' "
                                            "AND schemaname = current_schema() AND last_analyze IS NOT NULL")).scalar()
        engine.dispose()
        assert analyzed == 1


def _rewrite(source: Path, target: Path, change: Any) -> None:
    """A copy of the archive with `change(name, data) -> data` applied to each member."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))


def _manifest_edit(edit: Any) -> Any:
    def change(name: str, data: bytes) -> bytes:
        if name != MANIFEST:
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()
    return change


def _break_a_version(name: str, data: bytes) -> bytes:
    return data.replace(b'"publish"', b'"publiXh"', 1) if name == "tables/events.jsonl" else data


def _with_fresh_checksum(table: str, row: Any) -> Any:
    """A well-formed, correctly checksummed archive with one more row in `table`: `row(last_row)` of
    the table's last row, which the restore must refuse (the failure comes after many tables were
    inserted, so everything before it must roll back)."""
    def make(source: Path, target: Path) -> None:
        with zipfile.ZipFile(source) as zin:
            rows = zin.read(f"tables/{table}.jsonl")
        bad = rows + (row(json.loads(rows.splitlines()[-1])) + b"\n")

        def change(name: str, data: bytes) -> bytes:
            if name == f"tables/{table}.jsonl":
                return bad
            return _manifest_edit(lambda m: [t.update(rows=t["rows"] + 1, sha256=hashlib.sha256(bad).hexdigest())
                                             for t in m["tables"] if t["name"] == table])(name, data)
        _rewrite(source, target, change)
    return make


def _dangling(row: list[Any]) -> bytes:
    return dump_line([10**9, *row[1:]])[:-1]  # an event_products row for an event that does not exist


def _huge_number(row: list[Any]) -> bytes:
    return dump_line([10**40, *row[1:]])[:-1]


def _deep(row: list[Any]) -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


DAMAGE = {
    "truncated": ("not a Newsflow backup|not a complete zip|damaged", None),
    "altered member": ("does not match its checksum", lambda s, t: _rewrite(s, t, _break_a_version)),
    "unknown revision": (r"revision '9999_future'.*does not know", lambda s, t: _rewrite(s, t, _manifest_edit(
        lambda m: m.update(alembic_revision="9999_future")))),
    "newer format": ("format version 7", lambda s, t: _rewrite(s, t, _manifest_edit(
        lambda m: m.update(format_version=7)))),
    "escaping media path": ("not a plain relative path", lambda s, t: _rewrite(s, t, _manifest_edit(
        lambda m: m["media"][0].update(path="../../outside.jpg")))),
    "unknown table": ("table 'rogue'", lambda s, t: _rewrite(s, t, _manifest_edit(
        lambda m: m["tables"][0].update(name="rogue")))),
    "rows the database refuses": ("refused", _with_fresh_checksum("event_products", _dangling)),
    "a number too large": ("refused|out of range", _with_fresh_checksum("usage", _huge_number)),
    "deeply nested row": ("line", _with_fresh_checksum("events", _deep)),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_altered_archive_writes_nothing(original: Services, database_url: str, tmp_path: Path,
                                                     damage: str) -> None:
    good, bad = tmp_path / "good.zip", tmp_path / "bad.zip"
    _export(original, good)
    message, make = DAMAGE[damage]
    if make is None:
        bad.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    else:
        make(good, bad)
    with pytest.raises(ArchiveError, match=message):
        _restore(database_url, tmp_path / "target", bad)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        assert sa.inspect(conn).get_table_names() == [], "the database was left half-written"
    engine.dispose()
    assert media_files(tmp_path / "target") == {} and not (tmp_path / "outside.jpg").exists()
    _restore(database_url, tmp_path / "target", good)  # and the same target takes a good archive after
    assert table_rows(database_url)["events"] == table_rows(original.store.url)["events"]


class _PublishBetweenTables:
    """A progress hook that publishes a story each time the export moves on to another table: the
    worst interleaving for an export that is not one snapshot."""

    def __init__(self, svc: Services) -> None:
        self.svc, self.table, self.published = svc, "", 0

    def phase(self, label: str, total: int) -> None:
        pass

    def advance(self, label: str, amount: int = 1) -> None:
        if label != self.table:
            self.table = label
            # from another thread: the export holds its own connection and transaction
            worker = threading.Thread(target=publish_story, args=(self.svc, f"Breaking {self.published}", "World"))
            worker.start()
            worker.join(30)
            self.published += 1


def test_the_export_is_one_snapshot_while_the_desk_keeps_publishing(original: Services, tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    hook = _PublishBetweenTables(original)
    before = original.store.last_seq()
    export_archive(original.store.engine, original.settings.media_dir, archive, agency="A", progress=hook)
    assert hook.published >= 5 and original.store.last_seq() == before + hook.published
    with zipfile.ZipFile(archive) as zf:
        def rows(name: str) -> list[list[Any]]:
            return [json.loads(line) for line in zf.read(f"tables/{name}.jsonl").splitlines()]
        seqs = [row[0] for row in rows("events")]
        assert max(seqs) == before, "events published during the export leaked into it"
        assert {tuple(r[:2]) for r in rows("versions")} == {(r[2], r[3]) for r in rows("events")}
        assert max(r[0] for r in rows("event_products")) <= before


def test_every_table_in_the_database_is_in_the_archive_and_an_unknown_one_stops_the_export(
        original: Services, tmp_path: Path) -> None:
    archive = tmp_path / "backup.zip"
    _export(original, archive)
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read(MANIFEST))
    with original.store.engine.connect() as conn:
        in_db = set(sa.inspect(conn).get_table_names())
    archived = {t["name"] for t in manifest["tables"]}
    assert manifest["alembic_revision"] == head_revision()
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds password hashes and signing secrets
    assert in_db - archived <= {"alembic_version", "sqlite_sequence"} | {n for n in in_db if
                                                                         n.startswith("search_fts")}
    with original.store.write() as conn:
        conn.exec_driver_sql("CREATE TABLE rogue (id INTEGER PRIMARY KEY)")
    with pytest.raises(ArchiveError, match="rogue"):
        _export(original, tmp_path / "other.zip")
    assert not (tmp_path / "other.zip").exists() and not (tmp_path / "other.zip.partial").exists()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
TIMES = st.datetimes(min_value=dt.datetime(1, 1, 2), timezones=st.just(dt.UTC))


@settings(max_examples=300)
@given(kind_value=st.one_of(
    st.tuples(st.just("json"), JSON_VALUES, st.booleans()),
    st.tuples(st.just("datetime"), TIMES | st.none(), st.just(False)),
    st.tuples(st.just("bytes"), st.binary() | st.none(), st.just(False)),
    st.tuples(st.just("plain"), st.text() | st.integers() | st.booleans() | st.none(), st.just(False))))
def test_every_value_comes_back_as_it_went_in(kind_value: tuple[Any, Any, bool]) -> None:
    kind, value, sql_null = kind_value
    line = dump_line([encode(kind, value, sql_null)])
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # one row, one line, whatever the text
    (back,) = json.loads(line)
    decoded = decode(kind, back)
    if kind == "json":
        # SQL NULL and a stored JSON null stay apart
        assert decoded == (None if sql_null else sa.JSON.NULL if value is None else value)
    else:
        assert decoded == value and type(decoded) is type(value)

"""Full-text search with facets, on SQLite FTS5 and PostgreSQL alike.

The security rule is checked as a property: for random products, stories and companies, every hit
and every facet count covers only stories `may_see` lets the company see, and misses none of them.
"""

# Turkish text is full of the dotless i, which RUF001 takes for a confusable Latin i.
# ruff: noqa: RUF001

from __future__ import annotations

import html
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from newsflow.model import Event, EventKind, PubStatus, Story, StoryVersion
from newsflow.store import Store
from newsflow.store import search as search_module
from newsflow.store.engine import MIGRATIONS
from newsflow.store.search import (
    FACETS,
    MAX_QUERY_CHARS,
    QueryError,
    SearchIndex,
    SearchQuery,
    SearchResult,
    filter_tag,
    fts5_expression,
    parse,
    rebuild,
)
from newsflow.store.search_tables import search_docs
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.subscribers import Subscribers
from tests.wire.strategies import CATEGORIES, DOSSIERS, STORY_LANGUAGES, filter_specs

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
# No shrinking: examples write to one database, so a replay runs against more data than the original
# did, and shrinking would mostly add time; the failing example itself is reported.
DB_SETTINGS = settings(max_examples=30, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
                       suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclass
class Desk:
    """Publishes through the Store and makes sure each event's product ids are recorded."""

    store: Store
    subs: Subscribers
    clock: Iterator[int] = field(default_factory=itertools.count)

    def publish(self, headline: str, *, spot: str = "", body: str = "", created: datetime | None = None,
                **fields: Any) -> tuple[StoryVersion, Event]:
        story = _story(headline, spot, body, **fields)
        created = created or NOW - timedelta(minutes=next(self.clock))  # distinct times: a stable order
        guid = self.store.create_story(story, now=created).guid
        return self._entitled(*self.store.append_version(guid, story, EventKind.publish, now=created))

    def update(self, guid: str, headline: str, *, spot: str = "", body: str = "",
               **fields: Any) -> tuple[StoryVersion, Event]:
        return self._entitled(*self.store.append_version(guid, _story(headline, spot, body, **fields),
                                                         EventKind.update))

    def kill(self, guid: str) -> tuple[StoryVersion, Event]:
        notice = "This story has been withdrawn."
        killed = _story("Withdrawn", notice, notice)
        return self._entitled(*self.store.append_version(guid, killed, EventKind.kill,
                                                         pubstatus=PubStatus.canceled))

    def _entitled(self, version: StoryVersion, event: Event) -> tuple[StoryVersion, Event]:
        # Once the Store stamps events itself the ids are there already; stamping again would add
        # nothing (the same products match), so only stamp an event that has none.
        if not self.subs.event_products([event.seq])[event.seq]:
            with self.store.write() as conn:
                self.subs.entitle(conn, [event], {(version.guid, version.version): version})
        return version, event

    def products_of(self, event: Event) -> frozenset[int]:
        return self.subs.event_products([event.seq])[event.seq]


def _story(headline: str, spot: str = "", body: str = "", **fields: Any) -> Story:
    body_html = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n") if p)
    return Story.model_validate({"headline": headline, "spot": spot, "body_html": body_html, **fields})


@pytest.fixture
def desk(store: Store) -> Desk:
    return Desk(store, Subscribers(store))


@pytest.fixture
def index(store: Store) -> SearchIndex:
    return SearchIndex(store)


def _guids(result: SearchResult) -> list[str]:
    return [hit.guid for hit in result.hits]


def _find(index: SearchIndex, q: str = "", company: CompanyAccess | None = None, *, now: datetime = NOW,
          **filters: Any) -> SearchResult:
    return index.search(SearchQuery(q=q, limit=100, **filters), company, now)


# ---- relevance, updates, kills ----------------------------------------------------------------------


def test_headline_match_ranks_above_spot_and_body_matches(desk: Desk, index: SearchIndex) -> None:
    in_body, _ = desk.publish("Harvest report from the valley", body="A flood crossed two farms last week.",
                              created=NOW - timedelta(minutes=1))  # the newest, so only rank can lift the others
    in_headline, _ = desk.publish("Flood waters rise in the delta", body="Farmers move cattle to higher ground.",
                                  created=NOW - timedelta(hours=2))
    in_spot, _ = desk.publish("Delta farmers count losses", spot="The flood reached three villages.",
                              body="Insurance claims are expected.", created=NOW - timedelta(hours=1))
    desk.publish("Parliament debates budget", body="Nothing about water.")

    result = _find(index, "flood")
    assert _guids(result) == [in_headline.guid, in_spot.guid, in_body.guid]
    assert result.total == 3
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    top = result.hits[0]
    assert (top.headline, top.version, top.language, top.version_created) == (
        "Flood waters rise in the delta", 1, "en", in_headline.version_created)
    assert "<mark>" in result.hits[2].snippet and "flood" in result.hits[2].snippet.lower()


def test_browsing_without_words_lists_newest_first(desk: Desk, index: SearchIndex) -> None:
    stories = [desk.publish(f"Story number {i}", spot=f"Spot {i}")[0] for i in range(5)]
    result = _find(index)
    assert _guids(result) == [s.guid for s in stories]  # published at NOW, NOW-1 min, …
    assert all(hit.score == 0 and hit.snippet.startswith("Spot") for hit in result.hits)
    page = index.search(SearchQuery(limit=2, offset=2), None, NOW)
    assert _guids(page) == [s.guid for s in stories[2:4]] and page.total == 5


def test_a_new_version_replaces_the_old_and_a_kill_removes_the_story(desk: Desk, index: SearchIndex) -> None:
    first, _ = desk.publish("Bridge closed after crash", categories=["Roads"])
    desk.update(first.guid, "Bridge reopens to traffic", categories=["Traffic"])
    assert _find(index, "crash").total == 0
    result = _find(index, "bridge")
    assert [(h.guid, h.version, h.categories) for h in result.hits] == [(first.guid, 2, ("Traffic",))]
    assert [f.value for f in result.facets["category"]] == ["Traffic"]

    desk.kill(first.guid)
    assert _find(index, "bridge").total == 0
    assert _find(index, "withdrawn").total == 0  # the kill notice is not a story to find
    assert _find(index).total == 0
    with desk.store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(search_docs)).scalar_one() == 0


def test_ingested_batches_index_each_storys_newest_version(desk: Desk, index: SearchIndex) -> None:
    base = desk.publish("Placeholder")[0]
    versions = [base.model_copy(update={"guid": f"wire-{n}", "version": v, "headline": f"Wire copy {n} take {v}"})
                for n in range(3) for v in (1, 2)]
    killed = versions[-1].model_copy(update={"version": 3, "pubstatus": PubStatus.canceled})
    written = desk.store.ingest_versions([*versions, killed], now=NOW)
    assert all(isinstance(outcome, Event) for _, outcome in written)
    result = _find(index, "wire")
    assert sorted((h.guid, h.version) for h in result.hits) == [("wire-0", 2), ("wire-1", 2)]
    assert _find(index, '"take 1"').total == 0


def test_snippets_escape_story_text(desk: Desk, index: SearchIndex) -> None:
    desk.publish("Markup test", body='The court read <script>alert("x")</script> & the flood ruling aloud.')
    snippet = _find(index, "flood").hits[0].snippet
    # SQLite keeps the tag as escaped text; PostgreSQL's parser drops tag-like tokens from headlines
    assert "<script>" not in snippet and "alert(&quot;x&quot;)" in snippet and "&amp;" in snippet
    assert "<mark>flood</mark>" in snippet.lower()


# ---- language ---------------------------------------------------------------------------------------


def test_case_and_diacritics_do_not_matter(desk: Desk, index: SearchIndex) -> None:
    cafe, _ = desk.publish("Café owners protest rent rises", language="fr")
    economy, _ = desk.publish("ÉCONOMIE: la croissance ralentit", language="fr")
    turkish, _ = desk.publish("İstanbul'da çağ değişti", spot="Boğaziçi köprüsü trafiğe kapandı", language="tr")
    for q, expected in [("cafe", cafe), ("CAFÉ", cafe), ("Cafe", cafe), ("economie", economy),
                        ("Économie", economy), ("istanbul", turkish), ("İSTANBUL", turkish), ("cag", turkish),
                        ("ÇAĞ degisti", turkish), ("bogazici", turkish), ("köprüsü", turkish)]:
        assert _guids(_find(index, q)) == [expected.guid], q


def test_turkish_and_arabic_text_is_searchable(desk: Desk, index: SearchIndex) -> None:
    turkish, _ = desk.publish("Ankara'da Meclis yeni bütçeyi onayladı", body="Milletvekilleri gece boyunca tartıştı.",
                              language="tr")
    arabic, _ = desk.publish("القاهرة تستضيف مؤتمر المناخ", spot="وزراء من أربعين دولة يشاركون",
                             body="بدأت أعمال المؤتمر صباح اليوم في العاصمة المصرية.", language="ar")
    assert _guids(_find(index, "bütçeyi")) == [turkish.guid]
    assert _guids(_find(index, "milletvekilleri")) == [turkish.guid]
    assert _guids(_find(index, '"yeni bütçeyi"')) == [turkish.guid]
    assert _guids(_find(index, "القاهرة")) == [arabic.guid]
    assert _guids(_find(index, "العاصمة المصرية")) == [arabic.guid]
    assert _guids(_find(index, '"مؤتمر المناخ"')) == [arabic.guid]
    hit = _find(index, "المؤتمر").hits[0]
    assert hit.guid == arabic.guid and "<mark>المؤتمر</mark>" in hit.snippet
    assert _guids(_find(index, "المؤتمر", languages=["ar"])) == [arabic.guid]


# ---- query syntax -----------------------------------------------------------------------------------


def test_phrases_exclusions_or_and_prefixes(desk: Desk, index: SearchIndex) -> None:
    storm, _ = desk.publish("Storm hits the harbour", body="Boats were damaged.")
    market, _ = desk.publish("Harbour market reopens", body="Traders return after the storm.")
    vaccine, _ = desk.publish("Vaccine campaign starts", body="Clinics open early.")

    def found(q: str) -> set[str]:
        return set(_guids(_find(index, q)))

    assert found("storm harbour") == {storm.guid, market.guid}  # every word, anywhere
    assert found('"storm hits"') == {storm.guid}
    assert found('"hits storm"') == set()
    assert found("harbour -market") == {storm.guid}
    assert found('harbour -"market reopens"') == {storm.guid}
    assert found("vaccine OR boats") == {storm.guid, vaccine.guid}
    assert found("vaccine OR boats clinics") == {vaccine.guid}
    assert found("harb*") == {storm.guid, market.guid}
    assert found("vacc* OR trad*") == {vaccine.guid, market.guid}
    assert found("or") == set()  # lower-case "or" is a word (French "gold"), not an operator


def test_parse_quotes_every_term_for_fts5() -> None:
    parsed = parse('storm "harbour NEAR(x" -col:umn a OR b* c"d')
    assert parsed is not None
    assert fts5_expression(parsed) == '("storm" AND "harbour NEAR(x" AND ("a" OR "b" *) AND "c""d") NOT "col:umn"'
    assert parse("   ") is None


HOSTILE = [
    '"', '""', '"unbalanced phrase', 'NEAR(', 'NEAR(storm harbour, 2)', 'storm NEAR harbour', '*', '**', 'a*',
    '*storm', 'st*rm', '-', '--', '-storm', 'storm -', ':', 'headline:storm', 'body:', '{headline}: storm',
    '(', ')', '((storm)', 'storm)', 'AND', 'OR', 'NOT', 'storm AND', 'OR storm', 'storm OR', 'NOT storm',
    'storm NOT', '^storm', '+storm', "'", "storm's", "\\", "\\'", '&', '|', '!', '!!storm', 'storm & harbour',
    'storm | harbour', '<->', 'storm <-> harbour', 'storm:*', "storm:* & 'x", '[storm]', '{', '}', '%', '_',
    '%storm%', 'storm_harbour', "'; DROP TABLE search_docs; --", "') OR 1=1 --", '" OR 1=1 --', '\t\n',
    '🙂', '🙂 storm', 'ﬁnance', 'x²', 'İ', '\u0301', 'a\u200bb', '\ue000storm\ue001', 'storm\x01', 'w' * 2500,
    'storm ' * 30, '"' * 200, '(' * 300, '-' * 300, 'NEAR(' * 90, 'a' * MAX_QUERY_CHARS,
    'a' * (MAX_QUERY_CHARS + 1), ' '.join(f'w{i}' for i in range(40)), '\x00', 'storm\x00harbour', '\ud800',
]


def test_hostile_queries_give_results_or_a_clear_error(desk: Desk, index: SearchIndex) -> None:
    desk.publish("Storm hits the harbour", body="Boats were damaged.")
    company = CompanyAccess(id="c", product_ids=frozenset({1, 2}))
    outcomes: dict[str, str] = {}
    for q in HOSTILE:
        for who in (None, company):
            try:
                result = _find(index, q, who)
            except QueryError as exc:
                assert str(exc).startswith("q: "), (q, exc)
                outcomes[q] = "error"
            else:
                assert result.total == len(result.hits)
                outcomes[q] = "ok"
    # the ones a person might type by accident still search
    assert all(outcomes[q] == "ok" for q in ('"unbalanced phrase', 'NEAR(', "storm's", "storm -", "storm OR",
                                              "headline:storm", "((storm)", "st*rm"))
    assert outcomes['a' * (MAX_QUERY_CHARS + 1)] == outcomes['\x00'] == outcomes['\ud800'] == "error"


def test_a_query_cannot_inject_into_filters(desk: Desk, index: SearchIndex) -> None:
    desk.publish("Storm hits the harbour", categories=["World"])
    for value in ["World' OR '1'='1", 'World") OR 1=1 --', "%", "_orld"]:
        assert _find(index, categories=[value], languages=[value], dossiers=[value]).total == 0


def test_invalid_queries_are_refused_with_a_message() -> None:
    for kwargs, message in [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"),
                            ({"offset": 10_001}, "offset"), ({"urgency_max": 0}, "urgency_max"),
                            ({"date_from": datetime(2026, 1, 1)}, "time zone"),
                            ({"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}, "after"),
                            ({"categories": [""]}, "categories"), ({"languages": ["x" * 301]}, "languages"),
                            ({"dossiers": ["a\x00"]}, "NUL"), ({"categories": [f"c{i}" for i in range(51)]}, "50")]:
        with pytest.raises(QueryError, match=message):
            SearchQuery(**kwargs)
    for q, message in [("-storm", "not only words to exclude"), ("***", "no words"), ("( )", "no words")]:
        with pytest.raises(QueryError, match=message):
            parse(q)


# ---- filters and facets -----------------------------------------------------------------------------


@pytest.fixture
def newsroom_day(desk: Desk) -> dict[str, StoryVersion]:
    day = datetime(2026, 2, 27, tzinfo=UTC)
    specs = {
        "quake": ("Earthquake shakes the coast", dict(categories=["World", "Asia"], language="en", urgency=1,
                                                          dossier="Quake"), day + timedelta(hours=3)),
        "aid": ("Earthquake aid arrives", dict(categories=["World"], language="en-GB", urgency=4, dossier="Quake"),
                day + timedelta(days=1, hours=9)),
        "deprem": ("Deprem kıyıyı salladı earthquake", dict(categories=["Dünya"], language="tr", urgency=3),
                   day + timedelta(days=1, hours=23, minutes=59)),
        "match": ("Cup final tonight", dict(categories=["Sport"], language="en", urgency=5),
                  day + timedelta(days=2, hours=8)),
        "markets": ("Markets fall after earthquake", dict(categories=["Business", "World"], language="en",
                                                          urgency=5, dossier="Quake"), day + timedelta(days=2)),
    }
    return {key: desk.publish(headline, created=created, **fields)[0]
            for key, (headline, fields, created) in specs.items()}


def test_filters(newsroom_day: dict[str, StoryVersion], index: SearchIndex) -> None:
    def keys(**filters: Any) -> set[str]:
        q = filters.pop("q", "")
        guids = set(_guids(_find(index, q, **filters)))
        return {key for key, sv in newsroom_day.items() if sv.guid in guids}

    assert keys(q="earthquake") == {"quake", "aid", "deprem", "markets"}
    assert keys(q="earthquake", categories=["World"]) == {"quake", "aid", "markets"}
    assert keys(categories=["Asia", "Sport"]) == {"quake", "match"}
    assert keys(categories=["world"]) == set()  # exact values, as the facets list them
    assert keys(languages=["en"]) == {"quake", "match", "markets"}
    assert keys(languages=["en-GB", "tr"]) == {"aid", "deprem"}
    assert keys(dossiers=["Quake"], q="earthquake") == {"quake", "aid", "markets"}
    assert keys(urgency_max=3) == {"quake", "deprem"}
    assert keys(date_from=date(2026, 2, 28)) == {"aid", "deprem", "match", "markets"}
    assert keys(date_to=date(2026, 2, 28)) == {"quake", "aid", "deprem"}  # a date: the whole day
    assert keys(date_from=date(2026, 2, 28), date_to=date(2026, 2, 28)) == {"aid", "deprem"}
    assert keys(date_from=datetime(2026, 2, 28, 9, tzinfo=UTC), date_to=datetime(2026, 3, 1, tzinfo=UTC)) == {
        "aid", "deprem", "markets"}  # times: inclusive at both ends
    assert keys(date_to=datetime(2026, 2, 28, 10, tzinfo=timezone(timedelta(hours=1)))) == {"quake", "aid"}
    assert keys(q="earthquake", categories=["World"], languages=["en"], urgency_max=4) == {"quake"}


def test_facets_count_what_a_filter_on_that_value_finds(newsroom_day: dict[str, StoryVersion],
                                                        index: SearchIndex) -> None:
    for q in ("", "earthquake"):
        result = _find(index, q)
        assert set(result.facets) == set(FACETS)
        facets = {name: {f.value: f.count for f in values} for name, values in result.facets.items()}
        if q:
            assert facets["category"] == {"World": 3, "Asia": 1, "Dünya": 1, "Business": 1}
            assert facets["dossier"] == {"Quake": 3}
            assert facets["urgency"] == {1: 1, 3: 1, 4: 1, 5: 1}
        for value, count in facets["category"].items():
            assert _find(index, q, categories=[value]).total == count
        for value, count in facets["language"].items():
            assert _find(index, q, languages=[value]).total == count
        for value, count in facets["dossier"].items():
            assert _find(index, q, dossiers=[value]).total == count
        for ceiling in range(1, 10):
            expected = sum(n for u, n in facets["urgency"].items() if u <= ceiling)
            assert _find(index, q, urgency_max=ceiling).total == expected
        assert sum(facets["language"].values()) == sum(facets["urgency"].values()) == result.total
        counts = [f.count for f in result.facets["category"]]
        assert counts == sorted(counts, reverse=True)
    assert index.search(SearchQuery(q="earthquake", facets=False), None, NOW).facets == {}


# ---- entitlement ------------------------------------------------------------------------------------


def test_a_company_finds_only_its_products_stories(desk: Desk, index: SearchIndex) -> None:
    sport = desk.subs.create_product("Sport", {"categories": ["Sport"]}).id
    world = desk.subs.create_product("World", {"categories": ["World"]}).id
    match, _ = desk.publish("Final score: storm beat rovers", categories=["Sport"])
    summit, _ = desk.publish("Storm delays summit", categories=["World"], dossier="Summit")
    held, _ = desk.publish("Storm warning embargoed", categories=["World"], embargo=NOW + timedelta(hours=1))

    sports_desk = CompanyAccess(id="a", product_ids=frozenset({sport}))
    newspaper = CompanyAccess(id="b", product_ids=frozenset({world}))
    trusted = CompanyAccess(id="c", product_ids=frozenset({world}), may_receive_embargoed=True)
    assert _guids(_find(index, "storm", sports_desk)) == [match.guid]
    result = _find(index, "storm", newspaper)
    assert _guids(result) == [summit.guid] and result.total == 1
    assert {f.value: f.count for f in result.facets["category"]} == {"World": 1}
    assert {f.value for f in _find(index, "storm", trusted).facets["dossier"]} == {"Summit"}
    assert set(_guids(_find(index, "storm", trusted))) == {summit.guid, held.guid}
    # the embargo passes: everyone entitled finds it
    assert set(_guids(_find(index, "storm", newspaper, now=NOW + timedelta(hours=1)))) == {summit.guid, held.guid}
    # staff see everything, held copy included
    assert _find(index, "storm").total == 3
    # an inactive company or one without products sees nothing, facets included
    for nobody in (CompanyAccess(id="d", product_ids=frozenset({sport, world}), active=False),
                   CompanyAccess(id="e", product_ids=frozenset())):
        result = _find(index, "storm", nobody)
        assert result.total == 0 and result.hits == [] and all(v == [] for v in result.facets.values())


def test_a_search_ranks_counts_and_facets_the_newest_window_of_matches(
        desk: Desk, index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    # At a million stories a common word matches hundreds of thousands: ranking and counting all of
    # them took seconds, so a search works on the newest WINDOW matches the reader may see.
    monkeypatch.setattr(search_module, "WINDOW", 4)
    sport = desk.subs.create_product("Sport", {"categories": ["Sport"]}).id
    oldest, _ = desk.publish("Storm storm storm over the stadium", categories=["Sport"])  # best score, indexed first
    newer = [desk.publish(f"Night {i} of rain", body="A storm passed.", categories=["Sport" if i < 2 else "World"],
                          created=NOW - timedelta(minutes=10 - i))[0] for i in range(6)]

    staff = _find(index, "storm")
    assert staff.total == 4 and not staff.total_exact
    assert {hit.guid for hit in staff.hits} == {v.guid for v in newer[2:]}  # the newest four indexed
    assert sum(f.count for f in staff.facets["category"]) == 4
    assert index.search(SearchQuery(q="storm", limit=2, offset=2), None, NOW).hits == staff.hits[2:]

    # the window is filled with what the company may see: its older matches come in, all of them
    sports_desk = _find(index, "storm", CompanyAccess(id="a", product_ids=frozenset({sport})))
    assert sports_desk.total_exact and sports_desk.total == 3
    assert _guids(sports_desk)[0] == oldest.guid
    assert {hit.guid for hit in sports_desk.hits} == {oldest.guid, newer[0].guid, newer[1].guid}

    # fewer matches than the window: exact as before
    assert _find(index, "stadium").total_exact and _find(index, "stadium").total == 1
    # browsing: the newest four by time
    browsed = _find(index)
    assert not browsed.total_exact and _guids(browsed) == [oldest.guid, *(v.guid for v in reversed(newer[3:]))]


# ---- rebuilding and migrating ------------------------------------------------------------------------


def test_rebuild_reindexes_every_current_version(desk: Desk, index: SearchIndex) -> None:
    live, _ = desk.publish("Harbour reopens", categories=["Europe"])
    updated, _ = desk.publish("Old headline")
    desk.update(updated.guid, "New headline about the harbour")
    killed, _ = desk.publish("Harbour story to withdraw")
    desk.kill(killed.guid)
    before = _find(index, "harbour")
    with desk.store.write() as conn:
        conn.execute(search_docs.delete())
    assert _find(index, "harbour").total == 0
    assert rebuild(desk.store) == 2
    after = _find(index, "harbour")
    assert {h.guid for h in after.hits} == {h.guid for h in before.hits} == {live.guid, updated.guid}
    assert [(h.guid, h.version) for h in after.hits] == [(h.guid, h.version) for h in before.hits]
    assert after.facets == before.facets
    assert rebuild(desk.store) == 2  # twice is harmless


def _migrate(store: Store, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def test_migration_0004_indexes_existing_stories(database_url: str) -> None:
    store = Store(database_url)

    def to(revision: str, down: bool = False) -> None:
        _migrate(store, revision, down=down)

    try:
        to("0003")
        # Raw SQL: the Store's own write path already indexes, and the index does not exist yet.
        content = _story("Harbour reopens after the storm", "Ships move again.", "Boats were damaged.",
                         categories=["Europe"]).model_dump(mode="json")
        stamp: Any = "2026-03-01 12:00:00.000000" if store.dialect == "sqlite" else NOW
        with store.engine.begin() as conn:
            for guid, version, status in [("g1", 1, "usable"), ("g2", 1, "usable"), ("g2", 2, "canceled")]:
                if version == 1:
                    conn.execute(sa.text("INSERT INTO stories (guid, draft, current_version, created, modified) "
                                         "VALUES (:g, :d, 0, :t, :t)"), {"g": guid, "d": "{}", "t": stamp})
                conn.execute(sa.text(
                    "INSERT INTO versions (guid, version, content, headline, language, urgency, pubstatus, public,"
                    " first_published, version_created, is_correction) VALUES (:g, :v, :c, :h, 'en', 5, :s,"
                    " false, :t, :t, false)"),
                    {"g": guid, "v": version, "c": _json(content), "h": content["headline"], "s": status, "t": stamp})
                conn.execute(sa.text("INSERT INTO events (kind, guid, version, created) VALUES (:k, :g, :v, :t)"),
                             {"k": "publish" if version == 1 else "kill", "g": guid, "v": version, "t": stamp})
                conn.execute(sa.text("UPDATE stories SET current_version = :v, pubstatus = :s WHERE guid = :g"),
                             {"g": guid, "v": version, "s": status})
        to("head")
        result = SearchIndex(store).search(SearchQuery(q="harbour storm"), None, NOW)
        assert [(h.guid, h.categories) for h in result.hits] == [("g1", ("Europe",))]
        to("0003", down=True)
        with store.engine.connect() as conn:
            assert "search_docs" not in sa.inspect(conn).get_table_names()
        to("head")
        assert _guids(SearchIndex(store).search(SearchQuery(q="boats"), None, NOW)) == ["g1"]
    finally:
        store.close()


def test_category_and_language_filters_are_met_inside_the_index(desk: Desk, index: SearchIndex) -> None:
    odd = ['Asia - Pacific', 'Économie', 'say "when"', 'économie']  # spaces, accents, quotes, case apart
    stories = {c: desk.publish(f"Harbour storm {n}", categories=[c], language="fr" if n % 2 else "en")[0]
               for n, c in enumerate(odd)}
    for c, story in stories.items():
        assert _guids(_find(index, "storm", categories=[c])) == [story.guid]
    either = _find(index, "harbour", categories=["Économie", "économie"], languages=["fr"])
    assert set(_guids(either)) == {stories["Économie"].guid, stories["économie"].guid}
    assert _find(index, "harbour", categories=["Économie", "économie"], languages=["en"]).total == 0
    assert _guids(_find(index, "harbour", categories=["économie", "Asia - Pacific"], languages=["en"])) == [
        stories["Asia - Pacific"].guid]
    # the tags are never met by words, even by someone who knows their spelling
    assert _find(index, filter_tag("category", "Économie")).total == 0
    assert _find(index, filter_tag("language", "en")[:5] + "*").total == 0


def test_migration_0023_tags_the_stories_indexed_before_it(database_url: str) -> None:
    store = Store(database_url)

    def to(revision: str, down: bool = False) -> None:
        _migrate(store, revision, down=down)

    try:
        to("head")
        desk = Desk(store, Subscribers(store))
        written = {c: desk.publish(f"Tagged {c}", categories=[c, "World"], language=lang)[0]
                   for c, lang in (("Économie", "fr"), ("İstanbul haberleri", "tr"), ("Asia - Pacific", "en-GB"))}
        to("0022", down=True)
        to("head")
        with store.engine.connect() as conn:
            tags = dict(conn.execute(sa.select(search_docs.c.guid, search_docs.c.tags)).all())
        for c, story in written.items():
            assert tags[story.guid] == " ".join([filter_tag("category", c), filter_tag("category", "World"),
                                                 filter_tag("language", story.language)])
            assert _guids(SearchIndex(store).search(SearchQuery(q="tagged", categories=[c]), None, NOW)) == [story.guid]
    finally:
        store.close()


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


# ---- properties -------------------------------------------------------------------------------------

VOCAB = ["harbour", "election", "storm", "market", "vaccine", "summit", "drought", "museum"]
words = st.lists(st.sampled_from(VOCAB), min_size=0, max_size=3).map(" ".join)


@st.composite
def story_specs(draw: st.DrawFn) -> dict[str, Any]:
    held = draw(st.one_of(st.none(), st.integers(-120, 120)))
    return {
        "headline": draw(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=3).map(" ".join)),
        "spot": draw(words), "body": draw(words),
        "categories": draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True)),
        "dossier": draw(st.sampled_from([*DOSSIERS, None])), "language": draw(st.sampled_from(STORY_LANGUAGES)),
        "urgency": draw(st.integers(1, 9)), "public": draw(st.booleans()),
        "embargo": None if held is None else NOW + timedelta(minutes=held),
    }


@st.composite
def text_queries(draw: st.DrawFn) -> tuple[str, Any]:
    """A query and the predicate it means over a story's set of words."""
    a, b, c = (draw(st.sampled_from(VOCAB)) for _ in range(3))
    return draw(st.sampled_from([
        ("", lambda w: True), (a, lambda w: a in w), (f"{a} {b}", lambda w: a in w and b in w),
        (f"{a} OR {b}", lambda w: a in w or b in w), (f"{a} -{b}", lambda w: a in w and b not in w),
        (f"{a} OR {b} {c}", lambda w: (a in w or b in w) and c in w), (f"{a[:3]}*", lambda w: any(
            x.startswith(a[:3]) for x in w)),
    ]))


@dataclass
class World:
    """Everything written so far in this test's database (examples accumulate: versions are immutable)."""

    products: list[int] = field(default_factory=list)  # the latest example's (or the corpus')
    catalogue: int = 0
    current: dict[str, tuple[StoryVersion, frozenset[int]] | None] = field(default_factory=dict)


@pytest.fixture
def world(desk: Desk) -> World:
    return World()


# Drawn as indices into World.products, so what hypothesis draws never depends on the database.
# Mostly active: the telling case is a company that sees some stories and not others.
company_specs = st.tuples(st.frozensets(st.integers(0, 4), min_size=1, max_size=3),
                          st.sampled_from([True, True, True, False]), st.booleans())
# Mostly one constraint each, so products overlap and match often; sometimes a random full filter.
product_filters = st.one_of(
    st.just({}),
    st.fixed_dictionaries({"categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True)}),
    st.fixed_dictionaries({"languages": st.lists(st.sampled_from(["en", "tr", "ar"]), min_size=1, max_size=2,
                                                 unique=True)}),
    st.fixed_dictionaries({"urgency_max": st.integers(1, 9)}),
    filter_specs(),
)


def _company(world: World, spec: tuple[frozenset[int], bool, bool]) -> CompanyAccess:
    picks, active, embargoed = spec
    return CompanyAccess(id="c", product_ids=frozenset(world.products[i] for i in picks), active=active,
                         may_receive_embargoed=embargoed)


def _write(desk: Desk, world: World, data: st.DataObject) -> None:
    # Fresh products each example: ones made once would keep the first (simplest) example's filters.
    world.products = [desk.subs.create_product(f"p{world.catalogue + i}", data.draw(product_filters)).id
                      for i in range(5)]
    world.catalogue += 5
    specs = data.draw(st.lists(story_specs(), min_size=1, max_size=4))
    written = []
    for spec in specs:
        version, event = desk.publish(**spec)
        world.current[version.guid] = (version, desk.products_of(event))
        written.append(version.guid)
    # Then update (a new spec) or kill (None) a few of this example's stories.
    changes = data.draw(st.lists(st.tuples(st.integers(0, len(specs) - 1), st.one_of(st.none(), story_specs())),
                                 max_size=2, unique_by=lambda change: change[0]))
    for position, spec in changes:
        guid = written[position]
        if spec is None:
            desk.kill(guid)
            world.current[guid] = None
        else:
            version, event = desk.update(guid, **spec)
            world.current[guid] = (version, desk.products_of(event))


def _story_words(sv: StoryVersion) -> set[str]:
    return set(f"{sv.headline} {sv.spot} {sv.body_text}".split())


@DB_SETTINGS
@given(data=st.data())
def test_hits_and_facets_are_exactly_what_the_company_may_see(desk: Desk, index: SearchIndex, world: World,
                                                              data: st.DataObject) -> None:
    _write(desk, world, data)
    staff = data.draw(st.sampled_from([False] * 5 + [True]))
    company = None if staff else _company(world, data.draw(company_specs))
    now = NOW + timedelta(minutes=data.draw(st.integers(-180, 180)))
    q, means = data.draw(text_queries())
    filters: dict[str, Any] = data.draw(st.fixed_dictionaries({}, optional={
        "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2),
        "languages": st.lists(st.sampled_from(STORY_LANGUAGES), min_size=1, max_size=2),
        "urgency_max": st.integers(1, 9)}))

    visible = {guid: sv for guid, held in world.current.items() if held is not None
               for sv, products in [held] if company is None or may_see(company, products, sv, now)}
    expected = {guid: sv for guid, sv in visible.items() if means(_story_words(sv))
                and (not filters.get("categories") or set(sv.categories) & set(filters["categories"]))
                and (not filters.get("languages") or sv.language in filters["languages"])
                and sv.urgency <= filters.get("urgency_max", 9)}

    result = index.search(SearchQuery(q=q, limit=100, **filters), company, now)
    assert result.total == len(expected)
    assert {h.guid for h in result.hits} <= set(expected)
    assert len(result.hits) == min(100, len(expected))
    for hit in result.hits:
        sv = expected[hit.guid]
        assert (hit.version, hit.headline, hit.language, hit.urgency) == (sv.version, sv.headline, sv.language,
                                                                          sv.urgency)
    counts = {name: Counter({f.value: f.count for f in values}) for name, values in result.facets.items()}
    assert counts["category"] == Counter(c for sv in expected.values() for c in set(sv.categories))
    assert counts["language"] == Counter(sv.language for sv in expected.values())
    assert counts["dossier"] == Counter(sv.dossier for sv in expected.values() if sv.dossier is not None)
    assert counts["urgency"] == Counter(sv.urgency for sv in expected.values())


@pytest.fixture
def corpus(desk: Desk, world: World) -> World:
    """A fixed handful of products and stories (held, killed and updated ones among them)."""
    for name, spec in [("world", {"categories": ["World"]}), ("sport", {"categories": ["Sport"]}),
                       ("turkish", {"languages": ["tr"]}), ("flash", {"urgency_max": 2}), ("all", {})]:
        world.products.append(desk.subs.create_product(name, spec).id)
    for i, (headline, fields) in enumerate([
            ("Storm hits the harbour", {"categories": ["World"], "urgency": 1}),
            ("Cup final: storm beat rovers", {"categories": ["Sport"]}),
            ("Fırtına limanı vurdu", {"categories": ["Dünya"], "language": "tr"}),
            ("القاهرة تستضيف مؤتمر المناخ", {"categories": ["World"], "language": "ar"}),
            ("Held: storm warning", {"categories": ["World"], "embargo": NOW + timedelta(hours=1)}),
            ("Killed storm story", {"categories": ["Sport"]}),
            ("Draft headline about markets", {"categories": ["Business"], "urgency": 2})]):
        version, event = desk.publish(headline, spot=f"Spot {i} with «quotes» and 'apostrophes'",
                                      body=f"Body {i}: the storm, the market & the museum.", **fields)
        world.current[version.guid] = (version, desk.products_of(event))
        if headline.startswith("Killed"):
            desk.kill(version.guid)
            world.current[version.guid] = None
        if headline.startswith("Draft"):
            version, event = desk.update(version.guid, "Markets rally after the storm", categories=["World"])
            world.current[version.guid] = (version, desk.products_of(event))
    return world


@DB_SETTINGS
@given(q=st.text(max_size=80), company_spec=company_specs, minutes=st.integers(-180, 180),
       category=st.one_of(st.just(()), st.tuples(st.text(min_size=1, max_size=20))))
def test_any_text_searches_or_fails_clearly_and_stays_within_entitlement(
        index: SearchIndex, corpus: World, q: str, company_spec: tuple[frozenset[int], bool, bool], minutes: int,
        category: tuple[str, ...]) -> None:
    company = _company(corpus, company_spec)
    now = NOW + timedelta(minutes=minutes)
    try:
        result = index.search(SearchQuery(q=q, categories=category, limit=100), company, now)
    except QueryError as exc:
        assert str(exc).startswith(("q: ", "categories: "))
        return
    allowed = {guid for guid, held in corpus.current.items() if held is not None
               for sv, products in [held] if may_see(company, products, sv, now)}
    assert {h.guid for h in result.hits} <= allowed
    assert result.total == len(result.hits) <= len(allowed)
    assert all(f.count <= result.total for values in result.facets.values() for f in values)

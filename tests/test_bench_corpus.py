"""bench/corpus.py: the scale benchmark's archive is valid as ingest would store it, reproducible, and
the same whether written at once or grown in steps; and what it writes every channel can read."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from bench.corpus import ensure_products, fill, versions_between

from newsflow.model import PubStatus, StoryVersion
from newsflow.store import Store
from newsflow.store.search import SearchIndex, SearchQuery
from newsflow.wire.feed import read_page
from newsflow.wire.subscribers import Subscribers

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_versions_are_what_validation_makes_of_them() -> None:
    # built without validation for speed: each must equal its validated (and sanitized) self
    for version in versions_between(7, 0, 300, now=NOW):
        assert StoryVersion.model_validate(version.model_dump()) == version


def test_the_corpus_is_reproducible_and_grows_in_steps_to_the_same_log() -> None:
    whole = [(v.guid, v.version) for v in versions_between(3, 0, 1500, now=NOW)]
    steps = [(v.guid, v.version) for a, b in ((0, 400), (400, 1100), (1100, 1500))
             for v in versions_between(3, a, b, now=NOW)]
    assert whole == steps
    assert whole == [(v.guid, v.version) for v in versions_between(3, 0, 1500, now=NOW)]
    assert len({g for g, _ in whole}) == 1500  # every story once, later versions on top


def test_the_mix_is_an_archive() -> None:
    versions = list(versions_between(1, 0, 3000, now=NOW))
    languages = Counter(v.language for v in versions)
    assert set(languages) == {"en", "de", "fr", "es", "tr", "ar"}
    text = " ".join(v.body_text for v in versions)
    assert "İ" in text and "\u0131" in text and "ال" in text and "\u064e" in text  # Turkish İ and dotless i, ال, fatha
    assert sum(v.urgency == 1 for v in versions) < len(versions) * 0.01
    assert any(v.pubstatus == PubStatus.canceled for v in versions)
    assert any(v.is_correction for v in versions)
    assert any(v.photos and v.photos[0].caption and v.photos[0].credit for v in versions)
    assert any(v.embargo and v.embargo > NOW for v in versions)
    years = {v.first_published.year for v in versions_between(1, 0, 1500, per_day=1, now=NOW)}
    assert len(years) >= 4
    words = sorted(len(v.body_text.split()) for v in versions if v.version == 1)
    assert words[len(words) // 10] >= 120 and words[-1] > 1500


def test_a_filled_store_is_readable_by_every_channel(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path}/corpus.db")
    store.migrate()
    products = ensure_products(store)
    done = fill(store, 400, seed=2, batch=150, workers=0)
    assert done.versions >= 400 and store.count_stories() == 400
    subs = Subscribers(store)
    company = subs.create_company("Reader")
    subs.assign_product(company.id, products[0])
    access = subs.access(company.id)
    page = read_page(store, access, 0, 50)
    assert len(page.entries) == 50  # stamped with the products at write time
    found = SearchIndex(store).search(SearchQuery(q=page.entries[0].version.headline.split()[-1]), access)
    assert found.total > 0
    store.close()

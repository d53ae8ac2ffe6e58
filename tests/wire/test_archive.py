"""Archive entitlement: a product made or changed after the stories gives its companies the archive its
filter covers, on every channel that reads the stamps, and nothing goes down live channels. SQLite and
PostgreSQL.

The central property: a product created after the log was written, once its archive run ends, holds
exactly the stamps a product with the same filter had from the start — whatever the stories, versions,
corrections, kills and embargo lifts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.model import EventKind, PubStatus, Story, StoryVersion, utcnow
from newsflow.store import Store
from newsflow.store.search import SearchIndex, SearchQuery
from newsflow.wire import archive
from newsflow.wire.archive import ArchiveStamper, stamp_product, story_stamps
from newsflow.wire.entitlement import CompanyAccess, may_see
from newsflow.wire.feed import item_for, read_page
from newsflow.wire.products import Product, ProductFilter, StoryFacts
from newsflow.wire.subscribers import Subscribers
from newsflow.wire.tables import archive_stamping, event_products
from tests.wire.strategies import filter_specs, story_versions

WORLD = {"categories": ["World"]}


@pytest.fixture
def subs(store: Store) -> Subscribers:
    subscribers = Subscribers(store)
    store.entitlement = subscribers  # as Services wires it: every event is stamped when written
    return subscribers


def _story(headline: str, category: str, **extra: Any) -> Story:
    return Story(headline=headline, body_html=f"<p>{headline} copy.</p>", categories=[category], **extra)


def _publish(store: Store, story: Story) -> str:
    guid = store.create_story(story).guid
    store.append_version(guid, story, EventKind.publish)
    return guid


def _stamps(store: Store, product_id: int) -> set[tuple[int, bool]]:
    with store.read() as conn:
        return {(r.seq, r.notice) for r in conn.execute(
            sa.select(event_products.c.seq, event_products.c.notice).where(event_products.c.product_id == product_id))}


def _seen(store: Store, subs: Subscribers, company_id: str) -> dict[str, set[str]]:
    """What the company finds on each channel that reads the stamps: search, feed and items by guid."""
    access = subs.access(company_id)
    hits = SearchIndex(store).search(SearchQuery(q="", limit=100), access).hits
    page = read_page(store, access, 0, 100)
    guids = [g for (g,) in _all_guids(store)]
    return {"search": {h.guid for h in hits},
            "feed": {e.version.guid for e in page.entries if e.version.pubstatus == PubStatus.usable},
            "items": {g for g in guids if (v := item_for(store, access, g)) is not None
                      and v.pubstatus == PubStatus.usable}}


def _all_guids(store: Store) -> list[tuple[str]]:
    with store.read() as conn:
        return [tuple(r) for r in conn.execute(sa.text("SELECT guid FROM stories ORDER BY guid"))]


def test_a_product_created_after_the_stories_gives_its_archive_on_every_channel(store: Store,
                                                                              subs: Subscribers) -> None:
    world = [_publish(store, _story(f"World story {i}", "World")) for i in range(7)]
    sport = [_publish(store, _story(f"Sport story {i}", "Sport")) for i in range(5)]
    company = subs.create_company("Late Subscriber")
    product = subs.create_product("World desk", WORLD)
    subs.assign_product(company.id, product.id)
    # Before the run: the product's stamps are missing, which is what the issue saw ("matches 9",
    # the company gets 0).
    assert _seen(store, subs, company.id) == {"search": set(), "feed": set(), "items": set()}
    done = stamp_product(store, product.id)
    assert done is not None and done.finished is not None and done.stories_done == 12
    assert _seen(store, subs, company.id) == {"search": set(world), "feed": set(world), "items": set(world)}
    assert not set(sport) & set().union(*_seen(store, subs, company.id).values())
    # a run writes no event: nothing goes down the stream or webhooks
    assert store.last_seq() == 12


def test_changing_the_filter_moves_the_archive_and_taking_the_product_away_takes_it(store: Store,
                                                                                   subs: Subscribers) -> None:
    world = [_publish(store, _story(f"World {i}", "World")) for i in range(4)]
    sport = [_publish(store, _story(f"Sport {i}", "Sport")) for i in range(3)]
    company = subs.create_company("Changing")
    product = subs.create_product("Desk", WORLD)
    subs.assign_product(company.id, product.id)
    stamp_product(store, product.id)
    assert _seen(store, subs, company.id)["search"] == set(world)
    subs.update_product(product.id, filter={"categories": ["Sport"]})
    stamp_product(store, product.id)
    assert _seen(store, subs, company.id) == {"search": set(sport), "feed": set(sport), "items": set(sport)}
    # a change that is not a filter change queues nothing
    subs.update_product(product.id, description="Sport only now")
    assert stamp_product(store, product.id) is None
    subs.unassign_product(company.id, product.id)
    assert _seen(store, subs, company.id) == {"search": set(), "feed": set(), "items": set()}


def test_the_product_preview_and_what_the_company_sees_agree(services: Any) -> None:
    from newsflow.web.admin.routes import _preview

    store, subs = services.store, services.subscribers
    for i in range(6):
        _publish(store, _story(f"Preview world {i}", "World" if i % 2 else "Sport"))
    flt = ProductFilter.model_validate(WORLD)
    previewed = _preview(services, flt)
    company = subs.create_company("Previewer")
    product = subs.create_product("Previewed", flt)
    subs.assign_product(company.id, product.id)
    stamp_product(store, product.id)
    hits = services.search.search(SearchQuery(q="", limit=100), subs.access(company.id)).hits
    assert len(previewed["matched"]) == len(hits) == 3
    assert {v.guid for v in previewed["matched"]} == {h.guid for h in hits}


def test_a_killed_story_stays_killed_after_the_run(store: Store, subs: Subscribers) -> None:
    guid = _publish(store, _story("To be killed", "World"))
    kept = _publish(store, _story("Kept", "World"))
    killed = Story(headline="Killed", body_html="<p>Withdrawn.</p>", categories=["World"])
    store.append_version(guid, killed, EventKind.kill, pubstatus=PubStatus.canceled)
    company = subs.create_company("After the kill")
    product = subs.create_product("World late", WORLD)
    subs.assign_product(company.id, product.id)
    stamp_product(store, product.id)
    access = subs.access(company.id)
    assert item_for(store, access, kept) is not None
    withdrawn = item_for(store, access, guid)
    assert withdrawn is not None and withdrawn.pubstatus == PubStatus.canceled  # the kill, never the copy
    assert [e.event.kind for e in read_page(store, access, 0, 100).entries if e.event.guid == guid] == [EventKind.kill]
    assert guid not in {h.guid for h in SearchIndex(store).search(SearchQuery(q=""), access).hits}


def test_a_kill_written_between_two_batches_takes_the_earlier_copy_away(store: Store, subs: Subscribers,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "BATCH", 2)
    guids = sorted(_publish(store, _story(f"Batch {i}", "World")) for i in range(5))
    product = subs.create_product("Batched", WORLD)
    first = archive._Run(store, product.id, "n1", None)
    assert first._claim()
    assert first._batch() is not None  # the first two stories done
    # the last story (not yet reached by the run) and the first (already done) are killed now
    for guid in (guids[0], guids[-1]):
        store.append_version(guid, Story(headline="Killed", body_html="<p>x</p>", categories=["World"]),
                             EventKind.kill, pubstatus=PubStatus.canceled)
    done = first.to_end()
    assert done is not None and done.finished is not None
    kills = {e.seq for g in (guids[0], guids[-1]) for e in store.events_for(g) if e.kind == EventKind.kill}
    publishes = {e.seq for g in (guids[0], guids[-1]) for e in store.events_for(g) if e.kind == EventKind.publish}
    stamped = {seq for seq, _ in _stamps(store, product.id)}
    assert kills <= stamped and not publishes & stamped


def test_a_run_resumes_on_another_node_after_its_node_goes_quiet(store: Store, subs: Subscribers,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "BATCH", 3)
    for i in range(10):
        _publish(store, _story(f"Resume {i}", "World"))
    product = subs.create_product("Resumed", WORLD)
    crashed = archive._Run(store, product.id, "node-a", None)
    assert crashed._claim() and crashed._batch() is not None
    # node-a stops reporting; node-b may not take the run until the claim lapses
    other = ArchiveStamper(store, "node-b")
    assert not other.run_once()
    with store.write() as conn:
        conn.execute(archive_stamping.update().values(heartbeat=utcnow() - archive.CLAIM_LAPSES - timedelta(seconds=1)))
    changes: list[int] = []
    other.on_change = lambda: changes.append(1)
    batches = 0
    while other.run_once():  # one batch a call, so a stopping node never waits for a whole run
        batches += 1
        assert batches == 1 or archive.progress(store)[product.id].stories_done >= 3 * batches - 3
    assert batches == 4  # 10 stories left to do at 3 a batch … then the stories written meanwhile
    state = archive.progress(store)[product.id]
    assert state.finished is not None and state.stories_done == 10 and state.percent == 100
    assert changes, "the node drops what it kept from the old stamps"
    reference = subs.create_product("Reference", WORLD)
    stamp_product(store, reference.id)
    assert _stamps(store, product.id) == _stamps(store, reference.id)
    assert len(_stamps(store, product.id)) == 10


def test_a_node_told_to_stop_leaves_a_run_after_one_batch(store: Store, subs: Subscribers,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Seen at a million stories: `newsflow serve` took the queued run into a worker thread and did
    # not exit on SIGTERM until the whole run (minutes) was over.
    monkeypatch.setattr(archive, "BATCH", 1)
    for i in range(8):
        _publish(store, _story(f"Long {i}", "World"))
    product = subs.create_product("Long run", WORLD)
    batches: list[list[str]] = []
    restamp = archive._restamp

    def slow(conn: sa.Connection, product: Product, guids: list[str]) -> None:
        batches.append(guids)
        time.sleep(0.2)
        restamp(conn, product, guids)

    monkeypatch.setattr(archive, "_restamp", slow)
    stamper = ArchiveStamper(store, "node-a", every=0.01)

    async def serve_then_stop() -> None:
        task = asyncio.create_task(stamper.run())
        await asyncio.sleep(0.3)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    started = time.perf_counter()
    asyncio.run(serve_then_stop())  # waits for the worker thread, as a node's shutdown does
    assert time.perf_counter() - started < 1.0
    assert 1 <= len(batches) <= 3
    state = archive.progress(store)[product.id]
    assert state.finished is None and state.stories_done == len(batches)
    # the run is left where it stopped, and finishes later (here on the same node)
    while stamper.run_once():
        pass
    assert archive.progress(store)[product.id].finished is not None


def test_an_archive_window_bounds_search_feed_and_items(store: Store, subs: Subscribers) -> None:
    aged = utcnow() - timedelta(days=45)
    old_story = _story("Old world", "World")
    old = store.create_story(old_story).guid
    store.append_version(old, old_story, EventKind.publish, now=aged, first_published=aged, version_created=aged)
    recent = _publish(store, _story("Recent world", "World"))
    company = subs.create_company("Thirty days")
    product = subs.create_product("World 30 days", WORLD, archive_days=30)
    subs.assign_product(company.id, product.id)
    stamp_product(store, product.id)
    assert _seen(store, subs, company.id) == {"search": {recent}, "feed": {recent}, "items": {recent}}
    subs.update_product(product.id, archive_days=None)
    assert _seen(store, subs, company.id) == {"search": {old, recent}, "feed": {old, recent},
                                              "items": {old, recent}}


def test_an_archive_window_out_of_range_is_refused_naming_it(subs: Subscribers) -> None:
    from newsflow.errors import FieldError

    with pytest.raises(FieldError, match="archive_days"):
        subs.create_product("Zero window", WORLD, archive_days=0)


# ---- the rule, for all inputs ------------------------------------------------------------------------

AGES = st.integers(0, 90)


@settings(max_examples=300)
@given(version=story_versions(), age=AGES, days=st.one_of(st.none(), st.integers(1, 60)),
       other=st.booleans(), embargoed_ok=st.booleans())
def test_may_see_with_archive_windows(version: StoryVersion, age: int, days: int | None, other: bool,
                                      embargoed_ok: bool) -> None:
    """A windowed product grants a version only while it is younger than the window; any unbounded
    product the event reached grants it whatever its age."""
    now = version.version_created + timedelta(days=age)
    windows = ((1, days),) if days is not None else ()
    company = CompanyAccess(id="c", product_ids=frozenset({1, 2}) if other else frozenset({1}),
                            may_receive_embargoed=embargoed_ok, windows=windows)
    reached = frozenset({1, 2}) if other else frozenset({1})
    verdict = may_see(company, reached, version, now)
    embargoed = version.embargo is not None and version.embargo > now and not embargoed_ok
    inside = days is None or other or version.version_created >= now - timedelta(days=days)
    assert bool(verdict) is (inside and not embargoed)
    if not inside:
        assert verdict.reason == "older than the archive window of your products"


_EVENT_KINDS = st.sampled_from(["update", "correct", "kill"])


@st.composite
def logs(draw: st.DrawFn) -> list[tuple[Story, list[tuple[str, Story]]]]:
    """A few stories, each published and then updated, corrected or killed (a kill ends it)."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        first = draw(story_versions(embargo=False))
        later: list[tuple[str, Story]] = []
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(_EVENT_KINDS)
            later.append((kind, draw(story_versions(embargo=False))))
            if kind == "kill":
                break
        out.append((first, later))
    return out


def _as_story(version: StoryVersion) -> Story:
    return Story.model_validate(version.model_dump(include=set(Story.model_fields)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                    HealthCheck.function_scoped_fixture])
@given(log=logs(), spec=filter_specs())
def test_a_late_product_ends_with_the_stamps_it_would_have_had_from_the_start(
        tmp_path_factory: pytest.TempPathFactory, log: list, spec: dict[str, Any]) -> None:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('archive') / 'n.db'}")
    store.migrate()
    try:
        subs = Subscribers(store)
        store.entitlement = subs
        early = subs.create_product("From the start", spec)
        for first, later in log:
            guid = store.create_story(_as_story(first)).guid
            store.append_version(guid, _as_story(first), EventKind.publish)
            for kind, version in later:
                story = _as_story(version)
                if kind == "kill":
                    story = story.model_copy(update={"photos": []})
                store.append_version(guid, story, EventKind(kind), is_correction=kind == "correct",
                                     pubstatus=PubStatus.canceled if kind == "kill" else PubStatus.usable)
        late = subs.create_product("Made afterwards", spec)
        stamp_product(store, late.id)
        assert _stamps(store, late.id) == _stamps(store, early.id)
    finally:
        store.close()


def test_story_stamps_gives_a_withdrawal_notice_when_an_update_leaves_the_filter() -> None:
    product = Product(id=1, name="p", description="", filter=ProductFilter.model_validate(WORLD), active=True,
                      created=utcnow())
    world = StoryFacts.of(_story("a", "World"))
    sport = StoryFacts.of(_story("b", "Sport"))
    events = [(1, EventKind.publish, 1), (2, EventKind.update, 2), (3, EventKind.update, 3)]
    assert story_stamps(product, events, {1: world, 2: sport, 3: sport}) == {1: False, 2: True}
    # a kill of a story the product reached goes to it even though the kill itself matches nothing
    killed = [(1, EventKind.publish, 1), (5, EventKind.kill, 2)]
    no_photos = StoryFacts.of(_story("c", "Sport", photos=[]))
    assert story_stamps(product, killed, {1: world, 2: no_photos}) == {5: False}


@settings(max_examples=300)
@given(version=story_versions())
def test_facts_read_from_the_stored_json_are_the_facts_of_the_story(version: StoryVersion) -> None:
    """The archive run reads a version's facts straight from its stored JSON: never other facts than
    the story's own, or a late product would match differently from an early one."""
    stored = version.model_dump(mode="json")
    assert StoryFacts.of_stored(stored) == StoryFacts.of(version)

"""The memory of API key lookups: busy keys cost a few batches per KEY_TTL, not a lookup each, and a
revocation anywhere still shows within KEY_TTL (issue 10: the feed spent two thirds of its time here)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from newsflow.store import Store
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.subscribers import KEY_IDLE, KEY_TTL, Subscribers


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(time, "monotonic", fake)
    return fake


@pytest.fixture
def key_queries(store: Store) -> Iterator[list[str]]:
    """Every statement that reads the api_keys table, as the database receives it."""
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "api_keys" in statement:
            seen.append(statement)

    sa.event.listen(store.engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(store.engine, "before_cursor_execute", note)


def test_busy_keys_cost_a_few_batches_per_ttl_not_a_lookup_each(store: Store, clock: Clock,
                                                                    key_queries: list[str]) -> None:
    subs = Subscribers(store)
    company = subs.create_company("Daily Planet")
    keys = [subs.create_api_key(company.id).secret for _ in range(300)]
    for secret in keys:  # each key's first sight is a lookup of its own
        assert subs.cached_company_for_key(secret) is not None
    key_queries.clear()
    # 60 s of polling: every key asked every 0.1 s, as 1,000 subscribers polling a busy node do
    seconds, step = 60.0, 0.1
    for tick in range(int(seconds / step)):
        clock.now += step
        for secret in keys[tick % 3::3]:
            assert subs.cached_company_for_key(secret) is not None
    batches = seconds / KEY_TTL
    # one key per lookup would be 300 lookups per KEY_TTL; a batch is one query for its keys (plus
    # one that reads the companies' products, not counted here)
    assert len(key_queries) <= 2 * batches, f"{len(key_queries)} key lookups in {seconds:.0f} s"


def test_a_revocation_on_another_node_shows_within_the_ttl_among_busy_keys(store: Store, clock: Clock) -> None:
    node, other_node = Subscribers(store), Subscribers(store)
    company = node.create_company("Daily Planet")
    kept, revoked = node.create_api_key(company.id), node.create_api_key(company.id)
    busy = [node.create_api_key(company.id).secret for _ in range(20)]
    for secret in [kept.secret, revoked.secret, *busy]:
        assert node.cached_company_for_key(secret) is not None
    clock.now += KEY_TTL * 0.75  # part-way through: the batches are not aligned with the revocation
    other_node.revoke_api_key(revoked.key.id)
    revoked_at = clock.now
    while clock.now < revoked_at + 3 * KEY_TTL:
        clock.now += 0.05
        answer = node.cached_company_for_key(revoked.secret)
        if clock.now >= revoked_at + KEY_TTL:
            assert answer is None, f"a revoked key still works {clock.now - revoked_at:.2f} s later"
        assert node.cached_company_for_key(kept.secret) is not None
        for secret in busy:
            assert node.cached_company_for_key(secret) is not None


def test_keys_polled_more_seldom_than_the_ttl_are_still_checked_in_batches(store: Store, clock: Clock,
                                                                         key_queries: list[str]) -> None:
    """A loaded node, or subscribers polling every few seconds, bring each key back more slowly than
    KEY_TTL: that must not make every request a lookup of its own."""
    subs = Subscribers(store)
    company = subs.create_company("Daily Planet")
    keys = [subs.create_api_key(company.id).secret for _ in range(200)]
    for secret in keys:
        subs.cached_company_for_key(secret)
    key_queries.clear()
    for tick in range(600):  # 60 s, each key asked every 10 s (five times KEY_TTL)
        clock.now += 0.1
        for secret in keys[tick % 100::100]:
            assert subs.cached_company_for_key(secret) is not None
    assert len(key_queries) <= 2 * 60 / KEY_TTL, f"{len(key_queries)} key lookups in 60 s"


def test_idle_keys_are_forgotten_and_unknown_keys_never_remembered(store: Store, clock: Clock,
                                                                    key_queries: list[str]) -> None:
    subs = Subscribers(store)
    company = subs.create_company("Daily Planet")
    idle = [subs.create_api_key(company.id).secret for _ in range(50)]
    busy = subs.create_api_key(company.id).secret
    for secret in [*idle, busy]:
        subs.cached_company_for_key(secret)
    step, began, late_from = 0.5, clock.now, None
    for _ in range(int((KEY_IDLE + 10 * KEY_TTL) / step)):  # only one key stays in use
        clock.now += step
        if late_from is None and clock.now > began + KEY_IDLE + KEY_TTL:
            late_from = len(key_queries)  # from here on, the idle keys are past KEY_IDLE
        assert subs.cached_company_for_key(busy) is not None
    late = key_queries[late_from:]
    # the idle keys are no longer carried along in the busy key's batches: each batch reads one key
    assert late and all(q.count("?") + q.count("%(") <= 3 for q in late), late[-1]
    for bogus in ["nfk_" + "x" * 43, "nfk_' OR 1=1 --", "nfk_\x00\r\n", "not-ours"]:
        assert subs.cached_company_for_key(bogus) is None
        assert subs.cached_company_for_key(bogus) is None  # still asked, never remembered as valid


# ---- KeyMemory alone, against a model of the database -----------------------------------------------

OPS = st.lists(st.one_of(
    st.tuples(st.just("wait"), st.floats(0.0, 3 * KEY_TTL)),
    st.tuples(st.just("ask"), st.integers(0, 7)),
    st.tuples(st.just("revoke"), st.integers(0, 7)),
    st.tuples(st.just("restore"), st.integers(0, 7)),  # e.g. its company made active again
    st.tuples(st.just("clear"), st.just(0)),
), max_size=120)


@settings(max_examples=300, deadline=None)
@given(ops=OPS)
def test_every_answer_was_true_within_the_ttl(ops: list[tuple[str, float]]) -> None:
    """Whatever the order of asks, waits, revocations and clears: a key answers as the database did
    at some moment of the last KEY_TTL, a live key is never refused, and the memory stays bounded."""
    from newsflow.wire import keymemory

    now = [0.0]
    live = {f"nfk_{n}": True for n in range(8)}
    history: dict[str, list[tuple[float, bool]]] = {k: [(-1e9, True)] for k in live}
    calls: list[int] = []

    def lookup_many(batch: Sequence[str]) -> dict[str, CompanyAccess]:
        calls.append(len(batch))
        return {k: CompanyAccess(id=k, product_ids=frozenset()) for k in batch if live[k]}

    memory = keymemory.KeyMemory(lookup_many, ttl=KEY_TTL, idle=3 * KEY_TTL, size=5)
    keymemory.time = SimpleNamespace(monotonic=lambda: now[0])  # type: ignore[assignment]
    try:
        for op, arg in ops:
            if op == "wait":
                now[0] += arg
            elif op == "clear":
                memory.clear()
            elif op in ("revoke", "restore"):
                key = f"nfk_{int(arg)}"
                live[key] = op == "restore"
                history[key].append((now[0], live[key]))
            else:
                key = f"nfk_{int(arg)}"
                answer = memory.get(key)
                # the states the key had at some moment in [now - ttl, now]
                states = {s for at, s in history[key] if at >= now[0] - KEY_TTL}
                states.add(next(s for at, s in reversed(history[key]) if at <= now[0] - KEY_TTL)
                           if any(at <= now[0] - KEY_TTL for at, _ in history[key]) else True)
                assert (answer is not None) in states, (key, answer, history[key], now[0])
                if answer is not None:
                    assert answer.id == key
                if live[key]:  # only live keys are remembered: a live one is never refused
                    assert answer is not None
            assert len(memory._held) <= 5 + 8  # bounded: cleared when full, one batch may refill it
    finally:
        keymemory.time = time  # type: ignore[assignment]
    assert all(n <= 8 for n in calls)

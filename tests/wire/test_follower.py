"""The log follower keeps a position per handler: a handler that fails on a batch is handed the same
events again from the log, with a backoff, until it succeeds; the others, and long-polls, go on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from sqlalchemy.exc import OperationalError

from newsflow.bus import LocalBus
from newsflow.model import Event
from newsflow.services import Services
from newsflow.wire.follower import LogFollower
from tests.helpers import publish_story


def _db_error() -> OperationalError:
    return OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))


async def _eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_a_failing_handler_gets_its_events_again_and_holds_no_one_else_back(services: Services) -> None:
    store = services.store

    async def scenario() -> None:
        bus = LocalBus()
        await bus.start()
        follower = LogFollower(store, bus, poll_every=0.05)
        await follower.start()
        start = follower.last_seq
        steady: list[int] = []
        flaky: list[int] = []
        failures = 0

        async def steady_handler(events: list[Event]) -> None:
            steady.extend(e.seq for e in events)

        async def flaky_handler(events: list[Event]) -> None:
            nonlocal failures
            if failures < 3:
                failures += 1
                raise _db_error()
            flaky.extend(e.seq for e in events)

        follower.handlers += [flaky_handler, steady_handler]
        following = asyncio.create_task(follower.run())
        try:
            await asyncio.to_thread(publish_story, services, "First", "World")
            # the long-poll and the steady handler move on while the flaky one is still behind
            assert await follower.wait_beyond(start, 5)
            await _eventually(lambda: steady)
            assert flaky == [] and follower.handled_seq == start < follower.last_seq
            for n in range(4):
                await asyncio.to_thread(publish_story, services, f"Story {n}", "World")
            written = [e.seq for e in store.events_after(start, 100)]
            await _eventually(lambda: flaky == written and follower.handled_seq == written[-1])
            assert steady == written and failures == 3  # each event once to each, in order
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
            await bus.close()

    asyncio.run(scenario())


def test_failed_reads_of_the_log_delay_a_handler_behind_but_lose_it_nothing(services: Services) -> None:
    store = services.store

    async def scenario() -> None:
        bus = LocalBus()
        await bus.start()
        follower = LogFollower(store, bus, poll_every=0.05)
        await follower.start()
        start = follower.last_seq
        got: list[int] = []
        calls = 0

        async def handler(events: list[Event]) -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise _db_error()
            got.extend(e.seq for e in events)

        real = store.events_after
        reads = 0

        def flaky_read(seq: int, limit: int = 100) -> list[Event]:
            nonlocal reads
            reads += 1
            if reads % 2 == 0:  # every other read of the log fails, for the handler behind too
                raise _db_error()
            return real(seq, limit)

        follower.handlers.append(handler)
        store.events_after = flaky_read  # type: ignore[method-assign]
        following = asyncio.create_task(follower.run())
        try:
            for n in range(3):
                await asyncio.to_thread(publish_story, services, f"Story {n}", "World")
            written = [e.seq for e in real(start, 100)]
            await _eventually(lambda: follower.handled_seq == written[-1])
            assert got == written and calls > 1 and reads > 2
        finally:
            following.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await following
            del store.events_after
            await bus.close()

    asyncio.run(scenario())

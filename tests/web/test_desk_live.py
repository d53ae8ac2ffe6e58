"""The desk's live view fans each batch out to every open tab from one read, and a tab that
reconnects with a cursor catches up from the log without repeating or missing an event."""

from __future__ import annotations

import asyncio
from typing import Any

from newsflow.model import Story
from newsflow.services import Services
from newsflow.web.desk.live import LiveView


async def _take(gen: Any, count: int) -> list[str]:
    out: list[str] = []
    while len(out) < count:
        text = await asyncio.wait_for(gen.__anext__(), 10)
        if text.startswith("id: "):
            out.append(text.split("\n", 1)[0][4:])
    return out


def test_one_read_per_batch_for_every_tab_and_a_resume_from_the_log(services: Services) -> None:
    desk, store = services.newsroom, services.store
    first = desk.publish(desk.create(Story(headline="Before the tabs opened")).guid)
    reads: list[int] = []
    real = store.get_versions

    def counted(keys: list[tuple[str, int]]) -> Any:
        reads.append(len(keys))
        return real(keys)

    store.get_versions = counted  # type: ignore[method-assign]
    live = LiveView(store)

    async def run() -> None:
        seen = store.last_seq()
        tabs = [live.stream(seen) for _ in range(3)]
        for tab in tabs:
            assert await tab.__anext__() == "retry: 3000\n\n"
        resumed = live.stream(0)  # a reconnect that saw nothing: the log first, then live
        await resumed.__anext__()
        for headline in ("Flash one", "Flash two"):
            desk.publish(desk.create(Story(headline=headline)).guid)
        events = store.events_after(seen, 100)
        caught_up = await _take(resumed, 1)  # reads the log up to now before waiting
        reads.clear()
        await live.on_events(events)
        assert len(reads) == 1  # one read of the headlines for all four tabs
        for tab in tabs:
            assert await _take(tab, 2) == [str(e.seq) for e in events]
        rest = await _take(resumed, 2)
        assert caught_up + rest == [str(seq) for seq in range(1, events[-1].seq + 1)]
        # the two handed over while it caught up are not sent again: the next frame is the next event
        desk.publish(desk.create(Story(headline="Flash three")).guid)
        later = store.events_after(events[-1].seq, 100)
        await live.on_events(later)
        assert await _take(resumed, 1) == [str(later[0].seq)]
        for gen in [*tabs, resumed]:
            await gen.aclose()
        assert not live._tabs

    asyncio.run(run())
    assert first.version == 1

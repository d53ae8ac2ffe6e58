"""The desk's live view: what went out, as Server-Sent Events for every open /desk/live tab.

A `LogFollower` handler turns each batch of events into frames once and hands them to every tab;
a tab reads the log itself only to catch up after a reconnect (Last-Event-ID), so ten editors
watching cost one read per batch, not ten.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from newsflow.model import Event
from newsflow.store import Store
from newsflow.wire.stream import sse_message

HEARTBEAT = 15.0  # seconds between comment lines, so proxies keep an idle stream open
TAB_BUFFER = 1000  # frames a slow tab may fall behind before it is dropped (its browser reconnects)


def event_rows(store: Store, events: list[Event]) -> list[dict[str, Any]]:
    """Each event with its version's headline, as the live table shows it."""
    found = store.get_versions([(e.guid, e.version) for e in events])
    rows = []
    for e in events:
        v = found.get((e.guid, e.version))
        rows.append({"seq": e.seq, "kind": e.kind.value, "guid": e.guid, "version": e.version,
                     "created": e.created, "headline": v.headline if v else e.guid,
                     "language": v.language if v else ""})
    return rows


def frame(row: dict[str, Any]) -> str:
    data = {**row, "created": _stamp(row["created"])}
    # JSON escapes line breaks already; the one framing function keeps it so whatever the data holds
    return sse_message(json.dumps(data, ensure_ascii=False).encode(), id=row["seq"]).decode()


def _stamp(when: datetime) -> str:
    # one frame goes to every tab, whatever its reader's language and zone: desk-live.js formats it
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).isoformat()


class LiveView:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._tabs: set[asyncio.Queue[tuple[int, str] | None]] = set()
        self.farewell = ""  # set when the node stops: the last words of every tab, open or new

    def drain(self, farewell: str) -> None:
        """The node is stopping: every tab gets `farewell` (a final `retry:`) and its stream ends."""
        self.farewell = farewell
        for tab in list(self._tabs):
            tab.put_nowait(None)

    async def on_events(self, events: list[Event]) -> None:
        """The follower's handler: one read of the headlines, one frame per event, for every tab."""
        if not self._tabs:
            return
        rows = await asyncio.to_thread(event_rows, self.store, events)
        frames = [(row["seq"], frame(row)) for row in rows]
        for tab in list(self._tabs):
            if tab.qsize() + len(frames) > TAB_BUFFER:
                self._tabs.discard(tab)
                tab.put_nowait(None)  # ends that stream; EventSource reconnects with Last-Event-ID
                continue
            for item in frames:
                tab.put_nowait(item)

    async def stream(self, after: int) -> AsyncIterator[str]:
        """Frames after seq `after`: first from the log, then as they are handed over."""
        tab: asyncio.Queue[tuple[int, str] | None] = asyncio.Queue()
        self._tabs.add(tab)  # registered before the catch-up read: nothing written meanwhile is missed
        try:
            yield "retry: 3000\n\n"
            if self.farewell:
                yield self.farewell
                return
            cursor = after
            while True:
                events = await asyncio.to_thread(self.store.events_after, cursor, 100)
                if not events:
                    break
                for row in await asyncio.to_thread(event_rows, self.store, events):
                    yield frame(row)
                cursor = events[-1].seq
            while True:
                try:
                    item = await asyncio.wait_for(tab.get(), HEARTBEAT)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                if item is None:
                    if self.farewell:
                        yield self.farewell
                    return
                seq, text = item
                if seq > cursor:  # the catch-up may already have sent it
                    cursor = seq
                    yield text
        finally:
            self._tabs.discard(tab)

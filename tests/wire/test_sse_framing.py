"""The one SSE framing function, read back by a real SSE client (httpx-sse), and the connection's
promise to take each seq once (a batch the follower hands over again is not sent twice)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from httpx_sse import EventSource, ServerSentEvent

from newsflow.model import Event, EventKind
from newsflow.web.desk.live import frame as desk_frame
from newsflow.wire.stream import HEARTBEAT_FRAME, sse_comment, sse_frame, sse_message
from tests.wire.test_stream import FakeSocket, _conn, on_a_loop


def _parse(raw: bytes) -> list[ServerSentEvent]:
    """The messages a browser dispatches: httpx-sse also yields data-less ones, which the standard drops."""
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)
    return [e for e in EventSource(response).iter_sse() if e.data]


@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n", "\r\r", "\n\n", "\r\n\r\n"])
def test_every_line_break_stays_inside_data(brk: str) -> None:
    payload = f"headline{brk}id: 999{brk}event: kill{brk}retry: 1{brk}: a comment{brk}data: forged{brk}"
    event = Event(seq=7, kind=EventKind.publish, guid="g", version=1, created=datetime.now(UTC))
    raw = sse_frame(event, payload.encode()) + sse_comment(f"closed: why{brk}id: 5") + HEARTBEAT_FRAME
    [parsed] = _parse(raw)
    assert (parsed.id, parsed.event, parsed.retry) == ("7", "publish", None)
    assert parsed.data == payload.replace("\r\n", "\n").replace("\r", "\n")


def test_fields_other_than_data_cannot_hold_a_line_break() -> None:
    with pytest.raises(ValueError, match="line break"):
        sse_message(b"x", event="publish\rid: 9")


def test_the_desk_live_view_frames_through_the_same_function() -> None:
    row = {"seq": 3, "kind": "publish", "guid": "g", "version": 1, "created": datetime.now(UTC),
           "headline": "Calm\rid: 999\r\revent: kill", "language": "en"}
    [parsed] = _parse(desk_frame(row).encode())
    assert parsed.id == "3" and parsed.event == "message" and "id: 999" in parsed.data


@on_a_loop
async def test_a_seq_offered_again_is_not_sent_again_and_heartbeats_do_not_move_the_seq() -> None:
    sock, conn = FakeSocket(), _conn()
    conn.go_live(sock.send, 0)
    conn.offer(1, b"1,")
    conn.offer(2, b"2,")
    conn.comment(b"hb,")
    conn.offer(1, b"1,")  # the follower hands a failed batch over again
    conn.offer(2, b"2,")
    conn.offer(3, b"3,")
    assert sock.text == b"1,2,hb,3,"


@on_a_loop
async def test_ending_a_connection_leaves_the_reason_to_send_last() -> None:
    conn = _conn()
    conn.end("API key revoked")
    await asyncio.wait_for(conn.closed, 1)
    assert conn.farewell == b": closed: API key revoked\n\n"

"""The stream hub's direct writes: immediate when the socket takes the bytes, in order behind a full
socket, a client too far behind dropped, nothing lost or repeated around the catch-up."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.stream import QUEUE_LIMIT, Connection, Group


class FakeSocket:
    """A server `send`: completes at once unless `full`, then waits until `drain()`."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.full = False
        self._gate: asyncio.Future[None] | None = None

    async def send(self, message: dict[str, Any]) -> None:
        if self.full:
            self._gate = asyncio.get_running_loop().create_future()
            await self._gate
        self.written.append(message["body"])

    def drain(self) -> None:
        self.full = False
        if self._gate is not None:
            self._gate.set_result(None)

    @property
    def text(self) -> bytes:
        return b"".join(self.written)


def _conn() -> Connection:
    return Connection(Group(CompanyAccess("c1", frozenset({1})), "ninjs", None))


def on_a_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))
    return run


@on_a_loop
async def test_a_frame_is_written_during_the_offer_itself() -> None:
    sock, conn = FakeSocket(), _conn()
    conn.go_live(sock.send, 0)
    conn.offer(1, b"one")
    assert sock.written == [b"one"]  # no await in between: the write ran eagerly
    assert conn.draining is None


@on_a_loop
async def test_frames_queue_in_order_behind_a_full_socket() -> None:
    sock, conn = FakeSocket(), _conn()
    conn.go_live(sock.send, 0)
    sock.full = True
    for seq in range(1, 6):
        conn.offer(seq, b"%d," % seq)
    assert sock.written == [] and conn.draining is not None
    sock.drain()
    await asyncio.sleep(0.01)
    assert sock.text == b"1,2,3,4,5,"
    assert conn.draining is None
    conn.offer(6, b"6,")
    assert sock.text == b"1,2,3,4,5,6,"


@on_a_loop
async def test_a_client_too_far_behind_is_dropped() -> None:
    sock, conn = FakeSocket(), _conn()
    conn.go_live(sock.send, 0)
    sock.full = True
    for seq in range(1, QUEUE_LIMIT + 3):
        conn.offer(seq, b"x")
    assert conn.done and conn.held == []


@pytest.mark.parametrize("sent_through", [0, 3, 5])
@on_a_loop
async def test_going_live_sends_what_was_held_after_the_catch_up_once(sent_through: int) -> None:
    sock, conn = FakeSocket(), _conn()
    for seq in range(1, 6):  # published while the catch-up was reading the log
        conn.offer(seq, b"%d," % seq)
    assert sock.written == []
    conn.go_live(sock.send, sent_through)
    conn.offer(6, b"6,")
    assert sock.text == b"".join(b"%d," % s for s in range(sent_through + 1, 7))


@on_a_loop
async def test_a_closed_connection_takes_nothing() -> None:
    sock, conn = FakeSocket(), _conn()
    conn.go_live(sock.send, 0)
    conn.close()
    conn.offer(1, b"late")
    assert sock.written == [] and conn.done


@on_a_loop
async def test_an_event_the_catch_up_sent_is_not_sent_again_when_the_follower_brings_it_late() -> None:
    sock, conn = FakeSocket(), _conn()
    conn.go_live(sock.send, 5)  # the catch-up read the log up to seq 5
    conn.offer(4, b"4,")  # this node's follower, behind the catch-up, offers what was already sent
    conn.offer(5, b"5,")
    conn.offer(6, b"6,")
    assert sock.text == b"6,"

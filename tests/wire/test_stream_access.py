"""The hub's re-check of open connections: one look-up per distinct key, user and company per tick,
however many connections share them; a connection that arrives during a look-up is left for the next."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from newsflow.services import Services
from newsflow.wire.stream import Holder, StreamCaps


def test_one_look_up_per_distinct_key_user_and_company_per_tick(services: Services) -> None:
    subs, hub = services.subscribers, services.hub
    product = subs.create_product("World desk", {"categories": ["World"]})
    company = subs.create_company("Daily A")
    subs.assign_product(company.id, product.id)
    key = subs.create_api_key(company.id).secret
    user = services.store.create_user(email="r@a.example", name="R", role="subscriber", company_id=company.id)
    calls: dict[str, int] = {"key": 0, "user": 0, "companies": 0}
    real_key, real_user, real_accesses = subs.company_for_key, services.store.get_user, subs.accesses

    def counting(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return real(*args, **kwargs)
        return call

    subs.company_for_key = counting("key", real_key)  # type: ignore[method-assign]
    services.store.get_user = counting("user", real_user)  # type: ignore[method-assign]
    subs.accesses = counting("companies", real_accesses)  # type: ignore[method-assign]

    hub.caps = StreamCaps()  # 150 connections on one key and company: beyond the default caps

    async def scenario() -> None:
        access = subs.access(company.id)
        conns = [hub.connect(access, fmt, None, Holder(key=key)) for fmt in ("ninjs", "text") for _ in range(50)]
        conns += [hub.connect(access, "ninjs", None, Holder(user_id=user.id)) for _ in range(50)]
        calls.update(dict.fromkeys(calls, 0))
        await hub.check_access()
        assert calls == {"key": 1, "user": 1, "companies": 1}
        assert not any(c.done for c in conns)
        for conn in conns:
            hub.disconnect(conn)

    asyncio.run(scenario())


def test_a_connection_that_arrives_during_a_look_up_is_not_taken_for_revoked(services: Services) -> None:
    subs, hub = services.subscribers, services.hub
    product = subs.create_product("World desk", {"categories": ["World"]})
    company = subs.create_company("Daily A")
    subs.assign_product(company.id, product.id)
    first, second = (subs.create_api_key(company.id).secret for _ in range(2))
    looking, go_on = threading.Event(), threading.Event()
    real = subs.accesses

    def slow_accesses(ids: Any) -> Any:
        looking.set()
        go_on.wait(5)
        return real(ids)

    subs.accesses = slow_accesses  # type: ignore[method-assign]

    async def scenario() -> None:
        access = subs.access(company.id)
        early = hub.connect(access, "ninjs", None, Holder(key=first))
        tick = asyncio.create_task(hub.check_access())
        await asyncio.to_thread(looking.wait, 5)
        late = hub.connect(access, "ninjs", None, Holder(key=second))  # joins the same group meanwhile
        go_on.set()
        await tick
        assert not early.done and not late.done
        subs.revoke_api_key(subs.list_api_keys(company.id)[1].id)
        subs.accesses = real  # type: ignore[method-assign]
        await hub.check_access()
        revoked = {c.farewell for c in (early, late) if c.done}
        assert revoked == {b": closed: API key revoked\n\n"} and early.done != late.done

    asyncio.run(scenario())

"""Wake-ups between processes: "the log has grown to seq N". A message may be lost; an event may
not — so followers also look at the log on a timer, and the bus only makes them look sooner.

`local://` wakes followers in this process; `nats://host:port` also wakes every other node through
NATS JetStream.
"""

from __future__ import annotations

from newsflow.bus.local import Bus, LocalBus


def open_bus(url: str) -> Bus:
    if url.startswith("nats://"):
        from newsflow.bus.nats import NatsBus

        return NatsBus(url)
    if url in ("", "local://", "local"):
        return LocalBus()
    raise ValueError(f"NEWSFLOW_BUS_URL {url!r}: use local:// or nats://host:port")


__all__ = ["Bus", "LocalBus", "open_bus"]

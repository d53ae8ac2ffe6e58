"""Recent API key lookups, re-checked against the database in batches.

Every subscriber request names its key, and a node cannot ask the database each time. So a lookup
is remembered for `ttl` seconds; a revocation made on another node shows within that bound. Checked
one by one, a thousand busy keys cost a thousand lookups per `ttl` — on 2026-12-02 that was two
thirds of a feed page's time (docs/benchmarks.md). Here, when a remembered key is due, every other
key in use that falls due within the next half `ttl` is re-checked with it in one batch, so busy
keys settle into a few batches per `ttl`, whatever their number. Keys used within `idle` seconds are
carried along, so a subscriber polling every few seconds — more seldom than `ttl` — is never looked up
alone again: looked up one by one, a node whose keys come back more slowly than `ttl` (1,000 keys at
under 500 requests a second) pays a lookup per request, and slows further. A key idle longer is
forgotten when it falls due. Unknown keys are never remembered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from newsflow.wire.entitlement import CompanyAccess

# Looks up many keys at once: secret -> access for each live key; unknown and revoked keys are left out.
LookupMany = Callable[[Sequence[str]], dict[str, CompanyAccess]]


class _Held:
    __slots__ = ("access", "until", "used")

    def __init__(self, access: CompanyAccess, until: float, used: float) -> None:
        self.access = access
        self.until = until
        self.used = used  # when it was last asked for


class KeyMemory:
    def __init__(self, lookup_many: LookupMany, *, ttl: float, idle: float, size: int) -> None:
        self._lookup_many = lookup_many
        self.ttl = ttl
        self.idle = idle
        self.size = size
        self._held: dict[str, _Held] = {}
        self._generation = 0  # moves on every `clear`, so a batch read across one is not kept
        self._lock = threading.Lock()  # batches only: a hit takes no lock

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._held = {}

    def get(self, secret: str) -> CompanyAccess | None:
        """The access behind a live key, or None for an unknown or revoked one."""
        held = self._held.get(secret)
        clock = time.monotonic()
        if held is not None and held.until > clock:
            held.used = clock
            return held.access
        # a key never seen (or just forgotten) is looked up alone: an unknown one must not cost a scan
        batch = [secret] if held is None else self._due(secret)
        return self._check(secret, batch)

    def _due(self, secret: str) -> list[str]:
        """`secret` and every key in use that falls due within half a ttl; idle due keys are dropped."""
        clock = time.monotonic()
        soon, recent = clock + self.ttl / 2, clock - self.idle
        batch = [secret]
        with self._lock:
            for other, held in list(self._held.items()):
                if other == secret or held.until > soon:
                    continue
                if held.used >= recent:
                    batch.append(other)
                elif held.until <= clock:
                    del self._held[other]
        return batch

    def _check(self, secret: str, batch: list[str]) -> CompanyAccess | None:
        generation = self._generation
        started = time.monotonic()  # each answer holds for ttl from before the database was asked
        found = self._lookup_many(batch)
        with self._lock:
            if generation == self._generation:
                if len(self._held) + len(found) > self.size:
                    self._held = {}
                for key in batch:
                    access = found.get(key)
                    if access is None:
                        self._held.pop(key, None)  # revoked, or its company or key gone
                    else:
                        old = self._held.get(key)
                        used = old.used if old is not None and key != secret else started
                        self._held[key] = _Held(access, started + self.ttl, used)
        return found.get(secret)

"""Polling a remote Atom, RSS or ninjs feed on a schedule, with conditional GETs.

Each feed is an ingest source of its own, named after its URL unless given a name.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from newsflow.ingest.service import Ingestor, Outcome, Result
from newsflow.ingest.sources import SourceKind, check_name, feed_source

log = logging.getLogger("newsflow.ingest")


class FeedPoller:
    def __init__(self, ingestor: Ingestor, url: str, *, every: float = 60.0, timeout: float = 20.0,
                 headers: dict[str, str] | None = None, source: str | None = None) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"feed URL must be http(s): {url!r}")
        self.ingestor = ingestor
        self.url = url
        self.source = check_name(source) if source else feed_source(url)
        self._registered = False
        self.every = every
        self.timeout = timeout
        self.headers = headers or {}
        self._validators: dict[str, str] = {}

    def poll_once(self, client: httpx.Client | None = None) -> list[Result]:
        headers = self.headers | self._validators
        try:
            if client is None:
                with httpx.Client(timeout=self.timeout, follow_redirects=True) as own:
                    response = own.get(self.url, headers=headers)
            else:
                response = client.get(self.url, headers=headers)
        except httpx.HTTPError as exc:
            return [Result(self.url, Outcome.failed, reason=f"{self.url}: {exc}")]
        if response.status_code == 304:
            return []
        if response.status_code != 200:
            return [Result(self.url, Outcome.failed, reason=f"{self.url}: HTTP {response.status_code}")]
        self._validators = {name: value for name, value in (
            ("If-None-Match", response.headers.get("etag")),
            ("If-Modified-Since", response.headers.get("last-modified"))) if value}
        if not self._registered:  # on first use, not when built: the app builds pollers at start
            self.ingestor.sources.ensure(self.source, SourceKind.feed)
            self._registered = True
        return self.ingestor.ingest_bytes(response.content, self.url, source=self.source)

    async def run(self) -> None:
        while True:
            results = await asyncio.to_thread(self.poll_once)
            for r in results:
                if r.outcome == Outcome.failed:
                    log.warning("feed poll: %s", r.reason)
            await asyncio.sleep(self.every)

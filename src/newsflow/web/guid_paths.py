"""Story guids in URL paths: one percent-encoded path segment, read back exactly.

An ingested guid may be a URL (`https://example.org/item/abc?x=1#y`), so it may hold `/`, `?`, `#`
and `%`. Every link Newsflow writes carries a guid as one path segment with everything but the
unreserved characters percent-encoded, `/` as `%2F`: `segment` (the `guid_segment` filter of the
templates), as `RenderContext.item_uri` does for the items a format links.

A server decodes the path before routing, which would make `%2F` a separator again: the guid
`a/versions` would then be read as the versions of story `a`. So for the routes that take a guid
(`GUID_ROUTES`), `GuidPaths` routes the path with `%2F` and `%25` left encoded, and `path_guid`
decodes those two in the guid parameter: any guid round-trips. The routes declare `{guid:path}`, so a
client that sends a URL guid with literal slashes still reaches the story; the route's own segments
(`/versions/2`, `/publish`) are then the last ones, and a guid that itself ends in such segments must
be sent encoded. The public site's story pages (`/news/{guid}/{slug}`) take the encoded segment only.
The portal's and the desk's story pages (`/portal/stories/…`, `/desk/stories/…`) follow the same rule.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Path
from starlette.types import ASGIApp, Receive, Scope, Send

GUID_ROUTES = ("/v1/items/", "/v1/newsroom/stories/", "/news/", "/portal/stories/", "/desk/stories/")
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})|%")
_KEPT = re.compile(r"%2F|%25")


def segment(guid: str) -> str:
    """A guid as one URL path segment, every character but letters, digits and `-._~` percent-encoded."""
    return quote(guid, safe="")


def routable(raw_path: bytes) -> str:
    """The request path decoded for routing, except `%2F` and `%25` (and a stray `%`, as `%25`), so a
    guid's own slashes and percent signs stay inside its segment."""

    def decode(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        if code is None:
            return b"%25"  # a '%' that starts no escape is itself
        code = code.upper()
        return b"%" + code if code in (b"2F", b"25") else bytes([int(code, 16)])

    return _ESCAPE.sub(decode, raw_path).decode("utf-8", "replace")


class GuidPaths:
    """Routes the paths under `GUID_ROUTES` as `routable` reads them (see the module's text)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(GUID_ROUTES) and scope.get("raw_path"):
            path = routable(scope["raw_path"])
            if path.startswith(GUID_ROUTES):
                # in place, not a copy: the layers outside read the matched route from this scope
                # (the request log's and the metrics' route label)
                scope["path"] = path
        await self.app(scope, receive, send)


def path_guid(guid: str = Path(description="The story's guid as one percent-encoded path segment "
                                           "(`/` as %2F); a URL guid may also be sent with its slashes.")) -> str:
    """The guid of a `GuidPaths` route, its `%2F` and `%25` decoded."""
    return _KEPT.sub(lambda m: "/" if m.group() == "%2F" else "%", guid)


# A route's guid parameter: `guid: Guid`, with `{guid:path}` in the route.
Guid = Annotated[str, Depends(path_guid)]

"""The download formats: `OUTPUTS` names each; `render` is the one way channels get bytes,
cached per (guid, version, format)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsflow.formats import html, newsmlg2, ninjs, nitf, text
from newsflow.formats.base import FormatError, RenderContext
from newsflow.formats.cache import RenderCache
from newsflow.model import StoryVersion

Renderer = Callable[[StoryVersion, RenderContext], bytes]


@dataclass(frozen=True)
class OutputFormat:
    name: str
    media_type: str
    extension: str
    render: Renderer
    label: str


OUTPUTS: dict[str, OutputFormat] = {f.name: f for f in (
    OutputFormat("ninjs", "application/ninjs+json", "json", ninjs.render2, "IPTC ninjs 2.2"),
    OutputFormat("ninjs3", "application/ninjs+json; version=3", "json", ninjs.render3, "IPTC ninjs 3.1"),
    OutputFormat("newsmlg2", "application/vnd.iptc.g2.newsitem+xml", "xml", newsmlg2.render_item,
                 "IPTC NewsML-G2 2.35"),
    OutputFormat("nitf", "application/vnd.iptc.nitf+xml", "xml", nitf.render, "IPTC NITF 3.6"),
    OutputFormat("text", "text/plain; charset=utf-8", "txt", text.render, "Plain text"),
    OutputFormat("html", "text/html; charset=utf-8", "html", html.render, "HTML"),
)}

_cache = RenderCache()


def render(version: StoryVersion, fmt: str, ctx: RenderContext, cache: RenderCache | None = _cache) -> bytes:
    """Bytes of a version in a format, rendered at most once per process while cached."""
    output = OUTPUTS[fmt]
    if cache is None:
        return output.render(version, ctx)
    key = (version.guid, version.version, fmt)
    data = cache.get(key)
    if data is None:
        data = output.render(version, ctx)
        cache.put(key, data)
    return data


__all__ = ["OUTPUTS", "FormatError", "OutputFormat", "RenderCache", "RenderContext", "render"]

"""The download formats: `OUTPUTS` names each; `render` is the one way channels get bytes,
cached per (guid, version, format, pubstatus)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from newsflow.formats import html, newsmlg2, ninjs, nitf, text
from newsflow.formats.base import FormatError, RenderContext, RenderError
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
    """Bytes of a version in a format, rendered at most once per process while cached; a renderer's
    failure comes out as a RenderError naming the story."""
    output = OUTPUTS[fmt]
    if cache is None:
        return _render(output, version, ctx)
    # pubstatus in the key: a withdrawal notice has its version's number (wire.entitlement)
    key = (version.guid, version.version, fmt, version.pubstatus.value)
    data = cache.get(key)
    if data is None:
        data = _render(output, version, ctx)
        cache.put(key, data)
    return data


def _render(output: OutputFormat, version: StoryVersion, ctx: RenderContext) -> bytes:
    try:
        return output.render(version, ctx)
    except Exception as exc:
        raise RenderError(version.guid, version.version, output.name) from exc


__all__ = ["OUTPUTS", "FormatError", "OutputFormat", "RenderCache", "RenderContext", "RenderError", "render"]

"""NewsML-G2 media and packages: the contentSet of a picture, video, audio or graphic newsItem (one
`remoteContent` per rendition) and the groupSet of a packageItem, written and read back.

Renditions: each is a `remoteContent` with `href`, `contenttype`, `size`, `width`, `height` and, for
video and audio, `duration` with `durationunit="timeunit:seconds"`. Its name is the `rendition` QCode:
IPTC's `rnd:highRes`, `rnd:preview`, `rnd:thumbnail`, `rnd:web`, `rnd:print` for those names, else
`nfrnd:{name}` (Newsflow's scheme); a wire's own QCode (`rend:baseImage`) is read as its code
(`baseImage`). `contentSet@original` points at the media's main file: a stored media object's
`original`, a remote one's `href` (written as a `remoteContent` without a rendition when it is not one
of the renditions). A stored media object's renditions carry its media id as `residref`.

Packages: a root `group` without a role holds the members in order; members of a named group sit in a
`group role="nfgrp:{name}"` the root refers to with a `groupRef` (one group per run of consecutive
members of that name, so the order survives). Each member is an `itemRef` with `residref` = its G2
guid, `href` = its API URL, `contenttype`, and as hints its `itemClass` and `title` (the headline).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from lxml import etree

from newsflow.formats.base import RenderContext, clip, local_media_id
from newsflow.formats.g2xml import attr, child, children, code, integer, kids, local, split_qcode, sub, text
from newsflow.model import ItemKind, PackageMember, Photo, Rendition

NEWSITEM_TYPE = "application/vnd.iptc.g2.newsitem+xml"
PACKAGEITEM_TYPE = "application/vnd.iptc.g2.packageitem+xml"
# Our rendition names that IPTC's rendition scheme names (the rest are written as nfrnd:{name}).
IPTC_RENDITIONS = {"highres": "highRes", "preview": "preview", "thumbnail": "thumbnail", "web": "web",
                   "print": "print"}
_FROM_IPTC = {"highres": "highres", "preview": "preview", "thumbnail": "thumbnail", "thumb": "thumbnail",
              "web": "web", "print": "print"}
_TIME_UNITS = {"seconds": 1.0, "second": 1.0, "sec": 1.0, "s": 1.0, "milliseconds": 0.001, "millisecond": 0.001,
               "ms": 0.001}
_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_WEB = re.compile(r"^https?://")


def item_class(kind: ItemKind) -> str:
    """The NewsML-G2 itemClass QCode of an item kind (ninat:text, ninat:picture, …, ninat:composite)."""
    return "ninat:composite" if kind == ItemKind.package else f"ninat:{kind.value}"


def kind_of_class(qcode: str | None) -> ItemKind | None:
    """The item kind of an itemClass QCode of any scheme (ninat:, icls:, …), None for one we do not know."""
    value = code(qcode).lower()
    if value in ("composite", "package"):
        return ItemKind.package
    return ItemKind(value) if value in ItemKind.__members__ else None


def kind_of_mimetype(mimetype: str | None) -> ItemKind | None:
    top = (mimetype or "").split("/", 1)[0].lower()
    return {"image": ItemKind.picture, "video": ItemKind.video, "audio": ItemKind.audio}.get(top)


# --------------------------------------------------------------------------------------------- media

def render_media(content_set: etree._Element, photo: Photo, ctx: RenderContext, ids: str = "r") -> None:
    """One remoteContent per rendition of `photo` into a contentSet (a media item's, or one inside a link
    as a hint of the linked media); `ids` prefixes their XML ids, unique within the document."""
    if photo.media_id:
        record = ctx.media(photo.media_id) or {}
        offered: list[tuple[str, str, dict[str, Any]]] = [
            (name, ctx.rendition_href(photo.media_id, name), facts)
            for name, facts in ((record.get("renditions") or {}) or {"original": {}}).items()]
        main = next((i for i, (name, _, _) in enumerate(offered) if name == "original"), 0)
        residref: str | None = photo.media_id
    else:
        offered = [(r.name, r.href, r.model_dump()) for r in photo.renditions]
        main = next((i for i, (_, href, _) in enumerate(offered) if href == photo.href), -1)
        residref = None
        if main < 0:  # the main file is not one of the renditions: its own reference, with no rendition
            sub(content_set, "remoteContent", id=f"{ids}0", href=photo.href)
    content_set.set("original", f"{ids}{main + 1}")
    for index, (name, href, facts) in enumerate(offered, start=1):
        duration = facts.get("duration")
        sub(content_set, "remoteContent", id=f"{ids}{index}", rendition=rendition_qcode(name), residref=residref,
            href=href, contenttype=facts.get("mimetype"), size=_str(facts.get("size")),
            width=_str(facts.get("width")), height=_str(facts.get("height")),
            duration=_seconds(duration) if duration is not None else None,
            durationunit="timeunit:seconds" if duration is not None else None)


def rendition_qcode(name: str) -> str:
    iptc = IPTC_RENDITIONS.get(name)
    return f"rnd:{iptc}" if iptc else f"nfrnd:{quote(name, safe='')}"


def rendition_name(qcode: str | None) -> str | None:
    """The model's name for a rendition QCode: ours unquoted, IPTC's mapped, a wire's own its code."""
    alias, value = split_qcode(qcode)
    if not value:
        return None
    if alias == "nfrnd":
        return unquote(value)
    if alias == "rnd" and value.lower() in _FROM_IPTC:
        return _FROM_IPTC[value.lower()]
    return value


@dataclass(frozen=True)
class MediaWords:
    """What an item says about its media object (title, caption, credit, alt)."""

    title: str | None = None
    caption: str = ""
    credit: str = ""
    alt: str | None = None

    def fields(self) -> dict[str, Any]:
        return {"title": clip(self.title, 500) or None, "caption": clip(self.caption, 4000),
                "credit": clip(self.credit, 500), "alt": clip(self.alt, 1000) or None}


def read_media(content_set: etree._Element | None, kind: ItemKind | None, words: MediaWords) -> Photo | None:
    """The media object of a contentSet with every web-reachable rendition, or None when it has none.

    `kind` is the item's (None for a text item: then the kind follows the renditions' content type, and
    a contentSet offering no picture, video or sound has no media). Relative references are handed to the
    ingest channel's resolver (`base.local_media_id`) when nothing absolute is offered."""
    remotes = children(content_set, "remoteContent")
    if not remotes:
        return None
    main_id = attr(content_set, "original")
    renditions: list[Rendition] = []
    main_href: str | None = None
    relative: list[etree._Element] = []
    for index, remote in enumerate(remotes, start=1):
        href = (remote.get("href") or "").strip()
        if not _WEB.match(href) or len(href) > 2000:
            if href and ":" not in href.split("/", 1)[0]:
                relative.append(remote)
            continue
        named = rendition_name(remote.get("rendition"))
        is_main = main_id is not None and remote.get("id") == main_id
        facts = _facts(remote)
        if is_main and named is None and not facts:
            main_href = href  # the main file, offered apart from the renditions
            continue
        renditions.append(Rendition(name=clip(named or ("original" if is_main else f"rendition-{index}"), 100),
                                    href=href, **facts))
        if is_main:
            main_href = href
    kind = kind or next((k for r in renditions if (k := kind_of_mimetype(r.mimetype))), None)
    if kind is None:
        return None
    if not renditions and main_href is None:
        media_id = _local(relative)
        return Photo(kind=kind, media_id=media_id, **words.fields()) if media_id else None
    stored = _stored_id(remotes, renditions)
    if main_href is None:
        main_href = _main_href(renditions)
    return Photo(kind=kind, media_id=stored, href=None if stored else main_href, renditions=renditions[:50],
                 **words.fields())


def _facts(remote: etree._Element) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    mimetype = (remote.get("contenttype") or "").strip()
    if mimetype:
        facts["mimetype"] = mimetype[:200]
    for key, low in (("width", 1), ("height", 1), ("size", 0)):
        value = integer(remote.get(key))
        if value is not None and low <= value <= (2**53 if key == "size" else 1_000_000):
            facts[key] = value
    duration = parse_duration(remote.get("duration"), remote.get("durationunit"))
    if duration is not None:
        facts["duration"] = duration
    return facts


def parse_duration(value: str | None, unit: str | None) -> float | None:
    """Seconds from a G2 duration: in seconds by default, or milliseconds; clock times (`00:01:05.5`) too."""
    value = (value or "").strip()
    if not value:
        return None
    clock = _CLOCK.match(value)
    try:
        if clock:
            seconds = int(clock.group(1) or 0) * 3600 + int(clock.group(2)) * 60 + float(clock.group(3))
        else:
            factor = _TIME_UNITS.get(code(unit).lower() if unit else "seconds")
            if factor is None:
                return None  # frames or edit units: no rate to turn them into seconds
            seconds = float(value) * factor
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 10**7 else None


def _main_href(renditions: list[Rendition]) -> str | None:
    """A wire's main file when it names none: the original, else the largest picture, else the first."""
    if not renditions:
        return None
    named = next((r.href for r in renditions if r.name == "original"), None)
    if named:
        return named
    pictures = [r for r in renditions if kind_of_mimetype(r.mimetype) == ItemKind.picture and r.width and r.height]
    if pictures:
        return max(pictures, key=lambda r: (r.width or 0) * (r.height or 0)).href
    return renditions[0].href


def _stored_id(remotes: list[etree._Element], renditions: list[Rendition]) -> str | None:
    """The media id of a Newsflow's stored media object: every rendition is its /media/{id}/{name}."""
    ids = {(r.get("residref") or "").strip() for r in remotes}
    if len(ids) != 1 or not renditions:
        return None
    media_id = ids.pop()
    if not media_id or len(media_id) > 64:
        return None
    pattern = re.compile(rf"/media/{re.escape(media_id)}/[^/]+$")
    return media_id if all(pattern.search(r.href) for r in renditions) else None


def _local(relative: list[etree._Element]) -> str | None:
    # the largest first: the media library makes its own renditions from the one file it keeps
    ranked = sorted(relative, key=lambda r: -((integer(r.get("width")) or 0) * (integer(r.get("height")) or 0)))
    for remote in ranked:
        media_id = local_media_id((remote.get("href") or "").strip(), remote.get("contenttype"))
        if media_id:
            return media_id
    return None


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


# ------------------------------------------------------------------------------------------ packages

def render_group_set(item: etree._Element, members: list[PackageMember], ctx: RenderContext,
                     guid_of: Callable[[str], str]) -> None:
    """The packageItem's groupSet: the members in order, named groups as runs (see the module docstring)."""
    group_set = sub(item, "groupSet", root="G0")
    root = sub(group_set, "group", id="G0")
    runs: list[tuple[str | None, list[PackageMember]]] = []
    for member in members:
        if runs and runs[-1][0] == member.group and member.group is not None:
            runs[-1][1].append(member)
        else:
            runs.append((member.group, [member]))
    groups: list[tuple[str, list[PackageMember]]] = []
    for name, run in runs:
        if name is None:
            for member in run:
                _item_ref(root, member, ctx, guid_of)
        else:
            groups.append((f"G{len(groups) + 1}", run))
            sub(root, "groupRef", idref=groups[-1][0])
    for (group_id, run), name in zip(groups, [n for n, _ in runs if n is not None], strict=True):
        group = sub(group_set, "group", id=group_id, role=f"nfgrp:{quote(name, safe='')}")
        for member in run:
            _item_ref(group, member, ctx, guid_of)


def _item_ref(group: etree._Element, member: PackageMember, ctx: RenderContext,
              guid_of: Callable[[str], str]) -> None:
    is_package = member.kind == ItemKind.package
    ref = sub(group, "itemRef", residref=guid_of(member.guid), href=ctx.item_uri(member.guid),
              contenttype=PACKAGEITEM_TYPE if is_package else NEWSITEM_TYPE)
    sub(ref, "itemClass", qcode=item_class(member.kind))
    if member.headline:
        sub(ref, "title", member.headline)


def read_members(package: etree._Element, known: dict[str, tuple[ItemKind, str]],
                 guid_of: Callable[[str], str]) -> list[PackageMember]:
    """The members of a packageItem in document order from its root group (groupRefs followed), each
    with the kind and title its itemRef hints at, else those of the item itself when `known` (inline in
    the same message: G2 guid -> (kind, headline)). itemRefs outside any group are read too."""
    group_set = child(package, "groupSet")
    groups = {g.get("id"): g for g in children(group_set, "group")}
    refs: list[tuple[etree._Element, etree._Element | None]] = []
    visited: set[int] = set()
    root = groups.get(attr(group_set, "root")) if group_set is not None else None
    for group in [root, *groups.values()]:  # the root's tree first; groups it does not reach after it
        _walk(group, groups, refs, visited)
    refs += [(ref, None) for ref in package.iter() if isinstance(ref.tag, str) and local(ref) == "itemref"
             and not any(ref is r for r, _ in refs)]
    members: list[PackageMember] = []
    for ref, group in refs:
        residref = (ref.get("residref") or "").strip()
        if not residref:
            continue
        inline_kind, inline_headline = known.get(residref, (None, ""))
        kind = kind_of_class(attr(child(ref, "itemClass"), "qcode")) or inline_kind or ItemKind.text
        headline = text(child(ref, "title")) or inline_headline
        members.append(PackageMember(guid=guid_of(residref)[:255], kind=kind, headline=clip(headline, 500) or None,
                                     group=clip(_group_name(group), 200) or None))
    return members[:500]


def _walk(group: etree._Element | None, groups: dict[str | None, etree._Element],
          refs: list[tuple[etree._Element, etree._Element | None]], visited: set[int]) -> None:
    """A group's itemRefs in document order, a groupRef's group read where it is referred to (once)."""
    if group is None or id(group) in visited:
        return
    visited.add(id(group))
    for node in kids(group):
        if local(node) == "itemref":
            refs.append((node, group))
        elif local(node) == "groupref":
            _walk(groups.get(node.get("idref")), groups, refs, visited)


def _group_name(group: etree._Element | None) -> str | None:
    alias, value = split_qcode(attr(group, "role"))
    if not value:
        return None
    return unquote(value) if alias == "nfgrp" else value

"""IPTC ninjs (News in JSON): render a version as ninjs 2.2 or 3.1; parse ninjs 1.x, 2.x and 3.x.

Rendering
---------
`render2` writes ninjs 2.2 and `render3` ninjs 3.1, compact UTF-8 JSON. Both schemas close the
root object (`unevaluatedProperties: false`), so nothing private is added: every model field goes
into a standard property. The schema is declared the way the standard provides, in
`standard.schema` (the schemas have no `$schema` property). 3.x uses the same names as 2.x in
camelCase (`versionCreated`, `pubStatus`, `contentType`, ...) and `embargoedUntil` for `embargoed`.

| model                 | ninjs                                                                    |
|-----------------------|--------------------------------------------------------------------------|
| guid                  | `uri` = ctx.item_uri(escaped guid); parse takes the segment after        |
|                       | `/v1/items/` (unescaped),                                                |
|                       | any other uri is the guid as it stands                                   |
| version               | `version` (a string in ninjs)                                            |
| first_published       | `firstcreated`                                                           |
| version_created       | `versioncreated`                                                         |
| pubstatus, urgency,   | `pubstatus`, `urgency`, `language`, `embargoed` / `embargoedUntil`,      |
| language, embargo,    | `ednote`, `slugline`, `located`                                          |
| editor_note, slugline,|                                                                          |
| dateline              |                                                                          |
| kind                  | `type`: text, picture, video, audio, graphic; a package is `composite`   |
| headline, subheadline | `headlines` [role main], [role `subheadline`]                            |
| spot / summary /      | `descriptions` [role `summary`] / [role `publicsummary`] / [role         |
| tagline               | `tagline`] (ninjs has no end-line property: a description is closest)    |
| body_html             | `bodies` [role main, contenttype text/html]                              |
| contributors          | `people` with `rel` = the role (reporter, writer, ...) and the filing    |
|                       | place as `contactinfo` [type address, role filing, address.locality];    |
|                       | a contributor's job title (`title`) is not written: ninjs people have no |
|                       | such property and the schemas close the object                           |
| byline_text / byline  | `by`: the byline as sent or typed, else the reporters' names             |
| desk_note             | never written (private to the newsroom)                                  |
| subjects, places,     | `subjects`, `places`, `people`, `organisations`: name plus `uri` for a   |
| people, organisations | URI code, `literal` for a QCode or plain code (a known IPTC QCode also   |
|                       | gets its cv.iptc.org `uri`)                                              |
| categories            | `subjects` with rel `category`                                           |
| dossier               | `subjects` with rel `dossier`                                            |
| keywords              | `subjects` with rel `keyword`                                            |
| is_correction         | `subjects` rel `signal`, uri http://cv.iptc.org/newscodes/signal/correction |
| public                | `subjects` rel `audience`, name `public`                                 |
| translation_group     | `altids` [role `translationgroup`]                                       |
| photos                | a media item's (picture, video, audio, graphic) first media object is    |
|                       | the item itself: top-level `renditions`, `title`, descriptions `caption` |
|                       | / `creditline` / `alttext`. Every other one is an `associations` entry   |
|                       | of its own `type` (3.x: rel gallery): headline = title, the same         |
|                       | descriptions, `renditions`. Renditions: every one, with name, href,      |
|                       | content type, width, height, size in bytes, duration (stored media: the  |
|                       | media library's renditions linked at ctx.rendition_href; remote media:   |
|                       | the renditions the sender offered, or one `original` with the link)      |
| members (package)     | `associations` by reference: name = the group (`member` without one),    |
|                       | uri = ctx.item_uri(guid), `type` = the member's kind, headline           |
| related               | `associations` name `related`, type text, uri = ctx.item_uri(guid)       |
|                       | (3.x: rel related)                                                       |

What does not come back exactly on parse: a stored media object (media_id) returns as a remote one
whose href is our `original` rendition and whose renditions are our links; a contributor's job title
is lost; and what ninjs cannot say is filled in the way a wire's item is read — a story with a byline
and no contributors gets the byline's name as its contributor, a media item without a spot gets its
caption as spot and, without a credit line and contributors, its byline as credit. A package group
named `member` or `related` does not survive (those names mark no group and a related item).
Everything else round-trips through both versions (tests/formats/test_ninjs_media.py).

Parsing
-------
`parse` reads one ninjs object, a JSON array of them, or a wrapper holding them under `items` /
`item` / `_items` (content APIs do this). The version is taken from the property names first
(1.x `headline`/`body_html`/`guid`..., 2.x lower-case names, 3.x camelCase names) and from
`standard.version` / `standard.schema` / `$schema` for the minor version or when the names do not
tell; real files sometimes declare a version they do not follow, so the names win.

2.x and 3.x are checked structurally the way the official schemas require (closed objects, types,
enumerations, required `uri`, association `name`+`uri`, urgency 1-9 in 3.x, GeoJSON places, event
and coverage dates, one-of rules for rights and contact info); the rules live in this module
because the schema files are not shipped. Leniencies on purpose, because real wires deviate:
`format: uri` is not enforced (wires put plain ids in `uri`), dates may use `+0000` offsets or no
offset (read as UTC), and `$schema` is tolerated as a version hint. 1.x is read leniently (unknown
properties are ignored, as 1.x producers add their own). Where our model is narrower than ninjs 2.x,
the model decides: urgency must be a whole number 1-9 in every version.

Kinds: `type` picture, video, audio or graphic makes an item of that kind whose media object keeps
every rendition with a web link (name, content type, width, height, `sizeinbytes`, `duration`, as
sent; the main file is the one named `original`, else the first). A `composite` is a package when
it only groups others (no body) or refers to an item without files of its own; its associations are
then its members (guid from the uri, kind from the type, headline, group from the name), except
related ones and media with renditions. A composite with a body and media (IPTC's multimedia
example) stays a text story with photos. `by` is the byline as sent unless it only repeats the
contributors' names. A body that is a whole HTML5 page is cut to its article by the model's
sanitizer (`sanitize.article_content`), as for every parser.

A valid document that holds no story raises `NoStoryError` (a `FormatError`): an event or planning
item, or an item with neither a headline (headlines, title, slugline) nor a body. Missing dates
default to the time of ingest; a missing or non-numeric version is 1 (ninjs versions are strings;
AP starts at "0").
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any
from urllib.parse import quote, unquote

from pydantic import ValidationError

from newsflow.formats.base import FormatError, RenderContext, clip
from newsflow.model import (
    MEDIA_KINDS,
    Concept,
    Contributor,
    ItemKind,
    PackageMember,
    Photo,
    PubStatus,
    Rendition,
    Role,
    StoryVersion,
    html_to_text,
    is_language_tag,
    utcnow,
)

SCHEMA_URIS = {"2.2": "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json",
               "3.1": "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json"}
CORRECTION_SIGNAL = "http://cv.iptc.org/newscodes/signal/correction"
REL_CATEGORY, REL_DOSSIER, REL_KEYWORD, REL_SIGNAL, REL_AUDIENCE = (
    "category", "dossier", "keyword", "signal", "audience")
ROLE_SPOT, ROLE_PUBLIC_SUMMARY, ROLE_TAGLINE = "summary", "publicsummary", "tagline"
ROLE_SUBHEADLINE = "subheadline"
# What other producers call a second headline.
_SUBHEADLINE_ROLES = (ROLE_SUBHEADLINE, "sub", "subtitle", "secondary", "deck", "hl2")
# A package member without a group, and the related items of a package, are told apart by these names.
MEMBER_NAME, RELATED_NAME = "member", "related"
# ninjs `type` of each item kind (a package is a `composite`), and back.
_NINJS_TYPE = {kind: kind.value for kind in ItemKind} | {ItemKind.package: "composite"}
_KIND_OF_TYPE = {value: kind for kind, value in _NINJS_TYPE.items()}
ALTID_TRANSLATION_GROUP = "translationgroup"
# IPTC QCode schemes whose concepts also get their cv.iptc.org URI, so receivers can resolve them.
_QCODE_URIS = {"subj": "http://cv.iptc.org/newscodes/subjectcode/",
               "medtop": "http://cv.iptc.org/newscodes/mediatopic/",
               "genre": "http://cv.iptc.org/newscodes/genre/",
               "iso3166-1a2": "http://cvx.iptc.org/iso3166-1a2/"}
_ITEM_URI = re.compile(r"^https?://[^?#]*/v1/items/([^/?#]+)/?$")


class NoStoryError(FormatError):
    """Valid ninjs that holds no story: an event, a planning item, or no headline and no body."""


class _Invalid(Exception):
    """A reason to reject an item; `parse` turns it into a FormatError naming the source."""


# ---------------------------------------------------------------------------------------------
# Rendering


def render2(version: StoryVersion, ctx: RenderContext) -> bytes:
    """The version as ninjs 2.2."""
    return _dump(_document(version, ctx, "2.2"))


def render3(version: StoryVersion, ctx: RenderContext) -> bytes:
    """The version as ninjs 3.1."""
    return _dump(_document(version, ctx, "3.1"))


def _dump(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _document(version: StoryVersion, ctx: RenderContext, standard: str) -> dict[str, Any]:
    v3 = standard.startswith("3")

    def k(name: str) -> str:  # 3.x spells in camelCase what 2.x spells in lower case
        return name if v3 else name.lower()

    media_item = version.kind in MEDIA_KINDS and bool(version.photos)
    doc: dict[str, Any] = {
        "standard": {"name": "ninjs", "version": standard, "schema": SCHEMA_URIS[standard]},
        "uri": _item_uri(version.guid, ctx),
        "type": _NINJS_TYPE[version.kind],
        "version": str(version.version),
        k("firstCreated"): _iso(version.first_published),
        k("versionCreated"): _iso(version.version_created),
        k("pubStatus"): version.pubstatus.value,
    }
    if version.embargo:
        doc["embargoedUntil" if v3 else "embargoed"] = _iso(version.embargo)
    doc["urgency"] = version.urgency
    doc["language"] = version.language
    doc[k("copyrightHolder")] = ctx.provider
    if version.editor_note:
        doc[k("edNote")] = version.editor_note
    if version.slugline:
        doc["slugline"] = version.slugline
    doc["headlines"] = [{"role": "main", "value": version.headline}]
    if version.subheadline:
        doc["headlines"].append({"role": ROLE_SUBHEADLINE, "value": version.subheadline})
    descriptions = []
    if version.spot:
        descriptions.append({"role": ROLE_SPOT, "value": version.spot})
    if version.summary:
        descriptions.append({"role": ROLE_PUBLIC_SUMMARY, "value": version.summary})
    if version.tagline:
        descriptions.append({"role": ROLE_TAGLINE, "value": version.tagline})
    if media_item:  # the item is its media: the words of the media object are the item's own
        own = version.photos[0]
        if own.title:
            doc["title"] = own.title
        descriptions += _media_descriptions(own)
    if descriptions:
        doc["descriptions"] = descriptions
    if version.body_html:
        words = version.body_text
        doc["bodies"] = [{"role": "main", k("contentType"): "text/html", "value": version.body_html,
                          k("charCount"): len(words), k("wordCount"): len(words.split())}]
    if version.byline:
        doc["by"] = version.byline
    if version.dateline:
        doc["located"] = version.dateline

    people = [_contributor(c, k) for c in version.contributors]
    people += [_concept(c) for c in version.people]
    if people:
        doc["people"] = people
    if version.organisations:
        doc["organisations"] = [_concept(c) for c in version.organisations]
    if version.places:
        doc["places"] = [_concept(c) for c in version.places]
    subjects = [_concept(c) for c in version.subjects]
    subjects += [{"name": name, "rel": REL_CATEGORY} for name in version.categories]
    if version.dossier:
        subjects.append({"name": version.dossier, "rel": REL_DOSSIER})
    subjects += [{"name": word, "rel": REL_KEYWORD} for word in version.keywords]
    if version.is_correction:
        subjects.append({"name": "correction", "rel": REL_SIGNAL, "uri": CORRECTION_SIGNAL})
    if version.public:
        subjects.append({"name": "public", "rel": REL_AUDIENCE})
    if subjects:
        doc["subjects"] = subjects
    if version.translation_group:
        doc[k("altIds")] = [{"role": ALTID_TRANSLATION_GROUP, "value": version.translation_group}]

    if media_item:
        doc["renditions"] = _renditions(version.photos[0], ctx, k)
    further = version.photos[1:] if media_item else version.photos
    associations = [_photo_association(i, photo, ctx, v3, k) for i, photo in enumerate(further, 1)]
    associations += [_member_association(member, ctx) for member in version.members]
    for guid in version.related:
        related: dict[str, Any] = {"name": RELATED_NAME, "uri": _item_uri(guid, ctx), "type": "text"}
        if v3:
            related["rel"] = "related"
        associations.append(related)
    if associations:
        doc["associations"] = associations
    return doc


def _member_association(member: PackageMember, ctx: RenderContext) -> dict[str, Any]:
    """A package member, by reference: the receiver fetches it at its uri. The group is the name, as in
    IPTC's own examples (mainpic, portrait, ...)."""
    out: dict[str, Any] = {"name": member.group or MEMBER_NAME, "uri": _item_uri(member.guid, ctx),
                           "type": _NINJS_TYPE[member.kind]}
    if member.headline:
        out["headlines"] = [{"role": "main", "value": member.headline}]
    return out


def _item_uri(guid: str, ctx: RenderContext) -> str:
    # ctx.item_uri escapes it as one path segment: a guid with '/', spaces or non-ASCII gives a valid URI
    return ctx.item_uri(guid)


def _iso(moment: datetime) -> str:
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _concept(concept: Concept) -> dict[str, Any]:
    out: dict[str, Any] = {"name": concept.name}
    code = concept.code
    if code:
        if _is_uri(code):
            out["uri"] = code
        else:
            scheme, _, local = code.partition(":")
            if local and scheme in _QCODE_URIS:
                out["uri"] = _QCODE_URIS[scheme] + quote(local, safe="")
            out["literal"] = code  # the code itself, so parsing gives back exactly what we hold
    return out


def _is_uri(code: str) -> bool:
    return code.startswith(("http://", "https://", "urn:"))


def _contributor(contributor: Contributor, k: Callable[[str], str]) -> dict[str, Any]:
    out: dict[str, Any] = {"name": contributor.name, "rel": contributor.role.value}
    if contributor.place:
        out[k("contactInfo")] = [{"type": "address", "role": "filing",
                                  "address": {"locality": contributor.place}}]
    return out


def _media_descriptions(photo: Photo) -> list[dict[str, str]]:
    return [{"role": role, "value": value}
            for role, value in (("caption", photo.caption), ("creditline", photo.credit),
                                ("alttext", photo.alt)) if value]


def _photo_association(index: int, photo: Photo, ctx: RenderContext, v3: bool,
                       k: Callable[[str], str]) -> dict[str, Any]:
    renditions = _renditions(photo, ctx, k)
    main = photo.href or next((r for r in renditions if r["name"] == "original"), renditions[0])["href"]
    name = "photo" if photo.kind == ItemKind.picture else photo.kind.value
    out: dict[str, Any] = {"name": f"{name}{index}", "uri": main, "type": _NINJS_TYPE[photo.kind]}
    if v3:
        out["rel"] = "gallery"
    if photo.title:
        out["headlines"] = [{"value": photo.title}]
    descriptions = _media_descriptions(photo)
    if descriptions:
        out["descriptions"] = descriptions
    out["renditions"] = renditions
    return out


def _renditions(photo: Photo, ctx: RenderContext, k: Callable[[str], str]) -> list[dict[str, Any]]:
    """Every file of a media object: a stored one's renditions from the media library, a remote one's as
    its sender offered them (or its one link)."""
    if not photo.media_id:
        offered = [_rendition(r.name, r.href, r.model_dump(), k) for r in photo.renditions]
        return offered or [{"name": "original", "href": photo.href}]
    record = ctx.media(photo.media_id) or {}
    out = [_rendition(name, ctx.rendition_href(photo.media_id, name), rendition, k)
           for name, rendition in (record.get("renditions") or {}).items()]
    # a photo whose record is gone still points at where its original is served
    return out or [{"name": "original", "href": ctx.rendition_href(photo.media_id, "original")}]


def _rendition(name: str, href: str | None, facts: dict[str, Any], k: Callable[[str], str]) -> dict[str, Any]:
    """One ninjs rendition from a media-library record or a model Rendition (same keys)."""
    entry: dict[str, Any] = {"name": name, "href": href}
    if facts.get("mimetype"):
        entry[k("contentType")] = facts["mimetype"]
    for key, ninjs_key in (("width", "width"), ("height", "height"), ("size", k("sizeInBytes"))):
        if isinstance(facts.get(key), int) and not isinstance(facts[key], bool):
            entry[ninjs_key] = facts[key]
    if _is_number(facts.get("duration")):
        entry["duration"] = facts["duration"]
    return entry


# ---------------------------------------------------------------------------------------------
# Parsing: entry point


def parse(data: bytes, source: str) -> list[StoryVersion]:
    """Every story in a ninjs file (1.x, 2.x or 3.x); FormatError when it cannot be read."""
    doc = load_json(data, source)
    items, wrapped = _items(doc, source)
    stories = []
    for index, item in enumerate(items):
        prefix = f"item {index + 1}: " if wrapped else ""
        try:
            stories.append(_parse_item(item))
        except _NoStory as exc:
            raise NoStoryError(source, prefix + str(exc)) from None
        except _Invalid as exc:
            raise FormatError(source, prefix + str(exc)) from None
        except ValidationError as exc:  # a value our model refuses (a Photo, a Concept, the version)
            raise FormatError(source, prefix + validation_message(exc)) from None
    return stories


def validation_message(exc: ValidationError) -> str:
    """The model's refusal in one line: which fields, and why."""
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}"
                         for e in exc.errors()[:5])
    return f"cannot be stored as a story: {problems}"


class _NoStory(_Invalid):
    pass


def load_json(data: bytes, source: str) -> Any:
    """The JSON value in a file; a FormatError names the line of a syntax error or truncation."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise FormatError(source, f"not UTF-8 text (bad byte at offset {exc.start})", line) from None
    if not text.strip():
        raise FormatError(source, "empty file: no JSON in it")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip())
        why = "the JSON ends early (truncated file?)" if truncated else "invalid JSON"
        raise FormatError(source, f"{why}: {exc.msg} at line {exc.lineno} column {exc.colno}",
                          exc.lineno) from None


def _items(doc: Any, source: str) -> tuple[list[dict[str, Any]], bool]:
    """The ninjs objects in a document, and whether they came in a list or wrapper."""
    if isinstance(doc, list):
        if not doc:
            raise FormatError(source, "an empty JSON array: no ninjs object in it")
        for index, item in enumerate(doc):
            if not isinstance(item, dict):
                raise FormatError(source, f"item {index + 1} of the JSON array is {_kind(item)}, "
                                          "not a ninjs object")
        return doc, True
    if not isinstance(doc, dict):
        raise FormatError(source, f"the JSON is {_kind(doc)}, not a ninjs object")
    if not any(key in doc for key in ("uri", "guid", "headline", "headlines", "bodies", "type")):
        for key in ("items", "item", "_items"):
            inner = doc.get(key)
            if isinstance(inner, dict):
                return [inner], True
            if isinstance(inner, list) and inner:
                for index, item in enumerate(inner):
                    if not isinstance(item, dict):
                        raise FormatError(source, f"{key}[{index}] is {_kind(item)}, not a ninjs object")
                return inner, True
    return [doc], False


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# ---------------------------------------------------------------------------------------------
# Parsing: which version, and the structural rules of 2.x and 3.x

_KNOWN = {(2, 0), (2, 1), (2, 2), (3, 0), (3, 1)}
_LATEST = {2: 2, 3: 1}
# Only 1.x has these at the top level (2.0 replaced them by headlines/bodies/descriptions arrays).
_V1_KEYS = {"headline", "body_html", "body_text", "body_xhtml", "description_text", "description_html",
            "byline", "guid", "subject", "place", "person", "genre", "authors", "mimetype", "priority",
            "service"}
# Names 3.x spells in camelCase; spelled in lower case they mark 2.x.
_CAMEL = {"firstCreated", "versionCreated", "contentCreated", "embargoedUntil", "pubStatus",
          "copyrightHolder", "copyrightNotice", "usageTerms", "edNote", "representationType", "infoSources",
          "altIds", "trustIndicators", "rightsInfo", "digitalSourceType", "eventDetails", "plannedCoverage",
          "contentType", "charCount", "wordCount", "contactInfo", "postalCode", "symbolType", "geoJSON",
          "sizeInBytes", "langId", "linkedRights", "encodedRights"}
_LOWER = {name.lower() for name in _CAMEL} | {"embargoed"}
_DECLARED = re.compile(r"ninjs-schema_(\d+)\.(\d+)")


def _version_of(item: dict[str, Any]) -> tuple[int, int]:
    declared = _declared_version(item)
    keys = set(_all_keys(item))
    top = set(item)
    if top & _V1_KEYS or any(isinstance(item.get(key), dict) for key in ("associations", "renditions")):
        return (1, 0)
    camel, lower = keys & _CAMEL, keys & _LOWER
    if camel and lower:
        raise _Invalid(f"mixes ninjs 2.x property names ({', '.join(sorted(lower)[:3])}) with 3.x names "
                       f"({', '.join(sorted(camel)[:3])})")
    if not camel and not lower and declared and declared[0] == 1:
        return declared
    family = 3 if camel else 2 if lower else declared[0] if declared and declared[0] in (2, 3) else 3
    if declared and declared[0] == family and declared in _KNOWN:
        return declared
    return (family, _LATEST[family])


def _declared_version(item: dict[str, Any]) -> tuple[int, int] | None:
    standard = item.get("standard")
    hints: list[Any] = [item.get("$schema")]
    if isinstance(standard, dict):
        version = standard.get("version")
        if isinstance(version, str) and (match := re.match(r"(\d+)\.(\d+)", version)):
            return int(match[1]), int(match[2])
        hints.insert(0, standard.get("schema"))
    for hint in hints:
        if isinstance(hint, str) and (match := _DECLARED.search(hint)):
            return int(match[1]), int(match[2])
    return None


def _all_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _all_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _all_keys(inner)


Check = Callable[[Any, str, list[str]], None]


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _where(path: str) -> str:
    return path or "the top level"


def _string(enum: tuple[str, ...] = (), fmt: str | None = None) -> Check:
    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, str):
            errors.append(f"{_where(path)}: must be a string, not {_kind(value)}")
        elif enum and value not in enum:
            errors.append(f"{_where(path)}: {value!r} is not one of {', '.join(enum)}")
        elif fmt == "date-time" and parse_datetime(value) is None:
            errors.append(f"{_where(path)}: {value!r} is not a date-time")
        elif fmt == "truncated" and not _TRUNCATED_DATE.match(value):
            errors.append(f"{_where(path)}: {value!r} is not a date "
                          "(YYYY, YYYY-MM, YYYY-MM-DD or a date-time)")
    return check


def _number(integer: bool = False, low: int | None = None, high: int | None = None) -> Check:
    def check(value: Any, path: str, errors: list[str]) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(f"{_where(path)}: must be a number, not {_kind(value)}")
        elif integer and not float(value).is_integer():
            errors.append(f"{_where(path)}: must be a whole number, not {value!r}")
        elif (low is not None and value < low) or (high is not None and value > high):
            errors.append(f"{_where(path)}: must be from {low} to {high}, not {value!r}")
    return check


def _array(item: Check) -> Check:
    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, list):
            errors.append(f"{_where(path)}: must be an array, not {_kind(value)}")
            return
        for index, inner in enumerate(value):
            item(inner, _at(path, index), errors)
    return check


def _object(props: dict[str, Check], required: tuple[str, ...] = (), one_of: tuple[tuple[str, str], ...] = (),
            closed: bool = True, also: Check | None = None) -> Check:
    """An object: known properties checked, unknown ones refused when closed (additionalProperties: false).

    `props` is kept by reference so recursive structures (associations) can be tied after creation.
    """
    def check(value: Any, path: str, errors: list[str]) -> None:
        if not isinstance(value, dict):
            errors.append(f"{_where(path)}: must be an object, not {_kind(value)}")
            return
        for name in required:
            if name not in value:
                errors.append(f"{_where(path)}: missing required property {name!r}")
        for first, second in one_of:
            if first in value and second in value:
                errors.append(f"{_where(path)}: has both {first} and {second}; give one of them")
            elif first not in value and second not in value:
                errors.append(f"{_where(path)}: needs {first} or {second}")
        for name, inner in value.items():
            if name in props:
                props[name](inner, _at(path, name), errors)
            elif closed:
                errors.append(f"{_where(path)}: unknown property {name!r}")
        if also:
            also(value, path, errors)
    return check


# YYYY, YYYY-MM, YYYY-MM-DD or a full date-time, each with an optional zone (ninjs truncatedDateTimeType)
_TRUNCATED_DATE = re.compile(
    r"^-?\d{4,}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01])"
    r"(?:T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?)?)?$")


def _event_dates(value: dict[str, Any], path: str, errors: list[str]) -> None:
    """ninjs dates need exactly one start (startDate or expectedStartDate) or exactly one end."""
    start = ("startDate" in value) != ("expectedStartDate" in value)
    end = ("endDate" in value) != ("expectedEndDate" in value)
    if start or end:
        return
    clashes = [f"{a} and {b}" for a, b in (("startDate", "expectedStartDate"), ("endDate", "expectedEndDate"))
               if a in value and b in value]
    why = f"it has both {' and both '.join(clashes)}" if clashes else "it has neither"
    errors.append(f"{_where(path)}: needs exactly one of startDate or expectedStartDate, or exactly one of "
                  f"endDate or expectedEndDate; {why}")


# GeoJSON (RFC 7946): how deeply each geometry nests its positions.
_GEOMETRY_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
                   "MultiPolygon": 3}


def _geojson(value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, dict):
        errors.append(f"{path}: GeoJSON must be an object, not {_kind(value)}")
        return
    kind = value.get("type")
    if "type" not in value:
        errors.append(f"{path}: GeoJSON object has no 'type'")
    elif kind in _GEOMETRY_DEPTH:
        if "coordinates" not in value:
            errors.append(f"{path}: a GeoJSON {kind} needs 'coordinates'")
        else:
            _positions(value["coordinates"], _GEOMETRY_DEPTH[kind], kind, _at(path, "coordinates"), errors)
    elif kind == "GeometryCollection":
        geometries = value.get("geometries")
        if not isinstance(geometries, list):
            errors.append(f"{path}: a GeometryCollection needs a 'geometries' array")
        else:
            for index, geometry in enumerate(geometries):
                _geojson(geometry, _at(_at(path, "geometries"), index), errors)
    elif kind == "Feature":
        for name in ("geometry", "properties"):
            if name not in value:
                errors.append(f"{path}: a GeoJSON Feature needs '{name}' (an object or null)")
            elif value[name] is not None and not isinstance(value[name], dict):
                errors.append(f"{_at(path, name)}: must be an object or null")
        if isinstance(value.get("geometry"), dict):
            _geojson(value["geometry"], _at(path, "geometry"), errors)
    elif kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list):
            errors.append(f"{path}: a FeatureCollection needs a 'features' array")
        else:
            for index, feature in enumerate(features):
                _geojson(feature, _at(_at(path, "features"), index), errors)
    else:
        errors.append(f"{_at(path, 'type')}: {kind!r} is not a GeoJSON type")
    bbox = value.get("bbox")
    if bbox is not None and not (isinstance(bbox, list) and len(bbox) >= 4
                                 and all(_is_number(n) for n in bbox)):
        errors.append(f"{_at(path, 'bbox')}: must be an array of at least 4 numbers")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positions(value: Any, depth: int, kind: str, path: str, errors: list[str]) -> None:
    if depth == 0:
        if not (isinstance(value, list) and len(value) >= 2 and all(_is_number(n) for n in value)):
            errors.append(f"{path}: a GeoJSON position is an array of at least 2 numbers")
        return
    # a line has at least 2 positions, a polygon ring at least 4
    least = 2 if (kind in ("LineString", "MultiLineString") and depth == 1) else 0
    least = 4 if (kind in ("Polygon", "MultiPolygon") and depth == 1) else least
    if not isinstance(value, list) or len(value) < least:
        errors.append(f"{path}: GeoJSON {kind} coordinates are malformed")
        return
    for index, inner in enumerate(value):
        _positions(inner, depth - 1, kind, _at(path, index), errors)


@cache
def _rules(major: int, minor: int) -> Check:
    """The structure the official ninjs schema of this version requires of a root object."""
    v3 = major == 3
    since21 = v3 or minor >= 1  # contact info, expires, subject creator/relevance/confidence, symbols
    digital_source = minor >= (1 if v3 else 2)

    def n(name: str) -> str:
        return name if v3 else name.lower()

    text, uri, when = _string(), _string(fmt="uri"), _string(fmt="date-time")
    count, whole = _number(integer=v3), _number(integer=True)
    percent = _number(integer=True, low=0, high=100)
    statuses = ("usable", "withheld", "canceled")
    types = ("text", "audio", "video", "picture", "graphic", "composite", "component")
    types += ("event", "planning") if v3 else ()
    concept = {"name": text, "rel": text, "uri": uri, "literal": text}
    contact = _object({"type": text, "role": text, "lang": text, "name": text, "value": text,
                       "address": _object({"lines": _array(text), "locality": text, "area": text,
                                           n("postalCode"): text, "country": text})},
                      one_of=(("value", "address"),))
    contacts = {n("contactInfo"): _array(contact)} if since21 else {}
    symbol = {"exchange": text} | ({} if v3 else {"ticker": text})
    symbol |= {n("symbolType"): uri, "symbol": text} if since21 else {}
    organisation = _object({**concept, "symbols": _array(_object(symbol)), **contacts})
    rendition_props = {"name": text, "href": uri, n("contentType"): text, "title": text, "width": count,
                       "height": count, n("sizeInBytes"): count, "duration": _number(), "format": text}
    if v3:
        rendition_props |= {"aspectRatio": text, "videoCodec": text, "frameRate": _number(),
                            "poi": _object({"x": whole, "y": whole}), "transportProtocol": text,
                            "scanType": _string(("progressive", "interlaced")), "bitrate": text}
    rendition = _object(rendition_props, required=("name",))

    def texts(**extra: Check) -> Check:
        return _array(_object({"role": text, n("contentType"): text, "value": text, **extra},
                              required=("value",)))

    subject = dict(concept)
    if since21:
        subject |= {"creator": text, "relevance": percent, "confidence": percent}
    props: dict[str, Check] = {
        "uri": uri, "type": _string(types), n("representationType"): _string(("full", "partial")),
        "profile": text, "version": text, n("firstCreated"): when, n("versionCreated"): when,
        n("contentCreated"): when, ("embargoedUntil" if v3 else "embargoed"): when,
        n("pubStatus"): _string(statuses),
        "urgency": _number(integer=True, low=1, high=9) if v3 else _number(),
        n("copyrightHolder"): text, n("copyrightNotice"): text, n("usageTerms"): text, n("edNote"): text,
        "language": text, "descriptions": texts(),
        "bodies": texts(**{n("charCount"): count, n("wordCount"): count}), "headlines": texts(),
        "people": _array(_object({**concept, **contacts})), "organisations": _array(organisation),
        "places": _array(_object({**concept, **contacts, n("geoJSON"): _geojson})),
        "subjects": _array(_object(subject)),
        "events": _array(_object({**concept, **({"id": text} if v3 else {})})),
        "objects": _array(_object(concept)),
        n("infoSources"): _array(_object({"name": text, "role": text, "uri": uri, "literal": text,
                                          **contacts})),
        "title": text, "by": text, "slugline": text, "located": text, "renditions": _array(rendition),
        n("altIds"): _array(_object({"role": text, "value": text})),
        n("trustIndicators"): _array(_object({"role": uri, "title": text, "href": uri})),
        "standard": _object({"name": text, "version": text, "schema": uri}),
        "genres": _array(_object({"name": text, "uri": text, "literal": text})),
        n("rightsInfo"): _object({n("langId"): uri, n("linkedRights"): uri, n("encodedRights"): text},
                                 one_of=((n("linkedRights"), n("encodedRights")),), closed=v3),
    }
    if since21:
        props["expires"] = when
    if digital_source:
        props[n("digitalSourceType")] = _object({"name": text, "uri": uri, "literal": text})
    if v3:
        dates = _object({"startDate": when, "endDate": when, "expectedStartDate": _string(fmt="truncated"),
                         "expectedEndDate": _string(fmt="truncated"), "expectedDuration": text,
                         "recurrence": _object({
                             "recurrenceDates": _array(_string(fmt="truncated")),
                             "recurrenceRules": _array(_object({
                                 "frequency": _string(("secondly", "minutely", "hourly", "daily", "weekly",
                                                       "monthly", "yearly")),
                                 "interval": whole, "until": when, "count": whole}))})},
                        also=_event_dates)
        props["eventDetails"] = _object({"eventStatus": uri, "plannedCoverageStatus": uri, "dates": dates,
                                         "organiser": organisation})
        props["plannedCoverage"] = _array(_object({
            "uri": uri, "title": text, "pubStatus": _string(statuses), "type": _string(types),
            "commissioned": _object({"by": text, "on": when,
                                     "references": _array(_object({"name": text, "value": text}))}),
            "dates": dates,
            "audiences": _array(_object({"audience": text, "significance": whole})),
            "exclAudience": _array(text), "edNote": text, "urgency": _number(integer=True, low=1, high=9),
            "language": text, "itemCount": _object({"rangeFrom": whole, "rangeTo": whole}),
            "wordCount": whole, "renditions": _array(rendition)}))
    root = _object(props, required=("uri",))
    if (major, minor) == (2, 0):
        association = _association_20(root)
        props["associations"] = _array(association)
    else:
        # an association is a ninjs object of its own, plus its name (and, in 3.x, its relation)
        association_props = {**props, "name": text, **({"rel": text} if v3 else {})}
        association = _object(association_props, required=("name", "uri"))
        props["associations"] = association_props["associations"] = _array(association)
    return root


def _association_20(root: Check) -> Check:
    """ninjs 2.0: an association is anything with a string name, or else a valid ninjs object."""
    def check(value: Any, path: str, errors: list[str]) -> None:
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            return
        inner: list[str] = []
        root(value, path, inner)
        if inner:
            errors.append(f"{path}: has no name, and is not a valid ninjs object either ({'; '.join(inner)})")
    return check


def _check_structure(item: dict[str, Any], version: tuple[int, int]) -> None:
    errors: list[str] = []
    # `$schema` is no ninjs property, but producers write it: read as a version hint, not refused
    _rules(*version)({k: v for k, v in item.items() if k != "$schema"}, "", errors)
    if errors:
        shown = "; ".join(errors[:6]) + (f"; and {len(errors) - 6} more" if len(errors) > 6 else "")
        raise _Invalid(f"not valid ninjs {version[0]}.{version[1]}: {shown}")


# ---------------------------------------------------------------------------------------------
# Parsing: mapping to the model


def _parse_item(item: dict[str, Any]) -> StoryVersion:
    version = _version_of(item)
    if version[0] >= 2:
        _check_structure(item, version)
    d = _lower_keys(item)  # 1.x, 2.x and 3.x read alike once the names are in lower case
    kind = d.get("type")
    if kind in ("event", "planning"):
        raise _NoStory(f"a ninjs {kind} item, not a story")

    body_html = _body(d)
    item_kind = _item_kind(d, body_html)
    photos, related, members = _associations(d, package=item_kind == ItemKind.package)
    headline = (_headline(d) or _first_words(body_html)
                or next((m.headline for m in members if m.headline), ""))
    if not headline:
        raise _NoStory("no headline (headlines, title or slugline) and no body: this item holds no story")
    if item_kind in MEDIA_KINDS:
        own = _photo(d, item_kind, top_level=True)
        if own:
            photos.insert(0, own)
    subjects, extras = _subjects(d)
    contributors = _contributors(d)[:50]
    now = utcnow()
    version_created = (_date(d, "versioncreated") or _date(d, "firstcreated") or _date(d, "contentcreated")
                       or now)
    fields: dict[str, Any] = {
        "guid": _guid(d.get("uri")) or _text(d, "guid") or "",
        "version": _version_number(d.get("version")),
        "pubstatus": _pubstatus(d.get("pubstatus")),
        "first_published": _date(d, "firstpublished") or _date(d, "firstcreated") or version_created,
        "version_created": version_created,
        "embargo": _date(d, "embargoed") or _date(d, "embargoeduntil"),
        "urgency": _urgency(d.get("urgency")),
        "language": _language(d.get("language")),
        "kind": item_kind,
        "headline": clip(headline, 500),
        "subheadline": clip(_subheadline(d), 1000) or None,
        "spot": clip(_spot(d), 2000),
        "summary": clip(_description(d, (ROLE_PUBLIC_SUMMARY,)) or "", 4000) or None,
        "tagline": clip(_description(d, (ROLE_TAGLINE,)) or "", 1000) or None,
        "body_html": body_html,
        "contributors": contributors,
        "byline_text": _byline_text(d, contributors),
        "members": members[:500],
        "dateline": clip(_text(d, "located"), 200) or None,
        "slugline": clip(_text(d, "slugline"), 200) or None,
        "editor_note": _text(d, "ednote") or None,
        "subjects": subjects[:100],
        "places": _concepts(d.get("places") or d.get("place"))[:100],
        "people": _concepts(d.get("people") or d.get("person"), skip_rels=_CONTRIBUTOR_RELS)[:100],
        "organisations": _concepts(d.get("organisations") or d.get("organisation"))[:100],
        "photos": photos[:200],
        "related": related[:100],
        "translation_group": _altid(d, ALTID_TRANSLATION_GROUP),
        **extras,
    }
    if not fields["guid"]:
        raise _Invalid("no uri (or 1.x guid): a ninjs object needs its identifier")
    return StoryVersion(**fields)


_NAMED = ("renditions", "associations")  # 1.x objects of named objects: the names are values, kept as sent


def _lower_keys(value: Any, named: bool = False) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            lowered = key.lower()
            out.setdefault(key if named else lowered,
                           _lower_keys(inner, named=lowered in _NAMED and isinstance(inner, dict) and not named))
        return out
    if isinstance(value, list):
        return [_lower_keys(inner) for inner in value]
    return value


def _text(d: dict[str, Any], key: str) -> str:
    """A text property, stripped; '' when absent. Wrong types only get here from lenient 1.x."""
    value = d.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    raise _Invalid(f"{key} must be text, not {_kind(value)}")


def _guid(uri: Any) -> str:
    if not isinstance(uri, str) or not uri.strip():
        return ""
    uri = uri.strip()
    match = _ITEM_URI.match(uri)
    return unquote(match[1]) if match else uri


_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*"
                       r"(Z|z|[+-]\d{2}(?::?\d{2})?)?")


def parse_datetime(value: str) -> datetime | None:
    """An ISO 8601 / RFC 3339 date-time as aware UTC; also `+0000` offsets, and no offset read as UTC."""
    match = _DATETIME.fullmatch(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                          int((fraction or "0")[:6].ljust(6, "0")))
    except ValueError:
        return None
    offset = timedelta(0)
    if zone and zone not in "Zz":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        offset = -offset if zone[0] == "-" else offset
    return moment.replace(tzinfo=timezone(offset)).astimezone(UTC)


def _date(d: dict[str, Any], key: str) -> datetime | None:
    value = d.get(key)
    if value is None or value == "":
        return None
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise _Invalid(f"{key}: {value!r} is not a date-time")
    return moment


def _version_number(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 1)
    if isinstance(value, str) and value.strip().isdigit():
        return max(int(value), 1)
    return 1


def _pubstatus(value: Any) -> PubStatus:
    if value is None:
        return PubStatus.usable
    name = str(value).strip().lower().replace("cancelled", "canceled")
    try:
        return PubStatus(name)
    except ValueError:
        raise _Invalid(f"pubstatus {value!r} is not one of usable, withheld, canceled") from None


def _urgency(value: Any) -> int:
    if value is None:
        return 5
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():  # 1.x producers send "3"
        number = int(value)
    if number is None or not float(number).is_integer() or not 1 <= number <= 9:
        raise _Invalid(f"urgency must be a whole number from 1 to 9, not {value!r}")
    return int(number)


def _language(value: Any) -> str:
    if value is None or value == "":
        return "en"
    if not isinstance(value, str):
        raise _Invalid(f"language must be a BCP 47 tag such as en or fr-CA, not {_kind(value)}")
    primary, _, rest = value.strip().replace("_", "-").partition("-")
    tag = primary.lower() + (f"-{rest}" if rest else "")
    if not is_language_tag(tag):
        raise _Invalid(f"language {value!r} is not a BCP 47 tag such as en or fr-CA")
    return tag


def _entries(value: Any) -> list[dict[str, Any]]:
    """The objects of a 2.x/3.x array (or a 1.x object of named objects)."""
    if isinstance(value, dict):
        return [entry | {"name": entry.get("name", name)} if isinstance(entry, dict) else {}
                for name, entry in value.items()]
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _is_html(entry: dict[str, Any]) -> bool:
    kind = str(entry.get("contenttype") or "").lower()
    return "html" in kind or str(entry.get("role") or "").lower() == "richtext"


def _value_text(entry: dict[str, Any]) -> str:
    value = entry.get("value")
    if not isinstance(value, str):
        return ""
    return html_to_text(value) if _is_html(entry) else value.strip()


def _role(entry: dict[str, Any]) -> str:
    return str(entry.get("role") or "").lower()


def _headline(d: dict[str, Any]) -> str:
    headlines = [h for h in _entries(d.get("headlines")) if _value_text(h)]
    main = next((h for h in headlines if _role(h) == "main"), None)
    main = main or next((h for h in headlines if _role(h) not in _SUBHEADLINE_ROLES), None)
    if main:
        return _value_text(main)
    return _text(d, "headline") or _text(d, "title") or _text(d, "slugline")


def _subheadline(d: dict[str, Any]) -> str:
    return next((_value_text(h) for h in _entries(d.get("headlines"))
                 if _role(h) in _SUBHEADLINE_ROLES and _value_text(h)), "")


def _item_kind(d: dict[str, Any], body_html: str) -> ItemKind:
    """The item's kind from its ninjs `type`. A composite is a package when it only groups others (no
    body: an empty package too) or points at an item by reference (an association with no files, not a
    related item); a composite with a body and media of its own (IPTC's multimedia example) is a text
    story with photos."""
    kind = _KIND_OF_TYPE.get(str(d.get("type") or "").lower(), ItemKind.text)
    if kind != ItemKind.package or not body_html:
        return kind
    references = [a for a in _entries(d.get("associations"))
                  if not _entries(a.get("renditions")) and not _is_related(a)]
    return ItemKind.package if references else ItemKind.text


def _is_related(association: dict[str, Any]) -> bool:
    return association.get("rel") == "related" or association.get("name") == RELATED_NAME


def _body(d: dict[str, Any]) -> str:
    bodies = [b for b in _entries(d.get("bodies")) if isinstance(b.get("value"), str) and b["value"].strip()]
    marked_up = next((b for b in bodies if _is_html(b)), None)
    if marked_up:
        return marked_up["value"].strip()
    if bodies:
        return _paragraphs(bodies[0]["value"])
    for key in ("body_html", "body_xhtml"):
        if _text(d, key):
            return _text(d, key)
    return _paragraphs(_text(d, "body_text"))


def _paragraphs(text: str) -> str:
    """Plain text as HTML paragraphs: blank lines part them, or single newlines when there are none."""
    text = text.strip()
    if not text:
        return ""
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return "".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in parts if p.strip())


def _first_words(body_html: str, limit: int = 120) -> str:
    """A headline for an item that has a body but none: its first line, cut at a word."""
    text = html_to_text(body_html).split("\n", 1)[0].strip()
    return clip(text, limit)


_SPOT_ROLES = ("summary", "abstract", "standfirst", "spot", "lead", "description", "", "text", "caption")
_NOT_SPOT = {"creditline", "alttext", "alt", ROLE_PUBLIC_SUMMARY, ROLE_TAGLINE}


def _description(d: dict[str, Any], roles: tuple[str, ...], fallback: bool = False) -> str | None:
    """The first description with one of `roles`, in that order (then, with fallback, any other)."""
    entries = [e for e in _entries(d.get("descriptions")) if _value_text(e)]
    for role in roles:
        for entry in entries:
            if _role(entry) == role:
                return _value_text(entry)
    if fallback:
        rest = [e for e in entries if _role(e) not in _NOT_SPOT]
        if rest:
            return _value_text(rest[0])
    return None


def _spot(d: dict[str, Any]) -> str:
    return (_description(d, _SPOT_ROLES, fallback=True) or _text(d, "description_text")
            or html_to_text(_text(d, "description_html")))


_CONTRIBUTOR_RELS = {role.value: role for role in Role} | {"author": Role.reporter}


def _contributors(d: dict[str, Any]) -> list[Contributor]:
    found = []
    for entry in _entries(d.get("people")):
        role = _CONTRIBUTOR_RELS.get(str(entry.get("rel") or "").lower())
        name = entry.get("name")
        if role and isinstance(name, str) and name.strip():
            found.append(Contributor(name=clip(name.strip(), 1000), role=role, place=_filing_place(entry)))
    for author in _entries(d.get("authors")):  # 1.x producers (Superdesk) list authors with roles
        name = author.get("name")
        if isinstance(name, str) and name.strip():
            role = _CONTRIBUTOR_RELS.get(str(author.get("role") or "").lower(), Role.reporter)
            found.append(Contributor(name=clip(name.strip(), 1000), role=role))
    if found:
        return found
    by = _by(d)
    by = re.sub(r"^by\s+", "", by, flags=re.I).strip()
    if not by:
        return []
    return [Contributor(name=clip(by, 1000), role=_BY_ROLES.get(str(d.get("type") or ""), Role.reporter))]


# who the `by` of an item names when no contributor is listed
_BY_ROLES = {"picture": Role.photographer, "graphic": Role.photographer, "video": Role.videographer}


def _by(d: dict[str, Any]) -> str:
    return _text(d, "by") or _text(d, "byline")


def _byline_text(d: dict[str, Any], contributors: list[Contributor]) -> str | None:
    """The byline as sent, unless it says no more than the contributors' names (which is the byline
    we write when an editor typed none): then it stays built from them."""
    by = _by(d)
    built = StoryVersion.model_construct(contributors=contributors, byline_text=None).byline
    return clip(by, 500) if by and by != built else None


def _filing_place(person: dict[str, Any]) -> str | None:
    contacts = _entries(person.get("contactinfo"))
    contacts.sort(key=lambda c: c.get("role") != "filing")
    for contact in contacts:
        address = contact.get("address")
        locality = address.get("locality") if isinstance(address, dict) else None
        if isinstance(locality, str) and locality.strip():
            return clip(locality.strip(), 200)
    return None


def _code(entry: dict[str, Any]) -> str | None:
    """A concept's code: a QCode literal as we wrote it, else its URI, else whatever literal or code."""
    literal, uri = entry.get("literal"), entry.get("uri")
    literal = literal.strip() if isinstance(literal, str) and literal.strip() else None
    uri = uri.strip() if isinstance(uri, str) and uri.strip() else None
    if literal and ":" in literal:
        return literal[:300]
    code = uri or literal or entry.get("code")
    if isinstance(code, str) and code.strip():
        scheme = entry.get("scheme")
        code = code.strip()
        if isinstance(scheme, str) and scheme.startswith("http") and not _is_uri(code):
            code = scheme + code  # 1.x / AP style: scheme + local code make the URI
        return code[:300]
    return None


def _concepts(value: Any, skip_rels: dict[str, Role] | None = None) -> list[Concept]:
    found: list[Concept] = []
    seen: set[tuple[str, str | None]] = set()
    for entry in _entries(value):
        if skip_rels and str(entry.get("rel") or "").lower() in skip_rels:
            continue
        name = entry.get("name") if isinstance(entry.get("name"), str) else entry.get("literal")
        if not isinstance(name, str) or not name.strip():
            continue
        concept = Concept(name=clip(name.strip(), 1000), code=_code(entry))
        if (concept.name, concept.code) not in seen:
            seen.add((concept.name, concept.code))
            found.append(concept)
    return found


def _subjects(d: dict[str, Any]) -> tuple[list[Concept], dict[str, Any]]:
    """Subjects proper, and the model fields we carry as subjects with a particular rel."""
    subjects, categories, keywords = [], [], []
    extras: dict[str, Any] = {"dossier": None, "is_correction": False, "public": False}
    entries = _entries(d.get("subjects")) + _entries(d.get("subject"))
    for entry in entries:
        rel = str(entry.get("rel") or "").lower()
        name = entry.get("name").strip() if isinstance(entry.get("name"), str) else ""
        if rel == REL_CATEGORY and name:
            categories.append(clip(name, 1000))
        elif rel == REL_DOSSIER and name:
            extras["dossier"] = extras["dossier"] or clip(name, 200)
        elif rel == REL_KEYWORD and name:
            keywords.append(clip(name, 1000))
        elif rel == REL_SIGNAL:
            extras["is_correction"] |= entry.get("uri") == CORRECTION_SIGNAL or name.lower() == "correction"
        elif rel == REL_AUDIENCE:
            extras["public"] |= name.lower() == "public"
        else:
            subjects.append(entry)
    for service in _entries(d.get("service")):  # 1.x (Superdesk): the service is the desk's category
        if isinstance(service.get("name"), str) and service["name"].strip():
            categories.append(clip(service["name"].strip(), 1000))
    raw_keywords = d.get("keywords")
    if isinstance(raw_keywords, list):
        keywords += [clip(w.strip(), 1000) for w in raw_keywords if isinstance(w, str) and w.strip()]
    extras["categories"] = list(dict.fromkeys(categories))[:20]
    extras["keywords"] = list(dict.fromkeys(keywords))[:100]
    return _concepts(subjects), extras


def _altid(d: dict[str, Any], role: str) -> str | None:
    for entry in _entries(d.get("altids")):
        if str(entry.get("role") or "").lower() == role and isinstance(entry.get("value"), str):
            return clip(entry["value"].strip(), 100) or None
    return None


def _associations(d: dict[str, Any], package: bool) -> tuple[list[Photo], list[str], list[PackageMember]]:
    """Media objects, related items and (in a package) the members, each association as its type says.
    In a package every association that is not related and carries no files of its own is a member."""
    photos: list[Photo] = []
    related: list[str] = []
    members: list[PackageMember] = []
    for entry in _entries(d.get("associations")):
        kind = str(entry.get("type") or "").lower()
        media_kind = _KIND_OF_TYPE.get(kind) if kind else ItemKind.picture if entry.get("rel") == "gallery" else None
        guid = _guid(entry.get("uri")) or _guid(entry.get("guid"))
        if package and not _is_related(entry) and not _entries(entry.get("renditions")):
            if guid:
                members.append(_member(entry, guid, kind))
        elif media_kind in MEDIA_KINDS:
            photo = _photo(entry, media_kind)
            if photo:
                photos.append(photo)
        elif (kind in ("text", "composite") or entry.get("rel") == "related") and guid:
            related.append(guid)
    return photos, related, members


def _member(entry: dict[str, Any], guid: str, kind: str) -> PackageMember:
    name = entry.get("name")
    group = name.strip() if isinstance(name, str) and name.strip() not in ("", MEMBER_NAME) else None
    return PackageMember(guid=guid[:255], kind=_KIND_OF_TYPE.get(kind, ItemKind.text),
                         headline=clip(_headline(entry), 500) or None, group=clip(group, 200) or None)


_HTTP = re.compile(r"^https?://", re.I)


def _href(value: Any) -> str | None:
    return value if isinstance(value, str) and _HTTP.match(value) and len(value) <= 2000 else None


def _photo(d: dict[str, Any], kind: ItemKind, top_level: bool = False) -> Photo | None:
    """A media object with every rendition it offers: an association, or (top_level) a picture, video,
    audio or graphic item itself, whose headline and summary are the item's and whose title, caption,
    credit and alt text are the media object's."""
    renditions = renditions_of(d)
    main = renditions[0].href if renditions else None
    main = next((r.href for r in renditions if r.name == "original"), main)
    href = main or (None if top_level else _href(d.get("uri")))
    if not href:
        return None
    if len(renditions) == 1 and renditions[0] == Rendition(name="original", href=href):
        renditions = []  # one bare link is how a photo known only by its link is written
    if top_level:
        title = _text(d, "title")
        caption = _description(d, ("caption", "text", "", "description")) or _text(d, "description_text")
        # the byline names the photographer when no contributor is listed (a wire's picture item)
        credit = _description(d, ("creditline",)) or ("" if _contributor_people(d) else _by(d))
    else:
        title = _headline(d)
        caption = (_description(d, ("caption", "text", "summary", "", "description"), fallback=True)
                   or _text(d, "description_text"))
        credit = (_description(d, ("creditline",)) or _by(d) or _text(d, "copyrightholder"))
    alt = _description(d, ("alttext", "alt"))
    return Photo(kind=kind, href=href, renditions=renditions, title=clip(title, 500) or None,
                 caption=clip(caption or "", 4000), credit=clip(credit, 500),
                 alt=clip(alt, 1000) if alt else None)


def _contributor_people(d: dict[str, Any]) -> bool:
    return any(str(p.get("rel") or "").lower() in _CONTRIBUTOR_RELS for p in _entries(d.get("people")))


def renditions_of(d: dict[str, Any]) -> list[Rendition]:
    """Every rendition with a web link, with what it says of itself; a value the model cannot hold (a
    zero width, a negative size) is left out, not the rendition. Also reads AP Media API renditions
    (an object of named renditions with `mimetype` and `durationinseconds`); keys in lower case."""
    found: list[Rendition] = []
    for index, entry in enumerate(_entries(d.get("renditions")), 1):
        href = _href(entry.get("href"))
        if not href:
            continue
        name = entry.get("name") if isinstance(entry.get("name"), str) and entry["name"].strip() else None
        facts: dict[str, Any] = {"name": clip(name or f"rendition{index}", 100), "href": href}
        mimetype = entry.get("contenttype") or entry.get("mimetype")
        if isinstance(mimetype, str) and mimetype.strip():
            facts["mimetype"] = mimetype.strip()[:200]
        for key, source in (("width", "width"), ("height", "height"), ("size", "sizeinbytes")):
            value = entry.get(source)
            if _is_number(value) and float(value).is_integer() and value >= (0 if key == "size" else 1):
                facts[key] = int(value)
        duration = entry.get("duration", entry.get("durationinseconds"))
        if _is_number(duration) and duration >= 0:
            facts["duration"] = duration
        try:
            found.append(Rendition(**facts))
        except ValidationError:  # beyond the model's bounds: the link itself is still worth keeping
            found.append(Rendition(name=facts["name"], href=href))
    return found[:50]

"""AP Media API JSON: content items (`data.item`, or a bare `item`) and feeds (`data.items[].item`).

| AP Media API                                | model                                            |
|---------------------------------------------|--------------------------------------------------|
| `altids.itemid` (else `uri`)                | guid: the item id stays the same across versions |
| `version` (0-based)                         | version + 1 (our versions start at 1)            |
| `versioncreated`, `firstcreated`            | version_created, first_published                 |
| `embargoed`, `pubstatus`, `urgency`,        | embargo, pubstatus, urgency, language,           |
| `language`, `ednote`, `slugline`            | editor_note, slugline                            |
| `headline` (else `title`)                   | headline                                         |
| `description_summary` / `description_caption` / `headline_extended` | spot      |
| `bylines[].by`, `photographer`, `producer`, `editor` | contributors with their roles           |
| `datelinelocation.city` (else area, country) | dateline                                        |
| `subject` with rels category/suppcategory   | categories                                       |
| other `subject`, `person`, `organisation`, `place` | subjects, people, organisations, places: code = |
|                                             | `scheme` + `code` (a cv.ap.org URI)              |
| `keywords`                                  | keywords                                         |
| `type` picture, graphic, video, audio       | kind; the item's media is its one remote media   |
|                                             | object: href `renditions.main` (else the largest |
|                                             | picture), every rendition with a link as sent    |
|                                             | (name, mimetype, width, height, `sizeinbytes`,   |
|                                             | `durationinseconds`), title, caption             |
|                                             | (`description_caption`), credit (`description_creditline`) |

The API does not deliver story text inline: a text item's body is a separate download (the NITF
and ANPA renditions), so text items ingest with their headline and metadata and an empty body.
Items without text (pictures, graphics, video, audio) ingest the same way, as items of their kind
with the caption as spot and the media as a remote media object keeping every rendition AP offers.
A JSON document whose `altids` is an array is ninjs 2.x, not AP: it is handed to the ninjs parser.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from newsflow.formats import ninjs
from newsflow.formats.base import FormatError, clip
from newsflow.model import (
    MEDIA_KINDS,
    Concept,
    Contributor,
    ItemKind,
    Photo,
    PubStatus,
    Role,
    StoryVersion,
    is_language_tag,
    utcnow,
)

_CATEGORY_RELS = {"category", "suppcategory"}


class _Invalid(Exception):
    """A reason to reject an item; `parse` adds the source and item number."""


def parse(data: bytes, source: str) -> list[StoryVersion]:
    """Every item of an AP Media API content response or feed page."""
    doc = ninjs.load_json(data, source)
    if not isinstance(doc, dict):
        raise FormatError(source, f"the JSON is {_kind(doc)}, not an AP Media API response object")
    items, is_feed = _items(doc, source)
    if any(isinstance(item.get("altids"), list) for item in items):
        return ninjs.parse(data, source)  # ninjs 2.x also has altids, as an array: not ours
    stories = []
    for index, item in enumerate(items):
        prefix = f"item {index + 1}: " if is_feed else ""
        try:
            stories.append(_story(item))
        except _Invalid as exc:
            raise FormatError(source, prefix + str(exc)) from None
        except ValidationError as exc:  # a value our model refuses
            raise FormatError(source, prefix + ninjs.validation_message(exc)) from None
    return stories


def _items(doc: dict[str, Any], source: str) -> tuple[list[dict[str, Any]], bool]:
    data = doc.get("data")
    if isinstance(data, dict):
        if isinstance(data.get("item"), dict):
            return [data["item"]], False
        if isinstance(data.get("items"), list):
            entries = data["items"]
            items = [e.get("item") if isinstance(e, dict) and "item" in e else e for e in entries]
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    raise FormatError(source, f"data.items[{index}] holds {_kind(item)}, not an AP item")
            return items, True
        raise FormatError(source, "data has neither item nor items: not an AP Media API content response")
    if isinstance(doc.get("item"), dict):
        return [doc["item"]], False
    if "altids" in doc or "uri" in doc:
        return [doc], False
    raise FormatError(source, "no data.item, data.items or item: not an AP Media API response")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if isinstance(value, int | float) and not isinstance(value, bool) else "an object"


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    raise _Invalid(f"{key} must be text, not {_kind(value)}")


def _story(item: dict[str, Any]) -> StoryVersion:
    altids = item.get("altids") if isinstance(item.get("altids"), dict) else {}
    guid = altids.get("itemid") if isinstance(altids.get("itemid"), str) else _text(item, "uri")
    if not guid:
        raise _Invalid("no altids.itemid and no uri: cannot identify the item")
    headline = _text(item, "headline") or _text(item, "title") or _text(item, "slugline")
    if not headline:
        raise _Invalid("no headline, title or slugline: this item holds no story")
    kind = ItemKind(_text(item, "type").lower()) if _text(item, "type").lower() in MEDIA_KINDS else ItemKind.text
    spot = (_text(item, "description_summary") or _text(item, "description_caption")
            or _text(item, "headline_extended"))
    categories, subjects = [], []
    for entry in _entries(item.get("subject")):
        rels = {str(rel).lower() for rel in entry.get("rels") or []}
        if rels & _CATEGORY_RELS and isinstance(entry.get("name"), str):
            categories.append(clip(entry["name"].strip(), 1000))
        else:
            subjects.append(entry)
    version_created = _date(item, "versioncreated") or _date(item, "firstcreated") or utcnow()
    version = item.get("version")
    # AP counts versions from 0, we count from 1
    counted = isinstance(version, int) and not isinstance(version, bool) and version >= 0
    keywords = [clip(w.strip(), 1000) for w in item.get("keywords") or []
                if isinstance(w, str) and w.strip()]
    fields: dict[str, Any] = {
        "guid": guid,
        "version": version + 1 if counted else 1,
        "pubstatus": _pubstatus(item.get("pubstatus")),
        "first_published": _date(item, "firstcreated") or version_created,
        "version_created": version_created,
        "embargo": _date(item, "embargoed"),
        "urgency": _urgency(item.get("urgency")),
        "language": _language(item.get("language")),
        "headline": clip(headline, 500),
        "spot": clip(spot, 2000),
        "slugline": clip(_text(item, "slugline"), 200) or None,
        "editor_note": _text(item, "ednote") or None,
        "dateline": _dateline(item.get("datelinelocation")),
        "contributors": _contributors(item)[:50],
        "categories": list(dict.fromkeys(categories))[:20],
        "subjects": _concepts(subjects)[:100],
        "people": _concepts(item.get("person"))[:100],
        "organisations": _concepts(item.get("organisation"))[:100],
        "places": _concepts(item.get("place"))[:100],
        "keywords": list(dict.fromkeys(keywords))[:100],
        "kind": kind,
        "photos": [photo] if kind in MEDIA_KINDS and (photo := _photo(item, kind, headline)) else [],
    }
    return StoryVersion(**fields)


def _entries(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _date(item: dict[str, Any], key: str) -> datetime | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    moment = ninjs.parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise _Invalid(f"{key}: {value!r} is not a date-time")
    return moment


def _pubstatus(value: Any) -> PubStatus:
    if value is None:
        return PubStatus.usable
    try:
        return PubStatus(str(value).strip().lower().replace("cancelled", "canceled"))
    except ValueError:
        raise _Invalid(f"pubstatus {value!r} is not one of usable, withheld, canceled") from None


def _urgency(value: Any) -> int:
    if value is None:
        return 5
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer() \
            or not 1 <= value <= 9:
        raise _Invalid(f"urgency must be a whole number from 1 to 9, not {value!r}")
    return int(value)


def _language(value: Any) -> str:
    if value is None or value == "":
        return "en"
    primary, _, rest = str(value).strip().replace("_", "-").partition("-")
    tag = primary.lower() + (f"-{rest}" if rest else "")
    if not is_language_tag(tag):
        raise _Invalid(f"language {value!r} is not a BCP 47 tag such as en or fr-CA")
    return tag


def _dateline(location: Any) -> str | None:
    if not isinstance(location, dict):
        return None
    for key in ("city", "countryareaname", "countryname"):
        value = location.get(key)
        if isinstance(value, str) and value.strip():
            value = value.strip()
            # AP writes area and country names in capitals; a dateline reads better in title case
            return clip(value.title() if value.isupper() else value, 200)
    return None


def _contributors(item: dict[str, Any]) -> list[Contributor]:
    found = []
    for byline in _entries(item.get("bylines")):
        name = re.sub(r"^by\s+", "", str(byline.get("by") or ""), flags=re.I).strip()
        if name:
            found.append(Contributor(name=clip(name, 1000), role=Role.reporter))
    for key, role in (("photographer", Role.photographer), ("producer", Role.producer),
                      ("editor", Role.editor)):
        person = item.get(key)
        if isinstance(person, dict) and isinstance(person.get("name"), str) and person["name"].strip():
            found.append(Contributor(name=clip(person["name"].strip(), 1000), role=role))
    return found


def _concepts(value: Any) -> list[Concept]:
    """AP concepts; one per name and code, so a term AP lists twice (direct and editorial) comes once."""
    found: list[Concept] = []
    seen: set[tuple[str, str | None]] = set()
    for entry in _entries(value):
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            continue
        code = entry.get("code") if isinstance(entry.get("code"), str) and entry["code"].strip() else None
        scheme = entry.get("scheme")
        if code and isinstance(scheme, str) and scheme.startswith("http"):
            code = scheme + code  # e.g. http://cv.ap.org/id/ + the term id
        concept = Concept(name=clip(name.strip(), 1000), code=code[:300] if code else None)
        if (concept.name, concept.code) not in seen and not any(
                c.name == concept.name and concept.code is None for c in found):
            seen.add((concept.name, concept.code))
            found.append(concept)
    return found


def _photo(item: dict[str, Any], kind: ItemKind, headline: str) -> Photo | None:
    renditions = item.get("renditions") if isinstance(item.get("renditions"), dict) else {}
    main = renditions.get("main")
    if not isinstance(main, dict):  # otherwise the largest rendition of the item's own kind on offer
        own = [r for r in renditions.values() if isinstance(r, dict) and r.get("type") == kind.value]
        main = max(own, key=lambda r: (r.get("width") or 0) * (r.get("height") or 0), default=None)
    href = main.get("href") if isinstance(main, dict) else None
    offered = ninjs.renditions_of({"renditions": {name: {key.lower(): value for key, value in r.items()}
                                                  for name, r in renditions.items() if isinstance(r, dict)}})
    if not isinstance(href, str) or not re.match(r"^https?://", href) or len(href) > 2000:
        if not offered:
            return None
        href = None  # the model takes the original, else the first rendition offered
    return Photo(kind=kind, href=href, renditions=offered, title=clip(_text(item, "title") or headline, 500),
                 caption=clip(_text(item, "description_caption"), 4000),
                 credit=clip(_text(item, "description_creditline"), 500))

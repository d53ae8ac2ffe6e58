"""One story per agency item, whatever format it came in: ingested guids are brought to the agency's
own item id here, after parsing and before storing.

An agency sends the same item under a different id in each of its formats. AP's, for one:

| format                  | where the item id is                                              |
|-------------------------|-------------------------------------------------------------------|
| AP Media API / ninjs    | `altids.itemid` (the ninjs parser already takes it as the guid)   |
| ninjs `uri` only        | `https://…/content/{itemid}?…`                                    |
| NewsML-G2               | guid `tag:ap.org,2011:{itemid}-text` (and `altId type="ap:itemId"`) |
| NITF                    | `doc-id id-string="{itemid}"` (taken as the guid as it is)        |

So an AP item's guid is its bare 32-digit item id in every format, and an update in any of them is a
newer version of the same story (the version numbers agree: G2 `version` counts from 1 as the media
API's does from 0 + 1). Other agencies name an item the same way in each of their formats, or give no
id to match: their guids are kept as parsed. An item sent without any id (AP's NITF without an
`id-string`) is matched by its fingerprint instead (ingest.aliases).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newsflow.model import ItemKind, StoryVersion

_AP_ITEM = r"(?P<item>[0-9a-f]{32})"
# (pattern on the parsed guid, how to name the item); the first that matches wins
RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(rf"tag:ap\.org,\d{{4}}:{_AP_ITEM}(?:-[a-z]+)?", re.I), lambda m: m["item"].lower()),
    (re.compile(rf"https?://[^/?#]+/(?:[^?#]*/)?content/{_AP_ITEM}(?:[?#].*)?", re.I), lambda m: m["item"].lower()),
)


# What a parser names an item that its file gives no id (formats.nitf: stable_guid, and its digest
# form for a file without a date): not an agency's item id.
_MADE_UP = re.compile(r"nitf[:-]")


def has_item_id(guid: str) -> bool:
    """Whether `guid` is an id the item was sent with, not one the parser made up for it."""
    return _MADE_UP.match(guid) is None


def agency_guid(guid: str) -> str:
    """The agency's item id for a parsed guid (the guid itself when no rule knows it)."""
    for pattern, name in RULES:
        match = pattern.fullmatch(guid)
        if match:
            return name(match)
    return guid


def normalise(item: StoryVersion) -> StoryVersion:
    """`item` under its agency guid, with the guids it points at (package members, related stories)
    named the same way, so a package and its members still find each other.

    A package keeps the guid it was sent with: AP names a story's package `tag:ap.org,2011:{itemid}`
    and its text `…:{itemid}-text`, and the text is the item the other formats send as `{itemid}`."""
    guid = item.guid if item.kind == ItemKind.package else agency_guid(item.guid)
    members = [m.model_copy(update={"guid": agency_guid(m.guid)}) for m in item.members]
    related = list(dict.fromkeys(agency_guid(g) for g in item.related))
    if guid == item.guid and members == item.members and related == item.related:
        return item
    return item.model_copy(update={"guid": guid, "members": members, "related": related})

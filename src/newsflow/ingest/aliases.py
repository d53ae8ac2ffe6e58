"""One story per agency item even when a format sends no item id: the aliases an item is known by
besides its guid, and when an item joins a story by one of them.

ingest.identity names an item by the agency's id when the format carries one. Some files carry none:
AP's NITF has `doc-id regsrc="AP"` without an `id-string`, so the parser makes its guid up
(`nitf:{source}:{day}:{slug}`, formats.nitf.stable_guid) while the same item as media-API JSON is
`altids.itemid`. Each item stored is therefore also recorded under, for its ingest source:

- its **fingerprint**: digest of its kind, its first-published instant (UTC, to the second) and its
  headline folded (NFKC, case-folded, only letters and digits kept, so case, white space and
  punctuation never count). AP's `BC-` selector prefix is not stripped: the JSON and the NITF of an
  item both carry it, and nothing else does.
- the **guid it was sent under**, when that is not its story's (the other format's name for it).

An item whose guid names no story takes the story its sent guid, else its fingerprint, names among its
own source's. An item id never merges with another: an item with an id (any guid the parser did not
make up) joins a story by fingerprint only if that story has no item id of its own.

Versions: an item that reaches a story under another name, whose guid was made up (a NITF carries no
version; every read of it is version 1), or whose story has taken items under several names, has no
version number comparable with the story's. When its version is not above the story's current one,
it is the story's next version if it is newer (its version time later than the current version's),
and otherwise the same take as held (skipped).

Aliases are looked up before the batch's write transaction and written inside it (the first story an
alias is written for keeps it): two nodes storing two formats of one item in the same instant can
still make two stories.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC

from newsflow.ingest.identity import has_item_id
from newsflow.model import StoryVersion
from newsflow.store import Store
from newsflow.store.aliases import FINGERPRINT, GUID, Alias, Target


def fold(headline: str) -> str:
    """The headline as a fingerprint compares it: case-folded letters and digits only."""
    return "".join(c for c in unicodedata.normalize("NFKC", headline).casefold() if c.isalnum())


def fingerprint(item: StoryVersion) -> str | None:
    """The digest an item without an id is recognised by (None for a headline of no letters or digits)."""
    folded = fold(item.headline)
    if not folded:
        return None
    instant = item.first_published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return hashlib.sha256(f"{item.kind.value}\n{instant}\n{folded}".encode()).hexdigest()


def item_ids(target: Target) -> set[str]:
    """The item ids a story is known by: its guid and the guids it was sent under, when not made up."""
    return {g for g in (target.guid, *target.sent_as) if has_item_id(g)}


def resolve(store: Store, source: str,
            items: Sequence[StoryVersion]) -> tuple[list[StoryVersion], dict[str, list[Alias]]]:
    """`items` under the guid (and version) of the story each belongs to among `source`'s, and per
    story guid the aliases to record with it."""
    prints = {id(item): fingerprint(item) for item in items}
    found = store.aliased(source, [Alias(GUID, item.guid) for item in items]
                          + [Alias(FINGERPRINT, p) for p in prints.values() if p])
    held = store.alias_targets({item.guid for item in items} | set(found.values()))
    out: list[StoryVersion] = []
    aliases: dict[str, list[Alias]] = {}
    for item in items:
        sent, printed = item.guid, prints[id(item)]
        guid = _story(item, printed, found, held)
        target = held.get(guid)
        if target is not None and (guid != sent or _mixed(target) or not has_item_id(sent)):
            item = _as_version_of(item, target)
        if guid != sent:
            item = item.model_copy(update={"guid": guid})
        named = aliases.setdefault(guid, [])
        if printed:
            named.append(Alias(FINGERPRINT, printed))
        if guid != sent:
            named.append(Alias(GUID, sent))
        for alias in named:  # a later item of the same batch finds what this one will be stored as
            found.setdefault(alias, guid)
        _seen(held, item, source, sent)
        out.append(item)
    return out, aliases


def _seen(held: dict[str, Target], item: StoryVersion, source: str, sent: str) -> None:
    """`held` as it will be once `item` is stored (if the store takes it)."""
    target = held.get(item.guid)
    if target is None:
        held[item.guid] = Target(item.guid, source, item.version, item.version_created,
                                 frozenset({sent} - {item.guid}))
    elif item.version > target.current and target.source == source:
        held[item.guid] = replace(target, current=item.version, version_created=item.version_created,
                                  sent_as=target.sent_as | ({sent} - {item.guid}))


def _story(item: StoryVersion, printed: str | None, found: dict[Alias, str], held: dict[str, Target]) -> str:
    """The guid of the story `item` belongs to: its own, the one its guid or its fingerprint names."""
    if item.guid in held:
        return item.guid
    by_guid = found.get(Alias(GUID, item.guid))
    if by_guid is not None:
        return by_guid
    by_print = found.get(Alias(FINGERPRINT, printed)) if printed else None
    if by_print is None or by_print not in held:
        return item.guid
    if has_item_id(item.guid) and item_ids(held[by_print]):
        return item.guid  # two item ids: two items, however alike
    return by_print


def _mixed(target: Target) -> bool:
    """Whether a story's versions came under more than one name (or without an id): its numbers are
    then its own, not those of any one format the agency sends."""
    return bool(target.sent_as) or not has_item_id(target.guid)


def _as_version_of(item: StoryVersion, target: Target) -> StoryVersion:
    """An item without a version comparable with the story's: the next one if it is newer."""
    if item.version > target.current or target.version_created is None:
        return item
    if item.version_created > target.version_created:
        return item.model_copy(update={"version": target.current + 1})
    return item

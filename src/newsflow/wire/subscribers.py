"""Subscriber companies, their products and API keys, and each event's product ids — over the Store.

`plan` and `record` are the write-time half of entitlement: the Store calls them inside the
transaction that appends events, so an event and the product ids it matched commit together or not
at all. Channels then read `event_products` and ask `newsflow.wire.entitlement.may_see`.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.model import Event, EventKind, Story, utcnow
from newsflow.store.store import Store, hash_token
from newsflow.store.tables import events, versions
from newsflow.wire import archive
from newsflow.wire.entitlement import NOWHERE, CompanyAccess, Reach, products_for
from newsflow.wire.feed import reach_of
from newsflow.wire.keymemory import KeyMemory
from newsflow.wire.products import Product, ProductFilter
from newsflow.wire.tables import api_keys, companies, company_products, event_products, products

KEY_PREFIX = "nfk_"
PREFIX_SHOWN = len(KEY_PREFIX) + 8  # enough for an admin to tell keys apart, too little to guess one
# What a key may be used for; a company gives each of its systems a key with only what it needs.
SCOPES = {
    "read": "every read channel below",
    "feed": "the pull feed and server-held queues (/v1/feed, /v1/queue)",
    "items": "item downloads (/v1/items)",
    "search": "full-text search (/v1/search)",
    "stream": "the live stream (/v1/stream)",
    "syndication": "Atom and RSS feeds of products",
}
DEFAULT_SCOPES = ("read",)
# A key's last use is recorded at most this often, so authenticating is not a write per request.
LAST_USED_EVERY = timedelta(seconds=60)
KEY_TTL = 2.0  # seconds a key lookup is remembered (a revocation on another node waits at most this)
KEY_IDLE = 300.0  # seconds a key unused is still re-checked with the busy ones (see wire.keymemory)
KEYS_KEPT = 100_000
_IN_CHUNK = 500  # bound on an IN (...) list, well under SQLite's bound-variable limit
Entry = tuple[EventKind, str, int]  # an event before it has a seq: (kind, guid, version)


class _Keep:
    """The default of an argument that may be set to None: leave the value as it is."""


KEEP = _Keep()


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    active: bool
    may_receive_embargoed: bool
    created: datetime
    product_ids: frozenset[int]  # every assigned product, active or not (the admin's view)


@dataclass(frozen=True)
class ApiKey:
    """A key as listed to admins: never the secret, which exists only in the creator's hands."""

    id: str
    company_id: str
    prefix: str
    label: str
    scopes: tuple[str, ...]
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


@dataclass(frozen=True)
class NewApiKey:
    key: ApiKey
    secret: str  # shown once


class Subscribers:
    def __init__(self, store: Store) -> None:
        self.store = store
        # Parsed filters by product id, re-parsed only when the stored JSON changes (another node
        # may edit a product, so the JSON is read in every `entitle` and compared).
        self._filters: dict[int, tuple[Any, ProductFilter]] = {}
        # Recent key lookups (see `cached_company_for_key`), forgotten on every change made here.
        self._keys = KeyMemory(self.companies_for_keys, ttl=KEY_TTL, idle=KEY_IDLE, size=KEYS_KEPT)

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        with self.store.write() as conn:
            yield conn
        self._keys.clear()

    # ---- companies ----------------------------------------------------------------------------

    def create_company(self, name: str, *, may_receive_embargoed: bool = False, active: bool = True,
                       now: datetime | None = None) -> Company:
        company_id = secrets.token_hex(8)
        with self._write() as conn:
            self._unique_name(conn, companies, "company", _name(name))
            conn.execute(companies.insert().values(id=company_id, name=_name(name), active=active,
                                                   may_receive_embargoed=may_receive_embargoed,
                                                   created=now or utcnow()))
        return self.get_company(company_id)

    def get_company(self, company_id: str) -> Company:
        with self.store.read() as conn:
            found = self._companies(conn, companies.c.id == company_id)
        if not found:
            raise NotFound(f"no company with id {company_id!r}")
        return found[0]

    def list_companies(self) -> list[Company]:
        with self.store.read() as conn:
            return self._companies(conn, sa.true())

    def update_company(self, company_id: str, *, name: str | None = None, active: bool | None = None,
                       may_receive_embargoed: bool | None = None) -> Company:
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = _name(name)
        if active is not None:
            values["active"] = active
        if may_receive_embargoed is not None:
            values["may_receive_embargoed"] = may_receive_embargoed
        with self._write() as conn:
            self._require(conn, companies, company_id, "company")
            if "name" in values:
                self._unique_name(conn, companies, "company", values["name"], but=company_id)
            if values:
                conn.execute(companies.update().where(companies.c.id == company_id).values(**values))
        return self.get_company(company_id)

    def access(self, company_id: str) -> CompanyAccess:
        """What `may_see` needs to know about a company (e.g. for a portal user's company)."""
        found = self.accesses([company_id]).get(company_id)
        if found is None:
            raise NotFound(f"no company with id {company_id!r}")
        return found

    def accesses(self, company_ids: Iterable[str]) -> dict[str, CompanyAccess]:
        """`access` for many companies in two queries (unknown ids are left out)."""
        with self.store.read() as conn:
            return self._accesses(conn, company_ids)

    def _accesses(self, conn: sa.Connection, company_ids: Iterable[str]) -> dict[str, CompanyAccess]:
        ids = sorted(set(company_ids))
        found: dict[str, CompanyAccess] = {}
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            granted: dict[str, set[int]] = {}
            windows: dict[str, list[tuple[int, int]]] = {}
            query = (sa.select(company_products.c.company_id, company_products.c.product_id, products.c.archive_days)
                     .join(products, products.c.id == company_products.c.product_id)
                     .where(company_products.c.company_id.in_(chunk), products.c.active.is_(True)))
            for company_id, product_id, days in conn.execute(query):
                granted.setdefault(company_id, set()).add(product_id)
                if days is not None:
                    windows.setdefault(company_id, []).append((product_id, days))
            for row in conn.execute(companies.select().where(companies.c.id.in_(chunk))):
                found[row.id] = CompanyAccess(id=row.id, product_ids=frozenset(granted.get(row.id, ())),
                                              active=row.active, may_receive_embargoed=row.may_receive_embargoed,
                                              windows=tuple(sorted(windows.get(row.id, ()))))
        return found

    def _companies(self, conn: sa.Connection, where: sa.ColumnElement[bool]) -> list[Company]:
        rows = conn.execute(companies.select().where(where).order_by(companies.c.name)).all()
        assigned: dict[str, set[int]] = {}
        query = sa.select(company_products).where(
            company_products.c.company_id.in_(sa.select(companies.c.id).where(where)))
        for company_id, product_id in conn.execute(query):
            assigned.setdefault(company_id, set()).add(product_id)
        return [Company(id=r.id, name=r.name, active=r.active, may_receive_embargoed=r.may_receive_embargoed,
                        created=r.created, product_ids=frozenset(assigned.get(r.id, ())))
                for r in rows]

    # ---- products -----------------------------------------------------------------------------

    def create_product(self, name: str, filter: ProductFilter | Mapping[str, Any], *, description: str = "",
                       active: bool = True, public: bool = False, archive_days: int | None = None,
                       now: datetime | None = None) -> Product:
        """A new product; the archive its filter covers is given to it in the background
        (newsflow.wire.archive), the stories written from now on at once."""
        checked = _filter(filter)  # raises pydantic's ValidationError naming the field
        with self._write() as conn:
            self._unique_name(conn, products, "product", _name(name))
            product_id = conn.execute(products.insert().values(
                name=_name(name), description=description, filter=_dump(checked), active=active,
                public=public, archive_days=_archive_days(archive_days),
                created=now or utcnow()).returning(products.c.id)).scalar_one()
            archive.queue(conn, product_id, checked, now)
        return self.get_product(product_id)

    def get_product(self, product_id: int) -> Product:
        with self.store.read() as conn:
            row = conn.execute(products.select().where(products.c.id == product_id)).first()
        if row is None:
            raise NotFound(f"no product with id {product_id!r}")
        return self._product(row)

    def list_products(self, *, active_only: bool = False) -> list[Product]:
        query = products.select().order_by(products.c.name)
        if active_only:
            query = query.where(products.c.active.is_(True))
        with self.store.read() as conn:
            return [self._product(row) for row in conn.execute(query)]

    def update_product(self, product_id: int, *, name: str | None = None, description: str | None = None,
                       filter: ProductFilter | Mapping[str, Any] | None = None,
                       active: bool | None = None, public: bool | None = None,
                       archive_days: int | _Keep | None = KEEP) -> Product:
        """Change a product. A new filter applies at once to events written from now on, and to the
        archive in the background (newsflow.wire.archive): until that run ends, older events keep
        what the previous filter gave them. `archive_days` None reaches back over everything."""
        values: dict[str, Any] = {}
        checked = _filter(filter) if filter is not None else None
        if name is not None:
            values["name"] = _name(name)
        if description is not None:
            values["description"] = description
        if checked is not None:
            values["filter"] = _dump(checked)
        if active is not None:
            values["active"] = active
        if public is not None:
            values["public"] = public
        if not isinstance(archive_days, _Keep):
            values["archive_days"] = _archive_days(archive_days)
        with self._write() as conn:
            self._require(conn, products, product_id, "product")
            if "name" in values:
                self._unique_name(conn, products, "product", values["name"], but=product_id)
            before = conn.execute(sa.select(products.c.filter).where(products.c.id == product_id)).scalar_one()
            if values:
                conn.execute(products.update().where(products.c.id == product_id).values(**values))
            if checked is not None and _dump(checked) != before:
                archive.queue(conn, product_id, checked)
        return self.get_product(product_id)

    def assign_product(self, company_id: str, product_id: int) -> None:
        """Give a company a product (no-op if it has it already)."""
        with self._write() as conn:
            self._require(conn, companies, company_id, "company")
            self._require(conn, products, product_id, "product")
            held = conn.execute(sa.select(company_products.c.product_id).where(
                company_products.c.company_id == company_id,
                company_products.c.product_id == product_id)).first()
            if held is None:
                conn.execute(company_products.insert().values(company_id=company_id, product_id=product_id))

    def unassign_product(self, company_id: str, product_id: int) -> bool:
        """Take a product away; False if the company did not have it."""
        with self._write() as conn:
            done = conn.execute(company_products.delete().where(
                company_products.c.company_id == company_id, company_products.c.product_id == product_id))
            return done.rowcount > 0

    def _product(self, row: sa.Row[Any]) -> Product:
        return Product.of_row(row, self._parsed(row.id, row.filter))

    def _parsed(self, product_id: int, raw: Any) -> ProductFilter:
        cached = self._filters.get(product_id)
        if cached is not None and cached[0] == raw:
            return cached[1]
        try:
            parsed = ProductFilter.model_validate(raw)
        except ValueError as exc:
            # Filters are validated on the way in, so this is a schema change that needs a data fix.
            raise ValueError(f"product {product_id}'s stored filter is no longer valid: {exc}") from exc
        self._filters[product_id] = (raw, parsed)
        return parsed

    # ---- API keys -----------------------------------------------------------------------------

    def create_api_key(self, company_id: str, *, label: str = "", scopes: Sequence[str] = DEFAULT_SCOPES,
                       now: datetime | None = None) -> NewApiKey:
        """Mint a key for a company. Only its SHA-256 is stored: the secret is returned this once."""
        for scope in scopes:
            if scope not in SCOPES:
                raise FieldError("scopes", f"{scope!r} is not one of {', '.join(SCOPES)}")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = secrets.token_hex(8)
        with self._write() as conn:
            self._require(conn, companies, company_id, "company")
            conn.execute(api_keys.insert().values(
                id=key_id, company_id=company_id, prefix=secret[:PREFIX_SHOWN], key_hash=hash_token(secret),
                label=label.strip(), scopes=list(dict.fromkeys(scopes)), created=now or utcnow()))
        return NewApiKey(key=self.get_api_key(key_id), secret=secret)

    def get_api_key(self, key_id: str) -> ApiKey:
        with self.store.read() as conn:
            row = conn.execute(api_keys.select().where(api_keys.c.id == key_id)).first()
        if row is None:
            raise NotFound(f"no API key with id {key_id!r}")
        return _key(row)

    def list_api_keys(self, company_id: str | None = None) -> list[ApiKey]:
        query = api_keys.select().order_by(api_keys.c.created, api_keys.c.id)
        if company_id is not None:
            query = query.where(api_keys.c.company_id == company_id)
        with self.store.read() as conn:
            return [_key(row) for row in conn.execute(query)]

    def revoke_api_key(self, key_id: str, *, now: datetime | None = None) -> ApiKey:
        """Revoke a key for good (revoking twice keeps the first time)."""
        with self._write() as conn:
            self._require(conn, api_keys, key_id, "API key")
            conn.execute(api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked.is_(None))
                         .values(revoked=now or utcnow()))
        return self.get_api_key(key_id)

    def cached_company_for_key(self, secret: str) -> CompanyAccess | None:
        """`company_for_key`, remembered for KEY_TTL seconds and re-checked in batches
        (`wire.keymemory`): a subscriber polling all day costs no lookup per request. A change made on
        this node applies at once (the memory is cleared); one made on another node within KEY_TTL."""
        return self._keys.get(secret)

    def company_for_key(self, secret: str, *, now: datetime | None = None) -> CompanyAccess | None:
        """The company behind a live key, or None for an unknown or revoked one.

        An inactive company still comes back (active=False), so a channel can answer "company
        inactive" rather than "bad key"; `may_see` refuses it everything.
        """
        return self.companies_for_keys([secret], now=now).get(secret)

    def companies_for_keys(self, keys: Sequence[str], *, now: datetime | None = None) -> dict[str, CompanyAccess]:
        """`company_for_key` for many keys in three queries per 500 (live keys only in the answer),
        recording the last use of those not recorded within LAST_USED_EVERY in one update."""
        ours = sorted({k for k in keys if k.startswith(KEY_PREFIX)})  # not one of ours: no round-trip
        by_hash = {hash_token(s): s for s in ours}
        now = now or utcnow()
        found: dict[str, CompanyAccess] = {}
        stale: list[str] = []
        hashes = sorted(by_hash)
        with self.store.read() as conn:
            for start in range(0, len(hashes), _IN_CHUNK):
                query = (sa.select(api_keys.c.id, api_keys.c.key_hash, api_keys.c.last_used, api_keys.c.scopes,
                                   api_keys.c.company_id)
                         .where(api_keys.c.key_hash.in_(hashes[start:start + _IN_CHUNK]), api_keys.c.revoked.is_(None)))
                rows = conn.execute(query).all()
                granted = self._accesses(conn, [row.company_id for row in rows])
                for row in rows:
                    if row.company_id in granted:
                        found[by_hash[row.key_hash]] = dataclasses.replace(granted[row.company_id],
                                                                           scopes=frozenset(row.scopes))
                        if row.last_used is None or now - row.last_used > LAST_USED_EVERY:
                            stale.append(row.id)
        if stale:
            with self.store.write() as conn:
                conn.execute(api_keys.update().where(api_keys.c.id.in_(stale)).values(last_used=now))
        return found

    # ---- each event's products ----------------------------------------------------------------

    def plan(self, conn: sa.Connection, entries: Sequence[Entry],
             known: Mapping[tuple[str, int], Story] | None = None) -> list[Reach]:
        """What each event about to be appended on `conn` reaches, in the order given.

        Needs no seq, so the Store can run it before it takes the log lock and keep that lock's hold
        short; `record` then stores the result once the seqs exist. `known` holds the versions the
        caller has in hand; others are read on `conn`.

        Entitlement is per version (docs/security.md). A publish, update or correction carries its
        copy to the products its own content matches, and a withdrawal notice to the products that
        had the story's previous copy and do not match this one. A kill goes to every product the
        story ever reached (and to those the replaced version matches now): whoever held any version
        must hear of it. An embargo lift goes where its version's copy went.
        """
        if not entries:
            return []
        catalogue = self._all_products(conn)
        if not catalogue:
            return [NOWHERE] * len(entries)
        stories = dict(known or {})
        stories.update(self._load_versions(conn, [(g, v) for _, g, v in entries if (g, v) not in stories]))
        history = self._history(conn, {guid for kind, guid, _ in entries if kind != EventKind.publish})
        planned: list[Reach] = []
        for kind, guid, number in entries:
            past = history.setdefault(guid, _History())
            if kind == EventKind.embargo_lift:
                # also to a product made since that matches: its companies never had the copy
                reach = Reach(products_for(stories[(guid, number)], catalogue) | past.copies.get(number, set()))
            elif kind == EventKind.kill:
                previous = self._previous(conn, guid, number)
                reach = Reach(products_for(stories[(guid, number)], catalogue, previous=previous) | past.reached)
            else:
                copy = products_for(stories[(guid, number)], catalogue)
                reach = Reach(copy, frozenset(past.last_copy - copy))
            # Later events of the same batch see this one as if it were already recorded.
            past.add(kind, number, reach)
            planned.append(reach)
        return planned

    def record(self, conn: sa.Connection, written: Sequence[Event], planned: Sequence[Reach]) -> None:
        """Store what `plan` decided for the events now written. A kill also takes every earlier
        event of its story off every product: no replay of the log, from any seq, hands out the
        withdrawn text again (the kill itself stays where the story went)."""
        _insert_reach(conn, list(zip((e.seq for e in written), planned, strict=True)))
        for event in written:
            if event.kind == EventKind.kill:
                conn.execute(event_products.delete().where(event_products.c.seq.in_(
                    sa.select(events.c.seq).where(events.c.guid == event.guid, events.c.seq < event.seq))))

    def entitle(self, conn: sa.Connection, written: Sequence[Event],
                known: Mapping[tuple[str, int], Story] | None = None) -> None:
        """`plan` and `record` in one go, for events already appended on `conn`."""
        entries = [(e.kind, e.guid, e.version) for e in written]
        self.record(conn, written, self.plan(conn, entries, known))

    def record_event_products(self, conn: sa.Connection, seq: int, product_ids: Iterable[int]) -> None:
        """Store an event's copy products; call it on the connection that wrote the event."""
        _insert_reach(conn, [(seq, Reach(frozenset(product_ids)))])

    def event_reach(self, seqs: Iterable[int]) -> dict[int, Reach]:
        """What each event reached; an event that reached nothing maps to NOWHERE."""
        return reach_of(self.store, seqs)

    def event_products(self, seqs: Iterable[int]) -> dict[int, frozenset[int]]:
        """The products each event carried its copy to (`event_reach` without the notices)."""
        return {seq: reach.copy for seq, reach in self.event_reach(seqs).items()}

    def _all_products(self, conn: sa.Connection) -> list[Product]:
        # Every product, active or not: access is gated by a company's active products, so a product
        # switched off and on again has not lost the events in between.
        return [self._product(row) for row in conn.execute(products.select())]

    def _load_versions(self, conn: sa.Connection,
                       keys: list[tuple[str, int]]) -> dict[tuple[str, int], Story]:
        out: dict[tuple[str, int], Story] = {}
        for start in range(0, len(keys), _IN_CHUNK):
            chunk = keys[start:start + _IN_CHUNK]
            query = sa.select(versions.c.guid, versions.c.version, versions.c.content).where(
                sa.tuple_(versions.c.guid, versions.c.version).in_(chunk))
            for guid, number, content in conn.execute(query):
                out[(guid, number)] = Story.from_stored(content)
        return out

    def _previous(self, conn: sa.Connection, guid: str, number: int) -> Story | None:
        """The version just before `number`, read on the writing connection: a batch's own earlier
        versions are already in the table, since version rows are inserted before their events."""
        query = (sa.select(versions.c.content).where(versions.c.guid == guid, versions.c.version < number)
                 .order_by(versions.c.version.desc()).limit(1))
        content = conn.execute(query).scalar()
        return Story.from_stored(content) if content is not None else None

    def _history(self, conn: sa.Connection, guids: set[str]) -> dict[str, _History]:
        """What the given stories' events reached so far, replayed in log order."""
        found: dict[str, _History] = {}
        ordered = sorted(guids)
        for start in range(0, len(ordered), _IN_CHUNK):
            query = (sa.select(events.c.seq, events.c.kind, events.c.guid, events.c.version,
                               event_products.c.product_id, event_products.c.notice)
                     .join(event_products, event_products.c.seq == events.c.seq)
                     .where(events.c.guid.in_(ordered[start:start + _IN_CHUNK])).order_by(events.c.seq))
            reached: dict[int, tuple[EventKind, str, int, set[int], set[int]]] = {}
            for seq, kind, guid, number, product_id, notice in conn.execute(query):
                row = reached.setdefault(seq, (EventKind(kind), guid, number, set(), set()))
                row[4 if notice else 3].add(product_id)
            for kind, guid, number, copy, notice in reached.values():
                found.setdefault(guid, _History()).add(kind, number, Reach(frozenset(copy), frozenset(notice)))
        return found

    # ---- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _require(conn: sa.Connection, table: sa.Table, row_id: object, what: str) -> None:
        if conn.execute(sa.select(table.c.id).where(table.c.id == row_id)).first() is None:
            raise NotFound(f"no {what} with id {row_id!r}")

    @staticmethod
    def _unique_name(conn: sa.Connection, table: sa.Table, what: str, name: str, *,
                     but: object = None) -> None:
        query = sa.select(table.c.id).where(table.c.name == name)
        if but is not None:
            query = query.where(table.c.id != but)
        if conn.execute(query).first() is not None:
            raise Conflict(f"a {what} named {name!r} exists already")


@dataclass
class _History:
    """One story's reach so far: every product it reached, the last copy's, each version's copy."""

    reached: set[int] = dataclasses.field(default_factory=set)
    last_copy: set[int] = dataclasses.field(default_factory=set)
    copies: dict[int, set[int]] = dataclasses.field(default_factory=dict)

    def add(self, kind: EventKind, number: int, reach: Reach) -> None:
        self.reached |= reach.copy | reach.notice
        if kind in (EventKind.publish, EventKind.update, EventKind.correct):
            self.last_copy = set(reach.copy)
            self.copies[number] = set(reach.copy)


def _insert_reach(conn: sa.Connection, reached: list[tuple[int, Reach]]) -> None:
    # An executemany: measured faster here than one INSERT … VALUES (…), (…), whose compile cost
    # grows with the row count.
    rows = [{"seq": seq, "product_id": pid, "notice": notice} for seq, reach in reached
            for notice, ids in ((False, reach.copy), (True, reach.notice)) for pid in sorted(ids)]
    if rows:
        conn.execute(event_products.insert(), rows)


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise FieldError("name", "a name needs 1 to 200 characters")
    return name


ARCHIVE_DAYS_MAX = 36_500


def _archive_days(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= ARCHIVE_DAYS_MAX:
        raise FieldError("archive_days", f"an archive window is 1 to {ARCHIVE_DAYS_MAX} days, or none for everything")
    return days


def _filter(value: ProductFilter | Mapping[str, Any]) -> ProductFilter:
    return value if isinstance(value, ProductFilter) else ProductFilter.model_validate(dict(value))


def _dump(value: ProductFilter) -> dict[str, Any]:
    # Only what constrains: the stored JSON reads like the filter an admin wrote.
    return value.model_dump(mode="json", exclude_defaults=True)


def _key(row: sa.Row[Any]) -> ApiKey:
    return ApiKey(id=row.id, company_id=row.company_id, prefix=row.prefix, label=row.label,
                  scopes=tuple(row.scopes), created=row.created, last_used=row.last_used, revoked=row.revoked)

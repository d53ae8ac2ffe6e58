"""Full-text search with facets over the current version of every live story, on SQLite or PostgreSQL.

Writing: `index` runs on the connection that writes versions, inside the publishing transaction, so
the index never lags the log: a new version replaces its story's row, a kill (or a withheld version)
removes it. `rebuild` re-creates the index from the versions table (after a restore, or for data
written before migration 0004).

Reading: `SearchIndex.search` runs one query for the page of hits and one for the total and the
facet counts. Both apply the same conditions — the words, the filters and, for a subscriber, the
entitlement rule of `newsflow.wire.entitlement.may_see` in SQL: the doc's announcing event carried
its copy to one of the company's products (`event_products`, not a withdrawal notice), the
company is active, and embargoed copy only for companies allowed it. So a facet count can never
reveal a story its hits would not show.

The query language is the same on both backends and is never handed to the database's own parser:
words (all must match), "quoted phrases", `-word` / `-"phrase"` to exclude, `OR` (upper case)
between two words or phrases, and a trailing `*` on a single word for a prefix. Everything else is
text. Each term reaches FTS5 as a quoted string and PostgreSQL as a bound parameter of
`phraseto_tsquery`, so operators typed by a user (`NEAR(`, `:`, `^`, parentheses) are only words.

Languages: both engines fold case and Latin accents themselves. What depends on a language (Turkish
dotted and dotless i; Arabic harakat, tatweel, alef forms, final yeh and teh marbuta, the definite article) is
folded in Python by `newsflow.store.folding`, with the rules of the story's language: the folded text
is indexed beside the original as `variants` (lowest weight, never shown). A query's language is
unknown, so each term is looked up as typed OR folded by every language's rules, and so meets a
Turkish or an Arabic story alike; an English story, with no rules, matches only as written. Snippets
come from the original columns; a hit met only through a fold gets its words marked by
`_folded_snippet`, comparing folds in Python.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from newsflow.model import EventKind, PubStatus, StoryVersion, html_to_text, utcnow
from newsflow.store.folding import WORD, fold_text, match_key, query_forms
from newsflow.store.search_tables import BODY_INDEXED, search_docs
from newsflow.store.tables import events, stories, versions
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.tables import event_products

if TYPE_CHECKING:  # the Store imports this module to index inside its write transaction
    from newsflow.store.store import Store

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_LIMIT = 100
# A search ranks, counts and facets the newest WINDOW matches the reader may see (SearchResult.total_exact
# says when there were more); paging goes as deep as the window, narrower filters or dates go further.
WINDOW = 2_000
MAX_OFFSET = WINDOW - 1
MAX_FILTER_VALUES = 50
FACETS = ("category", "language", "dossier", "urgency")
FACET_VALUES = 100  # per facet, the most frequent first
PG_CONFIG = "newsflow_search"  # created by migration 0004

# Highlight markers: private-use characters no tokenizer treats as a word, swapped for <mark> after
# the snippet is HTML-escaped, so story text can never inject markup into a snippet.
_START, _END = "\ue000", "\ue001"
_SNIPPET_TOKENS = 24
_PLAIN_SNIPPET = 240
_HEADLINE_SOURCE = 100_000  # ts_headline re-parses its input: bound the work per hit
_PG_HEADLINE_OPTIONS = (f"StartSel={_START}, StopSel={_END}, MaxWords=30, MinWords=12, MaxFragments=2, "
                        'FragmentDelimiter=" … "')
# bm25 weights for headline, spot, body, variants and tags: a word in the headline says most about the
# story; a folded form the least (it also counts where the original matched already); tags nothing.
_BM25_WEIGHTS = (10.0, 4.0, 1.0, 0.5, 0.0)
# Folded body text indexed: the variants column doubles a folded story's words, and PostgreSQL refuses
# a tsvector over 1 MB, so the folds cover the first half of what BODY_INDEXED allows.
VARIANTS_BODY = BODY_INDEXED // 2
_INDEXED_COLUMNS = "{headline spot body}"  # FTS5's column filter: the text as written, not the folds
_WORD_COLUMNS = "{headline spot body variants}"  # where words are looked for (never in the tags)
_CHUNK = 500  # bound on an IN (...) list

_CFG = sa.literal_column(f"'{PG_CONFIG}'::regconfig")
# SQLite's FTS5 table (migrations 0004, 0020, 0023): its rowid, and the table itself for MATCH, bm25, snippet
_FTS = sa.table("search_fts", sa.column("rowid"))
_FTS_REF = sa.literal_column("search_fts")
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class QueryError(ValueError):
    """A search the user wrote that cannot run; the message says why (the API answers 400)."""


# ---- the query ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchQuery:
    """What a subscriber or an editor asked for. Filters are exact values, as the facets show them;
    `date_from`/`date_to` bound `version_created` inclusively (a date means that whole UTC day)."""

    q: str = ""
    categories: Sequence[str] = ()
    languages: Sequence[str] = ()
    dossiers: Sequence[str] = ()
    date_from: date | datetime | None = None
    date_to: date | datetime | None = None
    urgency_max: int | None = None
    guids: Sequence[str] = ()  # only these stories (saved-search alerts ask about a batch of events)
    limit: int = 20
    offset: int = 0
    facets: bool = True

    def __post_init__(self) -> None:
        # frozen: normalise through object.__setattr__ so a query is always a clean, hashable value
        object.__setattr__(self, "q", _text(self.q or "", "q"))
        for name in ("categories", "languages", "dossiers"):
            values = getattr(self, name)
            if isinstance(values, str):
                values = (values,)
            if len(values) > MAX_FILTER_VALUES:
                raise QueryError(f"{name}: at most {MAX_FILTER_VALUES} values")
            object.__setattr__(self, name, tuple(dict.fromkeys(_text(v, name) for v in values)))
        if isinstance(self.guids, str):
            object.__setattr__(self, "guids", (self.guids,))
        if len(self.guids) > _CHUNK:
            raise QueryError(f"guids: at most {_CHUNK} values")
        object.__setattr__(self, "guids", tuple(dict.fromkeys(self.guids)))
        object.__setattr__(self, "date_from", _bound(self.date_from, "date_from", end=False))
        object.__setattr__(self, "date_to", _bound(self.date_to, "date_to", end=True))
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError("date_from is after date_to")
        if self.urgency_max is not None and not 1 <= self.urgency_max <= 9:
            raise QueryError("urgency_max: between 1 (flash) and 9")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise QueryError(f"limit: between 1 and {MAX_LIMIT}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise QueryError(f"offset: between 0 and {MAX_OFFSET}; narrow the search to go further")


def _text(value: str, name: str) -> str:
    # NUL and lone surrogates cannot be sent to PostgreSQL (or encoded at all): refuse them here,
    # as the user's mistake, rather than as a database error.
    if not isinstance(value, str):
        raise QueryError(f"{name}: text expected")
    if "\x00" in value:
        raise QueryError(f"{name}: contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"{name}: not valid Unicode text") from None
    if name == "q" and len(value) > MAX_QUERY_CHARS:
        raise QueryError(f"q: at most {MAX_QUERY_CHARS} characters")
    if name != "q" and not 0 < len(value) <= 300:
        raise QueryError(f"{name}: values need 1 to 300 characters")
    return value


def _bound(value: date | datetime | None, name: str, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise QueryError(f"{name}: a time needs a time zone, e.g. 2026-03-01T12:00:00Z")
        try:
            return value.astimezone(UTC)
        except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00: past the last representable time in UTC
            raise QueryError(f"{name}: out of range; use a time between the years 1 and 9999") from None
    if isinstance(value, date):
        start = datetime.combine(value, time(), UTC)
        return start + timedelta(days=1, microseconds=-1) if end else start
    raise QueryError(f"{name}: a date or a time expected")


@dataclass(frozen=True)
class Term:
    """A word or phrase as typed; `prefix` only for a single word that ended in `*`."""

    text: str
    prefix: bool = False


@dataclass(frozen=True)
class ParsedQuery:
    groups: tuple[tuple[Term, ...], ...]  # every group must match; a group matches if any term does
    excluded: tuple[Term, ...] = ()


def parse(q: str) -> ParsedQuery | None:
    """The user's words as terms, or None for a blank query (browse: filters only, newest first)."""
    if not q.strip():
        return None
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(f"q: at most {MAX_QUERY_CHARS} characters")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    join = False  # the previous chunk was OR
    for match in _TOKEN.finditer(q):
        minus, quoted, bare = match.groups()
        if quoted is not None:
            negated, text, prefix = bool(minus), quoted, False
        else:
            if bare == "OR":
                join = bool(groups)
                continue
            negated = bare.startswith("-") and len(bare) > 1
            text = bare[1:] if negated else bare
            core = text.rstrip("*")
            prefix = core != text and core.isalnum()
            text = core if prefix else text
        if not any(ch.isalnum() for ch in text):
            continue  # punctuation only: no tokenizer would make a word of it
        term = Term(text, prefix)
        if negated:
            excluded.append(term)
        elif join:
            groups[-1].append(term)
        else:
            groups.append([term])
        join = False
    if sum(map(len, groups)) + len(excluded) > MAX_TERMS:
        raise QueryError(f"q: at most {MAX_TERMS} words or phrases")
    if not groups:
        if excluded:
            raise QueryError("q: name at least one word to find, not only words to exclude")
        raise QueryError("q: no words to search for")
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(excluded))


def _forms(t: Term) -> list[Term]:
    """A term and its fold (newsflow.store.folding): a story matches if either does."""
    forms = [Term(text, t.prefix) for text in query_forms(t.text)]
    # a folded prefix must stay a bare word: it reaches PostgreSQL inside tsquery syntax
    return [f for f in forms if not f.prefix or f.text.isalnum()] or [t]


def _fts5_string(t: Term) -> str:
    quoted = '"' + t.text.replace('"', '""') + '"'
    return quoted + " *" if t.prefix else quoted


def fts5_expression(parsed: ParsedQuery) -> str:
    """The query in FTS5 syntax, every term a quoted string (FTS5 reads nothing inside quotes)."""
    def term(t: Term) -> str:
        forms = list(map(_fts5_string, _forms(t)))
        return forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"

    parts = [" OR ".join(map(term, g)) for g in parsed.groups]
    expression = " AND ".join(f"({p})" if len(g) > 1 else p for p, g in zip(parts, parsed.groups, strict=True))
    for t in parsed.excluded:  # FTS5's NOT is binary: (wanted) NOT unwanted
        expression = f"({expression}) NOT {term(t)}"
    return expression


def _sqlite_match(parsed: ParsedQuery, query: SearchQuery) -> str:
    """The words in the text columns, and the category and language filters as tags: FTS5 walks only
    the stories that meet all of them (the SQL conditions check them again, exactly)."""
    expression = f"{_WORD_COLUMNS} : ({fts5_expression(parsed)})"
    for kind, values in (("category", query.categories), ("language", query.languages)):
        if values:
            expression += " AND tags : (" + " OR ".join(f'"{filter_tag(kind, v)}"' for v in values) + ")"
    return expression


def _marks_expression(parsed: ParsedQuery) -> str:
    """Every wanted term as typed, in the text as written only: what an FTS5 snippet marks (it would
    otherwise pick the variants column, which no reader should see). Words met only by a fold are
    marked by `_folded_snippet`."""
    typed = (_fts5_string(_forms(t)[0]) for g in parsed.groups for t in g)
    return f"{_INDEXED_COLUMNS} : ({' OR '.join(typed)})"


def tsquery_expression(parsed: ParsedQuery) -> sa.ColumnElement[Any]:
    """The query as a PostgreSQL tsquery built from bound parameters (no tsquery syntax is parsed)."""
    tsquery = postgresql.TSQUERY()

    def form(t: Term) -> sa.ColumnElement[Any]:
        if t.prefix:  # alphanumeric only (see `parse`, `_forms`), so nothing in it needs quoting
            return sa.func.to_tsquery(_CFG, sa.literal(f"'{t.text}':*"), type_=tsquery)
        return sa.func.phraseto_tsquery(_CFG, sa.literal(t.text), type_=tsquery)

    def fold(name: str, items: Iterable[sa.ColumnElement[Any]]) -> sa.ColumnElement[Any]:
        out: sa.ColumnElement[Any] | None = None
        for item in items:
            out = item if out is None else getattr(sa.func, name)(out, item, type_=tsquery)
        assert out is not None
        return out

    def term(t: Term) -> sa.ColumnElement[Any]:
        return fold("tsquery_or", map(form, _forms(t)))

    expression = fold("tsquery_and", (fold("tsquery_or", map(term, g)) for g in parsed.groups))
    for t in parsed.excluded:
        expression = sa.func.tsquery_and(expression, sa.func.tsquery_not(term(t), type_=tsquery), type_=tsquery)
    return expression


# ---- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    guid: str
    version: int
    headline: str
    spot: str
    snippet: str  # HTML: escaped text with the matched words in <mark>
    version_created: datetime
    language: str
    categories: tuple[str, ...]
    dossier: str | None
    urgency: int
    score: float  # higher is better; 0 when browsing without words


@dataclass(frozen=True)
class FacetValue:
    value: str | int
    count: int


@dataclass(frozen=True)
class SearchResult:
    hits: list[SearchHit]
    total: int  # matches in the window: all of them when total_exact, else WINDOW of more
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)  # FACETS → most frequent first
    total_exact: bool = True


# ---- writing the index ------------------------------------------------------------------------------


def index(conn: sa.Connection, versions_with_seq: Iterable[tuple[StoryVersion, int]]) -> None:
    """Make the index hold each story's newest version given here (seq: the event announcing it).

    Call on the connection writing the versions, in the same transaction. A usable version replaces
    the story's row; a killed or withheld one only removes it.
    """
    latest: dict[str, tuple[StoryVersion, int]] = {}
    for sv, seq in versions_with_seq:
        held = latest.get(sv.guid)
        if held is None or sv.version >= held[0].version:
            latest[sv.guid] = (sv, seq)
    if not latest:
        return
    # A version 1 is a story's first, so it has no row to replace (a third of ingest's index cost).
    _remove(conn, [guid for guid, (sv, _) in latest.items() if sv.version > 1])
    rows = [_doc(guid=sv.guid, version=sv.version, seq=seq, headline=sv.headline, spot=sv.spot,
                 body_html=sv.body_html, language=sv.language, categories=sv.categories, dossier=sv.dossier,
                 urgency=sv.urgency, version_created=sv.version_created, pubstatus=sv.pubstatus.value,
                 embargo=sv.embargo)
            for sv, seq in latest.values() if sv.pubstatus == PubStatus.usable]
    if rows:
        conn.execute(search_docs.insert(), rows)


def reindex_all(conn: sa.Connection) -> int:
    """Rebuild the whole index on `conn` from the versions table; returns the stories indexed."""
    conn.execute(search_docs.delete())
    # Migration 0004 indexes existing stories before 0020 adds the variants column.
    columns = {c["name"] for c in sa.inspect(conn).get_columns("search_docs")}
    folds, tags = "variants" in columns, "tags" in columns
    # The version's announcing event (not an embargo lift, which may come later for the same version).
    announcing = (sa.select(sa.func.max(events.c.seq))
                  .where(events.c.guid == versions.c.guid, events.c.version == versions.c.version,
                         events.c.kind != EventKind.embargo_lift.value)
                  .scalar_subquery())
    query = (sa.select(versions.c.guid, versions.c.version, versions.c.content, versions.c.language,
                       versions.c.urgency, versions.c.version_created, versions.c.pubstatus,
                       versions.c.embargo, announcing.label("seq"))
             .join(stories, sa.and_(stories.c.guid == versions.c.guid,
                                    stories.c.current_version == versions.c.version))
             .where(versions.c.pubstatus == PubStatus.usable.value)
             .order_by(versions.c.guid).limit(_CHUNK))
    done, after = 0, None
    while True:  # keyset pages, so memory stays flat whatever the archive's size
        page = conn.execute(query if after is None else query.where(versions.c.guid > after)).all()
        if not page:
            break
        rows = [_doc(guid=r.guid, version=r.version, seq=r.seq, headline=r.content.get("headline", ""),
                     spot=r.content.get("spot") or "", body_html=r.content.get("body_html") or "",
                     language=r.language, categories=r.content.get("categories") or [],
                     dossier=r.content.get("dossier"), urgency=r.urgency, version_created=r.version_created,
                     pubstatus=r.pubstatus, embargo=r.embargo, folds=folds, tags=tags)
                for r in page if r.seq is not None]
        if rows:
            conn.execute(search_docs.insert(), rows)
        done += len(rows)
        after = page[-1].guid
    if conn.dialect.name == "sqlite":
        # Re-derive the FTS5 index from its content table: repairs it too if it had drifted.
        conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    return done


def rebuild(store: Store) -> int:
    """(Re)index every story's current version in one transaction; returns how many were indexed."""
    with store.write() as conn:
        return reindex_all(conn)


def _remove(conn: sa.Connection, guids: list[str]) -> None:
    for start in range(0, len(guids), _CHUNK):
        conn.execute(search_docs.delete().where(search_docs.c.guid.in_(guids[start:start + _CHUNK])))


def _doc(*, guid: str, version: int, seq: int, headline: str, spot: str, body_html: str, language: str,
         categories: Iterable[str], dossier: str | None, urgency: int, version_created: datetime,
         pubstatus: str, embargo: datetime | None, folds: bool = True, tags: bool = True) -> dict[str, Any]:
    body = html_to_text(body_html)[:BODY_INDEXED]
    doc = {"guid": guid, "version": version, "seq": seq, "headline": headline, "spot": spot,
           "body": body, "language": language,
           # one entry per category, so a facet counts a story once
           "categories": list(dict.fromkeys(categories)), "dossier": dossier, "urgency": urgency,
           "version_created": version_created, "pubstatus": pubstatus, "embargo": embargo}
    if folds:
        doc["variants"] = _variants(language, headline, spot, body[:VARIANTS_BODY])
    if tags:
        doc["tags"] = " ".join([*(filter_tag("category", c) for c in doc["categories"]),
                                filter_tag("language", language)])
    return doc


_TAG_PREFIX = {"category": "zc", "language": "zl"}


def filter_tag(kind: str, value: str) -> str:
    """The token `search_docs.tags` holds for a filter value (migration 0023 makes the same in SQL):
    a prefix and the value's UTF-8 bytes in hex, one alphanumeric word whatever the value holds,
    exact (hex keeps case and accents apart)."""
    return _TAG_PREFIX[kind] + value.encode().hex()


def _variants(language: str, *texts: str) -> str:
    """The texts folded for `language`, or "" when folding changes no word (most stories)."""
    folded = [fold_text(text, language) for text in texts]
    return "\n".join(folded) if folded != list(texts) else ""


# ---- searching ----------------------------------------------------------------------------------------


class SearchIndex:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = store.dialect

    def search(self, query: SearchQuery, company: CompanyAccess | None,
               now: datetime | None = None) -> SearchResult:
        """Hits, total and facets of `query` as `company` may see them at `now` (None: agency staff,
        who see everything indexed, embargoed copy included).

        Raises QueryError (a ValueError) for a query that cannot run; never for what a user typed
        otherwise.
        """
        now = now or utcnow()
        parsed = parse(query.q)
        empty = SearchResult(hits=[], total=0, facets={name: [] for name in FACETS} if query.facets else {})
        if company is not None and (not company.active or not company.product_ids):
            return empty  # the rule refuses everything: no need to ask the database
        d = search_docs
        conds = [d.c.pubstatus == PubStatus.usable.value, *_filters(query, self.dialect),
                 *_entitled(company, now)]
        fts, ref = _FTS, _FTS_REF
        if parsed is None:
            # browsing: newest first along ix_search_docs_created
            source: sa.FromClause = d
            score: sa.ColumnElement[Any] = sa.literal(0.0)
            newest: tuple[sa.ColumnElement[Any], ...] = (d.c.version_created.desc(), d.c.guid)
        elif self.dialect == "sqlite":
            source = d.join(fts, fts.c.rowid == d.c.id)
            conds.append(ref.op("MATCH")(sa.literal(_sqlite_match(parsed, query))))
            score = -sa.func.bm25(ref, *map(sa.literal_column, map(str, _BM25_WEIGHTS)))
            # FTS5 walks its doclists by rowid (= search_docs.id, the order stories were indexed) and
            # stops at the window: bm25 is computed for those rows only, with no sort of every match
            newest = (fts.c.rowid.desc(),)
        else:
            tsq = tsquery_expression(parsed)
            vector = sa.literal_column("search_docs.search_vector", postgresql.TSVECTOR())
            source = d
            conds.append(vector.op("@@")(tsq))
            score = sa.func.ts_rank(vector, tsq, 1)  # 1: divide by 1 + log(length), so long copy can't swamp
            newest = (d.c.id.desc(),)
        # The window: the newest WINDOW matches the reader may see, one statement. Ranking, the total
        # and the facets are made from it; the page's rows are then dressed (snippets) by id.
        # Ranking or counting every match cost time in proportion to the archive (a common word at
        # 100k stories: 340 ms, about ten times that at 1M); a news search wants the recent matches.
        # Raw values (no datetime or JSON decoding of 2,000 rows): time strings sort as times, and
        # category lists are decoded once per distinct list (`_facets`).
        window = (sa.select(d.c.id, score.label("score"), sa.type_coerce(d.c.version_created, sa.Text).label("at"),
                            d.c.guid, d.c.language, d.c.dossier, d.c.urgency,
                            *((sa.type_coerce(d.c.categories, sa.Text).label("categories"),) if query.facets else ()))
                  .select_from(source).where(*conds).order_by(*newest).limit(WINDOW + 1))
        try:
            with self.store.read() as conn:
                if self.dialect == "postgresql":
                    # one snapshot for both statements: the total and facets describe these hits
                    conn.execution_options(isolation_level="REPEATABLE READ")
                matched = conn.execute(window).all()
                ranked = matched[:WINDOW]
                if parsed is not None and ranked:  # best score first; ties newest first, then by guid
                    _, scores, ats, guids, *_ = zip(*ranked, strict=True)
                    order = sorted(range(len(ranked)), key=guids.__getitem__)  # stable sorts, keys in C
                    order.sort(key=ats.__getitem__, reverse=True)
                    order.sort(key=[score or 0.0 for score in scores].__getitem__, reverse=True)
                    ranked = [ranked[i] for i in order]
                page = ranked[query.offset:query.offset + query.limit]
                rows = {r.id: r for r in conn.execute(self._dressed([r.id for r in page], parsed))} if page else {}
        except sa.exc.OperationalError as exc:
            # Terms are quoted, so FTS5 should never reject one; if it does, it is still about the query.
            if "fts5" in str(exc.orig):
                raise QueryError(f"q: the search engine could not read this query ({exc.orig})") from None
            raise
        hits = []
        for m in page:
            r = rows[m.id]
            hits.append(SearchHit(guid=r.guid, version=r.version, headline=r.headline, spot=r.spot,
                                  snippet=_snippet(r.snippet if r.snippet and _START in r.snippet
                                                   else _folded_snippet(parsed, r.language, r.text, r.headline),
                                                   r.fallback),
                                  version_created=r.version_created, language=r.language,
                                  categories=tuple(r.categories), dossier=r.dossier, urgency=r.urgency,
                                  score=float(m.score or 0.0)))
        return SearchResult(hits=hits, total=len(ranked), facets=_facets(ranked) if query.facets else {},
                            total_exact=len(matched) <= WINDOW)

    def _dressed(self, ids: list[int], parsed: ParsedQuery | None) -> sa.Select[Any]:
        """The page's rows with what a hit shows: the snippet is costly, so only for these."""
        d = search_docs
        fts, ref = _FTS, _FTS_REF
        snippet: sa.ColumnElement[Any] = sa.null()
        text: sa.ColumnElement[Any] = sa.null()
        if parsed is not None:
            # the text as written, for marking the words a fold matched (`_folded_snippet`)
            text = sa.func.substr(d.c.spot + "\n" + d.c.body, 1, _HEADLINE_SOURCE)
        if parsed is not None and self.dialect == "sqlite":
            # snippet() needs a MATCH in its own statement: one over the original columns only, so it
            # never shows the folded text; no row (NULL) when only a fold matched
            snippet = (sa.select(sa.func.snippet(ref, -1, sa.literal(_START), sa.literal(_END), sa.literal("…"),
                                                 _SNIPPET_TOKENS))
                       .select_from(fts)
                       .where(ref.op("MATCH")(sa.literal(_marks_expression(parsed))), fts.c.rowid == d.c.id)
                       .scalar_subquery())
        elif parsed is not None:
            snippet = sa.func.ts_headline(_CFG, text, tsquery_expression(parsed), sa.literal(_PG_HEADLINE_OPTIONS))
        fallback = sa.func.substr(sa.case((d.c.spot != "", d.c.spot), else_=d.c.body), 1, _PLAIN_SNIPPET + 1)
        return sa.select(d.c.id, d.c.guid, d.c.version, d.c.headline, d.c.spot, d.c.version_created, d.c.language,
                         d.c.categories, d.c.dossier, d.c.urgency, snippet.label("snippet"), fallback.label("fallback"),
                         text.label("text")).where(d.c.id.in_(ids))


def _facets(rows: Sequence[sa.Row[Any]]) -> dict[str, list[FacetValue]]:
    """Each facet's values over the window's rows, the most frequent first."""
    if not rows:
        return {name: [] for name in FACETS}
    _, _, _, _, languages, dossiers, urgencies, lists = zip(*rows, strict=True)
    categories: Counter[str] = Counter()
    # a JSON text on SQLite, a list already on PostgreSQL; few distinct lists, so each is read once
    for raw, n in Counter(raw if isinstance(raw, str) else tuple(raw or ()) for raw in lists).items():
        for category in json.loads(raw) if isinstance(raw, str) else raw:
            categories[category] += n
    dossier = Counter(dossiers)
    dossier.pop(None, None)
    counts: dict[str, Counter[Any]] = {"category": categories, "language": Counter(languages), "dossier": dossier,
                                       "urgency": Counter(urgencies)}
    return {name: [FacetValue(value, count) for value, count in
                   sorted(held.items(), key=lambda item: (-item[1], str(item[0])))[:FACET_VALUES]]
            for name, held in counts.items()}


def _filters(query: SearchQuery, dialect: str) -> list[sa.ColumnElement[bool]]:
    d = search_docs
    out: list[sa.ColumnElement[bool]] = []
    if query.categories:
        element = _elements(d.c.categories, dialect)
        out.append(sa.exists(sa.select(sa.literal(1)).select_from(element)
                             .where(element.c.value.in_(query.categories))))
    if query.languages:
        out.append(d.c.language.in_(query.languages))
    if query.dossiers:
        out.append(d.c.dossier.in_(query.dossiers))
    if query.urgency_max is not None:
        out.append(d.c.urgency <= query.urgency_max)
    if query.guids:
        out.append(d.c.guid.in_(query.guids))
    if query.date_from is not None:
        out.append(d.c.version_created >= query.date_from)
    if query.date_to is not None:
        out.append(d.c.version_created <= query.date_to)
    return out


def _entitled(company: CompanyAccess | None, now: datetime) -> list[sa.ColumnElement[bool]]:
    """`may_see` as SQL (inactive companies and empty product sets are refused before this)."""
    if company is None:
        return []
    d = search_docs

    def reached(ids: Iterable[int]) -> sa.ColumnElement[bool]:
        return sa.exists().where(event_products.c.seq == d.c.seq, event_products.c.notice.is_(False),
                                 event_products.c.product_id.in_(sorted(ids)))

    # A product with an archive window grants only versions created within it (CompanyAccess.windows).
    by_days: dict[int, set[int]] = {}
    for product_id, days in company.windows:
        by_days.setdefault(days, set()).add(product_id)
    unbounded = company.product_ids - {p for ids in by_days.values() for p in ids}
    grants = [reached(unbounded)] if unbounded else []
    grants += [sa.and_(d.c.version_created >= now - timedelta(days=days), reached(ids))
               for days, ids in sorted(by_days.items())]
    out: list[sa.ColumnElement[bool]] = [sa.or_(*grants)]
    if not company.may_receive_embargoed:
        out.append(sa.or_(d.c.embargo.is_(None), d.c.embargo <= now))
    return out


def _elements(column: sa.ColumnElement[Any], dialect: str) -> sa.TableValuedAlias:
    """The strings of a JSON array column, as rows with a `value` column."""
    if dialect == "postgresql":
        return sa.func.jsonb_array_elements_text(column).table_valued("value")
    return sa.func.json_each(column).table_valued("value")


def _folded_snippet(parsed: ParsedQuery | None, language: str, *texts: str | None) -> str | None:
    """A fragment of the first text with a word whose fold a query word's fold meets, the words
    marked, as written: for a hit the engine could not mark because only a fold matched."""
    if parsed is None:
        return None
    whole: set[str] = set()
    prefixes: list[str] = []
    for t in (t for g in parsed.groups for t in g):
        keys = [match_key(w) for w in WORD.findall(fold_text(t.text))]
        if t.prefix:
            prefixes.extend(keys)
        else:
            whole.update(keys)

    def wanted(word: str) -> bool:
        key = match_key(word, language)
        return key in whole or any(key.startswith(p) for p in prefixes)

    for text in texts:
        if not text:
            continue
        words = list(WORD.finditer(text))
        hits = [i for i, w in enumerate(words) if wanted(w.group())]
        if not hits:
            continue
        first = max(0, hits[0] - _SNIPPET_TOKENS // 4)
        shown = words[first:first + _SNIPPET_TOKENS]
        start, end = shown[0].start(), shown[-1].end()
        out, at = [], start
        for i in (i for i in hits if first <= i < first + _SNIPPET_TOKENS):
            out += [text[at:words[i].start()], _START, words[i].group(), _END]
            at = words[i].end()
        out.append(text[at:end])
        return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
    return None


def _snippet(marked: str | None, fallback: str | None) -> str:
    """HTML for a hit: the marked fragment, or the start of the spot when browsing."""
    if marked and _START in marked:
        return html.escape(marked).replace(_START, "<mark>").replace(_END, "</mark>")
    text = (fallback or "").strip()
    if len(text) > _PLAIN_SNIPPET:
        text = text[:_PLAIN_SNIPPET].rsplit(" ", 1)[0] + " …"
    return html.escape(text)


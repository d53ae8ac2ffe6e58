"""GET /v1/search: full-text search with facets over the stories a key's company may see.

The query language, the filters, the ranking and the entitlement rule are those of
`newsflow.store.search` (the rule of `wire.entitlement.may_see`, applied in SQL to hits and facet
counts alike). This module turns HTTP parameters into a `SearchQuery`, names the parameter in every
400, renders each hit's item in the asked format and records the deliveries in the usage log.

Agency staff (a staff token) may search too: they see every live story, embargoed copy included.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from starlette.exceptions import HTTPException

from newsflow.formats.base import render_each
from newsflow.formats.registry import render
from newsflow.model import EventKind, PubStatus
from newsflow.services import Services
from newsflow.store import User
from newsflow.store.search import MAX_LIMIT, MAX_OFFSET, WINDOW, QueryError, SearchHit, SearchQuery, SearchResult
from newsflow.store.tables import events, stories
from newsflow.web.api.subscriber import JSON_FORMATS, _actor, _bearer, _products, company
from newsflow.web.conditional import cached
from newsflow.web.deps import services, staff
from newsflow.wire.entitlement import CompanyAccess
from newsflow.wire.subscribers import KEY_PREFIX
from newsflow.wire.usage import Use

router = APIRouter(prefix="/v1", tags=["search"])

# The names SearchQuery uses in its messages, as the API's parameters are called.
_PARAMETERS = {"categories": "category", "dossiers": "dossier", "languages": "language",
               "urgency_max": "urgency", "date_from": "from", "date_to": "to"}
_NAMES = re.compile(r"\b(" + "|".join(_PARAMETERS) + r")\b")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A "+01:00" offset typed into a URL unencoded arrives as " 01:00": put the plus back.
_LOST_PLUS = re.compile(r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)")


def searcher(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
             svc: Services = Depends(services)) -> User | CompanyAccess:
    """A subscriber (company API key, rate-limited) or agency staff (staff token).

    Without any credentials the answer asks for an API key: subscribers are who this is for.
    """
    if creds is None or creds.credentials.startswith(KEY_PREFIX):
        return company(request, creds, svc)
    return staff(creds, svc)


def _when(raw: str | None, name: str) -> date | datetime | None:
    """`2026-03-01` (that whole UTC day) or an ISO 8601 time with a zone (`2026-03-01T12:00:00Z`)."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    if _DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    else:
        lost = _LOST_PLUS.fullmatch(value)
        if lost:
            value = f"{lost[1]}+{lost[2]}"
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is None:
                raise HTTPException(422, f"{name}: a time needs a time zone, e.g. 2026-03-01T12:00:00Z; "
                                         f"got {raw!r}")
            return moment
    raise HTTPException(422, f"{name}: expected a date (2026-03-01) or a time with a zone "
                             f"(2026-03-01T12:00:00Z), got {raw!r}")


def _bad_request(exc: QueryError) -> HTTPException:
    return HTTPException(422, _NAMES.sub(lambda m: _PARAMETERS[m[1]], str(exc)))


@router.get("/search", responses={200: {"content": {"application/json": {}}},
                                  304: {"description": "Not modified (If-None-Match)"}})
def search(
    request: Request,
    q: str = Query("", description='Words (all must match), "a phrase", -excluded, a OR b, prefix*. '
                                   "Blank: browse the filters, newest first."),
    category: list[str] = Query([], description="Exact category, as the facets list it; repeat for any of several."),
    dossier: list[str] = Query([], description="Exact dossier; repeat for any of several."),
    language: list[str] = Query([], description="Exact language tag (en, en-GB, tr); repeat for any of several."),
    urgency: int | None = Query(None, ge=1, le=9, description="Most urgent first: at most this urgency (1 flash)."),
    from_: str | None = Query(None, alias="from", description="Created on or after: 2026-03-01 or a time with zone."),
    to: str | None = Query(None, description="Created on or before: 2026-03-01 (the whole day) or a time with zone."),
    products: str | None = Query(None, description="Narrow to some of your product ids: 1,4"),
    facets: bool = Query(True, description="Count category, language, dossier and urgency over the matches "
                                           f"(the newest {WINDOW:,} when there are more)."),
    limit: int = Query(20, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=f"Hits to skip (at most {MAX_OFFSET})."),
    format: str = Query("ninjs", description=f"Item format: {', '.join(JSON_FORMATS)}."),
    who: User | CompanyAccess = Depends(searcher),
    svc: Services = Depends(services),
) -> Response:
    """Stories matching a query, best first, each with a highlighted snippet and its item; the total
    and facet counts cover only what your products let you see.

    A search ranks, counts and facets the newest 2,000 matches you may see: with more, `total` is
    2,000 and `total_exact` is false (narrow by words, filters or dates to reach older ones)."""
    if format not in JSON_FORMATS:
        raise HTTPException(422, f"format {format!r}: search speaks {', '.join(JSON_FORMATS)}; "
                                 "other formats are at /v1/items/{guid}?format=…")
    access = who if isinstance(who, CompanyAccess) else None
    if products:
        if access is None:
            raise HTTPException(422, "products: narrows a company's products; staff search sees every story")
        narrowed = _products(products, access)
        if narrowed:
            access = dataclasses.replace(access, product_ids=narrowed)
    date_from, date_to = _when(from_, "from"), _when(to, "to")
    try:
        query = SearchQuery(q=q, categories=category, dossiers=dossier, languages=language, urgency_max=urgency,
                            date_from=date_from, date_to=date_to, limit=limit, offset=offset, facets=facets)
        result = svc.search.search(query, access)
    except QueryError as exc:
        raise _bad_request(exc) from None
    body, delivered = _body(svc, result, query, format)
    if access is not None:
        svc.usage.record([Use(access.id, _actor(request), guid, version, "search", format)
                          for guid, version in delivered])
    return cached(request, body, "application/json", {"Cache-Control": "private, no-cache", "Vary": "Authorization"})


def _body(svc: Services, result: SearchResult, query: SearchQuery, fmt: str) -> tuple[bytes, list[tuple[str, int]]]:
    """The response's bytes, and the (guid, version) of every item in it."""
    keys = [(h.guid, h.version) for h in result.hits]
    found = svc.store.get_versions(keys)
    seqs, withdrawn = _seqs_and_withdrawn(svc, result.hits)
    # A kill committed between the search and now: the story must not go out, even from this page.
    live = [h for h in result.hits if h.guid not in withdrawn and (h.guid, h.version) in found]
    # a story that cannot be rendered is left out (and logged), not the page
    rendered = list(render_each(live, lambda h: render(found[(h.guid, h.version)], fmt, svc.render_context),
                                "search results"))
    shown = [hit for hit, _ in rendered]
    total = max(0, result.total - (len(result.hits) - len(shown)))
    parts = []
    for rank, (hit, item) in enumerate(rendered, start=query.offset + 1):
        head = json.dumps({"guid": hit.guid, "version": hit.version, "seq": seqs.get((hit.guid, hit.version)),
                           "rank": rank, "score": hit.score, "snippet": hit.snippet},
                          ensure_ascii=False, separators=(",", ":"))
        parts.append(head[:-1].encode() + b',"item":' + item + b"}")
    facets = {name: [{"value": f.value, "count": f.count} for f in values] for name, values in result.facets.items()}
    tail = json.dumps(facets, ensure_ascii=False, separators=(",", ":")).encode()
    body = (b'{"total":%d,"total_exact":%s,"offset":%d,"limit":%d,"hits":[%s],"facets":%s}'
            % (total, b"true" if result.total_exact else b"false", query.offset, query.limit, b",".join(parts), tail))
    return body, [(h.guid, h.version) for h in shown]


def _seqs_and_withdrawn(svc: Services, hits: list[SearchHit]) -> tuple[dict[tuple[str, int], int], set[str]]:
    """Each hit's announcing event (the seq the feed and stream know it by), and the hits' stories
    that are no longer live."""
    if not hits:
        return {}, set()
    keys = [(h.guid, h.version) for h in hits]
    announcing = (sa.select(events.c.guid, events.c.version, sa.func.min(events.c.seq))
                  .where(sa.tuple_(events.c.guid, events.c.version).in_(keys),
                         events.c.kind != EventKind.embargo_lift.value)
                  .group_by(events.c.guid, events.c.version))
    gone = sa.select(stories.c.guid).where(stories.c.guid.in_({h.guid for h in hits}),
                                           stories.c.pubstatus != PubStatus.usable.value)
    with svc.store.read() as conn:
        seqs = {(guid, version): seq for guid, version, seq in conn.execute(announcing)}
        withdrawn = set(conn.execute(gone).scalars())
    return seqs, withdrawn

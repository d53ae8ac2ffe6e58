"""The public website: the public portion of the wire, summarized, with the way to subscribe.

No login. What it shows comes only through `newsflow.public` (the one rule, the one summary); the
body of a story never reaches a public page, feed or sitemap. Sections, dossiers, search and feeds
reach the whole archive a page at a time: each page links the next, older one (`?before=cursor`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain, islice
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from newsflow.errors import FieldError, NotFound
from newsflow.formats.base import render_each
from newsflow.model import StoryVersion, utcnow
from newsflow.public import BadCursor, Cursor, SearchCursor, summarize
from newsflow.public import slug as make_slug
from newsflow.public.paging import FIELD as CURSOR
from newsflow.public.subscriptions import INTERESTS, validate
from newsflow.ranges import whole_number
from newsflow.services import Services
from newsflow.web import i18n, sessions
from newsflow.web.deps import services
from newsflow.web.guid_paths import Guid, segment
from newsflow.web.i18n import N_
from newsflow.web.public import feeds as public_feeds
from newsflow.web.public import seo
from newsflow.web.public.memory import rendered
from newsflow.web.templating import cached, page, private_page

router = APIRouter(include_in_schema=False)
FEED_SIZE = 50
# The sections and dossiers a sitemap names: those of this many newest stories (every older one is
# reached through the pages' "older" links and, story by story, in the sitemap itself).
SITEMAP_RECENT = 300
# what the public site is, under every story and in the feeds' description
DISCLAIMER = N_("This website shows only a selection of the stories that %(agency)s sends to its subscribers on "
                "the news wire, and only in shortened form. The full copy, photos and every other story are "
                "available with a subscription.")


@dataclass(frozen=True)
class Photo:
    media_id: str
    src: str
    alt: str
    caption: str
    credit: str
    width: int | None
    height: int | None


class View:
    """A version as the public pages see it: its fields plus where it lives on the site."""

    def __init__(self, version: StoryVersion, url: str) -> None:
        self._version = version
        self.public_url = url

    def __getattr__(self, name: str) -> Any:
        return getattr(self._version, name)


def story_path(v: StoryVersion) -> str:
    # the guid as one encoded segment (an ingested guid may be a URL: newsflow.web.guid_paths)
    return f"/news/{segment(v.guid)}/{quote(make_slug(v.headline))}"


def _view(v: StoryVersion) -> View:
    return View(v, story_path(v))


def lead_photo(svc: Services, v: StoryVersion) -> Photo | None:
    """The lead photo, for the page and for /photo.jpg alike: the first that is one of ours (remote
    pictures belong to the sending agency) and has a preview (the public copy is the preview,
    watermarked)."""
    for p in v.photos:
        if not p.media_id:
            continue
        record = svc.media.lookup(p.media_id)
        preview = (record or {}).get("renditions", {}).get("preview")
        if preview is None:
            continue
        return Photo(media_id=p.media_id, src=f"/news/{segment(v.guid)}/photo.jpg",
                     alt=p.alt or p.caption or p.title or v.headline, caption=p.caption, credit=p.credit,
                     width=preview.get("width"), height=preview.get("height"))
    return None


def _summary(svc: Services, v: StoryVersion) -> str:
    return summarize(v, svc.settings.summary_words)


# ---- pages -----------------------------------------------------------------------------------------


@router.get("/")
def home(request: Request, svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _home(request, svc))


def _home(request: Request, svc: Services) -> Response:
    stories = svc.public.stories(limit=60)
    sections: dict[str, dict[str, Any]] = {}
    for v in stories:  # each story once, under its first category, so the page is not a list of repeats
        name = v.categories[0] if v.categories else "News"
        section = sections.setdefault(name.casefold(), {"name": name, "href": f"/category/{quote(name)}",
                                                        "stories": []})
        section["stories"].append(_view(v))
    dossiers: dict[str, dict[str, Any]] = {}
    for v in stories:
        if v.dossier:
            box = dossiers.setdefault(v.dossier.casefold(), {"name": v.dossier, "stories": [],
                                                             "href": f"/dossier/{quote(v.dossier)}"})
            if len(box["stories"]) < 3:
                box["stories"].append(_view(v))
    base = svc.settings.base_url
    return page(request, "home.html", sections=list(sections.values()), dossiers=list(dossiers.values())[:6],
                canonical=base + "/", json_ld=seo.home_json_ld(svc.settings),
                og=seo.social(svc.settings, kind="website", url=base + "/"))


@router.get("/category/{name}")
def category(name: str, request: Request, svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _paged(request, lambda: _listing(request, svc, category=name)))


@router.get("/dossier/{name}")
def dossier(name: str, request: Request, svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _paged(request, lambda: _listing(request, svc, dossier=name)))


def _paged(request: Request, build: Callable[[], Response]) -> Response:
    """`build()`'s answer; a cursor this site did not make answers 400 saying what is wrong with it."""
    try:
        return build()
    except BadCursor as exc:
        t = i18n.request_translator(request)
        return page(request, "message.html", status=400, heading=t.gettext("This page address is not valid"),
                    text=str(exc), cache="no-store",
                    noindex=True)


def _older(request: Request, token: str | None, **query: str) -> str | None:
    """The address of the next, older page: this one's with the cursor."""
    return None if token is None else f"{request.url.path}?{urlencode({**query, CURSOR: token})}"


def _listing(request: Request, svc: Services, *, category: str | None = None, dossier: str | None = None
             ) -> Response:
    """A section's or a dossier's page: its public stories, under the name as the stories spell it,
    and the link to the older ones."""
    raw = request.query_params.get(CURSOR)
    before = None if raw is None else Cursor.parse(raw)
    found = svc.public.page(category=category, dossier=dossier, before=before)
    stories = found.stories
    if not stories and before is None:
        raise NotFound("no such section" if category else "no such dossier")
    if category:
        label = next((c for v in stories[:1] for c in v.categories if c.casefold() == category.casefold()), category)
        kind = "category"
    else:
        label, kind = (stories[0].dossier if stories else None) or dossier or "", "dossier"
    canonical = f"{svc.settings.base_url}/{kind}/{quote(label)}"
    if raw is not None:  # an older page is its own address
        canonical += f"?{urlencode({CURSOR: raw})}"
    return page(request, "list.html", heading=label, stories=[_view(v) for v in stories], canonical=canonical,
                searching=False, q="", older=_older(request, found.older))


@router.get("/search")
def search(request: Request, q: str = "", svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _paged(request, lambda: _search(request, q, svc)))


def _search(request: Request, q: str, svc: Services) -> Response:
    q = q.strip()[:200]
    raw = request.query_params.get(CURSOR)
    before = None if raw is None else SearchCursor.parse(raw)
    older = None
    try:
        found = svc.public.search_page(q, before=before) if q else None
    except ValueError:  # a query the engine cannot read: shown as no results, never as an error page
        found = None
    stories = found.stories if found else []
    if found and found.older:
        older = _older(request, found.older, q=q)
    t = i18n.request_translator(request)
    heading = t.gettext("Results for “%(q)s”", q=q) if q else t.gettext("Search")
    return page(request, "list.html", heading=heading, stories=[_view(v) for v in stories], searching=True,
                q=q, noindex=True, cache="public, max-age=30", older=older)


def _moved(path: str) -> Response:
    """Permanent for search engines, but not cached for ever: a later update moves the slug again,
    and a kill must answer 410 at this address within a minute."""
    return RedirectResponse(path, 301, headers={"Cache-Control": "public, max-age=60"})


@router.get("/news/{guid}")
def story_redirect(guid: Guid, svc: Services = Depends(services)) -> Response:
    return _moved(story_path(svc.public.story(guid)))


@router.get("/news/{guid}/photo.jpg")
def story_photo(guid: Guid, svc: Services = Depends(services)) -> Response:
    """The lead photo, watermarked. Reached through the story, so a picture of a story that is not
    public (or not yet) is never served here."""
    photo = lead_photo(svc, svc.public.story(guid))
    if photo is None:
        raise NotFound("no photo")
    path = svc.media.watermarked(photo.media_id, svc.settings.agency_name)
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "public, max-age=300"})


@router.get("/news/{guid}/{slug}")
def story(guid: Guid, slug: str, request: Request, svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _story(guid, slug, request, svc))


def _story(guid: str, slug: str, request: Request, svc: Services) -> Response:
    v = svc.public.story(guid)
    path = story_path(v)
    if quote(slug) != path.rsplit("/", 1)[1]:  # a changed headline keeps old links working
        return _moved(path)
    base = svc.settings.base_url
    summary = _summary(svc, v)
    photo = lead_photo(svc, v)
    translations = [_view(t) for t in svc.public.translations(v)]
    alternates = [{"lang": v.language, "href": base + path}] + [
        {"lang": t.language, "href": base + t.public_url} for t in translations]
    json_ld: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "NewsArticle", "headline": v.headline[:110],
        "description": v.spot or summary[:300], "datePublished": v.first_published.isoformat(),
        "dateModified": v.version_created.isoformat(), "inLanguage": v.language,
        "mainEntityOfPage": base + path, "articleSection": v.categories,
        "author": [{"@type": "Person", "name": c.name} for c in v.contributors] or
                  [{"@type": "Organization", "name": svc.settings.agency_name}],
        "publisher": seo.organization(svc.settings),
        "isAccessibleForFree": True}
    if photo:
        json_ld["image"] = [base + photo.src]
    if v.dateline:
        json_ld["locationCreated"] = {"@type": "Place", "name": v.dateline}
    # the page speaks the story's language when the interface has it, so lang/dir fit the text
    lang = v.language.split("-")[0] if v.language.split("-")[0] in i18n.LANGUAGES else None
    return page(request, "story.html", lang=lang, disclaimer=DISCLAIMER, s=_view(v), summary=summary, photo=photo,
                translations=translations, canonical=base + path, alternates=alternates, json_ld=json_ld,
                og=seo.social(svc.settings, kind="article", url=base + path,
                              image=base + photo.src if photo else None, language=v.language),
                story_dir=i18n.direction(v.language))


# ---- subscription requests ------------------------------------------------------------------------------


def _form(request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    return private_page(request, "subscribe.html", status=status, values=values, errors=errors,
                        interests=INTERESTS)


@router.get("/subscribe")
def subscribe_form(request: Request) -> Response:
    return _form(request, {}, {})


@router.post("/subscribe", dependencies=[Depends(sessions.require_csrf)])
async def subscribe(request: Request, svc: Services = Depends(services)) -> Response:
    address = request.client.host if request.client else "unknown"
    wait = svc.subscribe_limiter.take(address)
    lang = i18n.negotiate(request)
    t = i18n.translator(lang)  # the language is stored with the request too
    if wait:
        response = page(request, "message.html", status=429, heading=t.gettext("Not allowed"),
                        text=t.gettext("Too many requests from your address; please try again in a minute."),
                        cache="no-store", noindex=True)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    form = await request.form()
    if str(form.get("website") or "").strip():
        # a bot filled the hidden field: answer as if it worked, so it learns nothing; store nothing
        return RedirectResponse("/subscribe/thanks", 303)
    raw: dict[str, Any] = {name: form.get(name) for name in ("organisation", "name", "email", "country", "message")}
    raw["interests"] = [v for v in form.getlist("interests") if isinstance(v, str)]
    values, errors = validate(raw)
    if errors:
        return _form(request, values, errors, status=422)
    svc.subscription_requests.add(values, language=lang)
    return RedirectResponse("/subscribe/thanks", 303)


@router.get("/subscribe/thanks")
def thanks(request: Request) -> Response:
    t = i18n.request_translator(request)
    return page(request, "message.html", heading=t.gettext("Thank you"),
                text=t.gettext("We have your request and will reply by e-mail within two working days."), noindex=True)


# ---- feeds and sitemaps ------------------------------------------------------------------------------------


def _xml(request: Request, body: bytes, media_type: str) -> Response:
    return cached(request, body, media_type, {"Cache-Control": "public, max-age=120"})


def _abs(svc: Services) -> public_feeds.Url:
    return lambda v: svc.settings.base_url + story_path(v)


@router.get("/feed.{kind}")
def feed(kind: str, request: Request, svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _paged(request, lambda: _feed(kind, request, svc)))


def _feed(kind: str, request: Request, svc: Services) -> Response:
    """/feed.atom, /feed.rss and /feed.json: the latest public stories, summarized; each page links
    the next, older one, through the whole archive."""
    if kind not in public_feeds.FEEDS:
        raise NotFound("no such feed")
    raw = request.query_params.get(CURSOR)
    found = svc.public.page(limit=FEED_SIZE, before=None if raw is None else Cursor.parse(raw))
    render, media_type = public_feeds.FEEDS[kind]
    disclaimer = i18n.translator("en").gettext(DISCLAIMER, agency=svc.settings.agency_name)
    about = public_feeds.Feed(title=svc.settings.agency_name, base=svc.settings.base_url,
                              description=disclaimer, ctx=svc.render_context,
                              query="" if raw is None else f"?{urlencode({CURSOR: raw})}",
                              older=_older(request, found.older))
    body = render(found.stories, about, _abs(svc), lambda v: _summary(svc, v))
    return _xml(request, body, media_type)


def _sitemap_pages(svc: Services) -> Iterator[public_feeds.Page]:
    """Every address a search engine should know: the home page, the sections and dossiers the site
    lists (those of the newest SITEMAP_RECENT stories), then every public story."""
    base = svc.settings.base_url
    recent = svc.public.stories(limit=SITEMAP_RECENT)
    yield base + "/", recent[0].version_created if recent else None
    for name in svc.public.categories(recent):
        yield f"{base}/category/{quote(name)}", None
    for name in dict.fromkeys(v.dossier for v in recent if v.dossier):
        yield f"{base}/dossier/{quote(name)}", None
    for v, path in render_each(svc.public.archive(), story_path, "sitemap"):
        yield base + path, v.version_created


@router.get("/sitemap.xml")
def sitemap(request: Request, svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _sitemap(request, svc))


def _sitemap(request: Request, svc: Services) -> Response:
    """The sitemap; past the protocol's limit of URLs, the index of numbered sitemaps instead."""
    limit = public_feeds.SITEMAP_URLS
    pages = _sitemap_pages(svc)
    first = list(islice(pages, limit + 1))
    if len(first) <= limit:
        return _xml(request, public_feeds.sitemap(first), "application/xml")
    newest: list[datetime | None] = []  # of each numbered sitemap; the rest is counted, not kept
    for i, (_, modified) in enumerate(chain(first, pages)):
        if i % limit == 0:
            newest.append(None)
        if modified and (newest[-1] is None or modified > newest[-1]):
            newest[-1] = modified
    parts = [(f"{svc.settings.base_url}/sitemap-{n}.xml", m) for n, m in enumerate(newest, 1)]
    return _xml(request, public_feeds.sitemap_index(parts), "application/xml")


@router.get("/sitemap-{number}.xml")
def sitemap_part(number: str, request: Request, svc: Services = Depends(services)) -> Response:
    return rendered(request, svc, lambda: _sitemap_part(number, request, svc))


def _sitemap_part(number: str, request: Request, svc: Services) -> Response:
    """The numbered sitemaps the index names: the same addresses, `SITEMAP_URLS` at a time."""
    try:  # far beyond any real count: islice cannot even start past sys.maxsize
        start = (whole_number(number, "number", low=1, high=10**9) - 1) * public_feeds.SITEMAP_URLS
    except FieldError:
        raise NotFound("no such sitemap") from None
    pages = list(islice(_sitemap_pages(svc), start, start + public_feeds.SITEMAP_URLS))
    if not pages:
        raise NotFound("no such sitemap")
    return _xml(request, public_feeds.sitemap(pages), "application/xml")


@router.get("/news-sitemap.xml")
def news_sitemap(request: Request, svc: Services = Depends(services)) -> Response:
    """Google News: stories first published in the last two days, the newest 1,000 at most (not kept
    among the rendered pages: it changes with the clock too)."""
    since = utcnow() - timedelta(days=public_feeds.NEWS_SITEMAP_DAYS)
    recent = sorted(svc.public.archive(since=since), key=lambda v: v.first_published, reverse=True)
    body = public_feeds.news_sitemap(recent[:public_feeds.NEWS_SITEMAP_URLS], publication=svc.settings.agency_name,
                                     url=_abs(svc))
    return _xml(request, body, "application/xml")

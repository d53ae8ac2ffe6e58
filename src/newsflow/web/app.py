"""The ASGI application: API routers, pages, and the background work a node does (embargo lifts)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError

from newsflow import __version__
from newsflow.ingest.poll import FeedPoller
from newsflow.node import start_node, stop_node
from newsflow.ops import health
from newsflow.ops.requests import RequestLog
from newsflow.services import Services
from newsflow.web import contract, errors, fastfeed, security_headers
from newsflow.web.account.login import router as login_router
from newsflow.web.account.reset import router as reset_router
from newsflow.web.account.settings import router as account_router
from newsflow.web.admin import routes as admin_face
from newsflow.web.api import admin, ingest, items, media, newsroom, queue, search, subscriber, users, webhooks
from newsflow.web.api import docs as api_docs
from newsflow.web.desk.editor import router as desk_editor_router
from newsflow.web.desk.live import LiveView
from newsflow.web.desk.routes import router as desk_router
from newsflow.web.fastfeed import FastFeed
from newsflow.web.guid_paths import GuidPaths
from newsflow.web.limits import BodyLimit
from newsflow.web.portal.company import router as company_router
from newsflow.web.portal.routes import router as portal_router
from newsflow.web.public import site as public_site
from newsflow.web.public.memory import RenderedPages, ServeRendered
from newsflow.web.templating import STATIC

log = logging.getLogger("newsflow")


async def _lift_embargoes(svc: Services, every: float = 1.0) -> None:
    """Append the lift event when an embargo ends. Several nodes may race; the log's unique
    (guid, version, kind) constraint lets exactly one of them win."""
    while True:
        try:
            await asyncio.to_thread(svc.newsroom.lift_embargoes)
        except IntegrityError:
            pass  # another node lifted it first
        except Exception:  # keep the node serving; the next tick retries
            log.exception("embargo lift failed")
        await asyncio.sleep(every)


class RawSend:
    """Outermost ASGI layer: keeps the server's own `send` in the scope for the event stream."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope.setdefault(subscriber.RAW_SEND, send)  # ops.requests, outermost, may have put it there
        await self.app(scope, receive, send)


def create_app(svc: Services | None = None) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if svc is None:
            app.state.services = Services.open()
        services: Services = app.state.services
        await services.bus.start()
        node = await asyncio.to_thread(start_node, services)  # before the dispatcher: claims carry its id
        await services.follower.start()
        live = app.state.desk_live = LiveView(services.store)
        services.follower.handlers.append(live.on_events)
        services.alerts.done_seq = services.follower.last_seq  # alerts start where the follower does
        await services.dispatcher.start()
        tasks = [asyncio.create_task(_lift_embargoes(services)), asyncio.create_task(services.follower.run()),
                 asyncio.create_task(services.hub.heartbeats()), asyncio.create_task(services.hub.watch_access()),
                 asyncio.create_task(services.usage.flush_every(services.settings.usage_flush_every))]
        tasks.append(asyncio.create_task(services.alerts.run()))
        # a public product or the urgency clause changed on another node: seen on the follower's beat
        tasks.append(asyncio.create_task(services.public.watch_rule(services.settings.log_poll_every)))
        tasks.append(asyncio.create_task(services.archive.run()))
        if services.mailer is not None:
            tasks.append(asyncio.create_task(services.mailer.run()))
        tasks += [asyncio.create_task(FeedPoller(services.ingestor, url, every=services.settings.poll_every).run())
                  for url in services.settings.poll_feeds]
        try:
            yield
        finally:
            services.follower.handlers.remove(live.on_events)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await services.dispatcher.close()
            await asyncio.to_thread(stop_node, services, node)
            await services.bus.close()
            if svc is None:
                app.state.services.close()

    # telemetry off: no OpenTelemetry is set up, and its per-request check is a measurable share of a
    # plain feed page's time (with logs left on, FastAPI asks OpenTelemetry for a logger provider on
    # every request, which reads the environment: 5 % of the app's CPU for a feed page, 2026-12-03)
    # docs_url/redoc_url off: FastAPI's pages load their viewers from a CDN; web.api.docs serves them offline
    app = FastAPI(title="Newsflow", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False},
                  description="News agency broadcasting system: newsroom, distribution log, subscriber API.")
    if svc is not None:
        app.state.services = svc
    errors.install(app)
    security_headers.install(app)  # around everything else: every answer carries CSP, no-framing, nosniff …
    contract.install(app)  # /openapi.json lists every status a route answers
    app.add_middleware(RawSend)
    app.state.public_pages = RenderedPages()
    app.add_middleware(ServeRendered, pages=app.state.public_pages)  # a rendered public page never enters the framework
    # above it: a plain feed page skips ServeRendered's page look-up too (a fifth of the page's CPU, 2026-12-02)
    app.add_middleware(FastFeed)
    app.add_middleware(BodyLimit)  # every body is limited, and credentials known before it is read
    # a guid's %2F stays in its path segment, for routing and for every layer under it that reads the path
    app.add_middleware(GuidPaths)
    # outermost: every answer, the fast paths' and the refusals' too, gets a request id, a log line, a timing
    app.add_middleware(RequestLog, paths={fastfeed.PATH: fastfeed.PATH},
                       subtrees={"/static/": "/static/{path}", f"{api_docs.ASSETS}/": f"{api_docs.ASSETS}/{{path}}"})
    app.include_router(health.router)
    app.include_router(newsroom.router)
    app.include_router(items.router)
    app.include_router(ingest.router)
    app.include_router(subscriber.router)
    app.include_router(queue.router)
    app.include_router(search.router)
    app.include_router(admin.router)
    app.include_router(users.router)
    app.include_router(webhooks.router)
    app.include_router(media.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    api_docs.install(app)
    app.include_router(public_site.router)
    app.include_router(login_router)
    app.include_router(account_router)
    app.include_router(reset_router)
    app.include_router(desk_router)
    app.include_router(desk_editor_router)  # the editor's clean and preview helpers
    app.include_router(admin_face.router)
    app.include_router(portal_router)
    app.include_router(company_router)
    return app

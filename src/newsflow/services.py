"""The running system's parts, built once from Settings and shared by the web app and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsflow.accounts import generated_password
from newsflow.alerts import AlertMailer, Alerts
from newsflow.auth import hash_password
from newsflow.bus import Bus, open_bus
from newsflow.config import Settings
from newsflow.formats.base import RenderContext
from newsflow.ingest import Ingestor, vocabulary
from newsflow.mail import SmtpServer
from newsflow.model import Event
from newsflow.newsroom import MediaLibrary, Newsroom
from newsflow.ops.metrics import Metrics
from newsflow.ops.state import families
from newsflow.portal import Portal
from newsflow.private import private_dir
from newsflow.provenance import RenditionSigner
from newsflow.public import PublicSite
from newsflow.public.subscriptions import SubscriptionRequests
from newsflow.store import Store
from newsflow.store.search import SearchIndex
from newsflow.web.ratelimit import RateLimiter
from newsflow.wire.archive import ArchiveStamper
from newsflow.wire.feed import forget_killed, forget_stamps
from newsflow.wire.follower import Handler, LogFollower
from newsflow.wire.stream import StreamCaps, StreamHub
from newsflow.wire.subscribers import Subscribers
from newsflow.wire.targets import TargetGuard
from newsflow.wire.usage import UsageLog
from newsflow.wire.webhooks import WebhookDispatcher, WebhookService

ADMIN_EMAIL = "admin@newsflow.local"


@dataclass
class Services:
    settings: Settings
    store: Store
    newsroom: Newsroom
    media: MediaLibrary
    ingestor: Ingestor
    render_context: RenderContext
    subscribers: Subscribers
    bus: Bus
    follower: LogFollower
    hub: StreamHub
    limiter: RateLimiter
    usage: UsageLog
    search: SearchIndex
    webhooks: WebhookService
    dispatcher: WebhookDispatcher
    public: PublicSite
    subscription_requests: SubscriptionRequests
    subscribe_limiter: RateLimiter  # per client address, for the public form
    portal: Portal
    alerts: Alerts
    mailer: AlertMailer | None  # None: no SMTP server configured, alerts stay in the portal
    archive: ArchiveStamper  # gives new and changed products their archive, in the background
    metrics: Metrics = field(default_factory=Metrics)  # this node's own registry (newsflow.ops)

    @classmethod
    def open(cls, settings: Settings | None = None, *, migrate: bool = True) -> Services:
        settings = settings or Settings()
        private_dir(settings.data_dir)
        if settings.media_dir.exists():  # else made private by the first upload
            private_dir(settings.media_dir)
        store = Store(settings.database_url)
        if migrate:
            store.migrate()
        media = MediaLibrary(store, settings.media_dir, settings.max_upload_bytes, settings.max_image_pixels,
                             settings.max_video_bytes)
        media.rendition_hooks.append(RenditionSigner.for_settings(settings))  # Content Credentials on every picture
        subscribers = Subscribers(store)
        store.entitlement = subscribers  # every appended event records the products it matches
        bus = open_bus(settings.bus_url)
        metrics = Metrics(families)
        # a kill drops the kept feed pages holding its story at once on this node, and through the
        # follower on every other node
        newsroom = Newsroom(store, [lambda event: forget_killed(store, [event]), lambda event: bus.notify(event.seq)])
        newsroom.listeners.append(metrics.event_written)
        context = RenderContext(base_url=settings.base_url, provider=settings.agency_name,
                                provider_uri=settings.base_url + "/", media=media.lookup)
        follower = LogFollower(store, bus, poll_every=settings.log_poll_every)
        follower.handlers.append(_forgetting_killed(store))
        usage = UsageLog(store)
        hub = StreamHub(store, subscribers.event_reach, context, usage.record, subscribers=subscribers,
                        caps=StreamCaps(settings.streams_per_key, settings.streams_per_company))
        follower.handlers.append(hub.on_events)
        webhooks = WebhookService(store, subscribers, render_context=context,
                                  targets=TargetGuard(allow_private=settings.webhook_allow_private))
        dispatcher = WebhookDispatcher(webhooks)
        hub.metrics = dispatcher.metrics = metrics
        follower.handlers.append(dispatcher.on_events)
        search = SearchIndex(store)
        public = PublicSite(store, search, settings.public_urgency)
        # the public pages kept in memory go stale at once on this node's own writes, and on every
        # node's through the follower (the bus's wake-up, or its look at the log) before other work
        newsroom.listeners.insert(0, public.changed)
        follower.handlers.insert(0, public.on_events)
        alerts = Alerts(store, search, subscribers)
        follower.handlers.append(alerts.on_events)
        mailer = None
        if settings.smtp_url:
            mailer = AlertMailer(alerts, SmtpServer.from_url(settings.smtp_url), sender=settings.mail_from,
                                 agency=settings.agency_name, base_url=settings.base_url)
        return cls(settings=settings, store=store, newsroom=newsroom, media=media,
                   ingestor=Ingestor(store, newsroom.announce, metrics=metrics, media=media,
                                     subject_codes=vocabulary.load(settings.subject_codes)), render_context=context,
                   subscribers=subscribers,
                   bus=bus, follower=follower, hub=hub, limiter=RateLimiter(settings.rate_per_minute),
                   usage=usage, search=search, webhooks=webhooks, dispatcher=dispatcher,
                   public=public,
                   subscription_requests=SubscriptionRequests(store),
                   subscribe_limiter=RateLimiter(settings.subscribe_per_minute),
                   portal=Portal(store), alerts=alerts, mailer=mailer, metrics=metrics,
                   archive=ArchiveStamper(store, "node", on_change=lambda: forget_stamps(store)))

    def close(self) -> None:
        self.usage.flush()
        self.store.close()


def _forgetting_killed(store: Store) -> Handler:
    async def forget(events: list[Event]) -> None:
        forget_killed(store, events)

    return forget


@dataclass(frozen=True)
class FirstStart:
    """What the first start created, so the CLI can tell the operator how to sign in."""

    admin_password: str | None
    demo_stories: int


def bootstrap(services: Services) -> FirstStart:
    """On an empty database: an admin account, and the demo content unless disabled."""
    password = None
    if services.store.count_users() == 0:
        password = generated_password()
        services.store.create_user(email=ADMIN_EMAIL, name="Administrator", role="admin",
                                   password_hash=hash_password(password))
    loaded = 0
    if services.settings.demo and services.store.count_stories() == 0:
        from newsflow.demo import load_demo

        loaded = load_demo(services.newsroom, services.media)
    return FirstStart(admin_password=password, demo_stories=loaded)

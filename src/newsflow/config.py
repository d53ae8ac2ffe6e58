"""Configuration from environment variables (documented in the README)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from newsflow import zones


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _number(name: str, default: str) -> float:
    """A numeric setting; a bad value stops the node with a message naming the variable."""
    raw = _env(name, default)
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{name}={raw!r} is not a number")
    return value


def listener_base_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches `newsflow serve --host H --port P` at: a wildcard
    host (every interface) is reached through loopback, an IPv6 address goes in brackets."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=lambda: Path(_env("NEWSFLOW_DATA_DIR", "var")))
    database_url: str = ""
    bus_url: str = field(default_factory=lambda: _env("NEWSFLOW_BUS_URL", "local://"))
    media_dir: Path = field(default_factory=lambda: Path(""))
    max_upload_bytes: int = field(default_factory=lambda: int(_env("NEWSFLOW_MAX_UPLOAD_MB", "20")) * 2**20)
    # A video upload (pictures and audio keep NEWSFLOW_MAX_UPLOAD_MB), streamed to disk; unset, the same.
    max_video_bytes: int = field(default_factory=lambda: int(_number(
        "NEWSFLOW_MAX_VIDEO_MB", _env("NEWSFLOW_MAX_UPLOAD_MB", "20")) * 2**20))
    # Request bodies per route class, refused (413) from the declared length or while streaming.
    max_json_bytes: int = field(default_factory=lambda: int(_number("NEWSFLOW_MAX_JSON_KB", "1024") * 2**10))
    max_form_bytes: int = field(default_factory=lambda: int(_number("NEWSFLOW_MAX_FORM_KB", "256") * 2**10))
    max_ingest_bytes: int = field(default_factory=lambda: int(_number("NEWSFLOW_MAX_INGEST_MB", "10") * 2**20))
    # Decoding and resizing peak at ~9 bytes a pixel (+739 MB measured for 80 MP): 40 MP fits a few GiB.
    max_image_pixels: int = field(
        default_factory=lambda: int(_number("NEWSFLOW_MAX_IMAGE_MEGAPIXELS", "40") * 1_000_000))
    demo: bool = field(default_factory=lambda: _env("NEWSFLOW_DEMO", "1") not in ("0", "false", "no"))
    agency_name: str = field(default_factory=lambda: _env("NEWSFLOW_AGENCY_NAME", "Newsflow Agency"))
    # The agency's IANA time zone: pages show times in it to anonymous readers and to users who chose none.
    time_zone: str = field(default_factory=lambda: _env("NEWSFLOW_TIME_ZONE", zones.DEFAULT))
    base_url: str = field(default_factory=lambda: _env("NEWSFLOW_BASE_URL", "http://127.0.0.1:8000").rstrip("/"))
    ingest_secret: str = field(default_factory=lambda: _env("NEWSFLOW_INGEST_SECRET", ""))
    poll_feeds: tuple[str, ...] = field(default_factory=lambda: tuple(_env("NEWSFLOW_POLL_FEEDS", "").split()))
    rate_per_minute: int = field(default_factory=lambda: int(_env("NEWSFLOW_RATE_PER_MINUTE", "1200")))
    # how often each node looks at the log even without a wake-up (the bus may lose one)
    log_poll_every: float = field(default_factory=lambda: float(_env("NEWSFLOW_LOG_POLL_EVERY", "1")))
    # The usage log is written in batches this far apart (a report on the same node is always current).
    usage_flush_every: float = field(default_factory=lambda: float(_env("NEWSFLOW_USAGE_FLUSH_EVERY", "5")))
    # On SIGTERM/SIGINT streams and long-polls are ended at once; requests still running after this
    # many seconds are cancelled, and the node exits a few seconds later at most.
    shutdown_grace: float = field(default_factory=lambda: float(_env("NEWSFLOW_SHUTDOWN_GRACE", "5")))
    poll_every: float = field(default_factory=lambda: float(_env("NEWSFLOW_POLL_EVERY", "60")))
    # Public website: stories at this urgency or more urgent are public too (0 = off).
    public_urgency: int = field(default_factory=lambda: int(_env("NEWSFLOW_PUBLIC_URGENCY", "0")))
    # Word budget of the summary the public site shows instead of the body.
    summary_words: int = field(default_factory=lambda: int(_env("NEWSFLOW_SUMMARY_WORDS", "80")))
    # Signs session cookies; when unset, one is generated at first start and kept in the data dir.
    secret_key: str = field(default_factory=lambda: _env("NEWSFLOW_SECRET_KEY", ""))
    # Subscription requests accepted per client address and minute (the form is open to anyone).
    subscribe_per_minute: int = field(default_factory=lambda: int(_env("NEWSFLOW_SUBSCRIBE_PER_MINUTE", "5")))
    # Saved-search alerts are e-mailed through this server when set (see newsflow.mail for the form).
    smtp_url: str = field(default_factory=lambda: _env("NEWSFLOW_SMTP_URL", ""))
    mail_from: str = field(default_factory=lambda: _env("NEWSFLOW_MAIL_FROM", "Newsflow <alerts@localhost>"))
    # Code -> label JSON naming bare subject codes on ingest (newsflow.ingest.vocabulary); unset: the
    # IPTC file beside the checkout if there, else codes stay codes.
    subject_codes: str = field(default_factory=lambda: _env("NEWSFLOW_SUBJECT_CODES", ""))
    # /metrics: with a token, only `Authorization: Bearer <token>` reads it; without, loopback and private addresses.
    metrics_token: str = field(default_factory=lambda: _env("NEWSFLOW_METRICS_TOKEN", ""))
    # /readyz answers 503 when the log follower is this many seconds behind the log (0: never for lag).
    ready_max_lag: float = field(default_factory=lambda: float(_env("NEWSFLOW_READY_MAX_LAG", "30")))
    # `newsflow serve`'s log lines: json (one object a line, for a log collector) or text (for people).
    log_format: str = field(default_factory=lambda: _env("NEWSFLOW_LOG_FORMAT", "json").strip().lower())
    # Webhooks may go to loopback, private, link-local … addresses (development and tests only).
    webhook_allow_private: bool = field(
        default_factory=lambda: _env("NEWSFLOW_WEBHOOK_ALLOW_PRIVATE", "0").lower() in ("1", "true", "yes"))
    # Strict-Transport-Security max-age, sent when NEWSFLOW_BASE_URL is https (0: never sent).
    hsts_seconds: int = field(default_factory=lambda: int(_env("NEWSFLOW_HSTS_SECONDS", "31536000")))
    # A signed-in session lasts this long from sign-in (logout, a password change or deactivation end it).
    session_hours: int = field(default_factory=lambda: int(_number("NEWSFLOW_SESSION_HOURS", "336")))
    # Failed sign-ins per client address and hour, whatever the e-mails (slows password spraying).
    login_failures_per_hour: int = field(default_factory=lambda: int(_number("NEWSFLOW_LOGIN_FAILURES_PER_HOUR", "30")))
    # Concurrent event streams per API key and per company, on each node (429 beyond).
    streams_per_key: int = field(default_factory=lambda: int(_number("NEWSFLOW_STREAMS_PER_KEY", "20")))
    streams_per_company: int = field(default_factory=lambda: int(_number("NEWSFLOW_STREAMS_PER_COMPANY", "100")))
    # Content Credentials (newsflow.provenance): the agency's C2PA signing certificate chain and its key
    # (PEM files); unset, a development chain is made in <data dir>/c2pa at first start. TRUST: more root
    # certificates (PEM bundle) whose signatures on incoming photos read as trusted.
    c2pa_cert: str = field(default_factory=lambda: _env("NEWSFLOW_C2PA_CERT", ""))
    c2pa_key: str = field(default_factory=lambda: _env("NEWSFLOW_C2PA_KEY", ""))
    c2pa_trust: str = field(default_factory=lambda: _env("NEWSFLOW_C2PA_TRUST", ""))
    # An RFC 3161 time-stamp authority the signatures are stamped by (a request per signed file), so
    # they stay valid after the certificate expires; unset, none (nothing leaves the node).
    c2pa_tsa_url: str = field(default_factory=lambda: _env("NEWSFLOW_C2PA_TSA_URL", ""))

    def listening_on(self, host: str, port: int) -> Settings:
        """These settings for a node serving on host:port: unless NEWSFLOW_BASE_URL names the public
        address, every absolute link (formats, feeds, canonical, og:url, JSON-LD) follows the listener."""
        if os.environ.get("NEWSFLOW_BASE_URL"):
            return self
        return replace(self, base_url=listener_base_url(host, port))

    def __post_init__(self) -> None:
        if not zones.is_known(self.time_zone):
            raise ValueError(f"NEWSFLOW_TIME_ZONE={self.time_zone!r} is not an IANA time zone (e.g. Europe/Istanbul)")
        if self.log_format not in ("json", "text"):
            raise ValueError(f"NEWSFLOW_LOG_FORMAT={self.log_format!r}: use json or text")
        if not self.ready_max_lag >= 0:  # also NaN: a negative limit would make every node unready
            raise ValueError(f"NEWSFLOW_READY_MAX_LAG must be 0 (off) or more seconds, got {self.ready_max_lag}")
        if not 0 <= self.shutdown_grace <= 3600:  # also NaN; an hour is more than any proxy waits
            raise ValueError(f"NEWSFLOW_SHUTDOWN_GRACE must be 0 to 3600 seconds, got {self.shutdown_grace}")
        if self.hsts_seconds < 0:
            raise ValueError(f"NEWSFLOW_HSTS_SECONDS must be 0 (off) or more, got {self.hsts_seconds}")
        for name, value in (("NEWSFLOW_MAX_JSON_KB", self.max_json_bytes),
                            ("NEWSFLOW_MAX_FORM_KB", self.max_form_bytes),
                            ("NEWSFLOW_MAX_INGEST_MB", self.max_ingest_bytes),
                            ("NEWSFLOW_MAX_IMAGE_MEGAPIXELS", self.max_image_pixels)):
            if value <= 0:  # a zero limit would refuse every request: a typo, not a policy
                raise ValueError(f"{name} must be more than 0")
        for name, limit in (("NEWSFLOW_SESSION_HOURS", self.session_hours),
                            ("NEWSFLOW_LOGIN_FAILURES_PER_HOUR", self.login_failures_per_hour),
                            ("NEWSFLOW_STREAMS_PER_KEY", self.streams_per_key),
                            ("NEWSFLOW_STREAMS_PER_COMPANY", self.streams_per_company)):
            if limit <= 0:  # zero would lock everyone out: a typo, not a policy
                raise ValueError(f"{name} must be more than 0, got {limit}")
        if self.session_hours > 24 * 366 * 100:  # a date past year 9999 would fail every sign-in
            raise ValueError(f"NEWSFLOW_SESSION_HOURS must be at most {24 * 366 * 100} (a century)")
        if not self.database_url:
            default = f"sqlite:///{self.data_dir / 'newsflow.db'}"
            object.__setattr__(self, "database_url", _env("NEWSFLOW_DATABASE_URL", default))
        if not str(self.media_dir) or str(self.media_dir) == ".":
            object.__setattr__(self, "media_dir", Path(_env("NEWSFLOW_MEDIA_DIR", str(self.data_dir / "media"))))

"""Security headers on every answer of every face: a Content-Security-Policy without inline script,
no framing (`frame-ancestors 'none'` and X-Frame-Options), nosniff, a Referrer-Policy, and HSTS when
the public address (NEWSFLOW_BASE_URL) is https.

`install(app)` puts `SecurityHeaders` around the whole middleware stack — outside the fast paths
(`ServeRendered`, `FastFeed`), which answer beneath the framework, and outside Starlette's own error
layer, so a 500 carries them too. The header lists are built once, from the settings at the first
request (a node may open its services in the lifespan); per answer the layer only appends them.

Three policies:
- the faces (public site, portal, desk, admin, login) and static files: own scripts and styles only;
  pictures from anywhere (ingested stories show their sender's photos);
- the API (/v1, /openapi.json): nothing loads and nothing runs — an HTML download opened in a browser
  is a sandboxed document that keeps its inline stylesheet and pictures;
- the API docs (/docs, /redoc): FastAPI's pages load Swagger UI / ReDoc from a CDN and start them with
  an inline script; that script is allowed by its hash, taken from the page as served, and nothing else
  inline runs.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI

from newsflow.config import Settings
from newsflow.web.api.subscriber import RAW_SEND

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

FACES_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src * data:; object-src 'none'; "
                "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
API_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src * data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'; sandbox")
_CDN = "https://cdn.jsdelivr.net"
# {scripts}: the sources of script, the hashes of the page's own inline scripts among them
DOCS_POLICY = ("default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline' "
               + _CDN + " https://fonts.googleapis.com; font-src 'self' https://fonts.gstatic.com; "
               "img-src 'self' data: https:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
               "form-action 'self'; frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def common_headers(settings: Settings) -> Headers:
    """What every answer carries besides its policy."""
    headers = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"strict-origin-when-cross-origin")]
    # only behind https: over plain http the header is ignored, and sent from a development node
    # it would pin a browser to https for a host that has none
    if settings.base_url.lower().startswith("https://") and settings.hsts_seconds > 0:
        headers.append((b"strict-transport-security", b"max-age=%d" % settings.hsts_seconds))
    return headers


def docs_policy(body: bytes) -> bytes:
    """The docs policy allowing exactly the inline scripts of `body`, by their SHA-256."""
    hashes = ["'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
              for script in _INLINE_SCRIPT.findall(body)]
    return DOCS_POLICY.format(scripts=" ".join(["'self'", _CDN, *hashes])).encode()


class SecurityHeaders:
    """ASGI layer: appends the security headers to every HTTP answer (see the module's docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._faces: Headers | None = None
        self._api: Headers = []
        self._common: Headers = []

    def _build(self, scope: Any) -> Headers:
        services = getattr(scope["app"].state, "services", None) if "app" in scope else None
        settings = services.settings if services is not None else Settings()
        self._common = common_headers(settings)
        self._api = [(b"content-security-policy", API_POLICY.encode()), *self._common]
        self._faces = [(b"content-security-policy", FACES_POLICY.encode()), *self._common]
        return self._faces

    async def __call__(self, scope: Any, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        faces = self._faces if self._faces is not None else self._build(scope)
        path: str = scope["path"]
        if path in DOCS_PATHS:
            return await self._docs(scope, receive, send)
        extra = self._api if path.startswith("/v1/") or path == "/openapi.json" else faces
        # an event stream's frames go straight to the server's send, past this wrapper: only the
        # start of the answer needs it (the innermost RawSend keeps the first one it is given)
        scope.setdefault(RAW_SEND, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
        return None

    async def _docs(self, scope: Any, receive: Any, send: Send) -> None:
        """The docs pages are small: held whole, so the policy can name their inline scripts' hashes."""
        start: Message | None = None
        body = bytearray()

        async def holding(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
            if start is None:
                return await send(message)
            start["headers"] = [*start.get("headers", ()), (b"content-security-policy", docs_policy(bytes(body))),
                                *self._common]
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body)})
            return None

        await self.app(scope, receive, holding)


def install(app: FastAPI) -> None:
    """Make `SecurityHeaders` the outermost layer of `app`, outside even Starlette's error layer (which
    `add_middleware` cannot reach), so that no answer leaves without the headers."""
    build = app.build_middleware_stack

    def outermost() -> Any:
        return SecurityHeaders(build())

    app.build_middleware_stack = outermost  # type: ignore[method-assign]

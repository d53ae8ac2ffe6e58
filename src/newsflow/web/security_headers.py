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
- the API docs (/docs, web.api.docs): scripts from this site only, like the faces; the viewers
  (Swagger UI, ReDoc) set inline styles and ReDoc runs a worker from a blob, so those are allowed there.
"""

from __future__ import annotations

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
DOCS_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
               "frame-ancestors 'none'")
DOCS_PATHS = frozenset({"/docs"})


def common_headers(settings: Settings) -> Headers:
    """What every answer carries besides its policy."""
    headers = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"strict-origin-when-cross-origin")]
    # only behind https: over plain http the header is ignored, and sent from a development node
    # it would pin a browser to https for a host that has none
    if settings.base_url.lower().startswith("https://") and settings.hsts_seconds > 0:
        headers.append((b"strict-transport-security", b"max-age=%d" % settings.hsts_seconds))
    return headers


class SecurityHeaders:
    """ASGI layer: appends the security headers to every HTTP answer (see the module's docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._faces: Headers | None = None
        self._api: Headers = []
        self._docs: Headers = []
        self._common: Headers = []

    def _build(self, scope: Any) -> Headers:
        services = getattr(scope["app"].state, "services", None) if "app" in scope else None
        settings = services.settings if services is not None else Settings()
        self._common = common_headers(settings)
        self._api = [(b"content-security-policy", API_POLICY.encode()), *self._common]
        self._faces = [(b"content-security-policy", FACES_POLICY.encode()), *self._common]
        self._docs = [(b"content-security-policy", DOCS_POLICY.encode()), *self._common]
        return self._faces

    async def __call__(self, scope: Any, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        faces = self._faces if self._faces is not None else self._build(scope)
        path: str = scope["path"]
        extra = (self._api if path.startswith("/v1/") or path == "/openapi.json"
                 else self._docs if path in DOCS_PATHS else faces)
        # an event stream's frames go straight to the server's send, past this wrapper: only the
        # start of the answer needs it (the innermost RawSend keeps the first one it is given)
        scope.setdefault(RAW_SEND, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
        return None


def install(app: FastAPI) -> None:
    """Make `SecurityHeaders` the outermost layer of `app`, outside even Starlette's error layer (which
    `add_middleware` cannot reach), so that no answer leaves without the headers."""
    build = app.build_middleware_stack

    def outermost() -> Any:
        return SecurityHeaders(build())

    app.build_middleware_stack = outermost  # type: ignore[method-assign]

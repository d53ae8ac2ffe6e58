"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), working offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and start them with an inline script: blank
without a network, and at odds with a policy that allows no inline script. These pages load the same
viewers from the installed `fastapi_offline` package (served from its folder at /docs/assets/, never
copied into ours) and start them from static/api-docs.js.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from newsflow.web.templating import page

ASSETS = "/docs/assets"  # the viewers' files, as the package ships them
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
PAGES = ("/docs", "/redoc")

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    return page(request, "api_docs.html", viewer="swagger", assets=ASSETS)


@router.get("/redoc")
def redoc(request: Request) -> Response:
    return page(request, "api_docs.html", viewer="redoc", assets=ASSETS)


def install(app: FastAPI) -> None:
    """The two pages and their assets; the app is made with FastAPI's docs_url and redoc_url off."""
    app.mount(ASSETS, StaticFiles(directory=ASSETS_DIR), name="api-docs-assets")
    app.include_router(router)

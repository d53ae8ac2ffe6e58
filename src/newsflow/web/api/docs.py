"""The API's documentation page, /docs (Swagger UI), working offline.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and start them with an inline script: blank
without a network, and at odds with a policy that allows no inline script. This page loads Swagger UI
from the installed `fastapi_offline` package (served from its folder at /docs/assets/, never copied into
ours) and starts it from static/api-docs.js. /redoc, FastAPI's second page, leads here: ReDoc's own
markup fails axe-core (hundreds of low-contrast texts, unlabelled selects, skipped heading levels) and
Swagger UI, styled on our tokens, passes it; one accessible viewer is better than two.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from newsflow.web.templating import page

ASSETS = "/docs/assets"  # the viewer's files, as the package ships them
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
PAGES = ("/docs",)

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui(request: Request) -> Response:
    return page(request, "api_docs.html", assets=ASSETS)


@router.get("/redoc")
def redoc() -> Response:
    return RedirectResponse("/docs", status_code=308)  # a bookmarked FastAPI address still finds the docs


def install(app: FastAPI) -> None:
    """The page and its assets; the app is made with FastAPI's docs_url and redoc_url off."""
    app.mount(ASSETS, StaticFiles(directory=ASSETS_DIR), name="api-docs-assets")
    app.include_router(router)

"""GET /: the latest published stories (until the public website replaces it)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from newsflow.services import Services
from newsflow.web.deps import services

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, svc: Services = Depends(services)) -> HTMLResponse:
    stories = svc.store.latest(limit=50)
    return templates.TemplateResponse(request, "home.html", {
        "stories": stories, "agency": svc.settings.agency_name})

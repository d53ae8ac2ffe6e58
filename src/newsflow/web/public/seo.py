"""What the public pages tell search engines and link previews: schema.org JSON-LD (the agency as an
Organization with its logo, the site as a WebSite with its search, the publisher of each NewsArticle)
and the OpenGraph and Twitter card meta tags.

Every address is absolute, built from the configured base URL, so a preview made by another site
links back here. Nothing in it depends on the reader: public pages are rendered once for everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from babel import Locale, UnknownLocaleError
from babel.core import get_global

from newsflow.config import Settings

LOGO_PATH = "/static/logo.png"  # drawn by scripts/make_logo.py
LOGO_SIZE = 512  # pixels, square
SCHEMA = "https://schema.org"
SEARCH_TERM = "search_term_string"


def logo(settings: Settings) -> dict[str, Any]:
    return {"@type": "ImageObject", "url": settings.base_url + LOGO_PATH, "width": LOGO_SIZE, "height": LOGO_SIZE}


def organization(settings: Settings) -> dict[str, Any]:
    """The agency: the home page's Organization and every article's publisher (one @id, so a search
    engine knows they are the same)."""
    base = settings.base_url
    return {"@type": "Organization", "@id": f"{base}/#organization", "name": settings.agency_name,
            "url": f"{base}/", "logo": logo(settings)}


def website(settings: Settings) -> dict[str, Any]:
    """The site, with the public search as its SearchAction (what a search engine's site box fills in)."""
    base = settings.base_url
    return {"@type": "WebSite", "@id": f"{base}/#website", "name": settings.agency_name, "url": f"{base}/",
            "publisher": {"@id": f"{base}/#organization"},
            "potentialAction": {"@type": "SearchAction",
                                "target": {"@type": "EntryPoint",
                                           "urlTemplate": f"{base}/search?q={{{SEARCH_TERM}}}"},
                                "query-input": f"required name={SEARCH_TERM}"}}


def home_json_ld(settings: Settings) -> dict[str, Any]:
    return {"@context": SCHEMA, "@graph": [organization(settings), website(settings)]}


def og_locale(language: str) -> str | None:
    """OpenGraph's locale (language_TERRITORY, "en_US") for a story's language tag ("en", "pt-BR"); a
    bare language takes its most likely territory. None for a tag Babel does not know."""
    try:
        parsed = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    territory = parsed.territory
    if not territory:
        likely = get_global("likely_subtags").get(parsed.language, "")
        territory = likely.rsplit("_", 1)[-1] if "_" in likely else None
    return f"{parsed.language}_{territory}" if territory else parsed.language


@dataclass(frozen=True)
class Social:
    """What a page's OpenGraph and Twitter card tags say besides its title and description (those are
    the template's, in the reader's language): drawn by the `social` macro of _meta.html."""

    kind: Literal["website", "article"]
    site_name: str
    url: str
    image: str
    card: Literal["summary", "summary_large_image"]
    image_size: int | None
    locale: str | None


def social(settings: Settings, *, kind: Literal["website", "article"], url: str, image: str | None = None,
           language: str | None = None) -> Social:
    """A page with a picture of its own gets the large card; any other shows the agency's logo as
    the small square one."""
    return Social(kind=kind, site_name=settings.agency_name, url=url,
                  image=image or settings.base_url + LOGO_PATH,
                  card="summary_large_image" if image else "summary", image_size=None if image else LOGO_SIZE,
                  locale=og_locale(language) if language else None)

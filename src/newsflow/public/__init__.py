"""The public portion: which stories the public website may show (rule), in what summarized form
(summary), read from the whole archive a page at a time (site, paging), and the subscription
requests sent through its form (subscriptions, tables). The web face is newsflow.web.public."""

from __future__ import annotations

from newsflow.public.paging import BadCursor, Cursor, SearchCursor
from newsflow.public.rule import Gone, PublicRule, is_public
from newsflow.public.site import TRANSLATIONS, Page, PublicSite, Shown, UrgencySetting
from newsflow.public.summary import slug, summarize

__all__ = ["TRANSLATIONS", "BadCursor", "Cursor", "Gone", "Page", "PublicRule", "PublicSite", "SearchCursor",
           "Shown", "UrgencySetting", "is_public", "slug", "summarize"]

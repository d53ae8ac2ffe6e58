"""Words for values the faces show (a story's status, an item's kind, a form field's name).

Each is an English msgid marked with N_ for extraction; it is translated where it is shown:
`_(words.STATUS[s])` in a template (`words` is a template global), `t.gettext(words.KIND[k])` in code.
"""

from __future__ import annotations

from newsflow.web.i18n import N_

# a story's state on the desk
STATUS: dict[str, str] = {
    "draft": N_("draft"),
    "published": N_("published"),
    "withheld": N_("withheld"),
    "killed": N_("killed"),
}

# a version's publication status
PUBSTATUS: dict[str, str] = {"usable": N_("usable"), "withheld": N_("withheld"), "canceled": N_("canceled")}

# an item's kind, as the desk names it
KIND: dict[str, str] = {
    "text": N_("Text"),
    "picture": N_("Picture"),
    "video": N_("Video"),
    "audio": N_("Audio"),
    "graphic": N_("Graphic"),
    "package": N_("Package"),
}

# an item's kind in a portal list
KIND_SHORT: dict[str, str] = {
    "text": N_("story"),
    "picture": N_("picture"),
    "graphic": N_("graphic"),
    "video": N_("video"),
    "audio": N_("audio"),
    "package": N_("package"),
}

# the name of an urgency level
URGENCY: dict[str, str] = {
    "flash": N_("flash"),
    "bulletin": N_("bulletin"),
    "urgent": N_("urgent"),
    "priority": N_("priority"),
    "routine": N_("routine"),
    "deferred": N_("deferred"),
    "background": N_("background"),
}

# a story field's name (diffs, error messages)
STORY_FIELDS: dict[str, str] = {
    "headline": N_("Headline"),
    "spot": N_("Spot"),
    "summary": N_("Summary"),
    "body_html": N_("Body"),
    "dateline": N_("Dateline"),
    "slugline": N_("Slugline"),
    "subheadline": N_("Second headline"),
    "byline_text": N_("Byline as printed"),
    "tagline": N_("Tagline (end line)"),
    "desk_note": N_("Desk note (private)"),
    "contributors": N_("Contributors"),
    "categories": N_("Categories"),
    "dossier": N_("Dossier"),
    "keywords": N_("Keywords"),
    "subjects": N_("Subjects"),
    "places": N_("Places"),
    "people": N_("People"),
    "organisations": N_("Organisations"),
    "related": N_("Related"),
    "language": N_("Language"),
    "translation_group": N_("Translations group"),
    "urgency": N_("Urgency"),
    "embargo": N_("Embargo"),
    "public": N_("Public"),
    "photos": N_("Photos, video and audio"),
    "kind": N_("Item kind"),
    "status": N_("Status"),
    "editor_note": N_("Editor's note"),
    "photo_file": N_("Media file"),
    "reason": N_("Reason"),
}

# what an API key's scope opens
SCOPES: dict[str, str] = {
    "read": N_("every read channel below"),
    "feed": N_("the pull feed and server-held queues (/v1/feed, /v1/queue)"),
    "items": N_("item downloads (/v1/items)"),
    "search": N_("full-text search (/v1/search)"),
    "stream": N_("the live stream (/v1/stream)"),
    "syndication": N_("Atom and RSS feeds of products"),
}

# why a story is on the public site
PUBLIC_WHY: dict[str, str] = {
    "flag": N_("an editor marked it public"),
    "urgency": N_("its urgency"),
    "product": N_("a public product covers it"),
}

# a product's media types
MEDIA_TYPES: dict[str, str] = {"text": N_("text"), "picture": N_("picture")}

# a search facet's heading
FACETS: dict[str, str] = {
    "category": N_("Category"),
    "language": N_("Language"),
    "dossier": N_("Dossier"),
    "urgency": N_("Urgency"),
}

# what is wrong with a field of the subscription form
FORM_ERRORS: dict[str, str] = {
    "required": N_("%(field)s is required."),
    "too_long": N_("%(field)s is too long."),
    "email": N_("%(field)s: enter an address like name@example.org."),
    "interest": N_("%(field)s: choose from the list."),
}

# the subscription form's fields
SUBSCRIBE_FIELDS: dict[str, str] = {
    "organisation": N_("Organisation"),
    "name": N_("Your name"),
    "email": N_("E-mail"),
    "country": N_("Country"),
    "interests": N_("Interests"),
    "message": N_("Message (optional)"),
}

# the interests a subscription request picks from
INTERESTS: dict[str, str] = {
    "world": N_("World"),
    "politics": N_("Politics"),
    "economy": N_("Economy"),
    "sports": N_("Sports"),
    "technology": N_("Technology"),
    "health": N_("Health"),
    "culture": N_("Culture"),
    "photos": N_("Photos"),
}

# the regions a time zone list is grouped by (newsflow.zones)
REGIONS: dict[str, str] = {
    "UTC": N_("Coordinated Universal Time"),
    "Africa": N_("Africa"),
    "America": N_("Americas"),
    "Antarctica": N_("Antarctica"),
    "Arctic": N_("Arctic"),
    "Asia": N_("Asia"),
    "Atlantic": N_("Atlantic"),
    "Australia": N_("Australia"),
    "Europe": N_("Europe"),
    "Indian": N_("Indian Ocean"),
    "Pacific": N_("Pacific"),
}

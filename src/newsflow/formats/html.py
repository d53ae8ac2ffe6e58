"""A clean standalone HTML5 document for one version: what a subscriber saves or prints.

Every story field is escaped by Jinja2's autoescaping; only the body is inserted as markup, and it
is passed through the sanitizer once more here so this renderer is safe even for a version built
without validation (``model_construct``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from newsflow.formats import text
from newsflow.formats.base import RenderContext
from newsflow.model import Photo, StoryVersion
from newsflow.sanitize import clean_html

# Scripts written right to left: the document gets dir="rtl" for these primary language subtags.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ku", "ps", "sd", "ug", "ur", "yi"})

_TEMPLATE = """\
<!DOCTYPE html>
<html lang="{{ v.language }}" dir="{{ dir }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ v.headline }}</title>
{% if v.spot %}<meta name="description" content="{{ v.spot }}">
{% endif %}{% if v.byline %}<meta name="author" content="{{ v.byline }}">
{% endif %}{% if v.keywords %}<meta name="keywords" content="{{ v.keywords | join(', ') }}">
{% endif %}<meta name="dcterms.publisher" content="{{ ctx.provider }}">
<meta name="dcterms.identifier" content="{{ v.guid }}">
<meta name="dcterms.created" content="{{ iso(v.first_published) }}">
<meta name="dcterms.modified" content="{{ iso(v.version_created) }}">
<link rel="alternate" type="application/json" href="{{ ctx.item_uri(v.guid) }}">
<style>
body{font:1.05rem/1.6 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
figure{margin:1.5rem 0}img{max-width:100%;height:auto}figcaption,.meta,.credits{color:#555;font-size:.9rem}
.notice{border:2px solid #b00;padding:.5rem .75rem;font-weight:600}
.sections{text-transform:uppercase;font-size:.8rem}
</style>
</head>
<body>
<article data-guid="{{ v.guid }}" data-version="{{ v.version }}" data-urgency="{{ v.urgency }}">
{% for notice in notices %}<p class="notice" role="alert">{{ notice }}</p>
{% endfor %}<header>
{% if sections %}<p class="sections">{{ sections }}</p>
{% endif %}<h1>{{ v.headline }}</h1>
{% if v.spot %}<p class="spot"><strong>{{ v.spot }}</strong></p>
{% endif %}<p class="meta">{% if v.byline %}<span class="byline">{{ v.byline }}</span> | {% endif -%}
<time datetime="{{ iso(v.first_published) }}">{{ date(v.first_published) }}</time> - Update : \
<time datetime="{{ iso(v.version_created) }}">{{ date(v.version_created) }}</time></p>
</header>
{% for p in photos %}<figure>
<img src="{{ p.src }}" alt="{{ p.alt }}"\
{% if p.width %} width="{{ p.width }}" height="{{ p.height }}"{% endif %}>
<figcaption>{% if p.title %}<strong>{{ p.title }}</strong> {% endif %}{{ p.caption }}\
{% if p.credit %} <small class="credit">Photo: {{ p.credit }}</small>{% endif %}</figcaption>
</figure>
{% endfor %}{% if v.dateline %}<p class="dateline"><strong>{{ v.dateline }}</strong></p>
{% endif %}<div class="body">
{{ body }}
</div>
<footer>
{% if credits %}<p class="credits">{% for c in credits %}{{ c }}{% if not loop.last %}<br>{% endif %}\
{% endfor %}</p>
{% endif %}{% if tags %}<ul class="tags">\
{% for kind, name in tags %}<li data-kind="{{ kind }}">{{ name }}</li>{% endfor %}</ul>
{% endif %}</footer>
</article>
</body>
</html>
"""

_env = Environment(autoescape=True, trim_blocks=False, keep_trailing_newline=True)
_template = _env.from_string(_TEMPLATE)


def render(version: StoryVersion, ctx: RenderContext) -> bytes:
    v = version
    tags = [(kind, c.name) for kind, concepts in (("subject", v.subjects), ("place", v.places),
                                                   ("person", v.people), ("organisation", v.organisations))
            for c in concepts]
    page = _template.render(
        v=v, ctx=ctx, dir=text_direction(v.language), notices=text.notices(v),
        sections=", ".join([*v.categories, *([v.dossier] if v.dossier else [])]),
        photos=[_figure(p, ctx) for p in v.photos], credits=text.credit_lines(v), tags=tags,
        body=Markup(clean_html(v.body_html)),  # sanitized by nh3 right here
        iso=_iso, date=text.agency_date)
    return page.encode("utf-8")


def text_direction(language: str) -> str:
    return "rtl" if language.split("-", 1)[0].lower() in RTL_LANGUAGES else "ltr"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _figure(photo: Photo, ctx: RenderContext) -> dict[str, Any]:
    width = height = None
    if photo.media_id:
        renditions = (ctx.media(photo.media_id) or {}).get("renditions") or {}
        # the preview is sized for reading; a record without one falls back to the original
        name = "preview" if "preview" in renditions or not renditions else "original"
        src = ctx.rendition_href(photo.media_id, name)
        info = renditions.get(name) or {}
        width, height = info.get("width"), info.get("height")
    else:
        src = photo.href or ""
    # Alt text describes the picture; without one, its title or caption is the best description held.
    alt = photo.alt or photo.title or photo.caption or ""
    return {"src": src, "alt": alt, "width": width, "height": height, "title": photo.title,
            "caption": photo.caption, "credit": photo.credit}

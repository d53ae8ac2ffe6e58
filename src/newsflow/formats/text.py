"""Plain text (UTF-8) in the agency's own layout, the way the seed article reads:

    <notices: kill / withheld / correction / editor's note, embargo>
    World, Europe, Asia - Pacific, Frontier Watch          categories, then the dossier
    <headline>
    <spot>
    Rana Reporter | 02.10.2020 - Update : 02.10.2020       byline, first published, this version
    <each photo: title, caption, "Photo: credit">
    BAKU, Azerbaijan                                        dateline
    <body paragraphs and sub-headings>
    * Writing by Walt Writer from Ankara                    credits of everyone but reporters

Dates are shown in UTC (the render context names no time zone). The helpers here are shared with
the HTML rendering so both say the same words.
"""

from __future__ import annotations

from datetime import UTC, datetime

from newsflow.formats.base import RenderContext
from newsflow.model import PubStatus, Role, StoryVersion, html_to_text

# How the end-of-story credit names what each contributor did ("* Writing by ... from ...").
CREDIT_VERBS = {Role.writer: "Writing by", Role.editor: "Editing by", Role.translator: "Translation by",
                Role.photographer: "Photos by", Role.videographer: "Video by", Role.producer: "Production by",
                Role.reporter: "Reporting by"}


def render(version: StoryVersion, ctx: RenderContext) -> bytes:
    v = version
    blocks: list[str] = [*notices(v)]
    sections = ", ".join([*v.categories, *([v.dossier] if v.dossier else [])])
    blocks += [b for b in (sections, v.headline, v.spot) if b]
    blocks.append(byline_line(v))
    for photo in v.photos:
        credit = f"Photo: {photo.credit}" if photo.credit else ""
        lines = [line for line in (photo.title, photo.caption, credit) if line]
        if lines:
            blocks.append("\n".join(lines))
    if v.dateline:
        blocks.append(v.dateline)
    body = html_to_text(v.body_html)
    if body:
        blocks.append(body)
    credits = credit_lines(v)
    if credits:
        blocks.append("\n".join(credits))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def agency_date(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%d.%m.%Y")


def agency_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%d.%m.%Y %H:%M UTC")


def byline_line(v: StoryVersion) -> str:
    """"Name | DD.MM.YYYY - Update : DD.MM.YYYY", as the agency prints it under the spot."""
    dates = f"{agency_date(v.first_published)} - Update : {agency_date(v.version_created)}"
    return f"{v.byline} | {dates}" if v.byline else dates


def credit_lines(v: StoryVersion) -> list[str]:
    """End-of-story credits for contributors the byline does not name (writers, editors ...)."""
    in_byline = set(v.byline.split(", ")) if v.byline else set()
    lines = []
    for c in v.contributors:
        if c.role == Role.reporter or (c.name in in_byline and c.role != Role.writer):
            continue
        lines.append(f"* {CREDIT_VERBS[c.role]} {c.name}" + (f" from {c.place}" if c.place else ""))
    return lines


def notices(v: StoryVersion) -> list[str]:
    """What a subscriber's editor must see before anything else: kill, hold, correction, embargo."""
    out: list[str] = []
    note = v.editor_note
    if v.pubstatus == PubStatus.canceled:
        out.append("KILL: This story has been withdrawn. Do not use it; remove it where it was published."
                   + (f" {note}" if note else ""))
        note = None
    elif v.pubstatus == PubStatus.withheld:
        out.append("WITHHELD: This story is held back. Do not use it until it is released again."
                   + (f" {note}" if note else ""))
        note = None
    if v.is_correction:
        out.append(f"CORRECTION: {note or 'This version corrects an earlier one.'}")
        note = None
    if note:
        out.append(f"Editor's note: {note}")
    if v.embargo:
        out.append(f"EMBARGOED until {agency_time(v.embargo)}: not for publication before then.")
    return out

"""Plain text and HTML renderings: every part of the story is there, in the agency's layout, escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from newsflow.formats import html, text
from newsflow.formats.base import RenderContext
from newsflow.model import Contributor, PubStatus, Role, StoryVersion
from tests.formats.conftest import full_version

ARABIC = {"language": "ar", "headline": "دورية الحدود تعثر على شاحنات", "spot": "فريق الوكالة على الحدود",
          "body_html": "<p>عثر الجنود على صف من الشاحنات.</p>", "dateline": "باكو"}


def _text(v: StoryVersion, ctx: RenderContext) -> str:
    data = text.render(v, ctx)
    return data.decode("utf-8")


def _page(v: StoryVersion, ctx: RenderContext) -> tuple[str, lxml.html.HtmlElement]:
    data = html.render(v, ctx).decode("utf-8")
    return data, lxml.html.document_fromstring(data)


# ------------------------------------------------------------------------------------------------ text

def test_text_carries_every_part_in_the_agency_layout(version: StoryVersion, ctx: RenderContext) -> None:
    out = _text(version, ctx)
    blocks = out.rstrip("\n").split("\n\n")
    assert blocks == [
        "EMBARGOED until 02.10.2020 16:00 UTC: not for publication before then.",
        "World, Europe, Asia - Pacific, Frontier Watch",
        "Border patrol finds abandoned trucks and crates",
        "Agency team at the frontier sees equipment left behind after a retreat",
        "Rana Reporter | 02.10.2020 - Update : 02.10.2020",
        "Trucks at the border\nSeized trucks at the border\nPhoto: Newsflow Agency / R. Reporter",
        "Crates\nCrates of ammunition\nPhoto: Partner Agency",
        "BAKU, Azerbaijan",
        "Soldiers found a row of trucks on Friday.",
        "Most were intact.",
        "Background to the dispute",
        "The border has been tense for years.",
        "* Writing by Walt Writer from Ankara",
    ]
    assert "<" not in out  # no markup leaks into plain text


def test_text_dates_show_first_publication_and_this_update(ctx: RenderContext) -> None:
    v = full_version(first_published=datetime(2020, 10, 2, 9, 0, tzinfo=UTC),
                     version_created=datetime(2020, 10, 5, 23, 30, tzinfo=UTC))
    assert "Rana Reporter | 02.10.2020 - Update : 05.10.2020" in _text(v, ctx)


@pytest.mark.parametrize(("changes", "first_block"), [
    ({"pubstatus": PubStatus.canceled, "editor_note": "Legal advice.", "embargo": None},
     "KILL: This story has been withdrawn. Do not use it; remove it where it was published. Legal advice."),
    ({"pubstatus": PubStatus.withheld, "embargo": None},
     "WITHHELD: This story is held back. Do not use it until it is released again."),
    ({"is_correction": True, "editor_note": "Corrects the number of trucks.", "embargo": None},
     "CORRECTION: Corrects the number of trucks."),
    ({"is_correction": True, "embargo": None}, "CORRECTION: This version corrects an earlier one."),
    ({"editor_note": "Photos to follow.", "embargo": None}, "Editor's note: Photos to follow."),
    ({"embargo": None}, "World, Europe, Asia - Pacific, Frontier Watch"),
])
def test_text_notices_come_first(ctx: RenderContext, changes: dict[str, object], first_block: str) -> None:
    assert _text(full_version(**changes), ctx).split("\n\n")[0] == first_block


def test_text_credits_everyone_the_byline_does_not_name(ctx: RenderContext) -> None:
    v = full_version(contributors=[
        Contributor(name="Rana Reporter", role=Role.reporter),
        Contributor(name="Walt Writer", role=Role.writer, place="Ankara"),
        Contributor(name="Tia Translator", role=Role.translator),
        Contributor(name="Pat Photo", role=Role.photographer)])
    out = _text(v, ctx)
    assert out.endswith("* Writing by Walt Writer from Ankara\n* Translation by Tia Translator\n"
                        "* Photos by Pat Photo\n")


def test_text_is_utf8_for_any_script(ctx: RenderContext) -> None:
    data = text.render(full_version(**ARABIC), ctx)
    assert "دورية الحدود تعثر على شاحنات" in data.decode("utf-8")


# ------------------------------------------------------------------------------------------------ html

def test_html_carries_every_part(version: StoryVersion, ctx: RenderContext) -> None:
    raw, doc = _page(version, ctx)
    assert raw.startswith("<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">")
    assert [h.text_content() for h in doc.iter("h1")] == ["Border patrol finds abandoned trucks and crates"]
    assert doc.findtext(".//title") == "Border patrol finds abandoned trucks and crates"
    meta = {m.get("name"): m.get("content") for m in doc.iter("meta") if m.get("name")}
    assert meta["description"] == "Agency team at the frontier sees equipment left behind after a retreat"
    assert meta["author"] == "Rana Reporter" and meta["keywords"] == "border, trucks"
    assert meta["dcterms.identifier"] == "20201002-4a1b2c3d4e5f6a7b"
    assert doc.find(".//head/meta[@charset]").get("charset") == "utf-8"
    assert doc.find_class("sections")[0].text_content() == "World, Europe, Asia - Pacific, Frontier Watch"
    assert doc.find_class("spot")[0].text_content() == \
        "Agency team at the frontier sees equipment left behind after a retreat"
    assert doc.find_class("meta")[0].text_content() == "Rana Reporter | 02.10.2020 - Update : 02.10.2020"
    times = [(t.get("datetime"), t.text) for t in doc.iter("time")]
    assert times == [("2020-10-02T09:15:00Z", "02.10.2020"), ("2020-10-02T14:40:00Z", "02.10.2020")]
    figures = list(doc.iter("figure"))
    assert len(figures) == 2
    img = figures[0].find("img")
    assert img.get("src") == "https://wire.example.org/media/m1/preview"
    assert img.get("alt") == "A row of green trucks"
    assert (img.get("width"), img.get("height")) == ("1280", "853")
    assert figures[0].find("figcaption").text_content() == \
        "Trucks at the border Seized trucks at the border Photo: Newsflow Agency / R. Reporter"
    assert figures[1].find("img").get("src") == "https://photos.example.org/crates.jpg"
    assert figures[1].find("img").get("alt") == "Crates"  # no alt given: the title describes it
    assert figures[1].find("figcaption").text_content() == "Crates Crates of ammunition Photo: Partner Agency"
    assert doc.find_class("dateline")[0].text_content() == "BAKU, Azerbaijan"
    body = doc.find_class("body")[0]
    assert [(e.tag, e.text) for e in body] == [
        ("p", "Soldiers found a row of trucks on Friday."), ("p", "Most were intact."),
        ("h2", "Background to the dispute"), ("p", "The border has been tense for years.")]
    assert doc.find_class("credits")[0].text_content() == "* Writing by Walt Writer from Ankara"
    assert [li.text for li in doc.find_class("tags")[0]] == [
        "unrest, conflicts and war", "Baku", "Azerbaijan", "Rana Reporter", "Border Guard Service"]
    assert doc.find_class("notice")[0].text_content() == \
        "EMBARGOED until 02.10.2020 16:00 UTC: not for publication before then."


def test_html_kill_and_correction_notices(ctx: RenderContext) -> None:
    _, killed = _page(full_version(pubstatus=PubStatus.canceled, embargo=None), ctx)
    assert killed.find_class("notice")[0].text_content().startswith("KILL: This story has been withdrawn.")
    _, fixed = _page(full_version(is_correction=True, editor_note="Fixes a date.", embargo=None), ctx)
    assert [n.text_content() for n in fixed.find_class("notice")] == ["CORRECTION: Fixes a date."]


@pytest.mark.parametrize(("language", "direction"), [
    ("ar", "rtl"), ("fa", "rtl"), ("he", "rtl"), ("ur", "rtl"), ("ar-EG", "rtl"),
    ("en", "ltr"), ("tr", "ltr")])
def test_html_lang_and_direction(ctx: RenderContext, language: str, direction: str) -> None:
    _, doc = _page(full_version(language=language), ctx)
    assert (doc.get("lang"), doc.get("dir")) == (language, direction)


def test_arabic_page(ctx: RenderContext) -> None:
    raw, doc = _page(full_version(**ARABIC), ctx)
    assert '<html lang="ar" dir="rtl">' in raw
    assert [h.text for h in doc.iter("h1")] == ["دورية الحدود تعثر على شاحنات"]


def test_html_escapes_every_field_and_keeps_no_script(ctx: RenderContext) -> None:
    evil = "<script>alert(1)</script>"
    v = full_version(headline=f"{evil} headline", spot=f'spot "{evil}"', dateline=evil, keywords=[evil],
                     categories=[evil], body_html=f"<p>ok</p>{evil}<p onclick='x()'>y</p>",
                     contributors=[Contributor(name=f"{evil} name")])
    raw, doc = _page(v, ctx)
    assert "<script" not in raw and "onclick" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; headline" in raw
    assert [h.text_content() for h in doc.iter("h1")] == [f"{evil} headline"]
    assert doc.find_class("body")[0].text_content().strip() == "oky"


def test_html_body_is_resanitized_even_for_an_unvalidated_version(ctx: RenderContext) -> None:
    # model_construct skips the model's sanitizer; the renderer still must not emit script
    fields = {**full_version().__dict__, "body_html": "<p>a</p><script>x()</script>"}
    v = StoryVersion.model_construct(**fields)
    raw, _ = _page(v, ctx)
    assert "<script" not in raw and "<p>a</p>" in raw


def test_html_stored_photo_without_a_record_links_its_preview(ctx: RenderContext) -> None:
    v = full_version()
    v = v.model_copy(update={"photos": [v.photos[0].model_copy(update={"media_id": "unknown", "alt": None})]})
    _, doc = _page(v, ctx)
    img = doc.find(".//figure/img")
    assert img.get("src") == "https://wire.example.org/media/unknown/preview"
    assert img.get("alt") == "Trucks at the border" and img.get("width") is None

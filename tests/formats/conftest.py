"""Fixtures for the format tests: a story version with every field set, and the shared files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsflow.formats.base import RenderContext
from newsflow.model import Concept, Contributor, Photo, PubStatus, Rendition, Role, StoryVersion
from tests.conftest import shared

MEDIA = {
    "m1": {"id": "m1", "filename": "ural.jpg", "content_type": "image/jpeg", "width": 1600, "height": 1067,
           "caption": "Seized trucks at the border", "credit": "Newsflow Agency / R. Reporter",
           "renditions": {"original": {"file": "original.jpg", "mimetype": "image/jpeg", "width": 1600,
                                       "height": 1067},
                          "thumbnail": {"file": "thumbnail.jpg", "mimetype": "image/jpeg", "width": 320,
                                        "height": 213},
                          "preview": {"file": "preview.jpg", "mimetype": "image/jpeg", "width": 1280,
                                      "height": 853}}},
}


def _media(media_id: str) -> dict[str, Any] | None:
    return MEDIA.get(media_id)


@pytest.fixture
def ctx() -> RenderContext:
    return RenderContext(base_url="https://wire.example.org", provider="Newsflow Agency",
                         provider_uri="https://wire.example.org/", media=_media)


def stored_as_remote(photo: Photo, ctx: RenderContext) -> Photo:
    """What a stored photo becomes in a format that carries links: a remote photo whose href is its
    `original` rendition, with every rendition of its media-library record as a remote rendition."""
    if not photo.media_id:
        return photo
    record = ctx.media(photo.media_id) or {}
    renditions = [Rendition(name=name, href=ctx.rendition_href(photo.media_id, name), mimetype=r.get("mimetype"),
                            width=r.get("width"), height=r.get("height"), size=r.get("size"),
                            duration=r.get("duration"))
                  for name, r in (record.get("renditions") or {}).items()]
    return photo.model_copy(update={"media_id": None, "href": ctx.rendition_href(photo.media_id, "original"),
                                    "renditions": renditions})


def full_version(**changes: Any) -> StoryVersion:
    """A version shaped like the seed article, with every model field filled in."""
    fields: dict[str, Any] = dict(
        guid="20201002-4a1b2c3d4e5f6a7b", version=2, pubstatus=PubStatus.usable,
        first_published=datetime(2020, 10, 2, 9, 15, tzinfo=UTC),
        version_created=datetime(2020, 10, 2, 14, 40, tzinfo=UTC),
        is_correction=False, editor_note=None,
        headline="Border patrol finds abandoned trucks and crates",
        spot="Agency team at the frontier sees equipment left behind after a retreat",
        summary="Reporters saw trucks and crates left at the frontier.",
        body_html=("<p>Soldiers found a row of trucks on Friday.</p><p>Most were intact.</p>"
                   "<h2>Background to the dispute</h2><p>The border has been tense for years.</p>"),
        categories=["World", "Europe", "Asia - Pacific"], dossier="Frontier Watch",
        contributors=[Contributor(name="Rana Reporter", role=Role.reporter, place="Baku"),
                      Contributor(name="Walt Writer", role=Role.writer, place="Ankara")],
        dateline="BAKU, Azerbaijan",
        photos=[Photo(media_id="m1", title="Trucks at the border", caption="Seized trucks at the border",
                      credit="Newsflow Agency / R. Reporter", alt="A row of green trucks"),
                Photo(href="https://photos.example.org/crates.jpg", title="Crates",
                      caption="Crates of ammunition", credit="Partner Agency")],
        language="en", urgency=4, embargo=datetime(2020, 10, 2, 16, 0, tzinfo=UTC),
        subjects=[Concept(name="unrest, conflicts and war", code="subj:16000000")],
        places=[Concept(name="Baku"), Concept(name="Azerbaijan", code="iso3166-1a2:AZ")],
        people=[Concept(name="Rana Reporter")], organisations=[Concept(name="Border Guard Service")],
        keywords=["border", "trucks"], translation_group="tg-frontier-1",
        related=["20201001-0000000000000001"], public=True, slugline="frontier-trucks",
    )
    fields.update(changes)
    return StoryVersion(**fields)


@pytest.fixture
def version() -> StoryVersion:
    return full_version()


def corpus_files(folder: str) -> list[Path]:
    return sorted(shared("corpus", "agency", folder).iterdir())


def iptc(*parts: str) -> Path:
    return shared("iptc", *parts)

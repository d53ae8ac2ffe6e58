"""An item rendered by another Newsflow links its stored photos as {base}/media/{id}/{rendition}: ingest keeps
them as remote references, never as a media id this database does not have (ingest.media)."""

from __future__ import annotations

import pytest

from newsflow.formats.base import RenderContext
from newsflow.formats.registry import OUTPUTS
from newsflow.ingest import Outcome
from newsflow.ingest.media import foreign_as_remote
from newsflow.model import Photo
from newsflow.services import Services
from tests.formats.conftest import _media, full_version

OTHER = RenderContext(base_url="https://other-newsflow.example", provider="Other Agency",
                      provider_uri="https://other-newsflow.example/", media=_media)


@pytest.mark.parametrize("fmt", ["ninjs", "ninjs3", "newsmlg2", "nitf"])
def test_another_newsflow_s_stored_photo_stays_a_remote_reference(services: Services, fmt: str) -> None:
    sent = full_version(guid=f"other-{fmt}", version=1, embargo=None, related=[])
    data = OUTPUTS[fmt].render(sent, OTHER)
    [result] = services.ingestor.ingest_bytes(data, f"other.{fmt}")
    assert result.outcome == Outcome.ingested
    photos = services.store.get_version(result.guid or "").photos
    # m1 is the other database's photo: never a media id here
    assert all(p.media_id is None for p in photos)
    held = [p for p in photos if p.href and p.href.startswith(f"{OTHER.base_url}/media/m1/")]
    assert held or any("'m1'" in note for note in result.notes), (fmt, photos, result.notes)
    if fmt != "newsmlg2":  # the G2 parser keeps only the id of a Newsflow photo's link (its href is lost)
        assert held and {r.name for r in held[0].renditions} >= {"original", "preview", "thumbnail"}


def test_a_media_id_held_here_is_kept_and_a_foreign_one_without_a_link_is_left_out() -> None:
    item = full_version(photos=[Photo(media_id="here1"), Photo(media_id="gone1"),
                                Photo(media_id="gone2", href="https://other.example/media/gone2/original")])
    fixed, dropped = foreign_as_remote(item, {"here1"})
    assert [(p.media_id, p.href) for p in fixed.photos] == [
        ("here1", None), (None, "https://other.example/media/gone2/original")]
    assert len(dropped) == 1 and "'gone1'" in dropped[0]
    same, none = foreign_as_remote(item.model_copy(update={"photos": item.photos[:1]}), {"here1"})
    assert none == [] and same.photos == item.photos[:1]

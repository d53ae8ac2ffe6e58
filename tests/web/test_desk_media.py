"""The desk with media of every kind: an editor picks a story's item kind, uploads a video, an audio
clip or a picture to it, and sees the poster frame and the duration; a file of no kind Newsflow takes
is refused next to its field (415's words, naming the file) and leaves nothing behind."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsflow.model import ItemKind
from newsflow.services import Services
from tests.clips import DURATION
from tests.web.test_desk import as_role, guid_of, post_story, story_form

Clip = Callable[[str], bytes]



@pytest.fixture
def database_url(tmp_path: Path) -> str:
    # the desk's forms are the same on both stores (tests/web/test_desk.py runs both); SQLite is enough here
    return f"sqlite:///{tmp_path / 'desk.db'}"


def test_a_video_item_is_uploaded_with_its_poster_frame_and_duration(client: TestClient, services: Services,
                                                                    clip: Clip) -> None:
    as_role(client, services, "editor")
    data = story_form(client, kind="video", headline="Ferry leaves the harbour", photo_new_caption="The ferry",
                      photo_new_credit="Agency / V. Ideo", photo_new_alt="A ferry turning in the harbour")
    r = client.post("/desk/stories/new", data=data, files={"photo_file": ("ferry.mp4", clip("mp4"), "video/mp4")},
                    follow_redirects=False)
    guid = guid_of(r)
    draft = services.store.get_story(guid).draft
    assert draft.kind == ItemKind.video
    [video] = draft.photos
    assert (video.kind, video.caption, video.alt) == (ItemKind.video, "The ferry", "A ferry turning in the harbour")
    assert video.media_id is not None
    page = client.get(f"/desk/stories/{guid}").text
    assert re.search(r'<option value="video" selected>Video</option>', page)
    player = re.search(r'<video controls[^>]* poster="([^"]+)"[^>]*><source src="([^"]+)" type="video/mp4">',
                       page)
    assert player, page
    assert player.group(1) == f"/desk/media/{video.media_id}/preview"
    assert player.group(2) == f"/desk/media/{video.media_id}/original"
    assert f"duration 0:0{round(DURATION)}" in page
    poster = client.get(player.group(1))
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"
    original = client.get(player.group(2), headers={"Range": "bytes=0-99"})
    assert original.status_code == 206 and len(original.content) == 100  # the browser's player seeks
    # saved again, the media row keeps its kind (a hidden field of the form)
    data = story_form(client, f"/desk/stories/{guid}", kind="video", photo_kind=["video"],
                      photo_media_id=[video.media_id], photo_href=[""], photo_title=[""], photo_caption=["Ferry"],
                      photo_credit=[""], photo_alt=["A ferry"])
    guid_of(client.post(f"/desk/stories/{guid}", data=data, follow_redirects=False))
    assert services.store.get_story(guid).draft.photos[0].kind == ItemKind.video


def test_an_audio_clip_gets_a_player(client: TestClient, services: Services, clip: Clip) -> None:
    as_role(client, services, "editor")
    data = story_form(client, kind="audio", photo_new_caption="The mayor speaks")
    r = client.post("/desk/stories/new", data=data, files={"photo_file": ("mayor.m4a", clip("m4a"), "audio/mp4")},
                    follow_redirects=False)
    guid = guid_of(r)
    [audio] = services.store.get_story(guid).draft.photos
    assert audio.kind == ItemKind.audio
    page = client.get(f"/desk/stories/{guid}").text
    assert f'<source src="/desk/media/{audio.media_id}/original" type="audio/mp4">' in page
    assert "<audio controls" in page and "duration 0:02" in page


def test_a_file_of_no_kind_taken_is_refused_next_to_its_field(client: TestClient, services: Services,
                                                              clip: Clip) -> None:
    clip("mp4")  # skips without ffmpeg: the refusal's words come from ffprobe
    as_role(client, services, "editor")
    data = story_form(client, kind="video")
    r = client.post("/desk/stories/new", data=data,
                    files={"photo_file": ("notes.mp4", b"minutes of the meeting", "video/mp4")})
    assert r.status_code == 422 and 'id="e-photo_file"' in r.text
    assert "Media file: &#39;notes.mp4&#39; is not MP4, MOV or WebM video" in r.text
    assert services.store.count_stories() == 0
    media_dir = services.settings.media_dir
    assert not media_dir.exists() or not any(media_dir.iterdir())


def test_the_item_kind_is_chosen_and_shown_in_the_history(client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    guid = guid_of(post_story(client, kind="graphic", action="publish"))
    assert services.store.get_story(guid).draft.kind == ItemKind.graphic
    page = client.get(f"/desk/stories/{guid}").text
    kinds = re.findall(r'<option value="(\w+)"', page.split('id="f-kind"')[1].split("</select>")[0])
    assert kinds == ["text", "picture", "video", "audio", "graphic"]
    guid_of(client.post(f"/desk/stories/{guid}", data=story_form(client, f"/desk/stories/{guid}", kind="picture",
                                                                  action="update"), follow_redirects=False))
    diff = client.get(f"/desk/stories/{guid}/diff?a=1&b=2").text
    assert "Item kind" in diff and "Graphic" in diff and "Picture" in diff
    r = client.post("/desk/stories/new", data=story_form(client, kind="podcast"))
    assert r.status_code == 422 and 'id="e-kind"' in r.text and "Item kind" in r.text

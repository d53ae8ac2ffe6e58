"""AP Media API JSON video, audio and graphic items keep their kind and every rendition AP offers, with
size, dimensions and duration (issue 11: AP-style audio and video items became text items with no media).
The responses are written for these tests in the shape of the API's content responses."""

from __future__ import annotations

import json
from typing import Any

from newsflow.formats import apmedia
from newsflow.formats.detect import detect
from newsflow.model import ItemKind


def response(kind: str, renditions: dict[str, dict[str, Any]]) -> bytes:
    item = {"uri": "https://api.example.net/media/v/content/0a1b2c3d4e5f60718293a4b5c6d7e8f9?qt=x",
            "altids": {"itemid": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "etag": "0a1b2c3d_0"},
            "version": 0, "type": kind, "headline": "Storm surge floods coastal road",
            "versioncreated": "2026-03-03T14:30:00Z", "firstcreated": "2026-03-03T14:00:00Z",
            "pubstatus": "usable", "language": "en",
            "description_caption": "Waves break over the coastal road.", "description_creditline": "AP",
            "renditions": renditions}
    return json.dumps({"api_version": "2", "data": {"item": item}}).encode()


def video_rendition(name: str, height: int, size: int) -> dict[str, Any]:
    return {"title": f"{name} (MP4)", "rel": name.title(), "type": "video", "format": "MPEG-4",
            "mimetype": "video/mp4", "href": f"https://api.example.net/download/{name}.mp4?cid=1",
            "width": height * 16 // 9, "height": height, "sizeinbytes": size, "durationinseconds": 72}


def test_video_item_keeps_every_rendition_with_size_and_duration() -> None:
    renditions = {f"main{h}": video_rendition(f"main{h}", h, h * 10_000) for h in (1080, 720, 540, 360, 270)}
    renditions |= {"preview": video_rendition("preview", 360, 900_000),
                   "thumbnail": {"type": "picture", "mimetype": "image/jpeg", "width": 160, "height": 90,
                                 "href": "https://api.example.net/download/thumb.jpg", "sizeinbytes": 5_000},
                   "script_nitf": {"type": "text", "mimetype": "text/xml", "href": "https://api.example.net/s.xml"}}
    data = response("video", renditions)
    assert detect(data) == "apmedia"
    [story] = apmedia.parse(data, "video.json")
    assert story.kind == ItemKind.video
    [video] = story.photos
    assert video.kind == ItemKind.video and len(video.renditions) == 8
    assert video.href == "https://api.example.net/download/main1080.mp4?cid=1"  # the largest video, no "main"
    first = video.renditions[0]
    assert (first.name, first.mimetype, first.width, first.height, first.size, first.duration) == (
        "main1080", "video/mp4", 1920, 1080, 10_800_000, 72)
    assert [r.name for r in video.renditions if r.duration == 72] == [
        "main1080", "main720", "main540", "main360", "main270", "preview"]
    assert video.caption == "Waves break over the coastal road." and video.credit == "AP"


def test_audio_item_keeps_its_three_renditions() -> None:
    renditions = {"main": {"type": "audio", "mimetype": "audio/mpeg", "href": "https://api.example.net/a.mp3",
                           "sizeinbytes": 1_440_000, "durationinseconds": 90.5},
                  "hq": {"type": "audio", "mimetype": "audio/wav", "href": "https://api.example.net/a.wav",
                         "sizeinbytes": 15_966_000, "durationinseconds": 90.5},
                  "script_nitf": {"type": "text", "mimetype": "text/xml", "href": "https://api.example.net/a.xml"}}
    [story] = apmedia.parse(response("audio", renditions), "audio.json")
    assert story.kind == ItemKind.audio
    [audio] = story.photos
    assert audio.href == "https://api.example.net/a.mp3"  # AP's main
    assert [(r.name, r.size, r.duration) for r in audio.renditions] == [
        ("main", 1_440_000, 90.5), ("hq", 15_966_000, 90.5), ("script_nitf", None, None)]


def test_graphic_item_is_a_graphic() -> None:
    renditions = {"main": {"type": "graphic", "mimetype": "image/png", "href": "https://api.example.net/g.png",
                           "width": 1200, "height": 800, "sizeinbytes": 80_000}}
    [story] = apmedia.parse(response("graphic", renditions), "graphic.json")
    assert story.kind == ItemKind.graphic and story.photos[0].kind == ItemKind.graphic
    assert story.photos[0].renditions[0].size == 80_000


def test_media_item_whose_renditions_have_no_link_keeps_its_words() -> None:
    [story] = apmedia.parse(response("video", {"main": {"type": "video", "mimetype": "video/mp4"}}), "v.json")
    assert story.kind == ItemKind.video and story.photos == []
    assert story.spot == "Waves break over the coastal road."

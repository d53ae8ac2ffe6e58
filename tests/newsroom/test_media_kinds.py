"""The media library takes pictures, graphics, video and audio: each kind gets its renditions, its
facts are read from the file (ffprobe), never its name, and a refused upload leaves nothing behind."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from newsflow.model import ItemKind, utcnow
from newsflow.newsroom import MediaError, MediaLibrary
from newsflow.newsroom.media import av
from newsflow.store import Store
from newsflow.web.media_view import clock
from tests.clips import DURATION
from tests.helpers import jpeg

Clip = Callable[..., bytes]



@pytest.fixture
def library(tmp_path: Path) -> MediaLibrary:
    store = Store(f"sqlite:///{tmp_path / 'media.db'}")
    store.migrate()
    return MediaLibrary(store, tmp_path / "media")


def _leftovers(library: MediaLibrary) -> list[Path]:
    return list(library.root.rglob("*")) if library.root.exists() else []


@pytest.mark.parametrize(("fmt", "mimetype", "codec"), [("mp4", "video/mp4", "h264"),
                                                         ("mov", "video/quicktime", "h264"),
                                                         ("webm", "video/webm", "vp8")])
def test_a_video_gets_its_facts_and_a_poster_frame(library: MediaLibrary, clip: Clip, fmt: str, mimetype: str,
                                                  codec: str) -> None:
    record = library.add(clip(fmt), filename=f"harbour.{fmt}", caption="Ferry leaves", credit="Agency / V. Ideo")
    assert (record["kind"], record["content_type"], record["width"], record["height"]) == ("video", mimetype,
                                                                                            320, 240)
    assert record["duration"] == pytest.approx(DURATION, abs=0.1)
    files = record["renditions"]
    assert files.keys() == {"original", "preview", "thumbnail"}
    assert files["original"] | {"size": 0} == {"file": f"original.{fmt}", "mimetype": mimetype, "width": 320,
                                               "height": 240, "duration": record["duration"], "codec": codec,
                                               "size": 0}
    assert files["original"]["size"] == record["size"] == len(clip(fmt))
    for name in ("preview", "thumbnail"):
        path, kind = library.path(record["id"], name)
        with Image.open(path) as poster:
            assert (poster.format, kind) == ("JPEG", "image/jpeg")
            assert poster.size == (files[name]["width"], files[name]["height"]) == (320, 240)
            # testsrc's frame is colourful: a black frame (a failed seek) would have one colour
            assert len(poster.convert("RGB").getcolors(1 << 16) or []) > 50
        assert files[name]["size"] == path.stat().st_size


@pytest.mark.parametrize(("fmt", "mimetype"), [("mp3", "audio/mpeg"), ("m4a", "audio/mp4"), ("wav", "audio/wav"),
                                               ("ogg", "audio/ogg")])
def test_audio_keeps_its_original_with_duration_and_type(library: MediaLibrary, clip: Clip, fmt: str,
                                                         mimetype: str) -> None:
    record = library.add(clip(fmt), filename=f"interview.{fmt}")
    assert (record["kind"], record["content_type"], record["width"], record["height"]) == ("audio", mimetype,
                                                                                            None, None)
    assert record["duration"] == pytest.approx(DURATION, abs=0.15)
    assert record["renditions"].keys() == {"original"}
    path, kind = library.path(record["id"], "original")
    assert kind == mimetype and path.read_bytes() == clip(fmt)


def test_the_file_decides_not_its_name(library: MediaLibrary, clip: Clip) -> None:
    record = library.add(clip("mp4"), filename="actually-a-song.mp3")
    assert (record["kind"], record["content_type"]) == ("video", "video/mp4")
    assert record["renditions"]["original"]["file"] == "original.mp4"


def test_pictures_get_highres_only_when_larger(library: MediaLibrary) -> None:
    big = library.add(jpeg(4000, 2000), filename="wide.jpg")
    assert big["kind"] == "picture"
    sizes = {name: (info["width"], info["height"]) for name, info in big["renditions"].items()}
    assert sizes == {"original": (4000, 2000), "highres": (3000, 1500), "preview": (1280, 640),
                     "thumbnail": (320, 160)}
    small = library.add(jpeg(2000, 1000), filename="small.jpg")
    assert small["renditions"].keys() == {"original", "preview", "thumbnail"}
    buf = io.BytesIO()
    Image.new("RGB", (900, 600), (250, 250, 250)).save(buf, "PNG")
    chart = library.add(buf.getvalue(), filename="chart.png", kind=ItemKind.graphic)
    assert (chart["kind"], chart["content_type"]) == ("graphic", "image/png")
    # a picture uploaded as video stays a picture: the kind asked for only tells pictures from graphics
    assert library.add(jpeg(), filename="x.jpg", kind=ItemKind.video)["kind"] == "picture"


def _playlist() -> bytes:
    # an HLS playlist naming a local file: ffmpeg would read /etc/hostname into a "video" without the
    # format whitelist
    return b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/hostname\n#EXT-X-ENDLIST\n"


@pytest.mark.parametrize(("data", "why"), [
    (b"just some words, not a film", "is not MP4, MOV or WebM video"),
    (_playlist(), "is not MP4, MOV or WebM video"),
])
def test_anything_else_is_415_naming_the_file_and_leaves_nothing(library: MediaLibrary, clip: Clip, data: bytes,
                                                                  why: str) -> None:
    clip("mp4")  # skips without ffmpeg: the refusal's words come from ffprobe
    with pytest.raises(MediaError) as refused:
        library.add(data, filename="evening-news.mp4")
    message = refused.value.message
    assert refused.value.status == 415 and "'evening-news.mp4'" in message and why in message
    assert _leftovers(library) == []


def test_ffprobe_facts_outside_the_accepted_set_are_refused() -> None:
    theora = {"format": {"format_name": "ogg", "duration": "1.0"},
              "streams": [{"codec_type": "video", "codec_name": "theora", "width": 32, "height": 32}]}
    with pytest.raises(MediaError, match="has theora video"):
        av.describe(theora, "old.ogv")
    with pytest.raises(MediaError, match="is avi"):
        av.describe({"format": {"format_name": "avi"}, "streams": []}, "clip.avi")
    silent = {"format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2"}, "streams": [{"codec_type": "data"}]}
    with pytest.raises(MediaError, match="neither video nor audio"):
        av.describe(silent, "empty.mp4")
    cover = {"format": {"format_name": "mp3", "duration": "3.5"},
             "streams": [{"codec_type": "audio", "codec_name": "mp3"},
                         {"codec_type": "video", "codec_name": "mjpeg", "disposition": {"attached_pic": 1}}]}
    assert av.describe(cover, "song.mp3") == av.AVInfo(ItemKind.audio, "audio/mpeg", "mp3", "mp3", "mp3", 3.5)


def test_size_limits_per_kind_name_their_setting(tmp_path: Path, clip: Clip) -> None:
    store = Store(f"sqlite:///{tmp_path / 'limits.db'}")
    store.migrate()
    video, song = clip("mp4"), clip("mp3")
    assert len(song) < len(video)
    library = MediaLibrary(store, tmp_path / "media", max_bytes=len(song) - 1, max_video_bytes=len(video) + 10)
    assert library.upload_cap == len(video) + 10
    assert library.add(video, filename="ok.mp4")["kind"] == "video"  # over max_bytes, under the video limit
    with pytest.raises(MediaError) as refused:
        library.add(song, filename="long.mp3")
    assert refused.value.status == 413 and "NEWSFLOW_MAX_UPLOAD_MB" in refused.value.message
    tight = MediaLibrary(store, tmp_path / "tight", max_bytes=len(song) + 10, max_video_bytes=len(video) - 1)
    with pytest.raises(MediaError) as refused:
        tight.add(io.BytesIO(video), filename="long.mp4")  # a stream is held to the limits as it is copied
    assert refused.value.status == 413 and "'long.mp4'" in refused.value.message
    # copied whole under the pictures' larger limit, the video is then held to its own
    loose = MediaLibrary(store, tmp_path / "loose", max_bytes=len(video) * 2, max_video_bytes=len(video) - 1)
    with pytest.raises(MediaError, match="NEWSFLOW_MAX_VIDEO_MB"):
        loose.add(video, filename="long.mp4")
    assert list((tmp_path / "tight").rglob("*")) == list((tmp_path / "loose").rglob("*")) == []


def test_a_hung_ffprobe_is_cut_off_and_nothing_is_kept(library: MediaLibrary, clip: Clip,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    data = clip("mp4")
    seen: list[dict[str, Any]] = []

    def hung(args: list[str], **kwargs: Any) -> None:
        seen.append({"args": args, **kwargs})
        raise subprocess.TimeoutExpired(args, kwargs["timeout"])

    monkeypatch.setattr(av.subprocess, "run", hung)
    with pytest.raises(MediaError, match="took more than 30 s") as refused:
        library.add(data, filename="stuck.mp4")
    assert refused.value.status == 415
    # a fixed argument list, no shell, a timeout, only local files and the accepted containers
    call = seen[0]
    assert isinstance(call["args"], list) and "shell" not in call and call["timeout"] == av.PROBE_TIMEOUT
    assert call["args"][call["args"].index("-protocol_whitelist") + 1] == "file"
    assert call["args"][-1].startswith("file:/")
    assert _leftovers(library) == []


def test_without_ffmpeg_video_is_refused_but_pictures_still_work(library: MediaLibrary, clip: Clip,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = clip("mp4")
    monkeypatch.setattr(av.shutil, "which", lambda _name: None)
    with pytest.raises(MediaError, match="ffprobe is not installed") as refused:
        library.add(data, filename="clip.mp4")
    assert refused.value.status == 415
    assert library.add(jpeg(), filename="still.jpg")["kind"] == "picture"


def test_every_rendition_file_passes_the_hooks(library: MediaLibrary, clip: Clip) -> None:
    seen: list[tuple[str, str, ItemKind, bool]] = []

    def hook(path: Path, name: str, entry: dict[str, Any], kind: ItemKind) -> dict[str, Any]:
        seen.append((name, entry["file"], kind, path.is_file()))
        path.write_bytes(path.read_bytes() + b"\0signed")  # a signer may rewrite the file
        return entry | {"signed": True}

    library.rendition_hooks.append(hook)
    record = library.add(clip("webm"), filename="v.webm")
    picture = library.add(jpeg(3200, 1800), filename="p.jpg")
    assert [(n, k) for n, _, k, _ in seen] == [
        ("original", ItemKind.video), ("preview", ItemKind.video), ("thumbnail", ItemKind.video),
        ("original", ItemKind.picture), ("highres", ItemKind.picture), ("preview", ItemKind.picture),
        ("thumbnail", ItemKind.picture)]
    assert all(exists for *_, exists in seen)
    for media in (record, picture):
        for name, entry in media["renditions"].items():
            path, _ = library.path(media["id"], name)
            assert entry["signed"] and entry["size"] == path.stat().st_size  # the size of the file as kept


def test_media_kinds_are_stored_on_both_stores(store: Store) -> None:
    # audio has no pixels; a long video is over 2 GiB (a 32-bit size column would overflow on PostgreSQL)
    store.add_media(id="a1", filename="a.mp3", content_type="audio/mpeg", kind="audio", width=None, height=None,
                    duration=61.25, size=5 * 2**30, caption="", credit="", renditions={}, created=utcnow())
    got = store.get_media("a1")
    assert (got["kind"], got["width"], got["duration"], got["size"]) == ("audio", None, 61.25, 5 * 2**30)


@given(st.floats(min_value=0, max_value=10**6, allow_nan=False))
def test_clock_reads_back_as_the_rounded_seconds(seconds: float) -> None:
    parts = [int(p) for p in clock(seconds).split(":")]
    assert 2 <= len(parts) <= 3 and all(0 <= p < 60 for p in parts[1:])
    assert sum(p * 60**i for i, p in enumerate(reversed(parts))) == round(seconds)


def test_migration_0018_keeps_earlier_media_as_pictures(database_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from newsflow.store.engine import MIGRATIONS

    store = Store(database_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))

    def to(revision: str, down: bool = False) -> None:
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(cfg, revision)

    try:
        to("0017")
        stamp: Any = "2026-03-01 12:00:00.000000" if store.dialect == "sqlite" else utcnow()
        with store.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO media (id, filename, content_type, width, height, size, caption, credit,"
                                 " renditions, created) VALUES ('m1', 'quay.jpg', 'image/jpeg', 800, 533, 1234, '',"
                                 " '', '{}', :t)"), {"t": stamp})
        to("head")
        row = store.get_media("m1")
        assert (row["kind"], row["width"], row["height"], row["duration"], row["size"]) == ("picture", 800, 533,
                                                                                           None, 1234)
        to("0017", down=True)  # and back, for a picture
        with store.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT width FROM media WHERE id = 'm1'")).scalar() == 800
    finally:
        store.close()

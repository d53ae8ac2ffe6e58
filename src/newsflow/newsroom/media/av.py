"""Video and audio: what a file is, read by ffprobe, and a poster frame taken by ffmpeg.

Both programs are Debian's (`apt-get install ffmpeg`; scripts/serve.sh and scripts/test.sh install
it when missing). They run with a fixed argument list (never a shell), a timeout, and two
whitelists: only local files (`-protocol_whitelist file`) and only the container formats Newsflow
takes (`-format_whitelist`). Without the second, an upload that is really an HLS or concat playlist
would make ffmpeg open whatever files or addresses it names. A file is taken for what ffprobe finds
in it, never for its name.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from newsflow.model import ItemKind
from newsflow.newsroom.media.errors import MediaError

PROBE_TIMEOUT = 30.0  # seconds: ffprobe reads headers only
FRAME_TIMEOUT = 60.0  # seconds: ffmpeg decodes up to the poster frame
# ffmpeg's demuxer names of the containers taken: MP4/MOV/M4A, Matroska/WebM, MP3, WAV, Ogg.
DEMUXERS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "mp3", "wav", "ogg")
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4"})
AUDIO_CODECS = frozenset({"aac", "mp3", "vorbis", "opus", "flac", "alac", "pcm_s16le", "pcm_s24le",
                          "pcm_s32le", "pcm_f32le", "pcm_u8"})
TAKEN = "MP4, MOV or WebM video (H.264, H.265, VP8, VP9, AV1) or MP3, M4A, WAV or Ogg audio"
_WHITELISTS = ("-protocol_whitelist", "file", "-format_whitelist", ",".join(DEMUXERS))


@dataclass(frozen=True)
class AVInfo:
    """What ffprobe found in a video or audio file Newsflow takes."""

    kind: ItemKind  # video or audio
    mimetype: str
    extension: str
    demuxer: str  # ffmpeg's name of its container, forced when the poster frame is taken
    codec: str  # of the video stream (video) or the audio stream (audio)
    duration: float | None
    width: int | None = None
    height: int | None = None


def available() -> bool:
    """Whether ffprobe and ffmpeg are installed (video and audio uploads need both)."""
    return shutil.which("ffprobe") is not None and shutil.which("ffmpeg") is not None


def _run(program: str, args: list[str], timeout: float, filename: str) -> bytes:
    binary = shutil.which(program)
    if binary is None:
        raise MediaError(f"{filename!r} looks like video or audio, but {program} is not installed on this "
                         "server (apt-get install ffmpeg)", 415)
    try:
        # ffmpeg would read keys from stdin (ffprobe has no such option and refuses it)
        quiet = ["-nostdin"] if program == "ffmpeg" else []
        done = subprocess.run([binary, *quiet, "-hide_banner", "-v", "error", *args],
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{filename!r}: {program} took more than {timeout:g} s; the file is refused", 415) \
            from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unreadable"]
        # the server's path for the file is no business of the uploader's
        raise MediaError(f"{filename!r} is not {TAKEN} ({reason[0].split(': ')[-1]})", 415)
    return done.stdout


def probe(path: Path, filename: str) -> AVInfo:
    """What `path` holds, or MediaError 415 naming `filename` when it is no video or audio Newsflow takes."""
    out = _run("ffprobe", [*_WHITELISTS, "-print_format", "json", "-show_format", "-show_streams",
                           f"file:{path.resolve()}"], PROBE_TIMEOUT, filename)
    try:
        found = json.loads(out)
    except ValueError:
        raise MediaError(f"{filename!r}: ffprobe's answer could not be read", 415) from None
    return describe(found, filename)


def describe(found: dict[str, Any], filename: str) -> AVInfo:
    """The AVInfo of ffprobe's JSON (`-show_format -show_streams`); MediaError 415 for what is not taken."""
    container = found.get("format") or {}
    names = str(container.get("format_name") or "").split(",")
    demuxer = names[0]
    if demuxer not in DEMUXERS:
        raise MediaError(f"{filename!r} is {demuxer or 'of no known format'}; upload {TAKEN}", 415)
    streams = found.get("streams") or []
    # a still picture attached to an MP3 or M4A (its cover) is not a video stream
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not (s.get("disposition") or {}).get("attached_pic")]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    duration = _seconds(container.get("duration")) or max(
        (d for d in (_seconds(s.get("duration")) for s in videos + audios) if d), default=None)
    if videos:
        stream = videos[0]
        codec = str(stream.get("codec_name") or "")
        if codec not in VIDEO_CODECS:
            raise MediaError(f"{filename!r} has {codec or 'unknown'} video; upload {TAKEN}", 415)
        width, height = int(stream.get("width") or 0), int(stream.get("height") or 0)
        if width < 1 or height < 1:
            raise MediaError(f"{filename!r}: its video has no picture size", 415)
        mimetype, extension = _video_type(demuxer, codec, container)
        return AVInfo(ItemKind.video, mimetype, extension, demuxer, codec, duration, width, height)
    if audios:
        codec = str(audios[0].get("codec_name") or "")
        if codec not in AUDIO_CODECS:
            raise MediaError(f"{filename!r} has {codec or 'unknown'} audio; upload {TAKEN}", 415)
        mimetype, extension = _audio_type(demuxer)
        return AVInfo(ItemKind.audio, mimetype, extension, demuxer, codec, duration)
    raise MediaError(f"{filename!r} has neither video nor audio; upload {TAKEN}", 415)


def _seconds(value: Any) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return round(seconds, 3) if math.isfinite(seconds) and seconds > 0 else None


def _video_type(demuxer: str, codec: str, container: dict[str, Any]) -> tuple[str, str]:
    if demuxer == "matroska":
        return ("video/webm", "webm") if codec in {"vp8", "vp9", "av1"} else ("video/x-matroska", "mkv")
    brand = str((container.get("tags") or {}).get("major_brand") or "").strip().lower()
    return ("video/quicktime", "mov") if brand == "qt" else ("video/mp4", "mp4")


def _audio_type(demuxer: str) -> tuple[str, str]:
    return {"mp3": ("audio/mpeg", "mp3"), "wav": ("audio/wav", "wav"), "ogg": ("audio/ogg", "ogg"),
            "matroska": ("audio/webm", "webm")}.get(demuxer, ("audio/mp4", "m4a"))


def poster_frame(path: Path, info: AVInfo, filename: str) -> Image.Image:
    """A still of the video a little way in (a first frame is often black), as a Pillow image."""
    at = min(1.0, info.duration / 3) if info.duration else 0.0
    for start in dict.fromkeys((at, 0.0)):  # past the last frame ffmpeg gives nothing: then the first
        png = _run("ffmpeg", [*_WHITELISTS, "-ss", f"{start:.3f}", "-f", info.demuxer, "-i",
                              f"file:{path.resolve()}", "-frames:v", "1", "-an", "-f", "image2pipe",
                              "-c:v", "png", "-"], FRAME_TIMEOUT, filename)
        if png:
            image = Image.open(io.BytesIO(png))
            image.load()
            return image
    raise MediaError(f"{filename!r}: no frame of its video could be decoded", 415)

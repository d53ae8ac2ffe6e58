"""Small real video and audio files, made with Debian's ffmpeg at test time (lavfi's testsrc and
sine sources: nothing is shipped or downloaded).

Without ffmpeg the tests that need it FAIL in CI (CI=true) and are skipped elsewhere, with the
reason, as the browser tests are without chromium; scripts/test.sh installs it when it can.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

# name -> (ffmpeg output arguments, has video); every clip lasts DURATION seconds
_VIDEO = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration={d}"]
_TONE = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050:duration={d}"]
CLIPS: dict[str, tuple[list[str], list[str]]] = {
    "mp4": ([*_VIDEO, *_TONE], ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
                                "-shortest", "-f", "mp4"]),
    "mov": (_VIDEO, ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "mov"]),
    "webm": (_VIDEO, ["-c:v", "libvpx", "-b:v", "200k", "-f", "webm"]),
    "mp3": (_TONE, ["-c:a", "libmp3lame", "-f", "mp3"]),
    "m4a": (_TONE, ["-c:a", "aac", "-f", "ipod"]),
    "wav": (_TONE, ["-c:a", "pcm_s16le", "-f", "wav"]),
    "ogg": (_TONE, ["-c:a", "libvorbis", "-f", "ogg"]),
}
DURATION = 2.0


def require_ffmpeg() -> None:
    """Skip (fail in CI) unless ffmpeg and ffprobe are installed."""
    missing = [name for name in ("ffmpeg", "ffprobe") if shutil.which(name) is None]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not installed (apt-get install ffmpeg; scripts/test.sh does it)"
    if IN_CI:
        pytest.fail(f"The video and audio tests are required in CI: {reason}")
    pytest.skip(f"video and audio tests skipped: {reason}")


def make_clip(folder: Path, fmt: str, duration: float = DURATION) -> bytes:
    """The bytes of a `duration`-second clip in `fmt` (a key of CLIPS)."""
    require_ffmpeg()
    inputs, output = CLIPS[fmt]
    target = folder / f"clip-{fmt}-{duration:g}.{fmt}"
    if not target.exists():
        args = [a.format(d=duration) for a in inputs]
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, *output, str(target)], check=True,
                       timeout=120, capture_output=True)
    return target.read_bytes()

"""Stand-in video and audio for the demo, made with ffmpeg at load time (nothing shipped, nothing
downloaded): a moving test card with a tone, and a tone with a slow tremolo for the audio clip.

Without ffmpeg (Debian's `apt-get install ffmpeg`) there are none: `demo_clip` returns None and the
loader leaves the video and audio items out, saying so in the log.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

TIMEOUT = 120.0  # seconds; a few seconds of 640x360 take well under one on a laptop

# kind -> (file extension, ffmpeg arguments between the fixed head and the output file); the "d"
# placeholder is the clip's length in seconds. testsrc2 is ffmpeg's built-in moving test card; the
# audio is a sine at 220 Hz with a slow tremolo, so the waveform is not a flat band.
_RECIPES: dict[str, tuple[str, list[str]]] = {
    "video": ("mp4", ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration={d}",
                      "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration={d}",
                      "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
                      "-c:a", "aac", "-b:a", "96k", "-shortest", "-f", "mp4"]),
    "audio": ("mp3", ["-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100:duration={d}",
                      "-af", "tremolo=f=0.7:d=0.6", "-c:a", "libmp3lame", "-b:a", "96k", "-f", "mp3"]),
}


def available() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def demo_clip(kind: str, seconds: float) -> tuple[bytes, str] | None:
    """The bytes and file extension of a `kind` ("video" or "audio") clip of `seconds`, or None
    without ffmpeg (or when it fails)."""
    binary = shutil.which("ffmpeg")
    if binary is None:
        return None
    extension, recipe = _RECIPES[kind]
    with tempfile.TemporaryDirectory(prefix="newsflow-demo-") as folder:
        target = Path(folder) / f"clip.{extension}"
        args = [a.format(d=f"{seconds:g}") for a in recipe]
        done = subprocess.run([binary, "-nostdin", "-v", "error", "-y", *args, str(target)], capture_output=True,
                              timeout=TIMEOUT, check=False)
        if done.returncode != 0 or not target.exists():
            return None
        return target.read_bytes(), extension

"""Small test helpers shared by several test modules."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(width: int = 800, height: int = 533, colour: tuple[int, int, int] = (30, 90, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "JPEG")
    return buf.getvalue()

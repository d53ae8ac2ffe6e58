"""Stand-in photos for the demo, drawn with Pillow at load time (nothing shipped, nothing downloaded).

Each picture is a small landscape (sky gradient, a sun, three layers of hills) whose colours and
shapes follow from a seed string, so the same seed always gives the same image, plus a label band
saying it is a demo picture.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import random
import unicodedata
from functools import cache

from PIL import Image, ImageDraw, ImageFont, ImageOps

SIZE = (1600, 1067)  # 3:2, like a press photo

RGB = tuple[int, int, int]


def demo_photo(seed: str, label: str = "", *, size: tuple[int, int] = SIZE, quality: int = 85) -> bytes:
    """A JPEG of `size` pixels, deterministic for `seed`; `label` is printed along the bottom edge."""
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    width, height = size
    hue = rng.random()

    sky_top = _hsv(hue, 0.25 + 0.3 * rng.random(), 0.97)
    sky_low = _hsv(hue + 0.06 + 0.12 * rng.random(), 0.45 + 0.3 * rng.random(), 0.7)
    # linear_gradient("L") runs black (top) to white (bottom); colorize maps that to the two colours
    gradient = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    image = ImageOps.colorize(gradient, black=sky_top, white=sky_low)
    draw = ImageDraw.Draw(image)

    radius = rng.randint(height // 14, height // 7)
    cx, cy = rng.randint(radius, width - radius), rng.randint(radius, height // 2)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=_hsv(hue + 0.5, 0.25, 1.0))

    for layer in range(3):
        base = height * (0.52 + 0.14 * layer)
        amplitude = height * (0.03 + 0.06 * rng.random())
        frequency, phase = rng.uniform(0.8, 3.2), rng.uniform(0, 2 * math.pi)
        ripple, ripple_phase = rng.uniform(4, 9), rng.uniform(0, 2 * math.pi)
        points = [(x, base - amplitude * math.sin(frequency * 2 * math.pi * x / width + phase)
                   - amplitude * 0.25 * math.sin(ripple * 2 * math.pi * x / width + ripple_phase))
                  for x in range(0, width + 1, 16)]
        colour = _hsv(hue + 0.28 + 0.06 * layer, 0.35 + 0.15 * layer, 0.62 - 0.16 * layer)
        draw.polygon([*points, (width, height), (0, height)], fill=colour)

    text = _printable(" | ".join(part for part in ("NEWSFLOW DEMO PHOTO", label) if part))
    band = max(36, height // 18)
    draw.rectangle((0, height - band, width, height), fill=(20, 20, 24))
    draw.text((band // 2, height - band // 2), text, font=_font(band * 3 // 5), fill=(236, 236, 236),
              anchor="lm")

    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def demo_chart(title: str, bars: list[tuple[str, float]], unit: str, *, size: tuple[int, int] = (1200, 800)) -> bytes:
    """A PNG bar chart (a graphic item's file): `bars` are (label, value), drawn to scale under `title`."""
    width, height = size
    image = Image.new("RGB", size, (250, 250, 247))
    draw = ImageDraw.Draw(image)
    draw.text((48, 40), _printable(title), font=_font(40), fill=(20, 20, 24))
    draw.text((48, 96), _printable(f"{unit} | NEWSFLOW DEMO GRAPHIC"), font=_font(24), fill=(90, 90, 96))
    top, bottom, left = 170, height - 90, 60
    peak = max((value for _, value in bars), default=1) or 1
    slot = (width - 2 * left) / max(len(bars), 1)
    for index, (label, value) in enumerate(bars):
        x0 = left + index * slot + slot * 0.15
        x1 = x0 + slot * 0.7
        y0 = bottom - (bottom - top) * value / peak
        draw.rectangle((x0, y0, x1, bottom), fill=(31, 95, 160))
        draw.text(((x0 + x1) / 2, y0 - 8), f"{value:g}", font=_font(26), fill=(20, 20, 24), anchor="mb")
        draw.text(((x0 + x1) / 2, bottom + 16), _printable(label), font=_font(24), fill=(20, 20, 24), anchor="mt")
    draw.line((left, bottom, width - left, bottom), fill=(20, 20, 24), width=2)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _hsv(hue: float, saturation: float, value: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, min(saturation, 1.0), min(value, 1.0))
    return round(r * 255), round(g * 255), round(b * 255)


def _printable(text: str) -> str:
    """The label in plain ASCII: Pillow's built-in font has no Arabic and few accented letters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.split())


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError, ImportError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()

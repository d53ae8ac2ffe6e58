"""Draws Newsflow's logo from one geometry: the mark (a rounded square with three wire lines, the
last ending in a live dot) as SVG and as a 512 px PNG (JSON-LD and OpenGraph want a raster), and the
mark with the wordmark as SVG. Run from the repository root after changing the geometry:

    .venv/bin/python scripts/make_logo.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parents[1] / "src" / "newsflow" / "web" / "static"
SIZE = 64  # the mark's own units
ACCENT = "#0b5cad"  # --nf-accent of base.css (light)
INK = "#1a1d21"  # --nf-fg of base.css (light)
CORNER = 14
LINES = ((14, 18, 50), (14, 31, 42), (14, 44, 32))  # x from, y, x to: three lines, each shorter
STROKE = 7
DOT = (45, 44, 5.5)  # centre x, centre y, radius


def mark_svg_body() -> str:
    lines = "".join(f'<line x1="{a}" y1="{y}" x2="{b}" y2="{y}"/>' for a, y, b in LINES)
    cx, cy, r = DOT
    return (f'<rect width="{SIZE}" height="{SIZE}" rx="{CORNER}" fill="{ACCENT}"/>'
            f'<g stroke="#fff" stroke-width="{STROKE}" stroke-linecap="round">{lines}</g>'
            f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="#fff"/>')


def mark_svg() -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
            f'role="img" aria-label="Newsflow"><title>Newsflow</title>{mark_svg_body()}</svg>\n')


def wordmark_svg() -> str:
    width = 300
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {SIZE}" width="{width}" height="{SIZE}" '
            f'role="img" aria-label="Newsflow"><title>Newsflow</title>{mark_svg_body()}'
            f'<text x="80" y="44" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="36" '
            f'font-weight="700" letter-spacing="-0.5" fill="{INK}">Newsflow</text></svg>\n')


def mark_png(pixels: int = 512) -> Image.Image:
    """The mark drawn at 4x and scaled down, for smooth edges without an SVG renderer."""
    big = pixels * 4
    k = big / SIZE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * k, fill=ACCENT)
    half = STROKE * k / 2
    for a, y, b in LINES:  # a round-capped line: a bar with a disc at each end
        draw.rectangle((a * k, y * k - half, b * k, y * k + half), fill="white")
        for x in (a, b):
            draw.ellipse((x * k - half, y * k - half, x * k + half, y * k + half), fill="white")
    cx, cy, r = DOT
    draw.ellipse(((cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k), fill="white")
    return image.resize((pixels, pixels), Image.Resampling.LANCZOS)


def main() -> None:
    (STATIC / "logo.svg").write_text(mark_svg())
    (STATIC / "logo-wordmark.svg").write_text(wordmark_svg())
    mark_png().save(STATIC / "logo.png", optimize=True)


if __name__ == "__main__":
    main()

"""Loading a gettext catalog, and compiling one (.po) into its binary form (.mo) with Babel.

Its own module with nothing but Babel and the standard library imported, so the package build
(setup.py) runs the very code the server runs when a checkout has no .mo, or an older one than its .po."""

from __future__ import annotations

import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_po(po: Path) -> bytes:
    """The .mo bytes of a .po file; fuzzy entries are left out (a guess is not a translation)."""
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name)
    out = BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write the .mo beside every .po under `locale_dir` (the build step); the paths written."""
    written = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_po(po))
        written.append(mo)
    return written


def load(po: Path) -> gettext.GNUTranslations:
    """The catalog of a .po: its compiled .mo beside it when that is at least as new (an installed
    wheel), else the .po compiled in memory (a checkout or editable install, where the .po is the source)."""
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        return gettext.GNUTranslations(BytesIO(mo.read_bytes()))
    return gettext.GNUTranslations(BytesIO(compile_po(po)))

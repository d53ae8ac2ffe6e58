"""The subscribers' Atom and RSS renderings, pinned byte for byte.

The golden files were written by the renderers as they were before the public feeds came to share
them; the subscriber feeds must not change by a byte when the public ones change. To rewrite them on
purpose: `python -m tests.formats.test_feeds_render`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from newsflow.formats import feeds
from newsflow.formats.base import RenderContext
from newsflow.model import Contributor, StoryVersion
from tests.formats.conftest import _media, full_version

GOLDEN = Path(__file__).parent / "golden"
CTX = RenderContext(base_url="https://wire.example.org", provider="Newsflow Agency",
                    provider_uri="https://wire.example.org/", media=_media)


def versions() -> list[StoryVersion]:
    """Every branch of the renderers: spot or none, more than ten authors, another script, markup."""
    return [
        full_version(),
        full_version(guid="20201002-0000000000000002", version=1, spot="", categories=[],
                     headline="Ferry & tug <collide> in fog",
                     contributors=[Contributor(name=f"Reporter {n}") for n in range(12)],
                     body_html="<p>A &amp; B &lt;both&gt; “quoted”.</p><ul><li>one</li></ul>"),
        full_version(guid="20201002-0000000000000003", version=3, language="ar",
                     headline="إعادة فتح الميناء", spot="بعد العاصفة", body_html="<p>نص الخبر.</p>",
                     first_published=datetime(2020, 10, 1, 23, 59, 59, tzinfo=UTC),
                     version_created=datetime(2020, 10, 3, 0, 0, 1, tzinfo=UTC)),
    ]


def atom() -> bytes:
    return feeds.render_atom(versions(), title="Newsflow Agency: World", feed_id="https://wire.example.org/v1/products/7",
                             self_href="https://wire.example.org/v1/products/7/atom", ctx=CTX)


def rss() -> bytes:
    return feeds.render_rss(versions(), title="Newsflow Agency: World", link="https://wire.example.org/",
                            description="World news", ctx=CTX)


def test_subscriber_atom_is_unchanged() -> None:
    assert atom() == (GOLDEN / "subscriber.atom").read_bytes()


def test_subscriber_rss_is_unchanged() -> None:
    assert rss() == (GOLDEN / "subscriber.rss").read_bytes()


if __name__ == "__main__":
    (GOLDEN / "subscriber.atom").write_bytes(atom())
    (GOLDEN / "subscriber.rss").write_bytes(rss())

"""Every rendering of every demo story, and of the seed story, validates against the official schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from lxml import etree

from newsflow.demo import load_demo
from newsflow.formats import newsmlg2
from newsflow.formats.base import RenderContext
from newsflow.formats.registry import OUTPUTS, render
from newsflow.model import Concept, Contributor, Photo, Role, StoryVersion, utcnow
from newsflow.newsroom import MediaLibrary, Newsroom
from newsflow.store import Store
from tests.formats.conftest import iptc
from tests.test_seed_story import read_seed


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[StoryVersion], RenderContext]]:
    tmp: Path = tmp_path_factory.mktemp("demo")
    store = Store(f"sqlite:///{tmp / 'demo.db'}")
    store.migrate()
    media = MediaLibrary(store, tmp / "media")
    load_demo(Newsroom(store), media)
    versions = [v for s in store.list_stories(limit=1000) for v in store.list_versions(s.guid)]
    yield versions, RenderContext(base_url="https://wire.example.org", media=media.lookup)
    store.close()


def _json_validator(name: str) -> Any:
    schema = json.loads(iptc("ninjs", "schemas", name).read_text())
    cls = validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def validators() -> dict[str, Any]:
    return {
        "ninjs": _json_validator("ninjs-schema_2.2.json").iter_errors,
        "ninjs3": _json_validator("ninjs-schema_3.1.json").iter_errors,
        "newsmlg2": etree.XMLSchema(etree.parse(str(iptc("newsml-g2",
                                                       "NewsML-G2_2.35-spec-NewsItem-Power.xsd")))),
        "nitf": etree.XMLSchema(etree.parse(str(iptc("nitf", "nitf-3-6.xsd")))),
        "message": etree.XMLSchema(etree.parse(str(iptc("newsml-g2",
                                                      "NewsML-G2_2.35-spec-NewsMessage-Power.xsd")))),
    }


def _check(fmt: str, data: bytes, validators: dict[str, Any], what: str) -> None:
    if fmt in ("ninjs", "ninjs3"):
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validators[fmt](json.loads(data))]
        assert errors == [], (what, errors[:5])
    elif fmt in ("newsmlg2", "nitf"):
        schema = validators[fmt]
        assert schema.validate(etree.fromstring(data)), (what, schema.error_log.last_error)
    elif fmt == "html":
        assert data.count(b"<h1") == 1 and b"<script" not in data
    else:
        assert data.strip()


def test_every_demo_version_in_every_format_validates(demo: tuple[list[StoryVersion], RenderContext],
                                                     validators: dict[str, Any]) -> None:
    versions, ctx = demo
    assert len(versions) >= 33
    for v in versions:
        for fmt in OUTPUTS:
            _check(fmt, render(v, fmt, ctx, cache=None), validators, f"{v.guid} v{v.version} {fmt}")


def test_a_news_message_of_all_demo_stories_validates(demo: tuple[list[StoryVersion], RenderContext],
                                                      validators: dict[str, Any]) -> None:
    versions, ctx = demo
    message = newsmlg2.render_message(versions, ctx)
    schema = validators["message"]
    assert schema.validate(etree.fromstring(message)), schema.error_log.last_error
    assert len(newsmlg2.parse(message, "message.xml")) == len(versions)


def seed_version() -> StoryVersion:
    seed = read_seed()
    city, country = (part.strip().title() for part in seed.dateline.split(","))
    body = "".join(f"<p>{p}</p>" for p in seed.paragraphs[:-4]) + f"<h2>{seed.subheading}</h2>" + "".join(
        f"<p>{p}</p>" for p in seed.paragraphs[-4:])
    now = utcnow()
    return StoryVersion(
        guid="20201002-0000000000seed01", version=2, first_published=now, version_created=now,
        headline=seed.headline, spot=seed.spot, categories=seed.categories, dossier=seed.dossier,
        contributors=[Contributor(name=seed.reporter, role=Role.reporter, place=city),
                      Contributor(name=seed.writer, role=Role.writer, place=seed.writer_place)],
        dateline=seed.dateline, body_html=body, language="en", urgency=4, embargo=None,
        photos=[Photo(href="https://photos.example.org/border.jpg", title=seed.headline, caption=seed.spot,
                      credit="Anadolu Agency")],
        places=[Concept(name=city), Concept(name=country)],
        subjects=[Concept(name="unrest, conflicts and war", code="subj:16000000")], public=True)


def test_the_seed_story_in_every_format_validates_and_keeps_its_parts(validators: dict[str, Any]) -> None:
    v = seed_version()
    seed = read_seed()
    ctx = RenderContext()
    for fmt in OUTPUTS:
        data = render(v, fmt, ctx, cache=None)
        _check(fmt, data, validators, f"seed {fmt}")
        text = data.decode()
        for part in (seed.headline, seed.reporter, seed.subheading, seed.paragraphs[0][:60], "Baku"):
            assert part.replace("'", "&#x27;") in text or part in text or part.upper() in text, (fmt, part)

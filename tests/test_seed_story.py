"""The seed article, built through the newsroom REST API field by field, comes back whole.

The article is read from ../shared/seed/article.txt at test time; its parts are found by their
position and shape (see the table in product.md), never typed into this test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient

from tests.conftest import shared
from tests.helpers import jpeg


@dataclass
class Seed:
    categories: list[str]
    dossier: str
    headline: str
    spot: str
    reporter: str
    published: str
    updated: str
    dateline: str
    paragraphs: list[str]
    subheading: str
    writer: str
    writer_place: str
    disclaimer: str


def read_seed() -> Seed:
    lines = [line.strip() for line in shared("seed", "article.txt").read_text("utf-8").splitlines()]
    blocks = [line for line in lines if line]
    *categories, dossier = [part.strip() for part in blocks[0].split(",")]
    headline, spot = blocks[1], blocks[2]
    byline = re.fullmatch(r"(.+?)\s*\|\s*(\d\d\.\d\d\.\d{4}) - Update : (\d\d\.\d\d\.\d{4})", blocks[3])
    assert byline, blocks[3]
    # the dateline is the first block in capitals followed by a country: "CITY, Country"
    dateline_at = next(i for i, b in enumerate(blocks) if re.fullmatch(r"[A-Z][A-Z .'-]+, [A-Z][\w .'-]+", b))
    credit_at = next(i for i, b in enumerate(blocks) if b.startswith("* "))
    writer = re.fullmatch(r"\* Writing by (.+) from (.+)", blocks[credit_at])
    assert writer, blocks[credit_at]
    # blocks between byline and dateline, and headline/spot repeated inside the body, are photo captions
    body = [b for b in blocks[dateline_at + 1:credit_at] if b not in (headline, spot)]
    subheading = next(b for b in body if not b.endswith((".", '"')))
    return Seed(categories=categories, dossier=dossier, headline=headline, spot=spot,
                reporter=byline.group(1), published=byline.group(2), updated=byline.group(3),
                dateline=blocks[dateline_at], paragraphs=[b for b in body if b != subheading],
                subheading=subheading, writer=writer.group(1), writer_place=writer.group(2),
                disclaimer=blocks[credit_at + 1])


def seed_place(seed: Seed) -> tuple[str, str]:
    """("Baku", "Azerbaijan") from the dateline "BAKU, Azerbaijan"."""
    city, country = (part.strip().title() for part in seed.dateline.split(","))
    return city, country


def seed_body(seed: Seed) -> str:
    """The body: its paragraphs, with the sub-heading before "Relations…"."""
    sub_at = seed.paragraphs.index(next(p for p in seed.paragraphs if p.startswith("Relations")))
    body = "".join(f"<p>{p}</p>" for p in seed.paragraphs[:sub_at])
    return body + f"<h2>{seed.subheading}</h2>" + "".join(f"<p>{p}</p>" for p in seed.paragraphs[sub_at:])


def seed_fields(seed: Seed, media_ids: list[str]) -> dict[str, object]:
    """The seed article as a story's fields beyond its headline (the two photos uploaded already:
    one under the byline captioned with the headline, one in the body with the spot)."""
    city, country = seed_place(seed)
    return {
        "categories": seed.categories,
        "dossier": seed.dossier,
        "spot": seed.spot,
        "contributors": [{"name": seed.reporter, "role": "reporter", "place": city},
                         {"name": seed.writer, "role": "writer", "place": seed.writer_place}],
        "dateline": seed.dateline,
        "photos": [{"media_id": media_ids[0], "title": seed.headline, "caption": seed.headline,
                    "credit": "Anadolu Agency"},
                   {"media_id": media_ids[1], "title": seed.headline, "caption": seed.spot,
                    "credit": "Anadolu Agency", "alt": seed.spot}],
        "body_html": seed_body(seed),
        "language": "en",
        "urgency": 4,
        "places": [{"name": city}, {"name": country, "code": "iso3166-1a2:AZ"}],
        "subjects": [{"name": "unrest, conflicts and war", "code": "subj:16000000"}],
        "keywords": ["Azerbaijan", "Armenia", "Upper Karabakh"],
        "public": True,
    }


def test_seed_story_round_trips_through_the_newsroom_api(client: TestClient,
                                                        staff_headers: dict[str, str]) -> None:
    seed = read_seed()
    h = staff_headers
    assert seed.dateline == "BAKU, Azerbaijan" and seed.paragraphs[0].startswith("The Azerbaijani")
    city, country = seed_place(seed)

    # the gallery: one photo under the byline (captioned with the headline), one in the body
    # (headline and spot); each upload keeps its caption and credit
    media_ids = []
    for name, caption in (("trucks.jpg", seed.headline), ("border.jpg", seed.spot)):
        photo = client.post("/v1/newsroom/media", headers=h, files={"file": (name, jpeg(), "image/jpeg")},
                            data={"caption": caption, "credit": "Anadolu Agency"})
        assert photo.status_code == 201, photo.text
        media_ids.append(photo.json()["id"])
    media_id = media_ids[1]

    # field by field: create with the headline, then one PATCH per part of the article
    created = client.post("/v1/newsroom/stories", headers=h, json={"headline": seed.headline})
    assert created.status_code == 201, created.text
    guid = created.json()["guid"]
    parts = seed_fields(seed, media_ids)
    for field, value in parts.items():
        r = client.patch(f"/v1/newsroom/stories/{guid}", headers=h, json={field: value})
        assert r.status_code == 200, (field, r.text)

    assert client.post(f"/v1/newsroom/stories/{guid}/publish", headers=h).status_code == 201
    # "02.10.2020 - Update : 02.10.2020": an update the same day moves only the updated time
    assert client.post(f"/v1/newsroom/stories/{guid}/update", headers=h).status_code == 201

    got = client.get(f"/v1/newsroom/stories/{guid}/versions/2", headers=h).json()
    assert got["categories"] == seed.categories == ["World", "Europe", "Asia - Pacific"]
    assert got["dossier"] == seed.dossier
    assert got["headline"] == seed.headline
    assert got["spot"] == seed.spot
    assert [(c["name"], c["role"], c["place"]) for c in got["contributors"]] == [
        (seed.reporter, "reporter", city), (seed.writer, "writer", seed.writer_place)]
    assert got["dateline"] == seed.dateline
    assert got["first_published"] < got["version_created"]
    assert got["first_published"] == client.get(
        f"/v1/newsroom/stories/{guid}/versions/1", headers=h).json()["version_created"]
    assert got["version"] == 2 and got["pubstatus"] == "usable"
    assert [(p["media_id"], p["title"], p["caption"], p["credit"]) for p in got["photos"]] == [
        (media_ids[0], seed.headline, seed.headline, "Anadolu Agency"),
        (media_ids[1], seed.headline, seed.spot, "Anadolu Agency")]
    renditions = client.get(f"/v1/newsroom/media/{media_id}", headers=h).json()["renditions"]
    assert set(renditions) == {"original", "thumbnail", "preview"}
    assert renditions["thumbnail"]["width"] <= 320
    assert f"<h2>{seed.subheading}</h2>" in got["body_html"]
    for paragraph in seed.paragraphs:
        assert f"<p>{paragraph}</p>" in got["body_html"]
    assert seed.disclaimer not in got["body_html"]  # the disclaimer is site configuration, not story
    assert [p["name"] for p in got["places"]] == [city, country]
    assert got["language"] == "en" and got["urgency"] == 4 and got["public"] is True
    assert got["guid"] == guid

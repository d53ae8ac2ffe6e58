"""The desk shows and keeps every field an ingested story may carry: the second headline, the byline as
printed, the tagline and the private desk note are form fields; a package's members, a byline's job
title and a remote media object's renditions, which the form does not show, survive a save (issue 11)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from newsflow.formats import registry
from newsflow.model import Contributor, ItemKind, PackageMember, Photo, Rendition, Story
from newsflow.services import Services
from tests.web.test_desk import as_role, post_story, story_form

MARK = "PRIVATE-DESK-MARK-7731"


def _ingested_like(svc: Services) -> str:
    story = Story(headline="Harbour reopens after storm", kind=ItemKind.text, subheadline="Ferries sail again",
                  byline_text="By Ana Costa, Agency Business Writer", tagline="Rui Lima contributed from Lisbon.",
                  desk_note=MARK, contributors=[Contributor(name="Ana Costa", title="Business Writer")],
                  photos=[Photo(href="https://wire.example/p/1.jpg", caption="Quay", credit="Wire",
                                renditions=[Rendition(name="original", href="https://wire.example/p/1.jpg",
                                                      width=4000, height=3000),
                                            Rendition(name="thumbnail", href="https://wire.example/p/1-t.jpg",
                                                      width=320, height=240)])],
                  members=[PackageMember(guid="member-1", headline="Piers hit")])
    return svc.newsroom.create(story, by=None).guid


def test_the_editor_shows_and_saves_the_new_text_fields(client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    guid = _ingested_like(services)
    page = client.get(f"/desk/stories/{guid}")
    assert page.status_code == 200
    for text in ("Ferries sail again", "By Ana Costa, Agency Business Writer", "Rui Lima contributed", MARK):
        assert text in page.text
    form = story_form(client, f"/desk/stories/{guid}", subheadline="Ferries sail again at dawn",
                      byline_text="By Ana Costa", tagline="", private_note="Check the pier count with the port.",
                      contributor_name=["Ana Costa", ""], contributor_role=["reporter", "reporter"],
                      contributor_place=["Porto", ""], photo_kind=["picture"], photo_media_id=[""],
                      photo_href=["https://wire.example/p/1.jpg"], photo_title=[""], photo_caption=["Quay"],
                      photo_credit=["Wire"], photo_alt=[""])
    saved = client.post(f"/desk/stories/{guid}", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    draft = services.store.get_story(guid).draft
    assert (draft.subheadline, draft.byline_text, draft.tagline, draft.desk_note) == (
        "Ferries sail again at dawn", "By Ana Costa", None, "Check the pier count with the port.")
    # what the form does not show is kept, not dropped by the save
    assert [m.guid for m in draft.members] == ["member-1"]
    assert draft.contributors[0].title == "Business Writer"
    assert [r.name for r in draft.photos[0].renditions] == ["original", "thumbnail"]


def test_a_new_story_from_the_form_takes_the_fields_and_the_note_stays_in_the_newsroom(
        client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    made = post_story(client, private_note=MARK, byline_text="By Rui Lima", action="publish")
    assert made.status_code == 303, made.text
    guid = made.headers["location"].split("/desk/stories/")[1].split("?")[0]
    version = services.store.get_version(guid)
    assert version.desk_note == MARK and version.byline == "By Rui Lima"
    for fmt in registry.OUTPUTS:
        text = registry.render(version, fmt, services.render_context, cache=None).decode("utf-8", "replace")
        assert MARK not in text, fmt
        if fmt.startswith(("ninjs", "newsml", "nitf")):
            assert "By Rui Lima" in text, fmt


def test_a_desk_note_too_long_is_named_beside_its_field(client: TestClient, services: Services) -> None:
    as_role(client, services, "editor")
    refused = post_story(client, private_note="n" * 4001)
    assert refused.status_code == 422
    assert 'id="e-private_note"' in refused.text and "Desk note (private)" in refused.text

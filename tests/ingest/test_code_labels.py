"""Bare codes get labels: from the file itself, else the IPTC subject code vocabulary (ingest.vocabulary)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsflow.config import Settings
from newsflow.ingest import vocabulary
from newsflow.model import Concept, StoryVersion
from newsflow.services import Services
from tests.conftest import shared
from tests.ingest.wires import g2_item


def _g2(guid: str, subjects: str) -> bytes:
    return g2_item(guid, "Tourists return to the coast", content_meta=subjects)


def _names(svc: Services, guid: str) -> dict[str | None, str]:
    return {c.code: c.name for c in svc.store.get_version(guid).subjects}


def test_a_bare_iptc_subject_code_is_named_from_the_shipped_vocabulary(services: Services) -> None:
    shared("vocab", "iptc-subject-codes.json")  # found beside the checkout without any setting
    services.ingestor.ingest_bytes(_g2("exw-t1", '<subject qcode="subj:04011002"/><subject qcode="xyz:Q1"/>'),
                                   "t1.xml")
    names = _names(services, "exw-t1")
    assert names["subj:04011002"] == vocabulary.load(None)["04011002"] != "04011002"
    assert names["xyz:Q1"] in ("xyz:Q1", "Q1")  # no label anywhere: the code stays


def test_a_real_nitf_file_s_bare_subject_is_named(services: Services) -> None:
    [result] = services.ingestor.ingest_path(shared("corpus", "agency", "nitf", "aap-1.xml"))
    names = _names(services, result.guid or "")
    assert names["subj:15039001"] == vocabulary.load(None)["15039001"]


def test_the_file_s_own_label_wins_over_the_vocabulary(services: Services) -> None:
    subjects = ('<subject qcode="subj:04011002"><name>Holiday trade</name></subject>'
                '<subject qcode="subj:04011002"/>')
    services.ingestor.ingest_bytes(_g2("exw-t2", subjects), "t2.xml")
    assert set(_names(services, "exw-t2").values()) == {"Holiday trade"}


def test_the_vocabulary_file_is_a_setting(database_url: str, tmp_path: Path) -> None:
    codes = tmp_path / "codes.json"
    codes.write_text(json.dumps({"04011002": "Reisen und Tourismus"}))
    settings = Settings(data_dir=tmp_path, database_url=database_url, media_dir=tmp_path / "media", demo=False,
                        subject_codes=str(codes))
    svc = Services.open(settings)
    try:
        svc.ingestor.ingest_bytes(_g2("exw-t3", '<subject qcode="subj:04011002"/>'), "t3.xml")
        assert _names(svc, "exw-t3") == {"subj:04011002": "Reisen und Tourismus"}
    finally:
        svc.close()
    codes.write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"NEWSFLOW_SUBJECT_CODES=.*code -> label"):
        vocabulary.load(codes)
    with pytest.raises(ValueError, match=r"NEWSFLOW_SUBJECT_CODES=.*cannot be read"):
        vocabulary.load(tmp_path / "absent.json")


def _item(*subjects: Concept) -> StoryVersion:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    return StoryVersion(guid="g", version=1, headline="h", first_published=now, version_created=now,
                        subjects=list(subjects))


CODE = st.text("0123456789", min_size=8, max_size=8)


@given(CODE, st.sampled_from(["subj:{}", "iptc:{}", "{}", "http://cv.iptc.org/newscodes/subjectcode/{}"]),
       st.booleans(), st.text(st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=30)
       .filter(str.strip))
def test_only_bare_codes_are_named_and_named_names_are_kept(code: str, form: str, bare: bool, name: str) -> None:
    qcode = form.format(code)
    given_name = code if bare else name
    [item] = vocabulary.labelled([_item(Concept(name=given_name, code=qcode))], {code: "the label"})
    named = item.subjects[0].name
    if bare or vocabulary.is_bare(Concept(name=given_name, code=qcode)):
        assert named == "the label"
    else:
        assert named == given_name.strip()

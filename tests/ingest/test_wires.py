"""The NewsML-G2 files the ingest tests send are valid NewsML-G2 2.35, so a test that fails points at
ingest, not at a malformed fixture."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.conftest import shared
from tests.ingest import test_code_labels, test_identity, test_packages, test_private_notes


@pytest.mark.parametrize(("schema", "data"), [
    ("NewsItem", test_identity._g2(2, "Ferries halted for a second day")),
    ("NewsItem", test_code_labels._g2("g", '<subject qcode="subj:04011002"><name>Trade</name></subject>')),
    ("NewsItem", test_private_notes.G2),
    ("NewsMessage", test_packages.G2),
])
def test_the_fixture_is_valid_newsml_g2(schema: str, data: bytes) -> None:
    xsd = etree.XMLSchema(etree.parse(str(shared("iptc", "newsml-g2", f"NewsML-G2_2.35-spec-{schema}-Power.xsd"))))
    assert xsd.validate(etree.fromstring(data)), xsd.error_log

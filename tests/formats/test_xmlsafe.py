"""The hardened XML parser every format uses."""

from __future__ import annotations

import pytest

from newsflow.formats import xmlsafe
from newsflow.formats.xmlsafe import XMLError, parse_xml


def test_entity_expansion_is_refused_with_the_line() -> None:
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE l [\n<!ENTITY a "aaaaaaaaaa">\n'
            + b"".join(b'<!ENTITY a%d "&a%d;&a%d;&a%d;&a%d;">\n' % (i, i - 1, i - 1, i - 1, i - 1)
                       for i in range(1, 10)).replace(b"&a0;", b"&a;")
            + b"]>\n<l>&a9;</l>")
    with pytest.raises(XMLError, match=r"bomb.xml:3: entity declarations"):
        parse_xml(bomb, "bomb.xml")


def test_external_entities_and_dtds_are_never_fetched(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = f'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file://{secret}"><x>&xxe;</x>'.encode()
    root = parse_xml(doc, "xxe.xml")
    assert "TOP-SECRET" not in (root.text or "")


def test_deep_nesting_and_size_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(XMLError, match=r"deep\.xml:1: .*depth"):
        parse_xml(b"<a>" * 400 + b"</a>" * 400, "deep.xml")
    monkeypatch.setattr(xmlsafe, "MAX_BYTES", 100)
    with pytest.raises(XMLError, match=r"big\.xml: document is 203 bytes"):
        parse_xml(b"<a>" + b"x" * 196 + b"</a>", "big.xml")


@pytest.mark.parametrize(("data", "message"), [
    (b"<a><b></a>", "m.xml:1: Opening and ending tag mismatch"),
    (b"", "m.xml"),
    (b'<?xml version="1.0" encoding="utf-8"?><a>caf\xe9</a>', "m.xml:1"),
    (b'<?xml version="1.0" encoding="klingon"?><a/>', "m.xml"),
])
def test_malformed_documents_name_the_file_and_line(data: bytes, message: str) -> None:
    with pytest.raises(XMLError) as caught:
        parse_xml(data, "m.xml")
    assert str(caught.value).startswith(message)

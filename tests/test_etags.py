"""If-None-Match as RFC 9110 reads it: a list, weak tags compared weakly, or *."""

from __future__ import annotations

import pytest

from newsflow.etags import etag_of, matches

TAG = etag_of(b"body")


def test_the_tag_is_a_quoted_hash_of_the_bytes() -> None:
    assert TAG.startswith('"') and TAG.endswith('"') and len(TAG) == 34
    assert etag_of(b"body") == TAG != etag_of(b"body ")


@pytest.mark.parametrize(("header", "expected"), [
    (None, False), ("", False), (TAG, True), (f'"other", {TAG}', True), (f"W/{TAG}", True), ("*", True),
    ('"other"', False), (TAG[:-2] + '"', False)])
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert matches(header, TAG) is expected

"""Content Credentials fixtures: a media library that signs with a development chain made for the
test, readers that trust only the roots a test names (offline: nothing is fetched)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import c2pa
import pytest

from newsflow.newsroom import MediaLibrary
from newsflow.provenance import Identity, RenditionSigner, reader_context
from newsflow.provenance.certificates import development_identity
from newsflow.store import Store

AGENCY = "Test Agency"


@pytest.fixture
def identity(tmp_path: Path) -> Identity:
    return development_identity(tmp_path / "data" / "c2pa", AGENCY)


@pytest.fixture
def signer(identity: Identity) -> RenditionSigner:
    return RenditionSigner(identity, AGENCY)


@pytest.fixture
def library(tmp_path: Path, signer: RenditionSigner) -> MediaLibrary:
    store = Store(f"sqlite:///{tmp_path / 'media.db'}")
    store.migrate()
    return MediaLibrary(store, tmp_path / "media", rendition_hooks=[signer])


def reader(data: bytes, mimetype: str, *anchors: bytes) -> c2pa.Reader:
    """The C2PA library's own Reader over `data`, trusting only `anchors`."""
    return c2pa.Reader(mimetype, io.BytesIO(data), context=reader_context(b"\n".join(anchors)))


def sign_as_photographer(data: bytes, photographer: Identity, author: str) -> bytes:
    """A JPEG as a camera or a photographer's tool would send it: created by digital capture, signed."""
    manifest: dict[str, Any] = {"title": "capture.jpg", "assertions": [
        {"label": "stds.schema-org.CreativeWork",
         "data": {"@context": "https://schema.org", "@type": "CreativeWork",
                  "author": [{"@type": "Person", "name": author}]}}]}
    context = c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}},
                                      "verify": {"verify_after_sign": False, "remote_manifest_fetch": False}})
    out = io.BytesIO()
    with c2pa.Signer.from_info(c2pa.C2paSignerInfo(photographer.algorithm, photographer.chain, photographer.key,
                                                   None)) as key, c2pa.Builder(manifest, context=context) as builder:
        builder.set_intent(c2pa.C2paBuilderIntent.CREATE, c2pa.C2paDigitalSourceType.DIGITAL_CAPTURE)
        builder.sign(key, "image/jpeg", io.BytesIO(data), out)
    return out.getvalue()

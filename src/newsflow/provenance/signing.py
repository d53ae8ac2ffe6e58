"""Signing every picture the agency sends with its Content Credentials (a C2PA manifest).

`RenditionSigner` is a media library rendition hook (newsroom.media.library): each picture or graphic
file the library writes is signed in place, before its size is recorded, with a manifest that says

- who made it: a schema.org CreativeWork naming the photo's credit as author and the agency as
  publisher, with the agency (Newsflow) as claim generator;
- what was done, as C2PA actions: the original is `c2pa.opened` from the file as received (which keeps
  a photographer's own manifest as its parent ingredient) and `c2pa.published`, plus
  `c2pa.edited.metadata` when the place it was taken was removed (newsroom.location); highres, preview
  and thumbnail are opened from the signed original and `c2pa.resized` (`c2pa.transcoded` too when the
  original was not a JPEG); the public watermarked copy is opened from the preview and `c2pa.edited`
  (a visible mark: `c2pa.watermarked` means an invisible soft-binding watermark in C2PA, which the
  library refuses without one).

Each rendition thus carries the chain back to what the agency received. A video's poster frames and
audio are left unsigned. The manifest is embedded without re-encoding the picture.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import c2pa

from newsflow import __version__
from newsflow.config import Settings
from newsflow.model import ItemKind
from newsflow.newsroom.media import MediaError, current_upload
from newsflow.provenance.certificates import CredentialsSetupError, Identity, signing_identity
from newsflow.provenance.reading import Provenance, first_line, read, reader_context

SIGNED_KINDS = (ItemKind.picture, ItemKind.graphic)
SIGNED_TYPES = ("image/jpeg", "image/png", "image/webp")


class RenditionSigner:
    """Signs picture renditions as the media library writes them (see the module docstring), and
    records on the original's entry the `provenance` of the file as received."""

    def __init__(self, identity: Identity, agency: str, trust: bytes = b"", tsa_url: str = "") -> None:
        self.identity = identity
        self.agency = agency
        self.tsa_url = tsa_url or None
        self.reading = reader_context(identity.anchors + b"\n" + trust)
        self._building = c2pa.Context.from_dict({
            "builder": {"intent": "edit", "thumbnail": {"enabled": False},
                        "claim_generator_info": {"name": "Newsflow", "version": __version__}},
            # no network while signing; the result is checked by the tests, not again on every upload
            "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False, "verify_after_sign": False},
        })

    @classmethod
    def for_settings(cls, settings: Settings) -> RenditionSigner:
        """The signer a node runs with: NEWSFLOW_C2PA_CERT/KEY or the development chain, trusting
        NEWSFLOW_C2PA_TRUST besides its own root. CredentialsSetupError names a wrong setting."""
        identity = signing_identity(settings.data_dir, settings.agency_name, settings.c2pa_cert, settings.c2pa_key)
        trust = b""
        if settings.c2pa_trust:
            try:
                trust = Path(settings.c2pa_trust).read_bytes()
            except OSError as exc:
                raise CredentialsSetupError(f"NEWSFLOW_C2PA_TRUST={settings.c2pa_trust!r}: {exc.strerror}") from None
        return cls(identity, settings.agency_name, trust, settings.c2pa_tsa_url)

    def __call__(self, path: Path, name: str, entry: dict[str, Any], kind: ItemKind) -> dict[str, Any] | None:
        mimetype = entry.get("mimetype", "")
        if kind not in SIGNED_KINDS or mimetype not in SIGNED_TYPES:
            return None
        upload = current_upload.get()
        credit = upload.credit if upload else ""
        if name == "original":
            received = upload.source if upload and upload.source.is_file() else path
            provenance = read(received, mimetype, self.reading)
            actions = [_action("c2pa.published", f"sent by {self.agency}")]
            if received != path and received.read_bytes() != path.read_bytes():
                actions.insert(0, _action("c2pa.edited.metadata", "where it was taken removed"))
            try:
                self.sign(path, mimetype, parent=received, parent_type=mimetype, actions=actions, credit=credit,
                          parent_title=upload.filename if upload else "")
            except c2pa.C2paError as exc:
                # a manifest store too broken to carry along: signing over it would hide it, dropping it
                # would lose it; the sender is told instead
                name = upload.filename if upload else path.name
                raise MediaError(f"{name!r}: its Content Credentials cannot be read"
                                 f" ({first_line(str(exc))})", 422) from None
            return entry | {"provenance": provenance.to_dict()}
        if name == "watermarked" and upload:
            self.sign(path, mimetype, parent=upload.source, parent_type="image/jpeg", credit=credit,
                      actions=[_action("c2pa.edited", f"{self.agency} watermark drawn on the picture")])
            return None
        original = next(iter(sorted(path.parent.glob("original.*"))), None)
        actions = [_action("c2pa.resized", f"longest side {max(entry.get('width', 0), entry.get('height', 0))} px")]
        parent_type = _type_of(original)
        if parent_type != mimetype:
            actions.append(_action("c2pa.transcoded", f"re-encoded as {mimetype}"))
        self.sign(path, mimetype, parent=original, parent_type=parent_type, actions=actions, credit=credit)
        return None

    def sign(self, path: Path, mimetype: str, *, parent: Path | None, parent_type: str, actions: list[dict[str, Any]],
             credit: str, parent_title: str = "") -> None:
        """Sign the file at `path` in place (written beside and renamed: never half-signed)."""
        work: dict[str, Any] = {"@context": "https://schema.org", "@type": "CreativeWork",
                                "publisher": {"@type": "Organization", "name": self.agency}}
        if credit:
            work["author"] = [{"@type": "Person", "name": credit}]
        manifest = {"title": path.name, "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": actions}},
            {"label": "stds.schema-org.CreativeWork", "data": work},
        ]}
        signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(
            self.identity.algorithm, self.identity.chain, self.identity.key, self.tsa_url))
        signed = io.BytesIO()
        with signer, c2pa.Builder(manifest, context=self._building) as builder:
            if parent is not None and parent.is_file():
                with parent.open("rb") as source:
                    builder.add_ingredient({"title": parent_title or parent.name, "relationship": "parentOf"},
                                           parent_type, source)
            with path.open("rb") as source:
                builder.sign(signer, mimetype, source, signed)
        partial = path.with_name(f".{path.name}.signing")
        partial.write_bytes(signed.getvalue())
        os.replace(partial, path)

    def provenance(self, path: Path, mimetype: str) -> Provenance:
        """What the file at `path` says of itself now."""
        return read(path, mimetype, self.reading)


def _action(name: str, description: str) -> dict[str, Any]:
    return {"action": name, "description": description}


def _type_of(path: Path | None) -> str:
    suffix = path.suffix.lower() if path else ".jpg"
    return {".png": "image/png", ".webp": "image/webp", ".gif": "image/gif"}.get(suffix, "image/jpeg")

"""Reading the Content Credentials (C2PA manifest) a file carries, as one provenance statement.

`read` validates the manifest store with the C2PA library, offline: no remote manifest, OCSP answer
or trust list is fetched. A signature is trusted when its chain ends at one of the given roots (the
agency's own, and NEWSFLOW_C2PA_TRUST); a well-formed signature by a CA not among them still reads as
signed, with `trusted` false. A manifest that does not match the file (pixels or bytes changed after
signing, a broken signature) reads as invalid, with the library's failure codes as the reason.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import c2pa

from newsflow.provenance.certificates import READER_USAGES

State = Literal["signed", "none", "invalid"]
# not a defect of the file: which roots are trusted is the reader's choice, and revocation is not checked offline
_NOT_INVALIDATING = {"signingCredential.untrusted", "signingCredential.ocsp.skipped"}


@dataclass(frozen=True)
class Provenance:
    """What a file's Content Credentials say: `state`, the signer (certificate common name) and its
    organisation (`issuer` in C2PA's words), the creator named in it, its actions (without the
    `c2pa.` prefix), and for an invalid manifest the `reason`."""

    state: State
    signer: str = ""
    issuer: str = ""
    creator: str = ""
    actions: list[str] = field(default_factory=list)
    trusted: bool = False
    reason: str = ""

    @property
    def who(self) -> str:
        """The signer as shown: its common name, with its organisation when that says more."""
        who = self.signer or self.issuer or "unknown signer"
        return f"{who} ({self.issuer})" if self.issuer and self.issuer not in who else who

    @property
    def edits(self) -> str:
        """The actions that changed something (opening, creating and publishing change nothing)."""
        return ", ".join(a for a in self.actions if a not in ("opened", "created", "published"))

    def line(self) -> str:
        """The one line the desk and the portal show under a photo (in English; the pages translate
        the words around `who`, `edits` and `reason`)."""
        if self.state == "none":
            return "no credentials"
        if self.state == "invalid":
            return f"credentials invalid: {self.reason}" if self.reason else "credentials invalid"
        untrusted = "" if self.trusted else " (not a trusted certificate)"
        return f"signed by {self.who}{untrusted}, edited: {self.edits or 'no edits'}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"who": self.who, "edits": self.edits, "line": self.line()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


NONE = Provenance("none")


def reader_context(anchors: bytes) -> c2pa.Context:
    """Reading settings: trust `anchors` (PEM roots) besides the library's own, and never go online."""
    settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if anchors.strip():
        settings["trust"] = {"user_anchors": anchors.decode(), "trust_config": READER_USAGES}
    return c2pa.Context.from_dict(settings)


def read(source: Path | bytes, mimetype: str, context: c2pa.Context) -> Provenance:
    """The provenance of a file (its path or bytes) of type `mimetype`."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else None
    try:
        if stream is None:
            with Path(source).open("rb") as f:
                reader = c2pa.Reader.try_create(mimetype, f, None, context)
                return NONE if reader is None else _provenance(reader)
        reader = c2pa.Reader.try_create(mimetype, stream, None, context)
        return NONE if reader is None else _provenance(reader)
    except c2pa.C2paError.NotSupported:
        return NONE
    except c2pa.C2paError as exc:  # a manifest store the library cannot even parse
        return Provenance("invalid", reason=first_line(str(exc)))


def _provenance(reader: c2pa.Reader) -> Provenance:
    with reader:
        state = reader.get_validation_state()
        results = reader.get_validation_results() or {}
        manifest = reader.get_active_manifest() or {}
    failures = [f for f in (results.get("activeManifest") or {}).get("failure") or []
                if f.get("code") not in _NOT_INVALIDATING]
    info = manifest.get("signature_info") or {}
    signed = {"signer": str(info.get("common_name") or ""), "issuer": str(info.get("issuer") or ""),
              "creator": _creator(manifest), "actions": _actions(manifest)}
    if state == "Invalid" or failures:
        reason = "; ".join(f"{f.get('code')}: {f.get('explanation', '')}".rstrip(": ") for f in failures[:3])
        return Provenance("invalid", **signed, reason=reason or "the manifest does not validate")
    return Provenance("signed", **signed, trusted=state == "Trusted")


def _actions(manifest: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for action in (assertion.get("data") or {}).get("actions") or []:
                name = str(action.get("action", "")).removeprefix("c2pa.")
                if name and name not in out:
                    out.append(name)
    return out


def _creator(manifest: dict[str, Any]) -> str:
    """The author a schema.org CreativeWork assertion names (how the agency states the photographer)."""
    for assertion in manifest.get("assertions") or []:
        if assertion.get("label") == "stds.schema-org.CreativeWork":
            authors = (assertion.get("data") or {}).get("author") or []
            names = [str(a.get("name")) for a in (authors if isinstance(authors, list) else [authors])
                     if isinstance(a, dict) and a.get("name")]
            return ", ".join(names)
    return ""


def first_line(text: str) -> str:
    """The library's message as one line (its errors span several)."""
    return text.strip().splitlines()[0][:300] if text.strip() else "unreadable manifest"


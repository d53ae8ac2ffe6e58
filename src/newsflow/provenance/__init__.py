"""Content Credentials (C2PA): the agency signs every picture it sends and reads those it receives.

- certificates.py: the signing identity (the agency's own chain and key, or a development chain made
  in the data dir at first start);
- signing.py: the media library hook that signs each picture rendition as it is written;
- reading.py: a file's manifest validated offline, as one provenance statement the desk and the
  portal show ("signed by …, edited: …", "no credentials", "credentials invalid").
"""

from newsflow.provenance.certificates import CredentialsSetupError, Identity, signing_identity
from newsflow.provenance.reading import NONE, Provenance, read, reader_context
from newsflow.provenance.signing import RenditionSigner

__all__ = ["NONE", "CredentialsSetupError", "Identity", "Provenance", "RenditionSigner", "read", "reader_context",
           "signing_identity"]


def provenance_of(record: dict | None) -> Provenance | None:
    """The provenance recorded for a media record's original as received (None: not a signed kind, or
    stored before Content Credentials were read)."""
    original = ((record or {}).get("renditions") or {}).get("original") or {}
    data = original.get("provenance")
    return Provenance.from_dict(data) if isinstance(data, dict) else None

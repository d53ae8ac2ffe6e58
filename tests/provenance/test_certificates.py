"""The signing identity: a development chain C2PA validators accept, made once and kept owner-only
across restarts; the agency's own chain and key through settings, refused with a clear message when a
validator would refuse it."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from newsflow.config import Settings
from newsflow.provenance import CredentialsSetupError, RenditionSigner, signing_identity
from newsflow.provenance.certificates import DEV_FILES, DEV_FOLDER, DOCUMENT_SIGNING, development_identity, unusable
from newsflow.services import Services
from tests.helpers import jpeg


def test_the_development_chain_is_one_a_validator_accepts(tmp_path: Path) -> None:
    identity = development_identity(tmp_path / "c2pa", "Test Agency")
    leaf, root = x509.load_pem_x509_certificates(identity.chain)
    assert identity.development and identity.algorithm == "es256"
    assert leaf.issuer == root.subject != leaf.subject  # not self-signed: issued by the local root
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    assert {ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING} <= usages
    assert isinstance(leaf.public_key(), ec.EllipticCurvePublicKey) and leaf.public_key().curve.name == "secp256r1"
    assert x509.load_pem_x509_certificates(identity.anchors) == [root]
    assert identity.name == "Test Agency" and unusable(leaf) == ""


def test_the_development_chain_survives_restarts_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEWSFLOW_C2PA_CERT", "NEWSFLOW_C2PA_KEY", "NEWSFLOW_C2PA_TRUST"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(data_dir=tmp_path / "data", demo=False)
    first = Services.open(settings)
    first_signer = next(h for h in first.media.rendition_hooks if isinstance(h, RenditionSigner))
    folder = tmp_path / "data" / DEV_FOLDER
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in DEV_FILES:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    (folder / "signer.key").chmod(0o644)  # loosened by hand: closed again at the next start
    first.close()
    second = Services.open(settings)
    second_signer = next(h for h in second.media.rendition_hooks if isinstance(h, RenditionSigner))
    second.close()
    assert second_signer.identity == first_signer.identity  # the same chain and key, not a new one
    assert stat.S_IMODE((folder / "signer.key").stat().st_mode) == 0o600


def test_an_expired_development_certificate_is_made_again(tmp_path: Path) -> None:
    first = development_identity(tmp_path / "c2pa", "A")
    leaf = first.certificate
    later = leaf.not_valid_after_utc + dt.timedelta(days=1)
    assert unusable(leaf, now=later).startswith("the signing certificate is valid from")
    (tmp_path / "c2pa" / "signer-chain.pem").write_bytes(_certificate(expired=True)[0])
    again = development_identity(tmp_path / "c2pa", "A")
    assert again.chain != first.chain and not unusable(again.certificate)


def test_the_agency_own_chain_from_settings(tmp_path: Path) -> None:
    chain, key = _certificate()
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    identity = signing_identity(tmp_path / "data", "A", str(tmp_path / "chain.pem"), str(tmp_path / "key.pem"))
    assert not identity.development and identity.algorithm == "es256" and identity.key == key
    assert not (tmp_path / "data" / DEV_FOLDER).exists()  # no development chain made beside it
    assert x509.load_pem_x509_certificates(identity.anchors)[0].subject.rfc4514_string() == "CN=Own Root"
    photo = tmp_path / "preview.jpg"
    photo.write_bytes(jpeg())
    signer = RenditionSigner(identity, "Own Agency")
    signer.sign(photo, "image/jpeg", parent=None, parent_type="image/jpeg", credit="J. P.",
                actions=[{"action": "c2pa.published"}])
    provenance = signer.provenance(photo, "image/jpeg")
    assert (provenance.state, provenance.trusted, provenance.issuer) == ("signed", True, "Own Agency"), provenance


@pytest.mark.parametrize(("problem", "message"), [
    ("one", "set both NEWSFLOW_C2PA_CERT and NEWSFLOW_C2PA_KEY"),
    ("other key", "NEWSFLOW_C2PA_KEY is not the key of the first certificate"),
    ("self-signed", "self-signed"),
    ("no usage", "names no C2PA signing purpose"),
    ("not pem", "no PEM certificate"),
    ("no authority", "no authority key identifier"),
])
def test_a_certificate_a_validator_would_refuse_stops_the_start(tmp_path: Path, problem: str, message: str) -> None:
    chain, key = _certificate(self_signed=problem == "self-signed", usage=problem != "no usage",
                              authority=problem != "no authority")
    if problem == "other key":
        key = _certificate()[1]
    if problem == "not pem":
        chain = b"not a certificate"
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    with pytest.raises(CredentialsSetupError, match=message):
        key_setting = "" if problem == "one" else str(tmp_path / "key.pem")
        signing_identity(tmp_path, "A", str(tmp_path / "chain.pem"), key_setting)


def _certificate(*, self_signed: bool = False, usage: bool = True, expired: bool = False,
                 authority: bool = True) -> tuple[bytes, bytes]:
    """A signing certificate (and the root that issued it), as a CA would hand the agency one."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=800 if expired else 0)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Own Root")])
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Own Agency")])

    def build(subject: x509.Name, issuer: x509.Name, public: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
        return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public)
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30)))

    root = build(root_name, root_name, root_key.public_key()).add_extension(
        x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(root_key, hashes.SHA256())
    leaf_builder = build(name, name if self_signed else root_name, key.public_key()).add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True)
    if usage:
        leaf_builder = leaf_builder.add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING]), critical=False)
    leaf_builder = leaf_builder.add_extension(x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
        critical=True)
    if authority:
        leaf_builder = leaf_builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
    leaf = leaf_builder.sign(key if self_signed else root_key, hashes.SHA256())
    pem = serialization.Encoding.PEM
    return (leaf.public_bytes(pem) + root.public_bytes(pem),
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

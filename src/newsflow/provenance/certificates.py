"""The agency's C2PA signing identity: its certificate chain and key, and the roots a reader trusts.

C2PA validators take a signature only from an X.509 v3 end-entity certificate (not self-signed, not a
CA, with an authority key identifier and the digitalSignature key usage) whose extended key usage
names a signing purpose (id-kp-emailProtection, id-kp-documentSigning or C2PA's own) and whose key is
one of the algorithms the specification lists (ES256/384/512, PS256/384/512, Ed25519).

An agency sets NEWSFLOW_C2PA_CERT (the signing certificate, then any intermediates, PEM) and
NEWSFLOW_C2PA_KEY (its private key, PEM). Without them a development chain is made at first start in
`<data dir>/c2pa/`: a local root CA and a signing certificate issued by it, owner-only files reused on
every later start (and made again once the signing certificate has expired). Photos signed with it
verify only where that root is trusted: it is for development and trials, not for subscribers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from newsflow.private import private_dir, private_file

# the extended key usages C2PA validators accept for a claim signer: emailProtection, documentSigning
# (RFC 9336), C2PA's own and Microsoft's C2PA signing purposes (timeStamping and OCSPSigning are for
# time-stamp and OCSP responders, not claim signers)
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
SIGNING_USAGES = {ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING,
                  x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1"), x509.ObjectIdentifier("1.3.6.1.4.1.311.76.59.1.9")}
# what a reader is told to accept (with the anchors given, the library otherwise takes only some)
READER_USAGES = "\n".join(sorted({u.dotted_string for u in SIGNING_USAGES}
                                 | {"1.3.6.1.5.5.7.3.8", "1.3.6.1.5.5.7.3.9"}))
DEV_FOLDER = "c2pa"
DEV_FILES = ("root-ca.pem", "signer-chain.pem", "signer.key")
_EC_ALGORITHMS = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}


class CredentialsSetupError(ValueError):
    """The configured certificate or key cannot sign Content Credentials; the message says why."""


@dataclass(frozen=True)
class Identity:
    """Who signs: `chain` (signing certificate first, PEM), `key` (PEM), the C2PA algorithm name, the
    root(s) a reader of the agency's own photos trusts (PEM), and `development` for the local chain."""

    chain: bytes
    key: bytes = field(repr=False)  # never in a log line or a traceback's locals
    algorithm: str = "es256"
    anchors: bytes = b""
    development: bool = False

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificates(self.chain)[0]

    @property
    def name(self) -> str:
        """The signer as readers show it: the certificate's organisation, else its common name."""
        return _attribute(self.certificate.subject, NameOID.ORGANIZATION_NAME) or _attribute(
            self.certificate.subject, NameOID.COMMON_NAME)


def signing_identity(data_dir: Path, agency: str, cert: str = "", key: str = "") -> Identity:
    """The agency's identity from `cert` and `key` (paths to PEM files) when set, else the development
    chain in the data dir. CredentialsSetupError names the setting that is wrong."""
    if bool(cert) != bool(key):
        raise CredentialsSetupError("set both NEWSFLOW_C2PA_CERT and NEWSFLOW_C2PA_KEY, or neither "
                                    "(a development certificate is used then)")
    if cert:
        return load_identity(Path(cert), Path(key))
    return development_identity(data_dir / DEV_FOLDER, agency)


def load_identity(cert_path: Path, key_path: Path) -> Identity:
    """The agency's own chain and key, checked the way a C2PA validator will check them."""
    try:
        chain = cert_path.read_bytes()
        certificates = x509.load_pem_x509_certificates(chain)
    except (OSError, ValueError) as exc:
        raise CredentialsSetupError(f"NEWSFLOW_C2PA_CERT={str(cert_path)!r}: no PEM certificate ({exc})") from None
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise CredentialsSetupError(f"NEWSFLOW_C2PA_KEY={str(key_path)!r}: no unencrypted PEM private key "
                                    f"({exc})") from None
    leaf = certificates[0]
    if leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise CredentialsSetupError("NEWSFLOW_C2PA_KEY is not the key of the first certificate in NEWSFLOW_C2PA_CERT")
    problem = unusable(leaf)
    if problem:
        raise CredentialsSetupError(f"NEWSFLOW_C2PA_CERT: {problem}")
    top = certificates[-1]
    # the chain's own root, when it carries one, is what a reader of the agency's photos trusts
    is_root = top.issuer == top.subject and len(certificates) > 1
    anchors = top.public_bytes(serialization.Encoding.PEM) if is_root else b""
    return Identity(chain, key_path.read_bytes(), algorithm_of(key), anchors, development=False)


def unusable(certificate: x509.Certificate, now: dt.datetime | None = None) -> str:
    """Why a C2PA validator would refuse `certificate` as a claim signer, or "" when it would not."""
    now = now or dt.datetime.now(dt.UTC)
    if certificate.issuer == certificate.subject:
        return "the signing certificate is self-signed; C2PA needs one issued by a CA"
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return (f"the signing certificate is valid from {certificate.not_valid_before_utc:%Y-%m-%d} to "
                f"{certificate.not_valid_after_utc:%Y-%m-%d}")
    try:
        usages = set(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = set()
    if not usages & SIGNING_USAGES:
        return ("the signing certificate's extended key usage names no C2PA signing purpose (emailProtection, "
                "documentSigning or C2PA signing)")
    extensions = {type(e.value) for e in certificate.extensions}
    if x509.BasicConstraints in extensions and \
            certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
        return "the signing certificate is a CA certificate"
    if x509.KeyUsage not in extensions or \
            not certificate.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature:
        return "the signing certificate's key usage does not include digitalSignature"
    if x509.AuthorityKeyIdentifier not in extensions:  # the C2PA library refuses a leaf without one
        return "the signing certificate has no authority key identifier"
    return ""


def algorithm_of(key: object) -> str:
    """The C2PA signing algorithm for a private key (RSA keys sign with PSS, as C2PA requires)."""
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _EC_ALGORITHMS:
        return _EC_ALGORITHMS[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048:
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise CredentialsSetupError("NEWSFLOW_C2PA_KEY: use an EC P-256/P-384/P-521, RSA (2048 bits or more) or "
                                "Ed25519 key")


# ---- the development chain ------------------------------------------------------------------------------

def development_identity(folder: Path, agency: str) -> Identity:
    """The development chain in `folder`, made on first use (or once its signing certificate expired)."""
    root_path, chain_path, key_path = (folder / name for name in DEV_FILES)
    if all(p.is_file() and p.stat().st_size for p in (root_path, chain_path, key_path)):
        chain = chain_path.read_bytes()
        if not unusable(x509.load_pem_x509_certificates(chain)[0]):
            for path in (root_path, chain_path, key_path):
                private_file(path)  # closes a file others could read
            return Identity(chain, key_path.read_bytes(), "es256", root_path.read_bytes(), development=True)
    root, chain, key = _make_chain(agency)
    private_dir(folder)
    for path, data in ((key_path, key), (chain_path, chain), (root_path, root)):
        _write_private(path, data)
    return Identity(chain, key, "es256", root, development=True)


def _make_chain(agency: str) -> tuple[bytes, bytes, bytes]:
    """A root CA (its key is thrown away: nothing else is ever issued) and an ES256 signing certificate."""
    now = dt.datetime.now(dt.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(agency, f"{agency} development root (not for subscribers)")
    root = (_builder(root_name, root_name, root_key.public_key(), now, days=3650)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .sign(root_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (_builder(_name(agency, f"{agency} (development)"), root_name, key.public_key(), now, days=730)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return root.public_bytes(pem), leaf.public_bytes(pem) + root.public_bytes(pem), key_pem


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, now: dt.datetime,
             days: int) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not cert_sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


def _name(organisation: str, common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64] or "Newsflow"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to an owner-only file (made 0600 before the first byte is in it)."""
    if path.exists():
        path.unlink()
    private_file(path).write_bytes(data)

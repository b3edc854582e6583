"""Self-signed TLS identities for the mutually authenticated peer channel.

Nodes do not rely on a public CA: each node's certificate is self-signed and partners
pin it by its fingerprint (the SHA-256 of the DER certificate), exchanged out of band
with the node's signing keys (GSOMIA Art. 9: transmission government-to-government,
between designated nodes only).

The key is ECDSA P-384 and the signature ECDSA-SHA384 (CNSA suite). The certificate
carries subjectAltName entries for every host (IP addresses as iPAddress, names as
dNSName, as RFC 6125 requires), extended key usage for both serverAuth and clientAuth
(one certificate serves both ends of mutual TLS), and it is valid from five minutes
before ``now`` to tolerate a partner's clock skew.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from accord.errors import InvalidInput

if TYPE_CHECKING:
    from cryptography import x509

__all__ = ["TlsIdentity", "certificate_fingerprint", "generate_tls_identity"]

_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, repr=False)
class TlsIdentity:
    """A node's TLS private key and self-signed certificate.

    Attributes:
        key_pem: The PKCS#8 private key, PEM, unencrypted (the caller writes it 0600).
        cert_pem: The certificate, PEM.
        fingerprint: ``"sha256:"`` + hex of the SHA-256 of the DER certificate.
    """

    key_pem: bytes
    cert_pem: bytes
    fingerprint: str

    def __repr__(self) -> str:
        return f"TlsIdentity({self.fingerprint})"


def _fingerprint(cert: x509.Certificate) -> str:
    return "sha256:" + hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _san(host: str) -> x509.GeneralName:
    from cryptography import x509  # noqa: PLC0415 - see generate_tls_identity

    if not isinstance(host, str) or not host:
        raise InvalidInput("TLS host names must be non-empty strings")
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        pass
    return x509.DNSName(host)


def generate_tls_identity(
    common_name: str,
    *,
    now: datetime,
    days: int = 825,
    hosts: Sequence[str] = ("127.0.0.1", "localhost"),
) -> TlsIdentity:
    """Generate an ECDSA P-384 key and a self-signed certificate for it.

    Args:
        common_name: The subject's CN (the node id).
        now: The current time, timezone-aware.
        days: Validity in days (825 is the CA/Browser Forum's former maximum).
        hosts: IP addresses and DNS names to put in subjectAltName.

    Returns:
        The identity.

    Raises:
        InvalidInput: If ``common_name`` is empty, ``now`` is naive, ``days`` is not
            positive, ``hosts`` is empty, or a host is not ASCII.
    """
    if not isinstance(common_name, str) or not common_name:
        raise InvalidInput("TLS common name must be a non-empty string")
    if not isinstance(now, datetime) or now.utcoffset() is None:
        raise InvalidInput("now must be a timezone-aware datetime")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise InvalidInput("TLS validity must be a positive number of days")
    if isinstance(hosts, str) or not hosts:
        raise InvalidInput("TLS hosts must be a non-empty sequence of names")
    for host in hosts:
        if not isinstance(host, str) or not host.isascii():
            raise InvalidInput("TLS host names must be ASCII (use IDNA A-labels)")
    # x509 here, not at the top: a command that makes or reads no certificate (a listing)
    # does not import it (issue 14's start-up target).
    from cryptography import x509  # noqa: PLC0415 - see above
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: PLC0415 - see above

    names = [_san(host) for host in hosts]

    key = ec.generate_private_key(ec.SECP384R1())
    try:
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    except ValueError as exc:
        raise InvalidInput("not a valid TLS common name") from exc
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _SKEW)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA384())
    )
    return TlsIdentity(
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        fingerprint=_fingerprint(cert),
    )


def certificate_fingerprint(cert_pem: bytes) -> str:
    """Return ``"sha256:"`` + hex of the SHA-256 of a PEM certificate's DER encoding.

    Args:
        cert_pem: One PEM certificate.

    Returns:
        The fingerprint partners pin.

    Raises:
        InvalidInput: If ``cert_pem`` is not a PEM certificate.
    """
    from cryptography import x509  # noqa: PLC0415 - see generate_tls_identity

    if not isinstance(cert_pem, bytes):
        raise InvalidInput("certificate must be PEM bytes")
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise InvalidInput("not a PEM certificate") from exc
    return _fingerprint(cert)

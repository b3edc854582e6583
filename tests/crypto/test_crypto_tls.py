"""Self-signed TLS identities for mutual TLS between nodes."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from accord.crypto import TlsIdentity, certificate_fingerprint, generate_tls_identity
from accord.errors import InvalidInput

NOW = datetime(2024, 3, 21, 9, 0, tzinfo=UTC)
IDENTITY = generate_tls_identity(
    "jpn-node-1", now=NOW, hosts=("127.0.0.1", "::1", "localhost", "jpn.example")
)
CERT = x509.load_pem_x509_certificate(IDENTITY.cert_pem)


def test_certificate_parses_with_expected_subject_and_key() -> None:
    assert CERT.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "jpn-node-1"
    assert CERT.issuer == CERT.subject
    public = CERT.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert isinstance(public.curve, ec.SECP384R1)
    assert isinstance(CERT.signature_hash_algorithm, hashes.SHA384)
    # Self-signed: the certificate verifies under its own key.
    CERT.verify_directly_issued_by(CERT)


def test_private_key_matches_certificate() -> None:
    key = serialization.load_pem_private_key(IDENTITY.key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.public_key() == CERT.public_key()
    assert b"BEGIN PRIVATE KEY" in IDENTITY.key_pem


def test_subject_alternative_names() -> None:
    san = CERT.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "jpn.example"]


def test_default_hosts() -> None:
    cert = x509.load_pem_x509_certificate(generate_tls_identity("n", now=NOW).cert_pem)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]


def test_key_usage_for_server_and_client_auth() -> None:
    eku = CERT.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku
    ku = CERT.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature
    assert not CERT.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_validity_window() -> None:
    assert CERT.not_valid_before_utc <= NOW
    assert CERT.not_valid_before_utc >= NOW - timedelta(minutes=10)
    assert CERT.not_valid_after_utc == NOW + timedelta(days=825)
    short = x509.load_pem_x509_certificate(generate_tls_identity("n", now=NOW, days=1).cert_pem)
    assert short.not_valid_after_utc == NOW + timedelta(days=1)


def test_fingerprint_is_sha256_of_der_and_stable() -> None:
    der = CERT.public_bytes(serialization.Encoding.DER)
    expected = "sha256:" + CERT.fingerprint(hashes.SHA256()).hex()
    assert len(der) > 0
    assert IDENTITY.fingerprint == expected
    assert certificate_fingerprint(IDENTITY.cert_pem) == expected
    assert certificate_fingerprint(IDENTITY.cert_pem) == certificate_fingerprint(IDENTITY.cert_pem)


def test_identities_differ() -> None:
    other = generate_tls_identity("jpn-node-1", now=NOW)
    assert other.fingerprint != IDENTITY.fingerprint


def test_repr_hides_the_key() -> None:
    assert "PRIVATE" not in repr(IDENTITY)
    assert IDENTITY.fingerprint in repr(IDENTITY)
    assert isinstance(IDENTITY, TlsIdentity)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"common_name": "", "now": NOW}, id="empty-cn"),
        pytest.param({"common_name": "n", "now": NOW.replace(tzinfo=None)}, id="naive-now"),
        pytest.param({"common_name": "n", "now": NOW, "days": 0}, id="zero-days"),
        pytest.param({"common_name": "n", "now": NOW, "hosts": ()}, id="no-hosts"),
        pytest.param({"common_name": "n", "now": NOW, "hosts": "localhost"}, id="hosts-is-a-string"),
        pytest.param({"common_name": "n", "now": NOW, "hosts": ("",)}, id="empty-host"),
        pytest.param({"common_name": "n", "now": NOW, "hosts": ("例え.jp",)}, id="non-ascii-host"),
    ],
)
def test_generate_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        generate_tls_identity(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "pem",
    [pytest.param(b"", id="empty"), pytest.param(b"-----BEGIN CERTIFICATE-----\nAAAA\n", id="garbage")],
)
def test_fingerprint_rejects_garbage(pem: bytes) -> None:
    with pytest.raises(InvalidInput):
        certificate_fingerprint(pem)

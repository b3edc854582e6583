"""Cryptography for Accord: the only package that touches ``cryptography.hazmat``.

Safe recipes over pyca/cryptography, in the spirit of its ``fernet.py``: every
signature or AEAD failure is one :class:`~accord.errors.VerificationFailed` with a
short message that holds no secret; malformed key material is
:class:`~accord.errors.InvalidInput`. The package does no file or network I/O and
reads no clock (callers pass ``now``).

* signatures — :class:`SigningKeys`, :class:`VerifyKeys`, :class:`DualSignature`
  (Ed25519 and ML-DSA-65, both required, domain-separated by purpose); C2SP signed notes
  (:meth:`SigningKeys.sign_note`, :meth:`VerifyKeys.verify_note`, :func:`verify_ed25519_note`);
* bindings — :func:`bind`, :func:`verify_binding` (STANAG 4778 idea);
* public-key encryption — :class:`HpkeKeyPair`, :func:`hpke_seal` (HPKE, ML-KEM-768 + X25519);
  :class:`Suite`, :class:`HpkeCnsaKeyPair` (CNSA 2.0: ML-KEM-1024 + P-384),
  :func:`hpke_seal_with`, :func:`hpke_open_with`;
* envelopes — :func:`seal_envelope`, :func:`open_envelope`, :func:`envelope_digest`
  (HPKE with the header bound as ``info``);
* encryption at rest — :func:`seal`, :func:`open_sealed`, :func:`wrap_key`, :func:`unwrap_key`;
* large attachments — :func:`encrypt_stream`, :func:`decrypt_stream` (STREAM over AES-256-GCM);
* TLS — :func:`generate_tls_identity`, :func:`certificate_fingerprint`;
* keyed digests — :func:`derive_key` (HKDF-SHA256), :func:`keyed_tokens` (the blind search
  index's HMAC tokens), :func:`keyed_digest`;
* encodings — :func:`b64e`, :func:`b64d`, :func:`sha384_hex`, :class:`Sha384Stream`.
"""

from __future__ import annotations

from accord.crypto._aead import new_data_key, open_sealed, seal, unwrap_key, wrap_key
from accord.crypto._binding import Binding, bind, verify_binding
from accord.crypto._encoding import Sha384Stream, b64d, b64e, sha384_hex
from accord.crypto._envelope import ENVELOPE_INFO_PREFIX, envelope_digest, open_envelope, seal_envelope
from accord.crypto._keyed import derive_key, keyed_digest, keyed_tokens
from accord.crypto._keys import HpkeKeyPair, hpke_seal
from accord.crypto._signing import DualSignature, SigningKeys, VerifyKeys, verify_ed25519_note
from accord.crypto._stream import (
    CHUNK_SIZE,
    SEALED_CHUNK_SIZE,
    StreamDecryptor,
    StreamEncryptor,
    decrypt_stream,
    encrypt_stream,
)
from accord.crypto._suites import HpkeCnsaKeyPair, Suite, hpke_open_with, hpke_seal_with
from accord.crypto._tls import TlsIdentity, certificate_fingerprint, generate_tls_identity

__all__ = [
    "CHUNK_SIZE",
    "ENVELOPE_INFO_PREFIX",
    "SEALED_CHUNK_SIZE",
    "Binding",
    "DualSignature",
    "HpkeCnsaKeyPair",
    "HpkeKeyPair",
    "Sha384Stream",
    "SigningKeys",
    "StreamDecryptor",
    "StreamEncryptor",
    "Suite",
    "TlsIdentity",
    "VerifyKeys",
    "b64d",
    "b64e",
    "bind",
    "certificate_fingerprint",
    "decrypt_stream",
    "derive_key",
    "encrypt_stream",
    "envelope_digest",
    "generate_tls_identity",
    "hpke_open_with",
    "hpke_seal",
    "hpke_seal_with",
    "keyed_digest",
    "keyed_tokens",
    "new_data_key",
    "open_envelope",
    "open_sealed",
    "seal",
    "seal_envelope",
    "sha384_hex",
    "unwrap_key",
    "verify_binding",
    "verify_ed25519_note",
    "wrap_key",
]

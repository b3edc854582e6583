"""HPKE suites: the default post-quantum hybrid, and the CNSA 2.0 suite.

Two RFC 9180 HPKE suites (base mode) are offered; an agreement selects one
(issue 3, "Envelopes"):

* :attr:`Suite.DEFAULT` — ML-KEM-768 + X25519, HKDF-SHA256, AES-256-GCM, with
  :class:`~accord.crypto.HpkeKeyPair` (see ``_keys.py``);
* :attr:`Suite.CNSA2` — ML-KEM-1024 + P-384, HKDF-SHA384, AES-256-GCM, with
  :class:`HpkeCnsaKeyPair`. CNSA 2.0 names ML-KEM-1024, AES-256 and SHA-384 for
  national security systems; P-384 (CNSA 1.0) stays in the combination while ML-KEM
  is young, as X25519 does in the default suite (DESIGN.md §3).

Encodings of the CNSA 2.0 key pair (fixed lengths, so unambiguous):

* public key: the ML-KEM-1024 encapsulation key (1568 bytes) ``||`` the P-384 public
  key as an uncompressed SEC 1 point (``0x04 || X || Y``, 97 bytes), 1665 bytes in all;
* private key: compact JSON ``{"format": "accord-hpke-cnsa-keys/1", "mlkem1024_seed":
  b64url (64 bytes, FIPS 203 d || z), "p384": b64url (48-byte big-endian scalar)}``
  with sorted keys;
* ciphertext: exactly what pyca/cryptography's ``Suite.encrypt`` returns (the
  1665-byte encapsulated key, then the AEAD ciphertext and its 16-byte tag).

A key pair only opens ciphertexts of its own suite: handing a default key pair to
:func:`hpke_open_with` with :attr:`Suite.CNSA2` (or the reverse) fails like any other
ciphertext that does not open, so a downgrade cannot be smuggled through a mismatch.
"""

from __future__ import annotations

import enum
from typing import Final

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ec, mlkem
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.crypto._encoding import field_b64, private_document, read_private_document, require_bytes
from accord.crypto._keys import OPEN_FAILED, HpkeKeyPair, hpke_decrypt, hpke_seal
from accord.errors import InvalidInput, VerificationFailed

__all__ = ["HpkeCnsaKeyPair", "Suite", "hpke_open_with", "hpke_seal_with"]

MLKEM1024_PUBLIC_LEN: Final = 1568
MLKEM1024_SEED_LEN: Final = 64
P384_PUBLIC_LEN: Final = 97
P384_SCALAR_LEN: Final = 48
CNSA_PUBLIC_LEN: Final = MLKEM1024_PUBLIC_LEN + P384_PUBLIC_LEN

_PRIVATE_FORMAT: Final = "accord-hpke-cnsa-keys/1"
_PRIVATE_KEYS: Final = frozenset({"format", "mlkem1024_seed", "p384"})


class Suite(enum.Enum):
    """An HPKE suite an agreement can select; the value is its stable wire name."""

    DEFAULT = "ACCORD-HPKE-MLKEM768X25519-HKDFSHA256-AES256GCM"
    CNSA2 = "ACCORD-HPKE-MLKEM1024P384-HKDFSHA384-AES256GCM"

    @classmethod
    def parse(cls, text: str) -> Suite:
        """Look a suite up by its wire name (exact, case-sensitive).

        Args:
            text: A suite name such as ``"ACCORD-HPKE-MLKEM1024P384-HKDFSHA384-AES256GCM"``.

        Returns:
            The suite.

        Raises:
            InvalidInput: If ``text`` is not a string or names no known suite.
        """
        if isinstance(text, str):
            for suite in cls:
                if suite.value == text:
                    return suite
        raise InvalidInput(f"unknown crypto suite {text!r}")


def _hpke_suite(suite: Suite) -> hpke.Suite:
    if suite is Suite.CNSA2:
        return hpke.Suite(hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM)
    return hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class HpkeCnsaKeyPair:
    """A node's CNSA 2.0 key pair for receiving envelopes (ML-KEM-1024 + P-384).

    The object never prints its secrets.
    """

    __slots__ = ("_mlkem", "_p384", "_private", "_public_bytes")

    def __init__(self, mlkem_key: mlkem.MLKEM1024PrivateKey, p384_key: ec.EllipticCurvePrivateKey) -> None:
        """Wrap two loaded private keys; prefer :meth:`generate` or :meth:`from_private_bytes`.

        Raises:
            InvalidInput: If ``p384_key`` is not on the P-384 curve.
        """
        if not isinstance(p384_key.curve, ec.SECP384R1):
            raise InvalidInput("hpke cnsa keys: the elliptic-curve key must be P-384")
        self._mlkem = mlkem_key
        self._p384 = p384_key
        self._private = hpke.MLKEM1024P384PrivateKey(mlkem_key, p384_key)
        self._public_bytes = mlkem_key.public_key().public_bytes_raw() + p384_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )

    def __repr__(self) -> str:
        return f"HpkeCnsaKeyPair(public={len(self._public_bytes)} bytes)"

    @classmethod
    def generate(cls) -> HpkeCnsaKeyPair:
        """Generate a fresh key pair from the operating system's random source."""
        return cls(mlkem.MLKEM1024PrivateKey.generate(), ec.generate_private_key(ec.SECP384R1()))

    def public_bytes(self) -> bytes:
        """Return the 1665-byte public key: ML-KEM-1024 public key ``||`` uncompressed P-384 point."""
        return self._public_bytes

    def to_private_bytes(self) -> bytes:
        """Serialise the private key (see the module docstring); the caller writes it 0600."""
        scalar = self._p384.private_numbers().private_value.to_bytes(P384_SCALAR_LEN, "big")
        return private_document(
            _PRIVATE_FORMAT, {"mlkem1024_seed": self._mlkem.private_bytes_raw(), "p384": scalar}
        )

    @classmethod
    def from_private_bytes(cls, data: bytes) -> HpkeCnsaKeyPair:
        """Load a key pair written by :meth:`to_private_bytes`.

        Args:
            data: The serialised private key.

        Returns:
            The key pair.

        Raises:
            InvalidInput: If ``data`` is not that JSON form, names another format, holds
                fields of the wrong length, or a P-384 scalar outside ``[1, n - 1]``.
        """
        doc = read_private_document(data, _PRIVATE_FORMAT, _PRIVATE_KEYS, "hpke cnsa keys")
        seed = field_b64(doc, "mlkem1024_seed", MLKEM1024_SEED_LEN)
        scalar = int.from_bytes(field_b64(doc, "p384", P384_SCALAR_LEN), "big")
        try:
            return cls(
                mlkem.MLKEM1024PrivateKey.from_seed_bytes(seed),
                ec.derive_private_key(scalar, ec.SECP384R1()),
            )
        except ValueError as exc:
            raise InvalidInput("hpke cnsa keys: not a valid private key") from exc

    def open(self, ciphertext: bytes, info: bytes) -> bytes:
        """Decrypt what :func:`hpke_seal_with` produced for this key pair under :attr:`Suite.CNSA2`.

        Args:
            ciphertext: The HPKE output (encapsulated key, then AEAD ciphertext).
            info: The context string given when sealing; it must match.

        Returns:
            The plaintext.

        Raises:
            VerificationFailed: If the ciphertext was altered, is for another key or
                suite, or ``info`` differs.
        """
        return hpke_decrypt(_hpke_suite(Suite.CNSA2), self._private, ciphertext, info)


def _cnsa_public(public_bytes: bytes) -> hpke.MLKEM1024P384PublicKey:
    require_bytes("hpke cnsa public key", public_bytes, CNSA_PUBLIC_LEN)
    point = public_bytes[MLKEM1024_PUBLIC_LEN:]
    # Only the uncompressed form (SEC 1 §2.3.3): one key, one encoding.
    if point[0] != 0x04:
        raise InvalidInput("not a valid hpke cnsa public key")
    try:
        return hpke.MLKEM1024P384PublicKey(
            mlkem.MLKEM1024PublicKey.from_public_bytes(public_bytes[:MLKEM1024_PUBLIC_LEN]),
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), point),
        )
    except ValueError as exc:
        raise InvalidInput("not a valid hpke cnsa public key") from exc


def hpke_seal_with(suite: Suite, public_bytes: bytes, plaintext: bytes, info: bytes) -> bytes:
    """Encrypt ``plaintext`` to the holder of a key pair of ``suite``.

    Args:
        suite: The HPKE suite; it decides which kind of public key is expected.
        public_bytes: The recipient's ``public_bytes()`` — 1216 bytes for
            :attr:`Suite.DEFAULT`, 1665 bytes for :attr:`Suite.CNSA2`.
        plaintext: The bytes to encrypt.
        info: A context string the recipient must give again to open it.

    Returns:
        The ciphertext for :func:`hpke_open_with` with the same suite.

    Raises:
        InvalidInput: If ``suite`` is not a :class:`Suite`, ``public_bytes`` is not a
            valid public key of that suite (wrong length or kind, or off the curve), or
            ``plaintext`` or ``info`` is not bytes.
    """
    if not isinstance(suite, Suite):
        raise InvalidInput("suite must be an accord.crypto.Suite")
    if suite is Suite.DEFAULT:
        return hpke_seal(public_bytes, plaintext, info)
    public = _cnsa_public(public_bytes)
    require_bytes("plaintext", plaintext)
    require_bytes("info", info)
    return _hpke_suite(suite).encrypt(plaintext, public, info=info)


def hpke_open_with(
    suite: Suite, keys: HpkeKeyPair | HpkeCnsaKeyPair, ciphertext: bytes, info: bytes
) -> bytes:
    """Decrypt what :func:`hpke_seal_with` produced under ``suite``.

    Args:
        suite: The suite the sender used.
        keys: The recipient's key pair; it must be of ``suite``'s kind.
        ciphertext: The HPKE output.
        info: The context string given when sealing.

    Returns:
        The plaintext.

    Raises:
        VerificationFailed: If ``suite`` is unknown, the key pair is not of ``suite``'s
            kind, or the ciphertext does not open (altered, other key, other ``info``).
    """
    if suite is Suite.DEFAULT and isinstance(keys, HpkeKeyPair):
        return keys.open(ciphertext, info)
    if suite is Suite.CNSA2 and isinstance(keys, HpkeCnsaKeyPair):
        return keys.open(ciphertext, info)
    raise VerificationFailed(OPEN_FAILED)

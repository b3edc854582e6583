"""Hybrid post-quantum public-key encryption: HPKE with ML-KEM-768 + X25519.

The suite is RFC 9180 HPKE (base mode) with the hybrid KEM ``MLKEM768-X25519``
(X-Wing style: secure while either ML-KEM-768 or X25519 holds), HKDF-SHA256 and
AES-256-GCM. CNSA 2.0 names ML-KEM for national security systems; X25519 stays in
the combination until ML-KEM has more years behind it (DESIGN.md §3).

Encodings (fixed lengths, so unambiguous):

* public key: the ML-KEM-768 encapsulation key (1184 bytes) ``||`` the X25519 public
  key (32 bytes), 1216 bytes in all;
* private key: compact JSON ``{"format": "accord-hpke-keys/1", "mlkem768_seed": b64url
  (64 bytes, FIPS 203 d || z), "x25519": b64url (32 bytes)}`` with sorted keys;
* ciphertext: exactly what pyca/cryptography's ``Suite.encrypt`` returns (the KEM's
  encapsulated key followed by the AEAD ciphertext and tag).
"""

from __future__ import annotations

from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from accord.crypto._encoding import field_b64, private_document, read_private_document, require_bytes
from accord.errors import InvalidInput, VerificationFailed

__all__ = ["OPEN_FAILED", "HpkeKeyPair", "hpke_decrypt", "hpke_seal"]

MLKEM768_PUBLIC_LEN: Final = 1184
MLKEM768_SEED_LEN: Final = 64
X25519_LEN: Final = 32
HPKE_PUBLIC_LEN: Final = MLKEM768_PUBLIC_LEN + X25519_LEN

OPEN_FAILED: Final = "hpke ciphertext does not verify"
"""The one reason given for any ciphertext that does not open."""
_PRIVATE_FORMAT: Final = "accord-hpke-keys/1"
_PRIVATE_KEYS: Final = frozenset({"format", "mlkem768_seed", "x25519"})


def _suite() -> hpke.Suite:
    return hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class HpkeKeyPair:
    """A node's key pair for receiving envelopes (ML-KEM-768 + X25519).

    The object never prints its secrets.
    """

    __slots__ = ("_mlkem", "_private", "_public_bytes", "_x25519")

    def __init__(self, mlkem_key: mlkem.MLKEM768PrivateKey, x25519_key: x25519.X25519PrivateKey) -> None:
        """Wrap two loaded private keys; prefer :meth:`generate` or :meth:`from_private_bytes`."""
        self._mlkem = mlkem_key
        self._x25519 = x25519_key
        self._private = hpke.MLKEM768X25519PrivateKey(mlkem_key, x25519_key)
        self._public_bytes = (
            mlkem_key.public_key().public_bytes_raw() + x25519_key.public_key().public_bytes_raw()
        )

    def __repr__(self) -> str:
        return f"HpkeKeyPair(public={len(self._public_bytes)} bytes)"

    @classmethod
    def generate(cls) -> HpkeKeyPair:
        """Generate a fresh key pair from the operating system's random source."""
        return cls(mlkem.MLKEM768PrivateKey.generate(), x25519.X25519PrivateKey.generate())

    def public_bytes(self) -> bytes:
        """Return the 1216-byte public key: ML-KEM-768 public key ``||`` X25519 public key."""
        return self._public_bytes

    def to_private_bytes(self) -> bytes:
        """Serialise the private key (see the module docstring); the caller writes it 0600."""
        return private_document(
            _PRIVATE_FORMAT,
            {"mlkem768_seed": self._mlkem.private_bytes_raw(), "x25519": self._x25519.private_bytes_raw()},
        )

    @classmethod
    def from_private_bytes(cls, data: bytes) -> HpkeKeyPair:
        """Load a key pair written by :meth:`to_private_bytes`.

        Args:
            data: The serialised private key.

        Returns:
            The key pair.

        Raises:
            InvalidInput: If ``data`` is not that JSON form, names another format, or
                holds keys of the wrong length.
        """
        doc = read_private_document(data, _PRIVATE_FORMAT, _PRIVATE_KEYS, "hpke keys")
        seed = field_b64(doc, "mlkem768_seed", MLKEM768_SEED_LEN)
        x_raw = field_b64(doc, "x25519", X25519_LEN)
        try:
            return cls(
                mlkem.MLKEM768PrivateKey.from_seed_bytes(seed),
                x25519.X25519PrivateKey.from_private_bytes(x_raw),
            )
        except ValueError as exc:
            raise InvalidInput("hpke keys: not a valid private key") from exc

    def open(self, ciphertext: bytes, info: bytes) -> bytes:
        """Decrypt what :func:`hpke_seal` produced for this key pair.

        Args:
            ciphertext: The HPKE output (encapsulated key, then AEAD ciphertext).
            info: The context string given to :func:`hpke_seal`; it must match.

        Returns:
            The plaintext.

        Raises:
            VerificationFailed: If the ciphertext was altered, is for another key, or
                ``info`` differs.
        """
        return hpke_decrypt(_suite(), self._private, ciphertext, info)


def hpke_decrypt(
    suite: hpke.Suite,
    private: hpke.MLKEM768X25519PrivateKey | hpke.MLKEM1024P384PrivateKey,
    ciphertext: object,
    info: object,
) -> bytes:
    """Open an HPKE ciphertext with a key pair's private key; every failure is one opaque error.

    Raises:
        VerificationFailed: ``ciphertext`` or ``info`` is not bytes, or the ciphertext was
            altered, is for another key, or ``info`` differs.
    """
    if not isinstance(ciphertext, bytes) or not isinstance(info, bytes):
        raise VerificationFailed(OPEN_FAILED)
    try:
        return suite.decrypt(ciphertext, private, info=info)
    except (InvalidTag, ValueError) as exc:
        raise VerificationFailed(OPEN_FAILED) from exc


def hpke_seal(public_bytes: bytes, plaintext: bytes, info: bytes) -> bytes:
    """Encrypt ``plaintext`` to the holder of an HPKE key pair.

    Args:
        public_bytes: The recipient's :meth:`HpkeKeyPair.public_bytes`.
        plaintext: The bytes to encrypt.
        info: A context string the recipient must give again to open it (bind the
            envelope's purpose and parties here).

    Returns:
        The ciphertext for :meth:`HpkeKeyPair.open`.

    Raises:
        InvalidInput: If ``public_bytes`` is not a 1216-byte valid composite public key,
            or ``plaintext`` or ``info`` is not bytes.
    """
    require_bytes("hpke public key", public_bytes, HPKE_PUBLIC_LEN)
    require_bytes("plaintext", plaintext)
    require_bytes("info", info)
    try:
        public = hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(public_bytes[:MLKEM768_PUBLIC_LEN]),
            x25519.X25519PublicKey.from_public_bytes(public_bytes[MLKEM768_PUBLIC_LEN:]),
        )
    except ValueError as exc:
        raise InvalidInput("not a valid hpke public key") from exc
    return _suite().encrypt(plaintext, public, info=info)

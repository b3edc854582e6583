"""Hybrid signatures: Ed25519 and ML-DSA-65, both required.

Every signature Accord makes is a :class:`DualSignature`, and verification succeeds
only when *both* halves verify. While ML-DSA (FIPS 204, named by CNSA 2.0 for national
security systems) is young, Ed25519 (RFC 8032) guards against a flaw in it; ML-DSA
guards against a quantum adversary forging Ed25519 (DESIGN.md §3).

Domain separation: a signature made for one purpose never verifies for another.

* Ed25519 signs ``b"accord-v1\\x00" + purpose + b"\\x00" + message``.
* ML-DSA-65 signs ``message`` with the FIPS 204 context string ``b"accord-v1:" + purpose``.

A purpose is 1 to 128 printable ASCII characters without spaces (``"binding"``,
``"agreement"``, ``"note"``, ``"identity"``), so neither encoding is ambiguous and the
context stays within FIPS 204's 255 bytes.

C2SP signed notes (checkpoints and cosignatures that transparency-log tools read,
:mod:`accord.ledger._note`) are signed without the prefix, as c2sp.org/signed-note
requires: :meth:`SigningKeys.sign_note` signs the bytes as given with Ed25519, and with
ML-DSA-65 under the empty context. They cannot pass for each other: a note holds no NUL
byte (:meth:`SigningKeys.sign_note` refuses one), so it never begins with
``b"accord-v1\x00"``, and the ML-DSA contexts differ.

XML Signatures (the STANAG 4778 binding, ``docs/adr/0008-xml-signature-binding.md``):
:meth:`SigningKeys.sign_xmldsig` signs a canonical ``ds:SignedInfo`` as it is with Ed25519,
as the XML-DSig algorithm ``http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519``
(RFC 9231 §2.3.1) requires, so a standard XML-DSig verifier can check it. Such bytes begin
with ``<`` (a canonical element); a note never does (:meth:`SigningKeys.sign_note` refuses
one) and a purpose message begins ``accord-v1``, so none of the three passes for another.
The caller adds Accord's dual signature (purpose ``stanag-4778``) over the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Final, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey, MLDSA65PublicKey

from accord.crypto._encoding import (
    b64e,
    field_b64,
    private_document,
    read_private_document,
    require_bytes,
    require_keys,
)
from accord.crypto._verified import verified_signatures
from accord.errors import InvalidInput, VerificationFailed

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DualSignature", "SigningKeys", "VerifyKeys", "verify_ed25519_note"]

ED25519_PUBLIC_LEN: Final = 32
ED25519_SIGNATURE_LEN: Final = 64
MLDSA65_PUBLIC_LEN: Final = 1952
MLDSA65_SIGNATURE_LEN: Final = 3309
SEED_LEN: Final = 32

_PURPOSE = re.compile(r"[\x21-\x7e]{1,128}")
_PRIVATE_FORMAT: Final = "accord-signing-keys/1"
_FINGERPRINT_DOMAIN: Final = b"accord-v1:verify-keys\x00"
_SIG_KEYS: Final = frozenset({"ed25519", "mldsa65"})
_PRIVATE_KEYS: Final = frozenset({"format", "ed25519_seed", "mldsa65_seed"})


def _check_purpose(purpose: str) -> bytes:
    if not isinstance(purpose, str) or _PURPOSE.fullmatch(purpose) is None:
        raise InvalidInput("signature purpose must be 1-128 printable ASCII characters")
    return purpose.encode("ascii")


def _ed25519_message(purpose: bytes, message: bytes) -> bytes:
    return b"accord-v1\x00" + purpose + b"\x00" + message


def _mldsa_context(purpose: bytes) -> bytes:
    return b"accord-v1:" + purpose


def _check_note(message: bytes) -> bytes:
    require_bytes("note", message)
    # The domain separation from purpose-signed messages (module docstring).
    if not message or b"\x00" in message:
        raise InvalidInput("a signed note's bytes are not empty and hold no NUL byte")
    if message.startswith(b"<"):
        raise InvalidInput("a signed note never begins with '<' (that is an XML signature's form)")
    return message


def _check_signed_info(signed_info: bytes) -> bytes:
    require_bytes("canonical SignedInfo", signed_info)
    # The domain separation from notes and purpose-signed messages (module docstring).
    if not signed_info.startswith(b"<") or b"\x00" in signed_info:
        raise InvalidInput("an XML signature signs a canonical SignedInfo element, which begins with '<'")
    return signed_info


def verify_ed25519_note(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Verify one Ed25519 signature over a note's bytes (RFC 8032, no prefix: c2sp.org/signed-note).

    For a known-answer check against another implementation's signed note; Accord's own
    notes are checked with both keys (:meth:`VerifyKeys.verify_note`).

    Args:
        public_key: The raw 32-byte Ed25519 public key.
        message: The exact bytes signed (the note text, or a cosignature message).
        signature: The 64-byte signature.

    Raises:
        VerificationFailed: the signature does not verify.
        InvalidInput: the key is malformed, or ``message`` is empty or holds a NUL byte.
    """
    require_bytes("ed25519 public key", public_key, ED25519_PUBLIC_LEN)
    _check_note(message)
    try:
        key = Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError as exc:
        raise InvalidInput("not a valid public key") from exc
    try:
        key.verify(signature, message)
    except (InvalidSignature, TypeError) as exc:
        raise VerificationFailed("signature does not verify") from exc


class _Pair:
    """An Ed25519 value and an ML-DSA-65 value that go together (a dual signature, a node's
    public keys), carried as ``{"ed25519": b64url, "mldsa65": b64url}``."""

    _WHAT: ClassVar[str]
    """What the pair is called in an error message."""
    _LENGTHS: ClassVar[tuple[int, int]]
    """The lengths of the Ed25519 value and of the ML-DSA-65 value, in bytes."""
    ed25519: bytes
    mldsa65: bytes

    def to_dict(self) -> dict[str, str]:
        """Return ``{"ed25519": b64url, "mldsa65": b64url}``."""
        return {"ed25519": b64e(self.ed25519), "mldsa65": b64e(self.mldsa65)}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Self:
        """Parse the form written by :meth:`to_dict`.

        Args:
            d: A mapping with exactly the keys ``ed25519`` and ``mldsa65``.

        Raises:
            InvalidInput: If a key is missing or unknown, or a value is not base64url of
                the right length (or, for public keys, not a valid public key).
        """
        d = require_keys(d, _SIG_KEYS, cls._WHAT)
        ed25519_len, mldsa65_len = cls._LENGTHS
        make: Callable[..., Self] = cls
        return make(
            ed25519=field_b64(d, "ed25519", ed25519_len), mldsa65=field_b64(d, "mldsa65", mldsa65_len)
        )


@dataclass(frozen=True)
class DualSignature(_Pair):
    """An Ed25519 signature and an ML-DSA-65 signature over the same message.

    Attributes:
        ed25519: The 64-byte Ed25519 signature.
        mldsa65: The 3309-byte ML-DSA-65 signature.

    Raises:
        InvalidInput: On construction, if either value is not bytes of the right length.
    """

    _WHAT = "signature"
    _LENGTHS = (ED25519_SIGNATURE_LEN, MLDSA65_SIGNATURE_LEN)

    ed25519: bytes
    mldsa65: bytes

    def __post_init__(self) -> None:
        require_bytes("ed25519 signature", self.ed25519, ED25519_SIGNATURE_LEN)
        require_bytes("mldsa65 signature", self.mldsa65, MLDSA65_SIGNATURE_LEN)


@dataclass(frozen=True, repr=False)
class VerifyKeys(_Pair):
    """The public half of a node's signing keys.

    Attributes:
        ed25519: The raw 32-byte Ed25519 public key.
        mldsa65: The raw 1952-byte ML-DSA-65 public key.

    Raises:
        InvalidInput: On construction, if either key is not bytes of the right length
            or is not a valid public key.
    """

    _WHAT = "verify keys"
    _LENGTHS = (ED25519_PUBLIC_LEN, MLDSA65_PUBLIC_LEN)

    ed25519: bytes
    mldsa65: bytes
    _loaded: tuple[Ed25519PublicKey, MLDSA65PublicKey] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        require_bytes("ed25519 public key", self.ed25519, ED25519_PUBLIC_LEN)
        require_bytes("mldsa65 public key", self.mldsa65, MLDSA65_PUBLIC_LEN)
        # Parsed once: every verification used to parse both keys again.
        object.__setattr__(self, "_loaded", self._load())

    def __repr__(self) -> str:
        return f"VerifyKeys({self.fingerprint()})"

    def _load(self) -> tuple[Ed25519PublicKey, MLDSA65PublicKey]:
        try:
            return (
                Ed25519PublicKey.from_public_bytes(self.ed25519),
                MLDSA65PublicKey.from_public_bytes(self.mldsa65),
            )
        except ValueError as exc:
            raise InvalidInput("not a valid public key") from exc

    def verify(self, purpose: str, message: bytes, signature: DualSignature) -> None:
        """Verify a dual signature made by :meth:`SigningKeys.sign` for ``purpose``.

        Both halves are always checked, and both must verify.

        Args:
            purpose: The purpose the signer named (``"binding"``, ``"agreement"``, ...).
            message: The exact bytes that were signed.
            signature: The signature to check.

        Raises:
            VerificationFailed: If either signature does not verify (wrong key, wrong
                purpose, altered message or signature).
            InvalidInput: If ``purpose`` is not a valid purpose string.
        """
        tag = _check_purpose(purpose)
        if not isinstance(signature, DualSignature) or not isinstance(message, bytes):
            raise VerificationFailed("signature does not verify")
        self._verify_both(message, signature, tag)

    def verify_note(self, message: bytes, signature: DualSignature) -> None:
        """Verify a signature made by :meth:`SigningKeys.sign_note` (both halves must verify).

        Args:
            message: The exact bytes signed (a note's text, or a cosignature message).
            signature: The Ed25519 signature and the ML-DSA-65 signature (empty context).

        Raises:
            VerificationFailed: either signature does not verify.
            InvalidInput: ``message`` is empty or holds a NUL byte.
        """
        _check_note(message)
        if not isinstance(signature, DualSignature):
            raise VerificationFailed("signature does not verify")
        self._verify_both(message, signature, None)

    def _verify_both(self, message: bytes, signature: DualSignature, purpose: bytes | None) -> None:
        """Check both halves of ``signature`` (always both), unless exactly these bytes verified before.

        ``purpose`` is the checked purpose (module docstring: Ed25519 over the prefixed
        message, ML-DSA-65 under its context), or None for a note (both over the bytes as
        they are, ML-DSA-65 under the empty context).

        Raises:
            VerificationFailed: either half does not verify.
        """
        domain = b"note" if purpose is None else b"purpose:" + purpose
        # Exactly these bytes verified before under these keys: the same answer (_verified).
        remembered = (self.ed25519, self.mldsa65, domain, message, signature.ed25519, signature.mldsa65)
        if remembered in verified_signatures:
            return
        if purpose is None:
            ed25519_message, context = message, b""
        else:
            ed25519_message, context = _ed25519_message(purpose, message), _mldsa_context(purpose)
        ed_key, ml_key = self._loaded
        ok = True
        try:
            ed_key.verify(signature.ed25519, ed25519_message)
        except InvalidSignature:
            ok = False
        try:
            ml_key.verify(signature.mldsa65, message, context)
        except InvalidSignature:
            ok = False
        if not ok:
            raise VerificationFailed("signature does not verify")
        verified_signatures.add(remembered)

    def verify_xmldsig(self, signed_info: bytes, signature: bytes) -> None:
        """Verify an XML-DSig ``eddsa-ed25519`` SignatureValue made by :meth:`SigningKeys.sign_xmldsig`.

        Only the Ed25519 half: the caller checks Accord's dual signature over the same bytes too.

        Args:
            signed_info: The canonical ``ds:SignedInfo`` bytes.
            signature: The 64-byte raw Ed25519 signature (RFC 8032).

        Raises:
            VerificationFailed: the signature does not verify.
            InvalidInput: ``signed_info`` does not begin with ``<`` or holds a NUL byte.
        """
        _check_signed_info(signed_info)
        if not isinstance(signature, bytes) or len(signature) != ED25519_SIGNATURE_LEN:
            raise VerificationFailed("signature does not verify")
        ed_key, _ = self._load()
        try:
            ed_key.verify(signature, signed_info)
        except InvalidSignature as exc:
            raise VerificationFailed("signature does not verify") from exc

    def fingerprint(self) -> str:
        """Return ``"sha256:" + hex`` over ``b"accord-v1:verify-keys\\x00" + ed25519 + mldsa65``.

        Both keys have fixed lengths, so the concatenation is unambiguous.
        """
        digest = hashlib.sha256(_FINGERPRINT_DOMAIN + self.ed25519 + self.mldsa65).hexdigest()
        return "sha256:" + digest


class SigningKeys:
    """A node's private signing keys: an Ed25519 key and an ML-DSA-65 key.

    Both are held as 32-byte seeds (RFC 8032 private key, FIPS 204 ``xi``), from which
    the full keys are derived. The object never prints its secrets.
    """

    __slots__ = ("_ed25519", "_mldsa65", "_public")

    def __init__(self, ed25519_key: Ed25519PrivateKey, mldsa65_key: MLDSA65PrivateKey) -> None:
        """Wrap two loaded private keys; prefer :meth:`generate` or :meth:`from_seeds`."""
        self._ed25519 = ed25519_key
        self._mldsa65 = mldsa65_key
        self._public = VerifyKeys(
            ed25519=ed25519_key.public_key().public_bytes_raw(),
            mldsa65=mldsa65_key.public_key().public_bytes_raw(),
        )

    def __repr__(self) -> str:
        return f"SigningKeys({self._public.fingerprint()})"

    @classmethod
    def generate(cls) -> SigningKeys:
        """Generate fresh keys from the operating system's random source."""
        return cls(Ed25519PrivateKey.generate(), MLDSA65PrivateKey.generate())

    @classmethod
    def from_seeds(cls, ed25519_seed: bytes, mldsa65_seed: bytes) -> SigningKeys:
        """Derive keys from two 32-byte seeds (for known-answer tests and loading).

        Args:
            ed25519_seed: The RFC 8032 32-byte private key.
            mldsa65_seed: The FIPS 204 32-byte seed.

        Returns:
            The keys.

        Raises:
            InvalidInput: If either seed is not 32 bytes.
        """
        require_bytes("ed25519 seed", ed25519_seed, SEED_LEN)
        require_bytes("mldsa65 seed", mldsa65_seed, SEED_LEN)
        try:
            return cls(
                Ed25519PrivateKey.from_private_bytes(ed25519_seed),
                MLDSA65PrivateKey.from_seed_bytes(mldsa65_seed),
            )
        except ValueError as exc:
            raise InvalidInput("not a valid private key seed") from exc

    def public(self) -> VerifyKeys:
        """Return the public keys."""
        return self._public

    def sign(self, purpose: str, message: bytes) -> DualSignature:
        """Sign ``message`` for ``purpose`` with both keys.

        The Ed25519 half is deterministic; the ML-DSA-65 half is randomised (hedged).

        Args:
            purpose: What the signature is for; see the module docstring.
            message: The exact bytes to sign (the caller canonicalises).

        Returns:
            The dual signature.

        Raises:
            InvalidInput: If ``purpose`` is not a valid purpose or ``message`` is not bytes.
        """
        tag = _check_purpose(purpose)
        require_bytes("message", message)
        return DualSignature(
            ed25519=self._ed25519.sign(_ed25519_message(tag, message)),
            mldsa65=self._mldsa65.sign(message, _mldsa_context(tag)),
        )

    def sign_note(self, message: bytes) -> DualSignature:
        """Sign a C2SP signed note's bytes as they are: Ed25519 (RFC 8032) and ML-DSA-65, empty context.

        No purpose prefix, as c2sp.org/signed-note requires, so any note verifier checks the
        Ed25519 half; the module docstring says why it cannot pass for a purpose signature.

        Args:
            message: The note text, or a cosignature message (tlog-cosignature), as UTF-8.

        Returns:
            The dual signature.

        Raises:
            InvalidInput: ``message`` is not bytes, is empty or holds a NUL byte.
        """
        _check_note(message)
        return DualSignature(ed25519=self._ed25519.sign(message), mldsa65=self._mldsa65.sign(message, b""))

    def sign_xmldsig(self, signed_info: bytes) -> bytes:
        """Sign a canonical ``ds:SignedInfo`` as it is with Ed25519 (XML-DSig ``eddsa-ed25519``, RFC 9231).

        Args:
            signed_info: The canonical (exclusive C14N) bytes of the ``ds:SignedInfo`` element.

        Returns:
            The 64-byte raw Ed25519 signature, the XML-DSig SignatureValue.

        Raises:
            InvalidInput: ``signed_info`` is not bytes, does not begin with ``<`` or holds a NUL byte.
        """
        return self._ed25519.sign(_check_signed_info(signed_info))

    def to_private_bytes(self) -> bytes:
        """Serialise both seeds as compact JSON with sorted keys.

        The form is ``{"ed25519_seed": b64url, "format": "accord-signing-keys/1",
        "mldsa65_seed": b64url}``. It is a secret: the caller writes it with mode 0600.
        """
        return private_document(
            _PRIVATE_FORMAT,
            {
                "ed25519_seed": self._ed25519.private_bytes_raw(),
                "mldsa65_seed": self._mldsa65.private_bytes_raw(),
            },
        )

    @classmethod
    def from_private_bytes(cls, data: bytes) -> SigningKeys:
        """Load keys written by :meth:`to_private_bytes`.

        Args:
            data: The serialised seeds.

        Returns:
            The keys.

        Raises:
            InvalidInput: If ``data`` is not that JSON form, names another format, or
                holds seeds of the wrong length.
        """
        doc = read_private_document(data, _PRIVATE_FORMAT, _PRIVATE_KEYS, "signing keys")
        return cls.from_seeds(
            field_b64(doc, "ed25519_seed", SEED_LEN),
            field_b64(doc, "mldsa65_seed", SEED_LEN),
        )

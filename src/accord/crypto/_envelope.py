"""Envelopes: one payload encrypted with HPKE to one partner, bound to its header.

An envelope carries one item from one node to one partner (issue 3, "Envelopes";
GSOMIA Arts. 9–11 on transmission). This module gives the cryptographic core; the
header's fields (format version, suite, sender and recipient, message id, agreement,
precedence, creation time, sequence number) and their canonical encoding belong to
the caller (``accord.exchange``), so here ``header`` is opaque bytes.

Sealing (RFC 9180 HPKE, base mode, single shot)::

    info       = ENVELOPE_INFO_PREFIX || suite.value (ASCII) || 0x00 || header
    ciphertext = HPKE[suite].Seal(pkR = recipient_public, info, aad = "", pt = payload)

The header is bound as HPKE ``info`` (RFC 9180 §5.1: it enters the key schedule), so
the ciphertext opens only with the very header it was sealed with: a changed precedence,
recipient or agreement id makes the envelope fail to open, as does a changed byte of the
encapsulated key or the AEAD ciphertext. The suite's name is bound too, and since no
suite name holds a NUL byte the split between name and header is unambiguous. The
ciphertext layout is pyca/cryptography's: the KEM's encapsulated key (1120 bytes for
:attr:`Suite.DEFAULT`, 1665 for :attr:`Suite.CNSA2`), then the AES-256-GCM ciphertext and
its 16-byte tag.

Every failure to open is one opaque :class:`~accord.errors.VerificationFailed`
(``"envelope does not open"``): toward a peer a tampered header, a tampered ciphertext,
a wrong key and a wrong suite look the same (STYLE.md, Errors); the caller journals the
detail it knows.

Digest. The sender signs a transmission as a list of envelope digests (ML-DSA costs
too much per envelope, issue 3)::

    envelope_digest = SHA-384( b"accord-envelope-digest-v1\\x00"
                               || uint64_be(len(header)) || header || ciphertext )

The length prefix makes the digest injective on ``(header, ciphertext)``: moving bytes
across the boundary changes it. The ciphertext itself needs no length, it runs to the end.
"""

from __future__ import annotations

import hashlib
from typing import Final

from accord.crypto._encoding import require_bytes
from accord.crypto._keys import HpkeKeyPair
from accord.crypto._suites import HpkeCnsaKeyPair, Suite, hpke_open_with, hpke_seal_with
from accord.errors import InvalidInput, VerificationFailed

__all__ = ["ENVELOPE_INFO_PREFIX", "envelope_digest", "open_envelope", "seal_envelope"]

ENVELOPE_INFO_PREFIX: Final = b"accord-envelope-v1\x00"
_DIGEST_DOMAIN: Final = b"accord-envelope-digest-v1\x00"
_OPEN_FAILED: Final = "envelope does not open"


def _envelope_info(suite: Suite, header: bytes) -> bytes:
    return ENVELOPE_INFO_PREFIX + suite.value.encode("ascii") + b"\x00" + header


def seal_envelope(suite: Suite, recipient_public: bytes, header: bytes, payload: bytes) -> bytes:
    """Encrypt ``payload`` to the recipient, bound to ``header`` and ``suite``.

    Args:
        suite: The HPKE suite the agreement selects.
        recipient_public: The recipient's ``public_bytes()`` for that suite (from its
            pinned identity card).
        header: The envelope header's canonical bytes, built by the caller; it travels
            in the clear next to the ciphertext and must be given again to open.
        payload: The bytes to encrypt (the item).

    Returns:
        The HPKE ciphertext (encapsulated key, then AEAD ciphertext and tag).

    Raises:
        InvalidInput: If ``suite`` is not a :class:`Suite`, ``recipient_public`` is not
            a valid public key of that suite, or ``header`` or ``payload`` is not bytes.
    """
    if not isinstance(suite, Suite):
        raise InvalidInput("suite must be an accord.crypto.Suite")
    require_bytes("envelope header", header)
    require_bytes("envelope payload", payload)
    return hpke_seal_with(suite, recipient_public, payload, _envelope_info(suite, header))


def open_envelope(
    suite: Suite, keys: HpkeKeyPair | HpkeCnsaKeyPair, header: bytes, ciphertext: bytes
) -> bytes:
    """Decrypt an envelope sealed by :func:`seal_envelope`.

    Args:
        suite: The suite named in the header (and allowed by the agreement).
        keys: The recipient's key pair of that suite.
        header: The header's bytes exactly as received.
        ciphertext: The ciphertext exactly as received.

    Returns:
        The payload.

    Raises:
        VerificationFailed: ``"envelope does not open"`` if the header or the ciphertext
            was altered or truncated, the envelope is for another key, was sealed under
            another suite, or ``keys`` is not of ``suite``'s kind.
    """
    if not isinstance(suite, Suite) or not isinstance(header, bytes):
        raise VerificationFailed(_OPEN_FAILED)
    try:
        return hpke_open_with(suite, keys, ciphertext, _envelope_info(suite, header))
    except VerificationFailed as exc:
        raise VerificationFailed(_OPEN_FAILED) from exc


def envelope_digest(header: bytes, ciphertext: bytes) -> str:
    """Return the digest that names an envelope in a signed transmission.

    Args:
        header: The header's bytes.
        ciphertext: The envelope's ciphertext.

    Returns:
        SHA-384 (96 lowercase hex digits) over the domain string, the header's length
        as 8 big-endian bytes, the header and the ciphertext (see the module docstring).

    Raises:
        InvalidInput: If ``header`` or ``ciphertext`` is not bytes.
    """
    require_bytes("envelope header", header)
    require_bytes("envelope ciphertext", ciphertext)
    h = hashlib.sha384(_DIGEST_DOMAIN)
    h.update(len(header).to_bytes(8, "big"))
    h.update(header)
    h.update(ciphertext)
    return h.hexdigest()

"""Bindings: a signed statement tying a confidentiality label to its data.

After NATO STANAG 4778 (metadata binding): the caller canonicalises a statement that
holds the label and the SHA-384 digests of the data it covers, and the originating node
signs it, so neither the label nor the data can be swapped without the signature
failing. This module signs and checks bytes only; building the statement belongs to
``accord.markings`` (which this package does not import).

Signatures use the purpose ``"binding"`` (see :mod:`accord.crypto._signing`), so a
binding signature never verifies as an agreement, note or identity signature.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from accord.crypto._encoding import b64e, field_b64, require_bytes, require_keys
from accord.crypto._signing import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed

__all__ = ["Binding", "bind", "verify_binding"]

BINDING_PURPOSE: Final = "binding"
_KEYS: Final = frozenset({"statement", "signer", "signature"})


@dataclass(frozen=True)
class Binding:
    """A statement signed by a node.

    Attributes:
        statement: The canonical bytes the caller built (label and data digests).
        signer: The signing node's id.
        signature: The node's dual signature over ``statement``.

    Raises:
        InvalidInput: On construction, if a field has the wrong type or ``signer`` is empty.
    """

    statement: bytes
    signer: str
    signature: DualSignature

    def __post_init__(self) -> None:
        require_bytes("statement", self.statement)
        if not isinstance(self.signer, str) or not self.signer:
            raise InvalidInput("binding signer must be a non-empty string")
        if not isinstance(self.signature, DualSignature):
            raise InvalidInput("binding signature must be a DualSignature")

    def to_dict(self) -> dict[str, object]:
        """Return ``{"statement": b64url, "signer": id, "signature": {...}}``."""
        return {
            "statement": b64e(self.statement),
            "signer": self.signer,
            "signature": self.signature.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Binding:
        """Parse the form written by :meth:`to_dict`.

        Args:
            d: A mapping with exactly the keys ``statement``, ``signer`` and ``signature``.

        Returns:
            The binding (not yet verified: call :func:`verify_binding`).

        Raises:
            InvalidInput: If a key is missing or unknown or a value is malformed.
        """
        d = require_keys(d, _KEYS, "binding")
        signer = d["signer"]
        if not isinstance(signer, str):
            raise InvalidInput("binding signer must be a non-empty string")
        signature = d["signature"]
        if not isinstance(signature, Mapping):
            raise InvalidInput("binding signature must be an object")
        return cls(
            statement=field_b64(d, "statement"),
            signer=signer,
            signature=DualSignature.from_dict(signature),
        )


def bind(keys: SigningKeys, signer: str, statement: bytes) -> Binding:
    """Sign a statement as node ``signer``.

    Args:
        keys: The node's signing keys.
        signer: The node's id, recorded so a verifier can look up its keys.
        statement: The canonical bytes to sign.

    Returns:
        The binding.

    Raises:
        InvalidInput: If ``signer`` is empty or ``statement`` is not bytes.
    """
    require_bytes("statement", statement)
    if not isinstance(signer, str) or not signer:
        raise InvalidInput("binding signer must be a non-empty string")
    return Binding(statement=statement, signer=signer, signature=keys.sign(BINDING_PURPOSE, statement))


def verify_binding(binding: Binding, keys: VerifyKeys, expected_statement: bytes) -> None:
    """Check that a binding covers ``expected_statement`` and was signed with ``keys``.

    The caller rebuilds the statement from the label and data it holds; the comparison
    is constant-time.

    Args:
        binding: The binding to check.
        keys: The public keys of the node named by ``binding.signer``.
        expected_statement: The canonical statement the caller recomputed.

    Raises:
        VerificationFailed: If the statement differs or the signature does not verify.
    """
    if not isinstance(binding, Binding) or not isinstance(expected_statement, bytes):
        raise VerificationFailed("binding does not verify")
    if not hmac.compare_digest(binding.statement, expected_statement):
        raise VerificationFailed("binding statement does not match")
    try:
        keys.verify(BINDING_PURPOSE, binding.statement, binding.signature)
    except VerificationFailed as exc:
        raise VerificationFailed("binding signature does not verify") from exc

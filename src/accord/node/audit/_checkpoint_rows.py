"""A signed checkpoint as the ``ledger_checkpoints`` row that stores it, and back (Art. 8);
the one check that a stored checkpoint carries this node's own signature.

The format is the exchange's (:class:`accord.exchange.SignedCheckpoint`); the row is the
store's (:class:`accord.store.LedgerCheckpointRow`). Neither layer may import the other, so
the node, which holds both, maps one to the other here.
"""

from __future__ import annotations

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature, VerifyKeys
from accord.errors import IntegrityError, InvalidInput, VerificationFailed
from accord.exchange import SignedCheckpoint
from accord.ledger import Checkpoint
from accord.store import LedgerCheckpointRow

__all__ = ["checkpoint_from_row", "checkpoint_row", "require_own_signature"]


def checkpoint_from_row(row: LedgerCheckpointRow) -> SignedCheckpoint:
    """The checkpoint a ``ledger_checkpoints`` row holds (the signature is not checked here).

    Raises:
        InvalidInput: the row does not hold a well-formed checkpoint and signature.
    """
    try:
        root = bytes.fromhex(row.root)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"checkpoint of size {row.size}: its root is not hex") from exc
    checkpoint = Checkpoint(row.origin, row.size, root, row.time)
    return SignedCheckpoint(
        checkpoint, DualSignature.from_dict(loads_object(row.signature_json, "a checkpoint signature"))
    )


def require_own_signature(signed: SignedCheckpoint, keys: VerifyKeys) -> None:
    """Refuse a stored checkpoint that ``keys`` (this node's own) did not sign.

    Raises:
        IntegrityError: the signature does not verify (the ledger is damaged: run
            ``accord ledger verify``).
    """
    try:
        signed.verify(keys)
    except VerificationFailed as exc:
        raise IntegrityError(
            f"the checkpoint of {signed.checkpoint.size} leaves does not carry this node's signature: "
            "run `accord ledger verify`"
        ) from exc


def checkpoint_row(signed: SignedCheckpoint) -> LedgerCheckpointRow:
    """The row that stores ``signed``."""
    cp = signed.checkpoint
    return LedgerCheckpointRow(
        size=cp.size,
        root=cp.root.hex(),
        time=cp.timestamp,
        origin=cp.origin,
        signature_json=canonical_json(signed.signature.to_dict()).decode("ascii"),
    )

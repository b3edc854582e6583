"""A signed checkpoint as the ``ledger_checkpoints`` row that stores it, and back (Art. 8).

The format is the exchange's (:class:`accord.exchange.SignedCheckpoint`); the row is the
store's (:class:`accord.store.LedgerCheckpointRow`). Neither layer may import the other, so
the node, which holds both, maps one to the other here.
"""

from __future__ import annotations

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature
from accord.errors import InvalidInput
from accord.exchange import SignedCheckpoint
from accord.ledger import Checkpoint
from accord.store import LedgerCheckpointRow

__all__ = ["checkpoint_from_row", "checkpoint_row"]


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

"""Control dispatch: hand each opened control message to its wing's handler (Arts. 6–18).

Every envelope that is not an item is a control message (a consent request, a receipt, a
destruction certificate, a checkpoint…). The composition root registers one handler per
type (:meth:`ControlDispatch.register`); each runs the template of :mod:`._control`
(authenticate → locate → check, then apply in the write transaction). A type with no
handler here is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import Conflict, InvalidInput
from accord.exchange import Receipt, Transmission
from accord.node.core._context import NodeContext
from accord.node.transfer._control import ControlHandler, Incoming
from accord.node.transfer._inbox import CheckedEnvelope, record_arrival
from accord.node.transfer._intake import Arrival, Opened
from accord.store import format_stamp

__all__ = ["ControlDispatch", "PreparedControl"]


@dataclass(frozen=True)
class PreparedControl(CheckedEnvelope):
    """A control message that passed every check, ready to be applied."""

    incoming: Incoming


class ControlDispatch:
    """The control messages' handlers, by envelope type."""

    def __init__(self, ctx: NodeContext) -> None:
        """Dispatch for the node behind ``ctx``."""
        self._ctx = ctx
        self._handlers: dict[str, ControlHandler] = {}

    def register(self, kind: str, handler: ControlHandler) -> None:
        """Hand envelopes of type ``kind`` (not items) to ``handler`` (see :mod:`._control`).

        Raises:
            Conflict: ``kind`` is ``item`` or already has a handler.
        """
        if kind == "item" or kind in self._handlers:
            raise Conflict(f"envelope type {kind!r} already has a handler")
        self._handlers[kind] = handler

    def prepare(self, arrival: Arrival, opened: Opened) -> PreparedControl:
        """Check an opened control message with its handler; build its receipt.

        Raises:
            InvalidInput: no handler for its type at this node.
            AccordError: the handler refused it.
        """
        header = opened.header
        handler = self._handlers.get(header.type)
        if handler is None:
            raise InvalidInput(f"no handler for envelope type {header.type!r} at this node")
        now = arrival.now
        incoming = handler(arrival.session, header, opened.plaintext, arrival.sender_party, now)
        receipt = Receipt(
            message_id=header.message_id,
            item_id=incoming.item_id,
            envelope_digest=opened.digest,
            content_sha384=incoming.content_sha384,
            label_sha384=incoming.label_sha384,
            alternative_label=incoming.label,
            received_at=format_stamp(now),
            receiver=self._ctx.config.node_id,
            sender=arrival.sender,
        )
        return PreparedControl(header, opened.digest, receipt, incoming)

    def commit(self, session: Session, tx: Transmission, prepared: PreparedControl, now: datetime) -> Receipt:
        """Apply a checked control message and keep it in the inbox; return its receipt."""
        earlier = prepared.given_meanwhile(session, tx.sender)
        if earlier is not None:
            return earlier
        prepared.incoming.apply(session, now)
        record_arrival(session, prepared.header, prepared.receipt, now)
        session.flush()
        return prepared.receipt

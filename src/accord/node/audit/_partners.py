"""How the witnessing reaches partner nodes: a message about no item through the outbox (Arts. 8, 18).

Every witnessing message — a checkpoint offered, a countersignature, a proof request,
gossip — is a control message about no item (:data:`~accord.node.transfer._control.NO_ITEM`),
sent at routine precedence through the outbox, delivery and signed receipts like any other
envelope, under an agreement in force with the partner's party.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.exchange import CheckpointStatement, Countersignature, Gossip, IdentityCard, ProofRequest
from accord.items import Precedence
from accord.node.core._context import NodeContext
from accord.node.core._principal import Act
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.transfer._control import NO_ITEM
from accord.node.transfer._sealing import Outgoing
from accord.node.transfer._sending import SendingService, Sent

__all__ = ["ACTOR", "Partners", "WitnessMessage"]

ACTOR: Final = "witness"
"""The journal's actor for what the witnessing does on its own (not on a partner's message)."""

WitnessMessage = CheckpointStatement | Countersignature | ProofRequest | Gossip
"""A witnessing message (``accord.exchange``)."""

_KINDS: Final[dict[type[WitnessMessage], str]] = {
    CheckpointStatement: "checkpoint",
    Countersignature: "countersignature",
    ProofRequest: "proof-request",
    Gossip: "gossip",
}
"""The envelope type each witnessing message travels as (one of
:data:`~accord.node.transfer._control.WITNESS_TYPES`)."""


@dataclass(frozen=True)
class Partners:
    """The services the witnessing uses: the node, its pinned partners, agreements, the outbox."""

    ctx: NodeContext
    parties: PartyService
    agreements: AgreementService
    sending: SendingService

    def send(
        self, session: Session, message: WitnessMessage, card: IdentityCard, agreement: Agreement, act: Act
    ) -> Sent:
        """Put ``message`` to ``card``, under ``agreement``, in the outbox, as ``act``.

        Raises:
            StorageError: the database failed.
        """
        outgoing = Outgoing(
            kind=_KINDS[type(message)],
            card=card,
            agreement=agreement,
            precedence=Precedence.ROUTINE,
            item_id=NO_ITEM,
            payload=message.to_bytes(),
        )
        return self.sending.enqueue(session, outgoing, act)

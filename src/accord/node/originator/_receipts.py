"""At the originator: third parties' receipts of items passed on under its consent (GSOMIA Art. 6).

When a holder passes an item on under the originator's consent, the third party's node
accepts it only with the originator's signed token, and then tells the originator with a
signed ``consent-receipt`` (:class:`~accord.exchange.ConsentReceipt`, sent by
``accord.node.transfer._receiving``). The originator files it in table
``consent_receipts``: its dissemination record of the item then names the third party's
node as a holder (``accord dissemination``), and ``accord reconcile`` of that node's
holdings summary finds the item on record, as the outbox does for the nodes the originator
provided the item to itself.

A receipt is accepted only from the third party's node it names, signed by that node, for
an item this node originated (same content digest), under a consent this node gave (token
id) for that very item, holder and third party, approved (or since revoked: the item may
have arrived before the revocation). Anything else is refused, journalled and quarantined
like every bad control message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import Conflict, PolicyDenied
from accord.exchange import ConsentReceipt, EnvelopeHeader
from accord.items import ConsentState, Direction
from accord.node.transfer._control import (
    Entry,
    Incoming,
    Received,
    Steps,
    handle,
    originated_here,
    receipt_of_item,
    same_version,
    signed_by,
)
from accord.node.transfer._services import ServiceBase
from accord.store import ConsentReceiptRow, ConsentRepository, ItemRow, format_stamp

__all__ = ["ConsentReceiptService"]


class ConsentReceiptService(ServiceBase):
    """Files third parties' consent receipts in the originator's dissemination record."""

    def incoming(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a consent receipt from a third party, in the originator's snapshot.

        Raises:
            InvalidInput: malformed.
            PolicyDenied: not from the third party's node it names, or not under a consent
                this node gave for that item, holder and third party.
            VerificationFailed: not signed by the sender, or for another version of the item.
            NotFound: this node did not originate the item.
            Conflict: a receipt of that delivery is already on record.
        """
        steps = _ReceiptSteps(session, header, sender_party, self._ctx.config.node_id)
        return handle(
            header,
            plaintext,
            Steps(
                parse=ConsentReceipt.parse,
                authenticate=signed_by(
                    steps,
                    self._parties.signer,
                    lambda r: (r.third_party_node, r.third_party),
                    "a consent receipt must come from the third party's node that received the item",
                ),
                locate=steps.locate,
                check=steps.check,
                apply=steps.apply,
                journal="consent.receipt.received",
                receipt=receipt_of_item(self._ctx.config.scheme),
            ),
        )


@dataclass(frozen=True)
class _ReceiptSteps(Received):
    """The steps of one incoming consent receipt (:func:`~accord.node.transfer._control.handle`)."""

    own_node: str

    def locate(self, receipt: ConsentReceipt) -> ItemRow:
        """An item this node originated."""
        missing = f"a consent receipt for item {receipt.item_id}, which this node did not originate"
        return originated_here(self.session, receipt.item_id, receipt.originator_node, self.own_node, missing)

    def check(self, receipt: ConsentReceipt, item: ItemRow) -> None:
        """Same version, under a consent this node gave for that delivery, not yet on record."""
        sender = self.sender
        same_version(item, receipt.content_sha384, f"a consent receipt for another version of item {item.id}")
        consents = ConsentRepository(self.session)
        consent = consents.by_token(receipt.token_id, Direction.IN)
        if (
            consent is None
            or consent.status not in (ConsentState.APPROVED, ConsentState.REVOKED)
            or consent.item_id != receipt.item_id
            or consent.holder_party != receipt.holder_party
            or consent.holder_node != receipt.holder_node
            or consent.third_party != receipt.third_party
        ):
            raise PolicyDenied(
                f"a consent receipt from {sender} under {receipt.token_id}, which is not a consent "
                f"this node gave for {receipt.holder_party} to pass item {receipt.item_id} on to "
                f"{receipt.third_party} (Art. 6)"
            )
        if consents.receipt_on_record(receipt.receipt_id, sender, receipt.holder_node, receipt.message_id):
            raise Conflict(f"the receipt of message {receipt.message_id} by {sender} is already on record")

    def apply(self, write: Session, receipt: ConsentReceipt, _: ItemRow, now: datetime) -> Entry:
        """File the receipt in the item's dissemination record."""
        sender = self.sender
        ConsentRepository(write).add_receipt(
            ConsentReceiptRow(
                id=receipt.receipt_id,
                token_id=receipt.token_id,
                item_id=receipt.item_id,
                content_sha384=receipt.content_sha384,
                holder_party=receipt.holder_party,
                holder_node=receipt.holder_node,
                third_party=receipt.third_party,
                third_party_node=sender,
                message_id=receipt.message_id,
                agreement_id=self.header.agreement_id,
                received_at=receipt.received_at,
                recorded_at=format_stamp(now),
                receipt_json=receipt.to_bytes().decode("utf-8"),
            )
        )
        return Entry(
            item_id=receipt.item_id,
            detail={
                "receipt_id": receipt.receipt_id,
                "token_id": receipt.token_id,
                "third_party": receipt.third_party,
                "node": sender,
                "from": receipt.holder_node,
                "message_id": receipt.message_id,
                "received_at": receipt.received_at,
            },
        )

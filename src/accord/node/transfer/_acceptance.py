"""Item acceptance: the checks an opened item must pass before it is held (Arts. 4, 6, 9–12).

:meth:`ItemAcceptance.prepare` runs them as named steps, in this order:

1. **origin** (:meth:`~ItemAcceptance.check_origin`): an item from its originator comes
   from the originator's party; one passed on by a holder needs the originator's valid,
   unrevoked consent naming the holder and us (:meth:`~ItemAcceptance.check_consent`, Art. 6);
2. **binding** (:meth:`~ItemAcceptance.check_binding`): the originator's binding of label,
   content and attachments verifies with its pinned keys;
3. **agreement and scope** (:meth:`~ItemAcceptance.translator`, then
   :func:`~accord.policy.may_travel`): the label is the sender's scheme under this
   agreement (or, passed on, one an agreement with the originator translates); we are in
   *Releasable To*, its level has an equivalent in our scheme, its topics are in scope (Art. 4);
4. **attachments** (:func:`~._attachments.check_attachment`): every one has arrived
   complete and decrypts to its bound digest.

It returns a :class:`PreparedItem` with our alternative label (Art. 4) and the receipt;
:mod:`._holding` stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.crypto import VerifyKeys, verify_binding
from accord.errors import PolicyDenied, VerificationFailed
from accord.exchange import ItemPayload, Receipt, label_digest
from accord.items import binding_statement
from accord.markings import Issuance, Marking, derive_alternative
from accord.node.core._context import NodeContext
from accord.node.holdings._access import require_scope
from accord.node.holdings._consent_book import revoked
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.transfer._attachments import check_attachment, finish_upload
from accord.node.transfer._inbox import CheckedEnvelope
from accord.node.transfer._intake import Arrival, Opened
from accord.policy import Passage, may_travel
from accord.store import format_stamp

__all__ = ["ItemAcceptance", "PreparedItem"]


@dataclass(frozen=True)
class PreparedItem(CheckedEnvelope):
    """An item envelope that passed every check, ready to be stored."""

    payload: ItemPayload
    marking: Marking
    agreement_id: str
    translator: Agreement


class ItemAcceptance:
    """The receiver's checks of an item (Arts. 4, 6, 9–12)."""

    def __init__(self, ctx: NodeContext, parties: PartyService, agreements: AgreementService) -> None:
        """Check items for the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements

    def prepare(self, arrival: Arrival, opened: Opened) -> PreparedItem:
        """Run every check on an opened item; return it with our label and its receipt.

        Raises:
            PolicyDenied: wrong origin, no valid consent, or out of scope (Arts. 4, 6).
            VerificationFailed: the binding or the consent does not verify.
            IntegrityError: an attachment is missing or not the one bound.
        """
        me, session, sender_party, now = self._ctx.config, arrival.session, arrival.sender_party, arrival.now
        header, agreement = opened.header, opened.agreement
        payload = ItemPayload.parse(opened.plaintext)
        relayed = payload.originator_node != arrival.sender
        self.check_origin(session, payload, sender_party, relayed, now)
        self.check_binding(session, payload, arrival.signers)
        translator = self.translator(session, payload, agreement, sender_party, relayed)
        require_scope(
            may_travel(
                payload.label,
                agreement,
                opened.status,
                Passage(to=me.party, direct=not relayed, translate_under=translator),
            )
        )
        level = translator.translate(payload.label, me.scheme)
        self.check_attachments(payload, yielding=arrival.yielding)
        alternative = derive_alternative(
            payload.label,
            level,
            provided_by=payload.originator_party,
            issued=Issuance(me.node_id, now, translator.id),
        )
        receipt = Receipt(
            message_id=header.message_id,
            item_id=payload.item_id,
            envelope_digest=opened.digest,
            content_sha384=payload.content.sha384(),
            label_sha384=label_digest(payload.label),
            alternative_label=alternative,
            received_at=format_stamp(now),
            receiver=me.node_id,
            sender=arrival.sender,
        )
        marking = Marking(payload.label, (alternative,))
        return PreparedItem(header, opened.digest, receipt, payload, marking, agreement.id, translator)

    def check_origin(
        self, session: Session, payload: ItemPayload, sender_party: str, relayed: bool, now: datetime
    ) -> None:
        """Check who may have sent the item: its originator, or a holder with its consent.

        Raises:
            PolicyDenied: a direct item not from the originator's party, or no valid consent.
            VerificationFailed: the consent does not verify.
        """
        if relayed:
            self.check_consent(session, payload, sender_party, now)
        elif payload.originator_party != sender_party:
            raise PolicyDenied("the originator's party is not the sender's")

    def check_consent(self, session: Session, payload: ItemPayload, sender_party: str, now: datetime) -> None:
        """An item passed on by a holder needs its originator's valid consent (Art. 6).

        Raises:
            PolicyDenied: no consent, or it was revoked.
            VerificationFailed: the consent's signature or terms do not verify.
        """
        token = payload.consent
        if token is None:
            raise PolicyDenied(
                f"item {payload.item_id} of {payload.originator_party} was passed on by {sender_party} "
                "without the originator's prior written consent (Art. 6)"
            )
        _, keys = self._parties.signer(session, token.originator_node)
        token.verify(keys)
        token.check(
            item_id=payload.item_id,
            content_sha384=payload.content.sha384(),
            holder_party=sender_party,
            third_party=self._ctx.config.party,
            now=now,
        )
        if revoked(session, token.token_id):
            raise PolicyDenied(f"consent {token.token_id} was revoked by {payload.originator_party} (Art. 6)")

    def check_binding(
        self,
        session: Session,
        payload: ItemPayload,
        signers: dict[str, tuple[str, VerifyKeys]] | None = None,
    ) -> None:
        """Check the originator's binding of label, content and attachments.

        ``signers`` keeps the pinned keys looked up, for the rest of a transmission.

        Raises:
            VerificationFailed: it is not the originator's, or does not verify with its pinned keys.
        """
        if payload.binding.signer != payload.originator_node:
            raise VerificationFailed("the binding is not signed by the originator")
        signers = {} if signers is None else signers
        if payload.originator_node not in signers:
            signers[payload.originator_node] = self._parties.signer(session, payload.originator_node)
        _, originator_keys = signers[payload.originator_node]
        statement = binding_statement(
            item_id=payload.item_id,
            originator_node=payload.originator_node,
            label=payload.label,
            content_sha384=payload.content.sha384(),
            attachments=[a.ref for a in payload.attachments],
        )
        verify_binding(payload.binding, originator_keys, statement)

    def translator(
        self, session: Session, payload: ItemPayload, agreement: Agreement, sender_party: str, relayed: bool
    ) -> Agreement:
        """The agreement whose equivalence table translates the label into our scheme, after
        checking that a direct provision's label is the sender's, under this agreement (the
        scope itself — in force, equivalent, topics, releasable — is :func:`may_travel`'s).

        Raises:
            PolicyDenied: the label's scheme or agreement is not the sender's, or no
                agreement with the originator translates it.
        """
        label = payload.label
        translator = agreement
        if relayed:
            # Passed on with the originator's consent (checked above): its label is in the
            # originator's scheme, translated under an agreement we have with the originator
            # when the one it travelled under does not know that scheme (Art. 4).
            if label.policy not in agreement.schemes:
                translator = self._with_originator(payload.originator_party, label.policy)
        else:
            if label.policy != agreement.party(sender_party).scheme:
                raise PolicyDenied(
                    f"label scheme {label.policy} is not {sender_party}'s scheme under {agreement.id}"
                )
            if label.agreement not in (None, agreement.id):
                raise PolicyDenied(f"the label says {label.agreement}, the envelope {agreement.id}")
        return translator

    def check_attachments(self, payload: ItemPayload, *, yielding: bool = False) -> None:
        """Check that every attachment has arrived complete and decrypts to its bound digest.

        ``yielding`` (routine work): between decrypted pieces, wait while a FLASH
        transmission is received in this process (a large attachment takes seconds).

        Raises:
            IntegrityError: one is missing or not the one bound.
        """
        blobs = self._ctx.blobs
        between = self._ctx.urgent_work.step_aside if yielding else None
        for position, manifest in enumerate(payload.attachments):
            finish_upload(blobs, manifest.blob_id, manifest.blob_size)
            check_attachment(blobs, payload.item_id, position, manifest, between=between)

    def _with_originator(self, originator: str, scheme: str) -> Agreement:
        me = self._ctx.config.party
        for agreement in self._agreements.all():
            if {me, originator} <= set(agreement.party_codes) and scheme in agreement.schemes:
                return agreement
        raise PolicyDenied(
            f"no agreement between {me} and {originator} here translates {scheme} labels (Art. 4)"
        )

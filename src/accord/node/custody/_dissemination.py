"""The dissemination record of one item: where it went from here, and what came back (GSOMIA Art. 6).

Every envelope sent about the item (the item itself, and the consent, notice and
certificate messages) with its receipt, every consent asked or given for an onward
release, every third party's signed receipt of the item passed on to it under such a
consent, and every destruction certificate holders returned (Art. 16).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from accord.exchange import DestructionCertificate
from accord.store import (
    ConsentRepository,
    DestructionRepository,
    OutboxRepository,
)

__all__ = ["Dissemination", "dissemination_record"]


@dataclass(frozen=True)
class Dissemination:
    """Where one item went from here, and what came back."""

    item_id: str
    originated_here: bool
    sends: list[dict[str, object]] = field(default_factory=list)
    consents: list[dict[str, object]] = field(default_factory=list)
    third_party_receipts: list[dict[str, object]] = field(default_factory=list)
    certificates: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "item_id": self.item_id,
            "originated_here": self.originated_here,
            "sends": self.sends,
            "consents": self.consents,
            "third_party_receipts": self.third_party_receipts,
            "certificates": self.certificates,
        }


def dissemination_record(session: Session, item_id: str, *, originated_here: bool) -> Dissemination:
    """The record of ``item_id`` (no policy check: the caller decides).

    Raises:
        InvalidInput: a stored envelope header or certificate no longer parses.
    """
    return Dissemination(
        item_id,
        originated_here,
        sends=_sends(session, item_id),
        consents=_consents(session, item_id),
        third_party_receipts=_third_party_receipts(session, item_id),
        certificates=_certificates(session, item_id),
    )


def _sends(session: Session, item_id: str) -> list[dict[str, object]]:
    """Every envelope sent about the item, with its receipt."""
    return [
        {
            "message_id": sent.message_id,
            "kind": sent.kind,
            "to": sent.peer,
            "party": sent.peer_party,
            "agreement": sent.agreement_id,
            "sent_by": sent.sent_by,
            "created_at": sent.created_at,
            "status": sent.status,
            "receipted_at": sent.receipted_at,
        }
        for sent in OutboxRepository(session).about_item(item_id)
    ]


def _consents(session: Session, item_id: str) -> list[dict[str, object]]:
    """Every consent asked or given for an onward release of the item."""
    return [
        {
            "request_id": consent.id,
            "direction": consent.direction,
            "holder": consent.holder_party,
            "third_party": consent.third_party,
            "purpose": consent.purpose,
            "status": consent.status,
            "token_id": consent.token_id,
            "expires_at": consent.expires_at,
        }
        for consent in ConsentRepository(session).of_item(item_id)
    ]


def _third_party_receipts(session: Session, item_id: str) -> list[dict[str, object]]:
    """At the originator: each third party's signed receipt of the item passed on under consent."""
    return [
        {
            "receipt_id": received.id,
            "token_id": received.token_id,
            "third_party": received.third_party,
            "node": received.third_party_node,
            "from": received.holder_node,
            "message_id": received.message_id,
            "agreement": received.agreement_id,
            "received_at": received.received_at,
        }
        for received in ConsentRepository(session).receipts_of_item(item_id)
    ]


def _certificates(session: Session, item_id: str) -> list[dict[str, object]]:
    """Every destruction certificate issued here or returned by a holder (Art. 16)."""
    out: list[dict[str, object]] = []
    for cert in DestructionRepository(session).of_item(item_id):
        parsed = DestructionCertificate.parse(cert.certificate_json)
        out.append(
            {
                "certificate_id": cert.id,
                "direction": cert.direction,
                "holder": cert.holder_node,
                "destroyed_at": cert.destroyed_at,
                "method": parsed.method,
                "witness": parsed.witness,
                "copies": parsed.copies,
            }
        )
    return out

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
from accord.json_view import JsonView
from accord.node.custody._field_table import FieldTable
from accord.store import (
    ConsentRepository,
    DestructionRepository,
    OutboxRepository,
)

__all__ = ["Dissemination", "dissemination_record"]

# The views of the rows the record shows (Art. 6).
_SENDS = FieldTable.of(
    "message_id kind to=peer party=peer_party agreement=agreement_id sent_by created_at status receipted_at"
)
_CONSENTS = FieldTable.of(
    "request_id=id direction holder=holder_party third_party purpose status token_id expires_at"
)
_THIRD_PARTY_RECEIPTS = FieldTable.of(
    "receipt_id=id token_id third_party node=third_party_node from=holder_node message_id"
    " agreement=agreement_id received_at"
)
_CERTIFICATES = FieldTable.of("certificate_id=id direction holder=holder_node destroyed_at")
_CERTIFIED = FieldTable.of("method witness copies")
"""What a certificate's view adds from the signed certificate itself (Art. 16)."""


@dataclass(frozen=True)
class Dissemination(JsonView):
    """Where one item went from here, and what came back."""

    item_id: str
    originated_here: bool
    sends: list[dict[str, object]] = field(default_factory=list)
    consents: list[dict[str, object]] = field(default_factory=list)
    third_party_receipts: list[dict[str, object]] = field(default_factory=list)
    certificates: list[dict[str, object]] = field(default_factory=list)


def dissemination_record(session: Session, item_id: str, *, originated_here: bool) -> Dissemination:
    """The record of ``item_id`` (no policy check: the caller decides).

    Raises:
        InvalidInput: a stored envelope header or certificate no longer parses.
    """
    return Dissemination(
        item_id,
        originated_here,
        # Every envelope sent about the item, with its receipt.
        sends=_SENDS.rows(OutboxRepository(session).about_item(item_id)),
        # Every consent asked or given for an onward release of the item.
        consents=_CONSENTS.rows(ConsentRepository(session).of_item(item_id)),
        # At the originator: each third party's signed receipt of the item passed on under consent.
        third_party_receipts=_THIRD_PARTY_RECEIPTS.rows(ConsentRepository(session).receipts_of_item(item_id)),
        certificates=_certificates(session, item_id),
    )


def _certificates(session: Session, item_id: str) -> list[dict[str, object]]:
    """Every destruction certificate issued here or returned by a holder (Art. 16)."""
    return [
        {**_CERTIFICATES.row(cert), **_CERTIFIED.row(DestructionCertificate.parse(cert.certificate_json))}
        for cert in DestructionRepository(session).of_item(item_id)
    ]

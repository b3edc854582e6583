"""Who could have seen an item (GSOMIA Art. 17: the investigation's first question).

The people the journal shows reading it, or listing it or finding it in a search, everyone
the decision point permits to read it now, every send, copy, translation and consent for
onward release; with the journal sequence numbers, and on request the ledger's inclusion
proofs of those events (``accord ledger prove SEQ`` gives the same).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.json_view import json_view
from accord.node.audit._ledger import LedgerService
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.custody._compromise_case import CaseDesk
from accord.node.custody._field_table import FieldTable
from accord.node.transfer._services import Services
from accord.store import (
    ConsentRepository,
    CopyRepository,
    ItemRow,
    JournalRow,
    OutboxRepository,
    UserRow,
    read_events,
    showed_item,
)

__all__ = ["Exposure", "ExposureInquiry"]

# Journal actions that show a person the item itself.
_READS = ("item.read", "item.attachment")

# The views of the journal events and the rows the answer shows.
_SEEN = FieldTable.of("seq at who=actor action")
"""A journal event that showed the item to a person (a read, or a listing)."""
_SENDS = FieldTable.of(
    "message_id to=peer party=peer_party agreement_id sent_by sent_at=created_at status receipted_at"
)
_COPIES = FieldTable.of("number of made_by made_at status")
_TRANSLATIONS = FieldTable.of("id lang made_by made_at status")
_CONSENTS = FieldTable.of("id direction holder_party third_party status token_id decided_at")


@dataclass(frozen=True)
class Exposure:
    """Who could have seen an item (Art. 17): the answer to "who could have seen it"."""

    item_id: str
    originator_party: str
    received_from: str | None
    readers: list[dict[str, object]] = field(default_factory=list)
    listed: list[dict[str, object]] = field(default_factory=list)
    permitted: list[dict[str, object]] = field(default_factory=list)
    sends: list[dict[str, object]] = field(default_factory=list)
    copies: list[dict[str, object]] = field(default_factory=list)
    translations: list[dict[str, object]] = field(default_factory=list)
    consents: list[dict[str, object]] = field(default_factory=list)
    proofs: dict[int, dict[str, object]] = field(default_factory=dict)

    @property
    def seqs(self) -> list[int]:
        """The journal events this answer rests on (prove each with ``accord ledger prove SEQ``)."""
        return sorted({int(str(e["seq"])) for e in (*self.readers, *self.listed)})

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            **json_view(self, leave_out={"proofs"}),
            "seqs": self.seqs,
            "proofs": {str(seq): proof for seq, proof in sorted(self.proofs.items())},
        }


class ExposureInquiry(CaseDesk):
    """Answer "who could have seen it" from the journal, the decision point and the records (Art. 17)."""

    def __init__(self, services: Services, ledger: LedgerService) -> None:
        """Serve the node behind ``services.ctx``; ``ledger`` proves the events the answer rests on."""
        super().__init__(services)
        self._ledger = ledger

    def exposure(self, item_id: str, *, actor: str, proofs: bool = False) -> Exposure:
        """Who could have seen ``item_id``; see :meth:`CompromiseService.exposure` (same ``Raises``)."""
        with self._ctx.work(actor, "compromise.exposure", item_id=item_id[:64]) as session:
            now = self._ctx.now()
            user = self.officer(session, actor)
            row = self.readable_item(session, user, item_id, now)
            # Each translation's reads are journalled under its own id.
            translations = _TRANSLATIONS.rows(CopyRepository(session).translations_by_id(row.id))
            about = {row.id, *(str(t["id"]) for t in translations)}
            exposure = Exposure(
                item_id=row.id,
                originator_party=row.originator_party,
                received_from=row.received_from,
                readers=self._readers(session, about),
                listed=self._listed(session, row.id),
                permitted=self._permitted(session, row, now),
                sends=_SENDS.rows(OutboxRepository(session).about_item(row.id, kind="item")),
                copies=_COPIES.rows(CopyRepository(session).copies(row.id)),
                translations=translations,
                consents=_CONSENTS.rows(ConsentRepository(session).of_item(row.id)),
            )
            journal_done(
                session,
                Act(actor, now),
                "compromise.exposure",
                item_id=row.id,
                detail={
                    "readers": len(exposure.readers),
                    "listed": len(exposure.listed),
                    "permitted": len(exposure.permitted),
                    "sends": len(exposure.sends),
                    "seqs": exposure.seqs,
                },
            )
        if proofs:
            for seq in exposure.seqs:
                exposure.proofs[seq] = self._ledger.prove(seq, actor=actor).to_dict()
        return exposure

    @staticmethod
    def _readers(session: Session, about: set[str]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for item_id in sorted(about):
            for event in read_events(session, item_id=item_id):
                if event.action in _READS and event.outcome == "ok":
                    out.append({**_SEEN.row(event), "item_id": item_id})
        return sorted(out, key=lambda e: int(str(e["seq"])))

    @staticmethod
    def _listed(session: Session, item_id: str) -> list[dict[str, object]]:
        """Listings and searches that showed the item to a person (``detail.permitted`` names what
        each showed: a search's result page shows its title and a snippet of its text)."""
        rows = session.scalars(select(JournalRow).where(showed_item(item_id)).order_by(JournalRow.seq))
        out: list[dict[str, object]] = []
        for row in rows:
            permitted = json.loads(row.detail_json).get("permitted", [])
            if isinstance(permitted, list) and item_id in permitted:
                out.append(_SEEN.row(row))
        return out

    def _permitted(self, session: Session, row: ItemRow, now: datetime) -> list[dict[str, object]]:
        # Who could have seen it: decided on the holding as received, so that one whose consent
        # was since revoked names those who could read it then (Art. 17), not nobody.
        (resource,) = self.accounted(session, [row])
        out: list[dict[str, object]] = []
        for name in session.scalars(select(UserRow.name).order_by(UserRow.name)):
            user = self._users.get_in(session, name)
            permitted, _ = self._access.readable(session, user, [resource], now)
            if permitted:
                out.append({"user": user.name, "role": user.role.value, "clearance": user.clearance.native})
        return out

"""The holdings register: identification, location, inventory and control (GSOMIA Art. 6).

One line per item held here: whose it is, where it came from and when, its status (held,
downgraded, declassified, consent-revoked, destroyed…), its numbered copies, its
translations, its destruction certificate, and the destroy-by date a consent set for it
(Art. 6: the conditions of the originator's approval bind the third party).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import parse_time
from accord.errors import InvalidInput
from accord.exchange import ConsentToken
from accord.items import FINAL_HOLDING_STATES
from accord.json_view import json_view
from accord.markings import Marking, banner, received_banner
from accord.node.core._home import NodeConfig
from accord.node.custody._copies import CopyView, copies_of
from accord.node.custody._translations import translations_of
from accord.node.holdings._stored import originated_at, stored_marking
from accord.store import ConsentRepository, DestructionRepository, ItemRow

__all__ = ["Holding", "destroy_by_dates", "holding_line"]


@dataclass(frozen=True)
class Holding:
    """One line of the holdings register."""

    item_id: str
    originator_party: str
    originator_node: str
    banner: str
    status: str
    location: str
    received_from: str | None
    received_at: str | None
    created_at: str
    copies: tuple[CopyView, ...]
    translations: tuple[tuple[str, str, str], ...]
    certificate_id: str | None
    destroy_by: str | None = None
    overdue: bool = False
    marking: Marking | None = field(default=None, compare=False)
    """The item's stored marking, for an interface's page banner (``banner`` is its text)."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view (``banner`` carries the marking)."""
        return {
            **json_view(self, leave_out={"marking"}),
            "translations": [{"id": i, "lang": lang, "status": s} for i, lang, s in self.translations],
        }


def destroy_by_dates(session: Session, own_party: str) -> dict[str, str]:
    """Per item received here under consent: the earliest destroy-by its consents set."""
    out: dict[str, str] = {}
    for item_id, token_json in ConsentRepository(session).held_tokens(own_party):
        if token_json is None:
            continue
        try:
            limit = ConsentToken.parse(token_json).limits.destroy_by
        except InvalidInput:
            continue  # its item is counted damaged by the register's decision (``_readable``)
        if limit is not None and (item_id not in out or parse_time(limit) < parse_time(out[item_id])):
            out[item_id] = limit
    return out


def holding_line(
    session: Session, own: NodeConfig, row: ItemRow, destroy_by: str | None, now: datetime
) -> Holding:
    """The register's line for ``row``; *overdue* once its destroy-by date passed while still held."""
    marking = stored_marking(row)
    shown = (
        received_banner(marking, own.scheme)
        if marking.originator.policy != own.scheme
        else banner(marking.originator)
    )
    translations = tuple((t.id, t.lang, t.status) for t in translations_of(session, row.id))
    certificate = DestructionRepository(session).issued_id(row.id)
    return Holding(
        item_id=row.id,
        originator_party=row.originator_party,
        originator_node=row.originator_node,
        banner=shown,
        status=row.status,
        location=own.node_id,
        received_from=row.received_from,
        received_at=row.received_at,
        created_at=originated_at(row, marking),
        copies=tuple(copies_of(session, row.id)),
        translations=translations,
        certificate_id=certificate,
        destroy_by=destroy_by,
        overdue=(
            destroy_by is not None
            and row.status not in FINAL_HOLDING_STATES
            and now >= parse_time(destroy_by)
        ),
        marking=marking,
    )

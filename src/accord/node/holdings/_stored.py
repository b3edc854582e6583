"""How a stored item row is read back: its marking, its times, its notices (GSOMIA Arts. 4, 6, 16).

An item row keeps the *current* marking (changed by the originator's signed downgrade and
declassification notices, Art. 6) while its binding covers the label *as created*:
:func:`verified_notices` and :func:`original_label` lead from one to the other. A holding
whose status is in :data:`~accord.items.FINAL_HOLDING_STATES` no longer changes (Art. 16:
destroyed or returned).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from accord.errors import AccordError, IntegrityError, InvalidInput, NotFound, VerificationFailed
from accord.exchange import DowngradeNotice
from accord.markings import ConfidentialityLabel, Marking
from accord.node.registry._parties import PartyService
from accord.store import ConsentRepository, ItemNoticeRow, ItemRow, format_stamp

__all__ = [
    "destroyed_message",
    "original_label",
    "originated_at",
    "stored_marking",
    "verified_notices",
]


def stored_marking(row: ItemRow) -> Marking:
    """The marking stored with an item (its current one; see :func:`original_label`).

    Raises:
        IntegrityError: the stored marking cannot be read.
    """
    try:
        return Marking.from_dict(json.loads(row.marking_json))
    except (AccordError, ValueError) as exc:
        raise IntegrityError(f"item {row.id}: its stored marking cannot be read") from exc


def originated_at(row: ItemRow, marking: Marking) -> str:
    """When the originator created an item, as a stored time.

    An item made here was stored when it was created; a received item's row was created on
    receipt (``received_at``), so its creation time is the one in the originator's signed
    label (STANAG 4774 creation time, set when the originator created the item).
    """
    if row.received_at is None:
        return row.created_at
    return format_stamp(marking.originator.creation_time)


def verified_notices(
    session: Session, parties: PartyService, row: ItemRow, stored: Sequence[ItemNoticeRow] | None = None
) -> list[DowngradeNotice]:
    """The stored notices of an item, oldest first, each verified with the originator's keys.

    ``stored`` are its notice rows when the caller read them already (for many items at once).

    Raises:
        IntegrityError: a stored notice no longer verifies or is not about this item.
    """
    notices = []
    rows = ConsentRepository(session).notices_of(row.id) if stored is None else stored
    for notice_row in rows:
        try:
            notice = DowngradeNotice.parse(notice_row.notice_json)
            _, keys = parties.signer(session, row.originator_node)
            notice.verify(keys)
        except (InvalidInput, VerificationFailed, NotFound) as exc:
            raise IntegrityError(f"item {row.id}: a stored classification notice no longer verifies") from exc
        if notice.item_id != row.id or notice.originator_node != row.originator_node:
            raise IntegrityError(f"item {row.id}: a stored classification notice is about another item")
        notices.append(notice)
    return notices


def original_label(current: ConfidentialityLabel, notices: Sequence[DowngradeNotice]) -> ConfidentialityLabel:
    """The label as created, from the current one and the chain of notices that changed it.

    Raises:
        IntegrityError: the chain does not lead from the current label back to a label.
    """
    if not notices:
        return current
    expected = current.classification
    for notice in reversed(notices):
        if not notice.declassified and notice.new_classification != expected:
            raise IntegrityError("the classification notices do not lead to the stored label")
        expected = notice.previous_classification
    return dataclasses.replace(current, classification=expected)


def destroyed_message(item_id: str, at: str | None) -> str:
    """What a person is told about a destroyed item (only after the decision lets them read it)."""
    when = f" on {at}" if at else ""
    gone = "its content no longer exists; its record remains (accord holdings)"
    return f"item {item_id} was destroyed{when}: {gone}"

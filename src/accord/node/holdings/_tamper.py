"""Tampered holdings never go unnoticed: the alarm a damaged item raises, and the whole check (Art. 11).

A person who may not read an item is told nothing about it, damaged or not (Art. 7, issue 4:
no probing). But a label altered to deny everyone would then hide the item from everyone,
its damage unseen. So every damaged item that a read, a listing or a search meets without
telling the person of it (a withheld read checks the stored label against its binding for
this), and every one :meth:`HoldingsCheck.run` finds over all stored items whoever may read
them, is kept as an open alarm for the officers (``accord ledger alarms``, kind
:data:`ITEM_DAMAGED`, once per item and reason), journalled (``item.damaged``, outcome
``alarm``) and logged; the person's answer is unchanged. Damage a reader *is* told of is
their integrity error (exit 9), journalled as a refusal.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from sqlalchemy.orm import Session

from accord.errors import IntegrityError, NotFound, StorageError
from accord.items import HoldingState, Precedence
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._item_types import DamagedItem
from accord.node.holdings._verifying import Prefetched, label_fault, verified_view
from accord.node.registry._parties import PartyService
from accord.store import (
    ItemRepository,
    ItemRow,
    NewEvent,
    WitnessAlarmRow,
    add_alarm_once,
    all_item_ids,
    append_event,
    format_stamp,
)

__all__ = ["ITEM_DAMAGED", "HoldingsCheck", "HoldingsReport", "alarm_damaged"]

log = logging.getLogger("accord.items")

ITEM_DAMAGED: Final = "item-damaged"
"""The kind of the alarm a damaged item raises (``accord ledger alarms``)."""

_BATCH: Final = 200
"""Items verified per batch (rows, attachments and notices read once per batch)."""


def alarm_damaged(ctx: NodeContext, actor: str, action: str, found: Sequence[DamagedItem]) -> None:
    """Keep each damaged item of ``found`` as an open alarm and journal it (once per item and reason).

    ``actor`` met them doing ``action``; the alarm names the item whatever that person was
    told. In a transaction of its own, after the caller's; best effort, as a refusal's journal
    entry is: a failing database is logged and the caller's answer stands (a withheld
    item's answer must not change because its alarm could not be written).
    """
    if not found:
        return
    # Not logged by item: a CLI command's log reaches the person who ran it, and the person
    # who met a withheld item must not learn it exists (the alarm and the journal tell the
    # officers; ``accord ledger alarms``).
    try:
        _raise(ctx, actor, action, found)
    except StorageError as exc:
        # Nothing lost: ``accord item verify`` finds the damage again.
        log.error(
            "an item-damaged alarm could not be stored at %s (%s): run accord item verify",
            ctx.config.node_id,
            exc,
        )


def _raise(ctx: NodeContext, actor: str, action: str, found: Sequence[DamagedItem]) -> list[DamagedItem]:
    me = ctx.config.node_id
    raised = []
    with ctx.db.transaction() as session:
        now = ctx.now()
        for bad in found:
            row = WitnessAlarmRow(
                origin=me,
                kind=ITEM_DAMAGED,
                reason=bad.reason,
                held_json=json.dumps({"item_id": bad.id, "met_by": actor, "action": action}),
                presented_json="null",
                message_id="",
                detected_at=format_stamp(now),
            )
            if not add_alarm_once(session, row):
                continue
            detail = {"reason": bad.reason, "action": action}
            append_event(
                session,
                NewEvent(
                    at=now, actor=actor, action="item.damaged", outcome="alarm", item_id=bad.id, detail=detail
                ),
            )
            raised.append(bad)
    return raised


@dataclass
class HoldingsReport:
    """What :meth:`HoldingsCheck.run` found: how many items it checked and which are damaged."""

    checked: int = 0
    damaged: list[DamagedItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every stored item verified."""
        return not self.damaged

    def check(self) -> None:
        """Raise unless every item verified.

        Raises:
            IntegrityError: an item's label, content or attachments no longer match its binding.
        """
        if self.damaged:
            names = ", ".join(bad.id for bad in self.damaged[:10])
            more = f" and {len(self.damaged) - 10} more" if len(self.damaged) > 10 else ""
            raise IntegrityError(f"{len(self.damaged)} damaged item(s): {names}{more}")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "checked": self.checked,
            "ok": self.ok,
            "damaged": [{"id": bad.id, "reason": bad.reason} for bad in self.damaged],
        }


class HoldingsCheck:
    """Every stored item verified against its binding, whoever may read it (the node's own view)."""

    def __init__(self, ctx: NodeContext, parties: PartyService) -> None:
        """Check the holdings of the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties

    def run(self, *, actor: str, progress: Callable[[int, int], None] | None = None) -> HoldingsReport:
        """Verify every stored item: label, notices, content and attachment digests, binding signature.

        A destroyed item (its key and sealed content overwritten) has its label checked
        against its binding with the stored digests. Each damaged item is journalled and
        kept as an alarm (:func:`alarm_damaged`); the check itself is journalled as
        ``item.verify`` by ``actor``. ``progress`` is told (done, total) after each batch.
        """
        report = HoldingsReport()
        with self._ctx.db.transaction(read_only=True) as session:
            ids = all_item_ids(session)
            for start in range(0, len(ids), _BATCH):
                batch = ids[start : start + _BATCH]
                prefetched = Prefetched.read(session, self._parties, batch)
                for row in ItemRepository(session).among(batch):
                    report.checked += 1
                    reason = self._fault(session, row, prefetched)
                    if reason is not None:
                        report.damaged.append(DamagedItem(row.id, Precedence(row.precedence), reason))
                if progress is not None:
                    progress(min(start + _BATCH, len(ids)), len(ids))
        alarm_damaged(self._ctx, actor, "item.verify", report.damaged)
        with self._ctx.db.transaction() as session:
            detail = {"checked": report.checked, "damaged": [bad.id for bad in report.damaged]}
            journal_done(session, Act(actor, self._ctx.now()), "item.verify", detail=detail)
        return report

    def _fault(self, session: Session, row: ItemRow, prefetched: Prefetched) -> str | None:
        """Why ``row`` no longer verifies, or ``None``."""
        if row.status == HoldingState.DESTROYED:  # nothing left to open: the label and stored digests
            return label_fault(self._parties, session, row)
        try:
            verified_view(self._ctx, self._parties, session, row, prefetched)
        except IntegrityError as exc:
            return str(exc)
        except NotFound as exc:  # the originating node is not known here: the binding cannot be checked
            return f"item {row.id}: {exc}"
        return None

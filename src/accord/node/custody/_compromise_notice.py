"""Report a loss or compromise and tell every originator at once (GSOMIA Art. 17).

Art. 17 asks the receiving party to inform the originating party *immediately* of any loss
or compromise, actual or possible, of CMI it provided. An officer opens a case about items
held here; for every item a partner originated, a signed
:class:`~accord.exchange.CompromiseNotice` goes at once, FLASH, to the originator's node
(one notice per originator node, naming only its items). The holdings are marked
``compromised`` (unless already destroyed, returned or declassified; the case keeps the
record either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.errors import InvalidInput
from accord.exchange import UNSIGNED, CompromisedItem, CompromiseNotice, compromise_text, new_case_id
from accord.items import FINAL_HOLDING_STATES, CaseState, Direction, HoldingState, Precedence
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.custody._compromise_case import CaseDesk, CaseItem, CaseView, case_view, open_case
from accord.node.transfer._sealing import Outgoing
from accord.store import (
    CompromiseCaseRow,
    CompromisePartyRow,
    CompromiseRepository,
    ItemRow,
)

__all__ = ["MAX_ITEMS", "Reporting"]

MAX_ITEMS = 1000
_UNAFFECTED_BY_COMPROMISE = FINAL_HOLDING_STATES | {HoldingState.DECLASSIFIED, HoldingState.CONSENT_REVOKED}
"""Statuses a compromise does not overwrite: the item is no longer here, or no longer classified,
or its consent was revoked (the register keeps saying so, and the item stays out of the search
index; the case records the compromise)."""


class Reporting(CaseDesk):
    """Open a case here and send the FLASH notices (Art. 17: immediately)."""

    def report(self, item_ids: Sequence[str], *, actual: bool, circumstances: str, actor: str) -> CaseView:
        """Open a case and notify; see :meth:`CompromiseService.report` (same ``Raises``)."""
        ids = list(dict.fromkeys(i.strip() for i in item_ids))
        detail: dict[str, object] = {"items": ids[:20], "actual": actual}
        with self._ctx.work(actor, "compromise.report", detail=detail, urgent=True) as session:
            if not ids:
                raise InvalidInput("name at least one item that was lost or compromised")
            if len(ids) > MAX_ITEMS:
                raise InvalidInput(f"one report covers at most {MAX_ITEMS} items")
            text = compromise_text(circumstances, "the circumstances")
            now = self._ctx.now()
            act = Act(actor, now)
            user = self.officer(session, actor)
            rows = [self.readable_item(session, user, item_id, now) for item_id in ids]
            case = self._open(session, rows, actual, text, act)
            told = self._notify(session, case, rows, actor, now)
            for row in rows:
                if row.status not in _UNAFFECTED_BY_COMPROMISE:
                    row.status = HoldingState.COMPROMISED
            for row in rows:
                journal_done(
                    session,
                    act,
                    "compromise.report",
                    item_id=row.id,
                    detail={
                        "case_id": case.id,
                        "actual": actual,
                        "circumstances": text,
                        "items": ids,
                        "told": told,
                        "precedence": Precedence.FLASH.value,
                    },
                )
            return case_view(session, case)

    def _open(
        self, session: Session, rows: list[ItemRow], actual: bool, text: str, act: Act
    ) -> CompromiseCaseRow:
        """Record the case opened here (direction ``out``) and the items it names, in order."""
        own = self._ctx.config
        case = CompromiseCaseRow(
            id=new_case_id(),
            direction=Direction.OUT,
            reporting_node=own.node_id,
            reporting_party=own.party,
            actual=actual,
            circumstances=text,
            opened_by=act.actor,
            opened_at=format_time(act.now),
            received_at=None,
            status=CaseState.OPEN,
        )
        items = [CaseItem(r.id, r.content_sha384, r.originator_node, r.originator_party) for r in rows]
        open_case(session, case, items)
        return case

    def _notify(
        self, session: Session, case: CompromiseCaseRow, rows: list[ItemRow], actor: str, now: datetime
    ) -> list[str]:
        """One signed FLASH notice per originator node other than this one (Art. 17: immediately)."""
        own = self._ctx.config
        by_originator: dict[str, list[ItemRow]] = {}
        for row in rows:
            if row.originator_node != own.node_id:
                by_originator.setdefault(row.originator_node, []).append(row)
        told: list[str] = []
        for node_id, theirs in sorted(by_originator.items()):
            card = self._parties.card(session, node_id)
            items = tuple(CompromisedItem(r.id, r.content_sha384) for r in sorted(theirs, key=lambda r: r.id))
            notice = CompromiseNotice(
                case_id=case.id,
                reporting_node=own.node_id,
                reporting_party=own.party,
                originator_node=node_id,
                originator_party=card.party,
                items=items,
                actual=case.actual,
                circumstances=case.circumstances,
                reported_by=case.opened_by,
                reported_at=case.opened_at,
                signature=UNSIGNED,
            ).signed_with(self._ctx.keys)
            sent = self._sending.enqueue(
                session,
                Outgoing(
                    kind="compromise-notice",
                    card=card,
                    agreement=self.agreement_to(session, theirs, card.party, now),
                    precedence=Precedence.FLASH,
                    item_id=items[0].item_id,
                    payload=notice.to_bytes(),
                ),
                Act(actor, now),
            )
            CompromiseRepository(session).add_party(
                CompromisePartyRow(
                    case_id=case.id,
                    originator_node=node_id,
                    originator_party=card.party,
                    notice_json=notice.to_bytes().decode("utf-8"),
                    notice_message_id=sent.message_id,
                )
            )
            told.append(node_id)
        return told

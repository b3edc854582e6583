"""The case workflow at the reporting node: close with findings and measures, list (GSOMIA Art. 17).

Art. 17 asks the receiving party to investigate and to report the results and the measures
taken to prevent a recurrence. The findings and measures close a case opened here; a signed
:class:`~accord.exchange.CompromiseReport` goes to every originator node told of it, which
records it on its copy of the case (status ``closed``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.errors import Conflict, InvalidInput, NotFound
from accord.exchange import UNSIGNED, CompromiseReport, compromise_text
from accord.items import CaseState, Direction, Precedence
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.custody._compromise_case import CaseDesk, CaseView, case_view
from accord.node.transfer._sealing import Outgoing
from accord.store import (
    CompromiseItemRow,
    CompromisePartyRow,
    CompromiseRepository,
)

__all__ = ["CaseWorkflow"]


class CaseWorkflow(CaseDesk):
    """Close a case opened here and report it to the originators; list the cases (Art. 17)."""

    def close(self, case_id: str, *, findings: str, measures: str, actor: str) -> CaseView:
        """Close a case opened here; see :meth:`CompromiseService.close` (same ``Raises``)."""
        with self._ctx.work(actor, "compromise.close", detail={"case_id": case_id[:80]}) as session:
            findings = compromise_text(findings, "the findings")
            measures = compromise_text(measures, "the measures")
            now = self._ctx.now()
            user = self.officer(session, actor)
            cases = CompromiseRepository(session)
            case = cases.get(case_id)
            if case is None or case.direction != Direction.OUT or not self.may_see(session, user, case, now):
                raise NotFound(f"no compromise case {case_id[:80]!r} was opened here")
            if case.status == CaseState.CLOSED:
                raise Conflict(f"case {case_id} was already closed at {case.closed_at} by {case.closed_by}")
            told = cases.parties(case.id)
            items = cases.items(case.id)
            for party in told:
                report = CompromiseReport(
                    case_id=case.id,
                    reporting_node=self._ctx.config.node_id,
                    originator_node=party.originator_node,
                    findings=findings,
                    measures=measures,
                    closed_by=actor,
                    closed_at=format_time(now),
                    signature=UNSIGNED,
                ).signed_with(self._ctx.keys)
                self._report_to(session, party, items, report, now)
            case.status = CaseState.CLOSED
            case.findings = findings
            case.measures = measures
            case.closed_by = actor
            case.closed_at = format_time(now)
            journal_done(
                session,
                Act(actor, now),
                "compromise.close",
                detail={
                    "case_id": case.id,
                    "items": [i.item_id for i in items],
                    "findings": findings,
                    "measures": measures,
                    "told": [p.originator_node for p in told],
                },
            )
            return case_view(session, case)

    def _report_to(
        self,
        session: Session,
        party: CompromisePartyRow,
        items: list[CompromiseItemRow],
        report: CompromiseReport,
        now: datetime,
    ) -> None:
        """Send the signed ``report`` to the originator node ``party`` names, and keep it on record."""
        theirs = [i for i in items if i.originator_node == party.originator_node]
        card = self._parties.card(session, party.originator_node)
        sent = self._sending.enqueue(
            session,
            Outgoing(
                kind="compromise-report",
                card=card,
                agreement=self.agreement_to(session, theirs, card.party, now),
                precedence=Precedence.IMMEDIATE,
                item_id=theirs[0].item_id,
                payload=report.to_bytes(),
            ),
            Act(report.closed_by, now),
        )
        party.report_json = report.to_bytes().decode("utf-8")
        party.report_message_id = sent.message_id

    def listing(self, *, actor: str, status: str | None = None) -> list[CaseView]:
        """The cases ``actor`` may see; see :meth:`CompromiseService.listing` (same ``Raises``)."""
        if status not in (None, CaseState.OPEN, CaseState.CLOSED):
            raise InvalidInput(f"a case is open or closed, not {status!r}")
        with self._ctx.work(actor, "compromise.list") as session:
            now = self._ctx.now()
            user = self.officer(session, actor)
            listed = CompromiseRepository(session).listing(status)
            cases = [c for c in listed if self.may_see(session, user, c, now)]
            views = [case_view(session, c) for c in cases]
            journal_done(session, Act(actor, now), "compromise.list", detail={"cases": [v.id for v in views]})
            return views

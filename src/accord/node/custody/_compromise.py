"""Compromise and loss (GSOMIA Art. 17): the notice at once, the investigation, its report.

Art. 17 asks the receiving party to inform the originating party *immediately* of any loss
or compromise, actual or possible, of CMI it provided; to investigate; and to report the
results and the measures taken to prevent a recurrence. At this node:

* ``report`` — an officer opens a case about items held here. For every item a partner
  originated, a signed :class:`~accord.exchange.CompromiseNotice` goes at once, FLASH, to
  the originator's node (one notice per originator node, naming only its items). The
  holdings are marked ``compromised`` (unless already destroyed, returned or
  declassified; the case keeps the record either way).
* at the originator, ``incoming`` checks the notice with the reporter's pinned keys and
  against its dissemination record — each item must be its own and must have been
  provided to the reporting node (sent to it, or released to its party with consent) —
  then records the case (direction ``in``) and journals ``compromise.notice.received``.
  Anything else is refused and quarantined with the reason.
* ``exposure`` — who could have seen an item: the people the journal shows reading it or
  listing it, everyone the decision point permits to read it now, every send, copy,
  translation and consent for onward release; with the journal sequence numbers, and on
  request the ledger's inclusion proofs of those events.
* ``close`` — the findings and measures close the case; a signed
  :class:`~accord.exchange.CompromiseReport` goes to every originator node told of it,
  which records it on its copy of the case (status ``closed``).

Every action and every refusal is journalled (``NodeContext.work``).

:class:`CompromiseService` is the façade (the CLI, both APIs and the tests call it); the
report and its notices live in :mod:`._compromise_notice`, the case workflow in
:mod:`._compromise_cases`, exposure in :mod:`._exposure`, and what they share (the case
view, the officer's checks, the agreement that carries a message) in
:mod:`._compromise_case`. The handlers of incoming notices and reports stay here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from accord.exchange import (
    CompromiseNotice,
    CompromiseReport,
    EnvelopeHeader,
)
from accord.items import CaseState, Direction
from accord.node.audit._ledger import LedgerService
from accord.node.custody._compromise_case import CaseItem, CaseView, open_case
from accord.node.custody._compromise_cases import CaseWorkflow
from accord.node.custody._compromise_notice import Reporting
from accord.node.custody._exposure import Exposure, ExposureInquiry
from accord.node.custody._provision import provided_to
from accord.node.originator._consents import ConsentService
from accord.node.transfer._control import (
    Apply,
    Entry,
    Incoming,
    Received,
    Steps,
    about_item,
    handle,
    not_on_record,
    originated_item,
    signed_by,
)
from accord.node.transfer._services import ServiceBase, Services
from accord.store import (
    CompromiseCaseRow,
    CompromiseItemRow,
    CompromisePartyRow,
    CompromiseRepository,
    ItemRepository,
    ItemRow,
    format_stamp,
)

__all__ = ["CaseView", "CompromiseService", "Exposure"]


class CompromiseService(ServiceBase):
    """Compromise and loss reports, exposure, investigation reports (Art. 17)."""

    # The one answer to "was this item provided to that node?" (Arts. 6, 17).
    _provided = staticmethod(provided_to)

    def __init__(self, services: Services, consents: ConsentService, ledger: LedgerService) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        self._consents = consents
        self._ledger = ledger
        self._reporting = Reporting(services)
        self._cases = CaseWorkflow(services)
        self._exposure = ExposureInquiry(services, ledger)

    # --- at the node that finds the compromise ------------------------------------------

    def report(self, item_ids: Sequence[str], *, actual: bool, circumstances: str, actor: str) -> CaseView:
        """Open a case and notify every originator concerned at once, FLASH (Art. 17).

        Raises:
            InvalidInput: no items, too many, or the circumstances are empty or malformed.
            NotFound: an item is not held here (or is withheld from ``actor``); nothing is
                opened or sent.
            PolicyDenied: ``actor`` is not a security officer.
            AgreementStateError: no agreement in force carries the notice to an originator.
        """
        return self._reporting.report(item_ids, actual=actual, circumstances=circumstances, actor=actor)

    def close(self, case_id: str, *, findings: str, measures: str, actor: str) -> CaseView:
        """Close a case opened here with its findings and measures; every originator told gets the report.

        Raises:
            InvalidInput: findings or measures empty or malformed.
            NotFound: no such case opened here (or its items are withheld from ``actor``).
            Conflict: the case is already closed.
            PolicyDenied: ``actor`` is not a security officer.
        """
        return self._cases.close(case_id, findings=findings, measures=measures, actor=actor)

    def listing(self, *, actor: str, status: str | None = None) -> list[CaseView]:
        """Cases opened here and reported to us, newest first, about items ``actor`` may read.

        Raises:
            PolicyDenied: ``actor`` is not a security officer.
            InvalidInput: ``status`` is neither open nor closed.
        """
        return self._cases.listing(actor=actor, status=status)

    def exposure(self, item_id: str, *, actor: str, proofs: bool = False) -> Exposure:
        """Who could have seen ``item_id``: readers, people permitted now (as received, if its consent
        was revoked), sends, copies, consents.

        With ``proofs``, each journal event the answer rests on comes with the ledger's
        inclusion proof (``accord ledger prove SEQ`` gives the same).

        Raises:
            NotFound: no such item here (or it is withheld from ``actor``).
            PolicyDenied: ``actor`` is not a security officer.
        """
        return self._exposure.exposure(item_id, actor=actor, proofs=proofs)

    # --- at the originator --------------------------------------------------------------

    def incoming(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a compromise notice or report from ``header.sender`` in the receiver's snapshot.

        Raises:
            InvalidInput: malformed.
            VerificationFailed: not signed by the sending node.
            PolicyDenied: not from the node that reports, not for us, or about an item never
                provided to the sender.
            NotFound: an item is not ours, or the case is unknown here.
            Conflict: already recorded.
        """
        if header.type == "compromise-notice":
            return self._incoming_notice(session, header, plaintext, sender_party)
        if header.type == "compromise-report":
            return self._incoming_report(session, header, plaintext, sender_party)
        raise InvalidInput(f"envelope type {header.type!r} is not a compromise message")

    def _incoming_notice(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str
    ) -> Incoming:
        own = self._ctx.config

        def locate(notice: CompromiseNotice) -> list[ItemRow]:
            rows: list[ItemRow] = []
            for item in notice.items:
                missing = f"a compromise notice about item {item.item_id}, which this node did not originate"
                row = originated_item(session, item.item_id, own.node_id, missing)
                if not self._provided(session, row.id, header.sender, sender_party):
                    never = f"which was never provided to {header.sender}"
                    raise PolicyDenied(f"a compromise notice about item {row.id}, {never}")
                rows.append(row)
            return rows

        def check(notice: CompromiseNotice, _: list[ItemRow]) -> None:
            refusal = f"compromise case {notice.case_id} is already recorded here"
            not_on_record(CompromiseRepository(session).get(notice.case_id), refusal)

        def apply(
            session: Session, notice: CompromiseNotice, rows: list[ItemRow], now: datetime
        ) -> list[Entry]:
            self._record_notice(session, notice, header, now)
            return _notice_entries(notice, rows, header)

        return handle(
            header,
            plaintext,
            Steps(
                parse=CompromiseNotice.parse,
                authenticate=signed_by(
                    Received(session, header, sender_party),
                    self._parties.signer,
                    lambda notice: (notice.reporting_node, notice.reporting_party),
                    "a compromise notice must come from the node that reports it (Art. 17)",
                    also=_for_this_node(own.node_id, "compromise notice"),
                ),
                locate=locate,
                check=check,
                apply=apply,
                journal="compromise.notice.received",
                receipt=lambda _, rows, applied: about_item(rows[0], own.scheme, applied),
            ),
        )

    def _record_notice(
        self, session: Session, notice: CompromiseNotice, header: EnvelopeHeader, now: datetime
    ) -> None:
        """Open the case a holder reported to us, with its items and the notice as received."""
        own = self._ctx.config
        case = CompromiseCaseRow(
            id=notice.case_id,
            direction=Direction.IN,
            reporting_node=notice.reporting_node,
            reporting_party=notice.reporting_party,
            actual=notice.actual,
            circumstances=notice.circumstances,
            opened_by=notice.reported_by,
            opened_at=notice.reported_at,
            received_at=format_stamp(now),
            status=CaseState.OPEN,
        )
        items = [CaseItem(i.item_id, i.content_sha384, own.node_id, own.party) for i in notice.items]
        open_case(session, case, items).add_party(
            CompromisePartyRow(
                case_id=notice.case_id,
                originator_node=own.node_id,
                originator_party=own.party,
                notice_json=notice.to_bytes().decode("utf-8"),
                notice_message_id=header.message_id,
            )
        )

    def _incoming_report(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str
    ) -> Incoming:
        own = self._ctx.config

        def locate(report: CompromiseReport) -> tuple[CompromiseCaseRow, list[CompromiseItemRow]]:
            case = CompromiseRepository(session).get(report.case_id)
            if case is None or case.direction != Direction.IN or case.reporting_node != header.sender:
                raise NotFound(
                    f"a compromise report for case {report.case_id}, which this node was not told of"
                )
            return case, CompromiseRepository(session).items(case.id)

        def check(report: CompromiseReport, found: tuple[CompromiseCaseRow, list[CompromiseItemRow]]) -> None:
            if found[0].status == CaseState.CLOSED:
                raise Conflict(f"compromise case {report.case_id} is already closed here")

        def receipt(
            _: CompromiseReport, found: tuple[CompromiseCaseRow, list[CompromiseItemRow]], applied: Apply
        ) -> Incoming:
            first = found[1][0].item_id
            row = ItemRepository(session).get(first)
            if row is None:
                raise NotFound(f"item {first} is no longer held here")
            return about_item(row, own.scheme, applied)

        return handle(
            header,
            plaintext,
            Steps(
                parse=CompromiseReport.parse,
                authenticate=signed_by(
                    Received(session, header, sender_party),
                    self._parties.signer,
                    lambda report: (report.reporting_node, None),
                    "a compromise report must come from the node that reported the case (Art. 17)",
                    also=_for_this_node(own.node_id, "compromise report"),
                ),
                locate=locate,
                check=check,
                apply=lambda write, report, found, now: _close_case(
                    write, report, found[1], header, own.node_id
                ),
                journal="compromise.report.received",
                receipt=receipt,
            ),
        )


def _for_this_node(own_node: str, what: str) -> Callable[[CompromiseNotice | CompromiseReport], None]:
    """The check of a notice or report before its signature: this node is the originator it is for.

    ``what`` names the message in the refusal (``compromise notice``, ``compromise report``).
    """

    def for_us(message: CompromiseNotice | CompromiseReport) -> None:
        if message.originator_node != own_node:
            raise PolicyDenied(f"the {what} is for {message.originator_node}, not this node")

    return for_us


def _notice_entries(notice: CompromiseNotice, rows: list[ItemRow], header: EnvelopeHeader) -> list[Entry]:
    """The journal rows of a holder's compromise notice: one per item it reports."""
    # A holding of an earlier version (before a change the originator made) is still a
    # compromise of our information: recorded, and the difference journalled.
    return [
        Entry(
            item_id=item.item_id,
            detail={
                "case_id": notice.case_id,
                "from": header.sender,
                "party": notice.reporting_party,
                "actual": notice.actual,
                "circumstances": notice.circumstances,
                "reported_by": notice.reported_by,
                "reported_at": notice.reported_at,
                "precedence": header.precedence.value,
                "other_version": row.content_sha384 != item.content_sha384,
            },
        )
        for row, item in zip(rows, notice.items, strict=True)
    ]


def _close_case(
    session: Session,
    report: CompromiseReport,
    items: list[CompromiseItemRow],
    header: EnvelopeHeader,
    own_node: str,
) -> Entry:
    """Apply the reporting holder's report: close the case with its findings and measures."""
    cases = CompromiseRepository(session)
    target = cases.require(report.case_id)
    target.status = CaseState.CLOSED
    target.findings = report.findings
    target.measures = report.measures
    target.closed_by = report.closed_by
    target.closed_at = report.closed_at
    party = cases.party_one(report.case_id, own_node)
    party.report_json = report.to_bytes().decode("utf-8")
    party.report_message_id = header.message_id
    return Entry(
        detail={
            "case_id": report.case_id,
            "from": header.sender,
            "items": [i.item_id for i in items],
            "findings": report.findings,
            "measures": report.measures,
            "closed_by": report.closed_by,
            "closed_at": report.closed_at,
        }
    )

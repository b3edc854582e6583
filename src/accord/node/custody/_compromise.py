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
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import AgreementStateError, Conflict, InvalidInput, NotFound, PolicyDenied
from accord.exchange import (
    CompromisedItem,
    CompromiseNotice,
    CompromiseReport,
    EnvelopeHeader,
    compromise_text,
    new_case_id,
)
from accord.items import Precedence
from accord.node.audit._ledger import LedgerService
from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService
from accord.node.holdings._items import ItemService, stored_marking
from accord.node.originator._consents import ConsentService
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import Role, User, UserService
from accord.node.transfer._control import (
    Apply,
    Entry,
    Incoming,
    about_item,
    handle,
    not_on_record,
    originated_item,
    require_author,
    verify_signed,
)
from accord.node.transfer._sending import SendingService
from accord.store import (
    CompromiseCaseRow,
    CompromiseItemRow,
    CompromisePartyRow,
    ConsentRow,
    CopyRow,
    ItemRow,
    JournalRow,
    OutboxRow,
    TranslationRow,
    UserRow,
    append_event,
    format_stamp,
    read_events,
)

__all__ = ["CaseView", "CompromiseService", "Exposure"]

MAX_ITEMS = 1000
# Statuses a compromise does not overwrite: the item is no longer here, or no longer classified.
_FINAL = frozenset({"destroyed", "returned", "declassified"})
# Journal actions that show a person the item itself.
_READS = ("item.read", "item.attachment")
# Batched decisions (listings) whose ``detail.permitted`` names the items shown.
_LISTINGS = ("item.list", "item.inbox", "item.access")


@dataclass(frozen=True)
class CaseView:
    """A compromise case as an officer sees it (here, or at the originator it was reported to)."""

    id: str
    direction: str
    reporting_node: str
    reporting_party: str
    actual: bool
    circumstances: str
    opened_by: str
    opened_at: str
    received_at: str | None
    status: str
    items: tuple[str, ...]
    originators: tuple[str, ...]
    findings: str | None
    measures: str | None
    closed_by: str | None
    closed_at: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {**self.__dict__, "items": list(self.items), "originators": list(self.originators)}


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
            "item_id": self.item_id,
            "originator_party": self.originator_party,
            "received_from": self.received_from,
            "readers": self.readers,
            "listed": self.listed,
            "permitted": self.permitted,
            "sends": self.sends,
            "copies": self.copies,
            "translations": self.translations,
            "consents": self.consents,
            "seqs": self.seqs,
            "proofs": {str(seq): proof for seq, proof in sorted(self.proofs.items())},
        }


class CompromiseService:
    """Compromise and loss reports, exposure, investigation reports (Art. 17)."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        agreements: AgreementService,
        users: UserService,
        items: ItemService,
        access: AccessService,
        sending: SendingService,
        consents: ConsentService,
        ledger: LedgerService,
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements
        self._users = users
        self._items = items
        self._access = access
        self._sending = sending
        self._consents = consents
        self._ledger = ledger

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
        ids = list(dict.fromkeys(i.strip() for i in item_ids))
        detail: dict[str, object] = {"items": ids[:20], "actual": actual}
        with self._ctx.work(actor, "compromise.report", detail=detail, urgent=True) as session:
            if not ids:
                raise InvalidInput("name at least one item that was lost or compromised")
            if len(ids) > MAX_ITEMS:
                raise InvalidInput(f"one report covers at most {MAX_ITEMS} items")
            text = compromise_text(circumstances, "the circumstances")
            now = self._ctx.now()
            own = self._ctx.config
            user = self._officer(session, actor)
            rows = [self._readable_item(session, user, item_id, now) for item_id in ids]
            case = CompromiseCaseRow(
                id=new_case_id(),
                direction="out",
                reporting_node=own.node_id,
                reporting_party=own.party,
                actual=actual,
                circumstances=text,
                opened_by=actor,
                opened_at=format_time(now),
                received_at=None,
                status="open",
            )
            session.add(case)
            session.flush()
            for position, row in enumerate(rows):
                session.add(
                    CompromiseItemRow(
                        case_id=case.id,
                        item_id=row.id,
                        position=position,
                        content_sha384=row.content_sha384,
                        originator_node=row.originator_node,
                        originator_party=row.originator_party,
                    )
                )
            told = self._notify(session, case, rows, actor, now)
            for row in rows:
                if row.status not in _FINAL:
                    row.status = "compromised"
            for row in rows:
                append_event(
                    session,
                    at=now,
                    actor=actor,
                    action="compromise.report",
                    outcome="ok",
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
            return self._view(session, case)

    def close(self, case_id: str, *, findings: str, measures: str, actor: str) -> CaseView:
        """Close a case opened here with its findings and measures; every originator told gets the report.

        Raises:
            InvalidInput: findings or measures empty or malformed.
            NotFound: no such case opened here (or its items are withheld from ``actor``).
            Conflict: the case is already closed.
            PolicyDenied: ``actor`` is not a security officer.
        """
        with self._ctx.work(actor, "compromise.close", detail={"case_id": case_id[:80]}) as session:
            findings = compromise_text(findings, "the findings")
            measures = compromise_text(measures, "the measures")
            now = self._ctx.now()
            user = self._officer(session, actor)
            case = session.get(CompromiseCaseRow, case_id)
            if case is None or case.direction != "out" or not self._may_see(session, user, case, now):
                raise NotFound(f"no compromise case {case_id[:80]!r} was opened here")
            if case.status == "closed":
                raise Conflict(f"case {case_id} was already closed at {case.closed_at} by {case.closed_by}")
            own = self._ctx.config
            told = session.scalars(
                select(CompromisePartyRow)
                .where(CompromisePartyRow.case_id == case.id)
                .order_by(CompromisePartyRow.originator_node)
            ).all()
            items = self._case_items(session, case.id)
            for party in told:
                report = CompromiseReport.make(
                    self._ctx.keys,
                    case_id=case.id,
                    reporting_node=own.node_id,
                    originator_node=party.originator_node,
                    findings=findings,
                    measures=measures,
                    closed_by=actor,
                    closed_at=format_time(now),
                )
                theirs = [i for i in items if i.originator_node == party.originator_node]
                card = self._parties.card(session, party.originator_node)
                sent = self._sending.enqueue(
                    session,
                    kind="compromise-report",
                    card=card,
                    agreement=self._agreement_to(session, theirs, card.party, now),
                    precedence=Precedence.IMMEDIATE,
                    item_id=theirs[0].item_id,
                    payload=report.to_bytes(),
                    actor=actor,
                    now=now,
                )
                party.report_json = report.to_bytes().decode("utf-8")
                party.report_message_id = sent.message_id
            case.status = "closed"
            case.findings = findings
            case.measures = measures
            case.closed_by = actor
            case.closed_at = format_time(now)
            append_event(
                session,
                at=now,
                actor=actor,
                action="compromise.close",
                outcome="ok",
                detail={
                    "case_id": case.id,
                    "items": [i.item_id for i in items],
                    "findings": findings,
                    "measures": measures,
                    "told": [p.originator_node for p in told],
                },
            )
            return self._view(session, case)

    def listing(self, *, actor: str, status: str | None = None) -> list[CaseView]:
        """Cases opened here and reported to us, newest first, about items ``actor`` may read.

        Raises:
            PolicyDenied: ``actor`` is not a security officer.
            InvalidInput: ``status`` is neither open nor closed.
        """
        if status not in (None, "open", "closed"):
            raise InvalidInput(f"a case is open or closed, not {status!r}")
        with self._ctx.work(actor, "compromise.list") as session:
            now = self._ctx.now()
            user = self._officer(session, actor)
            query = select(CompromiseCaseRow).order_by(
                CompromiseCaseRow.opened_at.desc(), CompromiseCaseRow.id
            )
            if status is not None:
                query = query.where(CompromiseCaseRow.status == status)
            cases = [c for c in session.scalars(query).all() if self._may_see(session, user, c, now)]
            views = [self._view(session, c) for c in cases]
            append_event(
                session,
                at=now,
                actor=actor,
                action="compromise.list",
                outcome="ok",
                detail={"cases": [v.id for v in views]},
            )
            return views

    def exposure(self, item_id: str, *, actor: str, proofs: bool = False) -> Exposure:
        """Who could have seen ``item_id``: readers, people permitted now, sends, copies, consents.

        With ``proofs``, each journal event the answer rests on comes with the ledger's
        inclusion proof (``accord ledger prove SEQ`` gives the same).

        Raises:
            NotFound: no such item here (or it is withheld from ``actor``).
            PolicyDenied: ``actor`` is not a security officer.
        """
        with self._ctx.work(actor, "compromise.exposure", item_id=item_id[:64]) as session:
            now = self._ctx.now()
            user = self._officer(session, actor)
            row = self._readable_item(session, user, item_id, now)
            translations: list[dict[str, object]] = [
                {
                    "id": t.id,
                    "lang": t.lang,
                    "made_by": t.made_by,
                    "made_at": t.made_at,
                    "status": t.status,
                }
                for t in session.scalars(
                    select(TranslationRow)
                    .where(TranslationRow.source_id == row.id)
                    .order_by(TranslationRow.id)
                )
            ]
            about = {row.id, *(str(t["id"]) for t in translations)}
            exposure = Exposure(
                item_id=row.id,
                originator_party=row.originator_party,
                received_from=row.received_from,
                readers=self._readers(session, about),
                listed=self._listed(session, row.id),
                permitted=self._permitted(session, row, now),
                sends=self._sends(session, row.id),
                copies=[
                    {
                        "number": c.number,
                        "of": c.of,
                        "made_by": c.made_by,
                        "made_at": c.made_at,
                        "status": c.status,
                    }
                    for c in session.scalars(
                        select(CopyRow).where(CopyRow.item_id == row.id).order_by(CopyRow.number)
                    )
                ],
                translations=translations,
                consents=[
                    {
                        "id": c.id,
                        "direction": c.direction,
                        "holder_party": c.holder_party,
                        "third_party": c.third_party,
                        "status": c.status,
                        "token_id": c.token_id,
                        "decided_at": c.decided_at,
                    }
                    for c in session.scalars(
                        select(ConsentRow)
                        .where(ConsentRow.item_id == row.id)
                        .order_by(ConsentRow.requested_at)
                    )
                ],
            )
            append_event(
                session,
                at=now,
                actor=actor,
                action="compromise.exposure",
                outcome="ok",
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

        def authenticate(notice: CompromiseNotice) -> None:
            denial = "a compromise notice must come from the node that reports it (Art. 17)"
            require_author(
                header, sender_party, node=notice.reporting_node, party=notice.reporting_party, denial=denial
            )
            if notice.originator_node != own.node_id:
                raise PolicyDenied(f"the compromise notice is for {notice.originator_node}, not this node")
            verify_signed(session, self._parties.signer, header, notice)

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
            not_on_record(session, CompromiseCaseRow, notice.case_id, refusal)

        def apply(
            session: Session, notice: CompromiseNotice, rows: list[ItemRow], now: datetime
        ) -> list[Entry]:
            self._record_notice(session, notice, header, now)
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

        return handle(
            session,
            header,
            plaintext,
            parse=CompromiseNotice.parse,
            authenticate=authenticate,
            locate=locate,
            check=check,
            apply=apply,
            journal="compromise.notice.received",
            receipt=lambda _, rows, applied: about_item(rows[0], own.scheme, applied),
        )

    def _record_notice(
        self, session: Session, notice: CompromiseNotice, header: EnvelopeHeader, now: datetime
    ) -> None:
        """Open the case a holder reported to us, with its items and the notice as received."""
        own = self._ctx.config
        session.add(
            CompromiseCaseRow(
                id=notice.case_id,
                direction="in",
                reporting_node=notice.reporting_node,
                reporting_party=notice.reporting_party,
                actual=notice.actual,
                circumstances=notice.circumstances,
                opened_by=notice.reported_by,
                opened_at=notice.reported_at,
                received_at=format_stamp(now),
                status="open",
            )
        )
        session.flush()
        for position, item in enumerate(notice.items):
            session.add(
                CompromiseItemRow(
                    case_id=notice.case_id,
                    item_id=item.item_id,
                    position=position,
                    content_sha384=item.content_sha384,
                    originator_node=own.node_id,
                    originator_party=own.party,
                )
            )
        session.add(
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

        def authenticate(report: CompromiseReport) -> None:
            denial = "a compromise report must come from the node that reported the case (Art. 17)"
            require_author(header, sender_party, node=report.reporting_node, denial=denial)
            if report.originator_node != own.node_id:
                raise PolicyDenied(f"the compromise report is for {report.originator_node}, not this node")
            verify_signed(session, self._parties.signer, header, report)

        def locate(report: CompromiseReport) -> tuple[CompromiseCaseRow, list[CompromiseItemRow]]:
            case = session.get(CompromiseCaseRow, report.case_id)
            if case is None or case.direction != "in" or case.reporting_node != header.sender:
                raise NotFound(
                    f"a compromise report for case {report.case_id}, which this node was not told of"
                )
            return case, self._case_items(session, case.id)

        def check(report: CompromiseReport, found: tuple[CompromiseCaseRow, list[CompromiseItemRow]]) -> None:
            if found[0].status == "closed":
                raise Conflict(f"compromise case {report.case_id} is already closed here")

        def apply(
            session: Session,
            report: CompromiseReport,
            found: tuple[CompromiseCaseRow, list[CompromiseItemRow]],
            now: datetime,
        ) -> Entry:
            target = session.get_one(CompromiseCaseRow, report.case_id)
            target.status = "closed"
            target.findings = report.findings
            target.measures = report.measures
            target.closed_by = report.closed_by
            target.closed_at = report.closed_at
            party = session.get_one(CompromisePartyRow, (report.case_id, own.node_id))
            party.report_json = report.to_bytes().decode("utf-8")
            party.report_message_id = header.message_id
            return Entry(
                detail={
                    "case_id": report.case_id,
                    "from": header.sender,
                    "items": [i.item_id for i in found[1]],
                    "findings": report.findings,
                    "measures": report.measures,
                    "closed_by": report.closed_by,
                    "closed_at": report.closed_at,
                }
            )

        def receipt(
            _: CompromiseReport, found: tuple[CompromiseCaseRow, list[CompromiseItemRow]], applied: Apply
        ) -> Incoming:
            first = found[1][0].item_id
            row = session.get(ItemRow, first)
            if row is None:
                raise NotFound(f"item {first} is no longer held here")
            return about_item(row, own.scheme, applied)

        return handle(
            session,
            header,
            plaintext,
            parse=CompromiseReport.parse,
            authenticate=authenticate,
            locate=locate,
            check=check,
            apply=apply,
            journal="compromise.report.received",
            receipt=receipt,
        )

    # --- helpers ------------------------------------------------------------------------

    def _officer(self, session: Session, actor: str) -> User:
        user = self._users.get_in(session, actor)
        if user.role is not Role.OFFICER:
            raise PolicyDenied(
                f"{actor} has the role {user.role.value}; compromise reports and investigations "
                "are for the security officer (Art. 17)"
            )
        return user

    def _readable_item(self, session: Session, user: User, item_id: str, now: datetime) -> ItemRow:
        """The item, if held here and ``user`` may read it; withheld items are answered as missing."""
        row = session.get(ItemRow, item_id)
        if row is None:
            raise NotFound(f"no item {item_id[:80]!r} at this node")
        self._access.require_read(session, user, self._items.resource_of(row), now)
        return row

    def _may_see(self, session: Session, user: User, case: CompromiseCaseRow, now: datetime) -> bool:
        """Whether ``user`` may read every item of the case still held here (so the case reveals none)."""
        ids = [i.item_id for i in self._case_items(session, case.id)]
        rows = [r for r in (session.get(ItemRow, i) for i in ids) if r is not None]
        resources = [self._items.resource_of(r) for r in rows]
        _, withheld = self._access.readable(session, user, resources, now)
        return not withheld

    @staticmethod
    def _case_items(session: Session, case_id: str) -> list[CompromiseItemRow]:
        return list(
            session.scalars(
                select(CompromiseItemRow)
                .where(CompromiseItemRow.case_id == case_id)
                .order_by(CompromiseItemRow.position)
            )
        )

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
            notice = CompromiseNotice.make(
                self._ctx.keys,
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
            )
            sent = self._sending.enqueue(
                session,
                kind="compromise-notice",
                card=card,
                agreement=self._agreement_to(session, theirs, card.party, now),
                precedence=Precedence.FLASH,
                item_id=items[0].item_id,
                payload=notice.to_bytes(),
                actor=actor,
                now=now,
            )
            session.add(
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

    def _agreement_to(
        self, session: Session, rows: Sequence[ItemRow | CompromiseItemRow], party: str, now: datetime
    ) -> Agreement:
        """The agreement that carries a message about ``rows`` to ``party``, in force today.

        The one the item was received under when it still is; otherwise any in force with
        ``party`` (the obligation to protect, and to report, survives the agreement, Art. 21).
        """
        own = self._ctx.config
        for item in rows:
            held = session.get(ItemRow, item.item_id) if isinstance(item, CompromiseItemRow) else item
            if held is None:
                continue
            marking = stored_marking(held)
            label = marking.for_scheme(own.scheme) or marking.originator
            wanted = label.agreement or marking.originator.agreement
            if wanted is None:
                continue
            try:
                agreement = self._agreements.get_in(session, wanted)
            except NotFound:
                continue
            if {own.party, party} <= set(agreement.party_codes):
                status = self._agreements.status_in(session, agreement.id, now)
                if status.new_exchange_allowed:
                    return agreement
        try:
            return self._agreements.any_in_force_with(session, party, now)
        except NotFound as exc:
            raise AgreementStateError(
                f"cannot notify {party}: no agreement in force with {party} carries the message; "
                "tell its competent authority by other means (Art. 17)"
            ) from exc

    def _provided(self, session: Session, item_id: str, node_id: str, party: str) -> bool:
        """Whether our dissemination record shows ``item_id`` provided to ``node_id`` (or its party)."""
        sent = session.scalar(
            select(OutboxRow.message_id).where(
                OutboxRow.item_id == item_id, OutboxRow.peer == node_id, OutboxRow.kind == "item"
            )
        )
        if sent is not None:
            return True
        consented = session.scalar(
            select(ConsentRow.id).where(
                ConsentRow.item_id == item_id,
                ConsentRow.direction == "in",
                ConsentRow.third_party == party,
                ConsentRow.status.in_(("approved", "revoked")),
            )
        )
        return consented is not None

    def _view(self, session: Session, case: CompromiseCaseRow) -> CaseView:
        items = tuple(i.item_id for i in self._case_items(session, case.id))
        originators = tuple(
            session.scalars(
                select(CompromisePartyRow.originator_node)
                .where(CompromisePartyRow.case_id == case.id)
                .order_by(CompromisePartyRow.originator_node)
            )
        )
        return CaseView(
            id=case.id,
            direction=case.direction,
            reporting_node=case.reporting_node,
            reporting_party=case.reporting_party,
            actual=case.actual,
            circumstances=case.circumstances,
            opened_by=case.opened_by,
            opened_at=case.opened_at,
            received_at=case.received_at,
            status=case.status,
            items=items,
            originators=originators,
            findings=case.findings,
            measures=case.measures,
            closed_by=case.closed_by,
            closed_at=case.closed_at,
        )

    # --- exposure -----------------------------------------------------------------------

    @staticmethod
    def _readers(session: Session, about: set[str]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for item_id in sorted(about):
            for event in read_events(session, item_id=item_id):
                if event.action in _READS and event.outcome == "ok":
                    out.append(
                        {
                            "seq": event.seq,
                            "at": event.at,
                            "who": event.actor,
                            "action": event.action,
                            "item_id": item_id,
                        }
                    )
        return sorted(out, key=lambda e: int(str(e["seq"])))

    @staticmethod
    def _listed(session: Session, item_id: str) -> list[dict[str, object]]:
        """Listings that showed the item to a person (batched decisions name what they permitted)."""
        rows = session.scalars(
            select(JournalRow)
            .where(
                JournalRow.action.in_(_LISTINGS),
                JournalRow.outcome == "ok",
                JournalRow.detail_json.contains(item_id),
            )
            .order_by(JournalRow.seq)
        )
        out: list[dict[str, object]] = []
        for row in rows:
            permitted = json.loads(row.detail_json).get("permitted", [])
            if isinstance(permitted, list) and item_id in permitted:
                out.append({"seq": row.seq, "at": row.at, "who": row.actor, "action": row.action})
        return out

    def _permitted(self, session: Session, row: ItemRow, now: datetime) -> list[dict[str, object]]:
        resource = self._items.resource_of(row)
        out: list[dict[str, object]] = []
        for name in session.scalars(select(UserRow.name).order_by(UserRow.name)):
            user = self._users.get_in(session, name)
            permitted, _ = self._access.readable(session, user, [resource], now)
            if permitted:
                out.append({"user": user.name, "role": user.role.value, "clearance": user.clearance.native})
        return out

    @staticmethod
    def _sends(session: Session, item_id: str) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for sent in session.scalars(
            select(OutboxRow)
            .where(OutboxRow.item_id == item_id, OutboxRow.kind == "item")
            .order_by(OutboxRow.created_at)
        ):
            out.append(
                {
                    "message_id": sent.message_id,
                    "to": sent.peer,
                    "party": sent.peer_party,
                    "agreement_id": sent.agreement_id,
                    "sent_by": sent.sent_by,
                    "sent_at": sent.created_at,
                    "status": sent.status,
                    "receipted_at": sent.receipted_at,
                }
            )
        return out

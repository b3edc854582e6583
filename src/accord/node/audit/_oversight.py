"""Oversight reports: the agreement's monthly figures, each proven from the witnessed ledger (Arts. 8, 18).

:class:`OversightService` makes the report ``accord oversight report`` writes
(:class:`~accord.oversight.OversightReport`); anyone verifies it with the two parties'
public identity cards (:func:`~accord.oversight.verify_report`) and lines it up against
the partner's (:func:`~accord.oversight.compare`). ``docs/oversight.md`` says what it proves.

Invariants of a report made here:

* it counts journal events only, by :func:`~accord.oversight.figures_of` (the event's action,
  outcome and detail); it names no item, title, field value or person: a figure is a count
  and the leaf numbers and hashes of the events it counts;
* every event of the period is in the checkpoint the report proves against, which was made
  after the period ended and which every partner of the agreement has countersigned (else
  the report is refused, saying what to wait for): a node cannot prove a figure from a
  history its partner has not seen;
* every inclusion proof is checked before the report is signed (both keys);
* making it is the decision point's ``report-to-oversight`` duty (officers, the authority),
  and is journalled (``oversight.report``), as is a refusal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import Conflict, IntegrityError, InvalidInput, NotFound, VerificationFailed
from accord.exchange import Countersignature, SignedCheckpoint
from accord.ledger import MerkleTree, leaf_hash, verify_inclusion
from accord.node.audit._checkpoint_rows import checkpoint_from_row, require_own_signature
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access import AccessService
from accord.node.registry._agreements import AgreementService
from accord.node.registry._users import UserService
from accord.oversight import (
    FAMILIES,
    LANGUAGES,
    SEPARATOR,
    EventFacts,
    Figure,
    LeafCommitment,
    MonthFigures,
    OversightReport,
    figures_of,
    months_of,
)
from accord.policy import Duty
from accord.store import (
    JournalRow,
    LedgerCheckpointRow,
    PartyRow,
    SqlHashStore,
    StoredEvent,
    WitnessCountersignatureRow,
    format_stamp,
    leaf_data,
)

__all__ = ["OversightRequest", "OversightService", "level_rows"]

_TRAFFIC = ("item.send", "item.receive")


@dataclass(frozen=True)
class OversightRequest:
    """What report to make: the agreement, the period (UTC days, both inclusive), the language."""

    agreement_id: str
    first_day: date
    last_day: date
    lang: str = "en"

    def check(self, now: datetime) -> datetime:
        """The moment the period ends (the day after its last, 00:00 UTC).

        Raises:
            InvalidInput: an unknown language, a period that ends before it begins, or one
                that has not ended yet (its figures could still change).
        """
        if self.lang not in LANGUAGES:
            raise InvalidInput(f"a report is in {', '.join(LANGUAGES)}, not {self.lang!r}")
        if self.first_day > self.last_day:
            raise InvalidInput(f"the period ends ({self.last_day}) before it begins ({self.first_day})")
        end = datetime(self.last_day.year, self.last_day.month, self.last_day.day, tzinfo=UTC)
        end += timedelta(days=1)
        if end > now:
            raise InvalidInput(f"the period has not ended: its last day is {self.last_day}")
        return end


def level_rows(agreement: Agreement) -> dict[tuple[str, str], str]:
    """Each (party, native level) of the equivalence table -> its row in words (``秘 = 군사Ⅲ급비밀``)."""
    out: dict[tuple[str, str], str] = {}
    for row in agreement.equivalence:
        words = " = ".join(
            " / ".join(level.native for level in row.levels[party.scheme])
            for party in agreement.parties
            if party.scheme in row.levels
        )
        for party in agreement.parties:
            for level in row.levels.get(party.scheme, ()):
                out[party.code, level.native] = words
    return out


class OversightService:
    """Makes oversight reports of the node's agreements."""

    def __init__(
        self, ctx: NodeContext, users: UserService, access: AccessService, agreements: AgreementService
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._users = users
        self._access = access
        self._agreements = agreements

    def report(self, request: OversightRequest, *, actor: str) -> OversightReport:
        """The signed oversight report ``request`` asks for.

        Raises:
            InvalidInput: a bad language or period (see :meth:`OversightRequest.check`).
            NotFound: no such user or agreement.
            PolicyDenied: ``actor``'s role may not make oversight reports.
            Conflict: no checkpoint made after the period has been countersigned by every
                partner yet, or events of the period are not sealed in it (publish, wait).
            IntegrityError: the ledger does not prove an event it holds (run ``ledger verify``).
        """
        detail = {
            "agreement_id": request.agreement_id,
            "from": request.first_day.isoformat(),
            "to": request.last_day.isoformat(),
        }
        with self._ctx.work(actor, "oversight.report", detail=detail) as session:
            self._access.require_duty(self._users.get_in(session, actor), Duty.REPORT_TO_OVERSIGHT)
            now = self._ctx.now()
            report = self._made(session, request, now)
            journal_done(
                session,
                Act(actor, now),
                "oversight.report",
                detail={**detail, "size": report.checkpoint.checkpoint.size, "leaves": len(report.leaves)},
            )
            return report

    def _made(self, session: Session, request: OversightRequest, now: datetime) -> OversightReport:
        """The report, signed (see :meth:`report`)."""
        end = request.check(now)
        agreement = self._agreements.get_in(session, request.agreement_id)
        own = self._ctx.config.party
        if own not in agreement.party_codes:
            raise NotFound(f"{own} is not a party to agreement {agreement.id}")
        partners = sorted({p for p in agreement.party_codes if p != own})
        party_of_node = dict(session.execute(select(PartyRow.node_id, PartyRow.party)).all())
        signed, counters = _witnessed(session, end, partners, party_of_node)
        require_own_signature(signed, self._ctx.keys.public())
        first = request.first_day
        scope = _Scope(
            agreement,
            own,
            tuple(partners),
            party_of_node,
            signed.checkpoint.size,
            datetime(first.year, first.month, first.day, tzinfo=UTC),
            end,
        )
        months = _count(session, scope, months_of(request.first_day, request.last_day))
        leaves = _commit(session, months, signed)
        return OversightReport(
            agreement=agreement.id,
            party=own,
            node=self._ctx.config.node_id,
            first_day=request.first_day.isoformat(),
            last_day=request.last_day.isoformat(),
            made_at=format_time(now),
            lang=request.lang,
            levels=tuple(dict.fromkeys(level_rows(agreement).values())),
            checkpoint=signed,
            countersignatures=counters,
            months=_figures(months, partners),
            leaves=leaves,
        ).signed_with(self._ctx.keys)


def _witnessed(
    session: Session, end: datetime, partners: list[str], party_of_node: Mapping[str, str]
) -> tuple[SignedCheckpoint, tuple[Countersignature, ...]]:
    """The largest checkpoint made at or after ``end`` that a node of every partner countersigned."""
    nodes = [node for node, party in party_of_node.items() if party in partners]
    rows = session.scalars(
        select(WitnessCountersignatureRow)
        .where(WitnessCountersignatureRow.witness.in_(nodes))
        .order_by(WitnessCountersignatureRow.size.desc(), WitnessCountersignatureRow.witness)
    ).all()
    by_size: dict[int, list[WitnessCountersignatureRow]] = {}
    for row in rows:
        by_size.setdefault(row.size, []).append(row)
    stamp = format_stamp(end)
    for size, held in by_size.items():
        if {party_of_node[row.witness] for row in held} != set(partners):
            continue
        checkpoint_row = session.get(LedgerCheckpointRow, size)
        if checkpoint_row is None or checkpoint_row.time < format_time(end):
            continue
        signed = checkpoint_from_row(checkpoint_row)
        counters = tuple(Countersignature.parse(row.countersignature_json) for row in held)
        if all(c.checkpoint == signed.checkpoint for c in counters):
            return signed, counters
    raise Conflict(
        f"no checkpoint of this node made after the period ({stamp}) has been countersigned by "
        f"{', '.join(partners)} yet: publish the ledger (accord ledger publish) and let the partners answer"
    )


@dataclass(frozen=True)
class _Scope:
    """What the events of one report are counted against."""

    agreement: Agreement
    own_party: str
    partners: tuple[str, ...]
    party_of_node: Mapping[str, str]
    size: int
    start: datetime
    end: datetime


def _items_of(agreement_id: str, rows: Iterable[tuple[object, ...]]) -> frozenset[str]:
    """The items that travelled under the agreement (sent or received, ok), by the journal."""
    found: set[str] = set()
    for _, _, action, item_id, outcome, detail_json in rows:
        if action in _TRAFFIC and outcome == "ok" and isinstance(item_id, str):
            detail = json.loads(str(detail_json))
            if detail.get("agreement_id") == agreement_id:
                found.add(item_id)
    return frozenset(found)


def _count(session: Session, scope: _Scope, months: list[str]) -> dict[str, dict[str, list[int]]]:
    """Month -> figure -> the leaves it counts, from the journal events of the period."""
    since, until = format_stamp(scope.start), format_stamp(scope.end)
    rows = session.execute(
        select(
            JournalRow.leaf,
            JournalRow.at,
            JournalRow.action,
            JournalRow.item_id,
            JournalRow.outcome,
            JournalRow.detail_json,
        )
        .where(JournalRow.at < until)
        .order_by(JournalRow.seq)
    ).all()
    items = _items_of(scope.agreement.id, rows)
    levels = level_rows(scope.agreement)
    counted: dict[str, dict[str, list[int]]] = {month: {} for month in months}
    for leaf, at, action, item_id, outcome, detail_json in rows:
        if at < since:
            continue
        if leaf is None or leaf >= scope.size:
            raise Conflict(
                f"events of the period are not sealed in the countersigned checkpoint of {scope.size} "
                "leaves: seal and publish the ledger (accord ledger publish), and let the partners answer"
            )
        facts = EventFacts(
            action=action,
            outcome=outcome,
            item_id=item_id,
            detail=json.loads(detail_json),
            agreement=scope.agreement.id,
            own_party=scope.own_party,
            partners=scope.partners,
            items=items,
            party_of_node=scope.party_of_node,
            level_row=lambda party, native: levels.get((party, native)),
        )
        for figure in figures_of(facts):
            counted[at[:7]].setdefault(figure, []).append(leaf)
    return counted


def _commit(
    session: Session, counted: Mapping[str, Mapping[str, list[int]]], signed: SignedCheckpoint
) -> tuple[LeafCommitment, ...]:
    """Each leaf counted: its hash and audit path in ``signed``, each checked before it is handed out."""
    indices = sorted({leaf for figures in counted.values() for leaves in figures.values() for leaf in leaves})
    checkpoint = signed.checkpoint
    tree = MerkleTree(SqlHashStore(session))
    rows = (
        {
            row.leaf: row
            for row in session.scalars(select(JournalRow).where(JournalRow.leaf.in_(indices)))
            if row.leaf is not None
        }
        if indices
        else {}
    )
    out: list[LeafCommitment] = []
    for index in indices:
        row = rows[index]
        data = leaf_data(
            StoredEvent(row.seq, row.at, row.actor, row.action, row.item_id, row.outcome, row.detail_json)
        )
        digest, path = leaf_hash(data), tuple(tree.inclusion_proof(index, checkpoint.size))
        try:
            verify_inclusion(digest, index, checkpoint.size, path, checkpoint.root)
        except VerificationFailed as exc:
            raise IntegrityError(
                f"leaf {index} does not match the signed ledger ({exc}): run `accord ledger verify`"
            ) from exc
        out.append(LeafCommitment(index, digest, path))
    return tuple(out)


def _order(name: str) -> tuple[int, str]:
    return FAMILIES.index(name.split(SEPARATOR, maxsplit=1)[0]), name


def _figures(counted: Mapping[str, Mapping[str, list[int]]], partners: list[str]) -> tuple[MonthFigures, ...]:
    """The months of the report: every family listed (0 when nothing happened), breakdowns as they occur."""
    listed = [
        *(SEPARATOR.join((family, p)) for family in ("sent", "received", "relayed") for p in partners),
        *(family for family in FAMILIES if family not in ("sent", "received", "relayed", "refusals")),
    ]
    out: list[MonthFigures] = []
    for month, figures in counted.items():
        names = sorted({*listed, *figures}, key=_order)
        out.append(
            MonthFigures(
                month,
                tuple(
                    Figure(name, len(figures.get(name, [])), tuple(figures.get(name, []))) for name in names
                ),
            )
        )
    return tuple(out)

"""A compromise case on record, and the checks every Art. 17 action shares.

A case is opened here (direction ``out``) when an officer reports a loss or compromise,
or recorded here (direction ``in``) when a holder's notice about our items arrives. Every
action on a case is for the security officer, and about items the officer may read: a case
about an item withheld from them is answered as missing, so it reveals nothing
(:class:`CaseDesk`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.errors import AgreementStateError, NotFound
from accord.json_view import JsonView
from accord.node.holdings._stored import stored_marking
from accord.node.registry._users import User
from accord.node.transfer._services import ServiceBase
from accord.store import (
    CompromiseCaseRow,
    CompromiseItemRow,
    CompromiseRepository,
    ItemRepository,
    ItemRow,
)

__all__ = ["CaseDesk", "CaseItem", "CaseView", "case_view", "open_case"]


class CaseItem(NamedTuple):
    """One item a case names: the version reported and whose it is."""

    item_id: str
    content_sha384: str
    originator_node: str
    originator_party: str


def open_case(session: Session, case: CompromiseCaseRow, items: Iterable[CaseItem]) -> CompromiseRepository:
    """Record ``case`` and the items it names, in their order (here or at the originator told of it)."""
    rows = [
        CompromiseItemRow(
            case_id=case.id,
            item_id=item.item_id,
            position=position,
            content_sha384=item.content_sha384,
            originator_node=item.originator_node,
            originator_party=item.originator_party,
        )
        for position, item in enumerate(items)
    ]
    cases = CompromiseRepository(session)
    cases.open(case, rows)
    return cases


@dataclass(frozen=True)
class CaseView(JsonView):
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


def case_view(session: Session, case: CompromiseCaseRow) -> CaseView:
    """The officer's view of a stored case, with its items and the originators told."""
    cases = CompromiseRepository(session)
    items = tuple(i.item_id for i in cases.items(case.id))
    originators = cases.originators(case.id)
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


class CaseDesk(ServiceBase):
    """Who may act on a case, which items they may name, and what carries the messages (Art. 17).

    The base of every case action (:class:`~._compromise_notice.Reporting`,
    :class:`~._compromise_cases.CaseWorkflow`, :class:`~._exposure.ExposureInquiry`).
    """

    def officer(self, session: Session, actor: str) -> User:
        """``actor``, who must be a security officer.

        Raises:
            NotFound: no such user.
            PolicyDenied: ``actor`` has another role.
        """
        return self._users.officer_in(
            session,
            actor,
            lambda role: (
                f"{actor} has the role {role.value}; compromise reports and investigations "
                "are for the security officer (Art. 17)"
            ),
        )

    def readable_item(self, session: Session, user: User, item_id: str, now: datetime) -> ItemRow:
        """The item, if held here and ``user`` may read it; withheld items are answered as missing.

        Decided on the holding as received (:meth:`accounted`): the loss of one whose consent
        was revoked is reported all the same (Art. 17).

        Raises:
            NotFound: no such item, or it is withheld from ``user``.
        """
        row = ItemRepository(session).get(item_id)
        if row is None:
            raise NotFound(f"no item {item_id[:80]!r} at this node")
        self._access.require_read(session, user, self.accounted(session, [row])[0], now)
        return row

    def may_see(self, session: Session, user: User, case: CompromiseCaseRow, now: datetime) -> bool:
        """Whether ``user`` may read every item of the case still held here (so the case reveals none)."""
        ids = [i.item_id for i in CompromiseRepository(session).items(case.id)]
        rows = ItemRepository(session).found(ids)
        resources = self.accounted(session, rows)
        _, withheld = self._access.readable(session, user, resources, now)
        return not withheld

    def agreement_to(
        self, session: Session, rows: Sequence[ItemRow | CompromiseItemRow], party: str, now: datetime
    ) -> Agreement:
        """The agreement that carries a message about ``rows`` to ``party``, in force today.

        The one the item was received under when it still is; otherwise any in force with
        ``party`` (the obligation to protect, and to report, survives the agreement, Art. 21).

        Raises:
            AgreementStateError: no agreement in force with ``party`` carries the message.
        """
        own = self._ctx.config
        for item in rows:
            held = ItemRepository(session).get(item.item_id) if isinstance(item, CompromiseItemRow) else item
            if held is None:
                continue
            marking = stored_marking(held)
            wanted = marking.agreement_in(own.scheme)
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

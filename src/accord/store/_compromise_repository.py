"""The SQL of compromise cases (Art. 17) and of destruction certificates (Art. 16).

:class:`CompromiseRepository` reads and writes ``compromise_cases`` (``direction`` ``out``
where the case was opened, ``in`` at an originator told of it; ``status`` one of
:class:`~accord.items.CaseState`), ``compromise_items`` (the items a case names, in order)
and ``compromise_parties`` (per originator node told: the signed notice and report).
:class:`DestructionRepository` reads and writes ``destructions``: a certificate ``issued``
here or ``received`` from a holder (:class:`~accord.items.DestructionDirection`).

Both work on the caller's session, within its unit of work; no rule of the agreement is
decided here.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from accord.items import DestructionDirection
from accord.store._repository import TableRepository
from accord.store._tables_compromise import CompromiseCaseRow, CompromiseItemRow, CompromisePartyRow
from accord.store._tables_custody import DestructionRow

__all__ = ["CompromiseRepository", "DestructionRepository"]


class CompromiseRepository(TableRepository[CompromiseCaseRow]):
    """Compromise cases (by id, either direction), their items and the originators told, on one session."""

    _row = CompromiseCaseRow

    def open(self, case: CompromiseCaseRow, items: Sequence[CompromiseItemRow]) -> None:
        """Keep a new case and the items it names (the case is written first: they refer to it)."""
        self._session.add(case)
        self._session.flush()
        self._session.add_all(items)

    def add_party(self, party: CompromisePartyRow) -> None:
        """Keep the record of an originator node told of a case."""
        self._session.add(party)

    def items(self, case_id: str) -> list[CompromiseItemRow]:
        """The items of a case, in the order it named them."""
        return list(
            self._session.scalars(
                select(CompromiseItemRow)
                .where(CompromiseItemRow.case_id == case_id)
                .order_by(CompromiseItemRow.position)
            )
        )

    def parties(self, case_id: str) -> Sequence[CompromisePartyRow]:
        """The originator nodes told of a case, by node id."""
        return self._session.scalars(
            select(CompromisePartyRow)
            .where(CompromisePartyRow.case_id == case_id)
            .order_by(CompromisePartyRow.originator_node)
        ).all()

    def originators(self, case_id: str) -> tuple[str, ...]:
        """The node ids of the originators told of a case, sorted."""
        return tuple(
            self._session.scalars(
                select(CompromisePartyRow.originator_node)
                .where(CompromisePartyRow.case_id == case_id)
                .order_by(CompromisePartyRow.originator_node)
            )
        )

    def party_one(self, case_id: str, originator_node: str) -> CompromisePartyRow:
        """The record of ``originator_node`` told of case ``case_id``, known to exist.

        Raises:
            sqlalchemy.exc.NoResultFound: it is not there (a storage fault).
        """
        return self._session.get_one(CompromisePartyRow, (case_id, originator_node))

    def listing(self, status: str | None = None) -> Sequence[CompromiseCaseRow]:
        """Every case (only those in ``status`` when given), newest first."""
        query = select(CompromiseCaseRow).order_by(CompromiseCaseRow.opened_at.desc(), CompromiseCaseRow.id)
        if status is not None:
            query = query.where(CompromiseCaseRow.status == status)
        return self._session.scalars(query).all()


class DestructionRepository(TableRepository[DestructionRow]):
    """Destruction certificates (by id) issued here or received from holders, on one session."""

    _row = DestructionRow

    def add(self, row: DestructionRow) -> None:
        """Keep a certificate."""
        self._session.add(row)

    def issued_for(self, item_id: str) -> DestructionRow | None:
        """The certificate this node issued when it destroyed ``item_id``, or ``None``."""
        return self._session.scalar(
            select(DestructionRow).where(
                DestructionRow.item_id == item_id, DestructionRow.direction == DestructionDirection.ISSUED
            )
        )

    def issued_id(self, item_id: str) -> str | None:
        """The id of the certificate this node issued for ``item_id``, or ``None``."""
        return self._session.scalar(
            select(DestructionRow.id).where(
                DestructionRow.item_id == item_id, DestructionRow.direction == DestructionDirection.ISSUED
            )
        )

    def of_item(self, item_id: str) -> Sequence[DestructionRow]:
        """Every certificate about ``item_id``, issued or received, in the order of destruction."""
        return self._session.scalars(
            select(DestructionRow)
            .where(DestructionRow.item_id == item_id)
            .order_by(DestructionRow.destroyed_at)
        ).all()

    def received_from(self, holder_node: str) -> Sequence[DestructionRow]:
        """The certificates received from the holder ``holder_node``."""
        return self._session.scalars(
            select(DestructionRow).where(
                DestructionRow.direction == DestructionDirection.RECEIVED,
                DestructionRow.holder_node == holder_node,
            )
        ).all()

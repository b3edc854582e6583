"""At the originator: approve or deny a consent request, with conditions (Art. 6).

The decision is taken by an officer who may read the item and release it to the holder
(:meth:`~._consent_grounds.ConsentGrounds.officer_check`). It travels back to the holder
as a :class:`~accord.exchange.ConsentDecision`, IMMEDIATE, under the agreement the item was
provided under. An approval carries a :class:`~accord.exchange.ConsentToken` signed by this
node: item, content digest, holder, third party, purpose, free-text conditions, expiry,
and the conditions the third party's node enforces (:class:`~accord.exchange.ConsentConditions`:
purpose only, no onward release, destroy by).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import Conflict, InvalidInput, NotFound
from accord.exchange import UNSIGNED, ConsentConditions, ConsentDecision, ConsentToken, new_token_id
from accord.items import ConsentState, Direction, Precedence
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.originator._consent_grounds import ConsentGrounds
from accord.node.originator._consent_views import ConsentView, view_of
from accord.node.transfer._sealing import Outgoing
from accord.store import ConsentRepository, ConsentRow

__all__ = ["MAX_DAYS", "ConsentDecisions", "ConsentGrant", "end_of_day"]

MAX_DAYS = 365


@dataclass(frozen=True)
class ConsentGrant:
    """What the originator consents to: how long, and on which conditions (Art. 6).

    Attributes:
        days: How long the consent lasts, 1 to :data:`MAX_DAYS` days from the approval.
        conditions: Free text for the officers.
        purpose_only: The third party's readers must work for the request's purpose.
        no_onward_release: The third party may not pass the item on.
        destroy_by: The third party's holdings register shows the item overdue from this
            moment until it is destroyed; None for no deadline.
    """

    days: int = 30
    conditions: Sequence[str] = ()
    purpose_only: bool = False
    no_onward_release: bool = False
    destroy_by: datetime | None = None

    def limits(self) -> ConsentConditions:
        """The conditions signed into the token, which the third party's node enforces."""
        return ConsentConditions(
            purpose_only=self.purpose_only,
            no_onward_release=self.no_onward_release,
            destroy_by=format_time(self.destroy_by) if self.destroy_by is not None else None,
        )


def end_of_day(day: str) -> datetime:
    """The moment a destroy-by day (UTC) ends: the item is overdue from then on.

    Raises:
        InvalidInput: not a date such as 2024-06-01.
    """
    try:
        parsed = date.fromisoformat(day.strip())
    except ValueError as exc:
        raise InvalidInput(f"--destroy-by {day[:40]!r} is not a date such as 2024-06-01") from exc
    if parsed >= date(9999, 12, 31):  # its end is past the last day a date can name
        raise InvalidInput(f"--destroy-by {day[:40]!r} is beyond any date a holder could keep to")
    return datetime.combine(parsed + timedelta(days=1), time(0), tzinfo=UTC)


class ConsentDecisions(ConsentGrounds):
    """The originator's answers to consent requests (Art. 6)."""

    def approve(self, request_id: str, *, actor: str, grant: ConsentGrant | None = None) -> ConsentView:
        """Sign a token and send it to the holder; see :meth:`ConsentService.approve` (same ``Raises``)."""
        grant = grant or ConsentGrant()
        if not 1 <= grant.days <= MAX_DAYS:
            raise InvalidInput(f"a consent lasts 1 to {MAX_DAYS} days, not {grant.days}")
        with self._ctx.work(actor, "consent.approve", detail={"request_id": request_id}) as session:
            now = self._ctx.now()
            act = Act(actor, now)
            row, decision_agreement = self._decidable(session, request_id, actor, now)
            token = self._token(row, grant, actor, now)
            answer = ConsentDecision(row.id, True, token, None, actor, format_time(now))
            self._answer(session, row, answer, decision_agreement, act)
            row.status = ConsentState.APPROVED
            row.token_id = token.token_id
            row.token_json = token.to_bytes().decode("utf-8")
            row.expires_at = token.expires_at
            journal_done(
                session,
                act,
                "consent.approve",
                item_id=row.item_id,
                detail={
                    "request_id": row.id,
                    "token_id": token.token_id,
                    "holder": row.holder_party,
                    "third_party": row.third_party,
                    "expires_at": token.expires_at,
                    "limits": token.limits.to_dict() if token.limits else None,
                },
            )
            return view_of(row)

    def deny(self, request_id: str, *, reason: str, actor: str) -> ConsentView:
        """Refuse the release, saying why; see :meth:`ConsentService.deny` (same ``Raises``)."""
        with self._ctx.work(actor, "consent.deny", detail={"request_id": request_id}) as session:
            now = self._ctx.now()
            act = Act(actor, now)
            row, decision_agreement = self._decidable(session, request_id, actor, now)
            answer = ConsentDecision(row.id, False, None, reason, actor, format_time(now))
            self._answer(session, row, answer, decision_agreement, act)
            row.status = ConsentState.DENIED
            row.reason = answer.reason
            journal_done(
                session,
                act,
                "consent.deny",
                item_id=row.item_id,
                detail={"request_id": row.id, "reason": answer.reason},
            )
            return view_of(row)

    def _token(self, row: ConsentRow, grant: ConsentGrant, actor: str, now: datetime) -> ConsentToken:
        """The consent token this node signs for the request in ``row``."""
        return ConsentToken(
            token_id=new_token_id(),
            request_id=row.id,
            item_id=row.item_id,
            content_sha384=row.content_sha384,
            originator_party=self._ctx.config.party,
            originator_node=self._ctx.config.node_id,
            holder_party=row.holder_party,
            third_party=row.third_party,
            purpose=row.purpose,
            conditions=tuple(grant.conditions),
            issued_at=format_time(now),
            expires_at=format_time(now + timedelta(days=grant.days)),
            approved_by=actor,
            limits=grant.limits(),
            signature=UNSIGNED,
        ).signed_with(self._ctx.keys)

    def _decidable(
        self, session: Session, request_id: str, actor: str, now: datetime
    ) -> tuple[ConsentRow, Agreement]:
        row = ConsentRepository(session).get(request_id)
        if row is None or row.direction != Direction.IN:
            raise NotFound(f"no consent request {request_id!r} here")
        _, agreement = self.officer_check(session, row, actor, now, f"no consent request {request_id!r} here")
        if row.status != ConsentState.PENDING:
            raise Conflict(f"consent request {request_id} was already decided ({row.status})")
        return row, agreement

    def _answer(
        self,
        session: Session,
        row: ConsentRow,
        answer: ConsentDecision,
        agreement: Agreement,
        act: Act,
    ) -> None:
        # Our record of the decision is the one the holder gets: who decided, and when.
        row.decided_by = answer.decided_by
        row.decided_at = answer.decided_at
        self._sending.enqueue(
            session,
            Outgoing(
                kind="consent-decision",
                card=self._parties.card(session, row.holder_node),
                agreement=agreement,
                precedence=Precedence.IMMEDIATE,
                item_id=row.item_id,
                payload=answer.to_bytes(),
            ),
            act,
        )

"""Art. 21 at the moment of sending: an envelope leaves only if it may still travel.

An envelope is queued while its agreement is in force; the agreement may end before the
envelope leaves (a termination note imported, its date reached). Delivery and bundle export
call :func:`hold_what_may_not_leave` just before they send. It re-checks each pending
envelope of the peer with the rule the receiver applies
(:func:`accord.node.registry._agreements.travel_refusal`, one rule for both ends) at this node's
clock, in the agreement's time zone:

* what may no longer go is *held*: status ``held`` (:attr:`~accord.items.OutboxState.HELD`),
  the reason in ``last_error``; it is never deleted (it stays in the outbox and the
  dissemination record) and never sent;
* the officer is told: one journal entry per held envelope (``outbox.held``, refused, with
  the reason);
* messages about CMI already held (destruction certificates, compromise notices and reports,
  disposal requests, consent revocations, downgrade notices) still go while its protection
  survives termination.

Cheap when nothing has ended: one query for the agreements of the peer's pending envelopes
and one status per agreement; headers are read only under an agreement that no longer
allows new exchange.
"""

from __future__ import annotations

from datetime import datetime

from accord.errors import NotFound
from accord.items import OutboxState
from accord.node.core._context import NodeContext
from accord.node.registry._agreements import AgreementService, travel_refusal
from accord.node.transfer._delivery_journal import delivery_event
from accord.store import OutboxRepository, append_event

__all__ = ["hold_what_may_not_leave"]


def hold_what_may_not_leave(ctx: NodeContext, agreements: AgreementService, peer: str, now: datetime) -> int:
    """Hold the pending envelopes for ``peer`` that may no longer travel (Art. 21).

    Args:
        ctx: The node.
        agreements: The node's agreements (their notes and status).
        peer: The node the envelopes are for.
        now: This node's clock, an aware instant.

    Returns:
        How many envelopes were held now.
    """
    refusals: dict[str, str] = {}
    with ctx.db.transaction(read_only=True) as session:
        outbox = OutboxRepository(session)
        for agreement_id in outbox.pending_agreements(peer):
            try:
                agreement = agreements.get_in(session, agreement_id)
                status = agreements.status_in(session, agreement_id, now)
            except NotFound as exc:
                # Cannot happen for what this node queued; if it does, nothing goes blind.
                lost = outbox.pending_under(peer, agreement_id)
                refusals.update((message_id, str(exc)) for message_id, _ in lost)
                continue
            if status.new_exchange_allowed:
                continue
            for message_id, kind in outbox.pending_under(peer, agreement_id):
                reason = travel_refusal(agreement, status, kind)
                if reason is not None:
                    refusals[message_id] = reason
    if not refusals:
        return 0
    held = 0
    with ctx.db.transaction() as session:
        outbox = OutboxRepository(session)
        for message_id, reason in refusals.items():
            row = outbox.get(message_id)
            if row is None or row.status != OutboxState.PENDING:
                continue  # receipted or cancelled meanwhile
            row.status = OutboxState.HELD
            row.last_error = f"held: {reason}"[:500]
            held += 1
            detail = {"agreement_id": row.agreement_id, "reason": reason}
            append_event(session, delivery_event(row, "outbox.held", "refused", now, detail), flush=False)
    return held

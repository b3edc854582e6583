"""Offering our checkpoints to the partners, and what they countersigned (Arts. 8, 18).

:meth:`Offering.publish` (the worker calls it at most every
:data:`~accord.node.audit._witness.PUBLISH_SECONDS`; ``accord ledger publish`` at once)
offers our latest signed checkpoint to every pinned partner node with an agreement in
force, when it is newer than the last we offered that node, in a ``checkpoint`` envelope
(:class:`~accord.exchange.CheckpointStatement`) with the proof from the largest size the
partner countersigned (0 the first time). An idle pair rests: a checkpoint is offered only
when the ledger holds something new besides the witnessing itself
(:data:`~accord.node.transfer._control.WITNESS_ACTIONS`); a partner that keeps refusing
them is offered the next only after a back-off (``background_backoff``).

:meth:`Offering.witnesses` and :meth:`Offering.countersignatures` show, per partner, what
we hold of it, what we offered it and what it countersigned.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.errors import NotFound
from accord.exchange import CheckpointStatement, Countersignature, SignedCheckpoint
from accord.ledger import MerkleTree
from accord.node.audit._demands import Demands
from accord.node.audit._ledger import LedgerService
from accord.node.audit._partners import Partners
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.transfer._control import NO_ITEM, WITNESS_ACTIONS
from accord.node.transfer._delivery import backed_off
from accord.store import (
    JournalRow,
    PartyRow,
    SqlHashStore,
    WitnessAlarmRow,
    WitnessCountersignatureRow,
    WitnessPublishedRow,
    WitnessSeenRow,
    format_stamp,
)

__all__ = ["Offering"]


def _has_news(session: Session, since: int, size: int) -> bool:
    """Whether leaves ``[since, size)`` hold anything but the witnessing itself."""
    news = session.scalar(
        select(JournalRow.seq)
        .where(
            JournalRow.leaf >= since,
            JournalRow.leaf < size,
            JournalRow.action.not_in(WITNESS_ACTIONS),
            (JournalRow.item_id.is_(None)) | (JournalRow.item_id != NO_ITEM),
        )
        .limit(1)
    )
    return news is not None


class Offering:
    """Offers our latest checkpoint to the partners (and gossips), and shows what they returned."""

    def __init__(self, partners: Partners, ledger: LedgerService, demands: Demands) -> None:
        """Offer ``ledger``'s checkpoints through ``partners``; gossip and check demands with ``demands``."""
        self._partners = partners
        self._ledger = ledger
        self._demands = demands

    def publish(self, *, actor: str) -> list[str]:
        """Offer our latest checkpoint to every partner node that has not been offered it.

        See :meth:`accord.node.audit.WitnessService.publish`.

        Returns:
            The node ids it was offered to (none when the ledger has not grown).

        Raises:
            StorageError: the database failed.
        """
        self._demands.check_overdue()
        latest = self._ledger.latest_checkpoint()
        size = 0 if latest is None else latest.checkpoint.size
        ctx = self._partners.ctx
        me = ctx.config
        told: list[str] = []
        gossiped: list[str] = []
        with ctx.work(actor, "ledger.publish", detail={"size": size}) as session:
            now = ctx.now()
            rows = session.scalars(select(PartyRow).order_by(PartyRow.node_id)).all()
            for row in rows:
                if row.node_id == me.node_id or row.party == me.party:
                    continue
                try:
                    agreement = self._partners.agreements.any_in_force_with(session, row.party, now)
                except NotFound:
                    continue  # no agreement in force: nothing is exchanged with that party
                if self._demands.tell(session, row.node_id, agreement, actor, now):
                    gossiped.append(row.node_id)
                if latest is None:
                    continue  # nothing sealed yet: nothing of ours to offer
                if self._offer(session, row.node_id, latest, agreement, act=Act(actor, now)):
                    told.append(row.node_id)
            if told or gossiped:
                journal_done(
                    session,
                    Act(actor, now),
                    "ledger.publish",
                    detail={
                        "size": size,
                        "root": None if latest is None else latest.checkpoint.root.hex(),
                        "to": told,
                        "gossip_to": gossiped,
                    },
                )
        return told

    def _offer(
        self,
        session: Session,
        peer: str,
        latest: SignedCheckpoint,
        agreement: Agreement,
        *,
        act: Act,
    ) -> bool:
        """Offer ``latest`` to ``peer`` if it has news for it and ``peer`` is not backed off."""
        checkpoint = latest.checkpoint
        published = session.get(WitnessPublishedRow, peer)
        since = 0 if published is None else published.size
        if since >= checkpoint.size or not _has_news(session, since, checkpoint.size):
            return False
        if backed_off(session, peer, "checkpoint", act.now):
            return False
        basis = session.scalar(
            select(func.max(WitnessCountersignatureRow.size)).where(
                WitnessCountersignatureRow.witness == peer,
                WitnessCountersignatureRow.size <= checkpoint.size,
            )
        )
        previous = int(basis or 0)
        proof = MerkleTree(SqlHashStore(session)).consistency_proof(previous, checkpoint.size)
        statement = CheckpointStatement(checkpoint, latest.signature, previous, tuple(proof))
        self._partners.send(session, statement, self._partners.parties.card(session, peer), agreement, act)
        if published is None:
            session.add(
                WitnessPublishedRow(peer=peer, size=checkpoint.size, published_at=format_stamp(act.now))
            )
        else:
            published.size, published.published_at = checkpoint.size, format_stamp(act.now)
        return True

    def witnesses(self) -> list[dict[str, object]]:
        """Per partner node: its checkpoint we hold, what we offered it, what it countersigned."""
        me = self._partners.ctx.config.node_id
        with self._partners.ctx.db.transaction(read_only=True) as session:
            nodes = [
                n for n in session.scalars(select(PartyRow.node_id).order_by(PartyRow.node_id)) if n != me
            ]
            return [_witness_view(session, node) for node in nodes]

    def countersignatures(self, witness: str | None = None) -> list[Countersignature]:
        """The countersignatures partners returned for our checkpoints, newest first.

        Raises:
            InvalidInput: a stored countersignature is malformed (tampering).
        """
        with self._partners.ctx.db.transaction(read_only=True) as session:
            query = select(WitnessCountersignatureRow).order_by(WitnessCountersignatureRow.id.desc())
            if witness is not None:
                query = query.where(WitnessCountersignatureRow.witness == witness)
            return [Countersignature.parse(row.countersignature_json) for row in session.scalars(query)]


def _witness_view(session: Session, node: str) -> dict[str, object]:
    """One partner node as :meth:`Offering.witnesses` lists it."""
    seen = session.get(WitnessSeenRow, node)
    published = session.get(WitnessPublishedRow, node)
    last = session.scalars(
        select(WitnessCountersignatureRow)
        .where(WitnessCountersignatureRow.witness == node)
        .order_by(WitnessCountersignatureRow.size.desc())
        .limit(1)
    ).first()
    count = session.scalar(
        select(func.count())
        .select_from(WitnessCountersignatureRow)
        .where(WitnessCountersignatureRow.witness == node)
    )
    alarms = session.scalar(
        select(func.count()).select_from(WitnessAlarmRow).where(WitnessAlarmRow.origin == node)
    )
    return {
        "node": node,
        "seen": None
        if seen is None
        else {
            "size": seen.size,
            "root": seen.root,
            "time": seen.time,
            "at": seen.received_at,
        },
        "published": None if published is None else {"size": published.size, "at": published.published_at},
        "countersigned": None
        if last is None
        else {"size": last.size, "signed_at": last.signed_at, "at": last.received_at},
        "countersignatures": int(count or 0),
        "alarms": int(alarms or 0),
    }

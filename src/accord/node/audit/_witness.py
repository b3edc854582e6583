"""Witnessing: partners keep, check and countersign each other's ledger checkpoints.

One node's ledger shows every change to what it sealed, but not the loss of its newest
events together with their tree nodes and checkpoints, nor a history rewritten and signed
again (``docs/ledger.md``). Its partners do: each keeps the last checkpoint it accepted
from the node and accepts a new one only with a consistency proof from it (RFC 9162
§2.1.4; the gossip of RFC 9162 §8.3).

* :meth:`WitnessService.publish` (the worker calls it at most every
  :data:`PUBLISH_SECONDS`; ``accord ledger publish`` at once) offers our latest signed
  checkpoint to every pinned partner node with an agreement in force, when it is newer
  than the last we offered that node, in a ``checkpoint`` envelope
  (:class:`~accord.exchange.CheckpointStatement`) with the proof from the largest size the
  partner countersigned (0 the first time) (:mod:`._offering`).
* The partner (:meth:`~._witness_incoming.WitnessIncoming.checkpoint`) checks the origin's signature
  with its pinned keys, then, against the checkpoint it holds from that origin:

  - none held, or the same checkpoint again, or a larger one the proof shows extends it:
    it keeps the new one and returns a ``countersignature`` (:class:`~accord.exchange.Countersignature`);
  - the same size with another root, a larger one the proof does not extend, or a smaller
    one that is not older: a **fork or rollback**. It keeps the one it held, stores both
    signed checkpoints as evidence (``witness_alarms``), journals ``ledger.fork`` (outcome
    ``alarm``) with both, and logs an error for the officers;
  - a larger one whose proof starts from another size than the one held: it **demands**
    the proof from the one it holds (a ``proof-request``, :class:`~accord.exchange.ProofRequest`;
    ``witness_demands``). The origin answers with that checkpoint and the proof; a proof
    that fails is a fork alarm, and one that does not come — the origin refused the
    request, or received it :data:`~._demands.PROOF_DEADLINE` ago and did not answer — is a
    ``no-proof`` alarm with both signed checkpoints (issue 10: a forked copy of a node
    cannot prove that its branch extends the other);
  - a smaller, older one (delayed on the way): nothing but the journal;
  - the same checkpoint again: nothing at all (no journal row, no countersignature)

  (:mod:`._witnessing`).

* Witnesses tell each other (:meth:`WitnessService.publish`, ``gossip``) the latest
  checkpoint they hold of every other node; one that differs from ours at the same size
  is a fork alarm (a *split view*: the origin showed two partners two histories), a
  smaller one is related to ours by a proof demanded of the origin, as above
  (:mod:`._demands`).
* The origin answers a ``proof-request`` for a checkpoint it signed
  (:meth:`~._witness_incoming.WitnessIncoming.proof_request`); one for a checkpoint it never signed
  — or a countersignature of one — means that another copy of this node, or an older
  state of it, signed a history of its own: it is refused and logged as an error.

* The origin (:meth:`~._witness_incoming.WitnessIncoming.countersignature`) checks the witness's
  signature and that it signed this very checkpoint, and keeps it.
* An idle pair rests: a checkpoint is offered only when the ledger holds something new
  besides the witnessing itself (:data:`~._control.WITNESS_ACTIONS`); a partner that keeps
  refusing them is offered the next only after a back-off (``background_backoff``).

A checkpoint whose signature does not verify, or a countersignature of a checkpoint we
never signed, is refused like any bad envelope (quarantined with the reason).

An alarm stays **open** until an officer or the authority acknowledges it with a finding
(:meth:`WitnessService.acknowledge_alarm`, a duty the decision point grants by role):
who, when and the finding are kept (``witness_alarm_acks``) and journalled
(``ledger.alarm.ack``); the evidence is never changed (:mod:`._alarms`).

:class:`WitnessService` is the façade: the composition root registers its
:meth:`~WitnessService.handlers` of the four witnessing messages, and the worker calls
:meth:`~WitnessService.publish`.
"""

from __future__ import annotations

from typing import Final

from accord.exchange import Countersignature
from accord.node.audit._alarms import AlarmBook
from accord.node.audit._demands import Demands
from accord.node.audit._ledger import LedgerService
from accord.node.audit._offering import Offering
from accord.node.audit._partners import ACTOR as _ACTOR
from accord.node.audit._partners import Partners
from accord.node.audit._witness_incoming import WitnessIncoming
from accord.node.audit._witnessing import Witnessing
from accord.node.transfer._control import ControlHandler
from accord.node.transfer._services import ServiceBase, Services

__all__ = ["PUBLISH_SECONDS", "WitnessService"]

PUBLISH_SECONDS: Final = 10.0
"""How often, at most, the worker offers a new checkpoint to the partners."""


class WitnessService(ServiceBase):
    """Offers our checkpoints to partners, witnesses theirs, and raises fork alarms (the façade)."""

    def __init__(self, services: Services, ledger: LedgerService) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        partners = Partners(services.ctx, services.parties, services.agreements, services.sending)
        self._alarms = AlarmBook(services.ctx, services.users, services.access)
        self._demands = Demands(partners, self._alarms)
        self._witnessing = Witnessing(partners, self._demands)
        self._offering = Offering(partners, ledger, self._demands)
        self._incoming = WitnessIncoming(services, partners, self._demands, self._witnessing)

    # --- the origin ----------------------------------------------------------------------

    def publish(self, *, actor: str = _ACTOR) -> list[str]:
        """Offer our latest checkpoint to every partner node that has not been offered it.

        A partner is offered a checkpoint only when the leaves since the last one it was
        offered hold something besides the witnessing itself, and not while it is backed
        off for refusing them. The same call gossips what we hold of other nodes to every
        partner whose copy of it is out of date, and raises the alarms of proofs demanded
        that did not come (:data:`~._demands.PROOF_DEADLINE`).

        Returns:
            The node ids it was offered to (none when the ledger has not grown).

        Raises:
            StorageError: the database failed.
        """
        return self._offering.publish(actor=actor)

    # --- the four incoming witnessing messages (registered by the composition root) ------

    def handlers(self) -> dict[str, ControlHandler]:
        """The handler of each incoming witnessing message, by envelope type (:class:`.WitnessIncoming`)."""
        incoming = self._incoming
        return {
            "checkpoint": incoming.checkpoint,
            "countersignature": incoming.countersignature,
            "proof-request": incoming.proof_request,
            "gossip": incoming.gossip,
        }

    def check_demands(self) -> list[dict[str, object]]:
        """Raise the alarms of consistency proofs demanded that did not come.

        A proof is missing when the origin refused the request, or received it
        :data:`~._demands.PROOF_DEADLINE` ago and has not answered: a ``no-proof`` alarm
        with both signed checkpoints. A request still on its way is waited for.

        Returns:
            The alarms raised (as :meth:`alarms` lists them).

        Raises:
            StorageError: the database failed.
        """
        return self._demands.check_overdue()

    # --- views ---------------------------------------------------------------------------

    def witnesses(self) -> list[dict[str, object]]:
        """Per partner node: its checkpoint we hold, what we offered it, what it countersigned."""
        return self._offering.witnesses()

    def countersignatures(self, witness: str | None = None) -> list[Countersignature]:
        """The countersignatures partners returned for our checkpoints, newest first.

        Raises:
            InvalidInput: a stored countersignature is malformed (tampering).
        """
        return self._offering.countersignatures(witness)

    def alarms(self) -> list[dict[str, object]]:
        """Every fork or rollback detected, newest first, with both signed checkpoints.

        Each says whether it is ``open`` or ``acknowledged`` (then who, when, the finding).
        """
        return self._alarms.alarms()

    def acknowledge_alarm(self, alarm_id: int, *, finding: str, actor: str) -> dict[str, object]:
        """Acknowledge an open alarm with a finding: who, when and why are kept and journalled.

        The evidence (both signed checkpoints) stays as it was; an acknowledged alarm is
        closed and cannot be acknowledged again.

        Raises:
            NotFound: no such user, or no alarm ``alarm_id``.
            PolicyDenied: ``actor``'s role may not acknowledge alarms (officers and the authority may).
            InvalidInput: the finding is empty or longer than :data:`~._alarms.FINDING_MAX` characters.
            Conflict: the alarm was already acknowledged.
        """
        return self._alarms.acknowledge(alarm_id, finding=finding, actor=actor)

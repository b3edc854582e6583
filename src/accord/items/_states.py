"""The state machines of what a node keeps about an item, one ``StrEnum`` each.

Each value is the exact word stored in a ``status`` column (and, for a holding, reported to
the originator in a holdings summary), so a member compares equal to the stored string and
the database and wire formats do not change. Pure domain: no I/O.

Holding (``items.status``, also copies and translations), Arts. 9–17::

    held ──downgrade notice──► downgraded          (a later notice may downgrade again)
    held ──declassification──► declassified        (final for the Agreement)
    held ──consent revoked───► consent-revoked     (the third party must give it back)
    held ──disposal request──► to-return | to-destroy ──► returned | destroyed
    held ──compromise notice─► compromised
    any but final ──destruction witnessed──► destroyed

Envelope in the outbox (``outbox.status``)::

    pending ──receipt──► receipted      pending ──refused by the peer──► rejected
    pending ──held back (agreement suspended, consent gone)──► held ──► pending | cancelled

Consent request (``consents.status``, Art. 6)::

    pending ──► approved ──► revoked          pending ──► denied

Compromise case (``compromise_cases.status``, Art. 17)::

    open ──findings and measures──► closed

A refused message in quarantine is ``held``; a witness alarm is ``open`` until acknowledged.

Sides of an exchange (``direction`` of consents and compromise cases): ``out`` where this
node acted, ``in`` where a peer did; a consent is also ``held`` at a third party that
received an item with its token. A destruction certificate (``destructions.direction``,
Art. 16) is ``issued`` by the holder that destroyed the item, ``received`` at its originator.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "FINAL_HOLDING_STATES",
    "AlarmState",
    "CaseState",
    "ConsentState",
    "DestructionDirection",
    "Direction",
    "HoldingState",
    "OutboxState",
    "QuarantineState",
]


class HoldingState(StrEnum):
    """Where a held item (or a copy or translation of it) stands."""

    HELD = "held"
    DOWNGRADED = "downgraded"
    DECLASSIFIED = "declassified"
    CONSENT_REVOKED = "consent-revoked"
    COMPROMISED = "compromised"
    TO_RETURN = "to-return"
    TO_DESTROY = "to-destroy"
    RETURNED = "returned"
    DESTROYED = "destroyed"


FINAL_HOLDING_STATES: Final = frozenset({HoldingState.DESTROYED, HoldingState.RETURNED})
"""A holding in one of these states is gone from this node: nothing more may be done with it."""


class OutboxState(StrEnum):
    """Where an envelope waiting for (or done with) delivery to one peer stands."""

    PENDING = "pending"
    RECEIPTED = "receipted"
    REJECTED = "rejected"
    HELD = "held"
    CANCELLED = "cancelled"


class ConsentState(StrEnum):
    """Where a request for the originator's consent to a third-party release stands (Art. 6)."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    REVOKED = "revoked"


class CaseState(StrEnum):
    """Where a compromise case stands (Art. 17)."""

    OPEN = "open"
    CLOSED = "closed"


class Direction(StrEnum):
    """Which side of an exchange a row records: ``out`` where this node acted, ``in`` where a peer did.

    A consent has a third side, ``held``: the third party's record of the token an item
    arrived with (or of a revocation that came before the item), Art. 6.
    """

    OUT = "out"
    IN = "in"
    HELD = "held"


class DestructionDirection(StrEnum):
    """Which side of a destruction certificate a row records (Art. 16)."""

    ISSUED = "issued"
    """Signed here, by the holder that destroyed the item."""
    RECEIVED = "received"
    """Received here, the originator, from a holder that destroyed it."""


class QuarantineState(StrEnum):
    """Where a message a peer sent and this node refused stands (``quarantine.status``).

    It is kept, with the precise reason, for the officer: nothing releases it.
    """

    HELD = "held"


class AlarmState(StrEnum):
    """Where a witness alarm stands: open until an officer acknowledges it with a finding (Art. 18)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"

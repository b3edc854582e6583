"""Was this item provided to that node? The originator's dissemination record (GSOMIA Arts. 6, 16, 17).

A holder's destruction certificate (Art. 16) and its compromise notice (Art. 17) are
accepted only about an item the originator provided to that holder: sent to its node (an
``item`` envelope in the outbox), or released to its party by a holder with the
originator's consent (Art. 6). :func:`provided_to` is the one answer both handlers ask.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.errors import IntegrityError
from accord.items import ConsentState
from accord.store import ConsentRepository, OutboxRepository

UNREADABLE = "unreadable"
"""The outbox kind migration 0013 gave an envelope whose stored header no longer parsed."""

__all__ = ["provided_to"]


def provided_to(session: Session, item_id: str, node_id: str, party: str) -> bool:
    """Whether the dissemination record shows ``item_id`` provided to ``node_id`` (or its party).

    Provided means: an ``item`` envelope about it was sent to ``node_id``, or a consent to
    release it to ``party`` was approved here (and perhaps revoked since: it was provided
    all the same).

    The outbox's ``kind`` column says what each stored envelope was (written when it was
    queued; migration 0013 filled it from the stored headers, ``unreadable`` where a header
    no longer parsed). An envelope of unknown kind is damage to the record, and must not
    hide a provision: answering "never provided" would refuse a true certificate or
    notice with a false reason. So when no readable header and no consent shows the
    provision but some header about the item to ``node_id`` cannot be read, the answer
    is refused with an :class:`~accord.errors.IntegrityError` naming the damaged
    messages (the caller's message is quarantined with that reason, nothing is
    recorded). A damaged header never aborts an answer it cannot change: when another
    record shows the provision, it is ``True``.

    Raises:
        IntegrityError: the answer depends on a stored envelope header that cannot be read.
    """
    damaged: list[str] = []
    for message_id, kind in OutboxRepository(session).kinds_sent(item_id, node_id):
        if kind == "item":
            return True
        if kind == UNREADABLE:
            damaged.append(message_id)
    # A consent since revoked still means the third party may hold the item (Art. 6).
    if ConsentRepository(session).given_to(item_id, party, (ConsentState.APPROVED, ConsentState.REVOKED)):
        return True
    if damaged:
        raise IntegrityError(
            f"the dissemination record of item {item_id} is damaged: the stored header of message(s) "
            f"{', '.join(damaged)} to {node_id} cannot be read, so whether the item was provided to "
            f"{node_id} cannot be told (Art. 6)"
        )
    return False

"""Transmission intake: parse, check each envelope's header and agreement, open it (Arts. 9–12, 21).

A transmission is parsed (:func:`parse_transmission`); then each of its envelopes is
opened by :func:`open_checked`, in the :class:`Arrival` of the transmission (the receiver's
snapshot, the sender's party, the time of receipt), in this order:

1. the header names the same sender and us (the transmission's);
2. a message id seen before with the same digest gets the same receipt again
   (idempotent, even once it is older than the age limit); with another digest it is a
   replay and is refused (:func:`~._inbox.given_before`, on the rows
   :meth:`Arrival.read_earlier` read for the whole transmission);
3. it is neither stale (older than :data:`MAX_ENVELOPE_AGE`) nor from the future
   (:func:`check_fresh`);
4. the agreement is checked with **our** copy and **our** clock: it still lets this kind
   of message travel (Art. 21, :func:`~accord.node.registry.travel_refusal`), both
   parties are in it, the suite is the one it requires;
5. the payload opens with our HPKE key for that suite.

What it opens goes on to item acceptance (:mod:`._acceptance`) or to the control
message's handler (:mod:`._dispatch`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from accord.agreements import Agreement, Status
from accord.canonical import parse_time
from accord.crypto import Suite, VerifyKeys, open_envelope
from accord.errors import AccordError, AgreementStateError, InvalidInput, PolicyDenied, VerificationFailed
from accord.exchange import EnvelopeHeader, Receipt, Transmission, WireEnvelope
from accord.items import Precedence
from accord.node.core._context import NodeContext
from accord.node.registry._agreements import AgreementService, travel_refusal
from accord.node.transfer._inbox import given_before
from accord.node.transfer._sending import suite_of
from accord.store import InboxMessageRow, InboxRepository

__all__ = [
    "MAX_CLOCK_SKEW",
    "MAX_ENVELOPE_AGE",
    "Arrival",
    "Opened",
    "carries_flash",
    "check_fresh",
    "message_id",
    "open_checked",
    "parse_transmission",
    "raw",
]

MAX_ENVELOPE_AGE = timedelta(days=60)  # an offline bundle may spend weeks in the pouch
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Arrival:
    """One transmission whose envelopes are being checked: what every envelope's checks ask.

    ``session`` is the receiver's read-only snapshot; ``sender_party`` the party of the
    transmission's (authenticated) sender; ``now`` the time of receipt, one for the whole
    transmission; ``checked`` caches each agreement and its status for the transmission
    (one look per agreement), ``signers`` each originator's party and keys (one look per
    node); ``earlier`` holds the inbox rows of the transmission's message ids received
    before (:meth:`read_earlier`: one query for all of them, not one per envelope);
    ``yielding`` says that the transmission is routine work, which steps aside while FLASH
    is received in this process (``NodeContext.urgent_work``), also inside an attachment's
    check.
    """

    session: Session
    tx: Transmission
    sender_party: str
    now: datetime
    checked: dict[str, tuple[Agreement, Status]] = field(default_factory=dict)
    signers: dict[str, tuple[str, VerifyKeys]] = field(default_factory=dict)
    earlier: dict[str, InboxMessageRow] = field(default_factory=dict)
    yielding: bool = False

    def read_earlier(self) -> None:
        """Read the inbox rows of every message id in the transmission, in one query."""
        ids = {message_id(envelope) for envelope in self.tx.envelopes}
        self.earlier.update(InboxRepository(self.session).among(self.sender, ids))

    @property
    def sender(self) -> str:
        """The sending node (the transmission's, verified against its signature)."""
        return self.tx.sender


@dataclass(frozen=True)
class Opened:
    """An envelope whose header and agreement passed, and its decrypted payload."""

    header: EnvelopeHeader
    digest: str
    plaintext: bytes
    agreement: Agreement
    status: Status


def parse_transmission(body: bytes) -> Transmission:
    """Parse a transmission.

    Raises:
        InvalidInput: it is not a transmission (or its JSON is nested too deeply).
    """
    try:
        return Transmission.parse(body)
    except RecursionError as exc:  # json.loads gives up on deeply nested input
        raise InvalidInput("transmission is not valid JSON: nested too deeply") from exc


def message_id(envelope: WireEnvelope) -> str:
    """The envelope's message id, or its digest when its header cannot be read."""
    try:
        return EnvelopeHeader.parse(envelope.header).message_id
    except (AccordError, RecursionError):
        return f"digest:{envelope.digest()[:32]}"


def raw(envelope: WireEnvelope) -> bytes:
    """The envelope as kept in quarantine."""
    return json.dumps(envelope.to_dict()).encode("ascii")


def check_fresh(header: EnvelopeHeader, now: datetime) -> None:
    """Check that a new envelope is neither stale nor from the future.

    Raises:
        VerificationFailed: it is older than :data:`MAX_ENVELOPE_AGE`, or created more
            than :data:`MAX_CLOCK_SKEW` after ``now``.
    """
    created = parse_time(header.created)
    if now - created > MAX_ENVELOPE_AGE:
        raise VerificationFailed(
            f"stale envelope: created {header.created}, older than {MAX_ENVELOPE_AGE.days} days"
        )
    if created - now > MAX_CLOCK_SKEW:
        raise VerificationFailed(f"envelope created in the future ({header.created})")


def carries_flash(tx: Transmission) -> bool:
    """Whether an envelope of ``tx`` says FLASH in its header (the transmission's signature
    has been verified; each header is checked again with its envelope). An unreadable
    header counts as not FLASH: its envelope is refused by the checks anyway."""
    for envelope in tx.envelopes:
        try:
            if EnvelopeHeader.parse(envelope.header).precedence is Precedence.FLASH:
                return True
        except (AccordError, RecursionError):
            continue
    return False


def open_checked(
    ctx: NodeContext, agreements: AgreementService, arrival: Arrival, envelope: WireEnvelope
) -> Opened | Receipt:
    """Check an envelope's header and agreement and open it, or give its earlier receipt.

    Raises:
        VerificationFailed: wrong sender or recipient, a replay, stale, from the future,
            the wrong suite, or the payload does not open.
        AgreementStateError: the agreement no longer lets this message travel (Art. 21).
        PolicyDenied: the sender's party or ours is not a party to the agreement.
    """
    me, session, sender_party = ctx.config, arrival.session, arrival.sender_party
    header = EnvelopeHeader.parse(envelope.header)
    if header.recipient != me.node_id or header.sender != arrival.sender:
        raise VerificationFailed("envelope header names another sender or recipient than its transmission")
    # An envelope already accepted gets its receipt again, however old it is by now (a
    # receipt lost on the way back, a bundle imported twice): the age checks are for
    # what is new.
    digest = envelope.digest()
    earlier = given_before(arrival.earlier.get(header.message_id), header.message_id, digest)
    if earlier is not None:
        return earlier
    check_fresh(header, arrival.now)
    checked = arrival.checked
    if header.agreement_id not in checked:
        agreement = agreements.get_in(session, header.agreement_id)
        checked[header.agreement_id] = (agreement, agreements.status_in(session, agreement.id, arrival.now))
    agreement, status = checked[header.agreement_id]
    # After termination nothing new is received; messages about what is already held
    # still travel while its protection survives (Art. 21). The sender applies the same
    # rule when the envelope leaves (accord.node.transfer._departure).
    refusal = travel_refusal(agreement, status, header.type)
    if refusal is not None:
        raise AgreementStateError(refusal)
    if sender_party not in agreement.party_codes or me.party not in agreement.party_codes:
        raise PolicyDenied(f"{sender_party} and {me.party} are not both parties to {agreement.id}")
    if header.suite is not suite_of(agreement):
        raise VerificationFailed(
            f"envelope suite {header.suite.value} is not the one {agreement.id} requires"
        )
    keys = ctx.hpke_cnsa if header.suite is Suite.CNSA2 else ctx.hpke
    plaintext = open_envelope(header.suite, keys, envelope.header, envelope.ciphertext)
    return Opened(header, digest, plaintext, agreement, status)

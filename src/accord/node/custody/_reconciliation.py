"""Reconciliation: a holder's signed summary against the originator's record (GSOMIA Art. 6).

The holder makes a :class:`~accord.exchange.HoldingsSummary` of one originating party's
items, signed by its node, and hands it over (as a file); the originator verifies it with
the holder's pinned keys and compares it with its record of what that node received
(:class:`HolderRecord`): what it provided to it (the outbox), and what a holder passed on to
it under the originator's consent (the third party's consent receipts). Each difference is
reported in words, one small check per kind (:data:`CHECKS`, in the order they are
reported for an item):

* ``held-not-recorded`` — the holder reports an item our record does not show as provided;
* ``recorded-not-held`` — our record shows it provided, the holder does not report it;
* ``other-version`` — the holder's digest differs from ours;
* ``destroyed-without-certificate`` — reported destroyed, no certificate on record;
* ``certified-but-held`` — a certificate on record, reported still held;
* ``missing-receipt`` — a message that carried the item has no signed receipt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from accord.exchange import HeldItem, HoldingsSummary
from accord.items import HoldingState, OutboxState
from accord.json_view import JsonView
from accord.store import (
    ConsentReceiptRow,
    ConsentRepository,
    DestructionRepository,
    ItemRepository,
    ItemRow,
    OutboxRepository,
    OutboxRow,
)

__all__ = [
    "CHECKS",
    "Difference",
    "HolderRecord",
    "Reconciliation",
    "differences",
    "holder_record",
]


@dataclass(frozen=True)
class Difference(JsonView):
    """One disagreement between the holder's summary and the originator's record."""

    kind: str
    item_id: str | None
    detail: str


@dataclass(frozen=True)
class Reconciliation(JsonView):
    """The outcome of comparing a holder's signed summary with this node's record."""

    summary_id: str
    holder_node: str
    items_compared: int
    differences: list[Difference]


@dataclass(frozen=True)
class HolderRecord:
    """What this node knows of one holder node, beside that holder's summary (Art. 6)."""

    node: str
    party: str
    sends: dict[str, list[OutboxRow]]
    receipts: dict[str, list[ConsentReceiptRow]]
    certified: dict[str, str]
    theirs: dict[str, HeldItem]
    ours: dict[str, ItemRow]

    @property
    def item_ids(self) -> list[str]:
        """Every item compared: reported by the holder, or on our record as provided to it."""
        return sorted(set(self.theirs) | set(self.sends) | set(self.receipts))

    def recorded(self, item_id: str) -> bool:
        """Whether our record shows the item provided to the holder (sent, or passed on by consent)."""
        return bool(self.sends.get(item_id) or self.receipts.get(item_id))


def holder_record(session: Session, summary: HoldingsSummary, own_node: str) -> HolderRecord:
    """Our record of what ``summary``'s holder node received of the items this node originated.

    Raises:
        InvalidInput: a stored envelope header no longer parses.
    """
    node, party = summary.holder_node, summary.holder_party
    sends: dict[str, list[OutboxRow]] = {}
    for sent in OutboxRepository(session).sent_to(node, kind="item"):
        sends.setdefault(sent.item_id, []).append(sent)
    # What a holder passed on to that node under our consent: its signed receipts are
    # our record of it, as the outbox is of what we provided ourselves (Art. 6).
    receipts: dict[str, list[ConsentReceiptRow]] = {}
    for received in ConsentRepository(session).receipts_by(node, party):
        receipts.setdefault(received.item_id, []).append(received)
    certified = {c.item_id: c.id for c in DestructionRepository(session).received_from(node)}
    theirs = {entry.item_id: entry for entry in summary.items}
    ours = {
        row.id: row
        for row in ItemRepository(session).among(set(sends) | set(receipts) | set(theirs))
        if row.originator_node == own_node
    }
    return HolderRecord(node, party, sends, receipts, certified, theirs, ours)


# --- one check per kind of difference: each yields the words for the item, or nothing ---


def held_not_recorded(record: HolderRecord, item_id: str) -> Iterator[str]:
    """The holder reports the item; our record does not show it provided to that node."""
    if item_id in record.theirs and not record.recorded(item_id):
        where = (
            "this node did not originate"
            if item_id not in record.ours
            else "our record does not show as provided"
        )
        yield f"{record.party} reports holding {item_id}, which {where} to {record.node}"


def recorded_not_held(record: HolderRecord, item_id: str) -> Iterator[str]:
    """Our record shows the item provided; the holder does not report it."""
    if item_id in record.theirs:
        return
    sends, receipts = record.sends.get(item_id, []), record.receipts.get(item_id, [])
    kept = f"; we hold certificate {record.certified[item_id]}" if item_id in record.certified else ""
    how = (
        f"was provided to {record.node} (message {sends[0].message_id})"
        if sends
        else f"was received by {record.node} from {receipts[0].holder_node} under our consent "
        f"{receipts[0].token_id} (its signed receipt {receipts[0].id})"
    )
    yield f"{item_id} {how}, but {record.party} does not report it{kept}"


def other_version(record: HolderRecord, item_id: str) -> Iterator[str]:
    """The holder's digest of the item differs from ours."""
    entry, row = record.theirs.get(item_id), record.ours.get(item_id)
    if entry is None or not record.recorded(item_id) or row is None:
        return
    if entry.content_sha384 != row.content_sha384:
        yield f"{record.party} holds another version of {item_id} (digest differs)"


def destroyed_without_certificate(record: HolderRecord, item_id: str) -> Iterator[str]:
    """The holder reports the item destroyed; no certificate from it is on record (Art. 16)."""
    entry = record.theirs.get(item_id)
    if entry is None or not record.recorded(item_id):
        return
    if entry.status == HoldingState.DESTROYED and item_id not in record.certified:
        yield (
            f"{record.party} reports {item_id} destroyed; "
            f"no destruction certificate from {record.node} is on record"
        )


def certified_but_held(record: HolderRecord, item_id: str) -> Iterator[str]:
    """A certificate of destruction is on record; the holder reports the item otherwise."""
    entry = record.theirs.get(item_id)
    if entry is None or not record.recorded(item_id):
        return
    if entry.status != HoldingState.DESTROYED and item_id in record.certified:
        yield (
            f"{record.node} certified the destruction of {item_id} ({record.certified[item_id]}), "
            f"but {record.party} reports it {entry.status}"
        )


def missing_receipt(record: HolderRecord, item_id: str) -> Iterator[str]:
    """A message that carried the item to the holder has no signed receipt."""
    entry = record.theirs.get(item_id)
    for sent in record.sends.get(item_id, []):
        if sent.status != OutboxState.RECEIPTED:
            seen = entry is not None and sent.message_id in entry.message_ids
            also = f", though {record.party} reports receiving it" if seen else ""
            yield (
                f"message {sent.message_id} carrying {item_id} to {record.node} has no signed receipt "
                f"({sent.status}){also}"
            )


Check = Callable[[HolderRecord, str], Iterator[str]]

# In the order the differences about one item are reported.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("held-not-recorded", held_not_recorded),
    ("recorded-not-held", recorded_not_held),
    ("other-version", other_version),
    ("destroyed-without-certificate", destroyed_without_certificate),
    ("certified-but-held", certified_but_held),
    ("missing-receipt", missing_receipt),
)


def differences(record: HolderRecord) -> list[Difference]:
    """Every difference between the holder's summary and our record, item by item."""
    return [
        Difference(kind, item_id, detail)
        for item_id in record.item_ids
        for kind, check in CHECKS
        for detail in check(record, item_id)
    ]

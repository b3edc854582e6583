"""Helpers for the adversarial exchange tests: in-process transports, forgers, state probes.

The tests deliver with the suite's in-process loopback (``Loopback`` in
``tests/support_federation.py``), which hands the bytes JPN's real delivery produced straight
to KOR's receiving service, so every check on both sides runs; :class:`Capture` keeps them
from KOR instead. The forgers build what a hostile or broken sender could send: envelopes
sealed with ``accord.crypto.seal_envelope`` to KOR's pinned key and transmissions signed
with ``Transmission.make``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select

from accord.crypto import SigningKeys, Suite, VerifyKeys, bind, open_envelope, seal_envelope
from accord.errors import TransportError
from accord.exchange import UNSIGNED, EnvelopeHeader, ItemPayload, Transmission, WireEnvelope
from accord.items import ItemContent, ItemKind, Precedence, binding_statement
from accord.markings import ConfidentialityLabel
from accord.node import IdentityCard, LabelRequest, NewItem, Node
from accord.store import (
    AttachmentRow,
    Event,
    InboxMessageRow,
    ItemRow,
    OutboxRow,
    QuarantineRow,
    ReceiptRow,
    format_stamp,
    read_events,
)


class Clock(Protocol):
    """The settable test clock (``tests/conftest.py``)."""

    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **kwargs: float) -> None: ...


class FederationLike(Protocol):
    """The shared ``federation`` fixture's value."""

    jpn: Node
    kor: Node
    agreement_id: str
    agreement_text: str
    clock: Clock


class Capture:
    """A PeerTransport that keeps what the sender posts and never reaches the peer.

    Blobs are swallowed (the peer never gets them); the transmission is kept and the
    sender is told the peer is unreachable, so its outbox rows stay pending.
    """

    def __init__(self) -> None:
        self.posted: list[bytes] = []
        self.blobs: dict[str, bytes] = {}

    def post_transmission(self, body: bytes) -> bytes:
        self.posted.append(body)
        raise TransportError("captured by the test")

    def blob_status(self, blob_id: str) -> int:
        return 0

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int:
        self.blobs[blob_id] = b"".join(pieces)
        return total


def report(
    node: Node,
    precedence: Precedence = Precedence.ROUTINE,
    *,
    attachments: tuple[Path, ...] = (),
    title: str = "launch report",
) -> str:
    """Create a report at JPN's ``node`` (by sato, 秘, releasable to KOR) and return its id."""
    view = node.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, title, "text", "Assessment"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], ["NO-THIRD-PARTY"]),
            precedence,
            attachments=list(attachments),
        ),
        actor="sato",
    )
    return view.id


def capture(sender: Node, peer: str, lane_name: str) -> Capture:
    """Run the sender's real delivery for one lane and keep the transmission it posts."""
    transport = Capture()
    result = sender.delivery.deliver_once(peer, lane_name, transport)
    assert result.error is not None
    assert "captured" in result.error
    assert len(transport.posted) == 1
    return transport


# --- forging ---------------------------------------------------------------------------


def card_of(holder: Node, node_id: str) -> IdentityCard:
    """The card ``holder`` has pinned for ``node_id``."""
    return next(c for c in holder.parties.all() if c.node_id == node_id)


def envelopes_of(body: bytes) -> list[WireEnvelope]:
    """The envelopes of a transmission, as sent."""
    return list(Transmission.parse(body).envelopes)


def open_item(receiver: Node, envelope: WireEnvelope) -> tuple[EnvelopeHeader, ItemPayload]:
    """Decrypt a captured envelope with the receiver's key (what a forger starts from)."""
    header = EnvelopeHeader.parse(envelope.header)
    keys = receiver.ctx.hpke_cnsa if header.suite is Suite.CNSA2 else receiver.ctx.hpke
    return header, ItemPayload.parse(open_envelope(header.suite, keys, envelope.header, envelope.ciphertext))


def rebind(
    signer: Node,
    payload: ItemPayload,
    *,
    label: ConfidentialityLabel | None = None,
    content: ItemContent | None = None,
) -> ItemPayload:
    """The payload with another label or content and a fresh, valid binding by ``signer``."""
    label = label or payload.label
    content = content or payload.content
    statement = binding_statement(
        item_id=payload.item_id,
        originator_node=payload.originator_node,
        label=label,
        content_sha384=content.sha384(),
        attachments=[a.ref for a in payload.attachments],
    )
    binding = bind(signer.ctx.keys, signer.config.node_id, statement)
    return dataclasses.replace(payload, label=label, content=content, binding=binding)


def seal_item(recipient: IdentityCard, header: EnvelopeHeader, payload: ItemPayload) -> WireEnvelope:
    """Seal a payload to the recipient's pinned key under the header's suite."""
    header_bytes = header.to_bytes()
    return WireEnvelope(
        header_bytes,
        seal_envelope(header.suite, recipient.hpke_public(header.suite), header_bytes, payload.to_bytes()),
    )


def fresh_header(header: EnvelopeHeader, **changes: object) -> EnvelopeHeader:
    """A copy of ``header`` with a new message id (and ``changes``)."""
    values: dict[str, object] = {"message_id": f"msg-{uuid.uuid4().hex}", **changes}
    return dataclasses.replace(header, **values)  # type: ignore[arg-type]


def sign(
    keys: SigningKeys,
    envelopes: list[WireEnvelope],
    *,
    sender: str,
    recipient: str,
    created: datetime,
) -> bytes:
    """A transmission of ``envelopes`` signed with ``keys``."""
    return (
        Transmission(
            id=f"tx-{uuid.uuid4().hex}",
            sender=sender,
            recipient=recipient,
            created=format_stamp(created),
            envelopes=tuple(envelopes),
            signature=UNSIGNED,
        )
        .signed_with(keys)
        .to_bytes()
    )


def mutate(body: bytes, change: Callable[[dict[str, object]], None]) -> bytes:
    """The transmission JSON after ``change`` (not re-signed)."""
    doc = json.loads(body)
    change(doc)
    return json.dumps(doc).encode("utf-8")


def flip(data: bytes, index: int) -> bytes:
    """``data`` with one bit flipped at ``index``."""
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


# --- state ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """What a receiver holds."""

    items: int
    inbox: int
    attachments: int
    quarantine: int


def holdings(node: Node) -> Holdings:
    """Count what ``node`` holds."""
    with node.ctx.db.transaction() as session:

        def count(table: type[object]) -> int:
            return session.scalar(select(func.count()).select_from(table)) or 0

        return Holdings(count(ItemRow), count(InboxMessageRow), count(AttachmentRow), count(QuarantineRow))


def quarantine(node: Node) -> list[QuarantineRow]:
    """Quarantine rows, oldest first."""
    return list(reversed(node.receiving.quarantine()))


def events(node: Node, action: str | None = None) -> list[Event]:
    """The journal (optionally one action), in order."""
    with node.ctx.db.transaction() as session:
        return list(read_events(session, action=action))


def outbox_rows(node: Node) -> list[OutboxRow]:
    """Every outbox row."""
    with node.ctx.db.transaction() as session:
        return list(session.scalars(select(OutboxRow).order_by(OutboxRow.created_at, OutboxRow.seq)))


def receipt_count(node: Node) -> int:
    """Stored receipts."""
    with node.ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(ReceiptRow)) or 0


def public_keys(node: Node) -> VerifyKeys:
    """A node's verification keys."""
    return node.ctx.keys.public()


def pieces_of(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` in pieces of ``size`` bytes."""
    for start in range(0, len(data), size):
        yield data[start : start + size]

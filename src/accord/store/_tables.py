"""SQLAlchemy 2 tables of a node.

Times are stored as RFC 3339 UTC text (``2016-11-23T09:00:00.000000Z``) so that every
backend stores and returns the same bytes — the journal's rows become ledger leaves
later and must hash the same on SQLite and PostgreSQL.

The journal is append-only: rows are never updated or deleted by Accord. ``seq`` orders
the events. It is not a gap-free counter: on PostgreSQL a rolled-back transaction still
consumes sequence values, so the Merkle ledger (a later issue) must number its leaves by
position in ``seq`` order, not by ``seq`` itself.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AgreementRow",
    "AgreementSignatureRow",
    "ApiTokenRow",
    "AttachmentRow",
    "Base",
    "InboxMessageRow",
    "ItemRow",
    "JournalRow",
    "LedgerCheckpointRow",
    "LedgerNodeRow",
    "NoteRow",
    "OutboxRow",
    "PartyRow",
    "PeerSequenceRow",
    "QuarantineRow",
    "ReceiptBatchRow",
    "ReceiptRow",
    "SealedContent",
    "UserRow",
]

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TIME = String(32)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations are stable."""

    metadata = MetaData(naming_convention=_NAMING)


class SealedContent:
    """The columns of content sealed at rest under a key of its own (ADR 0003): items, translations.

    ``marking_json`` is the marking the content carries, ``content_sealed`` the content sealed
    under its key, ``wrapped_key`` that key wrapped under the node's data key (erased when the
    content is destroyed, Art. 16) and ``content_sha384`` the digest of the content.
    """

    marking_json: Mapped[str] = mapped_column(Text)
    content_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha384: Mapped[str] = mapped_column(String(96))


class PartyRow(Base):
    """A partner node pinned from its identity card."""

    __tablename__ = "parties"
    node_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party: Mapped[str] = mapped_column(String(8), index=True)
    card_json: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(80))
    pinned_at: Mapped[str] = mapped_column(TIME)


class AgreementRow(Base):
    """An agreement as imported: its TOML text, exactly as signed."""

    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    toml_text: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(96))
    imported_at: Mapped[str] = mapped_column(TIME)


class AgreementSignatureRow(Base):
    """One party's signature over an agreement's digest."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (UniqueConstraint("agreement_id", "party"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"))
    party: Mapped[str] = mapped_column(String(8))
    node_id: Mapped[str] = mapped_column(String(64))
    signed_json: Mapped[str] = mapped_column(Text)


class NoteRow(Base):
    """A signed diplomatic note about an agreement's lifecycle."""

    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    party: Mapped[str] = mapped_column(String(8))
    note_date: Mapped[str] = mapped_column(String(10))
    signed_json: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[str] = mapped_column(TIME)


class UserRow(Base):
    """A person at this node, with a clearance in the node's own scheme."""

    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    scheme: Mapped[str] = mapped_column(String(8))
    clearance: Mapped[str] = mapped_column(String(64))
    ntk_json: Mapped[str] = mapped_column(Text)
    nationality: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[str] = mapped_column(TIME)
    # Authentication (0004): an argon2id PHC string, never the password; the count of
    # consecutive failed logins and, once it reached the limit, the end of the lockout.
    password_hash: Mapped[str | None] = mapped_column(Text, default=None)
    password_set_at: Mapped[str | None] = mapped_column(TIME, default=None)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[str | None] = mapped_column(TIME, default=None)
    # Access control (0005): the purposes of provision the person works for (Art. 6).
    purposes_json: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")


class ApiTokenRow(Base):
    """An API token of a user: only the SHA-256 of its secret is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(TIME)
    expires_at: Mapped[str] = mapped_column(TIME)
    revoked_at: Mapped[str | None] = mapped_column(TIME, default=None)
    last_used_at: Mapped[str | None] = mapped_column(TIME, default=None)


class ItemRow(SealedContent, Base):
    """An item: its marking, its content sealed at rest, and its binding."""

    __tablename__ = "items"
    # Access control (0005): listings group rows by marking shape and page through them in
    # precedence and time order from these indexes alone, without reading the sealed rows.
    __table_args__ = (
        Index("ix_items_access_shape", "access_key", "originator_party", "received_from", "status"),
        Index(
            "ix_items_listing_order",
            "precedence",
            "created_at",
            "id",
            "access_key",
            "originator_party",
            "received_from",
        ),
        # Search (0015): the columns a search filters, orders and decides on, so that the
        # rows its text index matched are narrowed without reading their sealed content.
        Index(
            "ix_items_search",
            "id",
            "status",
            "created_at",
            "access_key",
            "originator_party",
            "precedence",
            "kind",
        ),
        # The dashboard (0016): items received in a window, with what the readable condition reads.
        Index("ix_items_received", "received_at", "received_from", "access_key", "originator_party", "id"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    originator_party: Mapped[str] = mapped_column(String(8))
    originator_node: Mapped[str] = mapped_column(String(64))
    precedence: Mapped[str] = mapped_column(String(16))
    binding_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(TIME, index=True)
    status: Mapped[str] = mapped_column(String(16))
    received_from: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[str | None] = mapped_column(TIME)
    # Access control (0005): the SHA-256 of what the decision point reads of the marking
    # (see AccessKeyRow), so a listing filters without reading or parsing every label.
    access_key: Mapped[str | None] = mapped_column(String(64), default=None)


class AttachmentRow(Base):
    """One attachment of an item, stored encrypted in the blob store."""

    __tablename__ = "attachments"
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha384: Mapped[str] = mapped_column(String(96))
    blob_id: Mapped[str] = mapped_column(String(96))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class JournalRow(Base):
    """One security-relevant event: who, what, when, which item, outcome."""

    __tablename__ = "journal"
    # The dashboard (0016): refusals journalled in a window, by action.
    __table_args__ = (Index("ix_journal_refusals", "outcome", "at", "action"),)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(TIME)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48), index=True)
    item_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail_json: Mapped[str] = mapped_column(Text)
    # The ledger (0006): the row's leaf index in the Merkle tree, set when it is sealed;
    # leaves are numbered in the order rows are sealed, not by ``seq`` (see the docstring).
    leaf: Mapped[int | None] = mapped_column(BigInteger, default=None, unique=True, index=True)


class OutboxRow(Base):
    """An envelope waiting for (or done with) delivery to one peer node.

    Rows are never deleted: a receipted envelope stays as the dissemination record.
    """

    __tablename__ = "outbox"
    # The dashboard (0016): item envelopes sealed in a window, their party and receipt time.
    __table_args__ = (
        Index(
            "ix_outbox_exchange", "kind", "created_at", "item_id", "peer_party", "precedence", "receipted_at"
        ),
    )
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    peer: Mapped[str] = mapped_column(String(64), index=True)
    peer_party: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    # The envelope's type, as in its header (0013): the dissemination record is read by
    # kind (an item, a notice about it, a control message) without parsing stored headers.
    kind: Mapped[str] = mapped_column(String(32))
    agreement_id: Mapped[str] = mapped_column(String(100))
    precedence: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)
    lane: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    header: Mapped[bytes] = mapped_column(LargeBinary)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(96))
    blobs_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[str] = mapped_column(TIME)
    last_error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(TIME)
    sent_by: Mapped[str] = mapped_column(String(64))
    receipted_at: Mapped[str | None] = mapped_column(TIME)


class PeerSequenceRow(Base):
    """The last per-peer sequence number used (outgoing) or seen (incoming)."""

    __tablename__ = "peer_sequences"
    peer: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class InboxMessageRow(Base):
    """An envelope accepted from a peer, with the receipt we gave for it (idempotency)."""

    __tablename__ = "inbox_messages"
    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(96))
    seq: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    precedence: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[str] = mapped_column(TIME)
    receipt_json: Mapped[str] = mapped_column(Text)


class ReceiptBatchRow(Base):
    """A signed receipt batch as a peer returned it (one row per batch, not per receipt)."""

    __tablename__ = "receipt_batches"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    peer: Mapped[str] = mapped_column(String(64))
    transmission_id: Mapped[str] = mapped_column(String(64))
    batch_json: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[str] = mapped_column(TIME)


class ReceiptRow(Base):
    """A signed receipt a peer gave for one of our envelopes; its signature is on its batch."""

    __tablename__ = "receipts"
    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    peer: Mapped[str] = mapped_column(String(64))
    receipt_json: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[str] = mapped_column(ForeignKey("receipt_batches.id"), index=True)
    stored_at: Mapped[str] = mapped_column(TIME)


class QuarantineRow(Base):
    """Something a peer sent that was rejected, kept for the officer with the precise reason."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(TIME, index=True)  # the dashboard's window (0016)
    peer: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))


class AccessKeyRow(Base):
    """What the decision point reads of a marking (labels without times and issuers), once per shape."""

    __tablename__ = "access_keys"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(Text)


class ConsentRow(Base):
    """A request for the originator's prior written consent to a third-party release (Art. 6).

    ``direction`` is ``"out"`` at the holder that asked and ``"in"`` at the originator that
    decides. ``status``: pending, approved, denied or revoked. An approval keeps the signed
    token; a revocation keeps the signed revocation.
    """

    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    content_sha384: Mapped[str] = mapped_column(String(96))
    originator_node: Mapped[str] = mapped_column(String(64))
    holder_party: Mapped[str] = mapped_column(String(8))
    holder_node: Mapped[str] = mapped_column(String(64))
    third_party: Mapped[str] = mapped_column(String(8))
    purpose: Mapped[str] = mapped_column(Text)
    request_json: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[str] = mapped_column(TIME)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64), default=None)
    decided_at: Mapped[str | None] = mapped_column(TIME, default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    token_id: Mapped[str | None] = mapped_column(String(64), default=None, unique=True, index=True)
    token_json: Mapped[str | None] = mapped_column(Text, default=None)
    expires_at: Mapped[str | None] = mapped_column(TIME, default=None)
    revoked_at: Mapped[str | None] = mapped_column(TIME, default=None)
    revocation_json: Mapped[str | None] = mapped_column(Text, default=None)


class ItemNoticeRow(Base):
    """A classification change the originator signed (downgrade or declassification, Art. 6)."""

    __tablename__ = "item_notices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    notice_json: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[str] = mapped_column(TIME)
    applied_at: Mapped[str] = mapped_column(TIME)
    received_from: Mapped[str | None] = mapped_column(String(64), default=None)


class LedgerNodeRow(Base):
    """A hash of the ledger's Merkle tree: the perfect subtree of 2^level leaves from leaf idx·2^level.

    Level 0 holds the leaf hashes (RFC 9162 §2.1.1). Rows are only ever added
    (:mod:`accord.ledger._store`); SQLite keeps them in the primary key's b-tree itself
    (``WITHOUT ROWID``), so each node is written once, not to a table and an index.
    """

    __tablename__ = "ledger_nodes"
    __table_args__ = ({"sqlite_with_rowid": False},)
    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerCheckpointRow(Base):
    """A checkpoint the node signed: the ledger held ``size`` leaves with root ``root`` at ``time``."""

    __tablename__ = "ledger_checkpoints"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[str] = mapped_column(String(64))
    time: Mapped[str] = mapped_column(TIME)
    origin: Mapped[str] = mapped_column(String(64))
    signature_json: Mapped[str] = mapped_column(Text)

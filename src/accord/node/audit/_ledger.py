"""The tamper-evident ledger at the node: sealing the journal, signed checkpoints, proofs.

Every journal row becomes a leaf of an RFC 9162 Merkle tree (:mod:`accord.ledger`) when it
is *sealed*: :meth:`LedgerService.seal` numbers the rows not sealed yet as the next
leaves (in ``seq`` order), stores the tree's new nodes (:class:`~accord.store.SqlHashStore`)
and a :class:`SignedCheckpoint` — the tree's size and root at a time, signed with both the
node's signature keys (Ed25519 and ML-DSA-65) — all in one transaction. The node seals every
second while it serves (:class:`~accord.node.DeliveryWorker`) and after a FLASH event.

Invariants:

* leaves, nodes and checkpoints are only ever added; a leaf number is given once;
* the tree's size equals the size of the latest checkpoint after every seal (they are
  written in one transaction); a seal refuses to build on a ledger where they differ;
* a leaf's data is :func:`~accord.store.leaf_data` of its row: the event's canonical JSON.

An :class:`InclusionProof` carries the event, its leaf index, the latest signed checkpoint
(in Accord's JSON form and as a C2SP tlog-checkpoint signed note) and the audit path;
:func:`check_proof` checks it with the node's public identity card alone.
:meth:`LedgerService.note` hands out a checkpoint as a signed note, with the partners'
C2SP cosignatures of it (:mod:`accord.exchange._checkpoint_notes`).
:meth:`LedgerService.verify` recomputes everything from the journal
(:mod:`accord.node.audit._ledger_verify`).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.canonical import canonical_json, format_time, loads_object
from accord.crypto import DualSignature, VerifyKeys
from accord.errors import IntegrityError, InvalidInput, NotFound, VerificationFailed
from accord.exchange import (
    Countersignature,
    IdentityCard,
    checkpoint_vkeys,
    cosigner_vkeys,
    sign_checkpoint_note,
    verify_checkpoint_note,
)
from accord.ledger import HASH_SIZE, Checkpoint, HashStore, MerkleTree, leaf_hash, verify_inclusion
from accord.node.audit._ledger_verify import CHECKPOINT_PURPOSE, Finding, VerifyReport, verify_ledger
from accord.node.core._context import NodeContext
from accord.store import (
    JournalRow,
    LedgerCheckpointRow,
    SqlHashStore,
    WitnessAlarmRow,
    WitnessCountersignatureRow,
    append_event,
    assign_leaves,
    format_stamp,
    leaf_data,
    lock_ledger,
    pending_leaves,
    read_snapshot,
    sealed_rows,
)

__all__ = [
    "CHECKPOINT_PURPOSE",
    "PROOF_TYPE",
    "Finding",
    "InclusionProof",
    "LedgerService",
    "SignedCheckpoint",
    "VerifyReport",
    "check_proof",
    "note_vkeys",
]

PROOF_TYPE = "accord-inclusion-proof"
PROOF_VERSION = 1
SEAL_BATCH = 65_536
"""Most rows one seal transaction takes; a backlog is sealed in several (one checkpoint each)."""
_OPTIMISTIC_TRIES = 3
_PROOF_KEYS = frozenset({"type", "v", "leaf_index", "leaf", "checkpoint", "signature", "path"})
_PROOF_NOTE = "checkpoint_note"
"""The proof's optional key: the checkpoint as a C2SP signed note (proofs made before have none)."""
_MAX_COSIGNERS = 15
"""Cosignatures put on a note (two lines each, after the node's two: 32, C2SP's ``MAX_NOTE_SIGNATURES``)."""
_SIGNED_KEYS = frozenset({"checkpoint", "signature"})
DAMAGED = "damaged"
"""The kind of the alarm a seal raises when it refuses a damaged ledger (``accord ledger alarms``)."""
log = logging.getLogger("accord.ledger")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A :class:`~accord.ledger.Checkpoint` and the node's dual signature over its statement."""

    checkpoint: Checkpoint
    signature: DualSignature

    def verify(self, keys: VerifyKeys) -> None:
        """Check the signature with the node's public keys (both halves must verify).

        Raises:
            VerificationFailed: the signature is not the keys' over this statement.
        """
        keys.verify(CHECKPOINT_PURPOSE, self.checkpoint.statement(), self.signature)

    def to_dict(self) -> dict[str, object]:
        """``{"checkpoint": statement as JSON, "signature": {"ed25519", "mldsa65"}}``."""
        return {"checkpoint": self.checkpoint.to_dict(), "signature": self.signature.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SignedCheckpoint:
        """Parse :meth:`to_dict` output strictly (the signature is not checked here).

        Raises:
            InvalidInput: keys missing or unknown, or a malformed checkpoint or signature.
        """
        if set(data) != _SIGNED_KEYS:
            raise InvalidInput(f"a signed checkpoint has exactly the keys {sorted(_SIGNED_KEYS)}")
        checkpoint, signature = data["checkpoint"], data["signature"]
        if not isinstance(checkpoint, dict) or not isinstance(signature, dict):
            raise InvalidInput("a signed checkpoint's checkpoint and signature are objects")
        return cls(Checkpoint.from_dict(checkpoint), DualSignature.from_dict(signature))

    @classmethod
    def from_row(cls, row: LedgerCheckpointRow) -> SignedCheckpoint:
        """The checkpoint a ``ledger_checkpoints`` row holds (the signature is not checked here).

        Raises:
            InvalidInput: the row does not hold a well-formed checkpoint and signature.
        """
        try:
            root = bytes.fromhex(row.root)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"checkpoint of size {row.size}: its root is not hex") from exc
        checkpoint = Checkpoint(row.origin, row.size, root, row.time)
        return cls(
            checkpoint, DualSignature.from_dict(loads_object(row.signature_json, "a checkpoint signature"))
        )

    def to_row(self) -> LedgerCheckpointRow:
        """The row that stores it."""
        cp = self.checkpoint
        return LedgerCheckpointRow(
            size=cp.size,
            root=cp.root.hex(),
            time=cp.timestamp,
            origin=cp.origin,
            signature_json=canonical_json(self.signature.to_dict()).decode("ascii"),
        )


@dataclass(frozen=True)
class InclusionProof:
    """Evidence that one journal event is leaf ``leaf_index`` of a node's signed ledger.

    Attributes:
        leaf_index: The event's leaf number (0-based).
        leaf: The leaf data: the event's canonical JSON bytes (:func:`~accord.store.leaf_data`).
        signed: The node's latest signed checkpoint when the proof was made.
        path: The audit path of RFC 9162 §2.1.3.1, from the leaf up.
        note: The same checkpoint as a C2SP tlog-checkpoint signed note (with the partners'
            cosignatures the node held), for transparency-log tools; None in proofs made
            before notes were added.
    """

    leaf_index: int
    leaf: bytes
    signed: SignedCheckpoint
    path: tuple[bytes, ...]
    note: str | None = None

    @property
    def event(self) -> dict[str, object]:
        """The event the leaf stands for, as a JSON object."""
        return loads_object(self.leaf, "the proof's leaf")

    def verify(self, keys: VerifyKeys) -> None:
        """Check the checkpoint's signature, then the audit path to its root (RFC 9162 §2.1.3.2).

        A proof that carries the checkpoint's note must carry one the node signed, of the
        same checkpoint (:func:`~accord.exchange.verify_checkpoint_note`).

        Raises:
            VerificationFailed: the checkpoint or its note is not signed by ``keys``, the note
                states another checkpoint, or the event is not that leaf of that tree.
            InvalidInput: the note is not a signed checkpoint note.
        """
        self.signed.verify(keys)
        checkpoint = self.signed.checkpoint
        if self.note is not None:
            stated, _ = verify_checkpoint_note(self.note, checkpoint.origin, keys)
            if stated != checkpoint:
                raise VerificationFailed("the proof's checkpoint note states another checkpoint")
        verify_inclusion(leaf_hash(self.leaf), self.leaf_index, checkpoint.size, self.path, checkpoint.root)

    def to_dict(self) -> dict[str, object]:
        """The proof as a JSON object; ``leaf`` is the event's canonical JSON as text."""
        out: dict[str, object] = {
            "type": PROOF_TYPE,
            "v": PROOF_VERSION,
            "leaf_index": self.leaf_index,
            "leaf": self.leaf.decode("utf-8"),
            "checkpoint": self.signed.checkpoint.to_dict(),
            "signature": self.signed.signature.to_dict(),
            "path": [node.hex() for node in self.path],
        }
        if self.note is not None:
            out[_PROOF_NOTE] = self.note
        return out

    def to_json(self) -> str:
        """The proof file's text (indented JSON, one key per line, for a reader)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> InclusionProof:
        """Parse a proof file strictly (nothing is verified here: see :meth:`verify`).

        Raises:
            InvalidInput: not a proof of this version, or a field is malformed.
        """
        data = loads_object(text, "an inclusion proof")
        if set(data) - {_PROOF_NOTE} != _PROOF_KEYS:
            raise InvalidInput(
                f"an inclusion proof has exactly the keys {sorted(_PROOF_KEYS)}, and optionally {_PROOF_NOTE}"
            )
        note = data.get(_PROOF_NOTE)
        if note is not None and not isinstance(note, str):
            raise InvalidInput(f"an inclusion proof's {_PROOF_NOTE} is the text of a signed note")
        if data["type"] != PROOF_TYPE or data["v"] != PROOF_VERSION or isinstance(data["v"], bool):
            raise InvalidInput(f"not an {PROOF_TYPE} version {PROOF_VERSION}")
        index, leaf, path = data["leaf_index"], data["leaf"], data["path"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidInput("an inclusion proof's leaf_index is a leaf number")
        if not isinstance(leaf, str):
            raise InvalidInput("an inclusion proof's leaf is the event's JSON text")
        if not isinstance(path, list) or not all(_is_hash_hex(node) for node in path):
            raise InvalidInput(f"an inclusion proof's path is a list of {HASH_SIZE}-byte hashes in hex")
        signed = SignedCheckpoint.from_dict(
            {"checkpoint": data["checkpoint"], "signature": data["signature"]}
        )
        proof = cls(index, leaf.encode("utf-8"), signed, tuple(bytes.fromhex(node) for node in path), note)
        _ = proof.event  # the leaf must be an event: a JSON object
        return proof


def _is_hash_hex(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 2 * HASH_SIZE and set(value) <= frozenset("0123456789abcdef")
    )


def note_vkeys(card: IdentityCard) -> dict[str, str]:
    """The C2SP verifier keys (vkeys) of a node's checkpoint notes and cosignatures, from its card.

    ``checkpoint`` (type ``0x01``) and ``cosignature`` (type ``0x04``) are what any
    transparency-log tool is configured with; the ``-mldsa65`` ones are Accord's second lines.
    """
    checkpoint = checkpoint_vkeys(card.node_id, card.signing_keys)
    cosignature = cosigner_vkeys(card.node_id, card.signing_keys)
    return {
        "checkpoint": checkpoint[0],
        "checkpoint-mldsa65": checkpoint[1],
        "cosignature": cosignature[0],
        "cosignature-mldsa65": cosignature[1],
    }


def check_proof(proof_text: str | bytes, card_text: str | bytes) -> InclusionProof:
    """Check an inclusion proof with the node's public identity card only (no node, no database).

    The card's self-signature is verified (:meth:`IdentityCard.parse`); the proof's
    checkpoint must name the card's node and carry that node's dual signature (and so must
    its signed note, when the proof carries one, stating the same checkpoint); the audit
    path must lead from the event to the checkpoint's root. Whether the card is the node's
    true card is the reader's to establish (its fingerprint, out of band).

    Returns:
        The verified proof (its :attr:`~InclusionProof.event` is what is proven).

    Raises:
        InvalidInput: the proof or the card is malformed.
        VerificationFailed: the card, the checkpoint's signature or the audit path does not
            verify, or the proof comes from another node than the card's.
    """
    card = IdentityCard.parse(card_text)
    proof = InclusionProof.from_json(proof_text)
    origin = proof.signed.checkpoint.origin
    if origin != card.node_id:
        raise VerificationFailed(f"the proof is about the ledger of {origin}, the card is of {card.node_id}")
    proof.verify(card.signing_keys)
    return proof


class _Overlay:
    """A :class:`HashStore` that reads through to another and keeps the writes in memory.

    A seal computes its nodes and root in a read transaction (no write lock held) and
    writes them afterwards.
    """

    def __init__(self, base: HashStore) -> None:
        self._base = base
        self._size = base.size()
        self._new: dict[tuple[int, int], bytes] = {}
        self.writes: list[tuple[int, int, bytes]] = []

    def get(self, level: int, index: int) -> bytes:
        found = self._new.get((level, index))
        return found if found is not None else self._base.get(level, index)

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        for level, index, digest in items:
            self._new[level, index] = digest
            self.writes.append((level, index, digest))
            self._size += level == 0

    def size(self) -> int:
        return self._size


class _Damaged(IntegrityError):
    """A seal refused to build on the ledger: what it held and what the stored tree gives."""

    def __init__(self, reason: str, held: Mapping[str, object] | None, tree: Mapping[str, object]) -> None:
        super().__init__(f"{reason}: not sealing over it (run `accord ledger verify`)")
        self.reason = reason
        self.held = held
        self.tree = tree


@dataclass(frozen=True)
class _Batch:
    start: int
    seqs: list[int]
    writes: list[tuple[int, int, bytes]]
    checkpoint: Checkpoint


class LedgerService:
    """Seals the journal into the Merkle ledger, signs checkpoints, proves and verifies."""

    def __init__(self, ctx: NodeContext) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx

    # --- sealing -------------------------------------------------------------------------------

    def seal(self, *, urgent: bool = False) -> SignedCheckpoint | None:
        """Seal every journal row not sealed yet; return the new checkpoint, or None if none was new.

        Rows become leaves in ``seq`` order; each transaction takes at most
        :data:`SEAL_BATCH` rows and stores their leaf numbers, the tree's new nodes and a
        signed checkpoint together. ``urgent`` (after a FLASH event) takes the write lock
        ahead of routine work. Safe to call from several threads or processes: sealers are
        serialised by the database.

        Raises:
            IntegrityError: the ledger's tree and its latest checkpoint disagree, or a row
                holds a leaf number beyond them (tampering: run ``accord ledger verify``).
            StorageError: the database failed (nothing is sealed by the failed transaction).
        """
        last: SignedCheckpoint | None = None
        while True:
            try:
                sealed = self._seal_batch(urgent)
            except _Damaged as exc:
                self._raise_alarm(exc)
                raise
            if sealed is None:
                break
            last, count = sealed
            if count < SEAL_BATCH:
                break
        return last

    def _raise_alarm(self, damaged: _Damaged) -> None:
        """Journal a refused seal and keep it as an alarm (once per distinct damage: serve retries)."""
        me = self._ctx.config.node_id
        with self._ctx.db.transaction() as session:
            known = session.scalar(
                select(func.count())
                .select_from(WitnessAlarmRow)
                .where(
                    WitnessAlarmRow.origin == me,
                    WitnessAlarmRow.kind == DAMAGED,
                    WitnessAlarmRow.reason == damaged.reason,
                )
            )
            if known:
                return
            now = self._ctx.now()
            held, tree = dict(damaged.held or {}), dict(damaged.tree)
            session.add(
                WitnessAlarmRow(
                    origin=me,
                    kind=DAMAGED,
                    reason=damaged.reason,
                    held_json=json.dumps(held or None, sort_keys=True),
                    presented_json=json.dumps(tree, sort_keys=True),
                    message_id="",
                    detected_at=format_stamp(now),
                )
            )
            append_event(
                session,
                at=now,
                actor="ledger",
                action="ledger.seal",
                outcome="alarm",
                detail={"reason": damaged.reason, "held": held or None, "tree": tree},
            )
        log.error("LEDGER DAMAGED at %s: %s; not sealing (accord ledger verify)", me, damaged.reason)

    def _seal_batch(self, urgent: bool) -> tuple[SignedCheckpoint, int] | None:
        db = self._ctx.db
        # Optimistic: hash and sign without the write lock (a WAL read snapshot), so journal
        # writers wait only for the inserts; redo if another sealer got in between.
        for _ in range(_OPTIMISTIC_TRIES):
            with db.transaction(read_only=True) as session:
                read_snapshot(session)
                batch = self._prepare(session)
            if batch is None:
                return None
            signed = self._sign(batch.checkpoint)
            with db.transaction(urgent=urgent) as session:
                lock_ledger(session)
                if self._head(session) == (batch.start, batch.start):
                    self._write(session, batch, signed)
                    return signed, len(batch.seqs)
        with db.transaction(urgent=urgent) as session:
            lock_ledger(session)
            batch = self._prepare(session)
            if batch is None:
                return None
            signed = self._sign(batch.checkpoint)
            self._write(session, batch, signed)
            return signed, len(batch.seqs)

    @staticmethod
    def _head(session: Session) -> tuple[int, int]:
        """(leaves in the tree, size of the latest checkpoint)."""
        latest = session.execute(select(func.max(LedgerCheckpointRow.size))).scalar()
        return SqlHashStore(session).size(), int(latest or 0)

    def _prepare(self, session: Session) -> _Batch | None:
        start, covered = self._head(session)
        held = self._held(session, covered)
        if start != covered:
            raise _Damaged(
                f"the ledger holds {start} leaves but its latest checkpoint covers {covered}",
                None if held is None else held.to_dict(),
                {"size": start},
            )
        beyond = session.execute(select(func.max(JournalRow.leaf))).scalar()
        if beyond is not None and beyond >= start:
            raise _Damaged(
                f"a journal row holds leaf {beyond} but the ledger has {start} leaves",
                None if held is None else held.to_dict(),
                {"size": start, "leaf": int(beyond)},
            )
        rows = pending_leaves(session, SEAL_BATCH)
        if not rows:
            return None
        if held is not None:
            self._check_right_edge(session, held)
        overlay = _Overlay(SqlHashStore(session))
        tree = MerkleTree(overlay)
        tree.append_leaf_hashes([leaf_hash(data) for _, data in rows])
        checkpoint = Checkpoint(
            origin=self._ctx.config.node_id,
            size=tree.size(),
            root=tree.root(),
            timestamp=format_time(self._ctx.now()),
        )
        return _Batch(start, [seq for seq, _ in rows], overlay.writes, checkpoint)

    @staticmethod
    def _held(session: Session, size: int) -> SignedCheckpoint | None:
        """The latest checkpoint (of ``size`` leaves), or None before the first seal.

        Raises:
            _Damaged: it is malformed.
        """
        row = session.scalars(select(LedgerCheckpointRow).where(LedgerCheckpointRow.size == size)).first()
        if row is None:
            return None
        try:
            return SignedCheckpoint.from_row(row)
        except InvalidInput as exc:
            raise _Damaged(f"the latest checkpoint ({size} leaves) is malformed: {exc}", None, {}) from exc

    def _check_right_edge(self, session: Session, held: SignedCheckpoint) -> None:
        """Refuse unless the stored nodes a seal builds on give the latest signed root.

        Appending reads only the right edge of the tree (the perfect subtrees of the binary
        digits of its size, RFC 9162 §2.1.1), and exactly those give the root of that size:
        recomputing it checks every stored hash the new checkpoint would vouch for. Checking
        sizes alone would sign a new root over a corrupted node.

        Raises:
            _Damaged: the latest checkpoint is not this node's signature, or the stored tree
                no longer gives its root.
        """
        signed = held.checkpoint
        try:
            held.verify(self._ctx.keys.public())
        except VerificationFailed as exc:
            raise _Damaged(
                f"the latest checkpoint ({signed.size} leaves) does not carry this node's signature",
                held.to_dict(),
                {"size": signed.size},
            ) from exc
        if signed.origin != self._ctx.config.node_id:
            raise _Damaged(
                f"the latest checkpoint ({signed.size} leaves) names the node {signed.origin!r}",
                held.to_dict(),
                {"size": signed.size},
            )
        try:
            root: bytes | None = MerkleTree(SqlHashStore(session)).root(signed.size)
        except IntegrityError:
            root = None
        if root != signed.root:
            found = "lacks a node" if root is None else f"gives the root {root.hex()}"
            raise _Damaged(
                f"the stored tree of {signed.size} leaves {found}, not the signed root "
                f"{signed.root.hex()}: a tree node it builds on was altered or deleted",
                held.to_dict(),
                {"size": signed.size, "root": None if root is None else root.hex()},
            )

    def _sign(self, checkpoint: Checkpoint) -> SignedCheckpoint:
        return SignedCheckpoint(checkpoint, self._ctx.keys.sign(CHECKPOINT_PURPOSE, checkpoint.statement()))

    @staticmethod
    def _write(session: Session, batch: _Batch, signed: SignedCheckpoint) -> None:
        assign_leaves(session, batch.seqs, batch.start)
        SqlHashStore(session).put_many(batch.writes)
        session.add(signed.to_row())

    # --- reading -------------------------------------------------------------------------------

    def size(self) -> int:
        """The number of sealed leaves."""
        with self._ctx.db.transaction(read_only=True) as session:
            return SqlHashStore(session).size()

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The newest signed checkpoint, or None before the first seal.

        Raises:
            InvalidInput: the stored checkpoint is malformed (tampering).
        """
        found = self.checkpoints(limit=1)
        return found[0] if found else None

    def checkpoints(self, *, limit: int = 20) -> list[SignedCheckpoint]:
        """The newest ``limit`` signed checkpoints, newest first.

        Raises:
            InvalidInput: a stored checkpoint is malformed (tampering).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            rows = session.scalars(
                select(LedgerCheckpointRow).order_by(LedgerCheckpointRow.size.desc()).limit(max(limit, 0))
            )
            return [SignedCheckpoint.from_row(row) for row in rows]

    def prove(self, seq: int, *, actor: str) -> InclusionProof:
        """An inclusion proof of journal event ``seq`` in the latest signed checkpoint.

        Seals first, so that a fresh event can be proven at once. The proof is checked
        before it is handed out, and the disclosure is journalled (``ledger.prove``).

        Raises:
            NotFound: no journal event ``seq``.
            IntegrityError: the event or the ledger was altered: the proof would not verify.
        """
        # A damaged ledger is not sealed over; what it holds is still proven, or refused, below.
        with contextlib.suppress(IntegrityError):
            self.seal()
        with self._ctx.work(actor, "ledger.prove", detail={"seq": seq}) as session:
            found = session.execute(
                select(
                    JournalRow.leaf,
                    JournalRow.seq,
                    JournalRow.at,
                    JournalRow.actor,
                    JournalRow.action,
                    JournalRow.item_id,
                    JournalRow.outcome,
                    JournalRow.detail_json,
                ).where(JournalRow.seq == seq)
            ).first()
            if found is None:
                raise NotFound(f"no journal event {seq}")
            row = session.scalars(
                select(LedgerCheckpointRow).order_by(LedgerCheckpointRow.size.desc()).limit(1)
            ).first()
            leaf = found[0]
            if row is None or leaf is None:
                raise NotFound(f"journal event {seq} is not sealed into the ledger yet")
            try:
                signed = SignedCheckpoint.from_row(row)
            except InvalidInput as exc:
                raise IntegrityError(f"the latest checkpoint is damaged: {exc}") from exc
            if leaf >= signed.checkpoint.size:
                raise IntegrityError(f"journal event {seq} claims leaf {leaf}, beyond the signed ledger")
            path = MerkleTree(SqlHashStore(session)).inclusion_proof(leaf, signed.checkpoint.size)
            note = self._note(session, signed)
            proof = InclusionProof(leaf, leaf_data(*found[1:]), signed, tuple(path), note)
            try:
                proof.verify(self._ctx.keys.public())
            except VerificationFailed as exc:
                raise IntegrityError(
                    f"journal event {seq} does not match the signed ledger ({exc}): "
                    "run `accord ledger verify`"
                ) from exc
            append_event(
                session,
                at=self._ctx.now(),
                actor=actor,
                action="ledger.prove",
                outcome="ok",
                detail={"seq": seq, "leaf": leaf, "size": signed.checkpoint.size},
            )
            return proof

    def note(self, size: int | None = None) -> str:
        """A signed checkpoint as a C2SP tlog-checkpoint signed note, with its cosignatures.

        The note is signed now, over the checkpoint stored at ``size`` (the latest when
        None), once that checkpoint's own dual signature has been checked: a damaged row is
        not signed again in another form. The partners' C2SP cosignatures of that
        checkpoint that this node holds follow the node's two signature lines.

        Raises:
            NotFound: no checkpoint (of that size).
            IntegrityError: the stored checkpoint is malformed or does not carry this node's
                signature (run ``accord ledger verify``).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            query = select(LedgerCheckpointRow)
            if size is None:
                query = query.order_by(LedgerCheckpointRow.size.desc()).limit(1)
            else:
                query = query.where(LedgerCheckpointRow.size == size)
            row = session.scalars(query).first()
            if row is None:
                raise NotFound(
                    "no signed checkpoint yet" if size is None else f"no checkpoint of {size} leaves"
                )
            try:
                signed = SignedCheckpoint.from_row(row)
            except InvalidInput as exc:
                raise IntegrityError(f"the checkpoint of {row.size} leaves is damaged: {exc}") from exc
            return self._note(session, signed)

    def _note(self, session: Session, signed: SignedCheckpoint) -> str:
        checkpoint = signed.checkpoint
        try:
            signed.verify(self._ctx.keys.public())
        except VerificationFailed as exc:
            raise IntegrityError(
                f"the checkpoint of {checkpoint.size} leaves does not carry this node's signature: "
                "run `accord ledger verify`"
            ) from exc
        note = sign_checkpoint_note(self._ctx.keys, checkpoint)
        rows = session.scalars(
            select(WitnessCountersignatureRow)
            .where(WitnessCountersignatureRow.size == checkpoint.size)
            .order_by(WitnessCountersignatureRow.witness)
            .limit(_MAX_COSIGNERS)
        )
        for row in rows:
            try:
                counter = Countersignature.parse(row.countersignature_json)
            except InvalidInput as exc:
                # Stored evidence damaged: the note goes out without it, and the operator is told.
                log.warning("countersignature of %s for size %s is damaged: %s", row.witness, row.size, exc)
                continue
            # A partner on the first form sent no C2SP cosignature; one of another
            # checkpoint of this size cannot be (the origin checks it on receipt).
            if counter.cosignature is not None and counter.checkpoint == checkpoint:
                note = note.with_signatures(*counter.cosignature)
        return note.encode()

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1 from the stored tree.

        Raises:
            InvalidInput: the sizes are not ``0 <= old_size <= new_size <= size()``.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            read_snapshot(session)
            return MerkleTree(SqlHashStore(session)).consistency_proof(old_size, new_size)

    def leaves(self, start: int, end: int) -> list[bytes]:
        """The leaf data of leaves [start, end): the events' canonical JSON (:func:`~accord.store.leaf_data`).

        Raises:
            InvalidInput: not ``0 <= start <= end <= size()``, or more than :data:`SEAL_BATCH` leaves.
            IntegrityError: a leaf in the range is held by no journal row, or by several (run
                ``accord ledger verify``).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            read_snapshot(session)
            size = SqlHashStore(session).size()
            if not 0 <= start <= end <= size:
                raise InvalidInput(f"leaves {start} to {end}: the ledger holds leaves 0 to {size}")
            if end - start > SEAL_BATCH:
                raise InvalidInput(f"at most {SEAL_BATCH} leaves at a time")
            rows = sealed_rows(session, start, end)
        if [row.leaf for row in rows] != list(range(start, end)):
            raise IntegrityError(
                f"leaves {start} to {end}: not one journal row per leaf (run `accord ledger verify`)"
            )
        return [row.data for row in rows]

    # --- verifying -----------------------------------------------------------------------------

    def verify(self, *, actor: str, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
        """Recompute the whole ledger from the journal and report every difference.

        Reads one snapshot; changes nothing but journals the check (``ledger.verify``,
        outcome ``ok`` or ``failed`` with the first finding). ``progress(done, total)`` is
        called as leaves are checked. See :mod:`accord.node.audit._ledger_verify` for what is
        checked and how each kind of tampering shows.

        Raises:
            StorageError: the database failed.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            read_snapshot(session)
            report = verify_ledger(
                session,
                keys=self._ctx.keys.public(),
                origin=self._ctx.config.node_id,
                strict_order=self._ctx.db.dialect == "sqlite",
                progress=progress,
            )
        first = report.first
        detail: dict[str, object] = {"leaves": report.leaves, "checkpoints": report.checkpoints}
        if first is not None:
            detail.update(first=first.index, kind=first.kind, reason=first.message, findings=report.count)
        with self._ctx.db.transaction() as session:
            append_event(
                session,
                at=self._ctx.now(),
                actor=actor,
                action="ledger.verify",
                outcome="ok" if report.ok else "failed",
                detail=detail,
            )
        return report

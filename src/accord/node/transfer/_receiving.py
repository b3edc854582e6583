"""Receiving: verify, decrypt, re-check the agreement, hold, receipt (GSOMIA Arts. 4, 9–12).

For each transmission: the sender must be a pinned node, the transmission addressed to
us and signed by the sender over every envelope digest. Then, for each envelope, in a
savepoint of one transaction (a bad envelope costs only itself):

1. the header names the same sender and us; unless seen before (2.), it is neither
   stale nor from the future;
2. a message id seen before with the same digest gets the same receipt again
   (idempotent, even once it is older than the age limit); with another digest it is
   a replay and is refused;
3. the payload opens with our HPKE key for the suite the agreement requires;
4. the agreement is checked with **our** copy and **our** clock: imported, in force,
   both parties in it; the originator's binding verifies with its pinned keys;
5. the label is in scope: we are in *Releasable To*, its level has an equivalent in our
   scheme (Art. 4), its topics are in the agreement's topic scope;
6. every attachment has arrived complete and decrypts to its bound digest;
7. the holding is stored with the originator's label untouched and our alternative label
   added, sealed under a new item key; journal entry; receipt.
8. an item passed on to us under the originator's consent is acknowledged to the
   originator too: a signed ``consent-receipt`` goes in our outbox in the same
   transaction, so the originator's dissemination record names us as a holder (Art. 6).

Anything refused is journalled with its precise reason and kept in quarantine for the
officer; the peer only learns that the envelope (or transmission) was rejected.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement, Status
from accord.canonical import format_time, parse_time
from accord.crypto import (
    Sha384Stream,
    Suite,
    new_data_key,
    open_envelope,
    verify_binding,
)
from accord.errors import (
    AccordError,
    AgreementStateError,
    Conflict,
    IntegrityError,
    InvalidInput,
    PolicyDenied,
    VerificationFailed,
)
from accord.exchange import (
    ConsentReceipt,
    ConsentToken,
    EnvelopeHeader,
    ItemPayload,
    Receipt,
    ReceiptBatch,
    Transmission,
    WireEnvelope,
    label_digest,
    new_consent_receipt_id,
)
from accord.items import Precedence, binding_statement
from accord.markings import Marking, derive_alternative
from accord.node.core._context import NodeContext
from accord.node.holdings._access import require_scope
from accord.node.holdings._access_keys import keep_access_key
from accord.node.holdings._consent_book import record_held, revoked
from accord.node.holdings._vault import decrypt_blob, seal_content, wrap_blob_key, wrap_item_key
from accord.node.registry._agreements import AgreementService, travel_refusal
from accord.node.registry._parties import PartyService
from accord.node.transfer._control import WITNESS_TYPES, ControlHandler, Incoming
from accord.node.transfer._sending import SendingService, suite_of
from accord.policy import may_travel
from accord.store import (
    AttachmentRow,
    InboxMessageRow,
    ItemRow,
    PeerSequenceRow,
    QuarantineRow,
    append_event,
    format_stamp,
)

__all__ = ["MAX_ENVELOPE_AGE", "Ingested", "ReceivingService"]


MAX_ENVELOPE_AGE = timedelta(days=60)  # an offline bundle may spend weeks in the pouch
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_BLOB_BYTES = 64 * 1024**3
_RAW_KEPT = 1024 * 1024


@dataclass(frozen=True)
class Ingested:
    """What one transmission did here: the signed receipt batch, and how much was new.

    Attributes:
        body: The signed receipt batch (what the peer API answers).
        new: Envelopes stored or applied now.
        repeated: Envelopes received before: nothing was stored or applied again; their
            receipt is given again (a bundle imported twice, a receipt lost on the way).
        rejected: Envelopes refused (quarantined with the reason).
    """

    body: bytes
    new: int
    repeated: int
    rejected: int


@dataclass(frozen=True)
class _PreparedControl:
    """A consent message that passed every check, ready to be applied."""

    header: EnvelopeHeader
    digest: str
    incoming: Incoming
    receipt: Receipt


@dataclass(frozen=True)
class _Prepared:
    """An envelope that passed every check, ready to be stored."""

    header: EnvelopeHeader
    digest: str
    payload: ItemPayload
    marking: Marking
    agreement_id: str
    receipt: Receipt
    translator: Agreement


class ReceivingService:
    """The node's side of the peer API (implements ``accord.api.PeerHandler``)."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        agreements: AgreementService,
        sending: SendingService,
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements
        self._sending = sending
        self._handlers: dict[str, ControlHandler] = {}

    def register(self, kind: str, handler: ControlHandler) -> None:
        """Hand envelopes of type ``kind`` (not items) to ``handler`` (see :mod:`._control`)."""
        if kind == "item" or kind in self._handlers:
            raise Conflict(f"envelope type {kind!r} already has a handler")
        self._handlers[kind] = handler

    # --- peer API ----------------------------------------------------------------------

    def health(self) -> dict[str, object]:
        """Who we are and our time (for partners' monitoring)."""
        return {
            "node_id": self._ctx.config.node_id,
            "party": self._ctx.config.party,
            "time": format_stamp(self._ctx.now()),
        }

    def blob_status(self, blob_id: str) -> int:
        """Bytes of an upload received so far."""
        return self._ctx.blobs.received(blob_id)

    def receive_blob(self, blob_id: str, offset: int, total: int, pieces: Iterator[bytes]) -> int:
        """Append part of an attachment upload (verified against its name when complete).

        Raises:
            InvalidInput: offset or size wrong.
            IntegrityError: the complete upload does not match its name.
        """
        try:
            return self._ctx.blobs.append(blob_id, offset, total, pieces, limit=MAX_BLOB_BYTES)
        except AccordError as exc:
            self._ctx.journal_refusal("peer", "exchange.blob", exc, detail={"blob_id": blob_id[:96]})
            # Kept for the officer like every other refusal (the bytes themselves are not:
            # a refused upload may be gigabytes; its id, offset and size are what matter).
            with contextlib.suppress(AccordError):
                self._quarantine(
                    "peer",
                    None,
                    f"attachment upload refused ({blob_id[:96]} at {offset} of {total}): {exc}",
                    b"",
                    self._ctx.now(),
                )
            self._finish_upload(blob_id, total)
            raise

    def _finish_upload(self, blob_id: str, size: int) -> None:
        """Complete an upload whose ``size`` bytes are all in but that was never put in place.

        That happens when the request failed after its last byte (more bytes than announced,
        a disconnect before the end of the body) or the node stopped between writing and
        completing. The sender, told every byte has arrived, would never upload it again,
        and the envelope would be refused for a missing attachment. Completing checks the
        bytes against the blob's name and discards them if they are wrong.
        """
        blobs = self._ctx.blobs
        try:
            if size > 0 and not blobs.exists(blob_id) and blobs.received(blob_id) == size:
                blobs.append(blob_id, size, size, iter(()), limit=MAX_BLOB_BYTES)
        except AccordError:
            return  # a malformed id, or bytes that were not the blob (now discarded)

    def receive_transmission(self, body: bytes) -> bytes:
        """Verify and ingest one transmission; return the signed receipt batch.

        Raises:
            VerificationFailed: the transmission as a whole is refused (malformed, unknown
                or unpinned sender, not for us, bad signature); details are journalled and
                the body quarantined.
        """
        return self.ingest_transmission(body).body

    def ingest_transmission(self, body: bytes) -> Ingested:
        """Verify and ingest one transmission; say how many envelopes were new.

        Raises:
            VerificationFailed: the transmission as a whole is refused (malformed, unknown
                or unpinned sender, not for us, bad signature); details are journalled and
                the body quarantined.
        """
        now = self._ctx.now()
        claimed = "unknown"
        try:
            tx = _parse_transmission(body)
            claimed = tx.sender
            if tx.recipient != self._ctx.config.node_id:
                raise VerificationFailed(f"transmission is addressed to {tx.recipient}, not to this node")
            with self._ctx.db.transaction(read_only=True) as session:
                sender_party, keys = self._parties.signer(session, tx.sender)
            tx.verify(keys)
        except AccordError as exc:
            self._quarantine(claimed, None, f"transmission refused: {exc}", body, now)
            raise VerificationFailed("transmission rejected") from exc
        # 1. Every check and all the cryptography (HPKE, bindings, attachment digests) in a
        #    read-only snapshot: no write lock is held meanwhile, so a FLASH transmission on
        #    another connection is never stuck behind a large batch or an imagery check.
        prepared: list[tuple[WireEnvelope, str, _Prepared | _PreparedControl | Receipt | str]] = []
        checked: dict[str, tuple[Agreement, Status]] = {}  # per transmission: one look per agreement
        with self._ctx.db.transaction(read_only=True) as snapshot:
            for envelope in tx.envelopes:
                message_id = _message_id(envelope)
                result: _Prepared | _PreparedControl | Receipt | str
                try:
                    result = self._prepare(snapshot, tx, envelope, sender_party, now, checked)
                except (AccordError, RecursionError) as exc:  # RecursionError: JSON nested too deeply
                    result = f"{type(exc).__name__}: {exc}"
                prepared.append((envelope, message_id, result))
        # 2. One short write transaction for the whole batch (a savepoint per envelope).
        receipts: list[Receipt] = []
        rejected: list[str] = []
        repeated = 0
        urgent = any(
            isinstance(outcome, _Prepared | _PreparedControl)
            and outcome.header.precedence is Precedence.FLASH
            for _, _, outcome in prepared
        )
        with self._ctx.db.transaction(urgent=urgent) as session:
            for envelope, message_id, outcome in prepared:
                if isinstance(outcome, Receipt):
                    receipts.append(outcome)
                    repeated += 1
                    continue
                reason = outcome if isinstance(outcome, str) else ""
                if isinstance(outcome, _Prepared | _PreparedControl):
                    try:
                        receipt = self._commit_one(session, tx, outcome, now)
                        receipts.append(receipt)
                        repeated += receipt is not outcome.receipt  # stored meanwhile by another connection
                        continue
                    except AccordError as exc:
                        reason = f"{type(exc).__name__}: {exc}"
                rejected.append(message_id)
                self._quarantine_in(session, tx.sender, message_id, reason, _raw(envelope), now)
        if urgent:
            self._ctx.flash_committed()
        # Anything but the witnessing itself: we offer partners our next checkpoint at once.
        if any(
            isinstance(outcome, _Prepared | _PreparedControl) and outcome.header.type not in WITNESS_TYPES
            for _, _, outcome in prepared
        ):
            self._ctx.exchange_activity.set()
        batch = ReceiptBatch.make(
            self._ctx.keys,
            batch_id=f"rb-{uuid.uuid4().hex}",
            transmission_id=tx.id,
            receiver=self._ctx.config.node_id,
            sender=tx.sender,
            created=format_stamp(now),
            receipts=receipts,
            rejected=rejected,
        )
        return Ingested(batch.to_bytes(), len(receipts) - repeated, repeated, len(rejected))

    # --- one envelope -----------------------------------------------------------------

    def _prepare(
        self,
        session: Session,
        tx: Transmission,
        envelope: WireEnvelope,
        sender_party: str,
        now: datetime,
        checked: dict[str, tuple[Agreement, Status]],
    ) -> _Prepared | _PreparedControl | Receipt:
        me = self._ctx.config
        header = EnvelopeHeader.parse(envelope.header)
        if header.recipient != me.node_id or header.sender != tx.sender:
            raise VerificationFailed(
                "envelope header names another sender or recipient than its transmission"
            )
        # An envelope already accepted gets its receipt again, however old it is by now (a
        # receipt lost on the way back, a bundle imported twice): the age checks are for
        # what is new.
        digest = envelope.digest()
        seen = _seen(session, tx.sender, header.message_id, digest)
        if seen is not None:
            return seen
        created = parse_time(header.created)
        if now - created > MAX_ENVELOPE_AGE:
            raise VerificationFailed(
                f"stale envelope: created {header.created}, older than {MAX_ENVELOPE_AGE.days} days"
            )
        if created - now > MAX_CLOCK_SKEW:
            raise VerificationFailed(f"envelope created in the future ({header.created})")
        if header.agreement_id not in checked:
            agreement = self._agreements.get_in(session, header.agreement_id)
            checked[header.agreement_id] = (
                agreement,
                self._agreements.status_in(session, agreement.id, now),
            )
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
        keys = self._ctx.hpke_cnsa if header.suite is Suite.CNSA2 else self._ctx.hpke
        plaintext = open_envelope(header.suite, keys, envelope.header, envelope.ciphertext)
        if header.type != "item":
            return self._prepare_control(session, tx, header, digest, plaintext, sender_party, now)
        payload = ItemPayload.parse(plaintext)
        label = payload.label
        relayed = payload.originator_node != tx.sender
        if relayed:
            self._check_consent(session, payload, sender_party, now)
        elif payload.originator_party != sender_party:
            raise PolicyDenied("the originator's party is not the sender's")
        if payload.binding.signer != payload.originator_node:
            raise VerificationFailed("the binding is not signed by the originator")
        _, originator_keys = self._parties.signer(session, payload.originator_node)
        statement = binding_statement(
            item_id=payload.item_id,
            originator_node=payload.originator_node,
            label=label,
            content_sha384=payload.content.sha384(),
            attachments=[a.ref for a in payload.attachments],
        )
        verify_binding(payload.binding, originator_keys, statement)
        translator = self._translator(session, payload, agreement, sender_party, relayed)
        require_scope(
            may_travel(label, agreement, status, to=me.party, direct=not relayed, translate_under=translator)
        )
        level = translator.translate(label, me.scheme)
        for position, manifest in enumerate(payload.attachments):
            self._finish_upload(manifest.blob_id, manifest.blob_size)
            self._check_attachment(
                payload.item_id,
                position,
                manifest.blob_id,
                manifest.key,
                manifest.ref.size,
                manifest.ref.sha384,
            )
        alternative = derive_alternative(
            label,
            level,
            provided_by=payload.originator_party,
            creation_time=now,
            originator_id=me.node_id,
            agreement=translator.id,
        )
        receipt = Receipt(
            message_id=header.message_id,
            item_id=payload.item_id,
            envelope_digest=digest,
            content_sha384=payload.content.sha384(),
            label_sha384=label_digest(label),
            alternative_label=alternative,
            received_at=format_stamp(now),
            receiver=me.node_id,
            sender=tx.sender,
        )
        return _Prepared(
            header, digest, payload, Marking(label, (alternative,)), agreement.id, receipt, translator
        )

    def _prepare_control(
        self,
        session: Session,
        tx: Transmission,
        header: EnvelopeHeader,
        digest: str,
        plaintext: bytes,
        sender_party: str,
        now: datetime,
    ) -> _PreparedControl:
        me = self._ctx.config
        handler = self._handlers.get(header.type)
        if handler is None:
            raise InvalidInput(f"no handler for envelope type {header.type!r} at this node")
        incoming = handler(session, header, plaintext, sender_party, now)
        receipt = Receipt(
            message_id=header.message_id,
            item_id=incoming.item_id,
            envelope_digest=digest,
            content_sha384=incoming.content_sha384,
            label_sha384=incoming.label_sha384,
            alternative_label=incoming.label,
            received_at=format_stamp(now),
            receiver=me.node_id,
            sender=tx.sender,
        )
        return _PreparedControl(header, digest, incoming, receipt)

    def _translator(
        self, session: Session, payload: ItemPayload, agreement: Agreement, sender_party: str, relayed: bool
    ) -> Agreement:
        """The agreement whose equivalence table translates the label into our scheme, after
        checking that a direct provision's label is the sender's, under this agreement (the
        scope itself — in force, equivalent, topics, releasable — is :func:`may_travel`'s)."""
        label = payload.label
        translator = agreement
        if relayed:
            # Passed on with the originator's consent (checked above): its label is in the
            # originator's scheme, translated under an agreement we have with the originator
            # when the one it travelled under does not know that scheme (Art. 4).
            if label.policy not in agreement.schemes:
                translator = self._with_originator(session, payload.originator_party, label.policy)
        else:
            if label.policy != agreement.party(sender_party).scheme:
                raise PolicyDenied(
                    f"label scheme {label.policy} is not {sender_party}'s scheme under {agreement.id}"
                )
            if label.agreement not in (None, agreement.id):
                raise PolicyDenied(f"the label says {label.agreement}, the envelope {agreement.id}")
        return translator

    def _commit_one(
        self, session: Session, tx: Transmission, prepared: _Prepared | _PreparedControl, now: datetime
    ) -> Receipt:
        """Store or apply one checked envelope in its own savepoint; return its receipt."""
        with session.begin_nested():
            if isinstance(prepared, _Prepared):
                return self._commit(session, tx, prepared, now)
            return self._commit_control(session, tx, prepared, now)

    def _commit(self, session: Session, tx: Transmission, prepared: _Prepared, now: datetime) -> Receipt:
        header, digest, payload, receipt = (
            prepared.header,
            prepared.digest,
            prepared.payload,
            prepared.receipt,
        )
        # Checked again under the write lock: the same envelope may have arrived meanwhile
        # on another connection (a retry while the first attempt was still being checked).
        seen = _seen(session, tx.sender, header.message_id, digest)
        if seen is not None:
            return seen
        self._hold(session, payload, prepared.marking, tx.sender, header.precedence.value, now)
        if payload.consent is not None:
            record_held(session, payload.consent, tx.sender)
            if payload.originator_node != tx.sender:  # passed on under the consent (checked above)
                self._acknowledge_consent(session, prepared, payload.consent, tx.sender, now)
        label, alternative = prepared.marking.originator, prepared.marking.alternatives[0]
        session.add(
            InboxMessageRow(
                sender=tx.sender,
                message_id=header.message_id,
                digest=digest,
                seq=header.seq,
                item_id=payload.item_id,
                precedence=header.precedence.value,
                received_at=format_stamp(now),
                receipt_json=json.dumps(receipt.to_dict(), ensure_ascii=False, sort_keys=True),
            )
        )
        _note_seq(session, tx.sender, header.seq)
        append_event(
            session,
            at=now,
            actor=f"peer:{tx.sender}",
            action="item.receive",
            outcome="ok",
            item_id=payload.item_id,
            detail={
                "message_id": header.message_id,
                "from": tx.sender,
                "agreement_id": prepared.agreement_id,
                "classification": label.classification,
                "alternative": alternative.classification,
                "precedence": header.precedence.value,
                "digest": digest,
            },
        )
        session.flush()
        return receipt

    def _acknowledge_consent(
        self, session: Session, prepared: _Prepared, token: ConsentToken, sender: str, now: datetime
    ) -> None:
        """Tell the originator we received its item under its consent (Art. 6).

        A signed :class:`~accord.exchange.ConsentReceipt` in our outbox, in the transaction
        that holds the item: the originator's dissemination record then names this node as
        holding it, as its outbox does for the nodes it provided the item to itself, and its
        reconciliation of our holdings summary finds the item on record. It travels under
        the agreement with the originator that our label of the item was translated under
        (the one under which we protect it, Art. 4), which always has the originator as a
        party; being about CMI held, it still travels after that agreement has ended
        (``ABOUT_HELD``, Art. 21).
        """
        header, me = prepared.header, self._ctx.config
        receipt = ConsentReceipt.make(
            self._ctx.keys,
            receipt_id=new_consent_receipt_id(),
            token_id=token.token_id,
            item_id=token.item_id,
            content_sha384=token.content_sha384,
            originator_node=token.originator_node,
            holder_party=token.holder_party,
            holder_node=sender,
            third_party=me.party,
            third_party_node=me.node_id,
            message_id=header.message_id,
            received_at=format_time(now),
        )
        sent = self._sending.enqueue(
            session,
            kind="consent-receipt",
            card=self._parties.card(session, token.originator_node),
            agreement=prepared.translator,
            precedence=Precedence.ROUTINE,
            item_id=token.item_id,
            payload=receipt.to_bytes(),
            actor=f"peer:{sender}",
            now=now,
        )
        append_event(
            session,
            at=now,
            actor=f"peer:{sender}",
            action="consent.receipt.send",
            outcome="ok",
            item_id=token.item_id,
            detail={
                "receipt_id": receipt.receipt_id,
                "token_id": token.token_id,
                "to": token.originator_node,
                "message_id": sent.message_id,
                "received_in": header.message_id,
            },
        )

    def _commit_control(
        self, session: Session, tx: Transmission, prepared: _PreparedControl, now: datetime
    ) -> Receipt:
        header, digest = prepared.header, prepared.digest
        seen = _seen(session, tx.sender, header.message_id, digest)
        if seen is not None:
            return seen
        prepared.incoming.apply(session, now)
        session.add(
            InboxMessageRow(
                sender=tx.sender,
                message_id=header.message_id,
                digest=digest,
                seq=header.seq,
                item_id=prepared.incoming.item_id,
                precedence=header.precedence.value,
                received_at=format_stamp(now),
                receipt_json=json.dumps(prepared.receipt.to_dict(), ensure_ascii=False, sort_keys=True),
            )
        )
        _note_seq(session, tx.sender, header.seq)
        session.flush()
        return prepared.receipt

    def _check_consent(
        self, session: Session, payload: ItemPayload, sender_party: str, now: datetime
    ) -> None:
        """An item passed on by a holder needs its originator's valid consent (Art. 6)."""
        token = payload.consent
        if token is None:
            raise PolicyDenied(
                f"item {payload.item_id} of {payload.originator_party} was passed on by {sender_party} "
                "without the originator's prior written consent (Art. 6)"
            )
        _, keys = self._parties.signer(session, token.originator_node)
        token.verify(keys)
        token.check(
            item_id=payload.item_id,
            content_sha384=payload.content.sha384(),
            holder_party=sender_party,
            third_party=self._ctx.config.party,
            now=now,
        )
        if revoked(session, token.token_id):
            raise PolicyDenied(f"consent {token.token_id} was revoked by {payload.originator_party} (Art. 6)")

    def _with_originator(self, session: Session, originator: str, scheme: str) -> Agreement:
        me = self._ctx.config.party
        for agreement in self._agreements.all():
            if {me, originator} <= set(agreement.party_codes) and scheme in agreement.schemes:
                return agreement
        raise PolicyDenied(
            f"no agreement between {me} and {originator} here translates {scheme} labels (Art. 4)"
        )

    def _check_attachment(
        self, item_id: str, position: int, blob_id: str, key: bytes, size: int, sha384: str
    ) -> None:
        if not self._ctx.blobs.exists(blob_id):
            raise IntegrityError(f"attachment {position} has not arrived (blob {blob_id[:16]}…)")
        digest = Sha384Stream()
        total = 0
        try:
            for piece in decrypt_blob(key, item_id, position, self._ctx.blobs.read(blob_id)):
                digest.update(piece)
                total += len(piece)
        except VerificationFailed as exc:
            raise IntegrityError(f"attachment {position} does not decrypt: {exc}") from exc
        if total != size or digest.hexdigest() != sha384:
            raise IntegrityError(f"attachment {position} does not have its bound digest")

    def _hold(
        self,
        session: Session,
        payload: ItemPayload,
        marking: Marking,
        sender: str,
        precedence: str,
        now: datetime,
    ) -> None:
        existing = session.get(ItemRow, payload.item_id)
        if existing is not None:
            if existing.originator_node != payload.originator_node or (
                existing.content_sha384 != payload.content.sha384()
            ):
                raise Conflict(f"an item {payload.item_id} with other content is already held")
            return  # the same item by another message: one holding
        item_key = new_data_key()
        session.add(
            ItemRow(
                id=payload.item_id,
                kind=payload.content.kind.value,
                originator_party=payload.originator_party,
                originator_node=payload.originator_node,
                precedence=precedence,
                marking_json=marking.canonical_bytes().decode("utf-8"),
                access_key=keep_access_key(session, marking),
                content_sealed=seal_content(item_key, payload.content.canonical_bytes(), payload.item_id),
                wrapped_key=wrap_item_key(self._ctx.data_key, item_key, payload.item_id),
                content_sha384=payload.content.sha384(),
                binding_json=json.dumps(payload.binding.to_dict(), sort_keys=True),
                created_by=f"peer:{sender}",
                created_at=format_stamp(now),
                status="held",
                received_from=sender,
                received_at=format_stamp(now),
            )
        )
        session.flush()
        for position, manifest in enumerate(payload.attachments):
            session.add(
                AttachmentRow(
                    item_id=payload.item_id,
                    position=position,
                    name=manifest.ref.name,
                    media_type=manifest.ref.media_type,
                    size=manifest.ref.size,
                    sha384=manifest.ref.sha384,
                    blob_id=manifest.blob_id,
                    wrapped_key=wrap_blob_key(item_key, manifest.key, payload.item_id, position),
                )
            )

    # --- quarantine -------------------------------------------------------------------

    def quarantine_file(self, peer: str, reason: str, path: Path) -> None:
        """Keep a refused file (its first MiB) and the reason, like every other refusal.

        For an offline bundle refused as a whole: ``accord quarantine list`` shows it. Best
        effort: the refusal stands even if the copy cannot be kept.
        """
        try:
            with path.open("rb") as handle:
                raw = handle.read(_RAW_KEPT)
        except OSError:
            raw = b""
        with contextlib.suppress(AccordError):
            self._quarantine(peer, None, reason, raw, self._ctx.now())

    def _quarantine(self, peer: str, message_id: str | None, reason: str, raw: bytes, now: datetime) -> None:
        with self._ctx.db.transaction() as session:
            self._quarantine_in(session, peer, message_id, reason, raw, now)

    def _quarantine_in(
        self, session: Session, peer: str, message_id: str | None, reason: str, raw: bytes, now: datetime
    ) -> None:
        session.add(
            QuarantineRow(
                at=format_stamp(now),
                peer=peer[:64],
                message_id=message_id,
                reason=reason,
                raw=raw[:_RAW_KEPT],
                status="held",
            )
        )
        append_event(
            session,
            at=now,
            actor=f"peer:{peer[:40]}",
            action="exchange.reject",
            outcome="refused",
            detail={"peer": peer[:64], "message_id": message_id, "reason": reason},
        )

    def quarantine(self) -> list[QuarantineRow]:
        """What was refused, newest first."""
        with self._ctx.db.transaction(read_only=True) as session:
            return list(session.scalars(select(QuarantineRow).order_by(QuarantineRow.id.desc())))

    def quarantine_groups(self) -> list[dict[str, object]]:
        """What was refused, newest first, background messages grouped.

        Refused background messages (:data:`~._control.WITNESS_TYPES`) of one kind from one
        peer for one reason are one entry (the newest), with their ``count`` and the time of
        the first (``first_at``): two nodes that disagree on an agreement's state would
        otherwise fill the list with the same refusal (issue 10). Every other refusal is an
        entry of its own (``count`` 1).
        """
        out: list[dict[str, object]] = []
        grouped: dict[tuple[str, str, str], dict[str, object]] = {}
        for row in self.quarantine():
            entry: dict[str, object] = {
                "id": row.id,
                "at": row.at,
                "peer": row.peer,
                "message_id": row.message_id,
                "reason": row.reason,
                "bytes_kept": len(row.raw),
                "status": row.status,
                "kind": _kind_of_raw(row.raw),
                "count": 1,
                "first_at": row.at,
            }
            kind = entry["kind"]
            if isinstance(kind, str) and kind in WITNESS_TYPES:
                key = (row.peer, kind, row.reason)
                if key in grouped:
                    first = grouped[key]
                    first["count"] = int(str(first["count"])) + 1
                    first["first_at"] = row.at
                    continue
                grouped[key] = entry
            out.append(entry)
        return out


def _parse_transmission(body: bytes) -> Transmission:
    try:
        return Transmission.parse(body)
    except RecursionError as exc:  # json.loads gives up on deeply nested input
        raise InvalidInput("transmission is not valid JSON: nested too deeply") from exc


def _seen(session: Session, sender: str, message_id: str, digest: str) -> Receipt | None:
    """The receipt already given for this message, or None if it is new.

    Raises:
        VerificationFailed: the message id was received before with other content (a replay).
    """
    row = session.get(InboxMessageRow, (sender, message_id))
    if row is None:
        return None
    if row.digest != digest:
        raise VerificationFailed(f"replay: message id {message_id} was already received with other content")
    return Receipt.from_dict(json.loads(row.receipt_json))


def _message_id(envelope: WireEnvelope) -> str:
    try:
        return EnvelopeHeader.parse(envelope.header).message_id
    except (AccordError, RecursionError):
        return f"digest:{envelope.digest()[:32]}"


def _kind_of_raw(raw: bytes) -> str | None:
    """The envelope type of a quarantined envelope, when its header can be read."""
    try:
        return EnvelopeHeader.parse(WireEnvelope.from_dict(json.loads(raw)).header).type
    except (AccordError, ValueError, TypeError, KeyError, RecursionError):
        return None


def _raw(envelope: WireEnvelope) -> bytes:
    return json.dumps(envelope.to_dict()).encode("ascii")


def _note_seq(session: Session, peer: str, seq: int) -> None:
    row = session.get(PeerSequenceRow, (peer, "in"))
    if row is None:
        session.add(PeerSequenceRow(peer=peer, direction="in", last_seq=seq))
    elif seq > row.last_seq:
        row.last_seq = seq

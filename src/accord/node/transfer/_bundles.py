"""Offline bundles: the diplomatic pouch for an air gap (issue 3, "Offline bundles").

``export`` writes every pending envelope for one partner node — a signed transmission and
the attachment blobs it needs — into one signed file. ``import_`` at the partner checks
the file, ingests the transmission through exactly the same checks as the peer API, and
writes the signed receipts into a return bundle; importing that return bundle at the
sender records the receipts. Importing any bundle twice changes nothing: envelopes are
idempotent by message id, receipts by message id; the summary says how many envelopes were
new and how many had been received before.

A bundle refused as a whole (altered anywhere, not signed by its sender, not for this
node) is journalled and kept in quarantine — its first MiB and the reason — like every
other refusal (``accord quarantine list``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from accord.crypto import VerifyKeys
from accord.errors import AccordError, InvalidInput, NotFound
from accord.exchange import (
    UNSIGNED,
    BlobMember,
    Bundle,
    ReceiptBatch,
    Transmission,
    WireEnvelope,
    read_bundle,
    write_bundle,
)
from accord.json_view import JsonView
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.registry._parties import PartyService
from accord.node.transfer._delivery import DeliveryService
from accord.node.transfer._receiving import MAX_BLOB_BYTES, ReceivingService
from accord.store import format_stamp

__all__ = ["BundleService", "BundleSummary"]

_MAX_ENVELOPES = 20_000


@dataclass(frozen=True)
class BundleSummary(JsonView):
    """What a bundle held and what was done with it."""

    kind: str
    peer: str
    envelopes: int = 0
    blobs: int = 0
    receipts: int = 0
    new: int = 0
    already_received: int = 0
    rejected: int = 0
    size: int = 0
    return_bundle: Path | None = None


class BundleService:
    """Export and import of offline bundles."""

    def __init__(
        self, ctx: NodeContext, parties: PartyService, delivery: DeliveryService, receiving: ReceivingService
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._delivery = delivery
        self._receiving = receiving

    def export(self, *, to: str, path: Path, actor: str, node_id: str | None = None) -> BundleSummary:
        """Write the pending envelopes for a partner node into a signed bundle file.

        Raises:
            NotFound: no pinned node of ``to`` (or not the one named), or nothing pending.
            InvalidInput: several nodes of ``to`` are pinned and none was named.
            StorageError: the file cannot be written.
        """
        to = to.strip().upper()
        cards = [
            c for c in self._parties.all() if c.party == to and (node_id is None or c.node_id == node_id)
        ]
        if not cards:
            raise NotFound(f"no pinned node of {to}" + (f" named {node_id}" if node_id else ""))
        if len(cards) > 1:
            raise InvalidInput(f"several nodes of {to} are pinned; name one with --node")
        peer = cards[0].node_id
        rows = self._delivery.pending_for(peer, _MAX_ENVELOPES)
        if not rows:
            raise NotFound(f"nothing is pending for {to} node {peer}")
        now = self._ctx.now()
        tx = Transmission(
            id=f"tx-{uuid.uuid4().hex}",
            sender=self._ctx.config.node_id,
            recipient=peer,
            created=format_stamp(now),
            envelopes=tuple([WireEnvelope(r.header, r.ciphertext) for r in rows]),
            signature=UNSIGNED,
        ).signed_with(self._ctx.keys)
        blob_sizes = {b["blob_id"]: int(b["size"]) for r in rows for b in json.loads(r.blobs_json)}
        blobs = [
            BlobMember(blob_id, size, self._reader(blob_id)) for blob_id, size in sorted(blob_sizes.items())
        ]
        contents = Bundle(
            "transmission",
            self._ctx.config.node_id,
            peer,
            format_stamp(now),
            {"transmission.json": tx.to_bytes()},
            tuple(blob.blob_id for blob in blobs),
        )
        size = write_bundle(path, contents, keys=self._ctx.keys, blobs=blobs)
        with self._ctx.db.transaction() as session:
            journal_done(
                session,
                Act(actor, now),
                "bundle.export",
                detail={"to": peer, "transmission_id": tx.id, "envelopes": len(rows), "file": path.name},
            )
        return BundleSummary("transmission", peer, envelopes=len(rows), blobs=len(blobs), size=size)

    def import_(self, path: Path, *, actor: str, receipts_out: Path | None = None) -> BundleSummary:
        """Import a bundle: a transmission (write the return bundle) or receipts.

        A bundle refused as a whole is journalled and quarantined (its first MiB and the reason).

        Raises:
            InvalidInput: not a bundle, or not addressed to this node.
            VerificationFailed: altered (any byte), or not signed by its sender.
            NotFound: no such file, or the sender is not pinned.
        """
        me = self._ctx.config.node_id
        if not path.is_file():  # the officer's mistake, not something a partner sent: no quarantine
            missing = NotFound(f"no bundle file {path}")
            self._ctx.journal_refusal(actor, "bundle.import", missing, detail={"file": path.name})
            raise missing
        sender = "unknown"  # until the signed manifest names it
        try:
            bundle = read_bundle(path, keys_of=self._keys_of, on_blob=self._store_blob)
            sender = bundle.sender
            if bundle.recipient != me:
                raise InvalidInput(f"the bundle is for {bundle.recipient}, not for this node ({me})")
        except AccordError as exc:
            self._ctx.journal_refusal(actor, "bundle.import", exc, detail={"file": path.name})
            self._receiving.quarantine_file(
                sender, f"bundle {path.name} refused: {type(exc).__name__}: {exc}", path
            )
            raise
        if bundle.kind == "receipts":
            result = self._delivery.record_receipt_batch(bundle.sender, bundle.json_members["receipts.json"])
            summary = BundleSummary(
                "receipts", bundle.sender, receipts=result.receipted, rejected=result.rejected
            )
        else:
            ingested = self._receiving.ingest_transmission(bundle.json_members["transmission.json"])
            body = ingested.body
            batch = ReceiptBatch.parse(body)
            target = receipts_out or path.with_name(path.stem + ".receipts.accord")
            receipts = Bundle(
                "receipts", me, bundle.sender, format_stamp(self._ctx.now()), {"receipts.json": body}
            )
            write_bundle(target, receipts, keys=self._ctx.keys)
            summary = BundleSummary(
                "transmission",
                bundle.sender,
                envelopes=len(batch.receipts) + len(batch.rejected),
                blobs=len(bundle.blob_ids),
                receipts=len(batch.receipts),
                rejected=len(batch.rejected),
                return_bundle=target,
                new=ingested.new,
                already_received=ingested.repeated,
            )
        with self._ctx.db.transaction() as session:
            journal_done(
                session,
                Act(actor, self._ctx.now()),
                "bundle.import",
                detail={**summary.to_dict(), "file": path.name},
            )
        return summary

    def _reader(self, blob_id: str) -> Callable[[], Iterator[bytes]]:
        return lambda: self._ctx.blobs.read(blob_id)

    def _keys_of(self, node_id: str) -> VerifyKeys:
        with self._ctx.db.transaction(read_only=True) as session:
            return self._parties.signer(session, node_id)[1]

    def _store_blob(self, blob_id: str, size: int, pieces: Iterator[bytes]) -> None:
        # A bundle carries whole blobs: an upload left half-done earlier starts over.
        self._ctx.blobs.discard_partial(blob_id)
        self._ctx.blobs.append(blob_id, 0, size, pieces, limit=MAX_BLOB_BYTES)

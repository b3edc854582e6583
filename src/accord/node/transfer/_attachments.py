"""Attachments that arrive: uploads completed, and each checked against its binding (Arts. 9–10).

An item's attachments travel as blobs uploaded before the envelope that names them. The
receiver completes an upload whose bytes are all in (:func:`finish_upload`) and accepts the
item only when every attachment has arrived complete and decrypts to the digest the
originator bound to the label (:func:`check_attachment`).
"""

from __future__ import annotations

from collections.abc import Callable

from accord.crypto import Sha384Stream
from accord.errors import AccordError, IntegrityError, VerificationFailed
from accord.exchange import AttachmentManifest
from accord.node.holdings._vault import decrypt_blob
from accord.store import BlobStore

__all__ = ["MAX_BLOB_BYTES", "check_attachment", "finish_upload"]

MAX_BLOB_BYTES = 64 * 1024**3


def finish_upload(blobs: BlobStore, blob_id: str, size: int) -> None:
    """Complete an upload whose ``size`` bytes are all in but that was never put in place.

    That happens when the request failed after its last byte (more bytes than announced,
    a disconnect before the end of the body) or the node stopped between writing and
    completing. The sender, told every byte has arrived, would never upload it again,
    and the envelope would be refused for a missing attachment. Completing checks the
    bytes against the blob's name and discards them if they are wrong.
    """
    try:
        if size > 0 and not blobs.exists(blob_id) and blobs.received(blob_id) == size:
            blobs.append(blob_id, size, size, iter(()), limit=MAX_BLOB_BYTES)
    except AccordError:
        return  # a malformed id, or bytes that were not the blob (now discarded)


def check_attachment(
    blobs: BlobStore,
    item_id: str,
    position: int,
    manifest: AttachmentManifest,
    *,
    between: Callable[[], object] | None = None,
) -> None:
    """Check that attachment ``position`` (``manifest``) has arrived and decrypts to its bound digest.

    ``between`` is called for each decrypted piece (routine work stepping aside for FLASH).

    Raises:
        IntegrityError: the blob is missing, does not decrypt, or has another size or digest.
    """
    blob_id = manifest.blob_id
    if not blobs.exists(blob_id):
        raise IntegrityError(f"attachment {position} has not arrived (blob {blob_id[:16]}…)")
    digest = Sha384Stream()
    total = 0
    try:
        for piece in decrypt_blob(manifest.key, item_id, position, blobs.read(blob_id)):
            if between is not None:
                between()
            digest.update(piece)
            total += len(piece)
    except VerificationFailed as exc:
        raise IntegrityError(f"attachment {position} does not decrypt: {exc}") from exc
    if total != manifest.ref.size or digest.hexdigest() != manifest.ref.sha384:
        raise IntegrityError(f"attachment {position} does not have its bound digest")

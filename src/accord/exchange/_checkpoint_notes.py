"""Checkpoints and cosignatures as C2SP signed notes, signed and checked with a node's keys.

The encoding is :mod:`accord.ledger._note`'s; this module joins it to :mod:`accord.crypto`.
A node's checkpoint note (c2sp.org/tlog-checkpoint) carries two signature lines, both of
key name ``accord/<node id>``: Ed25519 (type ``0x01``) and ML-DSA-65 (Accord's type
:data:`~accord.ledger.MLDSA65_NOTE`). A witness's cosignature (c2sp.org/tlog-cosignature v1)
is two more lines, of key name ``accord/<witness id>``: the Ed25519 cosignature (type
``0x04``) and its ML-DSA-65 twin (:data:`~accord.ledger.MLDSA65_COSIGNATURE`), both
``key ID || u64 timestamp || signature`` over ``cosignature/v1\\ntime <ts>\\n`` and the
checkpoint text. Accord requires both halves of each, as it does of every signature
(DESIGN.md §3); any other tool checks the Ed25519 lines with the vkeys
(:func:`checkpoint_vkeys`, :func:`cosigner_vkeys`) and ignores the rest.
"""

from __future__ import annotations

from collections.abc import Sequence

from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.ledger import (
    COSIGNATURE_V1,
    ED25519,
    MLDSA65_COSIGNATURE,
    MLDSA65_NOTE,
    Checkpoint,
    NoteSignature,
    SignedNote,
    checkpoint_from_text,
    checkpoint_text,
    cosignature_message,
    key_id,
    note_name,
    split_timestamped,
    timestamped,
    vkey,
)

__all__ = [
    "checkpoint_vkeys",
    "cosign_checkpoint",
    "cosigner_vkeys",
    "sign_checkpoint_note",
    "verify_checkpoint_note",
    "verify_cosignature",
]


def checkpoint_vkeys(node_id: str, keys: VerifyKeys) -> tuple[str, str]:
    """The verifier keys of a node's checkpoint notes: Ed25519 (``0x01``) and ML-DSA-65.

    Raises:
        InvalidInput: the node id does not make a valid key name.
    """
    name = note_name(node_id)
    return vkey(name, ED25519, keys.ed25519), vkey(name, MLDSA65_NOTE, keys.mldsa65)


def cosigner_vkeys(node_id: str, keys: VerifyKeys) -> tuple[str, str]:
    """The verifier keys of a node's cosignatures: Ed25519 cosignature v1 (``0x04``) and ML-DSA-65.

    Raises:
        InvalidInput: the node id does not make a valid key name.
    """
    name = note_name(node_id)
    return vkey(name, COSIGNATURE_V1, keys.ed25519), vkey(name, MLDSA65_COSIGNATURE, keys.mldsa65)


def sign_checkpoint_note(keys: SigningKeys, checkpoint: Checkpoint) -> SignedNote:
    """The checkpoint as a tlog-checkpoint note, signed by its origin's keys (two lines).

    Raises:
        InvalidInput: the origin does not make a valid key name.
    """
    text = checkpoint_text(checkpoint)
    name = note_name(checkpoint.origin)
    signature = keys.sign_note(text.encode("utf-8"))
    public = keys.public()
    return SignedNote(
        text,
        (
            NoteSignature(name, key_id(name, ED25519, public.ed25519), signature.ed25519),
            NoteSignature(name, key_id(name, MLDSA65_NOTE, public.mldsa65), signature.mldsa65),
        ),
    )


def _one(note_signatures: Sequence[NoteSignature], name: str, wanted: bytes, what: str) -> NoteSignature:
    found = [sig for sig in note_signatures if sig.name == name and sig.key_id == wanted]
    if len(found) != 1:
        raise VerificationFailed(f"{what}: expected one signature line of {name} key {wanted.hex()}")
    return found[0]


def _dual(ed25519: bytes, mldsa65: bytes, what: str) -> DualSignature:
    try:
        return DualSignature(ed25519, mldsa65)
    except InvalidInput as exc:
        raise VerificationFailed(f"{what} does not verify") from exc


def verify_checkpoint_note(
    data: str | bytes, node_id: str, keys: VerifyKeys
) -> tuple[Checkpoint, SignedNote]:
    """Check a checkpoint note of node ``node_id``: its form, its origin and both its signatures.

    Signature lines of other keys (cosignatures) are ignored here, as c2sp.org/signed-note
    has a verifier ignore keys it does not know.

    Returns:
        The checkpoint it states, and the parsed note.

    Raises:
        InvalidInput: not a signed note, or its text is not an Accord checkpoint.
        VerificationFailed: the checkpoint is another node's, or the node's Ed25519 or
            ML-DSA-65 line is missing, repeated or does not verify.
    """
    note = SignedNote.parse(data)
    checkpoint = checkpoint_from_text(note.text)
    if checkpoint.origin != node_id:
        raise VerificationFailed(
            f"the checkpoint note is of the ledger of {checkpoint.origin}, not {node_id}"
        )
    name = note_name(node_id)
    what = f"the checkpoint note of {node_id}"
    ed = _one(note.signatures, name, key_id(name, ED25519, keys.ed25519), what)
    ml = _one(note.signatures, name, key_id(name, MLDSA65_NOTE, keys.mldsa65), what)
    try:
        keys.verify_note(note.text.encode("utf-8"), _dual(ed.signature, ml.signature, what))
    except VerificationFailed as exc:
        raise VerificationFailed(f"{what} does not verify") from exc
    return checkpoint, note


def cosign_checkpoint(
    keys: SigningKeys, witness: str, checkpoint: Checkpoint, timestamp: int
) -> tuple[NoteSignature, NoteSignature]:
    """A witness's tlog-cosignature v1 of another node's checkpoint: Ed25519 and ML-DSA-65 lines.

    Args:
        keys: The witness node's signing keys.
        witness: The witness's node id (its key name is ``accord/<witness>``).
        checkpoint: The checkpoint it holds of the other node.
        timestamp: When it cosigns, in POSIX seconds.

    Raises:
        InvalidInput: a name is not a valid key name, or the timestamp is out of range.
    """
    name = note_name(witness)
    message = cosignature_message(timestamp, checkpoint_text(checkpoint))
    signature = keys.sign_note(message)
    public = keys.public()
    return (
        NoteSignature(
            name, key_id(name, COSIGNATURE_V1, public.ed25519), timestamped(timestamp, signature.ed25519)
        ),
        NoteSignature(
            name, key_id(name, MLDSA65_COSIGNATURE, public.mldsa65), timestamped(timestamp, signature.mldsa65)
        ),
    )


def verify_cosignature(
    note_signatures: Sequence[NoteSignature], witness: str, keys: VerifyKeys, checkpoint: Checkpoint
) -> int:
    """Check witness ``witness``'s cosignature of ``checkpoint`` among signature lines.

    Returns:
        The cosignature's timestamp (POSIX seconds).

    Raises:
        VerificationFailed: the witness's two lines are not both there once, carry different
            timestamps, or do not verify over this checkpoint.
    """
    name = note_name(witness)
    what = f"the cosignature of {witness}"
    ed = _one(note_signatures, name, key_id(name, COSIGNATURE_V1, keys.ed25519), what)
    ml = _one(note_signatures, name, key_id(name, MLDSA65_COSIGNATURE, keys.mldsa65), what)
    try:
        ed_time, ed_sig = split_timestamped(ed.signature)
        ml_time, ml_sig = split_timestamped(ml.signature)
    except InvalidInput as exc:
        raise VerificationFailed(f"{what} does not verify") from exc
    if ed_time != ml_time:
        raise VerificationFailed(f"{what}: its two lines carry different times")
    message = cosignature_message(ed_time, checkpoint_text(checkpoint))
    try:
        keys.verify_note(message, _dual(ed_sig, ml_sig, what))
    except VerificationFailed as exc:
        raise VerificationFailed(f"{what} does not verify") from exc
    return ed_time

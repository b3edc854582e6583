"""Wire formats of agreements: a party's signature over an agreement, a signed diplomatic note.

An agreement is imported at a node only when every party it names has signed its exact text
(its SHA-384 digest) with both signature schemes: :class:`AgreementSignature`, exchanged as a
file (``accord agreement sign``). Diplomatic notes (entry into force, termination notice,
suspension, withdrawal, amendment; GSOMIA Art. 21) travel as :class:`SignedNote` files,
signed by the node of the party that gives them. Both are canonical JSON named by their
``format``; parsing is strict and does not verify (the node checks the signer against its
pinned partners, :mod:`accord.node.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from accord.agreements import Note
from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature
from accord.errors import InvalidInput

__all__ = [
    "NOTE_FORMAT",
    "SIGNATURE_FORMAT",
    "AgreementSignature",
    "SignedNote",
    "agreement_statement",
    "note_statement",
]

SIGNATURE_FORMAT = "accord-agreement-signature/1"
NOTE_FORMAT = "accord-note/1"
_SIGNED_TEXT = ("agreement_id", "digest", "party", "node_id")


@dataclass(frozen=True)
class AgreementSignature:
    """One party's signature over an agreement's exact text (its SHA-384 digest)."""

    agreement_id: str
    digest: str
    party: str
    node_id: str
    signature: DualSignature

    def statement(self) -> bytes:
        """The bytes that are signed."""
        return agreement_statement(self.agreement_id, self.digest, self.party, self.node_id)

    def to_json(self) -> str:
        """The signature file's text: the statement and the signature."""
        body = _agreement_body(self.agreement_id, self.digest, self.party, self.node_id)
        return _file_text(body, self.signature)

    @classmethod
    def parse(cls, text: str | bytes) -> AgreementSignature:
        """Parse a signature file (not yet verified).

        Raises:
            InvalidInput: malformed.
        """
        what = "agreement signature"
        data, signature = _load_file(text, what, what, SIGNATURE_FORMAT, dict.fromkeys(_SIGNED_TEXT, str))
        agreement_id, digest, party, node_id = (str(data[name]) for name in _SIGNED_TEXT)
        return cls(agreement_id, digest, party, node_id, signature)


@dataclass(frozen=True)
class SignedNote:
    """A diplomatic note and the signature of the node of the party that gave it."""

    note: Note
    signer: str
    signature: DualSignature

    def statement(self) -> bytes:
        """The bytes that are signed."""
        return note_statement(self.note, self.signer)

    def to_json(self) -> str:
        """The note file's text: the statement and the signature."""
        return _file_text(_note_body(self.note, self.signer), self.signature)

    @classmethod
    def parse(cls, text: str | bytes) -> SignedNote:
        """Parse a note file (not yet verified).

        Raises:
            InvalidInput: malformed.
        """
        kinds = {"note": dict, "signer": str}
        data, signature = _load_file(text, "diplomatic note", "note file", NOTE_FORMAT, kinds)
        return cls(Note.from_dict(cast("dict[str, object]", data["note"])), str(data["signer"]), signature)


def _file_text(body: dict[str, object], signature: DualSignature) -> str:
    """A signed file's text: the statement's fields and the signature, canonical JSON."""
    return canonical_json({**body, "signature": signature.to_dict()}).decode("utf-8")


def _load_file(
    text: str | bytes, what: str, file: str, file_format: str, kinds: Mapping[str, type]
) -> tuple[dict[str, object], DualSignature]:
    """The fields of a signed file (each of its kind) and its signature, not verified.

    ``what`` names it when its text is not a JSON object, ``file`` when it is not such a file.

    Raises:
        InvalidInput: not a JSON object, other keys than ``format``, ``kinds`` and
            ``signature``, another format, or a field of another kind.
    """
    data = loads_object(text, what)
    keys = {"format", *kinds, "signature"}
    if set(data) != keys or data["format"] != file_format:
        raise InvalidInput(f"{file} must have exactly {sorted(keys)} and format {file_format}")
    signature = data["signature"]
    if not isinstance(signature, dict) or any(
        not isinstance(data[name], kind) for name, kind in kinds.items()
    ):
        raise InvalidInput(f"{file} has fields of the wrong type")
    return data, DualSignature.from_dict(signature)


def _agreement_body(agreement_id: str, digest: str, party: str, node_id: str) -> dict[str, object]:
    return {
        "format": SIGNATURE_FORMAT,
        "agreement_id": agreement_id,
        "digest": digest,
        "party": party,
        "node_id": node_id,
    }


def _note_body(note: Note, signer: str) -> dict[str, object]:
    return {"format": NOTE_FORMAT, "note": note.to_dict(), "signer": signer}


def agreement_statement(agreement_id: str, digest: str, party: str, node_id: str) -> bytes:
    """The bytes a party's node signs (purpose ``agreement``) to sign an agreement's exact text."""
    return canonical_json(_agreement_body(agreement_id, digest, party, node_id))


def note_statement(note: Note, signer: str) -> bytes:
    """The bytes the node ``signer`` signs (purpose ``note``) to give a diplomatic note."""
    return canonical_json(_note_body(note, signer))

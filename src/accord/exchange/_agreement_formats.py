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

from dataclasses import dataclass

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
        return canonical_json({**body, "signature": self.signature.to_dict()}).decode("utf-8")

    @classmethod
    def parse(cls, text: str | bytes) -> AgreementSignature:
        """Parse a signature file (not yet verified).

        Raises:
            InvalidInput: malformed.
        """
        data = loads_object(text, "agreement signature")
        keys = {"format", "agreement_id", "digest", "party", "node_id", "signature"}
        if set(data) != keys or data["format"] != SIGNATURE_FORMAT:
            raise InvalidInput(
                f"agreement signature must have exactly {sorted(keys)} and format {SIGNATURE_FORMAT}"
            )
        fields = [data[k] for k in ("agreement_id", "digest", "party", "node_id")]
        sig = data["signature"]
        if not all(isinstance(f, str) for f in fields) or not isinstance(sig, dict):
            raise InvalidInput("agreement signature has fields of the wrong type")
        agreement_id, digest, party, node_id = (str(f) for f in fields)
        return cls(agreement_id, digest, party, node_id, DualSignature.from_dict(sig))


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
        body = _note_body(self.note, self.signer)
        return canonical_json({**body, "signature": self.signature.to_dict()}).decode("utf-8")

    @classmethod
    def parse(cls, text: str | bytes) -> SignedNote:
        """Parse a note file (not yet verified).

        Raises:
            InvalidInput: malformed.
        """
        data = loads_object(text, "diplomatic note")
        keys = {"format", "note", "signer", "signature"}
        if set(data) != keys or data["format"] != NOTE_FORMAT:
            raise InvalidInput(f"note file must have exactly {sorted(keys)} and format {NOTE_FORMAT}")
        note, signer, sig = data["note"], data["signer"], data["signature"]
        if not isinstance(note, dict) or not isinstance(signer, str) or not isinstance(sig, dict):
            raise InvalidInput("note file has fields of the wrong type")
        return cls(Note.from_dict(note), signer, DualSignature.from_dict(sig))


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

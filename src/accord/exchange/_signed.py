"""The steps every statement a node signs with both keys shares (Arts. 6, 13, 17).

A consent token, revocation, downgrade notice, destruction certificate, consent receipt,
holdings summary, compromise notice, compromise report and receipt batch are each one
frozen dataclass of named fields and a :class:`~accord.crypto.DualSignature`. They sign
and send the same way: the signed bytes are the canonical JSON of ``{"type":
"accord-<purpose>", "v": 1, ...fields}``; the wire form is the canonical JSON of ``{"v": 1,
...fields, "signature": ...}``; both keys sign under the purpose. :class:`SignedStatement`
holds those steps once, the checks of the fields whose names say what they hold
(``CHECKED``), and the parsing of the wire form; each format names its ``PURPOSE``,
``FIELDS`` and ``ENTRIES``, adds to :meth:`SignedStatement._body` what is neither (``MORE``),
and parses in :meth:`SignedStatement._parsed` whichever of its fields are not text.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Self

from accord.canonical import canonical_json
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.exchange._fields import (
    FORMAT_VERSION,
    check_fields,
    load_versioned,
    require_dual_signature,
    signature_field,
    text_fields,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["SignedStatement"]


class SignedStatement:
    """A statement signed by one node with both keys: its signed bytes and wire bytes."""

    PURPOSE: ClassVar[str]
    """The signing purpose; the signed bytes are typed ``accord-<purpose>``."""
    FIELDS: ClassVar[tuple[str, ...]]
    """The names of the fields carried as they are (text, mostly)."""
    ENTRIES: ClassVar[tuple[str, ...]] = ()
    """The names of the fields that hold a tuple of entries, each carried as its ``to_dict()``."""
    MORE: ClassVar[tuple[str, ...]] = ()
    """The names of the other fields of the wire form (``_body`` adds them, ``_parsed`` reads them)."""
    CHECKED: ClassVar[tuple[str, ...]] = ()
    """The fields checked as their names say (:func:`~._fields.check_fields`), before :meth:`_check`."""
    WHAT: ClassVar[str]
    """What the format is called in an error message."""
    __dataclass_fields__: ClassVar[dict[str, Any]]
    signature: DualSignature

    def __post_init__(self) -> None:
        """Check the format's fields (``CHECKED``, then :meth:`_check`), then that it holds a dual signature.

        Raises:
            InvalidInput: a field is invalid, or the signature is not a dual signature.
        """
        check_fields(self, self.CHECKED, self.WHAT)
        self._check(self.WHAT)
        require_dual_signature(self.signature, self.WHAT)

    def _check(self, what: str) -> None:
        """The format's own checks of its fields, ``what`` naming it in messages; none here.

        Raises:
            InvalidInput: a field is invalid.
        """

    def _body(self) -> dict[str, object]:
        body = {name: getattr(self, name) for name in self.FIELDS}
        for name in self.ENTRIES:
            body[name] = [entry.to_dict() for entry in getattr(self, name)]
        return body

    def statement(self) -> bytes:
        """The exact bytes the node signs (canonical JSON, without the signature)."""
        return canonical_json({"type": f"accord-{self.PURPOSE}", "v": FORMAT_VERSION, **self._body()})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the signing node's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify(self.PURPOSE, self.statement(), self.signature)

    def to_dict(self) -> dict[str, object]:
        """The wire form as JSON-ready data, signature included."""
        return {"v": FORMAT_VERSION, **self._body(), "signature": self.signature.to_dict()}

    def to_bytes(self) -> bytes:
        """Canonical JSON of :meth:`to_dict`."""
        return canonical_json(self.to_dict())

    @classmethod
    def parse(cls, data: bytes | str) -> Self:
        """Parse (not verify) one, strictly: what :meth:`_parsed` reads, then the rest as text.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        fields = load_versioned(data, {*cls.FIELDS, *cls.ENTRIES, *cls.MORE, "signature"}, cls.WHAT)
        parsed = cls._parsed(fields)
        text = tuple(name for name in cls.FIELDS if name not in parsed)
        make: Callable[..., Self] = cls
        return make(
            **text_fields(fields, text, cls.WHAT), **parsed, signature=signature_field(fields, cls.WHAT)
        )

    @classmethod
    def _parsed(cls, fields: dict[str, object]) -> dict[str, Any]:
        """The fields that are not text (entries, counts, flags) parsed from the wire form; none here."""
        return {}

    def signed_with(self, keys: SigningKeys) -> Self:
        """This statement signed with ``keys`` (it was made with an unsigned placeholder)."""
        return replace(self, signature=keys.sign(self.PURPOSE, self.statement()))

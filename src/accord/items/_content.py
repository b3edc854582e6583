"""An item's content and the statement its binding signs (STANAG 4778 idea).

The binding statement holds the originator's canonical label together with the SHA-384
digests of the content (kind, title, body, typed fields, purpose of provision) and of each
attachment, so that neither the label nor any part of the content can be swapped or
altered without the signature failing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from accord.canonical import canonical_json
from accord.errors import ItemError
from accord.items._kinds import ItemKind, parse_fields
from accord.json_view import JsonView
from accord.markings import ConfidentialityLabel

__all__ = ["AttachmentRef", "ItemContent", "binding_statement"]

_SHA384_HEX = re.compile(r"[0-9a-f]{96}")
_MAX_TITLE = 300


def _encodable(text: str) -> bool:
    """Whether ``text`` has a UTF-8 form (no lone surrogates); fast, done in C."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class AttachmentRef(JsonView):
    """What the binding says of one attachment: its name, type, size and SHA-384."""

    name: str
    media_type: str
    size: int
    sha384: str

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not isinstance(self.media_type, str):
            raise ItemError("attachment name and media type must be text")
        if not isinstance(self.size, int) or isinstance(self.size, bool):
            raise ItemError("attachment size must be a whole number of bytes")
        if not isinstance(self.sha384, str):
            raise ItemError("attachment digest must be 96 lower-case hex digits (SHA-384)")
        if (
            not self.name
            or "/" in self.name
            or "\\" in self.name
            or self.name in (".", "..")
            or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in self.name)
        ):
            raise ItemError(f"attachment name {self.name!r} must be a plain file name")
        if self.size < 0:
            raise ItemError("attachment size cannot be negative")
        if not _SHA384_HEX.fullmatch(self.sha384):
            raise ItemError("attachment digest must be 96 lower-case hex digits (SHA-384)")


@dataclass(frozen=True)
class ItemContent:
    """The content of an item, validated on construction.

    ``fields`` are parsed by the kind's field specifications; a content object therefore
    always holds canonical values.
    """

    kind: ItemKind
    title: str
    body: str
    purpose: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("title", "body", "purpose"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ItemError(f"an item's {name} must be text, not {type(value).__name__}")
            if not _encodable(value):
                # A lone surrogate (e.g. an undecodable CLI argument) has no UTF-8 form to hash.
                raise ItemError(f"an item's {name} is not valid Unicode text")
            object.__setattr__(self, name, unicodedata.normalize("NFC", value))
        title = self.title.strip()
        if not title:
            raise ItemError("an item needs a title")
        if len(title) > _MAX_TITLE:
            raise ItemError(f"title longer than {_MAX_TITLE} characters")
        if not self.purpose.strip():
            raise ItemError("an item needs a purpose of provision (GSOMIA Art. 6)")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "purpose", self.purpose.strip())
        object.__setattr__(self, "fields", parse_fields(self.kind, self.fields))

    def to_dict(self) -> dict[str, object]:
        """The content as a JSON object (the form that is hashed and stored)."""
        return {
            "v": 1,
            "kind": self.kind.value,
            "title": self.title,
            "body": self.body,
            "purpose": self.purpose,
            "fields": dict(self.fields),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ItemContent:
        """Rebuild content from :meth:`to_dict` output.

        Raises:
            ItemError: keys missing or unknown, or values of the wrong type.
        """
        expected = {"v", "kind", "title", "body", "purpose", "fields"}
        if set(data) != expected or type(data["v"]) is not int or data["v"] != 1:
            raise ItemError("stored item content has an unexpected shape")
        kind, title, body, purpose, fields = (data[k] for k in ("kind", "title", "body", "purpose", "fields"))
        if not (
            isinstance(kind, str)
            and isinstance(title, str)
            and isinstance(body, str)
            and isinstance(purpose, str)
            and isinstance(fields, dict)
        ):
            raise ItemError("stored item content has values of the wrong type")
        return cls(ItemKind.parse(kind), title, body, purpose, fields)

    def canonical_bytes(self) -> bytes:
        """Deterministic bytes of the content."""
        return canonical_json(self.to_dict())

    def sha384(self) -> str:
        """SHA-384 of the canonical content, hex."""
        return hashlib.sha384(self.canonical_bytes()).hexdigest()


def binding_statement(
    *,
    item_id: str,
    originator_node: str,
    label: ConfidentialityLabel,
    content_sha384: str,
    attachments: Sequence[AttachmentRef],
) -> bytes:
    """The canonical bytes a binding signs: label and digests, inseparably."""
    return canonical_json(
        {
            "type": "accord-binding",
            "v": 1,
            "item_id": item_id,
            "originator_node": originator_node,
            "label": label.to_dict(),
            "content_sha384": content_sha384,
            "attachments": [a.to_dict() for a in attachments],
        }
    )

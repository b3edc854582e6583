"""STANAG 4778 export and import through a node's public services (issue 13).

* :meth:`Stanag4778Exchange.export` reads the item as ``actor`` (the decision point decides,
  as for ``accord item show``) and returns the binding document this node signed: the
  STANAG 4774 labels and the data object under one XML Signature (``docs/stanag4778.md``);
* :meth:`Stanag4778Exchange.import_binding` verifies a document against the *pinned* keys of
  its signer (the node refuses an unknown signer, a bad signature, a label or data that does
  not match its signed digest), takes the label in this node's scheme — the originator's, or
  the alternative the signer made under the agreement (Art. 4) — never guessing one, runs the
  node's creation checks, and only then creates the item under the importer's identity.
  Every refusal is journalled with its reason, and nothing is stored.
"""

from __future__ import annotations

from accord.errors import AccordError, InvalidInput
from accord.interop._stix import label_request
from accord.node import ItemView, NewItem, Node

__all__ = ["Stanag4778Exchange"]


class Stanag4778Exchange:
    """STANAG 4778 binding documents in and out of one node."""

    def __init__(self, node: Node) -> None:
        """Serve ``node``."""
        self._node = node

    def export(self, item_id: str, *, actor: str) -> bytes:
        """The item as a binding document signed by this node, read as ``actor``.

        Raises:
            NotFound: the item does not exist or ``actor`` may not read it (the same answer).
            IntegrityError: the stored item no longer matches its binding.
        """
        return self._node.items.binding_4778(item_id, actor=actor)

    def import_binding(self, data: bytes, *, actor: str) -> ItemView:
        """Verify a binding document and create its item as ``actor``; or refuse, storing nothing.

        Raises:
            InvalidInput: the document is too large, malformed, mis-encoded, declares a DTD or
                an entity, is nested too deep, is unsigned, breaks the binding's structure, or
                carries no label in this node's scheme.
            VerificationFailed: the signer is not pinned here, a signature does not verify, or
                the label or the data does not match what was signed.
            AccordError: a creation check refused the item (scope, clearance, role …).
        """
        try:
            _, bound = self._node.items.verify_4778(data)
            scheme = self._node.config.scheme
            label = bound.marking.for_scheme(scheme)
            if label is None:
                raise InvalidInput(
                    f"STANAG 4778 binding refused: it carries no label in this node's scheme {scheme}; "
                    "Accord never guesses a classification"
                )
            request = label_request(label)
            self._node.items.check_create(actor=actor, label=request, purpose=bound.content.purpose)
        except AccordError as exc:
            self._node.ctx.journal_refusal(actor, "stanag4778.import", exc, detail={"bytes": len(data)})
            raise
        return self._node.items.create(NewItem(bound.content, request, bound.precedence), actor=actor)

"""STANAG 4778 export and import through a node's public services (issue 13).

* :meth:`Stanag4778Exchange.export` reads the item as ``actor`` (the decision point decides,
  as for ``accord item show``) and returns the binding document this node signed: the
  STANAG 4774 labels and the data object under one XML Signature (``docs/stanag4778.md``);
* :meth:`Stanag4778Exchange.import_binding` verifies a document against the *pinned* keys of
  its signer (the node refuses an unknown signer, a bad signature, a label or data that does
  not match its signed digest), then makes sure it is information of this node's own party:
  signed by this node or another node of its party (a national system), the originator's
  label in this node's scheme. A partner's item is refused: created here in this node's name
  it would lose its originator's controls (Art. 6) and leave this node's register of what it
  holds for that partner; it arrives through the exchange or an offline bundle. Then the
  node's creation checks, and only then the item, under the importer's identity. Every
  refusal is journalled with its reason, and nothing is stored.
"""

from __future__ import annotations

from accord.errors import AccordError, PolicyDenied
from accord.interop._stix import PARTNER_ITEMS, Ours, label_request, own_label
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
            PolicyDenied: it is a partner's item (signed by a node of another party, or the
                originator's label in another scheme).
            AccordError: a creation check refused the item (scope, clearance, role …).
        """
        try:
            party, bound = self._node.items.verify_4778(data)
            own = self._node.config
            if party != own.party:
                raise PolicyDenied(
                    f"STANAG 4778 binding refused: it is signed by a node of {party}, not of this node's "
                    f"party {own.party}: a partner's item is not imported as this node's own; {PARTNER_ITEMS}"
                )
            request = label_request(
                own_label(bound.marking, Ours.of(self._node), refused="STANAG 4778 binding refused: it")
            )
            self._node.items.check_create(actor=actor, label=request, purpose=bound.content.purpose)
        except AccordError as exc:
            self._node.ctx.journal_refusal(actor, "stanag4778.import", exc, detail={"bytes": len(data)})
            raise
        return self._node.items.create(NewItem(bound.content, request, bound.precedence), actor=actor)

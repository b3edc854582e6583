"""Partners: pinning identity cards, and finding whose keys sign what."""

from __future__ import annotations

import functools

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.crypto import VerifyKeys, certificate_fingerprint
from accord.errors import Conflict, InvalidInput, NotFound
from accord.exchange import UNSIGNED, IdentityCard, endpoint_address
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.store import PartyRow, format_stamp

__all__ = ["PartyService"]


@functools.lru_cache(maxsize=256)
def _parsed_card(card_json: str) -> IdentityCard:
    # A stored card was verified when it was pinned; parsing it again (X.509, two signature
    # checks) for every envelope and receipt would dominate the exchange. Keyed by the
    # exact text, so a changed row is parsed and verified afresh.
    return IdentityCard.parse(card_json)


class PartyService:
    """This node's identity card and the partner cards it has pinned."""

    def __init__(self, ctx: NodeContext) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx

    def own_card(self) -> IdentityCard:
        """This node's self-signed identity card."""
        cfg = self._ctx.config
        keys, pem = self._ctx.keys, self._ctx.tls_certificate_pem
        unsigned = IdentityCard(
            party=cfg.party,
            node_id=cfg.node_id,
            scheme=cfg.scheme,
            endpoint=cfg.endpoint,
            signing_keys=keys.public(),
            hpke_public_key=self._ctx.hpke.public_bytes(),
            hpke_cnsa_public_key=self._ctx.hpke_cnsa.public_bytes(),
            tls_certificate_pem=pem,
            tls_fingerprint=certificate_fingerprint(pem.encode("ascii")),
            created=cfg.created,
            signature=UNSIGNED,
        )
        return unsigned.signed_with(keys)

    def exported_card(self) -> IdentityCard:
        """This node's card as it is handed to partners (``accord identity export``).

        Raises:
            InvalidInput: the node's endpoint is not ``https://host:port`` (a node made before
                ``accord init`` checked it): partners could not reach it.
        """
        card = self.own_card()
        endpoint_address(card.endpoint)
        return card

    def add(self, card_text: str | bytes, *, actor: str) -> tuple[IdentityCard, bool]:
        """Pin a partner's card. Returns the card and whether it was newly pinned.

        Pinning the same card twice changes nothing; a different card for a node id that is
        already pinned is refused (key changes are a deliberate act, not a side effect).

        Raises:
            InvalidInput: the card is malformed, or its endpoint is not ``https://host:port``.
            VerificationFailed: its self-signature or certificate fingerprint is wrong.
            Conflict: it is this node's own card, or the node id is pinned with other keys.
        """
        with self._ctx.work(actor, "party.pin") as session:
            card = IdentityCard.parse(card_text)
            if card.node_id == self._ctx.config.node_id:
                raise Conflict("that is this node's own identity card")
            try:
                endpoint_address(card.endpoint)  # the rule `accord serve` listens by
            except InvalidInput as exc:
                raise InvalidInput(f"identity card of {card.node_id}: {exc}") from exc
            existing = session.get(PartyRow, card.node_id)
            if existing is not None:
                # Same node, same keys: the ML-DSA half of a card's self-signature is hedged,
                # so a re-exported card differs in bytes but not in what it says.
                if IdentityCard.parse(existing.card_json).body() == card.body():
                    return card, False
                raise Conflict(f"node {card.node_id} is already pinned with a different card")
            session.add(
                PartyRow(
                    node_id=card.node_id,
                    party=card.party,
                    card_json=card.to_json(),
                    fingerprint=card.fingerprint,
                    pinned_at=format_stamp(self._ctx.now()),
                )
            )
            journal_done(
                session,
                Act(actor, self._ctx.now()),
                "party.pin",
                detail={"node_id": card.node_id, "party": card.party, "fingerprint": card.fingerprint},
            )
            return card, True

    def all(self) -> list[IdentityCard]:
        """Every pinned partner card, by party then node id."""
        with self._ctx.db.transaction(read_only=True) as session:
            rows = session.scalars(select(PartyRow).order_by(PartyRow.party, PartyRow.node_id)).all()
            return [IdentityCard.parse(row.card_json) for row in rows]

    def signer(self, session: Session, node_id: str) -> tuple[str, VerifyKeys]:
        """The party and verification keys of ``node_id``: this node or a pinned partner.

        Raises:
            NotFound: the node is neither this node nor pinned.
        """
        if node_id == self._ctx.config.node_id:
            return self._ctx.config.party, self._ctx.keys.public()
        row = session.get(PartyRow, node_id)
        if row is None:
            raise NotFound(
                f"node {node_id!r} is unknown here: pin its identity card first (accord party add)"
            )
        card = _parsed_card(row.card_json)
        return card.party, card.signing_keys

    def card(self, session: Session, node_id: str) -> IdentityCard:
        """The pinned identity card of ``node_id``.

        Raises:
            NotFound: it is not pinned here.
        """
        row = session.get(PartyRow, node_id)
        if row is None:
            raise NotFound(f"node {node_id!r} is not pinned here (accord party add)")
        return IdentityCard.parse(row.card_json)

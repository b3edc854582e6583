"""Tables of accountability (GSOMIA Arts. 6, 9–16): copies, translations, destructions, consent receipts.

The holdings register and the dissemination record are read from these and from the
tables of exchange (``items``, ``outbox``, ``receipts``, ``consents``); nothing here is
deleted. A destroyed item keeps its row in ``items`` (marking, digests, binding) with its
key and sealed content erased; its copies and translations are marked destroyed.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._tables import TIME, Base, SealedContent

__all__ = ["ConsentReceiptRow", "CopyRow", "DestructionRow", "TranslationRow"]


class CopyRow(Base):
    """A numbered copy of an item held here: copy ``number`` of ``of`` (Art. 16)."""

    __tablename__ = "item_copies"
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    of: Mapped[int] = mapped_column(Integer)
    made_by: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[str] = mapped_column(TIME)
    status: Mapped[str] = mapped_column(String(16))


class TranslationRow(SealedContent, Base):
    """A translation: a derived item with the source's marking, sealed under its own key.

    ``signature_json`` is this node's signature over the translation statement (source id
    and digest, label, language, content digest), since the originator never signed it.
    """

    __tablename__ = "item_translations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    lang: Mapped[str] = mapped_column(String(35))
    signature_json: Mapped[str] = mapped_column(Text)
    made_by: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[str] = mapped_column(TIME)
    status: Mapped[str] = mapped_column(String(16))


class DestructionRow(Base):
    """A signed destruction certificate: ``issued`` here, or ``received`` from a holder."""

    __tablename__ = "destructions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    holder_node: Mapped[str] = mapped_column(String(64))
    certificate_json: Mapped[str] = mapped_column(Text)
    destroyed_at: Mapped[str] = mapped_column(TIME)
    recorded_at: Mapped[str] = mapped_column(TIME)


class ConsentReceiptRow(Base):
    """At the originator: a third party's signed receipt of an item passed on under its consent.

    The dissemination record of what third parties received (Art. 6): ``third_party_node``
    received ``item_id`` from ``holder_node`` in the envelope ``message_id`` under the
    consent ``token_id``; the receipt came under ``agreement_id`` (the agreement with the third
    party under which it protects the item). ``receipt_json`` is the signed
    :class:`~accord.exchange.ConsentReceipt`.
    """

    __tablename__ = "consent_receipts"
    __table_args__ = (UniqueConstraint("third_party_node", "holder_node", "message_id"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[str] = mapped_column(String(64), index=True)
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    content_sha384: Mapped[str] = mapped_column(String(96))
    holder_party: Mapped[str] = mapped_column(String(3))
    holder_node: Mapped[str] = mapped_column(String(64))
    third_party: Mapped[str] = mapped_column(String(3))
    third_party_node: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str] = mapped_column(String(64))
    agreement_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[str] = mapped_column(TIME)
    recorded_at: Mapped[str] = mapped_column(TIME)
    receipt_json: Mapped[str] = mapped_column(Text)

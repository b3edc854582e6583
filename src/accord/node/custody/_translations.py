"""Translations of items held here (GSOMIA Arts. 13–14: the same markings and control).

A translation is a derived item: the translated text sealed under a key of its own, the
source's marking carried unchanged (the originator's label and controls, Art. 4 and
obligation ``carry-markings``), linked to its source. It is *not* an item originated here:
it lives beside the source (table ``item_translations``), is read under the source's
decision (same marking, same originator, same consents), is never released on its own, and
is destroyed with its source. The originator never signed the translated text, so its
binding is a signature of **this** node (purpose ``translation``) over the source id and
digest, the carried label, the language and the text's digest
(:func:`translation_statement`); it is verified with this node's own keys when the
translation is shown.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.canonical import canonical_json
from accord.crypto import DualSignature, new_data_key
from accord.errors import AccordError, IntegrityError, InvalidInput, ItemError, NotFound, VerificationFailed
from accord.items import HoldingState, ItemContent
from accord.limits import MAX_TEXT_BYTES, read_bounded
from accord.markings import Marking, banner, received_banner
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._search_index import SearchIndex
from accord.node.holdings._stored import destroyed_message
from accord.node.holdings._vault import (
    open_translation,
    seal_translation,
    unwrap_translation_key,
    wrap_translation_key,
)
from accord.node.originator._gate import ItemGate
from accord.policy import Action
from accord.store import (
    CopyRepository,
    ItemRepository,
    ItemRow,
    TranslationRow,
    format_stamp,
)

__all__ = ["TranslationView", "Translations", "translation_statement", "translations_of"]

_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")


@dataclass(frozen=True)
class TranslationView:
    """A translation as shown to a person: the source's banners, the translated text."""

    id: str
    source_id: str
    lang: str
    marking: Marking
    content: ItemContent
    banners: tuple[str, ...]
    made_by: str
    made_at: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "id": self.id,
            "translation_of": self.source_id,
            "lang": self.lang,
            "banners": list(self.banners),
            "marking": self.marking.to_dict(),
            "content": self.content.to_dict(),
            "made_by": self.made_by,
            "made_at": self.made_at,
        }


def translation_statement(row: TranslationRow, source: ItemRow, node_id: str) -> bytes:
    """What this node signs for a translation: source, carried label, language, text digest."""
    return canonical_json(
        {
            "type": "accord-translation",
            "v": 1,
            "translation_id": row.id,
            "translation_of": source.id,
            "source_content_sha384": source.content_sha384,
            "originator_node": source.originator_node,
            "marking": json.loads(row.marking_json),
            "lang": row.lang,
            "content_sha384": row.content_sha384,
            "made_by": row.made_by,
            "made_at": row.made_at,
            "translated_at": node_id,
        }
    )


def translations_of(session: Session, item_id: str) -> list[TranslationRow]:
    """The translations of an item (no policy check: callers decide)."""
    return CopyRepository(session).translations(item_id)


class Translations(ItemGate):
    """Make and show translations under their source's marking and decision (Arts. 13–14)."""

    def translate(self, item_id: str, *, path: Path, lang: str, actor: str) -> TranslationView:
        """Make a translation of an item; see :meth:`CustodyService.translate` (same ``Raises``)."""
        detail = {"lang": lang}
        with self._ctx.work(actor, "item.translate", item_id=item_id, detail=detail) as session:
            lang = lang.strip()
            if not _LANG.fullmatch(lang):
                raise InvalidInput(f"{lang[:20]!r} is not a language tag such as ko, ja or en")
            translated = _read_text(path)
            now = self._ctx.now()
            row = self.permitted(session, item_id, Action.TRANSLATE, actor, now)
            source = self._items.view_in(session, row)
            content = ItemContent(
                source.content.kind,
                source.content.title,
                translated,
                source.content.purpose,
                source.content.fields,
            )
            made = self._sealed(row, lang, content, actor, now)
            CopyRepository(session).add_translation(made)
            SearchIndex(self._ctx).index_translation(session, made, content)
            journal_done(
                session,
                Act(actor, now),
                "item.translate",
                item_id=item_id,
                detail={"translation_id": made.id, "lang": lang, "content_sha384": made.content_sha384},
            )
            return TranslationView(
                made.id, item_id, lang, source.marking, content, source.banners, actor, made.made_at
            )

    def _sealed(
        self, source: ItemRow, lang: str, content: ItemContent, actor: str, now: datetime
    ) -> TranslationRow:
        """The translation sealed under a key of its own, with this node's signature as its binding."""
        translation_id = f"tr-{uuid.uuid4().hex}"
        key = new_data_key()
        made = TranslationRow(
            id=translation_id,
            source_id=source.id,
            lang=lang,
            # The source's marking, unchanged: the same label and controls (Arts. 4, 16).
            marking_json=source.marking_json,
            content_sealed=seal_translation(key, content.canonical_bytes(), translation_id),
            wrapped_key=wrap_translation_key(self._ctx.data_key, key, translation_id),
            content_sha384=content.sha384(),
            signature_json="",
            made_by=actor,
            made_at=format_stamp(now),
            status=HoldingState.HELD,
        )
        signature = self._ctx.keys.sign(
            "translation", translation_statement(made, source, self._ctx.config.node_id)
        )
        made.signature_json = json.dumps(signature.to_dict(), sort_keys=True)
        return made

    def show(self, translation_id: str, *, actor: str) -> TranslationView:
        """A translation; see :meth:`CustodyService.show_translation` (same ``Raises``)."""
        with self._ctx.work(actor, "translation.read", item_id=translation_id) as session:
            now = self._ctx.now()
            user = self._users.get_in(session, actor)
            made = CopyRepository(session).translation(translation_id)
            source = None if made is None else ItemRepository(session).get(made.source_id)
            if made is None or source is None:
                raise NotFound(f"no item {translation_id!r} at this node")
            resource = replace(self._items.resource_of(source), item_id=translation_id)
            decision = self._access.require_read(session, user, resource, now)
            if made.status == HoldingState.DESTROYED:
                raise NotFound(destroyed_message(translation_id, None))
            content, marking = self._opened(made, source)
            journal_done(
                session,
                Act(actor, now),
                "translation.read",
                item_id=translation_id,
                detail={"translation_of": source.id, "obligations": list(decision.obligations)},
            )
            return TranslationView(
                made.id,
                source.id,
                made.lang,
                marking,
                content,
                self._banners(marking),
                made.made_by,
                made.made_at,
            )

    def _opened(self, made: TranslationRow, source: ItemRow) -> tuple[ItemContent, Marking]:
        """The text and carried label, once this node's signature over them verifies.

        Raises:
            IntegrityError: the text or the label no longer matches the signature.
        """
        try:
            signature = DualSignature.from_dict(json.loads(made.signature_json))
            self._ctx.keys.public().verify(
                "translation", translation_statement(made, source, self._ctx.config.node_id), signature
            )
            key = unwrap_translation_key(self._ctx.data_key, made.wrapped_key, made.id)
            plain = open_translation(key, made.content_sealed, made.id)
            content = ItemContent.from_dict(json.loads(plain))
            if content.sha384() != made.content_sha384:
                raise VerificationFailed("the translated text does not match its digest")
            marking = Marking.from_dict(json.loads(made.marking_json))
        except (AccordError, ValueError) as exc:
            raise IntegrityError(
                f"translation {made.id}: its signature no longer verifies — text or label altered"
            ) from exc
        return content, marking

    def _banners(self, marking: Marking) -> tuple[str, ...]:
        own = self._ctx.config.scheme
        if marking.originator.policy != own:
            return (received_banner(marking, own), banner(marking.originator))
        return (banner(marking.originator),)


def _read_text(path: Path) -> str:
    data = read_bounded(path, limit=MAX_TEXT_BYTES, what=f"translation file {path}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ItemError(f"{path} is not UTF-8 text") from exc

"""``ItemService.create_many``: an importer's batch, each item checked as by ``create``, all or none."""

from __future__ import annotations

from pathlib import Path

from support_node import NEW_ITEM, Pair, blob_files, events, refused

from accord.errors import TranslationRefused
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem
from support_federation import write_image


def _report(n: int) -> ItemContent:
    return ItemContent(ItemKind.REPORT, f"Report {n}", "本文", "DPRK missile assessment")


def _label(pair: Pair, classification: str = "秘") -> LabelRequest:
    return LabelRequest(classification, ["KOR"], ["DPRK-MISSILE"], agreement=pair.agreement_id)


def test_a_batch_is_stored_with_one_verified_item_and_journal_entry_each(pair: Pair, tmp_path: Path) -> None:
    image = tmp_path / "sunan.pgm"
    write_image(image, 1)
    news = [NewItem(_report(n), _label(pair), Precedence.ROUTINE) for n in range(3)]
    news.append(NewItem(_report(3), _label(pair), Precedence.FLASH, attachments=[image]))
    before = len(events(pair.jpn))
    made = pair.jpn.items.create_many(news, actor="sato")
    assert [v.content.title for v in made] == [f"Report {n}" for n in range(4)]
    assert made[3].attachments[0].name == "sunan.pgm"
    created = [e for e in events(pair.jpn)[before:] if e.action == "item.create"]
    assert [(e.item_id, e.outcome, e.actor) for e in created] == [(v.id, "ok", "sato") for v in made]
    for view in made:  # each one reads back as an item made by `create` does
        shown = pair.jpn.items.show(view.id, actor="sato")
        assert shown.content == view.content
        assert shown.binding == view.binding


def test_one_refused_item_stores_none_of_the_batch(pair: Pair, tmp_path: Path) -> None:
    image = tmp_path / "sunan.pgm"
    write_image(image, 1)
    news = [
        NewItem(_report(0), _label(pair), Precedence.ROUTINE, attachments=[image]),
        NewItem(_report(1), _label(pair, "機密"), Precedence.ROUTINE),  # out of the agreement's scope
        NewItem(_report(2), _label(pair), Precedence.ROUTINE),
    ]
    blobs = blob_files(pair.jpn)
    with refused(pair.jpn, TranslationRefused, "機密", action="item.create", item_id=NEW_ITEM):
        pair.jpn.items.create_many(news, actor="tanaka")
    assert blob_files(pair.jpn) == blobs

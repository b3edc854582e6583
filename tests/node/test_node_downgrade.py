"""The originator's downgrade and declassification notices reach every holder (GSOMIA Art. 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from support_node import events

from accord.errors import IntegrityError, InvalidInput, NotFound, PolicyDenied
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem
from accord.store import ItemNoticeRow, ItemRow, QuarantineRow
from support_trio import Trio


def _provided(trio: Trio, level: str = "極秘") -> str:
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-25 salvo", "Six rounds.", "DPRK-MISSILE"),
            LabelRequest(level, ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


def test_a_downgrade_reaches_the_holder_and_changes_both_labels(trio: Trio) -> None:
    item = _provided(trio)
    kor_before = trio.kor.items.show(item, actor="kim")
    assert kor_before.marking.for_scheme("KOR").classification == "군사Ⅱ급비밀"  # type: ignore[union-attr]
    told = trio.jpn.notices.downgrade(item, to="秘", reason="Source declassified in part", actor="sato")
    assert told == ["kor-mnd"]
    assert trio.jpn.items.show(item, actor="sato").marking.originator.classification == "秘"
    trio.deliver(trio.jpn)
    after = trio.kor.items.show(item, actor="kim")  # the binding still verifies, through the notice
    assert after.marking.originator.classification == "秘"
    assert after.marking.for_scheme("KOR").classification == "군사Ⅲ급비밀"  # type: ignore[union-attr]
    assert after.status == "downgraded"
    # The receipt for the notice came back: nothing pending.
    assert trio.jpn.delivery.outbox() == []


def test_declassification_is_shown_in_the_banner(trio: Trio) -> None:
    item = _provided(trio, "秘")
    trio.jpn.notices.downgrade(item, to=None, declassify=True, reason="Public release", actor="sato")
    trio.deliver(trio.jpn)
    shown = trio.kor.items.show(item, actor="kim")
    assert shown.status == "declassified"
    assert shown.banners[0].startswith("DECLASSIFIED by JPN")


def test_only_the_originator_downgrades(trio: Trio) -> None:
    item = _provided(trio)
    with pytest.raises(PolicyDenied, match="only the originator JPN may downgrade"):
        trio.kor.notices.downgrade(item, to="군사Ⅲ급비밀", reason="x", actor="kim")


def test_a_level_that_is_not_lower_is_refused(trio: Trio) -> None:
    item = _provided(trio, "秘")
    with pytest.raises(InvalidInput, match="not lower"):
        trio.jpn.notices.downgrade(item, to="極秘", reason="x", actor="sato")
    with pytest.raises(InvalidInput, match="not both"):
        trio.jpn.notices.downgrade(item, to="秘", declassify=True, reason="x", actor="sato")


def test_a_lowered_marking_without_a_notice_no_longer_verifies(trio: Trio) -> None:
    item = _provided(trio)
    with trio.kor.ctx.db.transaction() as session:
        row = session.get_one(ItemRow, item)
        row.marking_json = row.marking_json.replace("極秘", "秘").replace("군사Ⅱ급비밀", "군사Ⅲ급비밀")
    with pytest.raises(IntegrityError, match="no longer verifies"):
        trio.kor.items.show(item, actor="kim")


def test_a_notice_for_an_item_not_held_is_quarantined(trio: Trio) -> None:
    item = _provided(trio)
    # KOR loses the holding (as if returned); the notice then finds nothing to apply to.
    with trio.kor.ctx.db.transaction() as session:
        session.execute(update(ItemRow).where(ItemRow.id == item).values(id="kor-moved-away-0001"))
    trio.jpn.notices.downgrade(item, to="秘", reason="x", actor="sato")
    trio.deliver(trio.jpn)
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        reasons = [r.reason for r in session.scalars(select(QuarantineRow))]
        assert session.scalars(select(ItemNoticeRow)).all() == []
    assert any("not held here" in r for r in reasons)
    with pytest.raises(NotFound):
        trio.kor.items.show(item, actor="kim")


def test_a_repeated_notice_is_already_applied_and_not_applied_again(trio: Trio, tmp_path: Path) -> None:
    """The same notice twice (its bundle imported again) is answered as already applied."""
    item = _provided(trio)
    trio.jpn.notices.downgrade(item, to="秘", reason="Source declassified in part", actor="sato")
    pouch = tmp_path / "notice.accord"
    trio.jpn.bundles.export(to="KOR", path=pouch, actor="officer")
    first = trio.kor.bundles.import_(pouch, actor="officer")
    assert (first.new, first.already_received, first.rejected) == (1, 0, 0)
    again = trio.kor.bundles.import_(pouch, actor="officer", receipts_out=tmp_path / "again.accord")
    assert (again.new, again.already_received, again.rejected) == (0, 1, 0)
    with trio.kor.ctx.db.transaction() as session:
        assert len(session.scalars(select(ItemNoticeRow).where(ItemNoticeRow.item_id == item)).all()) == 1
    applied = [e for e in events(trio.kor) if e.action == "item.downgrade.received"]
    assert len(applied) == 1

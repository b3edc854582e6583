"""Stored items altered behind Accord's back: the binding catches it, the journal records it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from support_node import Pair, events, refused

from accord.errors import IntegrityError, NotFound
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ItemView, LabelRequest, NewItem, Node
from accord.store import AttachmentRow, ItemRow

CONTENT = ItemContent(
    ItemKind.IMAGERY,
    "Sunan airfield, post-launch imagery",
    "Launch site and support vehicles after the launch.",
    "Assessment of DPRK missile activity",
    {
        "acquisition_time": "2026-11-25T08:58:00Z",
        "sensor": "IGS optical",
        "footprint": "39.1,125.6;39.1,125.8;39.3,125.8;39.3,125.6",
    },
)


@pytest.fixture
def item(pair: Pair, tmp_path: Path) -> ItemView:
    image = tmp_path / "sunan.pgm"
    image.write_bytes(b"P5\n4 2\n255\n" + bytes(range(8)) * 5000)
    return pair.jpn.items.create(
        NewItem(
            CONTENT,
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=pair.agreement_id),
            Precedence.ROUTINE,
            attachments=[image],
        ),
        actor="sato",
    )


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _alter_item(node: Node, item_id: str, change: Callable[[ItemRow], None]) -> None:
    with node.ctx.db.transaction() as session:
        change(session.get_one(ItemRow, item_id))


def _alter_attachment(node: Node, item_id: str, change: Callable[[AttachmentRow], None]) -> None:
    with node.ctx.db.transaction() as session:
        change(session.get_one(AttachmentRow, (item_id, 0)))


def _raise_classification(row: ItemRow) -> None:
    assert '"classification":"秘"' in row.marking_json
    row.marking_json = row.marking_json.replace('"classification":"秘"', '"classification":"極秘"')


def _drop_releasability(row: ItemRow) -> None:
    marking = json.loads(row.marking_json)
    for category in marking["originator"]["categories"]:
        if category["tag_name"] == "Releasable To":
            category["values"] = ["JPN"]
    row.marking_json = json.dumps(marking, ensure_ascii=False)


def _flip_content(row: ItemRow) -> None:
    row.content_sealed = _flip(row.content_sealed, len(row.content_sealed) // 2)


def _alter_binding(half: str) -> Callable[[ItemRow], None]:
    def alter(row: ItemRow) -> None:
        binding = json.loads(row.binding_json)
        signature = binding["signature"][half]
        binding["signature"][half] = ("A" if signature[0] != "A" else "B") + signature[1:]
        row.binding_json = json.dumps(binding)

    return alter


def _replace_bound_statement(row: ItemRow) -> None:
    binding = json.loads(row.binding_json)
    binding["statement"] = binding["statement"][::-1]
    row.binding_json = json.dumps(binding)


def _flip_item_key(row: ItemRow) -> None:
    row.wrapped_key = _flip(row.wrapped_key, 5)


def _other_originator(row: ItemRow) -> None:
    row.originator_node = "kor-mnd"


def _change_content_digest(row: ItemRow) -> None:
    row.content_sha384 = "0" * 96


def _garbage_marking(row: ItemRow) -> None:
    row.marking_json = "{not json"


def _other_originator_party(row: ItemRow) -> None:
    row.originator_party = "KOR"


def _other_kind(row: ItemRow) -> None:
    row.kind = "report" if row.kind != "report" else "imagery"


ITEM_TAMPERING = [
    pytest.param(_raise_classification, id="marking classification raised"),
    pytest.param(_drop_releasability, id="marking releasability changed"),
    pytest.param(_garbage_marking, id="marking not JSON"),
    pytest.param(_flip_content, id="sealed content byte flipped"),
    pytest.param(_alter_binding("ed25519"), id="binding ed25519 signature altered"),
    pytest.param(_alter_binding("mldsa65"), id="binding ml-dsa signature altered"),
    pytest.param(_replace_bound_statement, id="binding statement altered"),
    pytest.param(_flip_item_key, id="wrapped item key flipped"),
    pytest.param(_other_originator, id="originator node swapped"),
    pytest.param(_change_content_digest, id="stored content digest changed"),
    pytest.param(_other_originator_party, id="originator party column changed"),
    pytest.param(_other_kind, id="kind column changed"),
]


@pytest.mark.parametrize("change", ITEM_TAMPERING)
def test_an_altered_item_is_refused_on_show(
    pair: Pair, item: ItemView, change: Callable[[ItemRow], None]
) -> None:
    _alter_item(pair.jpn, item.id, change)
    with refused(pair.jpn, IntegrityError, "no longer verifies", action="item.read", item_id=item.id):
        pair.jpn.items.show(item.id, actor="sato")
    with refused(pair.jpn, IntegrityError, ".", action="item.attachment", item_id=item.id):
        pair.jpn.items.attachment(item.id, 0, actor="sato")
    with pytest.raises(IntegrityError):
        pair.jpn.items.all()
    listing = pair.jpn.items.listing()
    assert [d.id for d in listing.damaged] == [item.id]
    assert "no longer verifies" in listing.damaged[0].reason


@pytest.mark.parametrize("change", ITEM_TAMPERING)
def test_an_item_altered_after_it_verified_is_refused_on_every_read(
    pair: Pair, item: ItemView, change: Callable[[ItemRow], None]
) -> None:
    """The memory of verified signatures (crypto/_verified.py) never stands in for the altered row."""
    assert pair.jpn.items.show(item.id, actor="sato").id == item.id  # verified, remembered
    assert [v.id for v in pair.jpn.items.listing().views] == [item.id]
    _alter_item(pair.jpn, item.id, change)
    for _ in range(2):
        with pytest.raises(IntegrityError):
            pair.jpn.items.show(item.id, actor="sato")
        assert [d.id for d in pair.jpn.items.listing().damaged] == [item.id]


def _change_digest(row: AttachmentRow) -> None:
    row.sha384 = "0" * 96


def _change_size(row: AttachmentRow) -> None:
    row.size += 1


def _change_name(row: AttachmentRow) -> None:
    row.name = "innocent.txt"


ATTACHMENT_TAMPERING = [
    pytest.param(_change_digest, id="attachment sha384 changed"),
    pytest.param(_change_size, id="attachment size changed"),
    pytest.param(_change_name, id="attachment renamed"),
]


@pytest.mark.parametrize("change", ATTACHMENT_TAMPERING)
def test_an_altered_attachment_row_is_refused_on_show(
    pair: Pair, item: ItemView, change: Callable[[AttachmentRow], None]
) -> None:
    _alter_attachment(pair.jpn, item.id, change)
    with refused(pair.jpn, IntegrityError, "no longer verifies", action="item.read", item_id=item.id):
        pair.jpn.items.show(item.id, actor="sato")


def test_a_flipped_attachment_key_is_an_integrity_error(pair: Pair, item: ItemView) -> None:
    def flip(row: AttachmentRow) -> None:
        row.wrapped_key = _flip(row.wrapped_key, 3)

    _alter_attachment(pair.jpn, item.id, flip)
    with refused(pair.jpn, IntegrityError, "key", action="item.attachment", item_id=item.id):
        pair.jpn.items.attachment(item.id, 0, actor="sato")


def _blob(pair: Pair, item: ItemView) -> Path:
    with pair.jpn.ctx.db.transaction() as session:
        blob_id = session.get_one(AttachmentRow, (item.id, 0)).blob_id
    return pair.jpn.ctx.home.blobs / blob_id[:2] / blob_id


def test_a_blob_altered_on_disk_is_an_integrity_error(pair: Pair, item: ItemView) -> None:
    path = _blob(pair, item)
    path.write_bytes(_flip(path.read_bytes(), 100))
    assert pair.jpn.items.show(item.id, actor="sato").content == CONTENT  # the row itself is intact
    _, stream = pair.jpn.items.attachment(item.id, 0, actor="sato")
    with pytest.raises(IntegrityError, match="altered"):
        b"".join(stream)
    started, failed = events(pair.jpn)[-2:]
    assert (started.action, started.outcome) == ("item.attachment", "ok")
    assert (failed.action, failed.outcome, failed.item_id) == ("item.attachment", "refused", item.id)
    assert failed.detail["error"] == "IntegrityError"
    assert failed.detail["position"] == 0


def test_a_blob_swapped_for_another_item_s_blob_is_an_integrity_error(
    pair: Pair, item: ItemView, tmp_path: Path
) -> None:
    other_file = tmp_path / "other.bin"
    other_file.write_bytes(b"other imagery" * 1000)
    other = pair.jpn.items.create(
        NewItem(
            CONTENT,
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=pair.agreement_id),
            Precedence.ROUTINE,
            attachments=[other_file],
        ),
        actor="sato",
    )
    with pair.jpn.ctx.db.transaction() as session:
        theirs = session.get_one(AttachmentRow, (other.id, 0))
        ours = session.get_one(AttachmentRow, (item.id, 0))
        ours.blob_id = theirs.blob_id
    _, stream = pair.jpn.items.attachment(item.id, 0, actor="sato")
    with pytest.raises(IntegrityError):
        b"".join(stream)


def test_a_blob_missing_from_disk_is_not_found(pair: Pair, item: ItemView) -> None:
    _blob(pair, item).unlink()
    _, stream = pair.jpn.items.attachment(item.id, 0, actor="sato")
    with pytest.raises(NotFound, match="missing from the blob store"):
        b"".join(stream)


def test_a_truncated_blob_is_an_integrity_error(pair: Pair, item: ItemView) -> None:
    path = _blob(pair, item)
    path.write_bytes(path.read_bytes()[:-200])
    _, stream = pair.jpn.items.attachment(item.id, 0, actor="sato")
    with pytest.raises(IntegrityError):
        b"".join(stream)


def test_untouched_item_still_verifies(pair: Pair, item: ItemView) -> None:
    assert pair.jpn.items.show(item.id, actor="sato") == item

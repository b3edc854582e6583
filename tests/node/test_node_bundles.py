"""Offline bundles: export at JPN, import at KOR, return bundle back to JPN; tampering refused."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from support_node import FederationLike

from accord.errors import IntegrityError, InvalidInput, NotFound, VerificationFailed
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node
from accord.store import InboxMessageRow, ItemRow, ReceiptRow
from support_federation import write_image


def _item(
    node: Node, attachments: list[Path] | None = None, precedence: Precedence = Precedence.ROUTINE
) -> str:
    return node.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "pouch report", "text", "Assessment"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"]),
            precedence,
            attachments=attachments or [],
        ),
        actor="sato",
    ).id


def test_round_trip_through_the_pouch(federation: FederationLike, tmp_path: Path) -> None:
    jpn, kor = federation.jpn, federation.kor
    image = tmp_path / "img.pgm"
    write_image(image, 2)
    items = [_item(jpn, [image]), _item(jpn, precedence=Precedence.FLASH)]
    for item in items:
        jpn.sending.send(item, to="KOR", actor="sato")
    bundle = tmp_path / "to-kor.accord"
    out = jpn.bundles.export(to="KOR", path=bundle, actor="officer")
    assert (out.envelopes, out.blobs) == (2, 1)
    assert len(jpn.delivery.outbox()) == 2  # pending until the receipts come back

    summary = kor.bundles.import_(bundle, actor="officer")
    assert (summary.receipts, summary.rejected) == (2, 0)
    assert summary.return_bundle is not None
    assert summary.return_bundle.is_file()
    assert {v.id for v in kor.items.inbox().views} == set(items)
    _, stream = kor.items.attachment(items[0], 0, actor="kim")
    assert b"".join(stream) == image.read_bytes()

    # importing twice changes nothing
    again = kor.bundles.import_(bundle, actor="officer", receipts_out=tmp_path / "again.accord")
    assert again.receipts == 2
    with kor.ctx.db.transaction() as session:
        assert session.query(InboxMessageRow).count() == 2
        assert session.query(ItemRow).filter(ItemRow.received_from.is_not(None)).count() == 2

    back = jpn.bundles.import_(summary.return_bundle, actor="officer")
    assert back.kind == "receipts"
    assert back.receipts == 2
    assert jpn.delivery.outbox() == []
    jpn.bundles.import_(summary.return_bundle, actor="officer")
    with jpn.ctx.db.transaction() as session:
        assert session.query(ReceiptRow).count() == 2


def test_nothing_pending_is_not_found(federation: FederationLike, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="nothing is pending"):
        federation.jpn.bundles.export(to="KOR", path=tmp_path / "x.accord", actor="officer")
    assert not (tmp_path / "x.accord").exists()


def _rewrite(src: Path, dst: Path, change: str) -> None:
    with tarfile.open(src) as tin, tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as tout:
        members = list(tin)
        for info in members:
            handle = tin.extractfile(info)
            assert handle is not None
            data = handle.read()
            if change == "flip-transmission" and info.name == "transmission.json":
                data = data.replace(b'"v":1', b'"v":1 ', 1)
            if change == "flip-blob" and info.name.startswith("blobs/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            if change == "drop-manifest" and info.name == "manifest.json":
                continue
            if change == "extra-member" and info.name == "manifest.json":
                extra = tarfile.TarInfo("../../evil")
                extra.size = 1
                tout.addfile(extra, io.BytesIO(b"x"))
            info.size = len(data)
            tout.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    ("change", "error", "reason"),
    [
        pytest.param(
            "flip-transmission", VerificationFailed, "do not match its signed manifest", id="transmission"
        ),
        pytest.param("flip-blob", IntegrityError, "does not hash to its name", id="blob"),
        pytest.param("drop-manifest", InvalidInput, "no manifest", id="no-manifest"),
        pytest.param("extra-member", InvalidInput, "unexpected bundle member", id="path-traversal-member"),
    ],
)
def test_altered_bundles_are_refused(
    federation: FederationLike, tmp_path: Path, change: str, error: type[Exception], reason: str
) -> None:
    jpn, kor = federation.jpn, federation.kor
    image = tmp_path / "img.pgm"
    write_image(image, 1)
    jpn.sending.send(_item(jpn, [image]), to="KOR", actor="sato")
    good = tmp_path / "good.accord"
    jpn.bundles.export(to="KOR", path=good, actor="officer")
    bad = tmp_path / "bad.accord"
    _rewrite(good, bad, change)
    with pytest.raises(error, match=reason):
        kor.bundles.import_(bad, actor="officer")
    assert kor.items.inbox().views == []
    assert not (tmp_path / "evil").exists()
    kor.bundles.import_(good, actor="officer")  # the genuine one still goes in
    assert len(kor.items.inbox().views) == 1


def test_a_bundle_for_another_node_is_refused(federation: FederationLike, tmp_path: Path) -> None:
    jpn = federation.jpn
    jpn.sending.send(_item(jpn), to="KOR", actor="sato")
    bundle = tmp_path / "to-kor.accord"
    jpn.bundles.export(to="KOR", path=bundle, actor="officer")
    with pytest.raises(InvalidInput, match="not for this node"):
        jpn.bundles.import_(bundle, actor="officer")


def test_reimporting_a_bundle_says_nothing_new_was_stored(federation: FederationLike, tmp_path: Path) -> None:
    jpn, kor = federation.jpn, federation.kor
    for _ in range(3):
        jpn.sending.send(_item(jpn), to="KOR", actor="sato")
    bundle = tmp_path / "to-kor.accord"
    jpn.bundles.export(to="KOR", path=bundle, actor="officer")
    first = kor.bundles.import_(bundle, actor="officer")
    assert (first.new, first.already_received, first.rejected) == (3, 0, 0)
    again = kor.bundles.import_(bundle, actor="officer", receipts_out=tmp_path / "again.accord")
    assert (again.new, again.already_received, again.rejected) == (0, 3, 0)
    assert again.receipts == 3  # the receipts are given again, for a return bundle lost on the way
    assert again.to_dict()["new"] == 0
    assert again.to_dict()["already_received"] == 3


def _regions(data: bytes) -> list[int]:
    """One or two byte positions in every kind of region of a bundle (a sample for the full import)."""
    positions: list[int] = []
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for info in tar:
            header_start, content_start = info.offset, info.offset_data
            content_end = content_start + info.size
            positions += [
                header_start,
                content_start - 512 + 155,
                content_start - 1,
            ]  # 155: checksum's last byte
            positions += [content_start, content_end - 1]
            if content_end % 512:
                positions.append(content_end)  # the padding after the content
            end = -(-content_end // 512) * 512
    positions += [end, end + 1023, len(data) - 1]  # the end of the archive and the record's padding
    return sorted(set(positions))


def test_a_bundle_altered_anywhere_is_refused_quarantined_and_nothing_stored(
    federation: FederationLike, tmp_path: Path
) -> None:
    """A sample of positions through the full import: headers (with the checksum's last byte,
    which tar does not read), contents, padding and the end of the archive. Every byte
    position is flipped through the parse-and-verify stage in
    ``tests/exchange/test_exchange_bundle_bytes.py``."""
    jpn, kor = federation.jpn, federation.kor
    image = tmp_path / "small.pgm"  # small: the whole refused file is kept in quarantine
    image.write_bytes(b"P5\n4 4\n255\n" + bytes(range(16)))
    jpn.sending.send(_item(jpn, [image]), to="KOR", actor="sato")
    good = tmp_path / "good.accord"
    jpn.bundles.export(to="KOR", path=good, actor="officer")
    genuine = good.read_bytes()
    positions = _regions(genuine)
    assert len(positions) > 20
    for n, position in enumerate(positions, start=1):
        altered = bytearray(genuine)
        altered[position] ^= 0x01
        bad = tmp_path / f"altered-{position}.accord"
        bad.write_bytes(bytes(altered))
        with pytest.raises((InvalidInput, VerificationFailed, IntegrityError)):
            kor.bundles.import_(bad, actor="officer")
        held = kor.receiving.quarantine()
        assert len(held) == n, f"byte {position}: not quarantined"
        assert held[0].reason.startswith(f"bundle {bad.name} refused: ")
        assert held[0].raw == bytes(altered)  # the refused file itself, for the officer
        assert not (tmp_path / f"altered-{position}.receipts.accord").exists()
    assert kor.items.inbox().views == []
    with kor.ctx.db.transaction() as session:
        assert session.query(InboxMessageRow).count() == 0
        assert session.query(ItemRow).filter(ItemRow.received_from.is_not(None)).count() == 0
    assert kor.bundles.import_(good, actor="officer").new == 1  # the genuine one still goes in


def test_a_refused_bundle_is_quarantined_with_its_reason(federation: FederationLike, tmp_path: Path) -> None:
    jpn = federation.jpn
    jpn.sending.send(_item(jpn), to="KOR", actor="sato")
    bundle = tmp_path / "to-kor.accord"
    jpn.bundles.export(to="KOR", path=bundle, actor="officer")
    with pytest.raises(InvalidInput, match="not for this node"):
        jpn.bundles.import_(bundle, actor="officer")
    (row,) = jpn.receiving.quarantine()
    assert row.peer == jpn.ctx.config.node_id  # the sender its signed manifest names
    assert "not for this node" in row.reason
    assert row.raw == bundle.read_bytes()
    with pytest.raises(NotFound, match="no bundle file"):
        jpn.bundles.import_(tmp_path / "absent.accord", actor="officer")
    assert len(jpn.receiving.quarantine()) == 1  # a missing file is not something a partner sent

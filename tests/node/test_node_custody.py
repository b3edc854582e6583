"""Copies, translations and destruction (GSOMIA Arts. 6, 9–16), across nodes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from accord.crypto import SigningKeys
from accord.errors import Conflict, IntegrityError, InvalidInput, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import UNSIGNED, DestructionCertificate
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from accord.node.core import Act
from accord.node.transfer import Outgoing
from accord.store import AttachmentRow, DestructionRow, ItemRow, QuarantineRow, read_events
from support_trio import Trio


def _provided(trio: Trio, tmp_path: Path | None = None) -> str:
    attachments = []
    if tmp_path is not None:
        image = tmp_path / "salvo.bin"
        image.write_bytes(b"imagery " * 1000)
        attachments.append(image)
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-25 salvo", "Six rounds.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
            attachments=attachments,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


def _events(node: object, action: str) -> list[str]:
    db = node.ctx.db  # type: ignore[attr-defined]
    with db.transaction(read_only=True) as session:
        return [e.outcome for e in read_events(session, action=action)]


def _add_witness(trio: Trio) -> None:
    trio.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )


def test_copies_are_numbered_across_requests(trio: Trio) -> None:
    item = _provided(trio)
    first = trio.kor.custody.copy(item, count=3, actor="kim")
    assert [c.label for c in first] == ["copy 1 of 3", "copy 2 of 3", "copy 3 of 3"]
    more = trio.kor.custody.copy(item, count=3, actor="kim")
    assert [c.label for c in more] == ["copy 4 of 6", "copy 5 of 6", "copy 6 of 6"]
    holding = next(h for h in trio.kor.register.holdings(actor="kim") if h.item_id == item)
    assert [c.number for c in holding.copies] == [1, 2, 3, 4, 5, 6]
    assert _events(trio.kor, "item.copy") == ["ok", "ok"]


@pytest.mark.parametrize("count", [0, 101], ids=["none", "too-many"])
def test_a_copy_count_out_of_range_is_refused(trio: Trio, count: int) -> None:
    item = _provided(trio)
    with pytest.raises(InvalidInput, match="from 1 to 100"):
        trio.kor.custody.copy(item, count=count, actor="kim")


def test_an_analyst_may_read_but_not_copy(trio: Trio) -> None:
    item = _provided(trio)
    with pytest.raises(PolicyDenied, match="the analyst role may not copy items"):
        trio.jpn.custody.copy(item, count=1, actor="suzuki")
    assert _events(trio.jpn, "item.copy") == ["refused"]


def test_a_translation_carries_the_markings_and_links_to_its_source(trio: Trio, tmp_path: Path) -> None:
    item = _provided(trio)
    text = tmp_path / "ko.txt"
    text.write_text("여섯 발.", encoding="utf-8")
    made = trio.kor.custody.translate(item, path=text, lang="ko", actor="kim")
    assert made.source_id == item
    shown = trio.kor.custody.show_translation(made.id, actor="kim")
    source = trio.kor.items.show(item, actor="kim")
    assert shown.content.body == "여섯 발."
    assert shown.marking == source.marking  # the originator's label and KOR's alternative, unchanged
    assert shown.banners == source.banners
    assert shown.content.purpose == source.content.purpose
    holding = next(h for h in trio.kor.register.holdings(actor="kim") if h.item_id == item)
    assert holding.translations == ((made.id, "ko", "held"),)
    # The translation is not an item of its own: it cannot be sent as if originated here.
    with pytest.raises(NotFound):
        trio.kor.items.show(made.id, actor="kim")


def test_an_altered_translation_no_longer_verifies(trio: Trio, tmp_path: Path) -> None:
    from accord.store import TranslationRow

    item = _provided(trio)
    text = tmp_path / "ko.txt"
    text.write_text("여섯 발.", encoding="utf-8")
    made = trio.kor.custody.translate(item, path=text, lang="ko", actor="kim")
    with trio.kor.ctx.db.transaction() as session:
        row = session.get_one(TranslationRow, made.id)
        row.marking_json = row.marking_json.replace("극비", "x").replace("極秘", "秘")
    with pytest.raises(IntegrityError, match="no longer verifies"):
        trio.kor.custody.show_translation(made.id, actor="kim")


def test_a_bad_language_tag_is_refused(trio: Trio, tmp_path: Path) -> None:
    item = _provided(trio)
    text = tmp_path / "ko.txt"
    text.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInput, match="language tag"):
        trio.kor.custody.translate(item, path=text, lang="Korean!", actor="kim")


def test_destruction_erases_the_key_and_tells_the_originator(trio: Trio, tmp_path: Path) -> None:
    item = _provided(trio, tmp_path)
    _add_witness(trio)
    trio.kor.custody.copy(item, count=2, actor="kim")
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        old_key = session.get_one(ItemRow, item).wrapped_key
        blob = session.scalars(select(AttachmentRow.blob_id).where(AttachmentRow.item_id == item)).one()
    database = trio.kor.ctx.home.database
    wal = database.with_name(database.name + "-wal")

    def raw() -> bytes:
        return database.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    assert old_key in raw()
    done = trio.kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    assert done.notified == "jpn-mod"
    assert done.certificate.copies == 2
    done.certificate.verify(trio.kor.ctx.keys.public())
    # The key is gone from the database file (and its log), the blob from the store.
    assert old_key not in raw()
    assert not trio.kor.ctx.blobs.exists(blob)
    with pytest.raises(NotFound, match="was destroyed"):  # the content cannot be opened
        trio.kor.items.show(item, actor="kim")
    holding = next(h for h in trio.kor.register.holdings(actor="kim") if h.item_id == item)
    assert holding.status == "destroyed"
    assert holding.certificate_id == done.certificate.certificate_id
    assert {c.status for c in holding.copies} == {"destroyed"}
    assert trio.kor.custody.certificate(item, actor="kim") == done.certificate
    with pytest.raises(Conflict, match="was destroyed"):
        trio.kor.custody.destroy(item, method="again", witness="park", actor="kim")
    # The certificate reaches the originator, which files it in its dissemination record.
    trio.deliver(trio.kor)
    record = trio.jpn.register.dissemination(item, actor="sato")
    assert [c["certificate_id"] for c in record.certificates] == [done.certificate.certificate_id]
    assert trio.kor.delivery.outbox() == []  # receipted


def test_the_witness_is_another_cleared_user(trio: Trio) -> None:
    item = _provided(trio)
    with pytest.raises(InvalidInput, match="another person"):
        trio.kor.custody.destroy(item, method="shred", witness="kim", actor="kim")
    with pytest.raises(NotFound, match="witness 'nobody' is not a user"):
        trio.kor.custody.destroy(item, method="shred", witness="nobody", actor="kim")
    trio.kor.users.add(
        NewUser("choi", role="officer", clearance="대외비", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    with pytest.raises(PolicyDenied, match="witness choi may not see this item"):
        trio.kor.custody.destroy(item, method="shred", witness="choi", actor="kim")
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        assert session.get_one(ItemRow, item).status == "held"  # nothing lost


def _certificate(trio: Trio, item: str, keys: SigningKeys, **changes: object) -> bytes:
    fields: dict[str, object] = {
        "certificate_id": "destruction-" + "a" * 32,
        "item_id": item,
        "content_sha384": "0" * 96,
        "originator_party": "JPN",
        "originator_node": "jpn-mod",
        "holder_party": "USA",
        "holder_node": "usa-dod",
        "method": "shred",
        "destroyed_by": "smith",
        "witness": "jones",
        "destroyed_at": "2024-01-01T00:00:00Z",
        "copies": 0,
    }
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        row = session.get(ItemRow, item)
        if row is not None:
            fields["content_sha384"] = row.content_sha384
    fields.update(changes)
    return DestructionCertificate(**fields, signature=UNSIGNED).signed_with(keys).to_bytes()  # type: ignore[arg-type]


def _send_control(trio: Trio, sender_is_usa: bool, payload: bytes, item: str) -> None:
    sender = trio.usa
    with sender.ctx.db.transaction() as session:
        agreement = sender.agreements.get_in(session, "USA-JPN-GSOMIA-2007")
        sender.sending.enqueue(
            session,
            Outgoing(
                kind="destruction-certificate",
                card=sender.parties.card(session, "jpn-mod"),
                agreement=agreement,
                precedence=Precedence.ROUTINE,
                item_id=item,
                payload=payload,
            ),
            Act("smith", sender.ctx.now()),
        )
    trio.deliver(trio.usa)


def _quarantined(trio: Trio) -> list[str]:
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        return [r.reason for r in session.scalars(select(QuarantineRow))]


def test_a_certificate_for_an_item_never_provided_is_refused(trio: Trio) -> None:
    item = _provided(trio)  # provided to KOR, never to the USA
    _send_control(trio, True, _certificate(trio, item, trio.usa.ctx.keys), item)
    assert any("never provided to usa-dod" in r for r in _quarantined(trio))
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert session.scalars(select(DestructionRow)).all() == []
    assert trio.jpn.items.show(item, actor="sato").status == "held"


def test_a_certificate_for_an_item_not_originated_here_is_refused(trio: Trio) -> None:
    item = "jpn-" + "0" * 32
    _send_control(trio, True, _certificate(trio, item, trio.usa.ctx.keys), item)
    assert any("which this node did not originate" in r for r in _quarantined(trio))


def test_a_forged_certificate_is_refused(trio: Trio) -> None:
    item = _provided(trio)
    _send_control(trio, True, _certificate(trio, item, SigningKeys.generate()), item)
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert session.scalars(select(DestructionRow)).all() == []
    assert _quarantined(trio)
    assert "refused" in _events(trio.jpn, "exchange.reject")


def test_a_certificate_from_another_holder_than_it_names_is_refused(trio: Trio) -> None:
    item = _provided(trio)
    payload = _certificate(trio, item, trio.usa.ctx.keys, holder_node="kor-mnd", holder_party="KOR")
    _send_control(trio, True, payload, item)
    assert any("must come from the holder" in r for r in _quarantined(trio))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("certificate_id", "destruction-" + "b" * 32),
        ("item_id", "jpn-" + "1" * 32),
        ("content_sha384", "1" * 96),
        ("originator_party", "KOR"),
        ("originator_node", "kor-mnd"),
        ("holder_party", "KOR"),
        ("holder_node", "kor-mnd"),
        ("method", "burnt"),
        ("destroyed_by", "other"),
        ("witness", "other"),
        ("destroyed_at", "2024-01-02T00:00:00Z"),
        ("copies", 3),
    ],
)
def test_any_changed_certificate_field_fails_verification(name: str, value: object) -> None:
    keys = SigningKeys.generate()
    cert = DestructionCertificate(
        certificate_id="destruction-" + "a" * 32,
        item_id="jpn-" + "0" * 32,
        content_sha384="0" * 96,
        originator_party="JPN",
        originator_node="jpn-mod",
        holder_party="USA",
        holder_node="usa-dod",
        method="shred",
        destroyed_by="smith",
        witness="jones",
        destroyed_at="2024-01-01T00:00:00Z",
        copies=0,
        signature=UNSIGNED,
    ).signed_with(keys)
    assert DestructionCertificate.parse(cert.to_bytes()) == cert
    cert.verify(keys.public())
    from dataclasses import replace

    with pytest.raises(VerificationFailed):
        replace(cert, **{name: value}).verify(keys.public())


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d.pop("method"), id="missing-key"),
        pytest.param(lambda d: d.update(extra=1), id="unknown-key"),
        pytest.param(lambda d: d.update(copies=-1), id="negative-copies"),
        pytest.param(lambda d: d.update(witness=d["destroyed_by"]), id="self-witness"),
        pytest.param(lambda d: d.update(destroyed_at="2024-01-01 00:00"), id="bad-time"),
    ],
)
def test_malformed_certificates_are_refused(mutate: object) -> None:
    import json

    keys = SigningKeys.generate()
    cert = DestructionCertificate(
        certificate_id="destruction-" + "a" * 32,
        item_id="jpn-" + "0" * 32,
        content_sha384="0" * 96,
        originator_party="JPN",
        originator_node="jpn-mod",
        holder_party="USA",
        holder_node="usa-dod",
        method="shred",
        destroyed_by="smith",
        witness="jones",
        destroyed_at="2024-01-01T00:00:00Z",
        copies=0,
        signature=UNSIGNED,
    ).signed_with(keys)
    data = json.loads(cert.to_bytes())
    mutate(data)  # type: ignore[operator]
    with pytest.raises(InvalidInput):
        DestructionCertificate.parse(json.dumps(data))


def test_showing_a_destroyed_item_says_it_was_destroyed(trio: Trio) -> None:
    item = _provided(trio)
    _add_witness(trio)
    trio.kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    with pytest.raises(NotFound, match="was destroyed"):
        trio.kor.items.show(item, actor="kim")
    assert item not in {v.id for v in trio.kor.items.listing(actor="kim").views}
    assert trio.kor.items.listing(actor="kim").damaged == []

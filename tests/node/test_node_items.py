"""Items at a node: create, bind, seal, show, banners, equivalents, attachments, and refusals."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from support_node import NEW_ITEM, FederationLike, Pair, blob_files, events, refused, row_counts

from accord.agreements import NoteKind
from accord.errors import (
    AgreementStateError,
    InvalidInput,
    ItemError,
    LabelError,
    NotFound,
    PolicyDenied,
    TranslationRefused,
    Withheld,
)
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NoteDraft
from accord.store import AttachmentRow, ItemRow
from support_federation import write_image

MB = 1024 * 1024

LAUNCH = ItemContent(
    ItemKind.MISSILE_LAUNCH,
    "DPRK ballistic missile launch from Sunan area",
    "One ballistic missile launched eastward; fell outside Japan's EEZ.",
    "Early warning and assessment of DPRK missile activity",
    {
        "detection_time": "2026-11-25T08:55:00Z",
        "launch_area": "39.2,125.7",
        "count": "1",
        "missile_type": "SRBM",
        "apogee_km": "50",
        "range_km": "350",
        "impact_area": "East Sea, outside Japan's EEZ",
        "inside_japan_eez": "no",
    },
)

IMAGERY = ItemContent(
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

REPORT = ItemContent(ItemKind.REPORT, "北朝鮮の弾道ミサイル発射について", "本文", "DPRK missile assessment")


def _hi(pair: Pair, **changes: object) -> LabelRequest:
    """秘, releasable to KOR, need-to-know DPRK-MISSILE, under the Japan–ROK GSOMIA."""
    base: dict[str, object] = {
        "classification": "秘",
        "releasable_to": ["KOR"],
        "need_to_know": ["DPRK-MISSILE"],
        "agreement": pair.agreement_id,
    }
    return LabelRequest(**{**base, **changes})  # type: ignore[arg-type]


def _image(tmp_path: Path, megabytes: int = 3) -> Path:
    path = tmp_path / "sunan-imagery.pgm"
    write_image(path, megabytes)
    return path


def _sha384(pieces: object) -> str:
    digest = hashlib.sha384()
    for piece in pieces:  # type: ignore[attr-defined]
        digest.update(piece)
    return digest.hexdigest()


# --- creating and showing -------------------------------------------------------------


def test_flash_missile_launch_report_at_kor(pair: Pair) -> None:
    kor = pair.kor
    made = kor.items.create(
        NewItem(
            LAUNCH,
            LabelRequest(
                "군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], ["NO-THIRD-PARTY"], agreement=pair.agreement_id
            ),
            Precedence.FLASH,
        ),
        actor="kim",
    )
    assert made.id.startswith("kor-")
    shown = kor.items.show(made.id, actor="kim")
    assert shown == made
    assert shown.precedence is Precedence.FLASH
    assert shown.content == LAUNCH
    assert shown.content.fields["launch_area"] == [39.2, 125.7]
    assert shown.content.fields["count"] == 1
    assert shown.content.fields["inside_japan_eez"] is False
    assert shown.banners == (
        "군사Ⅱ급비밀 (GUNSA 2-GEUP BIMIL) // SECRET // REL TO JPN, KOR // NTK DPRK-MISSILE"
        " // NO THIRD-PARTY RELEASE",
    )
    (equivalent,) = kor.items.equivalents(shown)
    assert (equivalent.party, equivalent.level, equivalent.refusal) == ("JPN", "極秘", None)
    assert equivalent.banner == "極秘 // 韓国提供 (PROVIDED BY KOR: 군사Ⅱ급비밀) // NO THIRD-PARTY RELEASE"
    assert (shown.originator_party, shown.originator_node, shown.created_by) == ("KOR", "kor-mnd", "kim")
    assert shown.created_at == "2026-11-25T09:00:00.000000Z"
    assert shown.status == "held"
    assert shown.to_dict()["binding"] == {"signer": "kor-mnd", "verified": True}
    actions = [(e.action, e.outcome, e.item_id) for e in events(kor)[-2:]]
    assert actions == [("item.create", "ok", made.id), ("item.read", "ok", made.id)]


def test_content_is_sealed_at_rest(pair: Pair) -> None:
    made = pair.jpn.items.create(NewItem(REPORT, _hi(pair), Precedence.IMMEDIATE), actor="sato")
    with pair.jpn.ctx.db.transaction() as session:
        row = session.get_one(ItemRow, made.id)
        assert REPORT.title.encode() not in row.content_sealed
        assert row.content_sha384 == REPORT.sha384()
        assert row.precedence == "IMMEDIATE"
        assert row.originator_node == "jpn-mod"


def test_imagery_with_a_multi_megabyte_attachment(pair: Pair, tmp_path: Path) -> None:
    jpn = pair.jpn
    image = _image(tmp_path, 3)
    seen: list[int] = []
    made = jpn.items.create(
        NewItem(IMAGERY, _hi(pair), Precedence.ROUTINE, attachments=[image]),
        actor="sato",
        progress=seen.append,
    )
    assert sum(seen) == image.stat().st_size
    assert max(seen) <= MB  # read in bounded pieces
    (ref,) = made.attachments
    assert (ref.name, ref.size) == ("sunan-imagery.pgm", image.stat().st_size)
    assert ref.media_type == "image/x-portable-graymap"
    assert ref.sha384 == hashlib.sha384(image.read_bytes()).hexdigest()

    shown = jpn.items.show(made.id, actor="sato")
    assert shown.content == IMAGERY
    assert shown.banners == ("秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR // NTK DPRK-MISSILE",)
    (equivalent,) = jpn.items.equivalents(shown)
    assert equivalent.banner == "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘)"

    got, stream = jpn.items.attachment(made.id, 0, actor="sato")
    assert got == ref
    assert b"".join(stream) == image.read_bytes()
    last = events(jpn)[-1]
    assert (last.action, last.outcome, last.detail) == (
        "item.attachment",
        "ok",
        {"position": 0, "name": "sunan-imagery.pgm"},
    )
    # Encrypted at rest: the blob is not the image.
    (blob,) = [Path(p) for p in blob_files(jpn)]
    assert blob.stat().st_size > image.stat().st_size
    with blob.open("rb") as handle:
        assert image.read_bytes()[:64] not in handle.read(MB)


def test_an_empty_attachment_and_several_attachments(pair: Pair, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    notes = tmp_path / "notes.txt"
    notes.write_text("미사일 발사 관련 메모", encoding="utf-8")
    made = pair.jpn.items.create(
        NewItem(REPORT, _hi(pair), Precedence.PRIORITY, attachments=[empty, notes]),
        actor="sato",
    )
    assert [a.size for a in made.attachments] == [0, notes.stat().st_size]
    for position, path in enumerate((empty, notes)):
        _, stream = pair.jpn.items.attachment(made.id, position, actor="sato")
        assert b"".join(stream) == path.read_bytes()


def test_banner_with_originator_controls(pair: Pair) -> None:
    made = pair.jpn.items.create(
        NewItem(REPORT, _hi(pair, originator_controls=["NO-THIRD-PARTY"]), Precedence.FLASH),
        actor="sato",
    )
    assert made.banners == (
        "秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR // NTK DPRK-MISSILE // NO THIRD-PARTY RELEASE",
    )
    (equivalent,) = pair.jpn.items.equivalents(made)
    assert equivalent.banner == "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘) // NO THIRD-PARTY RELEASE"


def test_equivalents_report_a_refusal_instead_of_raising(pair: Pair) -> None:
    made = pair.jpn.items.create(
        NewItem(
            REPORT,
            LabelRequest("機密", ["KOR"], ["DPRK-MISSILE"]),  # not under the agreement
            Precedence.ROUTINE,
        ),
        actor="tanaka",
    )
    (equivalent,) = pair.jpn.items.equivalents(made)
    assert (equivalent.party, equivalent.level, equivalent.banner) == ("KOR", None, None)
    assert equivalent.refusal


def test_items_are_listed_flash_first_then_newest(federation: FederationLike) -> None:
    jpn = federation.jpn
    for name, precedence in (
        ("routine-1", Precedence.ROUTINE),
        ("flash-1", Precedence.FLASH),
        ("priority", Precedence.PRIORITY),
        ("routine-2", Precedence.ROUTINE),
        ("flash-2", Precedence.FLASH),
        ("immediate", Precedence.IMMEDIATE),
    ):
        federation.clock.advance(minutes=1)
        jpn.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, name, "", "assessment"),
                LabelRequest("秘", ["KOR"], agreement=federation.agreement_id),
                precedence,
            ),
            actor="sato",
        )
    listed = [(v.precedence.value, v.content.title) for v in jpn.items.all()]
    assert listed == [
        ("FLASH", "flash-2"),
        ("FLASH", "flash-1"),
        ("IMMEDIATE", "immediate"),
        ("PRIORITY", "priority"),
        ("ROUTINE", "routine-2"),
        ("ROUTINE", "routine-1"),
    ]
    # A page at a time, as the console's inbox asks; `more` says whether another follows.
    pages = [jpn.items.listing(actor="sato", limit=4, offset=offset) for offset in (0, 4, 6)]
    assert [[v.content.title for v in page.views] for page in pages] == [
        ["flash-2", "flash-1", "immediate", "priority"],
        ["routine-2", "routine-1"],
        [],
    ]
    assert [page.more for page in pages] == [True, False, False]
    assert not jpn.items.listing(actor="sato", limit=6).more
    with pytest.raises(InvalidInput, match="offset"):
        jpn.items.listing(actor="sato", limit=4, offset=-1)


# --- refusals ------------------------------------------------------------------------


def test_top_secret_under_the_agreement_is_refused(pair: Pair) -> None:
    label = _hi(pair, classification="機密")
    with refused(pair.jpn, TranslationRefused, "機密", action="item.create", item_id=NEW_ITEM):
        pair.jpn.items.create(NewItem(REPORT, label, Precedence.FLASH), actor="tanaka")


def test_release_to_a_third_country_under_the_agreement_is_refused(pair: Pair) -> None:
    label = _hi(pair, releasable_to=["KOR", "USA"])
    with refused(
        pair.jpn,
        PolicyDenied,
        r"releasable to USA, who are not parties .*\(Art\. 6\)",
        action="item.create",
        item_id=NEW_ITEM,
    ):
        pair.jpn.items.create(NewItem(REPORT, label, Precedence.FLASH), actor="sato")


def test_a_level_above_the_creators_clearance_is_refused(pair: Pair) -> None:
    label = LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"])
    with refused(
        pair.jpn,
        PolicyDenied,
        # "create denied", not "create of item <id>": the id drawn names nothing that exists
        r"^create denied: needs clearance 極秘 or higher for JPN 極秘; you hold 秘 \(Art\. 7\)",
        action="item.create",
        item_id=NEW_ITEM,
    ):
        pair.jpn.items.create(NewItem(REPORT, label, Precedence.FLASH), actor="suzuki")


def test_an_auditor_cannot_create(pair: Pair) -> None:
    with refused(
        pair.jpn,
        PolicyDenied,
        r"the auditor role may not create items \(docs/policy.md, role table; Art. 7\)",
        action="item.create",
        item_id=NEW_ITEM,
    ):
        pair.jpn.items.create(NewItem(REPORT, _hi(pair), Precedence.FLASH), actor="ito")


def test_an_unknown_user_cannot_create(pair: Pair) -> None:
    with refused(pair.jpn, NotFound, "no user 'nobody'", action="item.create", item_id=NEW_ITEM):
        pair.jpn.items.create(NewItem(REPORT, _hi(pair), Precedence.FLASH), actor="nobody")


def test_an_agreement_not_held_is_not_found(pair: Pair) -> None:
    label = _hi(pair, agreement="USA-JPN-GSOMIA-2007")
    with refused(pair.jpn, NotFound, "USA-JPN-GSOMIA-2007", action="item.create", item_id=NEW_ITEM):
        pair.jpn.items.create(NewItem(REPORT, label, Precedence.FLASH), actor="sato")


def test_a_level_of_another_scheme_is_refused(pair: Pair) -> None:
    label = _hi(pair, classification="군사Ⅲ급비밀")
    with refused(pair.jpn, LabelError, "군사Ⅲ급비밀", action="item.create", item_id=NEW_ITEM):
        pair.jpn.items.create(NewItem(REPORT, label, Precedence.FLASH), actor="sato")


def test_rel_to_a_party_nobody_here_knows_is_refused_without_an_agreement(pair: Pair) -> None:
    # Under an agreement its parties bound REL TO; without one, XYZ would print on the banner.
    label = _hi(pair, agreement=None, releasable_to=["KOR", "XYZ"])
    with refused(
        pair.jpn, LabelError, "REL TO XYZ: not this node's party", action="item.create", item_id=NEW_ITEM
    ):
        pair.jpn.items.create(NewItem(REPORT, label, Precedence.ROUTINE), actor="sato")
    # KOR is a party to the agreement imported here (and pinned): known, so accepted.
    made = pair.jpn.items.create(NewItem(REPORT, _hi(pair, agreement=None), Precedence.ROUTINE), actor="sato")
    assert "REL TO JPN, KOR" in made.banners[0]


def test_a_missing_attachment_writes_nothing(pair: Pair, tmp_path: Path) -> None:
    present = tmp_path / "present.txt"
    present.write_text("here")
    missing = tmp_path / "missing.pgm"
    with refused(pair.jpn, NotFound, "missing.pgm does not exist", action="item.create", item_id=NEW_ITEM):
        pair.jpn.items.create(
            NewItem(IMAGERY, _hi(pair), Precedence.ROUTINE, attachments=[present, missing]),
            actor="sato",
        )
    assert blob_files(pair.jpn) == []


def test_a_folder_is_not_an_attachment(pair: Pair, tmp_path: Path) -> None:
    with refused(pair.jpn, NotFound, "not a file", action="item.create", item_id=NEW_ITEM):
        pair.jpn.items.create(
            NewItem(IMAGERY, _hi(pair), Precedence.ROUTINE, attachments=[tmp_path]),
            actor="sato",
        )


def test_an_attachment_that_vanishes_while_sealing_leaves_no_blob(pair: Pair, tmp_path: Path) -> None:
    first = _image(tmp_path, 2)
    second = tmp_path / "second.txt"
    second.write_text("gone before it is read")

    def progress(_n: int) -> None:
        second.unlink(missing_ok=True)  # the first blob is already being written

    with refused(
        pair.jpn, ItemError, "cannot read attachment .*second.txt", action="item.create", item_id=NEW_ITEM
    ):
        pair.jpn.items.create(
            NewItem(IMAGERY, _hi(pair), Precedence.ROUTINE, attachments=[first, second]),
            actor="sato",
            progress=progress,
        )
    assert blob_files(pair.jpn) == []


def test_reading_above_ones_clearance_is_denied(federation: FederationLike) -> None:
    kor = federation.kor
    made = kor.items.create(
        NewItem(
            LAUNCH,
            LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=federation.agreement_id),
            Precedence.FLASH,
        ),
        actor="kim",
    )
    # Lee is told the item does not exist (no probing); the journal says why.
    with refused(kor, Withheld, f"no item '{made.id}' at this node", action="item.read", item_id=made.id):
        kor.items.show(made.id, actor="lee")
    reason = events(kor)[-1].detail["reason"]
    assert "needs clearance 군사Ⅱ급비밀 or higher for KOR 군사Ⅱ급비밀; you hold 대외비 (Art. 7)" in reason
    assert "needs need-to-know DPRK-MISSILE; you lack it (Art. 7)" in reason
    assert kor.items.show(made.id, actor="kim").content == LAUNCH


def test_an_attachment_above_ones_clearance_is_denied(federation: FederationLike, tmp_path: Path) -> None:
    kor = federation.kor
    image = _image(tmp_path, 1)
    made = kor.items.create(
        NewItem(
            IMAGERY,
            LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=federation.agreement_id),
            Precedence.ROUTINE,
            attachments=[image],
        ),
        actor="kim",
    )
    with refused(kor, Withheld, "no item", action="item.attachment", item_id=made.id):
        kor.items.attachment(made.id, 0, actor="lee")
    assert "you hold 대외비 (Art. 7)" in events(kor)[-1].detail["reason"]
    _, stream = kor.items.attachment(made.id, 0, actor="kim")
    assert _sha384(stream) == made.attachments[0].sha384


def test_an_unknown_item_is_not_found(pair: Pair) -> None:
    with refused(pair.jpn, NotFound, "no item 'jpn-0'", action="item.read", item_id="jpn-0"):
        pair.jpn.items.show("jpn-0", actor="sato")
    with refused(
        pair.jpn, NotFound, "no attachment 0 of item 'jpn-0'", action="item.attachment", item_id="jpn-0"
    ):
        pair.jpn.items.attachment("jpn-0", 0, actor="sato")


def test_an_attachment_position_that_does_not_exist_is_not_found(pair: Pair) -> None:
    made = pair.jpn.items.create(NewItem(REPORT, _hi(pair), Precedence.FLASH), actor="sato")
    for position in (0, -1, 1):
        with refused(
            pair.jpn, NotFound, f"no attachment {position}", action="item.attachment", item_id=made.id
        ):
            pair.jpn.items.attachment(made.id, position, actor="sato")


def test_a_refused_create_leaves_no_item_row(pair: Pair) -> None:
    counts = row_counts(pair.jpn)
    with pytest.raises(PolicyDenied):
        pair.jpn.items.create(NewItem(REPORT, _hi(pair), Precedence.FLASH), actor="ito")
    with pair.jpn.ctx.db.transaction() as session:
        assert session.scalars(select(ItemRow)).all() == []
        assert session.scalars(select(AttachmentRow)).all() == []
    assert row_counts(pair.jpn)["journal"] == counts["journal"] + 1


def test_nothing_new_is_provided_under_a_terminated_agreement(federation: FederationLike) -> None:
    # Art. 21: after termination no new CMI is provided under the agreement, but what is
    # held stays protected and readable under the same rules.
    jpn, kor, aid = federation.jpn, federation.kor, federation.agreement_id
    federation.clock.now = federation.clock.now.replace(month=6, day=1)
    held = jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Before termination", "text", "Assessment"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=aid),
            Precedence.ROUTINE,
        ),
        actor="sato",
    )
    federation.clock.now = federation.clock.now.replace(month=8, day=1)
    notice = kor.agreements.issue_note(
        aid, NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2026, 8, 1)), actor="authority"
    )
    jpn.agreements.import_note(notice.to_json(), actor="authority")
    federation.clock.now = federation.clock.now.replace(year=2027, month=1, day=5)
    assert not jpn.agreements.status(aid, federation.clock.now.date()).new_exchange_allowed
    with pytest.raises(AgreementStateError, match="no new CMI may be provided under it"):
        jpn.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, "After termination", "text", "Assessment"),
                LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=aid),
                Precedence.ROUTINE,
            ),
            actor="sato",
        )
    assert jpn.items.show(held.id, actor="sato").content.title == "Before termination"


def test_a_listings_total_counts_only_what_the_person_may_read_and_only_the_page_is_opened(
    pair: Pair,
) -> None:
    jpn = pair.jpn

    def readable(title: str) -> str:
        made = jpn.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, title, "Body.", "x"),
                LabelRequest("秘", ["KOR"]),
                Precedence.ROUTINE,
            ),
            actor="suzuki",
        )
        return made.id

    before = {who: jpn.items.listing(actor=who, limit=1).total for who in ("suzuki", "sato")}
    assert jpn.items.listing(limit=1).total == jpn.items.listing().total == len(jpn.items.all())
    made = [readable(f"open {n}") for n in range(3)]
    # 極秘 with need-to-know DPRK-MISSILE: sato may read it, suzuki (秘, no need to know) may not.
    jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Denied", "Body.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement=pair.agreement_id),
            Precedence.FLASH,
        ),
        actor="sato",
    )
    page = jpn.items.listing(actor="suzuki", limit=1)
    assert before["suzuki"] is not None
    assert before["sato"] is not None
    assert (len(page.views), page.more, page.total) == (1, True, before["suzuki"] + 3)  # the withheld one: no
    assert jpn.items.listing(actor="sato", limit=1).total == before["sato"] + 4  # sato reads all four
    assert jpn.items.listing(actor="suzuki", limit=2, offset=1).total == page.total  # any page says the same
    assert (
        jpn.items.listing(actor="suzuki").total == page.total == len(jpn.items.listing(actor="suzuki").views)
    )
    # Only the page's items are opened: one not on the first page, altered, is not seen.
    (shown,) = page.views
    altered = next(i for i in made if i != shown.id)
    with jpn.ctx.db.transaction() as session:
        session.get_one(ItemRow, altered).content_sha384 = "0" * 96
    first = jpn.items.listing(actor="suzuki", limit=1)
    assert ([v.id for v in first.views], first.damaged, first.total) == ([shown.id], [], page.total)
    everything = jpn.items.listing(actor="suzuki")
    assert [d.id for d in everything.damaged] == [altered]
    assert everything.total == page.total

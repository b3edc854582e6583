"""Diplomatic notes between the two nodes: the real Japan–ROK history of 2019–2023, signed and checked."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from support_node import FederationLike, Maker, Pair, events, refused, row_counts

from accord.agreements import Note, NoteKind, State
from accord.errors import AgreementStateError, InvalidInput, NotFound, VerificationFailed
from accord.node import Node, NoteDraft, SignedNote

NOTICE_DAY = date(2019, 8, 23)
SUSPEND_DAY = date(2019, 11, 22)
WITHDRAW_DAY = date(2023, 3, 21)


def _send(
    pair: Pair, kind: NoteKind, on: date, *, refers_to: tuple[str, ...] = (), text: str = ""
) -> SignedNote:
    """KOR gives a note; JPN records it from the signed file."""
    signed = pair.kor.agreements.issue_note(
        pair.agreement_id, NoteDraft(kind, on=on, text=text, refers_to=refers_to), actor="authority"
    )
    received, new = pair.jpn.agreements.import_note(signed.to_json(), actor="authority")
    assert new
    assert received == signed
    return signed


def _state(node: Node, agreement_id: str, on: date) -> State:
    return node.agreements.status(agreement_id, on).state


def test_the_real_history(pair: Pair) -> None:
    aid = pair.agreement_id
    notice = _send(pair, NoteKind.TERMINATION_NOTICE, NOTICE_DAY, text="지소미아 종료 통보")
    for node in (pair.jpn, pair.kor):
        status = node.agreements.status(aid, date(2019, 9, 1))
        assert status.state is State.NOTICE_GIVEN
        assert status.terminates_on == date(2019, 11, 23)
        assert status.pending_notice == notice.note
        assert status.new_exchange_allowed

    suspension = _send(pair, NoteKind.SUSPEND_NOTICE, SUSPEND_DAY, refers_to=(notice.note.id,))
    for node in (pair.jpn, pair.kor):
        status = node.agreements.status(aid, date(2020, 1, 1))
        assert status.state is State.NOTICE_SUSPENDED
        assert status.suspended_notice == notice.note
        assert status.new_exchange_allowed
        assert _state(node, aid, date(2019, 11, 23)) is State.NOTICE_SUSPENDED  # the day it would have ended

    _send(pair, NoteKind.WITHDRAW_NOTICE, WITHDRAW_DAY, refers_to=(notice.note.id, suspension.note.id))
    for node in (pair.jpn, pair.kor):
        status = node.agreements.status(aid, date(2023, 3, 22))
        assert status.state is State.IN_FORCE
        assert status.pending_notice is None
        assert status.suspended_notice is None
        # History stays answerable: the status on each earlier date is unchanged.
        assert _state(node, aid, date(2019, 8, 22)) is State.IN_FORCE
        assert _state(node, aid, date(2019, 9, 1)) is State.NOTICE_GIVEN
        assert _state(node, aid, date(2020, 1, 1)) is State.NOTICE_SUSPENDED
        kinds = [n.note.kind for n in node.agreements.notes(aid)]
        assert kinds == [
            NoteKind.ENTRY_INTO_FORCE,
            NoteKind.ENTRY_INTO_FORCE,
            NoteKind.TERMINATION_NOTICE,
            NoteKind.SUSPEND_NOTICE,
            NoteKind.WITHDRAW_NOTICE,
        ]
    recorded = [e for e in events(pair.jpn) if e.action == "agreement.note-import"]
    assert [e.detail["kind"] for e in recorded][-3:] == [
        "termination-notice",
        "suspend-notice",
        "withdraw-notice",
    ]
    assert all(e.detail["signer"] == "kor-mnd" for e in recorded[-3:])


def test_the_counterfactual_without_suspension(pair: Pair) -> None:
    _send(pair, NoteKind.TERMINATION_NOTICE, NOTICE_DAY)
    for node in (pair.jpn, pair.kor):
        before = node.agreements.status(pair.agreement_id, date(2019, 11, 22))
        assert before.state is State.NOTICE_GIVEN
        assert before.new_exchange_allowed
        after = node.agreements.status(pair.agreement_id, date(2019, 11, 23))
        assert after.state is State.TERMINATED
        assert after.terminates_on == date(2019, 11, 23)
        assert after.protection_continues
        assert not after.new_exchange_allowed
        assert _state(node, pair.agreement_id, date(2024, 1, 1)) is State.TERMINATED


def test_importing_the_same_note_twice_changes_nothing(pair: Pair) -> None:
    notice = _send(pair, NoteKind.TERMINATION_NOTICE, NOTICE_DAY)
    counts = row_counts(pair.jpn)
    received, new = pair.jpn.agreements.import_note(notice.to_json(), actor="authority")
    assert (received, new) == (notice, False)
    assert row_counts(pair.jpn) == counts


def _signed_by(node: Node, note: Note) -> str:
    unsigned = SignedNote(note, node.config.node_id, None)  # type: ignore[arg-type]
    return replace(unsigned, signature=node.ctx.keys.sign("note", unsigned.statement())).to_json()


def test_a_note_signed_by_the_wrong_party_is_refused(pair: Pair) -> None:
    # JPN's node signs a termination notice that claims to be given by the ROK.
    forged = _signed_by(pair.jpn, Note(pair.agreement_id, NoteKind.TERMINATION_NOTICE, "KOR", NOTICE_DAY))
    with refused(
        pair.kor,
        VerificationFailed,
        "given by KOR but signed by a node of JPN",
        action="agreement.note-import",
    ):
        pair.kor.agreements.import_note(forged, actor="authority")
    assert _state(pair.kor, pair.agreement_id, date(2019, 9, 1)) is State.IN_FORCE


def _altered(signed: SignedNote, edit: str) -> str:
    data = json.loads(signed.to_json())
    if edit == "text":
        data["note"]["text"] = "withdrawn after all"
    elif edit == "date":
        data["note"]["date"] = "2019-08-24"
    else:
        value = data["signature"][edit]
        data["signature"][edit] = value[:30] + ("A" if value[30] != "A" else "B") + value[31:]
    return json.dumps(data, ensure_ascii=False)


@pytest.mark.parametrize("edit", ["text", "date", "ed25519", "mldsa65"])
def test_an_altered_note_is_refused(pair: Pair, edit: str) -> None:
    signed = pair.kor.agreements.issue_note(
        pair.agreement_id, NoteDraft(NoteKind.TERMINATION_NOTICE, on=NOTICE_DAY), actor="authority"
    )
    text = _altered(signed, edit)
    with refused(pair.jpn, VerificationFailed, ".", action="agreement.note-import"):
        pair.jpn.agreements.import_note(text, actor="authority")
    assert _state(pair.jpn, pair.agreement_id, date(2019, 9, 1)) is State.IN_FORCE


def test_a_note_from_an_unpinned_node_is_not_found(pair: Pair, make_node: Maker) -> None:
    stranger = make_node("KOR", "kor-rogue")
    forged = _signed_by(stranger, Note(pair.agreement_id, NoteKind.TERMINATION_NOTICE, "KOR", NOTICE_DAY))
    with refused(pair.jpn, NotFound, "'kor-rogue' is unknown here", action="agreement.note-import"):
        pair.jpn.agreements.import_note(forged, actor="authority")


def test_a_note_about_an_agreement_not_held_is_not_found(pair: Pair) -> None:
    forged = _signed_by(pair.kor, Note("USA-KOR-1987", NoteKind.TERMINATION_NOTICE, "KOR", NOTICE_DAY))
    with refused(pair.jpn, NotFound, "USA-KOR-1987", action="agreement.note-import"):
        pair.jpn.agreements.import_note(forged, actor="authority")


def test_a_note_that_cannot_follow_the_history_is_refused(pair: Pair) -> None:
    # A suspension with no termination notice pending, correctly signed by KOR.
    stray = _signed_by(pair.kor, Note(pair.agreement_id, NoteKind.SUSPEND_NOTICE, "KOR", SUSPEND_DAY))
    with refused(pair.jpn, AgreementStateError, ".", action="agreement.note-import"):
        pair.jpn.agreements.import_note(stray, actor="authority")
    with refused(pair.kor, AgreementStateError, ".", action="agreement.note", item_id=None):
        pair.kor.agreements.issue_note(
            pair.agreement_id, NoteDraft(NoteKind.SUSPEND_NOTICE, on=SUSPEND_DAY), actor="authority"
        )
    last = events(pair.kor)[-1]
    assert last.detail["agreement_id"] == pair.agreement_id
    assert last.detail["kind"] == "suspend-notice"


def test_issuing_a_note_for_an_agreement_not_held_is_refused(pair: Pair) -> None:
    with refused(pair.jpn, NotFound, "not imported", action="agreement.note"):
        pair.jpn.agreements.issue_note(
            "USA-KOR-1987", NoteDraft(NoteKind.ENTRY_INTO_FORCE, on=NOTICE_DAY), actor="a"
        )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{}", id="empty object"),
        pytest.param(
            '{"format": "accord-note/1", "note": {}, "signer": "x", "signature": {}}', id="empty note"
        ),
        pytest.param("not json", id="not json"),
    ],
)
def test_a_malformed_note_file_is_refused(pair: Pair, text: str) -> None:
    with refused(pair.jpn, InvalidInput, ".", action="agreement.note-import"):
        pair.jpn.agreements.import_note(text, actor="authority")


def test_a_note_dated_after_today_is_refused(federation: FederationLike) -> None:
    # It would block every real note after it (notes follow in date order).

    kor, jpn = federation.kor, federation.jpn
    with pytest.raises(AgreementStateError, match="after today"):
        kor.agreements.issue_note(
            federation.agreement_id,
            NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2099, 1, 1)),
            actor="authority",
        )
    federation.clock.now = federation.clock.now.replace(year=2099, month=1, day=2)
    future = kor.agreements.issue_note(
        federation.agreement_id,
        NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2099, 1, 1)),
        actor="authority",
    )
    federation.clock.now = federation.clock.now.replace(year=2026, month=11, day=25)
    with pytest.raises(AgreementStateError, match="after today"):
        jpn.agreements.import_note(future.to_json(), actor="authority")

"""Notes: canonical bytes, ids and the strict dictionary form."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.agreements import Note, NoteKind
from accord.errors import AgreementFormatError

NOTICE = Note(
    agreement_id="JPN-KOR-GSOMIA-2016",
    kind=NoteKind.TERMINATION_NOTICE,
    party="KOR",
    date=dt.date(2019, 8, 23),
    text="지소미아 종료 통보",
)


def test_canonical_bytes_and_id() -> None:
    expected = (
        '{"agreement_id":"JPN-KOR-GSOMIA-2016","amendment_digest":null,"date":"2019-08-23",'
        '"kind":"termination-notice","party":"KOR","refers_to":[],"text":"지소미아 종료 통보"}'
    ).encode()
    assert NOTICE.canonical_bytes() == expected
    assert NOTICE.id == "note-" + hashlib.sha256(expected).hexdigest()[:32]


def test_round_trip_through_json_with_id() -> None:
    d = json.loads(json.dumps(NOTICE.to_dict()))
    assert Note.from_dict(d) == NOTICE
    assert Note.from_dict({**d, "id": NOTICE.id}) == NOTICE


def test_optional_keys_default() -> None:
    minimal = {"agreement_id": "X", "kind": "entry-into-force", "party": "JPN", "date": "2016-11-23"}
    assert Note.from_dict(minimal) == Note("X", NoteKind.ENTRY_INTO_FORCE, "JPN", dt.date(2016, 11, 23))


GOOD = NOTICE.to_dict()

BAD = [
    pytest.param({**GOOD, "colour": "red"}, "unknown key 'colour'", id="unknown key"),
    pytest.param({k: v for k, v in GOOD.items() if k != "party"}, "missing key 'party'", id="missing party"),
    pytest.param({**GOOD, "kind": "ultimatum"}, "kind 'ultimatum'", id="unknown kind"),
    pytest.param({**GOOD, "party": "kor"}, "not a party code", id="bad party code"),
    pytest.param({**GOOD, "party": 7}, "party must be a string", id="party not a string"),
    pytest.param({**GOOD, "date": "2019-02-30"}, "not a calendar date", id="impossible date"),
    pytest.param({**GOOD, "date": "20190823"}, "not YYYY-MM-DD", id="basic date format"),
    pytest.param({**GOOD, "agreement_id": ""}, "agreement_id must not be empty", id="empty agreement id"),
    pytest.param({**GOOD, "refers_to": "note-x"}, "refers_to must be a list", id="refers_to not a list"),
    pytest.param({**GOOD, "refers_to": ["note-x"]}, "is not a note id", id="bad note id"),
    pytest.param({**GOOD, "amendment_digest": "ABC"}, "96 lowercase hex", id="bad digest"),
    pytest.param({**GOOD, "id": "note-" + "0" * 32}, "does not match", id="id not matching"),
]


@pytest.mark.parametrize(("d", "message"), BAD)
def test_from_dict_is_strict(d: dict[str, object], message: str) -> None:
    with pytest.raises(AgreementFormatError, match=message):
        Note.from_dict(d)


NOTES = st.builds(
    Note,
    agreement_id=st.just("A-1"),
    kind=st.sampled_from(NoteKind),
    party=st.sampled_from(["JPN", "KOR", "USA", "NATO"]),
    date=st.dates(),
    text=st.text(),
    refers_to=st.lists(st.from_regex(r"note-[0-9a-f]{32}", fullmatch=True), max_size=2).map(tuple),
    amendment_digest=st.none() | st.from_regex(r"[0-9a-f]{96}", fullmatch=True),
)


@given(n=NOTES)
def test_round_trip_property(n: Note) -> None:
    again = Note.from_dict(json.loads(n.canonical_bytes()))
    assert again == n
    assert again.id == n.id

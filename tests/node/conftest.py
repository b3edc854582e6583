"""Node-test fixtures: a federation whose JPN node runs on the parametrised backend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from support_node import Pair

from accord.agreements import NoteKind
from accord.node import Node
from accord.node.demo import AGREEMENT_FILE, example_agreement


@pytest.fixture
def pair(make_node: Callable[..., Node], database_url: str) -> Pair:
    """Like ``federation``, but JPN stores its data in the parametrised database."""
    jpn, kor = make_node("JPN", "jpn-mod", database_url), make_node("KOR", "kor-mnd")
    jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")
    kor.parties.add(jpn.parties.own_card().to_json(), actor="authority")
    text = example_agreement(AGREEMENT_FILE)
    signatures = [n.agreements.sign(text, actor="authority").to_json() for n in (jpn, kor)]
    for n in (jpn, kor):
        agreement, _ = n.agreements.import_(text, signatures, actor="authority")
    for n, other in ((jpn, kor), (kor, jpn)):
        note = n.agreements.issue_note(
            agreement.id, kind=NoteKind.ENTRY_INTO_FORCE, on=date(2016, 11, 23), actor="authority"
        )
        other.agreements.import_note(note.to_json(), actor="authority")
    jpn.users.add("sato", role="analyst", clearance="極秘", ntk=["DPRK-MISSILE"], actor="authority")
    jpn.users.add("tanaka", role="officer", clearance="機密", ntk=["DPRK-MISSILE"], actor="authority")
    jpn.users.add("suzuki", role="analyst", clearance="秘", ntk=[], actor="authority")
    jpn.users.add("ito", role="auditor", clearance="極秘", ntk=[], actor="authority")
    kor.users.add("kim", role="analyst", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"], actor="authority")
    kor.users.add("lee", role="analyst", clearance="대외비", ntk=[], actor="authority")
    return Pair(jpn, kor, agreement.id, text)

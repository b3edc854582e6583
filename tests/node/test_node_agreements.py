"""Agreements at a node: signed by every party, exact text, refusals that change nothing."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from support_node import Maker, events, refused, row_counts

from accord.agreements import agreement_digest
from accord.errors import (
    AgreementFormatError,
    Conflict,
    InvalidInput,
    NotFound,
    PolicyDenied,
    VerificationFailed,
)
from accord.node import AgreementSignature, Node, example_agreement
from support_federation import JPN_KOR_GSOMIA

TEXT = example_agreement(JPN_KOR_GSOMIA)
AMENDED = TEXT + "\n# a sentence added after signature\n"
AGREEMENT_ID = "JPN-KOR-GSOMIA-2016"


@pytest.fixture
def jpn(make_node: Maker, node_database_url: str) -> Node:
    return make_node("JPN", "jpn-mod", node_database_url)


@pytest.fixture
def kor(make_node: Maker, jpn: Node) -> Node:
    kor = make_node("KOR", "kor-mnd")
    jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")
    kor.parties.add(jpn.parties.own_card().to_json(), actor="authority")
    return kor


def _sign(node: Node, text: str = TEXT) -> str:
    return node.agreements.sign(text, actor="authority").to_json()


def _forge(signer: Node, *, party: str, text: str = TEXT, agreement_id: str = AGREEMENT_ID) -> str:
    """A signature made with ``signer``'s keys that claims to be ``party``'s."""
    digest = agreement_digest(text)
    unsigned = AgreementSignature(agreement_id, digest, party, signer.config.node_id, None)  # type: ignore[arg-type]
    return replace(unsigned, signature=signer.ctx.keys.sign("agreement", unsigned.statement())).to_json()


def test_sign_and_import(jpn: Node, kor: Node) -> None:
    signature = jpn.agreements.sign(TEXT, actor="authority")
    assert (signature.agreement_id, signature.party, signature.node_id) == (AGREEMENT_ID, "JPN", "jpn-mod")
    assert signature.digest == agreement_digest(TEXT)
    assert AgreementSignature.parse(signature.to_json()) == signature
    agreement, new = jpn.agreements.import_(TEXT, [signature.to_json(), _sign(kor)], actor="authority")
    assert new
    assert agreement.id == AGREEMENT_ID
    assert jpn.agreements.get(AGREEMENT_ID) == agreement
    assert [a.id for a in jpn.agreements.all()] == [AGREEMENT_ID]
    last = events(jpn)[-1]
    assert (last.action, last.outcome) == ("agreement.import", "ok")
    assert last.detail["signed_by"] == ["jpn-mod", "kor-mnd"]
    assert row_counts(jpn)["agreement_signatures"] == 2


def test_signatures_in_any_order(jpn: Node, kor: Node) -> None:
    _, new = jpn.agreements.import_(TEXT, [_sign(kor), _sign(jpn)], actor="authority")
    assert new


def test_re_import_of_the_same_text_is_idempotent(jpn: Node, kor: Node) -> None:
    signatures = [_sign(jpn), _sign(kor)]
    jpn.agreements.import_(TEXT, signatures, actor="authority")
    counts = row_counts(jpn)
    agreement, new = jpn.agreements.import_(TEXT, signatures, actor="authority")
    assert (agreement.id, new) == (AGREEMENT_ID, False)
    assert row_counts(jpn) == counts


@pytest.mark.parametrize("half", ["ed25519", "mldsa65"])
def test_re_import_verifies_every_signature_again(jpn: Node, kor: Node, half: str) -> None:
    signatures = [_sign(jpn), _sign(kor)]
    jpn.agreements.import_(TEXT, signatures, actor="authority")
    data = json.loads(signatures[1])
    value = data["signature"][half]
    data["signature"][half] = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    with refused(jpn, VerificationFailed, ".", action="agreement.import"):
        jpn.agreements.import_(TEXT, [signatures[0], json.dumps(data)], actor="authority")
    with refused(jpn, VerificationFailed, "not signed by KOR", action="agreement.import"):
        jpn.agreements.import_(TEXT, [signatures[0]], actor="authority")


def test_other_text_with_the_same_id_is_a_conflict(jpn: Node, kor: Node) -> None:
    jpn.agreements.import_(TEXT, [_sign(jpn), _sign(kor)], actor="authority")
    signatures = [_sign(jpn, AMENDED), _sign(kor, AMENDED)]
    with refused(jpn, Conflict, "already imported with other text", action="agreement.import"):
        jpn.agreements.import_(AMENDED, signatures, actor="authority")
    assert jpn.agreements.get(AGREEMENT_ID) is not None


def test_a_missing_signature_is_refused_naming_the_party(jpn: Node, kor: Node) -> None:
    own = _sign(jpn)
    with refused(
        jpn, VerificationFailed, "not signed by KOR: every party must sign", action="agreement.import"
    ):
        jpn.agreements.import_(TEXT, [own], actor="authority")
    with refused(jpn, VerificationFailed, "not signed by JPN, KOR", action="agreement.import"):
        jpn.agreements.import_(TEXT, [], actor="authority")


def test_a_signature_over_another_text_is_refused(jpn: Node, kor: Node) -> None:
    signatures = [_sign(jpn), _sign(kor, AMENDED)]
    with refused(jpn, VerificationFailed, "with another text", action="agreement.import"):
        jpn.agreements.import_(TEXT, signatures, actor="authority")


def test_a_signature_for_another_agreement_is_refused(jpn: Node, kor: Node) -> None:
    signatures = [_sign(jpn), _forge(kor, party="KOR", agreement_id="USA-KOR-1987")]
    with refused(jpn, VerificationFailed, "is for USA-KOR-1987", action="agreement.import"):
        jpn.agreements.import_(TEXT, signatures, actor="authority")


def test_a_signature_from_an_unpinned_node_is_not_found(jpn: Node, make_node: Maker) -> None:
    signatures = [_sign(jpn), _sign(make_node("KOR", "kor-unpinned"))]
    with refused(jpn, NotFound, "'kor-unpinned' is unknown here", action="agreement.import"):
        jpn.agreements.import_(TEXT, signatures, actor="authority")


def test_a_signature_by_a_node_of_the_wrong_party_is_refused(jpn: Node, kor: Node) -> None:
    signatures = [_sign(jpn), _forge(jpn, party="KOR")]  # JPN's node signs as if it were KOR
    with refused(jpn, VerificationFailed, "node jpn-mod belongs to JPN, not KOR", action="agreement.import"):
        jpn.agreements.import_(TEXT, signatures, actor="authority")


def test_a_signature_by_a_non_party_is_refused(jpn: Node, kor: Node, make_node: Maker) -> None:
    usa = make_node("USA", "usa-dod")
    jpn.parties.add(usa.parties.own_card().to_json(), actor="authority")
    signatures = [_sign(jpn), _sign(kor), _forge(usa, party="USA")]
    with refused(jpn, VerificationFailed, "USA is not a party to", action="agreement.import"):
        jpn.agreements.import_(TEXT, signatures, actor="authority")


@pytest.mark.parametrize("half", ["ed25519", "mldsa65"])
def test_an_altered_signature_is_refused(jpn: Node, kor: Node, half: str) -> None:
    data = json.loads(_sign(kor))
    value = data["signature"][half]
    data["signature"][half] = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    signatures = [_sign(jpn), json.dumps(data)]
    with refused(jpn, VerificationFailed, ".", action="agreement.import"):
        jpn.agreements.import_(TEXT, signatures, actor="authority")


def test_a_malformed_signature_file_is_refused(jpn: Node, kor: Node) -> None:
    signatures = [_sign(jpn), '{"format": "x"}']
    with refused(jpn, InvalidInput, "agreement signature", action="agreement.import"):
        jpn.agreements.import_(TEXT, signatures, actor="authority")


def test_a_node_not_party_to_the_agreement_refuses_it(jpn: Node, make_node: Maker) -> None:
    usa_kor = example_agreement("usa-kor-1987.toml")
    usa, kor = make_node("USA", "usa-dod"), make_node("KOR", "kor-jcs")
    for partner in (usa, kor):
        jpn.parties.add(partner.parties.own_card().to_json(), actor="authority")
    signatures = [_sign(usa, usa_kor), _sign(kor, usa_kor)]
    with refused(jpn, PolicyDenied, "JPN is not a party to USA-KOR-1987", action="agreement.import"):
        jpn.agreements.import_(usa_kor, signatures, actor="authority")
    with refused(jpn, PolicyDenied, "JPN is not a party to USA-KOR-1987", action="agreement.sign"):
        jpn.agreements.sign(usa_kor, actor="authority")
    assert jpn.agreements.all() == []


def test_a_malformed_agreement_is_refused(jpn: Node) -> None:
    with refused(jpn, AgreementFormatError, ".", action="agreement.import"):
        jpn.agreements.import_("id = [", [], actor="authority")


def test_an_agreement_not_imported_is_not_found(jpn: Node) -> None:
    with pytest.raises(NotFound, match="not imported at this node"):
        jpn.agreements.get(AGREEMENT_ID)
    with pytest.raises(NotFound):
        jpn.agreements.notes(AGREEMENT_ID)

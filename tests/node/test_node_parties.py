"""Identity cards and pinning partners."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from support_node import Maker, events, refused, row_counts

from accord.crypto import Suite
from accord.errors import Conflict, InvalidInput, NotFound, VerificationFailed
from accord.exchange import UNSIGNED
from accord.node import IdentityCard, NewNode, Node


@pytest.fixture
def jpn(make_node: Maker, node_database_url: str) -> Node:
    return make_node("JPN", "jpn-mod", node_database_url)


@pytest.fixture
def kor(make_node: Maker) -> Node:
    return make_node("KOR", "kor-mnd")


def test_card_round_trip(kor: Node) -> None:
    card = kor.parties.own_card()
    parsed = IdentityCard.parse(card.to_json())
    assert parsed == card
    assert parsed.to_json() == card.to_json()
    assert (parsed.party, parsed.node_id, parsed.scheme) == ("KOR", "kor-mnd", "KOR")
    assert parsed.tls_certificate_pem == kor.ctx.tls_certificate_pem
    assert parsed.hpke_public_key == kor.ctx.hpke.public_bytes()
    assert parsed.hpke_cnsa_public_key == kor.ctx.hpke_cnsa.public_bytes()
    assert parsed.fingerprint == kor.ctx.keys.public().fingerprint()
    assert IdentityCard.parse(card.to_json().encode()) == card


def test_card_body_is_stable_across_exports(kor: Node) -> None:
    # The ML-DSA half of the self-signature is hedged, so two exports differ in bytes,
    # but they describe the same node with the same keys.
    assert kor.parties.own_card().body() == kor.parties.own_card().body()


def _flip(text: str, at: int) -> str:
    swap = "B" if text[at] != "B" else "C"
    return text[:at] + swap + text[at + 1 :]


def _tamper(card_json: str, edit: Callable[[dict[str, object]], None]) -> str:
    data = json.loads(card_json)
    edit(data)
    return json.dumps(data, ensure_ascii=False)


def _set(path: tuple[str, ...], change: Callable[[str], str]) -> Callable[[dict[str, object]], None]:
    def edit(data: dict[str, object]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]  # type: ignore[assignment]
        target[path[-1]] = change(str(target[path[-1]]))

    return edit


TAMPERING = [
    pytest.param(_set(("signature", "ed25519"), lambda s: _flip(s, 10)), id="ed25519 signature"),
    pytest.param(_set(("signature", "mldsa65"), lambda s: _flip(s, 100)), id="ml-dsa signature"),
    pytest.param(_set(("signing_keys", "ed25519"), lambda s: _flip(s, 5)), id="ed25519 key"),
    pytest.param(_set(("signing_keys", "mldsa65"), lambda s: _flip(s, 200)), id="ml-dsa key"),
    pytest.param(_set(("hpke", Suite.DEFAULT.value), lambda s: _flip(s, 50)), id="hpke key"),
    pytest.param(_set(("hpke", Suite.CNSA2.value), lambda s: _flip(s, 70)), id="hpke cnsa key"),
    pytest.param(_set(("tls", "certificate"), lambda s: _flip(s, 120)), id="certificate"),
    pytest.param(
        _set(("tls", "fingerprint"), lambda s: s[:-1] + ("0" if s[-1] != "0" else "1")), id="fingerprint"
    ),
    pytest.param(_set(("party",), lambda _s: "USA"), id="party"),
    pytest.param(_set(("node_id",), lambda _s: "kor-evil"), id="node id"),
    pytest.param(_set(("endpoint",), lambda _s: "https://203.0.113.9:8443"), id="endpoint"),
]


@pytest.mark.parametrize("edit", TAMPERING)
def test_a_tampered_card_is_refused(kor: Node, edit: Callable[[dict[str, object]], None]) -> None:
    text = _tamper(kor.parties.own_card().to_json(), edit)
    with pytest.raises((VerificationFailed, InvalidInput)):
        IdentityCard.parse(text)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("[]", id="not an object"),
        pytest.param('{"format": "accord-identity/1"}', id="fields missing"),
    ],
)
def test_a_malformed_card_is_invalid(text: str) -> None:
    with pytest.raises(InvalidInput):
        IdentityCard.parse(text)


def test_a_card_with_an_extra_field_is_invalid(kor: Node) -> None:
    text = _tamper(kor.parties.own_card().to_json(), lambda d: d.update(colour="red"))
    with pytest.raises(InvalidInput, match="fields must be"):
        IdentityCard.parse(text)


def test_pin_a_partner(jpn: Node, kor: Node) -> None:
    card, new = jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")
    assert new
    assert card.node_id == "kor-mnd"
    assert [c.node_id for c in jpn.parties.all()] == ["kor-mnd"]
    last = events(jpn)[-1]
    assert (last.action, last.outcome) == ("party.pin", "ok")
    assert last.detail == {"node_id": "kor-mnd", "party": "KOR", "fingerprint": card.fingerprint}


def test_pinning_the_same_card_again_changes_nothing(jpn: Node, kor: Node) -> None:
    text = kor.parties.own_card().to_json()
    jpn.parties.add(text, actor="authority")
    counts = row_counts(jpn)
    card, new = jpn.parties.add(text, actor="authority")
    assert not new
    assert card.node_id == "kor-mnd"
    assert row_counts(jpn) == counts


def test_pinning_a_re_exported_card_of_the_same_node_changes_nothing(jpn: Node, kor: Node) -> None:
    jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")
    counts = row_counts(jpn)
    _, new = jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")  # a fresh export
    assert not new
    assert row_counts(jpn) == counts


def test_own_card_is_refused(jpn: Node) -> None:
    with refused(jpn, Conflict, "own identity card", action="party.pin"):
        jpn.parties.add(jpn.parties.own_card().to_json(), actor="authority")


def test_same_node_id_with_another_card_is_refused(
    jpn: Node, kor: Node, tmp_path_factory: pytest.TempPathFactory
) -> None:
    jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")
    impostor = Node.init(tmp_path_factory.mktemp("impostor") / "kor", NewNode(party="KOR", node_id="kor-mnd"))
    try:
        with refused(jpn, Conflict, "already pinned with a different card", action="party.pin"):
            jpn.parties.add(impostor.parties.own_card().to_json(), actor="authority")
    finally:
        impostor.close()
    assert jpn.parties.all()[0].fingerprint == kor.parties.own_card().fingerprint


def test_a_tampered_card_is_not_pinned(jpn: Node, kor: Node) -> None:
    text = _tamper(kor.parties.own_card().to_json(), _set(("endpoint",), lambda _s: "https://evil:1"))
    with refused(jpn, VerificationFailed, ".", action="party.pin"):
        jpn.parties.add(text, actor="authority")
    assert jpn.parties.all() == []


BAD_ENDPOINTS = [
    pytest.param("notaurl", id="not a URL"),
    pytest.param("ftp://x", id="ftp"),
    pytest.param("http://127.0.0.1:8443", id="plain http"),
    pytest.param("https://kor.example", id="no port"),
    pytest.param("https://kor.example:8443/peer", id="a path"),
    pytest.param("https://kor.example:99999", id="port out of range"),
]


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
def test_a_card_whose_endpoint_cannot_be_served_is_not_pinned(jpn: Node, kor: Node, endpoint: str) -> None:
    # Self-signed by KOR's own keys: only the endpoint is wrong (a node made before init checked it).
    unreachable = dataclasses.replace(kor.parties.own_card(), endpoint=endpoint, signature=UNSIGNED)
    text = unreachable.signed_with(kor.ctx.keys).to_json()
    with refused(
        jpn,
        InvalidInput,
        "identity card of kor-mnd: endpoint .* must be https://host:port",
        action="party.pin",
    ):
        jpn.parties.add(text, actor="authority")
    assert jpn.parties.all() == []


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
def test_a_node_made_with_a_bad_endpoint_exports_no_card(kor: Node, endpoint: str) -> None:
    kor.ctx.config = dataclasses.replace(kor.ctx.config, endpoint=endpoint)
    with pytest.raises(InvalidInput, match="must be https://host:port"):
        kor.parties.exported_card()
    kor.parties.own_card()  # still signs its ledger's notes: only handing it out is refused


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
def test_init_refuses_a_bad_endpoint(endpoint: str) -> None:
    with pytest.raises(InvalidInput, match="must be https://host:port"):
        NewNode(party="KOR", endpoint=endpoint).config(datetime(2026, 12, 4, tzinfo=UTC))


def test_signer_of_an_unknown_node_is_not_found(jpn: Node) -> None:
    with jpn.ctx.db.transaction() as session, pytest.raises(NotFound, match="pin its identity card"):
        jpn.parties.signer(session, "kor-mnd")


def test_signer_of_this_node_and_a_partner(jpn: Node, kor: Node) -> None:
    jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")
    with jpn.ctx.db.transaction() as session:
        assert jpn.parties.signer(session, "jpn-mod") == ("JPN", jpn.ctx.keys.public())
        party, keys = jpn.parties.signer(session, "kor-mnd")
    assert party == "KOR"
    assert keys.fingerprint() == kor.ctx.keys.public().fingerprint()

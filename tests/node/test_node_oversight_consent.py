"""Oversight figures of consent (Art. 6) across JPN, KOR and USA: each side lines up with the other."""

from __future__ import annotations

from datetime import UTC, date, datetime

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node, OversightRequest
from accord.oversight import OversightReport, compare, verify_report
from support_trio import Trio

AGREEMENT = "JPN-KOR-GSOMIA-2016"
DECEMBER = (date(2026, 12, 1), date(2026, 12, 31))


def _provided(trio: Trio) -> str:
    """A JPN report provided to KOR under the Japan–ROK GSOMIA."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement=AGREEMENT),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver()
    return made.id


def _report(node: Node, actor: str) -> OversightReport:
    return node.oversight.report(OversightRequest(AGREEMENT, *DECEMBER), actor=actor)


def _nonzero(report: OversightReport) -> dict[str, int]:
    (month,) = report.months
    return {figure.name: figure.count for figure in month.figures if figure.count}


def test_consent_requests_decisions_and_revocations_line_up(trio: Trio) -> None:
    trio.clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    granted, denied = _provided(trio), _provided(trio)
    asked = trio.kor.consents.request(granted, to="USA", purpose="Cueing", actor="kim")
    refused = trio.kor.consents.request(denied, to="USA", purpose="Cueing", actor="kim")
    trio.deliver()
    approved = trio.jpn.consents.approve(asked.id, actor="sato")
    trio.jpn.consents.deny(refused.id, reason="Source protection", actor="sato")
    trio.deliver()
    # Passed on to USA under the US–ROK agreement: not an exchange of the Japan–ROK agreement.
    trio.kor.sending.send(granted, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver()
    assert approved.token_id is not None
    trio.jpn.consents.revoke(approved.token_id, reason="Source compromised", actor="sato")
    trio.deliver()
    trio.clock.now = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)  # type: ignore[attr-defined]
    for _ in range(2):
        for node in (trio.jpn, trio.kor, trio.usa):
            node.ledger.seal()
            node.witness.publish()
        trio.deliver()
    jpn, kor = _report(trio.jpn, "sato"), _report(trio.kor, "kim")
    assert _nonzero(jpn) == {
        "sent|KOR": 2,
        "sent|KOR|precedence|PRIORITY": 2,
        "sent|KOR|kind|report": 2,
        "sent|KOR|level|極秘 / 特定秘密 = 군사Ⅱ급비밀": 2,
        "consent-requests-received": 2,
        "consents-granted": 1,
        "consents-denied": 1,
        "consents-revoked": 1,
    }
    assert _nonzero(kor) == {
        "received|JPN": 2,
        "received|JPN|precedence|PRIORITY": 2,
        "received|JPN|kind|report": 2,
        "received|JPN|level|極秘 / 特定秘密 = 군사Ⅱ급비밀": 2,
        "consent-requests-made": 2,
        "consent-grants-received": 1,
        "consent-denials-received": 1,
        "consent-revocations-received": 1,
    }
    cards = [trio.jpn.parties.own_card().to_json(), trio.kor.parties.own_card().to_json()]
    for report in (jpn, kor):
        verify_report(report.to_json(), cards)
    assert compare(jpn, kor) == []

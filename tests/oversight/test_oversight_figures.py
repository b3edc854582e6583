"""figures_of: which figures one journal event counts in, from the event alone."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from accord.oversight import EventFacts, figures_of

AGREEMENT = "JPN-KOR-GSOMIA-2016"
HELD = "jpn-" + "1" * 32
USA_ITEM = "usa-" + "2" * 32
LEVELS = {("JPN", "秘"): "秘 = 군사Ⅲ급비밀"}


def _facts(action: str, outcome: str = "ok", item_id: str | None = HELD, **detail: object) -> EventFacts:
    return EventFacts(
        action=action,
        outcome=outcome,
        item_id=item_id,
        detail=detail,
        agreement=AGREEMENT,
        own_party="JPN",
        partners=("KOR",),
        items=frozenset({HELD, USA_ITEM}),
        party_of_node={"kor-mnd": "KOR"},
        level_row=lambda party, native: LEVELS.get((party, native)),
    )


SEND: Mapping[str, object] = {
    "agreement_id": AGREEMENT,
    "to": "KOR",
    "precedence": "FLASH",
    "kind": "report",
    "classification": "秘",
}
CASES = [
    pytest.param(
        _facts("item.send", **SEND),
        [
            "sent|KOR",
            "sent|KOR|precedence|FLASH",
            "sent|KOR|kind|report",
            "sent|KOR|level|秘 = 군사Ⅲ급비밀",
        ],
        id="send",
    ),
    pytest.param(
        _facts("item.send", **{**SEND, "agreement_id": "USA-JPN-GSOMIA-2007"}), [], id="send-other-agreement"
    ),
    pytest.param(
        _facts("item.send", item_id=USA_ITEM, **{**SEND, "classification": "SECRET"}),
        [
            "sent|KOR",
            "sent|KOR|precedence|FLASH",
            "sent|KOR|kind|report",
            "sent|KOR|level|unknown",
            "relayed|KOR",
        ],
        id="relay-of-a-third-party-item",
    ),
    pytest.param(
        _facts(
            "item.receive",
            **{"agreement_id": AGREEMENT, "from": "kor-mnd", "precedence": "ROUTINE", "classification": "x"},
        ),
        [
            "received|KOR",
            "received|KOR|precedence|ROUTINE",
            "received|KOR|kind|unknown",
            "received|KOR|level|unknown",
        ],
        id="receive-before-kinds-were-journalled",
    ),
    pytest.param(_facts("consent.decision.received", approved=True), ["consent-grants-received"], id="grant"),
    pytest.param(
        _facts("consent.decision.received", approved=False), ["consent-denials-received"], id="denial"
    ),
    pytest.param(_facts("item.downgrade", declassified=True), ["declassifications"], id="declassified"),
    pytest.param(_facts("item.downgrade", declassified=False), ["downgrades"], id="downgraded"),
    pytest.param(_facts("item.copy"), ["copies"], id="copy"),
    pytest.param(_facts("item.copy", item_id="jpn-" + "9" * 32), [], id="copy-of-an-item-never-exchanged"),
    pytest.param(_facts("item.read"), [], id="a-read-is-no-figure"),
    pytest.param(
        _facts(
            "item.send", "refused", item_id="jpn-" + "9" * 32, to="KOR", error="PolicyDenied", reason="sato"
        ),
        ["refusals|PolicyDenied"],
        id="refused-send-to-a-partner",
    ),
    pytest.param(
        _facts("item.send", "refused", item_id="jpn-" + "9" * 32, to="USA", error="PolicyDenied"),
        [],
        id="refused-send-to-another-party",
    ),
    pytest.param(
        _facts("oversight.report", "refused", item_id=None, agreement_id=AGREEMENT, error="Conflict"),
        [],
        id="refused-report-is-no-refusal-of-cmi",
    ),
    pytest.param(_facts("item.read", "refused", error="Withheld"), ["refusals|Withheld"], id="refused-read"),
]


@pytest.mark.parametrize(("facts", "figures"), CASES)
def test_figures_of(facts: EventFacts, figures: list[str]) -> None:
    assert figures_of(facts) == figures

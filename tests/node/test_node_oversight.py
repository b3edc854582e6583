"""Oversight reports over a JPN–KOR federation: the known figures, verified, compared; tampering refused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from support_node import FederationLike, events

from accord.errors import Conflict, InvalidInput, PolicyDenied, VerificationFailed
from accord.node import NewUser, Node, OversightRequest
from accord.oversight import Expected, Figure, MonthFigures, OversightReport, compare, verify_report
from support_oversight import (
    BODY,
    FIELD_VALUES,
    FIRST_DAY,
    LAST_DAY,
    PURPOSE,
    TITLE,
    Mix,
    exchange_mix,
    witness,
)


def _report(node: Node, actor: str, lang: str = "en") -> OversightReport:
    request = OversightRequest(_agreement(node), FIRST_DAY, LAST_DAY, lang)
    return node.oversight.report(request, actor=actor)


def _agreement(node: Node) -> str:
    (agreement,) = node.agreements.all()
    return agreement.id


def _cards(fed: FederationLike) -> list[str]:
    return [fed.jpn.parties.own_card().to_json(), fed.kor.parties.own_card().to_json()]


def _nonzero(report: OversightReport) -> dict[str, dict[str, int]]:
    return {
        month.month: {figure.name: figure.count for figure in month.figures if figure.count}
        for month in report.months
    }


@pytest.fixture
def mixed(federation: FederationLike) -> tuple[FederationLike, Mix, OversightReport, OversightReport]:
    mix = exchange_mix(federation)
    return federation, mix, _report(federation.jpn, "sato"), _report(federation.kor, "kim")


def test_both_reports_hold_the_known_figures_verify_and_agree(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport],
) -> None:
    fed, mix, jpn, kor = mixed
    assert _nonzero(jpn) == mix.jpn
    assert _nonzero(kor) == mix.kor
    for report in (jpn, kor):
        verified = verify_report(
            report.to_json(), _cards(fed), Expected(_agreement(fed.jpn), FIRST_DAY, LAST_DAY)
        )
        assert verified == report
    assert compare(jpn, kor) == []
    assert compare(kor, jpn) == []
    assert jpn.levels == ("極秘 / 特定秘密 = 군사Ⅱ급비밀", "秘 = 군사Ⅲ급비밀")


def test_the_report_names_no_item_title_field_or_person(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport],
) -> None:
    _, mix, jpn, kor = mixed
    people = ["sato", "kim", "lee", "authority"]
    secrets = [*mix.items, TITLE, BODY, PURPOSE, *FIELD_VALUES, *people, "DPRK-MISSILE", "NO-THIRD-PARTY"]
    for report in (jpn, kor):
        text = "\n".join(_words(report.to_dict()))
        found = [secret for secret in secrets if secret.lower() in text.lower()]
        assert found == []
        # Nor any message id of an exchange.
        assert "msg-" not in text
        # The signatures are what is left: base64 of random-looking bytes, no words.
        assert set(_signature_values(report.to_dict())) <= {"ed25519", "mldsa65", "signature", "cosignature"}


_SIGNATURES = frozenset({"signature", "cosignature"})


def _words(value: object, key: str = "") -> list[str]:
    """Every key and text of a report, except the signatures' base64 (which may spell anything)."""
    if key in _SIGNATURES:
        return []
    if isinstance(value, dict):
        return [word for k, v in value.items() for word in (k, *_words(v, k))]
    if isinstance(value, list):
        return [word for v in value for word in _words(v, key)]
    return [str(value)]


def _signature_values(value: object, key: str = "") -> list[str]:
    """The keys under which the skipped signatures sit."""
    if isinstance(value, dict):
        return [k for k, v in value.items() for k in ([k] if k in _SIGNATURES else _signature_values(v, k))]
    if isinstance(value, list):
        return [k for v in value for k in _signature_values(v, key)]
    return []


def test_a_node_that_drops_an_event_is_caught_by_compare(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport],
) -> None:
    fed, _, jpn, kor = mixed
    # JPN leaves out its FLASH send of November, re-signs: its report still verifies...
    november = jpn.months[0]
    flash = november.figure("sent|KOR|precedence|FLASH")
    assert flash is not None
    (dropped,) = flash.leaves

    def without(figure: Figure) -> Figure:
        leaves = tuple(leaf for leaf in figure.leaves if leaf != dropped)
        return Figure(figure.name, len(leaves), leaves)

    figures = tuple(without(f) for f in november.figures if f.name != "sent|KOR|precedence|FLASH")
    lying = replace(
        jpn,
        months=(MonthFigures(november.month, figures), *jpn.months[1:]),
        leaves=tuple(leaf for leaf in jpn.leaves if leaf.index != dropped),
    ).signed_with(fed.jpn.ctx.keys)
    verify_report(lying.to_json(), _cards(fed))
    # ...but KOR's ledger received it: compare shows the month, the figures and the totals.
    found = {(d.month, d.figure, d.count, d.mirror, d.mirror_count) for d in compare(lying, kor)}
    assert ("2026-11", "sent|KOR", 1, "received|JPN", 2) in found
    assert ("2026-11", "sent|KOR|precedence|FLASH", 0, "received|JPN|precedence|FLASH", 1) in found
    assert ("period", "sent|KOR", 2, "received|JPN", 3) in found


def _edited(report: OversightReport, edit: object) -> str:
    data = json.loads(report.to_json())
    edit(data)  # type: ignore[operator]
    return json.dumps(data, ensure_ascii=False)


def _count_changed(data: dict[str, object]) -> None:
    months = data["months"]
    assert isinstance(months, list)
    for figure in months[0]["figures"]:
        if figure["figure"] == "sent|KOR":
            figure["count"] += 1


def _proofs_swapped(data: dict[str, object]) -> None:
    leaves = data["leaves"]
    assert isinstance(leaves, list)
    leaves[0]["path"], leaves[1]["path"] = leaves[1]["path"], leaves[0]["path"]


def _breakdown_moved(data: dict[str, object]) -> None:
    months = data["months"]
    assert isinstance(months, list)
    for figure in months[0]["figures"]:
        if figure["figure"] == "sent|KOR|precedence|FLASH":
            figure["figure"] = "sent|KOR|precedence|ROUTINE"


def _uncountersigned(data: dict[str, object]) -> None:
    data["countersignatures"] = []


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        pytest.param(
            _count_changed, "2026-11 sent|KOR: counts 3 but commits to 2 leaves", id="tampered-count"
        ),
        pytest.param(
            _proofs_swapped, "2026-11 sent|KOR: leaf .* is not in the checkpoint", id="swapped-proof"
        ),
        pytest.param(_breakdown_moved, "2026-11: a figure is listed twice", id="breakdown-renamed"),
        pytest.param(_uncountersigned, "was not countersigned by kor-mnd", id="not-countersigned"),
    ],
)
def test_verify_refuses_a_tampered_report_naming_what_failed(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport], edit: object, match: str
) -> None:
    fed, _, jpn, _ = mixed
    with pytest.raises(VerificationFailed, match=match):
        verify_report(_edited(jpn, edit), _cards(fed))


def test_verify_refuses_a_checkpoint_the_partner_never_countersigned(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport],
) -> None:
    fed, _, jpn, kor = mixed
    # JPN proves against a newer checkpoint of its own that KOR has not seen, and keeps KOR's
    # countersignature of the old one: refused, though every signature of JPN's verifies.
    fed.clock.advance(days=1)
    fed.jpn.journal.listing(actor="sato")
    newer = fed.jpn.ledger.seal()
    assert newer is not None
    forged = replace(jpn, checkpoint=newer).signed_with(fed.jpn.ctx.keys)
    with pytest.raises(VerificationFailed, match="countersignature of kor-mnd is of another checkpoint"):
        verify_report(forged.to_json(), _cards(fed))
    del kor


def test_verify_refuses_another_agreement_period_or_card(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport],
) -> None:
    fed, _, jpn, _ = mixed
    cards = _cards(fed)
    with pytest.raises(VerificationFailed, match=r"is of agreement .*, not USA-JPN"):
        verify_report(jpn.to_json(), cards, Expected(agreement="USA-JPN"))
    with pytest.raises(VerificationFailed, match="last day is 2027-01-31, not 2027-02-28"):
        verify_report(jpn.to_json(), cards, Expected(last_day=LAST_DAY.replace(month=2, day=28)))
    with pytest.raises(VerificationFailed, match="no card of jpn-mod"):
        verify_report(jpn.to_json(), [cards[1]])
    with pytest.raises(VerificationFailed, match="no partner's card"):
        verify_report(jpn.to_json(), [cards[0]])
    # KOR's report checked with JPN's card where KOR's should be: no card of its node.
    with pytest.raises(VerificationFailed, match="no card of kor-mnd"):
        verify_report(_report(fed.kor, "kim").to_json(), [cards[0], cards[0]])
    # A report re-signed by another node's keys.
    stolen = jpn.signed_with(fed.kor.ctx.keys)
    with pytest.raises(VerificationFailed, match="the report is not signed by jpn-mod"):
        verify_report(stolen.to_json(), cards)


def test_compare_refuses_reports_of_other_agreements_or_periods(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport],
) -> None:
    _, _, jpn, kor = mixed
    with pytest.raises(InvalidInput, match="two agreements"):
        compare(jpn, replace(kor, agreement="OTHER"))
    with pytest.raises(InvalidInput, match="two periods"):
        compare(jpn, replace(kor, last_day="2027-02-28"))
    with pytest.raises(InvalidInput, match="both reports are JPN's"):
        compare(jpn, jpn)


def test_only_officers_and_the_authority_make_reports(
    mixed: tuple[FederationLike, Mix, OversightReport, OversightReport],
) -> None:
    fed, _, _, _ = mixed
    fed.jpn.users.add(NewUser("yamada", role="authority", clearance="秘", ntk=[]), actor="authority")
    fed.jpn.users.add(NewUser("ito", role="auditor", clearance="秘", ntk=[]), actor="authority")
    with pytest.raises(PolicyDenied, match="report-to-oversight denied"):
        _report(fed.kor, "lee")
    with pytest.raises(PolicyDenied, match="report-to-oversight denied"):
        _report(fed.jpn, "ito")
    assert _report(fed.jpn, "yamada", "ja").lang == "ja"


def test_a_report_waits_for_the_period_to_end_and_for_the_partner_to_countersign(
    federation: FederationLike,
) -> None:
    jpn = federation.jpn
    request = OversightRequest(_agreement(jpn), FIRST_DAY, date(2026, 11, 30))
    # 25 November 2026: the period has not ended.
    with pytest.raises(InvalidInput, match="the period has not ended"):
        jpn.oversight.report(request, actor="sato")
    with pytest.raises(InvalidInput, match="a report is in en, ko, ja"):
        jpn.oversight.report(replace(request, lang="fr"), actor="sato")
    # December: ended, but KOR has countersigned no checkpoint made since.
    federation.clock.now = datetime(2026, 12, 2, tzinfo=UTC)
    jpn.ledger.seal()
    with pytest.raises(Conflict, match="countersigned by KOR yet"):
        jpn.oversight.report(request, actor="sato")
    last = events(jpn)[-1]
    assert (last.action, last.outcome, last.detail["error"]) == ("oversight.report", "refused", "Conflict")
    witness(jpn, federation.kor)
    report = jpn.oversight.report(request, actor="sato")
    assert [m.month for m in report.months] == ["2026-11"]
    assert report.leaves == ()
    assert events(jpn)[-1].action == "oversight.report"

"""verify_report and compare on synthetic reports: properties, and a table of bad reports."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support_reports import FIRST, LAST, build, card, cards, keys

from accord.errors import InvalidInput, VerificationFailed
from accord.oversight import (
    PERIOD,
    Expected,
    Figure,
    MonthFigures,
    OversightReport,
    compare,
    figure_label,
    verify_report,
)

MONTHS = ("2026-01", "2026-02", "2026-03")
PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")
specs = st.dictionaries(
    st.sampled_from(MONTHS), st.lists(st.sampled_from(PRECEDENCES), max_size=4), max_size=3
)
SPEC = {"2026-01": ["FLASH", "ROUTINE"], "2026-03": ["ROUTINE"]}


@settings(max_examples=15)
@given(spec=specs)
def test_a_report_verifies_and_holds_the_figures_it_was_made_of(spec: dict[str, list[str]]) -> None:
    report = build(spec)
    assert verify_report(report.to_json(), cards(), Expected("JPN-KOR-GSOMIA-2016", FIRST, LAST)) == report
    for month in report.months:
        assert month.count("sent|KOR") == len(spec.get(month.month, []))
        for precedence in PRECEDENCES:
            wanted = spec.get(month.month, []).count(precedence)
            assert month.count(f"sent|KOR|precedence|{precedence}") == wanted


@settings(max_examples=15)
@given(spec=specs, data=st.data())
def test_any_changed_count_is_refused_naming_its_month_and_figure(
    spec: dict[str, list[str]], data: st.DataObject
) -> None:
    report = build(spec)
    month_index = data.draw(st.integers(0, len(report.months) - 1))
    month = report.months[month_index]
    figure_index = data.draw(st.integers(0, len(month.figures) - 1))
    figure = month.figures[figure_index]
    count = data.draw(st.integers(0, 9).filter(lambda n: n != figure.count))
    figures = list(month.figures)
    figures[figure_index] = replace(figure, count=count)
    months = list(report.months)
    months[month_index] = MonthFigures(month.month, tuple(figures))
    # Even re-signed by the node itself: the arithmetic does not hold.
    lying = replace(report, months=tuple(months)).signed_with(keys("JPN"))
    with pytest.raises(VerificationFailed, match=f"^{month.month} {figure.name}: counts {count} but"):
        verify_report(lying.to_json(), cards())


@settings(max_examples=15)
@given(spec=specs, data=st.data())
def test_compare_finds_exactly_the_exchange_one_side_left_out(
    spec: dict[str, list[str]], data: st.DataObject
) -> None:
    jpn, kor = build(spec, party="JPN", family="sent"), build(spec, party="KOR", family="received")
    assert compare(jpn, kor) == []
    assert compare(kor, jpn) == []
    busy = [month for month in MONTHS if spec.get(month)]
    if not busy:
        return
    month = data.draw(st.sampled_from(busy))
    dropped = data.draw(st.sampled_from(spec[month]))
    fewer = {**spec, month: [*spec[month]]}
    fewer[month].remove(dropped)
    found = {(d.month, d.figure, d.count, d.mirror, d.mirror_count) for d in compare(build(fewer), kor)}
    n = len(spec[month])
    assert (month, "sent|KOR", n - 1, "received|JPN", n) in found
    total = sum(len(v) for v in spec.values())
    assert (PERIOD, "sent|KOR", total - 1, "received|JPN", total) in found
    assert all(d[0] in (month, PERIOD) for d in found)


def _json(edit: Callable[[dict[str, object]], None]) -> str:
    data = json.loads(build(SPEC).to_json())
    edit(data)
    return json.dumps(data, ensure_ascii=False)


def _resigned(change: Callable[[OversightReport], OversightReport]) -> str:
    return change(build(SPEC)).signed_with(keys("JPN")).to_json()


def _months(report: OversightReport) -> list[MonthFigures]:
    return list(report.months)


def _swap_months(report: OversightReport) -> OversightReport:
    january, february, march = report.months
    return replace(
        report,
        months=(
            MonthFigures(january.month, march.figures),
            february,
            MonthFigures(march.month, january.figures),
        ),
    )


def _double_count(report: OversightReport) -> OversightReport:
    january = report.months[0]
    figures = [
        Figure(f.name, 2, (f.leaves[0], f.leaves[0] + 2)) if f.name == "sent|KOR|precedence|FLASH" else f
        for f in january.figures
    ]
    return replace(report, months=(MonthFigures(january.month, tuple(figures)), *report.months[1:]))


def _unknown_family(report: OversightReport) -> OversightReport:
    january = report.months[0]
    figures = (*january.figures, Figure("favours|KOR", 0, ()))
    return replace(report, months=(MonthFigures(january.month, figures), *report.months[1:]))


def _uncounted_leaf(report: OversightReport) -> OversightReport:
    # Leaf 0 is another event (support_reports.build): committed, with a path, but counted nowhere.
    return replace(report, leaves=(*report.leaves, replace(report.leaves[0], index=0)))


def _leaf_twice(report: OversightReport) -> OversightReport:
    return replace(report, leaves=(*report.leaves, report.leaves[0]))


def _missing_month(report: OversightReport) -> OversightReport:
    return replace(report, months=report.months[:2])


def _early_checkpoint(report: OversightReport) -> OversightReport:
    return build(SPEC, checkpoint_time="2026-03-31T23:59:59Z")


def _forged_countersignature(report: OversightReport) -> OversightReport:
    (counter,) = report.countersignatures
    forged = counter.make(
        keys("JPN"), witness="kor-mnd", checkpoint=counter.checkpoint, signed_at=counter.signed_at
    )
    return replace(report, countersignatures=(forged,))


def _other_agreement(report: OversightReport) -> OversightReport:
    return replace(report, agreement="USA-JPN-GSOMIA-2007")


BAD = [
    pytest.param(
        lambda: _json(lambda d: d.update(lang="fr")),
        InvalidInput,
        "lang is one of en, ko, ja",
        None,
        id="unknown-language",
    ),
    pytest.param(
        lambda: _resigned(_swap_months),
        VerificationFailed,
        "2026-03: leaf 1 is counted",
        None,
        id="months-out-of-order",
    ),
    pytest.param(
        lambda: _resigned(_double_count),
        VerificationFailed,
        "its precedence figures do not add up",
        None,
        id="breakdown-double-count",
    ),
    pytest.param(
        lambda: _resigned(_unknown_family),
        VerificationFailed,
        "2026-01 favours|KOR: no such figure",
        None,
        id="unknown-figure",
    ),
    pytest.param(
        lambda: _resigned(_leaf_twice),
        VerificationFailed,
        "leaf 1 is committed twice",
        None,
        id="leaf-committed-twice",
    ),
    pytest.param(
        lambda: _resigned(_uncounted_leaf),
        VerificationFailed,
        "leaf 0 is committed but counted in no figure",
        None,
        id="leaf-uncounted",
    ),
    pytest.param(
        lambda: _resigned(_missing_month),
        VerificationFailed,
        "the report lists months",
        None,
        id="month-missing",
    ),
    pytest.param(
        lambda: _resigned(_early_checkpoint),
        VerificationFailed,
        "before the period ended",
        None,
        id="checkpoint-before-period-end",
    ),
    pytest.param(
        lambda: _resigned(_forged_countersignature),
        VerificationFailed,
        "countersignature of kor-mnd does not verify",
        None,
        id="countersignature-forged",
    ),
    pytest.param(
        lambda: _resigned(_other_agreement),
        VerificationFailed,
        "is of agreement USA-JPN-GSOMIA-2007, not JPN-KOR",
        None,
        id="another-agreement",
    ),
    pytest.param(
        lambda: _json(lambda d: d.update(note="x")),
        InvalidInput,
        "unknown \\['note'\\]",
        None,
        id="unknown-key",
    ),
    pytest.param(
        lambda: _json(lambda d: d["months"][0]["figures"][0].update(count="2")),
        InvalidInput,
        "its count is a whole number",
        None,
        id="count-not-a-number",
    ),
    pytest.param(
        lambda: _json(lambda d: d["leaves"][0].update(hash="zz")),
        InvalidInput,
        "hash is 64 lowercase hex",
        None,
        id="hash-not-hex",
    ),
    pytest.param(
        lambda: build(SPEC).to_json(),
        VerificationFailed,
        "the card of jpn-mod is of party KOR",
        [card("JPN", claimed="KOR"), card("KOR")],
        id="card-of-another-party",
    ),
    pytest.param(
        lambda: build(SPEC).to_json(),
        VerificationFailed,
        "no card of jpn-mod",
        [card("KOR")],
        id="card-missing",
    ),
    pytest.param(
        lambda: _json(lambda d: d.update(made_at="2026-04-03T09:00:00Z")),
        VerificationFailed,
        "the report is not signed by jpn-mod",
        None,
        id="signature-changed-text",
    ),
]


@pytest.mark.parametrize(("make", "error", "match", "given_cards"), BAD)
def test_a_bad_report_is_refused_with_a_clear_reason(
    make: Callable[[], str], error: type[Exception], match: str, given_cards: list[str] | None
) -> None:
    with pytest.raises(error, match=match):
        verify_report(make(), given_cards or cards(), Expected("JPN-KOR-GSOMIA-2016", FIRST, LAST))


def test_labels_in_three_languages() -> None:
    assert figure_label("sent|KOR", "en") == "Items sent to KOR"
    assert figure_label("received|JPN", "ko") == "JPN에서 받은 항목"
    assert figure_label("sent|KOR|precedence|FLASH", "ja") == "KORへ送付した項目 — 優先度: FLASH"
    assert figure_label("refusals|PolicyDenied", "fr") == "Refusals: PolicyDenied"

"""The public surface of accord.oversight is exactly this list (STYLE.md: explicit __all__)."""

from __future__ import annotations

import accord.oversight


def test_exports() -> None:
    assert accord.oversight.__all__ == [
        "BREAKDOWNS",
        "CJK_FONT_PATHS",
        "FAMILIES",
        "LANGUAGES",
        "MIRRORS",
        "PERIOD",
        "REPORT_PURPOSE",
        "REPORT_TYPE",
        "SEPARATOR",
        "CjkFont",
        "Discrepancy",
        "EventFacts",
        "Expected",
        "Figure",
        "LeafCommitment",
        "MonthFigures",
        "OversightReport",
        "compare",
        "figure_label",
        "figures_of",
        "find_cjk_font",
        "months_of",
        "report_pdf",
        "summary_figures",
        "verify_report",
    ]
    for name in accord.oversight.__all__:
        assert getattr(accord.oversight, name) is not None

"""Oversight reports: monthly figures of an agreement that a legislature can check without seeing CMI.

Pure, between the node and the exchange: the report's format, its verification with the
parties' public identity cards alone, and the comparison of the two parties' reports. The
node builds and signs a report (:mod:`accord.node.audit._oversight`); ``accord oversight
verify`` and ``compare`` need no node. ``docs/oversight.md`` says what the scheme proves and
what it cannot.

* :mod:`._figures` — the figures, :func:`figures_of` (which figures one journal event counts
  in), their breakdowns, their mirrors at the other party, their names in en/ko/ja;
* :mod:`._report` — :class:`OversightReport` and its parts, canonical and signed;
* :mod:`._verify` — :func:`verify_report`;
* :mod:`._compare` — :func:`compare`;
* :mod:`._pdf` — :func:`report_pdf`, the printable PDF of a report (it reads the CJK font
  file :func:`find_cjk_font` finds).
"""

from accord.oversight._compare import PERIOD, Discrepancy, compare
from accord.oversight._figures import (
    BREAKDOWNS,
    FAMILIES,
    LANGUAGES,
    MIRRORS,
    SEPARATOR,
    EventFacts,
    figure_label,
    figures_of,
)
from accord.oversight._pdf import CJK_FONT_PATHS, CjkFont, find_cjk_font, report_pdf, summary_figures
from accord.oversight._report import (
    REPORT_PURPOSE,
    REPORT_TYPE,
    Figure,
    LeafCommitment,
    MonthFigures,
    OversightReport,
)
from accord.oversight._verify import Expected, months_of, verify_report

__all__ = [
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

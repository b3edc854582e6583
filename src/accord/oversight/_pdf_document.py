"""The PDF document of :func:`~accord.oversight.report_pdf`: fpdf2 drawing, loaded only to make one.

Kept apart from :mod:`accord.oversight._pdf` because fpdf2 (with fontTools and Pillow) takes
longer to import than the rest of the node, and nothing else needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace, TTFFont

from accord.canonical import parse_time
from accord.errors import InvalidInput
from accord.oversight._figures import FAMILIES, SEPARATOR, figure_label
from accord.oversight._pdf import NOT_BROKEN_DOWN, CjkFont, summary_figures
from accord.oversight._report import OversightReport

__all__ = ["render_pdf"]

_FACE: Final = {"ja": 0, "ko": 1, "en": 0}
"""The face of the Noto Sans CJK collection per language: 0 is JP, 1 is KR (the glyph shapes
each country expects; both faces hold Hangul, kana and kanji)."""
_TRAFFIC: Final = ("sent", "received")
_COLOURS: Final = ((31, 78, 121), (214, 120, 32), (90, 150, 60), (150, 60, 130))

_WORDS: Final = {
    "title": {"en": "Oversight report", "ko": "감독 보고서", "ja": "監督報告書"},
    "party": {"en": "Reporting party", "ko": "보고 당사자", "ja": "報告当事者"},
    "period": {
        "en": "Period (UTC, inclusive)",
        "ko": "기간 (UTC, 양끝 포함)",
        "ja": "期間 (UTC、両端を含む)",
    },
    "made": {"en": "Made at", "ko": "작성 시각", "ja": "作成日時"},
    "checkpoint": {
        "en": "Ledger checkpoint: {size} leaves, countersigned by {by}",
        "ko": "원장 체크포인트: 리프 {size}개, 부서명: {by}",
        "ja": "台帳チェックポイント: リーフ {size} 件、副署: {by}",
    },
    "leaves": {
        "en": "Ledger entries counted: {n}",
        "ko": "집계된 원장 항목: {n}개",
        "ja": "集計した台帳項目: {n} 件",
    },
    "chart": {
        "en": "Items exchanged, month by month",
        "ko": "월별 교환 건수",
        "ja": "月別の交換件数",
    },
    "figures": {"en": "Monthly figures", "ko": "월별 수치", "ja": "月別の数値"},
    "breakdowns": {"en": "Breakdowns", "ko": "세부 내역", "ja": "内訳"},
    "figure": {"en": "Figure", "ko": "항목", "ja": "項目"},
    "total": {"en": "Total", "ko": "합계", "ja": "合計"},
    "levels": {
        "en": "Levels (equivalence table of the agreement)",
        "ko": "등급 (협정의 상응 등급표)",
        "ja": "等級 (協定の相当表)",
    },
    "check": {
        "en": "A picture of the signed JSON report: check that file with `accord oversight verify` "
        "and the two parties' identity cards.",
        "ko": "서명된 JSON 보고서를 보여 주는 사본입니다. 그 파일을 `accord oversight verify`와 "
        "양 당사자의 신원 카드로 검증하십시오.",
        "ja": "署名された JSON 報告書の写しです。そのファイルを `accord oversight verify` と"
        "両当事者の識別カードで検証してください。",
    },
    "none": {
        "en": "No breakdown: nothing was exchanged.",
        "ko": "세부 내역 없음: 교환 없음.",
        "ja": "内訳なし: 交換なし。",
    },
    "page": {"en": "page {n} of {total}", "ko": "{total}쪽 중 {n}쪽", "ja": "{total} ページ中 {n} ページ"},
}


def _word(key: str, lang: str) -> str:
    return _WORDS[key][lang]


def _breakdowns(report: OversightReport) -> list[tuple[str, tuple[int, ...]]]:
    """Every breakdown any month lists, grouped by its figure (``sent|KOR|…`` together)."""
    names = {
        f.name for m in report.months for f in m.figures if len(f.name.split(SEPARATOR)) > NOT_BROKEN_DOWN
    }
    ordered = sorted(names, key=lambda name: (FAMILIES.index(name.split(SEPARATOR)[0]), name))
    return [(name, tuple(m.count(name) for m in report.months)) for name in ordered]


class _Document(FPDF):
    """A4 landscape, the CJK font, a footer with the report and the page number."""

    def __init__(self, report: OversightReport, font: CjkFont) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report = report
        self.add_font("cjk", "", str(font.path), collection_font_number=_FACE[report.lang])
        self.set_font("cjk", size=10)
        self.set_auto_page_break(auto=True, margin=14)
        self.alias_nb_pages()

    def close_font(self) -> None:
        """Close the font file (fpdf2 reads it lazily, until the document is output)."""
        font = self.fonts["cjk"]
        if isinstance(font, TTFFont):
            font.ttfont.close()

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font("cjk", size=8)
        page = _word("page", self.report.lang).format(n=self.page_no(), total="{nb}")
        self.cell(
            0,
            5,
            f"{self.report.agreement} · {self.report.party} · {self.report.first_day} – "
            f"{self.report.last_day} · {page}",
            align="C",
        )


def _check_glyphs(pdf: _Document, texts: Sequence[str]) -> None:
    """Refuse text the font has no glyph for (fpdf2 would print it as nothing)."""
    font = pdf.fonts["cjk"]
    assert isinstance(font, TTFFont)  # noqa: S101 - added from a file in _Document
    cmap = font.cmap
    missing = sorted({ch for text in texts for ch in text if not ch.isspace() and ord(ch) not in cmap})
    if missing:
        raise InvalidInput(f"the CJK font has no glyph for {''.join(missing)!r}: the PDF would not show it")


def render_pdf(report: OversightReport, font: CjkFont) -> bytes:
    """The PDF of ``report`` (its language already checked by :func:`~accord.oversight.report_pdf`).

    Raises:
        InvalidInput: its text holds a character the font cannot show.
    """
    pdf = _Document(report, font)
    try:
        return _render(pdf, report)
    finally:
        pdf.close_font()


def _render(pdf: _Document, report: OversightReport) -> bytes:
    lang = report.lang
    summary, breakdowns = summary_figures(report), _breakdowns(report)
    label = {name: figure_label(name, lang) for name, _ in [*summary, *breakdowns]}
    head = _head(report)
    _check_glyphs(pdf, [*head, *label.values(), *report.levels, *(_WORDS[k][lang] for k in _WORDS)])
    made = parse_time(report.made_at)
    pdf.set_creation_date(made)
    pdf.set_title(f"{_word('title', lang)} {report.agreement} {report.first_day} – {report.last_day}")
    pdf.set_lang(lang)
    pdf.set_creator("Accord")
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 10, f"{_word('title', lang)} — {report.agreement}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10)
    for line in head:
        pdf.cell(0, 5.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(0, 4.5, _word("check", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _chart(pdf, report, [(name, counts) for name, counts in summary if name.split(SEPARATOR)[0] in _TRAFFIC])
    _table(pdf, report, _word("figures", lang), [(label[n], c) for n, c in summary])
    if breakdowns:
        _table(pdf, report, _word("breakdowns", lang), [(label[n], c) for n, c in breakdowns])
    _heading(pdf, _word("levels", lang))
    pdf.set_font("cjk", size=10)
    for row in report.levels:
        pdf.cell(0, 5.5, row, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _head(report: OversightReport) -> list[str]:
    lang = report.lang
    checkpoint = report.checkpoint.checkpoint
    witnesses = ", ".join(c.witness for c in report.countersignatures)
    return [
        f"{_word('party', lang)}: {report.party} ({report.node})",
        f"{_word('period', lang)}: {report.first_day} – {report.last_day}",
        f"{_word('made', lang)}: {report.made_at}",
        _word("checkpoint", lang).format(size=checkpoint.size, by=witnesses),
        _word("leaves", lang).format(n=len(report.leaves)),
    ]


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=9)


def _table(pdf: FPDF, report: OversightReport, title: str, rows: list[tuple[str, tuple[int, ...]]]) -> None:
    """A table of figures: one row per figure, one column per month and the period's total."""
    _heading(pdf, title)
    months = [m.month for m in report.months]
    width = pdf.epw - 100
    pdf.set_fill_color(255, 255, 255)
    column = min(22.0, width / (len(months) + 1))
    with pdf.table(
        col_widths=(100, *([column] * (len(months) + 1))),
        width=100 + column * (len(months) + 1),
        align="LEFT",
        text_align=("LEFT", *(["RIGHT"] * (len(months) + 1))),
        line_height=5,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="", fill_color=(225, 230, 238)),
        repeat_headings=1,
    ) as table:
        heading = table.row()
        for text in (_word("figure", report.lang), *months, _word("total", report.lang)):
            heading.cell(text)
        for name, counts in rows:
            row = table.row()
            row.cell(name)
            for count in (*counts, sum(counts)):
                row.cell(str(count))


def _chart(pdf: FPDF, report: OversightReport, series: list[tuple[str, tuple[int, ...]]]) -> None:
    """Grouped bars: per month, one bar per exchange figure (sent to, received from a partner)."""
    lang = report.lang
    _heading(pdf, _word("chart", lang))
    if not series:
        return
    height, left, top = 50.0, pdf.l_margin + 12, pdf.get_y() + 2
    width = min(pdf.epw - 80, 40.0 * len(report.months))
    peak = max(1, *(max(counts) for _, counts in series))
    slot = width / len(report.months)
    bar = min(8.0, slot * 0.8 / len(series))
    pdf.set_draw_color(120, 120, 120)
    pdf.line(left, top + height, left + width, top + height)
    pdf.line(left, top, left, top + height)
    pdf.set_font("cjk", size=7)
    pdf.set_xy(left - 12, top - 2)
    pdf.cell(10, 4, str(peak), align="R")
    pdf.set_xy(left - 12, top + height - 2)
    pdf.cell(10, 4, "0", align="R")
    for m, month in enumerate(report.months):
        x0 = left + m * slot + (slot - bar * len(series)) / 2
        for s, (_, counts) in enumerate(series):
            h = height * counts[m] / peak
            pdf.set_fill_color(*_COLOURS[s % len(_COLOURS)])
            if h > 0:
                pdf.rect(x0 + s * bar, top + height - h, bar, h, style="F")
            pdf.set_xy(x0 + s * bar - 2, top + height - h - 4)
            pdf.cell(bar + 4, 4, str(counts[m]), align="C")
        pdf.set_xy(left + m * slot, top + height + 1)
        pdf.cell(slot, 4, month.month, align="C")
    pdf.set_font("cjk", size=8)
    for s, (name, _) in enumerate(series):
        y = top + 4 + s * 6
        pdf.set_fill_color(*_COLOURS[s % len(_COLOURS)])
        pdf.rect(left + width + 8, y, 4, 4, style="F")
        pdf.set_xy(left + width + 14, y)
        pdf.cell(0, 4, figure_label(name, lang))
    pdf.set_y(top + height + 8)

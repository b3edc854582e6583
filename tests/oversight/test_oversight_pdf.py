"""The printable PDF of a report: its figures in its language, the CJK font embedded, nothing else."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from support_reports import LEVEL, build

from accord.errors import InvalidInput, NotFound
from accord.oversight import (
    CjkFont,
    OversightReport,
    figure_label,
    find_cjk_font,
    report_pdf,
    summary_figures,
)

SPEC = {"2026-01": ["ROUTINE", "FLASH"], "2026-02": ["ROUTINE"] * 5, "2026-03": ["PRIORITY"] * 3}


@pytest.fixture(scope="module")
def font() -> CjkFont:
    try:
        return find_cjk_font()
    except NotFound:
        pytest.skip("no CJK font installed (Debian: fonts-noto-cjk)")


def _text(pdf: bytes) -> str:
    """The PDF's text without whitespace (pypdf spaces out every glyph of a CJK font)."""
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text().replace("\x00", "").split()) for page in reader.pages)


def _squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("lang", ["en", "ko", "ja"])
def test_the_pdf_holds_the_reports_figures_in_its_language(font: CjkFont, lang: str) -> None:
    report = replace(build(SPEC), lang=lang)
    text = _text(report_pdf(report, font))
    assert _squeezed(report.agreement) in text
    assert _squeezed(LEVEL) in text
    for month in report.months:
        assert month.month in text
        for figure in month.figures:
            assert _squeezed(figure_label(figure.name, lang)) in text
    # The monthly row of the sent figure and its total, as the table prints them.
    (name, counts) = summary_figures(report)[0]
    assert counts == (2, 5, 3)
    assert _squeezed(figure_label(name, lang)) + "25310" in text


def test_the_pdf_shows_no_hash_proof_or_signature(font: CjkFont) -> None:
    report = build(SPEC)
    text = _text(report_pdf(report, font))
    secrets = [leaf.hash.hex() for leaf in report.leaves]
    secrets += [node.hex() for leaf in report.leaves for node in leaf.path]
    secrets.append(report.checkpoint.checkpoint.root.hex())
    for value in secrets:
        assert value[:16] not in text


@pytest.mark.parametrize(("lang", "face"), [("ko", "NotoSansCJKKR"), ("ja", "NotoSansCJKJP")])
def test_the_cjk_font_is_embedded_as_a_subset(font: CjkFont, lang: str, face: str) -> None:
    reader = PdfReader(io.BytesIO(report_pdf(replace(build(SPEC), lang=lang), font)))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    (only,) = (value.get_object() for value in fonts.values())
    assert str(only["/BaseFont"]).endswith("+" + face)  # a subset tag, then the face
    descriptor = only["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert "/FontFile3" in descriptor or "/FontFile2" in descriptor


def test_the_same_report_gives_the_same_bytes(font: CjkFont) -> None:
    report = build(SPEC)
    assert report_pdf(report, font) == report_pdf(report, font)


def test_no_cjk_font_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="fonts-noto-cjk"):
        find_cjk_font([tmp_path / "missing.ttc"])


def test_text_the_font_cannot_show_is_refused_not_printed_as_boxes(font: CjkFont) -> None:
    report: OversightReport = replace(build(SPEC), levels=("\U0001f9ff = 군사Ⅲ급비밀",))
    with pytest.raises(InvalidInput, match="no glyph"):
        report_pdf(report, font)

"""The printable PDF of an oversight report, made from the report alone (issue 15).

:func:`report_pdf` turns an :class:`~accord.oversight.OversightReport` into the bytes of an
A4 landscape PDF in the report's language: what it is about, a bar chart of the exchanges
month by month, the table of the monthly figures and the table of their breakdowns, and the
agreement's level rows. It shows what the JSON report holds and nothing else (no leaf
hashes or proofs: those are for ``accord oversight verify``), so a PDF is only a picture of
a report: the committee checks the JSON.

Korean and Japanese need a CJK font, embedded as a subset (fpdf2 embeds only the glyphs
used): :func:`find_cjk_font` finds Noto Sans CJK where the distributions install it
(Debian's ``fonts-noto-cjk``); :func:`report_pdf` refuses text the font cannot show rather
than print empty boxes. Pure but for reading the font file it is given: the document's
dates are the report's, so the same report and font give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from accord.errors import InvalidInput, NotFound
from accord.oversight._figures import LANGUAGES, SEPARATOR
from accord.oversight._report import OversightReport

__all__ = ["CJK_FONT_PATHS", "CjkFont", "find_cjk_font", "report_pdf", "summary_figures"]

CJK_FONT_PATHS: Final = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),  # Debian, Ubuntu: fonts-noto-cjk
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),  # Fedora: google-noto-sans-cjk-fonts
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),  # Arch: noto-fonts-cjk
)
"""Where :func:`find_cjk_font` looks for Noto Sans CJK (a TrueType collection), in order."""

NOT_BROKEN_DOWN: Final = 2
"""A figure's name with more parts than this is a breakdown (``sent|KOR|…``)."""


@dataclass(frozen=True)
class CjkFont:
    """A font file that shows Latin, Hangul, kana and kanji: a Noto Sans CJK collection."""

    path: Path


def find_cjk_font(candidates: Sequence[Path] = CJK_FONT_PATHS) -> CjkFont:
    """The first of ``candidates`` that exists.

    Raises:
        NotFound: none does; the message says what to install.
    """
    for path in candidates:
        if path.is_file():
            return CjkFont(path)
    raise NotFound(
        "no CJK font for the PDF: install Noto Sans CJK (Debian: apt install fonts-noto-cjk); looked in "
        + ", ".join(str(p) for p in candidates)
    )


def summary_figures(report: OversightReport) -> list[tuple[str, tuple[int, ...]]]:
    """Every figure that is not a breakdown, in report order, with its count in each month."""
    names = dict.fromkeys(
        f.name for m in report.months for f in m.figures if len(f.name.split(SEPARATOR)) <= NOT_BROKEN_DOWN
    )
    return [(name, tuple(m.count(name) for m in report.months)) for name in names]


def report_pdf(report: OversightReport, font: CjkFont) -> bytes:
    """The printable PDF of ``report``, in its language, with the font embedded.

    Raises:
        InvalidInput: the report's language is unknown, or its text holds a character the
            font cannot show.
    """
    lang = report.lang
    if lang not in LANGUAGES:
        raise InvalidInput(f"a report's lang is one of {', '.join(LANGUAGES)}, not {lang!r}")
    # fpdf2 (with fontTools and Pillow) takes longer to import than the rest of the node:
    # only a PDF needs it, so the node and the CLI do not load it until one is made.
    from accord.oversight._pdf_document import render_pdf  # noqa: PLC0415 - see above

    return render_pdf(report, font)

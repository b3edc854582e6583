"""Tables the CLI prints: whole rows when piped, the terminal's width otherwise."""

from __future__ import annotations

import pytest

from accord.cli._common import print_table

LONG_ID = "jpn-" + "0123456789abcdef" * 2


@pytest.fixture(autouse=True)
def _width_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich fixes a console's width when COLUMNS is set as it is made: a test that imported the
    # CLI afresh under COLUMNS=80 would decide these tables' width. Here COLUMNS decides, as in
    # a process of its own.
    monkeypatch.setattr(print_table.__globals__["console"], "_width", None)


BANNER = "極秘 // 韓国提供 (PROVIDED BY KOR: 군사Ⅱ급비밀) // NO THIRD-PARTY RELEASE"


def test_a_piped_table_keeps_each_row_on_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rich would assume 80 columns and fold the id across three lines: grep would miss it.
    monkeypatch.delenv("COLUMNS", raising=False)
    print_table(("id", "banner", "title"), [(LONG_ID, BANNER, "DPRK ballistic missile launch")])
    lines = capsys.readouterr().out.splitlines()
    row = [line for line in lines if LONG_ID in line]
    assert len(row) == 1
    assert BANNER in row[0]
    assert "DPRK ballistic missile launch" in row[0]
    assert len(lines) == 5  # top, header, rule, the row, bottom


def test_columns_set_by_the_user_still_bound_the_table(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Narrower than the id itself: the id is folded as a last resort (wider, the banner wraps
    # first: test_an_id_column_stays_whole_while_prose_wraps).
    monkeypatch.setenv("COLUMNS", "30")
    print_table(("id", "banner"), [(LONG_ID, BANNER)])
    out = capsys.readouterr().out
    assert LONG_ID not in out  # folded to fit the width asked for, not cut
    assert max(map(len, out.splitlines())) <= 30
    first_cells = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert "".join(first_cells) == LONG_ID


CONSENT_ID = "consent-902511f91d40440fa97efa395add340d"
DIGEST = "738040470e1781862080f07b" + "0123456789abcdef" * 4 + "9" * 8
PROSE = "an officer's reason for the decision, long enough to need wrapping " * 3


@pytest.mark.parametrize("columns", ["80", "120", "250"])
@pytest.mark.parametrize("header", ["id", "consent / reason", "content SHA-384", "item"])
def test_an_id_column_stays_whole_while_prose_wraps(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: str, header: str
) -> None:
    # COLUMNS=250 accord consent list | cat folded a consent id: Rich shrank it like prose.
    monkeypatch.setenv("COLUMNS", columns)
    # A 96-digit digest leaves two prose columns no room in 80 or 120 columns: there it folds
    # with them (accord.cli._common._PROSE_ROOM); --json gives it whole.
    for value in (CONSENT_ID, DIGEST) if columns == "250" else (CONSENT_ID,):
        print_table((header, "banner", "reason"), [(value, BANNER, PROSE)])
        out = capsys.readouterr().out
        assert value in out, (header, columns, out)  # on one line, never folded
        assert max(map(len, out.splitlines())) <= int(columns)

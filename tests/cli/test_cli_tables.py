"""Tables the CLI prints: whole rows when piped, the terminal's width otherwise."""

from __future__ import annotations

import pytest

from accord.cli._common import print_table

LONG_ID = "jpn-" + "0123456789abcdef" * 2
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
    monkeypatch.setenv("COLUMNS", "60")
    print_table(("id", "banner"), [(LONG_ID, BANNER)])
    out = capsys.readouterr().out
    assert LONG_ID not in out  # folded to fit the width asked for, not cut
    assert max(map(len, out.splitlines())) <= 60
    first_cells = [line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")]
    assert "".join(first_cells) == LONG_ID

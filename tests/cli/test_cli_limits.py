"""Oversized files on the command line are refused unread, with their limit (issue 10, item 10).

"Unread" is measured, not timed: the bytes this process reads through system calls (Linux's
``/proc/self/io``) while the command runs stay far below the file's size (sparse files of
50 MB and more, which cost no disk).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_support import AGREEMENT_ID, Cli, Fed, as_user


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


UNREAD = (
    16 * 1024 * 1024
)  # what opening a node and refusing may read, at the most (the 50 and 64 MB files tell)
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/io")


def _bytes_read() -> int:
    """Bytes this process has read through system calls so far (``rchar``, page cache included)."""
    for line in Path("/proc/self/io").read_text(encoding="ascii").splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def _refused(cli: Cli, *args: str | Path, home: Path | None = None, env: dict[str, str] | None = None) -> str:
    before = _bytes_read()
    result = cli(*args, home=home, env=env)
    assert _bytes_read() - before < UNREAD  # not read whole (the files of 50 MB and more tell)
    assert result.exit_code == 3, result.stderr
    (line,) = result.stderr.splitlines()
    return line


def test_label_show_refuses_a_50_mb_file_unread(cli: Cli, tmp_path: Path) -> None:
    big = _sparse(tmp_path / "big.json", 50 * 1024 * 1024)
    assert _refused(cli, "label", "show", big) == (
        f"error: label file {big} is larger than 1 MiB (52,428,800 bytes), the most Accord reads for it"
    )


@pytest.mark.parametrize(
    ("command", "limit"),
    [
        (("party", "add", "{file}"), "1 MiB"),
        (("agreement", "note", "import", "{file}"), "1 MiB"),
        (("agreement", "sign", "{file}"), "1 MiB"),
        (("ledger", "check-proof", "{file}", "--card", "{file}"), "1 MiB"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else v,
)
def test_documents_are_refused_above_their_limit(
    cli: Cli, fed: Fed, tmp_path: Path, command: tuple[str, ...], limit: str
) -> None:
    big = _sparse(tmp_path / "big.json", 64 * 1024 * 1024)
    args = [str(big) if part == "{file}" else part for part in command]
    line = _refused(cli, *args, home=None if command[0] == "ledger" else fed.jpn)
    assert line.endswith(f"{big} is larger than {limit} (67,108,864 bytes), the most Accord reads for it")


@pytest.mark.parametrize("size", [4 * 1024 * 1024 + 1, 64 * 1024 * 1024], ids=["4 MiB + 1", "64 MiB"])
def test_an_item_body_file_is_refused_above_4_mib(cli: Cli, fed: Fed, tmp_path: Path, size: int) -> None:
    big = _sparse(tmp_path / "body.txt", size)
    line = _refused(
        cli, "item", "create", "--as", "sato", "--kind", "report", "--title", "Too long",
        "--purpose", "Assessment", "--body-file", str(big), "--classification", "秘",
        "--rel", "KOR", "--ntk", "DPRK-MISSILE", "--agreement", AGREEMENT_ID,
        home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert line == (
        f"error: body file {big} is larger than 4 MiB ({size:,} bytes), the most Accord reads for it"
    )

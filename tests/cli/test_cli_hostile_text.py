"""Controls and bidirectional overrides in an item's text never reach the terminal raw.

A title such as ``\\x1b[2A\\r\\x1b[2K…`` moves the cursor up and erases the line: printed raw, it
overwrites the classification banner an officer just read; U+202E makes text read backwards. A
partner's signed item may hold them (it is shown, not refused), so the CLI's consoles show every
such character as a visible escape (``accord.cli._common.printable``) in every command's text
output, and ``--json`` writes DEL, C1 and bidi controls as ``\\uXXXX`` (the same JSON).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_support import AGREEMENT_ID, Cli, Fed, as_user
from rich.text import Text

from accord.cli._common import console, printable

HOSTILE_TITLE = "Launch \x1b[2A\r\x1b[2KUNCLASSIFIED\u202eevil\x01\x9b2J\u2066x\u2069\nsecond"
HOSTILE_BODY = "Body \x1b]8;;http://x\x07link\x1b]8;;\x07 \u200f\u061c\x7f done\nline two"
# What must never be written raw (tab and newline may be).
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def _hostile_item(cli: Cli, home: Path) -> str:
    made = cli.json(
        "item", "create", "--as", "sato", "--kind", "report", "--title", HOSTILE_TITLE,
        "--purpose", "Assessment \u202eof", "--body", HOSTILE_BODY, "--classification", "秘",
        "--rel", "KOR", "--ntk", "DPRK-MISSILE", "--agreement", AGREEMENT_ID, home=home, env=as_user("sato"),
    )  # fmt: skip
    assert isinstance(made, dict)
    return str(made["id"])


def _clean(cli: Cli, *args: str | Path, home: Path, who: str | None = None) -> str:
    env = as_user(who) if who else None
    result = cli.ok(*args, *(("--as", who) if who else ()), home=home, env=env)
    for stream in (result.stdout, result.stderr):
        assert not RAW.search(stream), (args, RAW.findall(stream), stream)
    return result.stdout


def test_printable_escapes_controls_and_bidi() -> None:
    assert printable("a\x1b[2Ab\u202ec\x01\x9b\u2066") == "a\\x1b[2Ab\\u202ec\\x01\\x9b\\u2066"
    assert printable("tab\tand\nnewline") == "tab\tand\nnewline"
    assert printable("one\nline", one_line=True) == "one\\x0aline"
    assert printable("北の報告 — ordinary text") == "北の報告 — ordinary text"
    assert printable("crlf\r\nlines\r\n") == "crlf\nlines\n"  # a Windows line end is one
    assert printable("lone\rreturn") == "lone\\x0dreturn"
    assert printable("crlf\r\n", one_line=True) == "crlf\\x0d\\x0a"


def test_a_rich_text_keeps_its_styles_around_an_escape() -> None:
    text = Text("ab\x1bcd")
    text.stylize("bold", 0, 5)
    with console.capture() as captured:
        console.print(text)
    assert captured.get() == "ab\\x1bcd\n"


def test_every_text_output_escapes_a_hostile_item(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    item = _hostile_item(cli, fed.jpn)
    shown = _clean(cli, "item", "show", item, home=fed.jpn, who="sato")
    assert "\\x1b[2A\\x0d\\x1b[2KUNCLASSIFIED\\u202eevil" in shown
    # The banner is still the first line: nothing printed after it can move the cursor onto it.
    assert shown.splitlines()[0].startswith("秘")
    assert "title: Launch \\x1b[2A" in shown
    assert "\\x0asecond" in shown  # a title is one line: its newline shown escaped
    _clean(cli, "item", "list", home=fed.jpn, who="sato")
    _clean(cli, "search", "launch", home=fed.jpn, who="sato")
    _clean(cli, "journal", "list", home=fed.jpn, who="suzuki")
    _clean(cli, "send", item, "--to", "KOR", home=fed.jpn, who="suzuki")
    _clean(cli, "outbox", home=fed.jpn)
    pouch = tmp_path / "pouch.accord"
    _clean(cli, "bundle", "export", pouch, "--to", "KOR", home=fed.jpn)
    _clean(cli, "bundle", "import", pouch, home=fed.kor)
    # At the partner: the signed item is shown escaped, never refused.
    _clean(cli, "inbox", home=fed.kor, who="kim")
    _clean(cli, "item", "list", home=fed.kor, who="kim")
    at_kor = _clean(cli, "item", "show", item, home=fed.kor, who="kim")
    assert "\\u202eevil" in at_kor
    assert "\\x7f done" in at_kor
    _clean(cli, "search", "launch", home=fed.kor, who="kim")
    _clean(cli, "holdings", "list", home=fed.jpn, who="suzuki")


def test_json_output_escapes_them_and_parses_to_the_very_text(cli: Cli, fed: Fed) -> None:
    item = _hostile_item(cli, fed.jpn)
    out = cli.ok("item", "show", item, "--as", "sato", "--json", home=fed.jpn, env=as_user("sato")).stdout
    assert not RAW.search(out)
    assert json.loads(out)["content"]["title"] == HOSTILE_TITLE


MARKUP_TITLE = "Launch site [/] update on [redacted] [link=http://evil]x[/link] [bold red]UNCLASSIFIED[/]"
_CREATE = (
    "item", "create", "--as", "sato", "--kind", "report", "--title", MARKUP_TITLE, "--purpose", "Assessment",
    "--body", "b", "--classification", "秘", "--rel", "KOR", "--ntk", "DPRK-MISSILE",
    "--agreement", AGREEMENT_ID,
)  # fmt: skip


def test_markup_in_an_item_is_text_at_both_ends(
    cli: Cli, fed: Fed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read as Rich markup, "[/]" raised MarkupError (a partner's item broke every listing that
    # showed it, item create crashed after storing), "[redacted]" vanished, "[link=…]" wrote an
    # escape sequence (found by review).
    monkeypatch.setenv("COLUMNS", "400")  # each table row on one line (pytest-xdist sets 80)
    made = cli.json(
        *_CREATE, home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert isinstance(made, dict)
    item = str(made["id"])
    created = cli.ok(
        *_CREATE, home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert MARKUP_TITLE in created.stdout
    assert MARKUP_TITLE in _clean(cli, "item", "show", item, home=fed.jpn, who="sato")
    assert MARKUP_TITLE in _clean(cli, "item", "list", home=fed.jpn, who="sato")
    _clean(cli, "send", item, "--to", "KOR", home=fed.jpn, who="suzuki")
    pouch = tmp_path / "pouch.accord"
    _clean(cli, "bundle", "export", pouch, "--to", "KOR", home=fed.jpn)
    _clean(cli, "bundle", "import", pouch, home=fed.kor)
    assert MARKUP_TITLE in _clean(cli, "inbox", home=fed.kor, who="kim")
    assert MARKUP_TITLE in _clean(cli, "item", "list", home=fed.kor, who="kim")

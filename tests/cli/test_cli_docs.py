"""``docs/cli.md`` is generated from the CLI; this fails when the two drift apart."""

from __future__ import annotations

import difflib

from cli_docs import DOCS_FILE, REGENERATE, render


def test_cli_reference_is_current() -> None:
    expected = render()
    actual = DOCS_FILE.read_text(encoding="utf-8") if DOCS_FILE.exists() else ""
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                actual.splitlines(keepends=True),
                expected.splitlines(keepends=True),
                "docs/cli.md (checked in)",
                "docs/cli.md (generated now)",
                n=1,
            )
        )
        raise AssertionError(
            f"docs/cli.md is out of date with the CLI; regenerate it with `{REGENERATE}`\n{diff[:4000]}"
        )


def test_reference_covers_every_command() -> None:
    text = render()
    for line in ("## `accord init`", "### `accord agreement note issue`", "`--home`", "env `ACCORD_HOME`"):
        assert line in text

"""docs/errors.md's table of exit codes says what ``accord.cli._common.EXIT_CODES`` does."""

from __future__ import annotations

import re
from pathlib import Path

import accord.errors
from accord.cli._common import EXIT_CODES, exit_code

_PAGE = Path(__file__).resolve().parents[2] / "docs" / "errors.md"
_ROW = re.compile(r"^\| (\d+) \| ([^|]*) \|", re.MULTILINE)


def _documented() -> dict[str, int]:
    families: dict[str, int] = {}
    for code, cell in _ROW.findall(_PAGE.read_text(encoding="utf-8")):
        for name in re.findall(r"`(\w+)`", cell):
            families[name] = int(code)
    return families


def test_every_documented_family_exits_with_its_documented_code() -> None:
    documented = _documented()
    assert documented, "no exit-code table found in docs/errors.md"
    for name, code in documented.items():
        family = getattr(accord.errors, name)
        actual = exit_code(family("x"))
        assert actual == code, f"docs/errors.md says {name} exits {code}; the CLI exits {actual}"


def test_every_mapped_family_is_documented() -> None:
    documented = _documented()
    for family, code in EXIT_CODES:
        name = family.__name__
        assert documented.get(name) == code, f"{name} (exit {code}) is not in docs/errors.md"


def test_a_note_from_a_state_that_is_no_party_is_documented_under_the_agreement_state_code() -> None:
    # The lifecycle refuses it (AgreementStateError, exit 8), not the signature check (exit 6).
    page = _PAGE.read_text(encoding="utf-8")
    examples = dict(re.findall(r"^\| (\d+) \|[^|]*\|([^|]*)\|", page, re.MULTILINE))
    assert "not a party to the agreement" in examples[str(exit_code(accord.errors.AgreementStateError("x")))]
    assert "not a party" not in examples[str(exit_code(accord.errors.VerificationFailed("x")))]

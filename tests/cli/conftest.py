"""Fixtures for the CLI tests: a runner over ``accord.cli.app`` and a federation built by commands.

* ``cli`` — calls ``accord`` in-process through Typer's ``CliRunner`` (standard output and
  standard error captured apart; ``ACCORD_HOME``, ``ACCORD_TOKEN`` and ``ACCORD_PASSWORD``
  removed unless a test sets them);
* ``fed`` — a fresh copy of two nodes, JPN ``jpn-mod`` and KOR ``kor-mnd``, set up with
  commands only: identity cards exchanged, the Japan–ROK GSOMIA signed by both and in force,
  analysts ``sato`` (JPN, 極秘) and ``kim`` (KOR, 군사Ⅱ급비밀), the JPN officer ``suzuki``
  (極秘) who releases, all with the passwords in ``cli_support.PASSWORDS``, and one JPN
  report. The federation is built once per session and copied per test, so each test may
  damage it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import Cli, Fed, build_federation


@pytest.fixture
def cli() -> Cli:
    """The ``accord`` command, in-process."""
    return Cli()


@pytest.fixture(scope="session")
def fed_template(tmp_path_factory: pytest.TempPathFactory) -> Fed:
    """The federation, built once."""
    return build_federation(Cli(), tmp_path_factory.mktemp("fed-template"))


@pytest.fixture
def fed(fed_template: Fed, tmp_path: Path) -> Fed:
    """A private copy of the federation (node homes hold no absolute paths)."""
    root = tmp_path / "fed"
    shutil.copytree(fed_template.root, root)
    return Fed(
        root,
        root / "jpn",
        root / "kor",
        root / fed_template.agreement.name,
        root / fed_template.jpn_note.name,
        root / fed_template.kor_note.name,
        fed_template.jpn_item,
    )


@pytest.fixture(autouse=True)
def _no_outer_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Neither a node nor credentials from the shell that runs the tests.
    for name in ("ACCORD_HOME", "ACCORD_TOKEN", "ACCORD_PASSWORD"):
        monkeypatch.delenv(name, raising=False)

"""``accord stix export --out``: the bundle is written whole, or the refusal is one line (issue 13)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_support import Cli, Fed, as_user, build_federation


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Fed]:
    cli = Cli()
    return cli, build_federation(cli, tmp_path_factory.mktemp("stix"))


def test_export_writes_the_bundle_to_the_file(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    out = tmp_path / "bundle.json"
    done = cli.ok("stix", "export", f.jpn_item, "--as", "sato", "--out", out, home=f.jpn, env=as_user("sato"))
    assert "Wrote 1 item(s)" in done.stdout
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["type"] == "bundle"
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_an_unwritable_file_is_a_one_line_storage_error(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = cli(
            "stix",
            "export",
            f.jpn_item,
            "--as",
            "sato",
            "--out",
            locked / "b.json",
            home=f.jpn,
            env=as_user("sato"),
        )
    finally:
        locked.chmod(0o700)
    assert result.exit_code != 0
    assert result.stderr.startswith("error: cannot write ")
    assert len(result.stderr.splitlines()) == 1
    assert not list(locked.iterdir())


def test_the_target_is_a_folder_is_a_one_line_storage_error(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("kept", encoding="utf-8")
    result = cli(
        "stix", "export", f.jpn_item, "--as", "sato", "--out", taken, home=f.jpn, env=as_user("sato")
    )
    assert result.exit_code != 0, result.stdout
    assert result.stderr.startswith("error: cannot write "), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert (taken / "x").read_text(encoding="utf-8") == "kept"
    assert not list(tmp_path.glob("*.part"))

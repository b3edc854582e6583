"""``accord item export-4778`` / ``import-4778`` from the command line (issue 13).

Within one party the item comes in as a new item; JPN's item at KOR is refused (exit 7,
policy): a partner's item arrives through the exchange, keeping its originator's controls.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, Fed, as_user, build_federation


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Fed]:
    cli = Cli()
    return cli, build_federation(cli, tmp_path_factory.mktemp("stanag4778"))


def test_export_to_a_file_then_import_within_the_party(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    out = tmp_path / "launch.xml"
    done = cli.ok(
        "item", "export-4778", f.jpn_item, "--as", "sato", "--out", out, home=f.jpn, env=as_user("sato")
    )
    assert f"Wrote {f.jpn_item} as a STANAG 4778 binding" in done.stdout
    assert out.read_bytes().startswith(b"<?xml")
    created = cli.json("item", "import-4778", out, "--as", "sato", home=f.jpn, env=as_user("sato"))
    assert isinstance(created, dict)
    assert created["id"].startswith("jpn-")
    assert created["id"] != f.jpn_item
    assert any("秘" in line for line in created["banners"])


def test_import_of_a_partners_item_is_refused(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    out = tmp_path / "launch.xml"
    cli.ok("item", "export-4778", f.jpn_item, "--as", "sato", "--out", out, home=f.jpn, env=as_user("sato"))
    before = cli.json("item", "list", "--as", "kim", home=f.kor, env=as_user("kim"))
    result = cli("item", "import-4778", out, "--as", "kim", home=f.kor, env=as_user("kim"))
    assert result.exit_code == 7
    assert result.stderr.startswith("error: STANAG 4778 binding refused: it is signed by a node of JPN")
    assert "accord send" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert cli.json("item", "list", "--as", "kim", home=f.kor, env=as_user("kim")) == before


def test_a_tampered_binding_is_a_one_line_refusal(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    shown = cli.ok("item", "export-4778", f.jpn_item, "--as", "sato", home=f.jpn, env=as_user("sato"))
    changed = tmp_path / "changed.xml"
    assert "<slab:Classification>秘</slab:Classification>" in shown.stdout
    raised = shown.stdout.replace("<slab:Classification>秘<", "<slab:Classification>極秘<", 1)
    changed.write_text(raised, encoding="utf-8")
    result = cli("item", "import-4778", changed, "--as", "kim", home=f.kor, env=as_user("kim"))
    assert result.exit_code != 0
    assert result.stderr.startswith("error: STANAG 4778 binding refused: the label does not match")
    assert len(result.stderr.splitlines()) == 1

"""``accord misp import``: one item per event under its mapped label, or a one-line refusal (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import Cli, Fed, as_user, build_federation

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "misp"
EVENT = EXAMPLES / "dprk-launch-event.json"
MAP = EXAMPLES / "classification-map.toml"


@pytest.fixture(scope="module")
def fed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Fed]:
    cli = Cli()
    return cli, build_federation(cli, tmp_path_factory.mktemp("misp"))


def _count(cli: Cli, f: Fed) -> int:
    listed = cli.json("item", "list", "--as", "sato", home=f.jpn, env=as_user("sato"))
    assert isinstance(listed, dict)
    return len(listed["items"])


def test_import_prints_the_new_item_and_its_banner(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    argv = ("misp", "import", EVENT, "--classification-map", MAP, "--as", "sato")
    done = cli.ok(*argv, home=f.jpn, env=as_user("sato"))
    assert "Created jpn-" in done.stdout
    assert "極秘" in done.stdout
    item_id = done.stdout.split("Created ", 1)[1].split()[0].rstrip(":")
    # The same event again: refused (Conflict, exit 5), naming the item it became; nothing stored.
    before = _count(cli, f)
    again = cli(*argv, home=f.jpn, env=as_user("sato"))
    assert again.exit_code == 5, again.stdout + again.stderr
    assert "imported already" in again.stderr
    assert item_id in again.stderr
    assert _count(cli, f) == before
    event = json.loads(EVENT.read_text(encoding="utf-8"))
    event["Event"]["uuid"] = "0f1c2e4a-8b3d-4c5e-9f70-1a2b3c4d5e6f"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(event), encoding="utf-8")
    created = cli.json(
        "misp", "import", other, "--classification-map", MAP, "--as", "sato", home=f.jpn, env=as_user("sato")
    )
    assert isinstance(created, list)
    ((summary),) = created
    assert summary["kind"] == "missile-launch"
    assert summary["title"].startswith("北朝鮮弾道ミサイル発射 / 북한 탄도미사일 발사")


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        pytest.param(lambda e: e["Event"].update(Tag=[]), "no tag of the classification map", id="unmapped"),
        pytest.param(lambda e: [e], "the file is a JSON list", id="a list"),
    ],
)
def test_a_refused_event_is_one_line_and_stores_nothing(
    fed: tuple[Cli, Fed], tmp_path: Path, edit: object, reason: str
) -> None:
    cli, f = fed
    event = json.loads(EVENT.read_text(encoding="utf-8"))
    changed = edit(event)  # type: ignore[operator]
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event if changed is None else changed), encoding="utf-8")
    before = _count(cli, f)
    result = cli(
        "misp", "import", path, "--classification-map", MAP, "--as", "sato", home=f.jpn, env=as_user("sato")
    )
    assert result.exit_code == 3, result.stdout + result.stderr
    assert result.stderr.startswith("error: MISP event"), result.stderr
    assert reason in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert _count(cli, f) == before


def test_a_bad_map_is_refused(fed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, f = fed
    bad = tmp_path / "map.toml"
    bad.write_text("version = 1\npurpose = 'p'\n[[classification]]\ntag = 'tlp:red'\nlevel = '秘'\n")
    result = cli(
        "misp", "import", EVENT, "--classification-map", bad, "--as", "sato", home=f.jpn, env=as_user("sato")
    )
    assert result.exit_code == 3
    assert "is a TLP marking" in result.stderr

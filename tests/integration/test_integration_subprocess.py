"""The installed ``accord`` console script, run as real processes end to end.

The in-process CLI tests use Typer's ``CliRunner``; these run the entry point that
``pip install`` created, so packaging (the console script, the shipped example agreement
and migrations), exit codes and the streams are what a user's shell sees.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from accord.node import Node
from accord.store import read_events

KOR_BANNER = "군사Ⅱ급비밀 (GUNSA 2-GEUP BIMIL) // SECRET"
JPN_BANNER = "秘 (HI) // CONFIDENTIAL"
KOR_EQUIVALENT = "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘)"
PRIVATE_KEYS = ("signing.key", "hpke.key", "tls.key", "data.key")


def _accord() -> str:
    # The script next to this interpreter first (the project's venv), then PATH.
    beside = Path(sys.executable).parent / "accord"
    if beside.is_file():
        return str(beside)
    found = shutil.which("accord")
    if found is None:
        pytest.fail("the accord console script is not installed (pip install -e .)")
    return found


def run(
    *args: str | Path, home: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``accord ARGS`` with ACCORD_HOME set to ``home`` (or unset) and ``env`` added.

    Neither a node nor credentials come from the environment the tests run in, and standard
    input is not a terminal (so nothing ever waits at a password prompt).
    """
    outer = ("ACCORD_HOME", "ACCORD_TOKEN", "ACCORD_PASSWORD")
    full = {k: v for k, v in os.environ.items() if k not in outer}
    full["PYTHONIOENCODING"] = "utf-8"
    if home is not None:
        full["ACCORD_HOME"] = str(home)
    full.update(env or {})
    return subprocess.run(
        [_accord(), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def test_demo_once_prints_both_banners_and_the_equivalent(tmp_path: Path) -> None:
    done = run("demo", "--dir", tmp_path / "demo", "--once", "--image-mb", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    assert KOR_BANNER in done.stdout
    assert JPN_BANNER in done.stdout
    assert KOR_EQUIVALENT in done.stdout
    assert "All 19 steps succeeded." in done.stdout
    # the real exchange over mutual TLS: receipts back, both inboxes show both banners
    assert "✓ signed receipts came back" in done.stdout
    assert "        군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘)" in done.stdout
    assert "        極秘 // 韓国提供 (PROVIDED BY KOR: 군사Ⅱ급비밀) // NO THIRD-PARTY RELEASE" in done.stdout
    # the consent flow: refused without consent, asked, approved, received at USA
    assert "✓ KOR may not pass JPN's imagery to USA on its own (Art. 6)" in done.stdout
    assert "needs JPN's prior written consent (Art. 6)" in done.stdout
    assert "KOR holds the consent signed by JPN: approved" in done.stdout
    assert "    at USA (smith): Sunan airfield, post-launch imagery" in done.stdout
    assert "        CONFIDENTIAL // PROVIDED BY JPN: 秘" in done.stdout
    # accountability: copies, a translation, a possible compromise, a destruction certificate
    assert "    copy 2 of 2, accounted for in the holdings register" in done.stdout
    assert "JPN sees case case-" in done.stdout
    assert "JPN's dissemination record holds 1 destruction certificate(s)" in done.stdout
    assert "✓ JPN and KOR witness each other's ledger: signed checkpoints, countersigned" in done.stdout
    assert "JPN verified kor-mnd's checkpoint (size " in done.stdout
    assert "✓ every outbox is empty of items" in done.stdout
    assert "✗" not in done.stdout
    assert "Traceback" not in done.stderr
    assert (tmp_path / "demo" / "jpn" / "config.toml").is_file()
    assert (tmp_path / "demo" / "kor" / "config.toml").is_file()
    assert (tmp_path / "demo" / "usa" / "config.toml").is_file()


def test_init_then_identity_export(tmp_path: Path) -> None:
    home = tmp_path / "jpn"
    made = run("init", home, "--party", "JPN", "--node-id", "jpn-mod", "--json")
    assert made.returncode == 0, made.stderr
    info = json.loads(made.stdout)
    assert info["node_id"] == "jpn-mod"
    assert info["home"] == str(home.resolve())

    exported = run("identity", "export", home=home)  # selected by ACCORD_HOME
    assert exported.returncode == 0, exported.stderr
    card = json.loads(exported.stdout)
    assert (card["node_id"], card["party"]) == ("jpn-mod", "JPN")
    assert exported.stderr == ""

    to_file = run("identity", "export", "--out", tmp_path / "jpn.card.json", "--home", home)
    assert to_file.returncode == 0, to_file.stderr
    assert json.loads((tmp_path / "jpn.card.json").read_text(encoding="utf-8"))["node_id"] == "jpn-mod"

    # Private keys are readable by the node's owner only.
    keys = home / "keys"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    for name in PRIVATE_KEYS:
        assert stat.S_IMODE((keys / name).stat().st_mode) == 0o600, name


def test_refusals_exit_codes_and_one_line(tmp_path: Path) -> None:
    home = tmp_path / "kor"
    assert run("init", home, "--party", "KOR", "--node-id", "kor-mnd").returncode == 0

    again = run("init", home, "--party", "KOR")
    assert again.returncode == 5  # Conflict
    assert again.stdout == ""
    assert again.stderr.splitlines() == [
        f"error: a node already exists at {home.resolve()}; refusing to overwrite it"
    ]

    level = run("user", "add", "park", "--role", "analyst", "--clearance", "군사Ⅳ급비밀", home=home)
    assert level.returncode == 3  # InvalidInput (LabelError)
    (line,) = level.stderr.splitlines()
    assert line.startswith("error: unknown level '군사Ⅳ급비밀' in scheme KOR")
    node = Node.open(home)
    try:
        with node.ctx.db.transaction() as session:
            last = list(read_events(session))[-1]
    finally:
        node.close()
    assert (last.action, last.outcome) == ("user.add", "refused")

    nowhere = run("party", "list")
    assert nowhere.returncode == 4  # NotFound
    assert nowhere.stderr.splitlines() == ["error: no node selected: give --home DIR or set ACCORD_HOME"]


@pytest.mark.slow
def test_as_user_authenticates(tmp_path: Path) -> None:
    home = tmp_path / "jpn"
    password = {"ACCORD_PASSWORD": "sato's launch-day passphrase"}
    assert run("init", home, "--party", "JPN", "--node-id", "jpn-mod").returncode == 0
    assert run("user", "add", "sato", "--role", "analyst", "--clearance", "極秘", home=home).returncode == 0
    assert run("user", "passwd", "sato", home=home, env=password).returncode == 0
    create = ("item", "create", "--as", "sato", "--kind", "report", "--title", "Launch assessment")
    create += ("--purpose", "Assessment", "--classification", "秘", "--json")

    # No credentials and no terminal: refused, with how to give them; nothing is created.
    bare = run(*create, home=home)
    assert bare.returncode == 7  # PolicyDenied
    assert bare.stdout == ""
    assert bare.stderr.splitlines() == [
        "error: cannot authenticate sato: set ACCORD_TOKEN or ACCORD_PASSWORD, or run in a terminal"
    ]
    wrong = run(*create, home=home, env={"ACCORD_PASSWORD": "not sato's passphrase"})
    assert (wrong.returncode, wrong.stderr) == (7, "error: wrong user name or password\n")

    made = run(*create, home=home, env=password)
    assert made.returncode == 0, made.stderr
    item = json.loads(made.stdout)["id"]
    listed = run("item", "list", "--as", "sato", "--json", home=home, env=password)
    assert listed.returncode == 0, listed.stderr
    assert [i["id"] for i in json.loads(listed.stdout)["items"]] == [item]

    issued = run("user", "token", "sato", "--days", "1", "--json", home=home)
    secret = json.loads(issued.stdout)["secret"]
    shown = run("item", "show", item, "--as", "sato", home=home, env={"ACCORD_TOKEN": secret})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(JPN_BANNER)
    for done in (bare, wrong, made, listed, shown):
        assert password["ACCORD_PASSWORD"] not in done.stdout + done.stderr
        assert secret not in done.stdout + done.stderr


def test_help_from_the_console_script() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "agreement" in done.stdout

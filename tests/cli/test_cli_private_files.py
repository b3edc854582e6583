"""Files the CLI writes with item content or accountability records are 0600 whatever the umask.

A decrypted attachment, a STIX or STANAG 4778 export, a holdings summary, a destruction
certificate: each is created owner-only (``accord.private_files``), like an offline bundle,
even under the common umask 022 that would make a plain ``open()`` create it 0644.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import AGREEMENT_ID, Cli, Fed, as_user

from accord.private_files import private_file, replace_private


@pytest.fixture(autouse=True)
def _umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_out_file_is_owner_only(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    sato, suzuki = as_user("sato"), as_user("suzuki")
    image = tmp_path / "sunan.pgm"
    image.write_bytes(b"P5\n4 2\n255\n" + bytes(range(8)))
    imagery = cli.json(
        "item", "create", "--as", "sato", "--kind", "imagery", "--title", "Sunan airfield",
        "--purpose", "Assessment", "--classification", "秘", "--rel", "KOR", "--ntk", "DPRK-IMAGERY",
        "--field", "acquisition_time=2023-04-13T08:00:00Z", "--field", "sensor=IGS optical",
        "--field", "footprint=39.1,125.6;39.1,125.8;39.3,125.8", "--attach", image,
        "--agreement", AGREEMENT_ID, home=fed.jpn, env=sato,
    )  # fmt: skip
    assert isinstance(imagery, dict)
    written = {
        "attachment": ("item", "attachment", imagery["id"], "0", "--as", "sato"),
        "stix": ("stix", "export", fed.jpn_item, "--as", "sato"),
        "4778": ("item", "export-4778", fed.jpn_item, "--as", "sato"),
        "summary": ("holdings", "summary", "--for", "KOR", "--as", "suzuki"),
    }
    for name, args in written.items():
        out = tmp_path / f"{name}.out"
        cli.ok(*args, "--out", out, home=fed.jpn, env=suzuki if "suzuki" in args else sato)
        assert _mode(out) == 0o600, (name, oct(_mode(out)))
    cli.ok("send", fed.jpn_item, "--to", "KOR", "--as", "suzuki", home=fed.jpn, env=suzuki)
    pouch = tmp_path / "pouch.tar"
    cli.ok("bundle", "export", pouch, "--to", "KOR", home=fed.jpn)
    assert _mode(pouch) == 0o600


def test_a_replaced_file_becomes_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "old.json"
    target.write_bytes(b"old")
    target.chmod(0o644)
    replace_private(target, b"new")
    assert (target.read_bytes(), _mode(target)) == (b"new", 0o600)


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "half.bin"

    def half_then_fail() -> None:
        with private_file(target) as handle:
            handle.write(b"half")
            raise RuntimeError("the stream failed verification")

    with pytest.raises(RuntimeError):
        half_then_fail()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["link-to-file", "dangling-link", "fifo"])
def test_a_target_that_is_not_a_regular_file_is_refused_untouched(tmp_path: Path, kind: str) -> None:
    # Renamed over, /dev/stdout (a link) became a regular file when run as root; written
    # through, a link could aim plain content anywhere (found by review).
    target = tmp_path / "out.json"
    if kind == "fifo":
        os.mkfifo(target)
    else:
        aimed = tmp_path / "elsewhere.json"
        if kind == "link-to-file":
            aimed.write_bytes(b"kept")
        target.symlink_to(aimed)
    with pytest.raises(OSError, match="not a regular file"):
        replace_private(target, b"secret")
    assert target.is_symlink() or stat.S_ISFIFO(target.lstat().st_mode)
    assert not (tmp_path / "out.json.part").exists()
    if kind == "link-to-file":
        assert (tmp_path / "elsewhere.json").read_bytes() == b"kept"


def test_the_cli_refuses_such_an_out_in_its_words(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    target.symlink_to(tmp_path / "elsewhere.json")
    result = cli(
        "holdings",
        "summary",
        "--for",
        "KOR",
        "--as",
        "suzuki",
        "--out",
        target,
        home=fed.jpn,
        env=as_user("suzuki"),
    )
    assert result.exit_code == 3, result.stderr
    assert "not a regular file" in result.stderr
    assert target.is_symlink()

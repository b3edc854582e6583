"""The vendored front-end files are exactly those their READMEs list (package, version, SHA-256)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import accord

FOLDERS = (
    Path(accord.__file__).parent / "web" / "static" / "vendor",
    Path(__file__).parent / "vendor",
)
ROW = re.compile(
    r"^\| `(?P<file>[^`]+)` \| `(?P<package>[^`]+)` \| (?P<version>[0-9.]+) \| .+ "
    r"\| `(?P<sha>[0-9a-f]{64})` \|$"
)


def _listed(folder: Path) -> dict[str, str]:
    text = (folder / "README.md").read_text(encoding="utf-8")
    return {m["file"]: m["sha"] for m in map(ROW.match, text.splitlines()) if m}


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.parent.name)
def test_every_vendored_file_has_its_listed_digest(folder: Path) -> None:
    listed = _listed(folder)
    present = {p.name for p in folder.iterdir() if p.name != "README.md"}
    assert listed, "the README lists no file"
    assert present == set(listed), "every vendored file is listed, and every listed file is there"
    for name, sha in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha, name

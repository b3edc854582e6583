"""The classification map is read strictly: every mistake is refused with the reason (issue 13)."""

from __future__ import annotations

import pytest
from support_misp import MAP_FILE

from accord.errors import InvalidInput
from accord.interop import load_classification_map

_ENTRY = """
[[classification]]
tag = 'classification:JP="秘"'
level = "秘"
"""
_HEAD = 'version = 1\npurpose = "Assessment"\n'


def test_the_example_map() -> None:
    cmap = load_classification_map(MAP_FILE.read_bytes())
    entry = cmap.entries['classification:JP="極秘"']
    assert entry.request.classification == "極秘"
    assert list(entry.request.releasable_to) == ["KOR"]
    assert list(entry.request.originator_controls) == ["NO-THIRD-PARTY"]
    assert entry.request.agreement == "JPN-KOR-GSOMIA-2016"
    assert cmap.namespaces == frozenset({"classification"})
    assert cmap.precedence.value == "IMMEDIATE"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(b"\xff", "not UTF-8", id="mis-encoded"),
        pytest.param(b"version = ", "not TOML", id="not TOML"),
        pytest.param(_HEAD.encode(), "maps no tag", id="no entry"),
        pytest.param(("version = 2\npurpose = 'p'\n" + _ENTRY).encode(), "version must be 1", id="version"),
        pytest.param(("version = 1\n" + _ENTRY).encode(), "purpose must be non-empty text", id="no purpose"),
        pytest.param(
            (_HEAD + "colour = 'red'\n" + _ENTRY).encode(), "unknown key(s) colour", id="unknown key"
        ),
        pytest.param((_HEAD + "precedence = 'soon'\n" + _ENTRY).encode(), "precedence", id="precedence"),
        pytest.param((_HEAD + _ENTRY + _ENTRY).encode(), "mapped twice", id="repeated tag"),
        pytest.param(
            (_HEAD + "[[classification]]\ntag = 'tlp:red'\nlevel = '秘'\n").encode(),
            "is a TLP marking",
            id="tlp as classification",
        ),
        pytest.param(
            (_HEAD + "[[classification]]\ntag = 'secret'\nlevel = '秘'\n").encode(),
            "not a MISP machine tag",
            id="not a machine tag",
        ),
        pytest.param((_HEAD + "[[classification]]\ntag = 'c:x'\n").encode(), "needs level", id="no level"),
        pytest.param(
            (_HEAD + _ENTRY + "releasable_to = 'KOR'\n").encode(), "must be a list", id="rel to not a list"
        ),
        pytest.param(
            (_HEAD + _ENTRY + "clearance = 'x'\n").encode(), "unknown key(s) clearance", id="entry key"
        ),
        pytest.param((_HEAD + _ENTRY + "level2 = ''\n").encode(), "unknown key(s) level2", id="entry key 2"),
    ],
)
def test_refused(text: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        load_classification_map(text, "map.toml")
    assert str(refused.value).startswith("classification map map.toml refused: ")
    assert reason in str(refused.value)

"""Checkpoints: valid from construction, strict to and from JSON, one canonical statement."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.canonical import format_time
from accord.errors import InvalidInput
from accord.ledger import EMPTY_ROOT, Checkpoint, MemoryHashStore, MerkleTree

ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
TIME = "2026-11-25T09:00:00Z"


def test_statement_is_canonical_json() -> None:
    checkpoint = Checkpoint("jpn-mod", 8, ROOT, TIME)
    assert checkpoint.statement() == (
        b'{"origin":"jpn-mod","root":"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",'
        b'"size":8,"time":"2026-11-25T09:00:00Z","type":"accord-checkpoint","v":1}'
    )
    assert Checkpoint.from_statement(checkpoint.statement()) == checkpoint
    assert Checkpoint.from_dict(checkpoint.to_dict()) == checkpoint


def test_checkpoint_of_a_tree() -> None:
    tree = MerkleTree(MemoryHashStore())
    tree.append_many([b"a", b"b", b"c"])
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    checkpoint = Checkpoint("kor-mnd", tree.size(), tree.root(), format_time(now))
    assert checkpoint.size == 3
    assert Checkpoint("kor-mnd", 0, EMPTY_ROOT, TIME).size == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"origin": ""}, "origin", id="empty origin"),
        pytest.param({"origin": "Cafe\u0301"}, "NFC", id="origin not NFC"),
        pytest.param({"size": -1}, "size", id="negative size"),
        pytest.param({"size": True}, "size", id="bool size"),
        pytest.param({"root": ROOT[:31]}, "32 bytes", id="short root"),
        pytest.param({"root": ROOT.hex()}, "32 bytes", id="hex root"),
        pytest.param({"size": 0}, "empty tree", id="size 0 with another root"),
        pytest.param({"timestamp": "2026-11-25T09:00:00+00:00"}, "time", id="offset time"),
        pytest.param({"timestamp": "2026-11-25T09:00:00.5Z"}, "time", id="fractional time"),
        pytest.param({"timestamp": "2026-11-25 09:00:00Z"}, "time", id="space in time"),
        pytest.param({"timestamp": "yesterday"}, "time", id="not a time"),
    ],
)
def test_invalid_checkpoints(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"origin": "jpn-mod", "size": 8, "root": ROOT, "timestamp": TIME, **kwargs}
    with pytest.raises(InvalidInput, match=message):
        Checkpoint(**fields)  # type: ignore[arg-type]


GOOD = Checkpoint("jpn-mod", 8, ROOT, TIME).to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"extra": 1}, "unknown", id="unknown key"),
        pytest.param({"time": None}, "strings", id="time null"),
        pytest.param({"type": "accord-receipt"}, "not a checkpoint", id="other type"),
        pytest.param({"v": 2}, "version", id="version 2"),
        pytest.param({"v": True}, "version", id="version true"),
        pytest.param({"size": "8"}, "integer", id="size as text"),
        pytest.param({"size": 8.0}, "integer", id="size as float"),
        pytest.param({"root": ROOT.hex().upper()}, "lowercase hex", id="uppercase root"),
        pytest.param({"root": ROOT.hex()[:-2]}, "hex", id="short root"),
        pytest.param({"root": "zz" * 32}, "hex", id="not hex"),
        pytest.param({"origin": 7}, "strings", id="origin a number"),
    ],
)
def test_from_dict_is_strict(change: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        Checkpoint.from_dict({**GOOD, **change})


@pytest.mark.parametrize("key", sorted(GOOD))
def test_from_dict_missing_key(key: str) -> None:
    data = {k: v for k, v in GOOD.items() if k != key}
    with pytest.raises(InvalidInput, match=f"missing \\['{key}'\\]"):
        Checkpoint.from_dict(data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(json.dumps(GOOD, indent=1).encode(), id="indented"),
        pytest.param(json.dumps(GOOD).encode(), id="spaces"),
        pytest.param(b'{"v":1,' + Checkpoint("jpn-mod", 8, ROOT, TIME).statement()[1:], id="duplicate key"),
        pytest.param(b"[]", id="not an object"),
        pytest.param(b"{", id="not JSON"),
    ],
)
def test_from_statement_takes_only_the_canonical_bytes(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        Checkpoint.from_statement(data)


@given(
    origin=st.text(st.characters(codec="utf-8"), min_size=1).filter(
        lambda s: s == unicodedata.normalize("NFC", s)
    ),
    size=st.integers(1, 2**63),
    root=st.binary(min_size=32, max_size=32),
    moment=st.datetimes(min_value=datetime(1970, 1, 1), timezones=st.just(UTC)),
)
def test_round_trip(origin: str, size: int, root: bytes, moment: datetime) -> None:
    checkpoint = Checkpoint(origin, size, root, format_time(moment))
    assert Checkpoint.from_statement(checkpoint.statement()) == checkpoint
    assert Checkpoint.from_dict(json.loads(checkpoint.statement())) == checkpoint

"""canonical_json: one deterministic encoding for everything Accord signs and hashes."""

from __future__ import annotations

import json
import math
import unicodedata
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.canonical import canonical_json, loads_object
from accord.errors import InvalidInput


def test_known_bytes() -> None:
    value = {"b": [1, 2.5, True, None], "a": {"y": "秘", "x": "군사Ⅱ급비밀"}, "c": ""}
    assert canonical_json(value) == '{"a":{"x":"군사Ⅱ급비밀","y":"秘"},"b":[1,2.5,true,null],"c":""}'.encode()


def test_key_order_is_irrelevant() -> None:
    forward = OrderedDict([("z", 1), ("a", {"q": 1, "b": 2}), ("m", [3])])
    backward = OrderedDict([("m", [3]), ("a", {"b": 2, "q": 1}), ("z", 1)])
    assert canonical_json(forward) == canonical_json(backward) == b'{"a":{"b":2,"q":1},"m":[3],"z":1}'


def test_no_whitespace_and_tuples_are_lists() -> None:
    assert canonical_json({"a": (1, 2), "b": []}) == b'{"a":[1,2],"b":[]}'


def test_non_ascii_is_kept_as_utf8() -> None:
    data = canonical_json({"level": "秘", "kor": "대외비", "e": "é"})
    assert b"\\u" not in data
    assert "秘".encode() in data
    assert "대외비".encode() in data
    assert data.decode("utf-8") == '{"e":"é","kor":"대외비","level":"秘"}'


def test_escapes_only_what_json_requires() -> None:
    assert canonical_json('a"b\\c\n\x00') == b'"a\\"b\\\\c\\n\\u0000"'


@pytest.mark.parametrize(
    ("decomposed", "composed"),
    [
        pytest.param("e\u0301", "\u00e9", id="e-acute"),
        pytest.param("\u1100\u1161", "\uac00", id="hangul-jamo-to-syllable"),
        pytest.param("\u30ab\u3099", "\u30ac", id="katakana-voiced-mark"),
        pytest.param("\u212b", "\u00c5", id="angstrom-sign-singleton"),
    ],
)
def test_nfc_normalises_keys_and_values(decomposed: str, composed: str) -> None:
    assert (
        canonical_json(decomposed)
        == canonical_json(composed)
        == json.dumps(composed, ensure_ascii=False).encode()
    )
    assert canonical_json({decomposed: decomposed}) == canonical_json({composed: composed})
    assert canonical_json([{"k": [decomposed]}]) == canonical_json([{"k": [composed]}])


def test_nfc_does_not_fold_compatibility_characters() -> None:
    # NFC, not NFKC: the Roman numeral in 군사Ⅱ급비밀 and half-width kana stay as they are.
    assert canonical_json("Ⅱ") != canonical_json("II")
    assert canonical_json("ﾊ") != canonical_json("ハ")


def test_keys_colliding_after_normalisation_are_refused() -> None:
    with pytest.raises(ValueError, match="collide"):
        canonical_json({"e\u0301": 1, "\u00e9": 2})


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(math.nan, id="nan"),
        pytest.param(math.inf, id="inf"),
        pytest.param(-math.inf, id="minus-inf"),
        pytest.param({"a": [1, {"b": math.nan}]}, id="nested-nan"),
    ],
)
def test_nan_and_infinity_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="NaN or infinity"):
        canonical_json(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({1: "a"}, id="int-key"),
        pytest.param({None: "a"}, id="none-key"),
        pytest.param({("a",): 1}, id="tuple-key"),
        pytest.param({b"a": 1}, id="bytes-key"),
        pytest.param({"a": {True: 1}}, id="nested-bool-key"),
    ],
)
def test_non_string_keys_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match="keys must be strings"):
        canonical_json(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"ab", id="bytes"),
        pytest.param(bytearray(b"ab"), id="bytearray"),
        pytest.param(memoryview(b"ab"), id="memoryview"),
        pytest.param({"sig": b"\x00\x01"}, id="nested-bytes"),
        pytest.param({1, 2}, id="set"),
        pytest.param(datetime(2024, 1, 1, tzinfo=UTC), id="datetime"),
        pytest.param(object(), id="object"),
        pytest.param(1 + 2j, id="complex"),
    ],
)
def test_other_types_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match="cannot encode"):
        canonical_json(value)


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        canonical_json("\udcff")


def test_booleans_are_not_numbers() -> None:
    assert canonical_json([True, False, 1, 0]) == b"[true,false,1,0]"


def test_floats_keep_their_shortest_repr() -> None:
    assert canonical_json([0.1, 1.0, 1e100, -0.5, 39.2]) == b"[0.1,1.0,1e+100,-0.5,39.2]"


# --- Hypothesis round trip ------------------------------------------------------------

_strings = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _strings,
)
json_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        # Keys are NFC-normalised already, so no two collide after normalisation.
        st.dictionaries(_strings.map(lambda k: unicodedata.normalize("NFC", k)), children, max_size=4),
    ),
    max_leaves=20,
)


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {unicodedata.normalize("NFC", k): _nfc(v) for k, v in value.items()}
    return value


@given(json_values)
def test_round_trip_gives_the_normalised_value(value: object) -> None:
    data = canonical_json(value)
    assert json.loads(data) == _nfc(value)


@given(json_values)
def test_encoding_is_a_fixed_point(value: object) -> None:
    data = canonical_json(value)
    assert canonical_json(json.loads(data)) == data
    data.decode("utf-8")  # always valid UTF-8


@given(
    st.dictionaries(_strings.map(lambda k: unicodedata.normalize("NFC", k)), _scalars, max_size=6),
    st.randoms(),
)
def test_insertion_order_never_matters(value: dict[str, object], rnd: Any) -> None:
    items = list(value.items())
    rnd.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(value)


# --- loads_object ------------------------------------------------------------------------


def test_loads_object_accepts_an_object() -> None:
    assert loads_object(b'{"a":"\xe7\xa7\x98"}', "a card") == {"a": "秘"}
    assert loads_object('{"a":1}', "a card") == {"a": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"not json", "a card is not valid JSON", id="garbage"),
        pytest.param(b"\xff\xfe", "a card is not valid JSON", id="not-utf8"),
        pytest.param('{"a":1}'.encode("utf-16"), "a card is not valid JSON: not UTF-8", id="utf-16-with-bom"),
        pytest.param('{"a":1}'.encode("utf-16-le"), "a card is not valid JSON", id="utf-16-le"),
        pytest.param('{"a":1}'.encode("utf-16-be"), "a card is not valid JSON", id="utf-16-be"),
        pytest.param('{"a":1}'.encode("utf-32"), "a card is not valid JSON: not UTF-8", id="utf-32"),
        pytest.param('{"a":1}'.encode("utf-8-sig"), "a card is not valid JSON", id="utf-8-bom"),
        pytest.param(b"", "a card is not valid JSON", id="empty"),
        pytest.param(b"[1,2]", "a card must be a JSON object", id="list"),
        pytest.param(b'"text"', "a card must be a JSON object", id="string"),
        pytest.param(b"null", "a card must be a JSON object", id="null"),
    ],
)
def test_loads_object_refuses(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        loads_object(data, "a card")

"""Structure-aware Hypothesis strategies for the importers (issue 13, "Bad input").

The importers read JSON with a known shape, so random bytes would almost all be refused at
the first gate (not JSON) and say little. These strategies build *near-valid* input instead:

* MISP events assembled from the parts Accord reads — mapped, unmapped and TLP tags, kind
  tags, attributes of MISP and made-up types, ``accord-*`` and ``geolocation`` objects with
  field relations and values of every JSON type — wrapped as ``{"Event": …}``, a bare event,
  ``{"response": […]}`` or a list;
* a valid document (the example MISP event, a STIX bundle Accord exported) then *mutated*:
  a value anywhere in the tree replaced by another JSON value (interesting ones first: levels
  in other scripts, empty text, lone surrogates, huge numbers), a key deleted, an object
  repeated;
* and, sometimes, the encoded bytes damaged: truncated, a byte flipped, a non-UTF-8 byte.

:func:`outcome` names what happened to one case, for ``hypothesis.event`` and for the
count each fuzz test prints (the cases tried, recorded in the test output and docs/misp.md).
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import event
from hypothesis import strategies as st
from support_misp import stored

from accord.errors import AccordError
from accord.node import Node

Path = tuple[str | int, ...]
MAX_MESSAGE = 2000
"""The longest refusal message accepted: a reason, not a copy of the input."""

_LEVELS = ["秘", "極秘", "機密", "군사Ⅱ급비밀", "대외비", "SECRET", "gokuhi", ""]
INTERESTING: list[object] = [
    *_LEVELS,
    "\ud800",
    "\u202e",
    "a\nb",
    "2026-11-25T06:12:00Z",
    "39.2,125.67",
    -1,
    0,
    2**63,
    1e308,
    float("nan"),
    True,
    None,
    [],
    {},
    "tlp:red",
    'classification:JP="秘"',
]

_text = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from("秘極機밀발사\u3000\ud800")), max_size=12
)
json_values = st.recursive(
    st.one_of(
        st.sampled_from(INTERESTING),
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        _text,
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=6,
)

# --- MISP -------------------------------------------------------------------------------

MAPPED = ['classification:JP="秘"', 'classification:JP="極秘"']
_TAGS = [
    *MAPPED,
    'classification:JP="機密"',
    "classification:KR=secret",
    "tlp:amber",
    "tlp:red",
    'accord:kind="missile-launch"',
    'accord:kind="imagery"',
    'accord:kind="report"',
    'accord:kind="rumour"',
    'misp-galaxy:threat-actor="Lazarus Group"',
]
_TYPES = [
    "ip-src",
    "ip-dst",
    "domain",
    "url",
    "text",
    "comment",
    "float",
    "datetime",
    "counter",
    "x-made-up",
    "",
]
_RELATIONS = [
    "detection-time",
    "launch-area",
    "count",
    "missile-type",
    "apogee-km",
    "range-km",
    "inside-japan-eez",
    "acquisition-time",
    "sensor",
    "footprint",
    "latitude",
    "longitude",
    "colour",
]
_FIELD_VALUES = [
    "2026-11-25T06:12:00Z",
    "2",
    "-1",
    "39.2",
    "125.67",
    "91",
    "0",
    "yes",
    "39.2,125.67",
    "1,2;3,4;5,6",
]

tags = st.lists(st.fixed_dictionaries({"name": st.one_of(st.sampled_from(_TAGS), _text)}), max_size=4)
values = st.one_of(st.sampled_from(_FIELD_VALUES), _text, st.integers(), st.floats(), json_values)
attributes = st.lists(
    st.fixed_dictionaries(
        {"type": st.sampled_from(_TYPES), "value": values},
        optional={
            "category": st.sampled_from(["Network activity", "Other", "Payload delivery"]),
            "comment": _text,
            "to_ids": st.one_of(st.booleans(), st.sampled_from(["yes", 1])),
            "Tag": tags,
            "object_relation": st.sampled_from(_RELATIONS),
        },
    ),
    max_size=4,
)
objects = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["accord-missile-launch", "accord-imagery", "geolocation", "file", ""]),
            "Attribute": attributes,
        }
    ),
    max_size=3,
)
events = st.fixed_dictionaries(
    {"info": st.one_of(st.sampled_from(["北朝鮮 발사", "Launch", ""]), _text, st.integers())},
    optional={
        "uuid": st.one_of(st.uuids().map(str), _text),
        "date": st.sampled_from(["2026-11-25", "yesterday", "2026-13-40"]),
        "Tag": tags,
        "Attribute": attributes,
        "Object": objects,
    },
)


@st.composite
def misp_documents(draw: st.DrawFn, example: dict[str, Any]) -> object:
    """A MISP document: built from parts, or the example event mutated, in one of the wrappings."""
    if draw(st.booleans()):
        return draw(mutated(copy.deepcopy(example)))
    event = draw(events)
    wrap = draw(st.sampled_from(["Event", "bare", "response", "list"]))
    if wrap == "Event":
        return {"Event": event}
    if wrap == "response":
        return {"response": [{"Event": event}, copy.deepcopy(example)]}
    return [event] if wrap == "list" else event


# --- mutation ---------------------------------------------------------------------------


def _paths(node: object, at: Path = ()) -> Iterator[Path]:
    yield at
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*at, index))


def _parent(doc: Any, path: Path) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: st.DrawFn, doc: Any, most: int = 3) -> Any:
    """``doc`` with up to ``most`` changes anywhere in its tree."""
    for _ in range(draw(st.integers(0, most))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _parent(doc, path), path[-1]
        how = draw(st.sampled_from(["replace", "replace", "delete", "repeat"]))
        if how == "replace":
            parent[last] = draw(json_values)
        elif how == "delete":
            del parent[last]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[f"{last}2"] = copy.deepcopy(parent[last])  # an unknown key beside a known one
    return doc


@st.composite
def encoded(draw: st.DrawFn, doc: object) -> bytes:
    """``doc`` as JSON bytes, sometimes damaged."""
    data = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["keep", "keep", "keep", "truncate", "flip", "latin-1"]))
    if how == "keep" or not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    if how == "truncate":
        return data[:at]
    if how == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    return data[:at] + b"\xe9" + data[at:]


_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|#\d+|'[^']*'|\"[^\"]*\"|\S+--[0-9a-f-]{36}")


def outcome(result: list[object] | AccordError) -> str:
    """A short name for what one case came to: ``imported`` or the refusal's kind and reason."""
    if not isinstance(result, AccordError):
        return f"imported {len(result)}"
    reason = _IDS.sub("…", str(result)).rsplit("refused: ", 1)[-1]
    reason = reason.split(";")[0]
    while re.search(r"\([^()]*\)", reason):
        reason = re.sub(r"\([^()]*\)", "", reason)
    return f"{type(result).__name__}: {' '.join(reason.split()[:7])[:60]}"


Import = Callable[[bytes], list[Any]]


def run_case(node: Node, run: Import, action: str, data: bytes) -> str:
    """Run one case and check the property; the case's :func:`outcome`."""
    items, attachments, refusals = stored(node, action)
    try:
        created: list[Any] | AccordError = run(data)
    except AccordError as exc:
        created = exc
        message = str(exc)
        assert message.strip(), "a refusal without a reason"
        assert len(message) <= MAX_MESSAGE, f"a refusal of {len(message)} characters: {message[:300]}…"
        after = stored(node, action)
        assert after[:2] == (items, attachments), f"refused, yet something was stored: {message}"
        assert after[2] == refusals + 1, f"refused without a journal entry: {message}"
    else:
        assert stored(node, action) == (items + len(created), attachments, refusals)
    name = outcome(created)
    event(name)
    return name


def report(tally: Counter[str], title: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Print the cases tried, by outcome, into the test output (shown even without ``-s``)."""
    with capsys.disabled():
        print(f"\n{title}: {sum(tally.values())} cases")
        for name, count in tally.most_common():
            print(f"  {count:4d}  {name}")

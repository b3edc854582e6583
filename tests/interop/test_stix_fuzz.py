"""Hypothesis fuzzes the STIX importer with near-valid input (issue 13, "Bad input").

The property, for every case: the importer either creates exactly the items it returns, or
raises an :class:`~accord.errors.AccordError` with a reason, stores nothing (no item, no
attachment) and journals the refusal. Any other exception, a half-import or a silent
refusal fails. The strategies are in ``support_fuzz.py``.

The cases tried are recorded: each is named by :func:`support_fuzz.outcome`
(``hypothesis.event``, shown with ``--hypothesis-show-statistics``); the test prints the
tally of its cases and asserts that imports and several kinds of refusal were reached, so
that the strategies keep exercising more than the first gate. docs/misp.md records a run.
The examples are derandomised: the same cases every run, so the suite stays deterministic.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support_fuzz import encoded, mutated, report, run_case

from accord.interop import StixExchange


def test_fuzz_stix_import(federation: Any, jpn_item: str, capsys: pytest.CaptureFixture[str]) -> None:
    jpn = federation.jpn
    bundle = StixExchange(jpn).export([jpn_item], actor="sato")
    tally: Counter[str] = Counter()

    def run(data: bytes) -> list[Any]:
        return StixExchange(jpn).import_bundle(data, actor="sato")

    @settings(max_examples=60, derandomize=True, database=None)
    @given(data=st.builds(lambda: json.loads(json.dumps(bundle))).flatmap(mutated).flatmap(encoded))
    def case(data: bytes) -> None:
        tally[run_case(jpn, run, "stix.import", data)] += 1

    case()
    report(tally, "STIX import fuzz", capsys)
    assert any(name.startswith("imported") for name in tally)
    assert len([n for n in tally if not n.startswith("imported")]) >= 5

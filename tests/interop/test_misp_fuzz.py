"""Hypothesis fuzzes the MISP importer with near-valid input (issue 13, "Bad input").

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

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from support_fuzz import encoded, misp_documents, report, run_case
from support_misp import example_event, example_map

from accord.interop import MispImport


def test_fuzz_misp_import(federation: Any, capsys: pytest.CaptureFixture[str]) -> None:
    jpn = federation.jpn
    cmap, example = example_map(), example_event()
    tally: Counter[str] = Counter()

    def run(data: bytes) -> list[Any]:
        return MispImport(jpn).import_events(data, cmap, actor="sato")

    @settings(max_examples=150, derandomize=True, database=None)
    @given(data=misp_documents(example).flatmap(encoded))
    def case(data: bytes) -> None:
        tally[run_case(jpn, run, "misp.import", data)] += 1

    case()
    report(tally, "MISP import fuzz", capsys)
    assert any(name.startswith("imported") for name in tally)
    assert len([n for n in tally if not n.startswith("imported")]) >= 8

"""The choice of the tests run untraced (tests/coverage_plan.py, issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

from coverage import CoverageData

import coverage_plan
from _untrace_plan import listed_tests

FILE = "/src/accord/m.py"


def _data(path: Path, arcs: dict[str, set[tuple[int, int]]]) -> Path:
    data = CoverageData(str(path / ".coverage"))
    for context, covered in arcs.items():
        data.set_context(context)
        data.add_arcs({FILE: covered})
    data.write()
    return path / ".coverage"


def _cpu(path: Path, tests: dict[str, tuple[float, list[str]]]) -> Path:
    lines = [
        json.dumps({"id": i, "markers": m, "cpu": {"setup": 0.0, "call": c, "teardown": 0.0}})
        for i, (c, m) in tests.items()
    ]
    (path / "cpu.gw0.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path / "cpu.gw0.jsonl"


def _plan(
    tmp_path: Path,
    arcs: dict[str, set[tuple[int, int]]],
    tests: dict[str, tuple[float, list[str]]],
    *args: str,
) -> list[str]:
    out = tmp_path / "untraced.txt"
    coverage_plan.main([str(_data(tmp_path, arcs)), str(_cpu(tmp_path, tests)), "--output", str(out), *args])
    return sorted(listed_tests(out))


def test_a_test_is_untraced_when_enough_traced_tests_cover_its_arcs(tmp_path: Path) -> None:
    common = {(1, 2), (2, -1)}
    arcs = {
        "t::a|run": common,
        "t::b|run": common,
        "t::c|setup": {(1, 2)},
        "t::c|run": {(2, -1)},
        "t::d|run": common,
    }
    tests = {"t::a": (5.0, []), "t::b": (1.0, []), "t::c": (2.0, []), "t::d": (0.5, [])}
    # a (dearest) goes: b, c, d still cover both arcs; then c: b and d remain, two of them; b: only d would.
    assert _plan(tmp_path, arcs, tests) == ["t::a", "t::c"]
    assert _plan(tmp_path, arcs, tests, "--margin", "1") == ["t::a", "t::b", "t::c"]


def test_an_arc_only_a_test_covers_keeps_it_traced(tmp_path: Path) -> None:
    arcs = {"t::a|run": {(1, 2), (2, 3)}, "t::b|run": {(1, 2)}, "t::c|run": {(1, 2)}}
    tests = {"t::a": (5.0, []), "t::b": (1.0, []), "t::c": (1.0, [])}
    assert _plan(tmp_path, arcs, tests, "--margin", "1") == ["t::b", "t::c"]


def test_code_run_outside_tests_covers_for_them(tmp_path: Path) -> None:
    arcs = {"": {(1, 2)}, "t::a|run": {(1, 2)}}
    assert _plan(tmp_path, arcs, {"t::a": (5.0, [])}) == ["t::a"]


def test_tests_that_may_skip_support_only_tests_with_their_marks(tmp_path: Path) -> None:
    common = {(1, 2)}
    arcs = {"t::lite|run": common, "t::pg1|run": common, "t::pg2|run": common, "t::pg3|run": common}
    tests = {
        "t::lite": (9.0, []),
        "t::pg1": (1.0, ["postgres"]),
        "t::pg2": (1.0, ["postgres"]),
        "t::pg3": (1.0, ["parametrize", "postgres"]),
    }
    # The SQLite test stays traced (the PostgreSQL ones skip without PostgreSQL); the
    # PostgreSQL tests are supported by it and by each other.
    assert _plan(tmp_path, arcs, tests) == ["t::pg1", "t::pg2"]


def test_cheap_tests_stay_traced(tmp_path: Path) -> None:
    arcs = {"t::a|run": {(1, 2)}, "t::b|run": {(1, 2)}, "t::c|run": {(1, 2)}, "t::d|run": {(1, 2)}}
    tests = {"t::a": (0.05, []), "t::b": (0.2, []), "t::c": (0.3, []), "t::d": (0.22, [])}
    assert _plan(tmp_path, arcs, tests) == ["t::c", "t::d"]
    assert _plan(tmp_path, arcs, tests, "--min-cpu", "0.25") == ["t::c"]


def test_property_tests_stay_traced(tmp_path: Path) -> None:
    arcs = {"t::a|run": {(1, 2)}, "t::b|run": {(1, 2)}, "t::c|run": {(1, 2)}}
    tests = {"t::a": (5.0, ["hypothesis"]), "t::b": (1.0, []), "t::c": (1.0, [])}
    assert _plan(tmp_path, arcs, tests, "--margin", "1") == ["t::b", "t::c"]

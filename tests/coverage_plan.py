"""Choose the tests run with coverage paused: ``tests/untraced.txt`` (issue 9).

Branch coverage makes in-process code about 2.5x dearer in CPU. A test adds nothing to the
report if every line and branch it covers is covered by other tests anyway; such tests run
untraced (``tests/_untrace_plan.py`` pauses coverage for the tests the list names). The rule:

* from the most expensive test down (process CPU of setup, call and teardown, traced), a test
  is untraced when every arc it covers (``(from, to)`` line pairs, so every line and branch)
  stays covered by at least ``--margin`` (default 2) tests that stay traced, or by the code that
  runs outside any test (imports during collection); a line covered by one test only, or by
  two, thus always keeps its tests traced, whichever order the tests ran in;
* only tests that run wherever the test runs count for it: a test marked ``postgres``,
  ``browser`` or ``skipif`` (skipped on some machines) supports only tests with the same marks
  (a SQLite test's lines are not left to a PostgreSQL test, which skips without PostgreSQL);
* property tests (marked ``hypothesis``) stay traced: their examples, and so the branches they
  take, change from run to run;
* tests cheaper than ``--min-cpu`` (default 0.1 s) stay traced: they would save little.

The data is one run of the whole suite with everything traced and a coverage context per test,
PostgreSQL and Chromium included as in CI (``.ci/run``), recording each test's CPU::

    rm -f /tmp/plan.coverage /tmp/plan-cpu.*.jsonl
    CI=1 ACCORD_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    COVERAGE_FILE=/tmp/plan.coverage .venv/bin/pytest --trace-all --cov --cov-context=test \\
        --cov-report= -n 2 --dist worksteal --record-test-cpu /tmp/plan-cpu
    .venv/bin/python tests/coverage_plan.py /tmp/plan.coverage /tmp/plan-cpu.*.jsonl

then compare ``coverage report`` totals of a run with the list and of one with ``--trace-all``:
they must be equal. Remake the list when tests are added or changed a lot: a new test is traced
until then (only slower), but a traced test whose lines changed may leave an untraced one's
lines uncovered (the report then shows the missing lines, and the list is remade).

The coverage data is read with SQL (schema version 7 of coverage.py): the per-context queries of
``CoverageData`` take one query per context and file, millions here.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PLAN = Path(__file__).with_name("untraced.txt")
SCHEMA_VERSION = 7
CONDITIONAL = frozenset({"postgres", "browser", "skipif"})
"""Marks of tests that skip on some machines: only tests with the same marks may support them."""
OUTSIDE = -1
"""The index of the code run outside any test (the empty context)."""


@dataclass
class Tests:
    """Each test's cost and marks (from ``--record-test-cpu``)."""

    cost: dict[str, float] = field(default_factory=dict)
    marks: dict[str, frozenset[str]] = field(default_factory=dict)
    varying: set[str] = field(default_factory=set)
    """Tests whose coverage changes from run to run (property tests)."""

    @classmethod
    def read(cls, paths: Iterable[Path]) -> Tests:
        tests = cls()
        for path in paths:
            for line in path.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                tests.cost[record["id"]] = sum(record["cpu"].values())
                tests.marks[record["id"]] = frozenset(record["markers"]) & CONDITIONAL
                if "hypothesis" in record["markers"]:
                    tests.varying.add(record["id"])
        return tests


def read_arcs(data: Path) -> tuple[list[str], dict[int, set[int]]]:
    """The tests of a coverage data file with per-test contexts, and the arcs each covers.

    Returns the test node ids (their index is the test's number) and, for each test number and
    ``OUTSIDE``, the numbers of the arcs it covers (setup, call and teardown together).
    """
    with sqlite3.connect(f"file:{data}?mode=ro", uri=True) as db:
        (version,) = db.execute("select version from coverage_schema").fetchone()
        if version != SCHEMA_VERSION:
            raise SystemExit(f"{data}: coverage.py data schema {version}, this tool reads {SCHEMA_VERSION}")
        arcs = db.execute("select value from meta where key = 'has_arcs'").fetchone()
        if not arcs or not json.loads(arcs[0]):
            raise SystemExit(f"{data}: no branch data (run with [tool.coverage.run] branch = true)")
        names: list[str] = []
        number: dict[str, int] = {}
        by_context: dict[int, int] = {}
        for context_id, context in db.execute("select id, context from context"):
            if not context:
                by_context[context_id] = OUTSIDE
                continue
            test = context.rsplit("|", 1)[0]  # "<node id>|setup", "|run", "|teardown"
            if test not in number:
                number[test] = len(names)
                names.append(test)
            by_context[context_id] = number[test]
        arc_number: dict[tuple[int, int, int], int] = {}
        covered: dict[int, set[int]] = defaultdict(set)
        for file_id, context_id, fromno, tono in db.execute(
            "select file_id, context_id, fromno, tono from arc"
        ):
            key = (file_id, fromno, tono)
            arc = arc_number.setdefault(key, len(arc_number))
            covered[by_context[context_id]].add(arc)
    return names, covered


def plan(
    names: list[str], covered: dict[int, set[int]], tests: Tests, margin: int = 2, min_cpu: float = 0.1
) -> list[str]:
    """The tests to run untraced, by the rule of the module's docstring."""
    outside = covered.get(OUTSIDE, set())
    marks = [tests.marks.get(name, CONDITIONAL) for name in names]  # not recorded: supports the least
    classes = sorted(set(marks), key=sorted)
    # traced[arc][class]: how many traced tests of each class of marks cover the arc.
    traced: dict[int, dict[frozenset[str], int]] = defaultdict(lambda: dict.fromkeys(classes, 0))
    for test, arcs in covered.items():
        if test != OUTSIDE:
            for arc in arcs - outside:
                traced[arc][marks[test]] += 1
    below = {c: [d for d in classes if d <= c] for c in classes}  # who supports a class
    number = {name: test for test, name in enumerate(names)}
    untraced: list[str] = []
    # A test that covers no arc of accord has no context in the data: it is a candidate too.
    candidates = [name for name, cost in tests.cost.items() if cost >= min_cpu and name not in tests.varying]
    for name in sorted(candidates, key=lambda name: (-tests.cost[name], name)):
        test = number.get(name)
        mine = tests.marks[name]
        arcs = set() if test is None else covered.get(test, set()) - outside
        if all(sum(traced[arc][c] for c in below.get(mine, [mine])) - 1 >= margin for arc in arcs):
            untraced.append(name)
            for arc in arcs:
                traced[arc][mine] -= 1
    return sorted(untraced)


def write(path: Path, untraced: list[str], tests: Tests, margin: int, min_cpu: float) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False, cwd=path.parent
    ).stdout.strip()
    spared = sum(tests.cost[name] for name in untraced)
    folders = sorted({"/".join(name.split("::")[0].split("/")[:2]) for name in tests.cost})
    header = [
        "# Tests run with coverage paused (tests/_untrace_plan.py): every line and branch each covers",
        f"# stays covered by at least {margin} traced tests that run wherever it runs.",
        f"# Made by tests/coverage_plan.py (--margin {margin} --min-cpu {min_cpu}) on"
        f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit or '?'}",
        f"# from a traced run of {len(tests.cost)} tests ({', '.join(folders)}) with per-test contexts:",
        f"# {len(untraced)} tests, {spared:.0f} s of the {sum(tests.cost.values()):.0f} s of CPU"
        " the tests took traced.",
    ]
    path.write_text("\n".join([*header, *untraced]) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("data", type=Path, help="coverage data file of a run with --cov-context=test")
    parser.add_argument("cpu", type=Path, nargs="+", help="the JSON lines of --record-test-cpu")
    parser.add_argument("--margin", type=int, default=2, help="traced tests that must still cover each arc")
    parser.add_argument(
        "--min-cpu", type=float, default=0.1, help="seconds of CPU below which tests stay traced"
    )
    parser.add_argument("--output", type=Path, default=PLAN)
    args = parser.parse_args(argv)
    tests = Tests.read(args.cpu)
    names, covered = read_arcs(args.data)
    untraced = plan(names, covered, tests, args.margin, args.min_cpu)
    write(args.output, untraced, tests, args.margin, args.min_cpu)
    print(f"{args.output}: {len(untraced)} of {len(names)} tests untraced", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

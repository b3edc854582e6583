"""Coverage paused for the tests whose lines other tests already cover (issue 9).

Branch coverage (coverage.py's tracer) makes in-process code about 2.5x dearer in CPU. A test
whose every line and branch (arc) other, traced tests also cover adds nothing to the report
when traced: it is run with coverage paused. Registered from ``tests/conftest.py``:

* ``untraced`` — a fixture: coverage paused from the test's function-scoped fixtures to their
  teardown (higher-scoped fixtures, made once for many tests, stay traced). Tests use it by
  hand (each one checked arc by arc) and it is added to every test ``tests/untraced.txt`` lists
  (written by ``tests/coverage_plan.py``, which says how the list is chosen and remade). While
  paused, the body of an ``accord`` module first imported by the test is still traced, so which
  test imports a module first changes nothing in the report. Nothing happens when the run is
  not under coverage.
* ``--trace-all`` — ignore ``tests/untraced.txt`` (the hand-marked tests stay untraced): the run
  the plan is made from, and the run to compare totals with.
* ``--record-test-cpu PATH`` — append one JSON line per test (node id, markers, process CPU of
  setup, call and teardown) to ``PATH.<worker>.jsonl``: the costs ``coverage_plan.py`` reads.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import coverage
import pytest

PLAN = Path(__file__).with_name("untraced.txt")
TRACED_PACKAGE = "accord"


def listed_tests(path: Path = PLAN) -> set[str]:
    """The node ids in a plan file (one a line; blank lines and ``#`` comments skipped)."""
    if not path.exists():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line.strip() and not line.startswith("#")}


class _TracedLoader(importlib.abc.Loader):
    """A module loader whose module body runs traced (coverage restarted around it)."""

    def __init__(self, loader: Any, imports: _TracedImports) -> None:
        self._loader = loader
        self._imports = imports

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        made: ModuleType | None = self._loader.create_module(spec)
        return made

    def exec_module(self, module: ModuleType) -> None:
        with self._imports.traced():
            self._loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_code, … for tracebacks
        return getattr(self._loader, name)


class _TracedImports(importlib.abc.MetaPathFinder):
    """While coverage is paused, runs the body of a newly imported ``accord`` module traced.

    A module's top-level lines run once per process, under whichever test imports it first; an
    untraced test importing it first would take them out of the report.
    """

    def __init__(self, cov: coverage.Coverage) -> None:
        self._cov = cov
        self._depth = 0

    @contextmanager
    def traced(self) -> Iterator[None]:
        self._depth += 1
        if self._depth == 1:
            self._cov.start()
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._cov.stop()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TRACED_PACKAGE and not fullname.startswith(TRACED_PACKAGE + "."):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: importlib.machinery.ModuleSpec | None = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _TracedLoader(spec.loader, self)
                return spec
        return None


@contextmanager
def paused(config: pytest.Config) -> Iterator[None]:
    """Coverage paused (through pytest-cov when it runs the coverage, so that its per-test
    contexts are not switched while paused), ``accord`` imports still traced."""
    controller = getattr(config.pluginmanager.getplugin("_cov"), "cov_controller", None)
    current = coverage.Coverage.current()
    if current is None or (controller is not None and not controller.started):  # not traced now
        yield
        return
    stop, start = (
        (current.stop, current.start) if controller is None else (controller.pause, controller.resume)
    )
    imports = _TracedImports(current)
    stop()
    # Under pytest-xdist a worker holds a second started Coverage (pytest-cov makes a
    # controller for the master there too); stopping the worker's resumes that one, which
    # then traces the test: it is stopped as well, and restarted under the worker's.
    others = list(coverage.Coverage._instances)
    for other in reversed(others):
        other.stop()
    sys.meta_path.insert(0, imports)
    try:
        yield
    finally:
        sys.meta_path.remove(imports)
        for other in others:
            other.start()
        start()


@pytest.fixture
def untraced(request: pytest.FixtureRequest) -> Iterator[None]:
    """Coverage paused for the test (when it runs under coverage).

    For the tests whose worth is their outcome, not the lines they pass through: the crash
    test makes and sends 2,000 items in-process, paths the node tests cover, and tracing them
    cost more CPU than everything else it does; the policy cross-checks (Cedar, batches) run
    ``decide`` on 10,400 and 2 x 600 generated cases, whose lines the policy and node tests
    cover (without them the report misses one branch of ``policy/_batch.py``), and tracing
    doubled their CPU (12 -> 6 s a Cedar shard, 16 -> 7 s a batch test). And for the tests
    ``tests/untraced.txt`` lists (see ``tests/coverage_plan.py``).
    """
    with paused(request.config):
        yield


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("untraced tests (tests/_untrace_plan.py)")
    group.addoption(
        "--trace-all",
        action="store_true",
        help="trace the tests tests/untraced.txt lists too (to remake or check the list)",
    )
    group.addoption(
        "--record-test-cpu",
        metavar="PATH",
        help="append each test's markers and process CPU (setup, call, teardown) to PATH.<worker>.jsonl",
    )


def _function_fixtures_start(item: pytest.Function) -> int:
    """Where the function-scoped fixtures start in the item's fixture names."""
    defs = item._fixtureinfo.name2fixturedefs
    start = 0
    for index, name in enumerate(item.fixturenames):
        if name in defs and defs[name][-1].scope != "function":
            start = index + 1
    return start


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("trace_all"):
        return
    listed = listed_tests()
    for item in items:
        if (
            item.nodeid in listed
            and isinstance(item, pytest.Function)
            and "untraced" not in item.fixturenames
        ):
            # A new list: the parametrised instances of a test share the one pytest made.
            names, start = item.fixturenames, _function_fixtures_start(item)
            item.fixturenames = [*names[:start], "untraced", *names[start:]]


class CpuRecorder:
    """The ``--record-test-cpu`` plugin: process CPU per test phase, as JSON lines."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._phases: dict[str, float] = {}

    @contextmanager
    def _phase(self, name: str) -> Iterator[None]:
        start = time.process_time()
        try:
            yield
        finally:
            self._phases[name] = time.process_time() - start

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Iterator[None]:
        self._phases = {}
        with self._phase("setup"):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        with self._phase("call"):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Iterator[None]:
        try:
            with self._phase("teardown"):
                return (yield)
        finally:
            markers = sorted({mark.name for mark in item.iter_markers()})
            record = {"id": item.nodeid, "markers": markers, "cpu": self._phases}
            self._out.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._out.flush()


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("record_test_cpu")
    if path:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        out = Path(f"{path}.{worker}.jsonl").open("a", encoding="utf-8")  # noqa: SIM115 - kept for the run
        config.add_cleanup(out.close)
        config.pluginmanager.register(CpuRecorder(out), "untrace_plan_cpu")

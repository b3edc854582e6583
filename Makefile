# The two commands a user types on a fresh clone: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= $(CURDIR)/.demo

.PHONY: demo test check lint typecheck layers unit bench clean

# uv (from PyPI, into the environment) installs in about a third of pip's time; pip is the fallback.
# Bytecode is compiled at install (pip does by default, uv only when asked): where
# PYTHONDONTWRITEBYTECODE is set, as on the CI machine, every `accord` command would otherwise
# compile each module it imports again (~1.2 s more CPU for `accord serve`). The test run gives
# its own processes a cache of their own (tests/conftest.py, PYTHONPYCACHEPREFIX).
INSTALL = $(BIN)/python -m uv pip install --python $(BIN)/python --quiet --compile-bytecode
PIP_INSTALL = $(BIN)/python -m pip install --quiet

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) uv || true

$(STAMP): $(BIN)/python pyproject.toml
	$(INSTALL) -e '.[test]' || $(PIP_INSTALL) -e '.[test]'
	$(BIN)/python -m compileall -q src
	touch $(STAMP)

# `make demo DEMO_FLAGS=` keeps the nodes and their web consoles up (a sign-in per role) until Ctrl-C.
DEMO_FLAGS ?= --once
demo: $(STAMP)
	rm -rf "$(DEMO_DIR)"
	$(BIN)/accord demo --dir "$(DEMO_DIR)" $(DEMO_FLAGS)
	@echo 'The web consoles, with a sign-in for every role: make demo DEMO_FLAGS= (Ctrl-C stops).'

# The checks (mypy is single-threaded) run beside the tests rather than before them: on two
# cores this saves their ~25 s from the wall time; any failure still fails `make test`.
test: $(STAMP)
	$(MAKE) --no-print-directory -j2 check unit

check: lint typecheck layers

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

# pytest exit code 5 (no tests collected) is a failure here and is not hidden.
# One worker per core (pytest-xdist); work stealing keeps the long tests from queueing.
PYTEST_WORKERS ?= auto
unit: $(STAMP)
	$(BIN)/pytest --cov --cov-report=term:skip-covered -q -n $(PYTEST_WORKERS) --dist worksteal --durations=25

# Benchmarks (figures in bench/RESULTS.md); needs RabbitMQ on 127.0.0.1:5672 (guest/guest).
# BENCH_ARGS, e.g. `make bench BENCH_ARGS="--quick"` or `BENCH_ARGS=imagery`.
bench: $(STAMP)
	$(INSTALL) -e '.[test,bench]' || $(PIP_INSTALL) -e '.[test,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache .hypothesis

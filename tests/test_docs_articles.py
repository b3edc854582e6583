"""docs/articles.md names, for each article, the one function that enforces it and its tests.

This test fails when a named function or test no longer exists, so the index cannot drift.
"""

from __future__ import annotations

import ast
import importlib
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "articles.md"
_FUNCTION = re.compile(r"`(accord(?:\.\w+)+):([\w.]+)`")
_TEST = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _rows() -> list[str]:
    return [line for line in PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("| Art")]


@cache
def _test_names(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(
        node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    )


def test_every_article_row_names_a_function_and_a_test() -> None:
    rows = _rows()
    assert len(rows) >= 15
    for row in rows:
        assert _FUNCTION.search(row), row
        assert _TEST.search(row), row


@pytest.mark.parametrize(
    ("module", "name"),
    sorted({m.groups() for row in _rows() for m in _FUNCTION.finditer(row)}),
    ids=str,
)
def test_the_named_function_exists(module: str, name: str) -> None:
    found: object = importlib.import_module(module)
    for part in name.split("."):
        assert hasattr(found, part), f"{module}:{name} no longer exists: update docs/articles.md"
        found = getattr(found, part)
    assert callable(found), f"{module}:{name} is not a function"


@pytest.mark.parametrize(
    ("path", "name"),
    sorted({m.groups() for row in _rows() for m in _TEST.finditer(row)}),
    ids=str,
)
def test_the_named_test_exists(path: str, name: str) -> None:
    assert name in _test_names(path), f"{path}::{name} no longer exists: update docs/articles.md"

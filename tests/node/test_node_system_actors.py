"""Every actor name the node journals its own work under is one no person can take.

The node's background work is journalled under bare names (``delivery``, ``ledger``,
``witness``) and an unidentified caller as ``unknown``. A user called ``witness`` would make
"who did this" ambiguous (core/_principal.py), so this test reads the sources for every actor
name written as a literal and checks that :data:`RESERVED_NAMES` holds it: a new bare actor
cannot be added without reserving it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.node.core import RESERVED_NAMES

SOURCES = Path(__file__).resolve().parents[2] / "src" / "accord"
# The demo acts as the people it creates itself (kim, sato): user names, not the node's own.
DEMO = {SOURCES / "cli" / "_demo_cmd.py", SOURCES / "node" / "demo.py"}
# Functions whose first argument is the actor.
ACTOR_FIRST = {"journal_refusal", "refuse"}


def _strings(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)


def _is_actor_name(target: ast.expr) -> bool:
    return isinstance(target, ast.Name) and (target.id == "actor" or target.id.endswith("ACTOR"))


def _actor_literals(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "actor":
                    yield from _strings(keyword.value)
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ACTOR_FIRST and node.args:
                yield from _strings(node.args[0])
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_is_actor_name(t) for t in targets):
                yield from _strings(node.value)


def _journalled_names() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(SOURCES.rglob("*.py")):
        if path in DEMO:
            continue
        for name in _actor_literals(ast.parse(path.read_text(encoding="utf-8"))):
            found.setdefault(name, str(path.relative_to(SOURCES)))
    return found


def test_the_scan_finds_the_node_s_own_actors() -> None:
    # The scan itself must see the known ones, or the test below could pass on nothing.
    found = _journalled_names()
    assert {"delivery", "ledger", "witness", "unknown", "authority", "auditor", "peer"} <= set(found)


@pytest.mark.parametrize("name", sorted(_journalled_names()))
def test_every_actor_name_the_node_journals_is_reserved(name: str) -> None:
    assert name in RESERVED_NAMES, (
        f"actor {name!r} ({_journalled_names()[name]}) is a name a person could take"
    )

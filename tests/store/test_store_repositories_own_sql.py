"""The SQL of a table that several services touch lives in its repository in ``store`` (issue 9).

Above ``store``, no module selects, updates, deletes or inserts the rows of an owned table, or
fetches one by key with ``session.get``: it asks the table's repository. Building a new row
object and handing it to the repository is allowed. Each repository adds its tables to
``OWNED`` when it takes them over.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import accord

SRC = Path(accord.__file__).parent
ABOVE_STORE = ("node", "api", "web", "cli")
OWNED: dict[str, str] = {
    # row class name: the repository that owns its SQL
    "ConsentRow": "ConsentRepository",
    "ConsentReceiptRow": "ConsentRepository",
    "ItemNoticeRow": "ConsentRepository",
    "CompromiseCaseRow": "CompromiseRepository",
    "CompromiseItemRow": "CompromiseRepository",
    "CompromisePartyRow": "CompromiseRepository",
    "DestructionRow": "DestructionRepository",
    "AccessKeyRow": "accord.store.access_keys / remember_access_key",
    "AttachmentRow": "ItemRepository",
    "CopyRow": "CopyRepository",
    "ItemRow": "ItemRepository",
    "ItemImportRow": "ItemImportRepository",
    "TranslationRow": "CopyRepository",
    "InboxMessageRow": "InboxRepository",
    "OutboxRow": "OutboxRepository",
    "PeerSequenceRow": "SequenceRepository",
    "QuarantineRow": "QuarantineRepository",
    "ReceiptBatchRow": "ReceiptRepository",
    "ReceiptRow": "ReceiptRepository",
    "ConsoleSessionRow": "ConsoleSessionRepository",
    "ConsolePreferenceRow": "ConsoleSessionRepository",
    "SearchDocRow": "accord.store._search_index (the search index's functions)",
}
QUERIES = frozenset({"select", "update", "delete", "insert"})
FETCHES = frozenset({"get", "get_one"})


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _offences(path: Path, root: Path = SRC) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        func = call.func
        if isinstance(func, ast.Name) and func.id in QUERIES:
            touched = set().union(*(_names(a) for a in call.args)) & OWNED.keys()
        elif isinstance(func, ast.Attribute) and func.attr in FETCHES and call.args:
            touched = _names(call.args[0]) & OWNED.keys()
        else:
            continue
        found += [
            f"{path.relative_to(root)}:{call.lineno} {row} (use {OWNED[row]})" for row in sorted(touched)
        ]
    return found


@pytest.mark.parametrize("package", ABOVE_STORE)
def test_no_sql_on_an_owned_table_outside_its_repository(package: str) -> None:
    offences = [o for p in sorted((SRC / package).rglob("*.py")) for o in _offences(p)]
    assert offences == []


def test_the_check_sees_each_kind_of_offence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OWNED, "SampleRow", "SampleRepository")
    module = tmp_path / "sample.py"
    module.write_text(
        "select(SampleRow).where(SampleRow.id == x)\n"
        "update(SampleRow).values(status='held')\n"
        "session.get(SampleRow, x)\n"
        "session.add(SampleRow(id=x))\n"  # building a row is allowed
        "select(OtherRow)\n",
        encoding="utf-8",
    )
    assert sorted(o.split(" ")[0] for o in _offences(module, tmp_path)) == [
        "sample.py:1",
        "sample.py:2",
        "sample.py:3",
    ]

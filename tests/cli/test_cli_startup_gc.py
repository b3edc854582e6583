"""Start-up with fewer garbage-collector passes (``accord.cli._lazy.starting_up``), then as before.

Importing a command's module allocates objects that live as long as the process; the
collector's first generation is made larger while it happens and set back afterwards.
"""

from __future__ import annotations

import gc
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.cli._lazy import LazyCommand, starting_up


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.set_threshold(*before)


def test_the_first_generation_is_larger_in_the_block_and_as_it_was_after(
    thresholds: tuple[int, int, int],
) -> None:
    with starting_up():
        inside = gc.get_threshold()
    assert inside[0] >= 50_000
    assert inside[1:] == thresholds[1:]
    assert gc.get_threshold() == thresholds


def test_the_thresholds_come_back_when_the_block_raises(thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(ImportError), starting_up():
        raise ImportError("a command module that does not import")
    assert gc.get_threshold() == thresholds


def test_a_command_module_is_imported_with_the_larger_first_generation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, thresholds: tuple[int, int, int]
) -> None:
    module = tmp_path / "accord_test_gc_command.py"
    module.write_text(
        textwrap.dedent(
            """
            import gc

            SEEN = gc.get_threshold()


            def hello() -> None:
                \"\"\"Say hello.\"\"\"
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "accord_test_gc_command", raising=False)
    command = LazyCommand("hello", "accord_test_gc_command:hello", "Say hello.").load()
    assert command.name == "hello"
    assert sys.modules["accord_test_gc_command"].SEEN[0] >= 50_000
    assert gc.get_threshold() == thresholds

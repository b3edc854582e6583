"""The public API of accord.web is exactly this list, and documented."""

from __future__ import annotations

import accord.web

EXPECTED = ["LANGUAGES", "STATIC_DIR", "ConsoleSettings", "create_console_app"]


def test_all_is_the_expected_list() -> None:
    assert accord.web.__all__ == EXPECTED


def test_public_callables_are_documented() -> None:
    for name in EXPECTED:
        obj = getattr(accord.web, name)
        if callable(obj):
            assert obj.__doc__, name


def test_the_console_speaks_the_languages_the_node_keeps() -> None:
    from accord.node import CONSOLE_LANGUAGES

    assert accord.web.LANGUAGES is CONSOLE_LANGUAGES

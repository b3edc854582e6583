"""The public API of accord.policy is exactly this list."""

from __future__ import annotations

import accord.policy

EXPECTED = [
    "OBLIGATIONS",
    "ROLE_ACTIONS",
    "ROLE_DUTIES",
    "RULES",
    "SCOPE_RULES",
    "Action",
    "ConsentTerms",
    "Context",
    "Decider",
    "Decision",
    "Duty",
    "Passage",
    "Resource",
    "Subject",
    "decide",
    "decide_duty",
    "decide_many",
    "may_mark",
    "may_travel",
]


def test_all_is_the_expected_list() -> None:
    assert accord.policy.__all__ == EXPECTED


def test_every_name_is_exported() -> None:
    for name in EXPECTED:
        assert hasattr(accord.policy, name), name


def test_every_rule_cites_an_article() -> None:
    for rule, article in accord.policy.RULES.items():
        assert "Art" in article, rule

"""The levels a person may create an item at: the decision point's answer, for forms to offer."""

from __future__ import annotations

from typing import Any

import pytest

from accord.errors import NotFound
from accord.node import NewUser


def test_the_levels_follow_the_clearance(federation: Any) -> None:
    kor = federation.kor
    assert [level.native for level in kor.items.creatable_levels("kim")] == [
        "군사Ⅱ급비밀",
        "군사Ⅲ급비밀",
        "대외비",
    ]
    assert [level.native for level in kor.items.creatable_levels("lee")] == ["대외비"]


def test_a_role_that_may_not_create_gets_no_level(federation: Any) -> None:
    kor = federation.kor
    kor.users.add(NewUser("han", role="auditor", clearance="군사Ⅰ급비밀", ntk=[]), actor="authority")
    assert kor.items.creatable_levels("han") == []


def test_an_unknown_user_is_not_found(federation: Any) -> None:
    with pytest.raises(NotFound):
        federation.kor.items.creatable_levels("nobody")

"""People at a node: clearance in the node's own scheme, need-to-know, roles."""

from __future__ import annotations

import dataclasses

import pytest
from support_node import Maker, events, refused

from accord.errors import Conflict, InvalidInput, LabelError, NotFound
from accord.node import NewUser, Node, Principal, Role
from accord.node.core import RESERVED_NAMES


@pytest.fixture
def kor(make_node: Maker, node_database_url: str) -> Node:
    return make_node("KOR", "kor-mnd", node_database_url)


def test_add_get_and_list(kor: Node) -> None:
    kim = kor.users.add(
        NewUser("kim", role="Analyst", clearance="군사Ⅱ급비밀", ntk=[" dprk-missile ", ""]), actor="authority"
    )
    assert kim.role is Role.ANALYST
    assert (kim.nationality, kim.clearance.native, kim.clearance.scheme) == ("KOR", "군사Ⅱ급비밀", "KOR")
    assert kim.need_to_know == frozenset({"DPRK-MISSILE"})
    assert kim.created_at == "2026-11-25T09:00:00.000000Z"
    kor.users.add(NewUser("lee", role="auditor", clearance="대외비", ntk=[]), actor="authority")
    assert kor.users.get("kim") == kim
    assert [u.name for u in kor.users.all()] == ["kim", "lee"]
    event = events(kor)[-2]
    assert (event.action, event.outcome, event.actor) == ("user.add", "ok", "authority")
    assert event.detail == kim.to_dict()
    assert kim.to_dict()["clearance_family"] == "SECRET"


def test_a_taken_name_is_a_conflict(kor: Node) -> None:
    kor.users.add(NewUser("kim", role="analyst", clearance="대외비", ntk=[]), actor="authority")
    with refused(kor, Conflict, "already exists", action="user.add"):
        kor.users.add(NewUser("kim", role="officer", clearance="군사Ⅰ급비밀", ntk=[]), actor="authority")
    assert kor.users.get("kim").clearance.native == "대외비"


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        pytest.param({"name": "Kim"}, InvalidInput, "user name", id="upper-case name"),
        pytest.param({"name": "k"}, InvalidInput, "user name", id="name too short"),
        pytest.param({"name": "kim\n"}, InvalidInput, "user name", id="name trailing newline"),
        pytest.param({"name": "kim lee"}, InvalidInput, "user name", id="name with space"),
        pytest.param({"role": "general"}, InvalidInput, "unknown role", id="unknown role"),
        pytest.param({"clearance": "極秘"}, LabelError, ".", id="level of another scheme"),
        pytest.param({"clearance": "비밀"}, LabelError, ".", id="not a level"),
        pytest.param({"ntk": ["DPRK MISSILE"]}, InvalidInput, "need-to-know topic", id="topic with space"),
    ],
)
def test_bad_input_is_refused(
    kor: Node, changes: dict[str, object], error: type[Exception], message: str
) -> None:
    new = dataclasses.replace(NewUser("kim", role="analyst", clearance="대외비", ntk=[]), **changes)  # type: ignore[arg-type]
    with refused(kor, error, message, action="user.add"):  # type: ignore[arg-type]
        kor.users.add(new, actor="authority")
    assert kor.users.all() == []
    assert events(kor)[-1].detail["user"] == new.name


def test_an_unknown_user_is_not_found(kor: Node) -> None:
    with pytest.raises(NotFound, match="no user 'park'"):
        kor.users.get("park")


@pytest.mark.parametrize("name", sorted(RESERVED_NAMES))
def test_reserved_principal_names_are_refused_as_user_names(kor: Node, name: str) -> None:
    with pytest.raises(InvalidInput, match="is reserved"):
        kor.users.add(NewUser(name, role="analyst", clearance="대외비", ntk=[]), actor="authority")
    assert name not in {user.name for user in kor.users.all()}


def test_principals_have_journal_names_no_user_name_can_take() -> None:
    assert Principal.user("kim").journal_name == "kim"
    assert Principal.local_authority().journal_name == "authority"
    assert Principal.operator("root").journal_name == "operator:root"
    assert Principal.peer("jpn-mod").journal_name == "peer:jpn-mod"
    assert Principal.system("delivery").journal_name == "system:delivery"
    assert Principal.operator().journal_name.startswith("operator:")

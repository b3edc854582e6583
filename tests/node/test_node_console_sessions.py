"""Console sessions: opened by the shared password check, resumed until idle, closed (issue 11)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.errors import InvalidInput, PolicyDenied
from accord.node import NodeConfig
from accord.store import read_events

PASSWORD = "correct horse battery"


def _events(node: Any, action: str) -> list[dict[str, object]]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [e.detail for e in read_events(session) if e.action == action]


def test_a_session_opens_resumes_and_closes(federation: Any) -> None:
    kor = federation.kor
    kor.accounts.set_password("lee", PASSWORD, actor="authority")
    session_id, opened = kor.sessions.open("lee", PASSWORD)
    assert opened.user.name == "lee"
    assert len(opened.csrf_token) >= 40
    resumed = kor.sessions.resume(session_id)
    assert resumed.csrf_token == opened.csrf_token
    kor.sessions.close(session_id)
    with pytest.raises(PolicyDenied):
        kor.sessions.resume(session_id)
    assert [d["event"] for d in _events(kor, "console.session")] == ["open", "close"]


def test_only_the_hash_of_the_session_id_is_stored(federation: Any) -> None:
    kor = federation.kor
    kor.accounts.set_password("lee", PASSWORD, actor="authority")
    session_id, _ = kor.sessions.open("lee", PASSWORD)
    with kor.ctx.db.engine.begin() as connection:
        dump = repr(connection.exec_driver_sql("SELECT * FROM console_sessions").all())
    assert session_id not in dump


def test_a_wrong_password_opens_nothing_and_counts_toward_the_lockout(federation: Any) -> None:
    kor = federation.kor
    kor.accounts.set_password("lee", PASSWORD, actor="authority")
    for _ in range(5):
        with pytest.raises(PolicyDenied, match="wrong user name or password"):
            kor.sessions.open("lee", "not the password")
    # Locked for the CLI and the API too: the one account service decided.
    with pytest.raises(PolicyDenied, match="locked"):
        kor.sessions.open("lee", PASSWORD)
    with pytest.raises(PolicyDenied, match="locked"):
        kor.accounts.authenticate("lee", PASSWORD)


def test_an_idle_session_ends(federation: Any) -> None:
    kor, clock = federation.kor, federation.clock
    kor.accounts.set_password("lee", PASSWORD, actor="authority")
    session_id, _ = kor.sessions.open("lee", PASSWORD)
    clock.advance(minutes=14)
    kor.sessions.resume(session_id)  # used: the idle time starts again
    clock.advance(minutes=14)
    kor.sessions.resume(session_id)
    clock.advance(minutes=15, seconds=1)
    with pytest.raises(PolicyDenied, match="session has ended"):
        kor.sessions.resume(session_id)
    assert _events(kor, "console.session")[-1]["event"] == "expired"


def _last_seen(node: Any) -> str:
    with node.ctx.db.engine.begin() as connection:
        return str(connection.exec_driver_sql("SELECT last_seen_at FROM console_sessions").scalar_one())


def test_a_session_is_marked_as_used_at_most_every_30_seconds(federation: Any) -> None:
    # Marking is a synced write; the idle limit counts from the mark, so it can only end earlier.
    kor, clock = federation.kor, federation.clock
    kor.accounts.set_password("lee", PASSWORD, actor="authority")
    session_id, _ = kor.sessions.open("lee", PASSWORD)
    opened = _last_seen(kor)
    clock.advance(seconds=29)
    kor.sessions.resume(session_id)
    assert _last_seen(kor) == opened
    clock.advance(seconds=2)
    kor.sessions.resume(session_id)
    marked = _last_seen(kor)
    assert marked > opened
    clock.advance(seconds=29)
    kor.sessions.resume(session_id)  # last used now, but marked 29 s ago
    clock.advance(minutes=14, seconds=32)  # 15:01 after the mark, 14:32 after the last use
    with pytest.raises(PolicyDenied, match="session has ended"):
        kor.sessions.resume(session_id)


@pytest.mark.parametrize("session_id", ["", "x" * 129, "unknown"], ids=["empty", "too-long", "unknown"])
def test_an_unknown_session_is_refused(federation: Any, session_id: str) -> None:
    with pytest.raises(PolicyDenied):
        federation.kor.sessions.resume(session_id)


def test_the_language_setting_is_kept_across_sessions(federation: Any) -> None:
    kor = federation.kor
    kor.accounts.set_password("lee", PASSWORD, actor="authority")
    assert kor.sessions.open("lee", PASSWORD)[1].language is None
    kor.sessions.set_language("lee", "ko")
    assert kor.sessions.open("lee", PASSWORD)[1].language == "ko"
    with pytest.raises(InvalidInput):
        kor.sessions.set_language("lee", "fr")


def test_the_idle_timeout_is_a_node_setting() -> None:
    base = {
        "node_id": "kor-x",
        "party": "KOR",
        "scheme": "KOR",
        "endpoint": "e",
        "database_url": "",
        "created": "c",
    }
    default = NodeConfig(**base)
    assert "console_idle_minutes" not in default.to_toml()  # existing files stay byte-identical
    custom = NodeConfig(**base, console_idle_minutes=5)
    assert NodeConfig.from_toml(custom.to_toml()) == custom
    for bad in (0, 24 * 60 + 1, True):
        with pytest.raises(InvalidInput):
            NodeConfig(**base, console_idle_minutes=bad)

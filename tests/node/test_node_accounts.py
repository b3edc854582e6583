"""Accounts: argon2id passwords, lockout, API tokens stored hashed (issue 4, "Bad input")."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from support_node import FederationLike, events, refused, row_counts

from accord.cli._common import CliSettings
from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from accord.node import (
    RFC9106_LOW_MEMORY,
    UNSAFE_FAST_PASSWORD_HASHING,
    NewNode,
    NewUser,
    Node,
    PasswordHashing,
)
from accord.store import ApiTokenRow, JournalRow, UserRow

PASSWORD = "correct horse battery"
OTHER = "another long password"
WRONG = "wrong user name or password"
BAD_TOKEN = "invalid, expired or revoked token"
SECRET = re.compile(r"acc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


@pytest.fixture
def kor(federation: FederationLike) -> Node:
    """KOR with analysts kim and lee (from the federation), authority park, officer choi."""
    node = federation.kor
    node.users.add(NewUser("park", role="authority", clearance="군사Ⅰ급비밀", ntk=[]), actor="authority")
    node.users.add(NewUser("choi", role="officer", clearance="군사Ⅱ급비밀", ntk=[]), actor="authority")
    node.accounts.set_password("kim", PASSWORD, actor="authority")
    return node


def _user_row(node: Node, name: str) -> UserRow:
    with node.ctx.db.transaction() as session:
        row = session.get(UserRow, name)
        assert row is not None
        session.expunge(row)
        return row


def _journal_text(node: Node) -> str:
    with node.ctx.db.transaction() as session:
        return "\n".join(session.scalars(select(JournalRow.detail_json)))


# ------------------------------------------------------------------ passwords


def test_a_node_hashes_with_rfc9106_parameters_unless_told_otherwise(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert PasswordHashing(time_cost=3, memory_cost_kib=65536, parallelism=4) == RFC9106_LOW_MEMORY
    assert CliSettings().password_hashing == RFC9106_LOW_MEMORY
    node = Node.init(tmp_path / "kor", NewNode(party="KOR", node_id="kor-prod"))
    try:
        assert node.accounts.password_hashing == RFC9106_LOW_MEMORY
        node.users.add(NewUser("kim", role="analyst", clearance="군사Ⅱ급비밀", ntk=[]), actor="authority")
        node.accounts.set_password("kim", PASSWORD, actor="authority")
        stored = _user_row(node, "kim").password_hash
        assert stored is not None
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert node.accounts.authenticate("kim", PASSWORD).name == "kim"
    finally:
        node.close()
    assert "UNSAFE" not in caplog.text


def test_a_cheap_hash_is_logged_and_rehashed_by_a_production_node(
    kor: Node, caplog: pytest.LogCaptureFixture
) -> None:
    root = kor.ctx.home.root
    with caplog.at_level("WARNING", logger="accord.accounts"):
        Node.open(root, password_hashing=UNSAFE_FAST_PASSWORD_HASHING).close()
    assert "UNSAFE password hashing" in caplog.text
    production = Node.open(root, clock=kor.ctx.clock)
    try:
        production.accounts.authenticate("kim", PASSWORD)
        stored = _user_row(production, "kim").password_hash
        assert stored is not None
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    finally:
        production.close()


def test_password_is_stored_as_argon2id_and_authenticates(kor: Node) -> None:
    row = _user_row(kor, "kim")
    assert row.password_hash is not None
    # The test nodes hash cheaply (conftest); production parameters: the next test.
    assert row.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert PASSWORD not in row.password_hash
    assert row.password_set_at == "2026-11-25T09:00:00.000000Z"
    kim = kor.accounts.authenticate("kim", PASSWORD)
    assert (kim.name, kim.clearance.native) == ("kim", "군사Ⅱ급비밀")
    passwd, login = events(kor)[-2:]
    assert (passwd.action, passwd.outcome, passwd.actor, dict(passwd.detail)) == (
        "user.passwd", "ok", "authority", {"user": "kim"},
    )  # fmt: skip
    assert (login.action, login.outcome, login.actor) == ("user.login", "ok", "kim")


@pytest.mark.parametrize(
    ("name", "password"),
    [
        pytest.param("kim", OTHER, id="wrong password"),
        pytest.param("kim", "", id="empty password"),
        pytest.param("nobody", PASSWORD, id="unknown user"),
        pytest.param("lee", PASSWORD, id="user without a password"),
        pytest.param("x" * 300, PASSWORD, id="absurd user name"),
        pytest.param("kim", "p" * 5000, id="absurd password"),
    ],
)
def test_every_failed_login_gives_the_same_answer(kor: Node, name: str, password: str) -> None:
    with refused(kor, PolicyDenied, f"^{WRONG}$", action="user.login"):
        kor.accounts.authenticate(name, password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        pytest.param("short pass", "at least 12 characters", id="10 characters"),
        pytest.param("elevenchars", "at least 12 characters", id="11 characters"),
        pytest.param("", "at least 12 characters", id="empty"),
        pytest.param("p" * 1025, "at most 1024 characters", id="too long"),
    ],
)
def test_a_weak_password_is_refused(kor: Node, password: str, message: str) -> None:
    before = _user_row(kor, "kim").password_hash
    with refused(kor, InvalidInput, message, action="user.passwd"):
        kor.accounts.set_password("kim", password, actor="kim")
    assert _user_row(kor, "kim").password_hash == before
    assert kor.accounts.authenticate("kim", PASSWORD).name == "kim"


def test_exactly_12_characters_is_enough(kor: Node) -> None:
    kor.accounts.set_password("kim", "twelve chars", actor="kim")
    assert kor.accounts.authenticate("kim", "twelve chars").name == "kim"


@pytest.mark.parametrize(
    "actor", ["kim", "park", "authority"], ids=["themself", "authority role", "local DSA"]
)
def test_who_may_set_a_password(kor: Node, actor: str) -> None:
    kor.accounts.set_password("kim", OTHER, actor=actor)
    assert kor.accounts.authenticate("kim", OTHER).name == "kim"


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        pytest.param("lee", "kim", id="another analyst"),
        pytest.param("choi", "kim", id="an officer"),
        pytest.param("nobody", "kim", id="an unknown actor"),
        pytest.param("lee", "nobody", id="an unknown target is not revealed"),
    ],
)
def test_others_may_not_set_a_password(kor: Node, actor: str, target: str) -> None:
    with refused(kor, PolicyDenied, "only .* or an authority may set the password", action="user.passwd"):
        kor.accounts.set_password(target, OTHER, actor=actor)
    assert kor.accounts.authenticate("kim", PASSWORD).name == "kim"


def test_an_authority_setting_an_unknown_users_password_gets_not_found(kor: Node) -> None:
    with refused(kor, NotFound, "no user 'nobody'", action="user.passwd"):
        kor.accounts.set_password("nobody", PASSWORD, actor="park")


# -------------------------------------------------------------------- lockout


def _fail(node: Node, times: int) -> None:
    for _ in range(times):
        with pytest.raises(PolicyDenied, match=f"^{WRONG}$"):
            node.accounts.authenticate("kim", OTHER)


def test_five_failures_lock_the_account_for_15_minutes(kor: Node, federation: FederationLike) -> None:
    _fail(kor, 4)
    assert _user_row(kor, "kim").failed_logins == 4
    before = row_counts(kor)
    _fail(kor, 1)
    assert row_counts(kor) == {**before, "journal": before["journal"] + 2}
    failed, lockout = events(kor)[-2:]
    assert (failed.action, failed.outcome, failed.detail["failures"]) == ("user.login", "refused", 5)
    assert (lockout.action, lockout.outcome, lockout.actor) == ("user.lockout", "ok", "kim")
    assert lockout.detail["locked_until"] == "2026-11-25T09:15:00.000000Z"
    # Locked: even the right password is refused, and it says so.
    locked = "^account locked until 2026-11-25T09:15:00.000000Z$"
    with refused(kor, PolicyDenied, locked, action="user.login"):
        kor.accounts.authenticate("kim", PASSWORD)
    federation.clock.advance(minutes=14, seconds=59)
    with refused(kor, PolicyDenied, locked, action="user.login"):
        kor.accounts.authenticate("kim", PASSWORD)
    federation.clock.advance(seconds=1)
    assert kor.accounts.authenticate("kim", PASSWORD).name == "kim"
    assert (_user_row(kor, "kim").failed_logins, _user_row(kor, "kim").locked_until) == (0, None)


def test_after_a_lockout_a_new_count_starts(kor: Node, federation: FederationLike) -> None:
    _fail(kor, 5)
    federation.clock.advance(minutes=15)
    _fail(kor, 4)
    assert kor.accounts.authenticate("kim", PASSWORD).name == "kim"


def test_a_success_resets_the_count(kor: Node) -> None:
    _fail(kor, 4)
    assert kor.accounts.authenticate("kim", PASSWORD).name == "kim"
    _fail(kor, 4)
    assert kor.accounts.authenticate("kim", PASSWORD).name == "kim"


def test_setting_the_password_lifts_a_lockout(kor: Node) -> None:
    _fail(kor, 5)
    kor.accounts.set_password("kim", OTHER, actor="park")
    assert kor.accounts.authenticate("kim", OTHER).name == "kim"


def test_unknown_users_are_never_locked_and_never_told_apart(kor: Node) -> None:
    for _ in range(6):
        with pytest.raises(PolicyDenied, match=f"^{WRONG}$"):
            kor.accounts.authenticate("nobody", OTHER)


# --------------------------------------------------------------------- tokens


def test_a_token_authenticates_its_user_and_is_stored_hashed(kor: Node) -> None:
    info, secret = kor.accounts.issue_token("kim", days=30, actor="kim")
    match = SECRET.fullmatch(secret)
    assert match is not None
    assert match.group(1) == info.id
    assert (info.user, info.created_at, info.expires_at) == (
        "kim", "2026-11-25T09:00:00.000000Z", "2026-12-25T09:00:00.000000Z",
    )  # fmt: skip
    assert (info.revoked, info.last_used_at) == (False, None)
    with kor.ctx.db.transaction() as session:
        row = session.get(ApiTokenRow, info.id)
        assert row is not None
        assert row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in row.secret_sha256
        # the random part whole (base64url holds "_" too: a piece of it could be any short text)
        assert match.group(2) not in " ".join(str(v) for v in vars(row).values())
    assert kor.accounts.authenticate_token(secret).name == "kim"
    assert kor.accounts.tokens("kim") == [
        type(info)(info.id, "kim", info.created_at, info.expires_at, False, "2026-11-25T09:00:00.000000Z")
    ]
    issue = events(kor)[-1]
    assert (issue.action, issue.outcome, issue.detail["token_id"]) == ("user.token.issue", "ok", info.id)


def test_tokens_are_listed_per_user_or_all(kor: Node) -> None:
    kim1, _ = kor.accounts.issue_token("kim", days=1, actor="authority")
    lee1, _ = kor.accounts.issue_token("lee", days=365, actor="park")
    assert [t.id for t in kor.accounts.tokens("kim")] == [kim1.id]
    assert {t.id for t in kor.accounts.tokens()} == {kim1.id, lee1.id}
    assert kor.accounts.tokens("choi") == []
    with pytest.raises(NotFound, match="no user 'nobody'"):
        kor.accounts.tokens("nobody")


def test_a_token_expires(kor: Node, federation: FederationLike) -> None:
    _, secret = kor.accounts.issue_token("kim", days=1, actor="kim")
    federation.clock.advance(hours=23, minutes=59)
    assert kor.accounts.authenticate_token(secret).name == "kim"
    federation.clock.advance(minutes=1)
    with refused(kor, PolicyDenied, f"^{BAD_TOKEN}$", action="user.token.auth"):
        kor.accounts.authenticate_token(secret)


def test_a_tokens_use_is_written_once_a_minute_at_most(kor: Node, federation: FederationLike) -> None:
    """A client polling with a token costs no write per request: ``last_used_at`` to the minute."""
    info, secret = kor.accounts.issue_token("kim", days=1, actor="kim")
    first = "2026-11-25T09:00:00.000000Z"
    assert kor.accounts.authenticate_token(secret).name == "kim"
    assert kor.accounts.tokens("kim")[0].last_used_at == first
    commits = kor.ctx.db.commits()
    federation.clock.advance(seconds=59)
    assert kor.accounts.authenticate_token(secret).name == "kim"
    assert kor.ctx.db.commits() == commits  # read only: no write, no synced commit
    assert kor.accounts.tokens("kim")[0].last_used_at == first
    federation.clock.advance(seconds=1)
    assert kor.accounts.authenticate_token(secret).name == "kim"
    assert kor.ctx.db.commits() == commits + 1
    assert kor.accounts.tokens("kim")[0].last_used_at == "2026-11-25T09:01:00.000000Z"
    kor.accounts.revoke_token(info.id, actor="kim")  # a recent use does not outlive a revocation
    with refused(kor, PolicyDenied, f"^{BAD_TOKEN}$", action="user.token.auth"):
        kor.accounts.authenticate_token(secret)


@pytest.mark.parametrize("days", [0, -1, 366, 10_000])
def test_token_lifetime_is_1_to_365_days(kor: Node, days: int) -> None:
    with refused(kor, InvalidInput, "1 to 365 days", action="user.token.issue"):
        kor.accounts.issue_token("kim", days=days, actor="kim")


@pytest.mark.parametrize(
    ("actor", "target"),
    [pytest.param("lee", "kim", id="another analyst"), pytest.param("lee", "nobody", id="unknown target")],
)
def test_others_may_not_issue_a_token(kor: Node, actor: str, target: str) -> None:
    with refused(kor, PolicyDenied, "only .* or an authority may issue a token", action="user.token.issue"):
        kor.accounts.issue_token(target, days=30, actor=actor)


def test_an_unknown_user_gets_no_token(kor: Node) -> None:
    with refused(kor, NotFound, "no user 'nobody'", action="user.token.issue"):
        kor.accounts.issue_token("nobody", days=30, actor="authority")


@pytest.mark.parametrize("actor", ["kim", "park", "authority"], ids=["owner", "authority role", "local DSA"])
def test_a_revoked_token_is_refused(kor: Node, actor: str) -> None:
    info, secret = kor.accounts.issue_token("kim", days=30, actor="kim")
    kor.accounts.revoke_token(info.id, actor=actor)
    assert kor.accounts.tokens("kim")[0].revoked
    revoke = events(kor)[-1]
    assert (revoke.action, revoke.outcome, revoke.actor) == ("user.token.revoke", "ok", actor)
    with refused(kor, PolicyDenied, f"^{BAD_TOKEN}$", action="user.token.auth"):
        kor.accounts.authenticate_token(secret)
    with refused(kor, Conflict, "already revoked", action="user.token.revoke"):
        kor.accounts.revoke_token(info.id, actor=actor)


def test_others_may_not_revoke_a_token(kor: Node) -> None:
    info, secret = kor.accounts.issue_token("kim", days=30, actor="kim")
    with refused(kor, PolicyDenied, "only kim or an authority may revoke", action="user.token.revoke"):
        kor.accounts.revoke_token(info.id, actor="lee")
    assert kor.accounts.authenticate_token(secret).name == "kim"


@pytest.mark.parametrize("token_id", ["0123456789abcdef", "nope", "", "x" * 500])
def test_revoking_an_unknown_token_is_not_found(kor: Node, token_id: str) -> None:
    with refused(kor, NotFound, "no token", action="user.token.revoke"):
        kor.accounts.revoke_token(token_id, actor="authority")


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda s: "", id="empty"),
        pytest.param(lambda s: "acc_", id="prefix only"),
        pytest.param(lambda s: s[4:], id="no prefix"),
        pytest.param(lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"), id="last character changed"),
        pytest.param(lambda s: s + "x", id="extra character"),
        pytest.param(lambda s: "acc_0123456789abcdef_" + s.split("_", 2)[2], id="another id"),
        pytest.param(lambda s: s.upper(), id="upper-cased"),
        pytest.param(lambda s: "Bearer " + s, id="with a scheme"),
    ],
)
def test_a_forged_token_gives_the_same_answer(kor: Node, mangle: object) -> None:
    _, secret = kor.accounts.issue_token("kim", days=30, actor="kim")
    assert callable(mangle)
    with refused(kor, PolicyDenied, f"^{BAD_TOKEN}$", action="user.token.auth"):
        kor.accounts.authenticate_token(mangle(secret))
    assert kor.accounts.tokens("kim")[0].last_used_at is None


# -------------------------------------------------------------------- journal


def test_the_journal_never_holds_a_password_or_token_secret(kor: Node, federation: FederationLike) -> None:
    kor.accounts.set_password("lee", OTHER, actor="lee")
    kor.accounts.authenticate("lee", OTHER)
    _fail(kor, 5)
    with pytest.raises(PolicyDenied):
        kor.accounts.authenticate("kim", PASSWORD)
    with pytest.raises(InvalidInput):
        kor.accounts.set_password("kim", "short", actor="kim")
    info, secret = kor.accounts.issue_token("kim", days=2, actor="kim")
    kor.accounts.authenticate_token(secret)
    with pytest.raises(PolicyDenied):
        kor.accounts.authenticate_token(secret + "x")
    kor.accounts.revoke_token(info.id, actor="kim")
    with pytest.raises(PolicyDenied):
        kor.accounts.authenticate_token(secret)
    text = _journal_text(kor)
    for needle in (PASSWORD, OTHER, "short", secret, secret.split("_", 2)[2]):
        assert needle not in text
    actions = [e.action for e in events(kor)]
    for action in ("user.passwd", "user.login", "user.lockout", "user.token.issue", "user.token.revoke"):
        assert action in actions
    assert "user.token.auth" in actions


# ------------------------------------------------------------------ clearance


@pytest.mark.parametrize("actor", ["park", "authority"], ids=["authority role", "local DSA"])
def test_an_authority_changes_a_clearance(kor: Node, actor: str) -> None:
    lee = kor.users.set_clearance("lee", "군사Ⅱ급비밀", actor=actor)
    assert lee.clearance.native == "군사Ⅱ급비밀"
    assert kor.users.get("lee") == lee
    last = events(kor)[-1]
    assert (last.action, last.outcome, last.actor) == ("user.clearance", "ok", actor)
    assert dict(last.detail) == {"user": "lee", "from": "대외비", "to": "군사Ⅱ급비밀"}


@pytest.mark.parametrize(
    ("actor", "target", "message"),
    [
        pytest.param("lee", "lee", r"nobody can change their own clearance \(Art\. 7\)", id="analyst self"),
        pytest.param(
            "park", "park", r"nobody can change their own clearance \(Art\. 7\)", id="authority self"
        ),
        pytest.param("kim", "lee", "only an authority", id="analyst for another"),
        pytest.param("choi", "lee", "only an authority", id="officer for another"),
        pytest.param("nobody", "lee", "only an authority", id="unknown actor"),
        pytest.param("kim", "nobody", "only an authority", id="unknown target is not revealed"),
    ],
)
def test_nobody_raises_their_own_clearance(kor: Node, actor: str, target: str, message: str) -> None:
    with refused(kor, PolicyDenied, message, action="user.clearance"):
        kor.users.set_clearance(target, "군사Ⅰ급비밀", actor=actor)
    assert kor.users.get("lee").clearance.native == "대외비"


def test_a_clearance_must_be_a_level_of_the_scheme(kor: Node) -> None:
    with refused(kor, InvalidInput, ".", action="user.clearance"):
        kor.users.set_clearance("lee", "極秘", actor="park")
    with refused(kor, NotFound, "no user 'nobody'", action="user.clearance"):
        kor.users.set_clearance("nobody", "대외비", actor="park")

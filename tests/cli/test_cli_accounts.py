"""``accord user passwd / token / tokens / revoke-token``: secrets shown once, refusals in one line."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from cli_support import Cli, Fed, journal
from sqlalchemy import select

from accord.cli import _auth, app
from accord.cli._common import EXIT_CODES
from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from accord.node import RFC9106_LOW_MEMORY, Node
from accord.store import UserRow

PASSWORD = "correct horse battery"
SECRET = re.compile(r"acc_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")


def code(family: type[Exception]) -> int:
    """The exit code of an error family, from the one map."""
    return next(c for f, c in EXIT_CODES if issubclass(family, f))


@dataclasses.dataclass(frozen=True)
class Refusal:
    """How a command is refused: an error family (its exit code) and words of the one-line reason."""

    family: type[Exception]
    reason: str


def _refused(cli: Cli, fed: Fed, refusal: Refusal, *args: str, env: dict[str, str] | None = None) -> None:
    result = cli(*args, home=fed.kor, env=env)
    assert result.exit_code == code(refusal.family), result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert refusal.reason in lines[0]


def test_passwd_from_the_environment(cli: Cli, fed: Fed) -> None:
    result = cli.ok("user", "passwd", "kim", home=fed.kor, env={"ACCORD_PASSWORD": PASSWORD})
    assert "Password of kim set." in result.stdout
    assert PASSWORD not in result.output
    node = Node.open(fed.kor)
    try:
        assert node.accounts.authenticate("kim", PASSWORD).name == "kim"
    finally:
        node.close()
    last = journal(fed.kor)[-2]  # then the node's own login above
    assert (last.action, last.outcome, dict(last.detail)) == ("user.passwd", "ok", {"user": "kim"})


def _stored_hash(home: Path, name: str) -> str:
    node = Node.open(home)
    try:
        with node.ctx.db.transaction(read_only=True) as session:
            row = session.scalars(select(UserRow).where(UserRow.name == name)).one()
            assert row.password_hash is not None
            return row.password_hash
    finally:
        node.close()


def test_an_embedding_program_sets_the_password_hashing(cli: Cli, fed: Fed) -> None:
    # `app(args, obj=CliSettings(...))` is how these tests get cheap argon2id; the settings were
    # once silently ignored (Typer stopped sharing click's current context) and every
    # in-process `passwd` paid RFC 9106's cost. Without settings, `accord` uses RFC 9106.
    cli.ok("user", "passwd", "kim", home=fed.kor, env={"ACCORD_PASSWORD": PASSWORD})
    assert "$m=8,t=1,p=1$" in _stored_hash(fed.kor, "kim")
    result = cli.runner.invoke(
        app, ["user", "passwd", "kim", "--home", str(fed.kor)], env={"ACCORD_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output
    production = RFC9106_LOW_MEMORY
    expected = f"$m={production.memory_cost_kib},t={production.time_cost},p={production.parallelism}$"
    assert expected in _stored_hash(fed.kor, "kim")


def test_passwd_prompts_twice_with_hidden_input(cli: Cli, fed: Fed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_auth, "stdin_is_terminal", lambda: True)
    result = cli.runner.invoke(
        app,
        ["user", "passwd", "kim", "--home", str(fed.kor)],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env={"ACCORD_HOME": None, "ACCORD_PASSWORD": None},
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert "Repeat for confirmation" in result.output


def test_passwd_without_a_terminal_or_the_variable_is_refused_in_one_line(cli: Cli, fed: Fed) -> None:
    # As `--as` is: no getpass warning that input may be echoed, no bare "Aborted.".
    result = cli.runner.invoke(
        app,
        ["user", "passwd", "kim", "--home", str(fed.kor)],
        input="",
        env={"ACCORD_HOME": None, "ACCORD_PASSWORD": None},
    )
    assert result.exit_code == code(PolicyDenied)
    assert (result.stdout, result.stderr) == (
        "",
        "error: cannot read a new password: set ACCORD_PASSWORD, or run in a terminal\n",
    )


@pytest.mark.parametrize(
    ("args", "env", "refusal"),
    [
        pytest.param(["user", "passwd", "kim"], {"ACCORD_PASSWORD": "short"},
                     Refusal(InvalidInput, "at least 12"), id="short password"),
        pytest.param(["user", "passwd", "nobody"], {"ACCORD_PASSWORD": PASSWORD},
                     Refusal(NotFound, "no user 'nobody'"), id="unknown user"),
        pytest.param(["user", "token", "kim", "--days", "0"], None, Refusal(InvalidInput, "1 to 365 days"),
                     id="token for 0 days"),
        pytest.param(["user", "token", "kim", "--days", "366"], None, Refusal(InvalidInput, "1 to 365 days"),
                     id="token for 366 days"),
        pytest.param(["user", "token", "nobody", "--days", "3"], None, Refusal(NotFound, "no user 'nobody'"),
                     id="token for an unknown user"),
        pytest.param(["user", "tokens", "nobody"], None, Refusal(NotFound, "no user 'nobody'"),
                     id="tokens of nobody"),
        pytest.param(["user", "revoke-token", "0123456789abcdef"], None, Refusal(NotFound, "no token"),
                     id="revoke an unknown token"),
    ],
)  # fmt: skip
def test_refusals(cli: Cli, fed: Fed, args: list[str], env: dict[str, str] | None, refusal: Refusal) -> None:
    before = len(journal(fed.kor))
    _refused(cli, fed, refusal, *args, env=env)
    after = journal(fed.kor)
    if args[1] != "tokens":  # a listing changes nothing and journals nothing
        assert len(after) == before + 1
        assert after[-1].outcome == "refused"


def test_token_issue_list_and_revoke(cli: Cli, fed: Fed) -> None:
    issued = cli.ok("user", "token", "kim", "--days", "30", home=fed.kor)
    secret = issued.stdout.strip().splitlines()[-1]
    match = SECRET.fullmatch(secret)
    assert match is not None
    token_id = match.group(1)
    assert "will not be shown again" in issued.stderr
    data = cli.json("user", "token", "kim", "--days", "7", home=fed.kor)
    assert isinstance(data, dict)
    assert SECRET.fullmatch(str(data["secret"]))
    assert (data["user"], data["revoked"]) == ("kim", False)
    listed = cli.json("user", "tokens", "kim", home=fed.kor)
    assert isinstance(listed, list)
    assert {t["id"] for t in listed} == {token_id, data["id"]}
    assert all("secret" not in t for t in listed)
    table = cli.ok("user", "tokens", home=fed.kor).stdout
    assert token_id in table
    assert secret not in table
    node = Node.open(fed.kor)
    try:
        assert node.accounts.authenticate_token(secret).name == "kim"
    finally:
        node.close()
    assert f"Token {token_id} revoked." in cli.ok("user", "revoke-token", token_id, home=fed.kor).stdout
    listed = cli.json("user", "tokens", "kim", home=fed.kor)
    assert isinstance(listed, list)
    assert {t["id"]: t["revoked"] for t in listed} == {token_id: True, data["id"]: False}
    node = Node.open(fed.kor)
    try:
        with pytest.raises(PolicyDenied, match="invalid, expired or revoked token"):
            node.accounts.authenticate_token(secret)
    finally:
        node.close()
    _refused(cli, fed, Refusal(Conflict, "already revoked"), "user", "revoke-token", token_id)
    text = "\n".join(str(dict(e.detail)) for e in journal(fed.kor))
    assert secret not in text
    assert str(data["secret"]) not in text


def test_passwd_lifts_a_lockout(cli: Cli, fed: Fed) -> None:
    cli.ok("user", "passwd", "kim", home=fed.kor, env={"ACCORD_PASSWORD": PASSWORD})
    node = Node.open(fed.kor)
    try:
        for _ in range(5):
            with pytest.raises(PolicyDenied):
                node.accounts.authenticate("kim", "not the password")
    finally:
        node.close()
    # Setting the password as the authority lifts the lockout.
    cli.ok("user", "passwd", "kim", home=fed.kor, env={"ACCORD_PASSWORD": PASSWORD})
    node = Node.open(fed.kor)
    try:
        assert node.accounts.authenticate("kim", PASSWORD).name == "kim"
    finally:
        node.close()


def test_the_authority_changes_a_clearance(cli: Cli, fed: Fed) -> None:
    done = cli("user", "clearance", "sato", "--level", "秘", "--json", home=fed.jpn)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["clearance"] == "秘"
    bad = cli("user", "clearance", "sato", "--level", "군사Ⅱ급비밀", home=fed.jpn)
    assert bad.exit_code == 3
    assert bad.stderr.count("\n") == 1

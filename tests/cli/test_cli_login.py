"""``--as USER`` authenticates: ACCORD_TOKEN, then ACCORD_PASSWORD, then a hidden prompt on a terminal.

Every command that acts for a person proves who the person is before it does anything: a
refused login leaves only the login's own journal row (or none, when no credentials were
given), no item row, no file. The password and the token's secret never appear on standard
output, standard error, in the journal or anywhere in the database.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_docs import leaves
from cli_support import PASSWORDS, Cli, Fed, as_user, files_under, journal, row_counts

from accord.cli import _auth
from accord.node import Node

SATO = PASSWORDS["sato"]
WRONG = {"ACCORD_PASSWORD": "not sato's passphrase"}
HOW = "set ACCORD_TOKEN or ACCORD_PASSWORD, or run in a terminal"
DENIED = 7  # PolicyDenied
DB_FILES = ("accord.db", "accord.db-wal", "accord.db-shm", "accord.db-journal")

# Every command that acts for a person, as sato at JPN.
FOR_A_PERSON: dict[str, Callable[[Fed, Path], list[str | Path]]] = {
    "accord item create": lambda fed, tmp: [
        "item", "create", "--as", "sato", "--kind", "report", "--title", "Login test",
        "--purpose", "Assessment", "--classification", "秘", "--home", fed.jpn,
    ],
    "accord item show": lambda fed, tmp: ["item", "show", fed.jpn_item, "--as", "sato", "--home", fed.jpn],
    "accord item attachment": lambda fed, tmp: [
        "item", "attachment", fed.jpn_item, "0", "--as", "sato", "--out", tmp / "out.bin", "--home", fed.jpn,
    ],
    "accord item label": lambda fed, tmp: ["item", "label", fed.jpn_item, "--as", "sato", "--home", fed.jpn],
    "accord item list": lambda fed, tmp: ["item", "list", "--as", "sato", "--home", fed.jpn],
    "accord send": lambda fed, tmp: ["send", fed.jpn_item, "--to", "KOR", "--as", "sato", "--home", fed.jpn],
    "accord inbox": lambda fed, tmp: ["inbox", "--as", "sato", "--home", fed.jpn],
    "accord release-request": lambda fed, tmp: [
        "release-request", fed.jpn_item, "--to", "USA", "--purpose", "x", "--as", "sato", "--home", fed.jpn,
    ],
    "accord downgrade": lambda fed, tmp: [
        "downgrade", fed.jpn_item, "--to", "秘", "--reason", "x", "--as", "sato", "--home", fed.jpn,
    ],
    "accord consent list": lambda fed, tmp: ["consent", "list", "--as", "sato", "--home", fed.jpn],
    "accord request-disposal": lambda fed, tmp: [
        "request-disposal", fed.jpn_item, "--holder", "KOR", "--reason", "x", "--as", "sato",
        "--home", fed.jpn,
    ],
    "accord consent approve": lambda fed, tmp: [
        "consent", "approve", "req-" + "0" * 32, "--as", "sato", "--home", fed.jpn,
    ],
    "accord consent deny": lambda fed, tmp: [
        "consent", "deny", "req-" + "0" * 32, "--reason", "x", "--as", "sato", "--home", fed.jpn,
    ],
    "accord consent revoke": lambda fed, tmp: [
        "consent", "revoke", "consent-" + "0" * 32, "--reason", "x", "--as", "sato", "--home", fed.jpn,
    ],
    "accord compromise report": lambda fed, tmp: [
        "compromise", "report", fed.jpn_item, "--actual", "--circumstances", "x", "--as", "sato",
        "--home", fed.jpn,
    ],
    "accord compromise exposure": lambda fed, tmp: [
        "compromise", "exposure", fed.jpn_item, "--as", "sato", "--home", fed.jpn,
    ],
    "accord compromise close": lambda fed, tmp: [
        "compromise", "close", "case-" + "0" * 32, "--findings", "x", "--measures", "x", "--as", "sato",
        "--home", fed.jpn,
    ],
    "accord compromise list": lambda fed, tmp: ["compromise", "list", "--as", "sato", "--home", fed.jpn],
    "accord copy": lambda fed, tmp: ["copy", fed.jpn_item, "--count", "2", "--as", "sato", "--home", fed.jpn],
    "accord translate": lambda fed, tmp: [
        "translate", fed.jpn_item, "--file", fed.agreement, "--lang", "ko", "--as", "sato", "--home", fed.jpn,
    ],
    "accord translation": lambda fed, tmp: [
        "translation", "tr-" + "0" * 32, "--as", "sato", "--home", fed.jpn,
    ],
    "accord destroy": lambda fed, tmp: [
        "destroy", fed.jpn_item, "--method", "x", "--witness", "suzuki", "--out", tmp / "cert.json",
        "--as", "sato", "--home", fed.jpn,
    ],
    "accord certificate": lambda fed, tmp: ["certificate", fed.jpn_item, "--as", "sato", "--home", fed.jpn],
    "accord holdings list": lambda fed, tmp: ["holdings", "list", "--as", "sato", "--home", fed.jpn],
    "accord holdings summary": lambda fed, tmp: [
        "holdings", "summary", "--for", "KOR", "--out", tmp / "summary.json",
        "--as", "sato", "--home", fed.jpn,
    ],
    "accord dissemination": lambda fed, tmp: [
        "dissemination", fed.jpn_item, "--as", "sato", "--home", fed.jpn,
    ],
    "accord reconcile": lambda fed, tmp: [
        "reconcile", "KOR", "--summary", tmp / "summary.json", "--as", "sato", "--home", fed.jpn,
    ],
    "accord journal list": lambda fed, tmp: ["journal", "list", "--as", "sato", "--home", fed.jpn],
    "accord journal show": lambda fed, tmp: ["journal", "show", "1", "--as", "sato", "--home", fed.jpn],
    "accord ledger ack-alarm": lambda fed, tmp: [
        "ledger", "ack-alarm", "1", "--finding", "x", "--as", "sato", "--home", fed.jpn,
    ],
    "accord oversight report": lambda fed, tmp: [
        "oversight", "report", "--agreement", "JPN-KOR-GSOMIA-2016", "--from", "2026-01-01",
        "--to", "2026-01-31", "--out", tmp / "report.json", "--as", "sato", "--home", fed.jpn,
    ],
    "accord search query": lambda fed, tmp: ["search", "query", "発射", "--as", "sato", "--home", fed.jpn],
    "accord stix export": lambda fed, tmp: [
        "stix", "export", fed.jpn_item, "--as", "sato", "--home", fed.jpn,
    ],
    "accord stix import": lambda fed, tmp: [
        "stix", "import", tmp / "bundle.json", "--as", "sato", "--home", fed.jpn,
    ],
    "accord item export-4778": lambda fed, tmp: [
        "item", "export-4778", fed.jpn_item, "--as", "sato", "--home", fed.jpn,
    ],
    "accord item import-4778": lambda fed, tmp: [
        "item", "import-4778", tmp / "binding.xml", "--as", "sato", "--home", fed.jpn,
    ],
    "accord misp import": lambda fed, tmp: [
        "misp", "import", tmp / "event.json", "--classification-map", tmp / "map.toml",
        "--as", "sato", "--home", fed.jpn,
    ],
}  # fmt: skip


def _new_events(fed: Fed, before: int) -> list[tuple[str, str, str]]:
    return [(e.action, e.actor, e.outcome) for e in journal(fed.jpn)[before:]]


def _issue_token(cli: Cli, fed: Fed, name: str) -> str:
    issued = cli.json("user", "token", name, "--days", "1", home=fed.jpn)
    assert isinstance(issued, dict)
    return str(issued["secret"])


def test_every_command_with_as_is_covered() -> None:
    with_as = {e.path for e in leaves() if any("--as" in getattr(p, "opts", ()) for p in e.command.params)}
    assert with_as == set(FOR_A_PERSON)


@dataclasses.dataclass(frozen=True)
class RefusedLogin:
    """Credentials that do not log in: what standard error then says, what the journal gets."""

    env: dict[str, str]
    reason: str
    journalled: list[tuple[str, str, str]]


@pytest.mark.parametrize(
    "login",
    [
        pytest.param(
            RefusedLogin({}, f"error: cannot authenticate sato: {HOW}", []), id="no credentials, no terminal"
        ),
        pytest.param(
            RefusedLogin(WRONG, "error: wrong user name or password", [("user.login", "sato", "refused")]),
            id="wrong password",
        ),
    ],
)
@pytest.mark.parametrize("command", list(FOR_A_PERSON))
def test_refused_before_any_work(
    command: str, login: RefusedLogin, cli: Cli, fed: Fed, tmp_path: Path
) -> None:
    argv = FOR_A_PERSON[command](fed, tmp_path)
    before, rows, files = len(journal(fed.jpn)), row_counts(fed.jpn), files_under(tmp_path)
    result = cli(*argv, env=login.env)
    assert result.exit_code == DENIED, result.output
    assert result.stdout == ""
    assert result.stderr == login.reason + "\n"
    # Only the login itself is journalled: the command's own action was never tried.
    assert _new_events(fed, before) == login.journalled
    assert row_counts(fed.jpn) == rows
    assert files_under(tmp_path) == files


def test_the_right_password_logs_in_then_the_work_is_done(cli: Cli, fed: Fed) -> None:
    before = len(journal(fed.jpn))
    made = cli.json(
        "item", "create", "--as", "sato", "--kind", "report", "--title", "Login test",
        "--purpose", "Assessment", "--classification", "秘", home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert isinstance(made, dict)
    assert _new_events(fed, before) == [("user.login", "sato", "ok"), ("item.create", "sato", "ok")]


def test_a_wrong_password_changes_nothing(cli: Cli, fed: Fed) -> None:
    before, rows = len(journal(fed.jpn)), row_counts(fed.jpn)
    result = cli("send", fed.jpn_item, "--to", "KOR", "--as", "sato", home=fed.jpn, env=WRONG)
    assert result.exit_code == DENIED
    assert result.stderr == "error: wrong user name or password\n"
    (event,) = journal(fed.jpn)[before:]
    assert (event.action, event.actor, event.outcome) == ("user.login", "sato", "refused")
    assert event.detail["failures"] == 1
    assert row_counts(fed.jpn) == rows
    assert cli.json("outbox", home=fed.jpn) == []
    # An unknown user is answered in the same words (nobody learns who exists).
    nobody = cli("item", "show", fed.jpn_item, "--as", "nobody", home=fed.jpn, env=WRONG)
    assert (nobody.exit_code, nobody.stderr) == (DENIED, result.stderr)


def test_five_failures_lock_the_account(cli: Cli, fed: Fed) -> None:
    before = len(journal(fed.jpn))
    for _ in range(5):
        wrong = cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env=WRONG)
        assert (wrong.exit_code, wrong.stderr) == (DENIED, "error: wrong user name or password\n")
    locked = cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env=as_user("sato"))
    assert locked.exit_code == DENIED
    assert locked.stderr.startswith("error: account locked until ")
    assert locked.stdout == ""
    events = journal(fed.jpn)[before:]
    assert [(e.action, e.outcome) for e in events] == [
        *[("user.login", "refused")] * 5,
        ("user.lockout", "ok"),
        ("user.login", "refused"),
    ]
    assert [e.detail.get("failures") for e in events if e.action == "user.login"] == [1, 2, 3, 4, 5, None]
    # The authority lifts the lockout by setting the password again.
    cli.ok("user", "passwd", "sato", home=fed.jpn, env=as_user("sato"))
    cli.ok("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env=as_user("sato"))


def test_a_token_is_used_first(cli: Cli, fed: Fed) -> None:
    secret = _issue_token(cli, fed, "sato")
    before = len(journal(fed.jpn))
    # With a wrong password beside it: the token comes first, the password is never tried.
    env = {"ACCORD_TOKEN": secret, **WRONG}
    shown = cli.ok("item", "show", fed.jpn_item, "--as", "sato", "--json", home=fed.jpn, env=env)
    assert json.loads(shown.stdout)["id"] == fed.jpn_item
    assert secret not in shown.output
    assert _new_events(fed, before) == [("item.read", "sato", "ok")]
    (token,) = cli.json("user", "tokens", "sato", home=fed.jpn)  # type: ignore[misc]
    assert token["last_used_at"] is not None


def test_a_token_of_another_user_is_refused(cli: Cli, fed: Fed) -> None:
    cli.ok("user", "add", "tanaka", "--role", "analyst", "--clearance", "極秘", home=fed.jpn)
    secret = _issue_token(cli, fed, "tanaka")
    before, rows = len(journal(fed.jpn)), row_counts(fed.jpn)
    result = cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env={"ACCORD_TOKEN": secret})
    assert result.exit_code == DENIED
    assert result.stdout == ""
    assert result.stderr == "error: the token in ACCORD_TOKEN is not sato's: it acts for tanaka\n"
    (event,) = journal(fed.jpn)[before:]
    assert (event.action, event.actor, event.outcome) == ("user.token.auth", "tanaka", "refused")
    assert event.detail["as"] == "sato"
    assert secret not in str(dict(event.detail))
    assert row_counts(fed.jpn) == rows


def _revoked(cli: Cli, fed: Fed) -> str:
    secret = _issue_token(cli, fed, "sato")
    token_id = secret.split("_")[1]
    cli.ok("user", "revoke-token", token_id, home=fed.jpn)
    return secret


def _expired(cli: Cli, fed: Fed) -> str:
    # Issued on 2020-01-01 by the node's own clock, for one day.
    node = Node.open(fed.jpn, clock=lambda: datetime(2020, 1, 1, 9, 0, tzinfo=UTC))
    try:
        _, secret = node.accounts.issue_token("sato", days=1, actor="authority")
    finally:
        node.close()
    return secret


def _tampered(cli: Cli, fed: Fed) -> str:
    secret = _issue_token(cli, fed, "sato")
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(_revoked, id="revoked"),
        pytest.param(_expired, id="expired"),
        pytest.param(_tampered, id="wrong secret"),
        pytest.param(lambda cli, fed: "not-a-token", id="malformed"),
    ],
)
def test_a_bad_token_is_refused(make: Callable[[Cli, Fed], str], cli: Cli, fed: Fed) -> None:
    secret = make(cli, fed)
    before, rows = len(journal(fed.jpn)), row_counts(fed.jpn)
    # The right password beside a bad token does not help: the token was chosen, and it is bad.
    env = {"ACCORD_TOKEN": secret, **as_user("sato")}
    result = cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env=env)
    assert result.exit_code == DENIED
    assert (result.stdout, result.stderr) == ("", "error: invalid, expired or revoked token\n")
    assert secret not in result.output
    assert [(a, o) for a, _, o in _new_events(fed, before)] == [("user.token.auth", "refused")]
    assert row_counts(fed.jpn) == rows


def test_on_a_terminal_the_password_is_prompted_hidden(
    cli: Cli, fed: Fed, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_auth, "stdin_is_terminal", lambda: True)
    shown = cli("item", "show", fed.jpn_item, "--as", "sato", "--json", home=fed.jpn, stdin=f"{SATO}\n")
    assert shown.exit_code == 0, shown.output
    assert "Password for sato:" in shown.stderr  # on standard error: --json output stays clean
    assert json.loads(shown.stdout)["id"] == fed.jpn_item
    assert SATO not in shown.output  # not echoed
    before = len(journal(fed.jpn))
    wrong = cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, stdin="not the passphrase\n")
    assert wrong.exit_code == DENIED
    assert wrong.stderr.endswith("error: wrong user name or password\n")
    assert _new_events(fed, before) == [("user.login", "sato", "refused")]
    # No answer at all (end of input) gives up without trying a login.
    gave_up = cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, stdin="")
    assert gave_up.exit_code != 0
    assert len(journal(fed.jpn)) == before + 1


def test_secrets_never_show(cli: Cli, fed: Fed, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = _issue_token(cli, fed, "sato")
    runs = [
        cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env=as_user("sato")),
        cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env={"ACCORD_TOKEN": secret}),
        cli("item", "show", fed.jpn_item, "--as", "kim", home=fed.jpn, env=as_user("sato")),
        cli("item", "show", fed.jpn_item, "--as", "tanaka", home=fed.jpn, env={"ACCORD_TOKEN": secret}),
        cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env={"ACCORD_TOKEN": secret + "x"}),
    ]
    monkeypatch.setattr(_auth, "stdin_is_terminal", lambda: True)
    runs.append(cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, stdin=f"{SATO}\n"))
    assert [r.exit_code for r in runs] == [0, 0, DENIED, DENIED, DENIED, 0]
    for result in runs:
        assert SATO not in result.output
        assert secret not in result.output
    events = journal(fed.jpn)
    text = "\n".join(f"{e.actor} {e.action} {dict(e.detail)}" for e in events)
    assert SATO not in text
    assert secret not in text
    # Nor anywhere in the database's bytes (only the argon2id hash and the token's SHA-256).
    assert (fed.jpn / "accord.db").is_file()
    for name in DB_FILES:
        path = fed.jpn / name
        if path.exists():
            data = path.read_bytes()
            assert SATO.encode() not in data, name
            assert secret.encode() not in data, name

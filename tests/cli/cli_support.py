"""Helpers for the CLI tests: the in-process ``accord`` runner, the federation built by commands,
and readers of a node's journal, rows and files (to prove a refusal wrote nothing)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import Result

from accord.cli import app
from accord.cli._common import CliSettings
from accord.node import UNSAFE_FAST_PASSWORD_HASHING, Node
from accord.store import (
    AgreementRow,
    AgreementSignatureRow,
    AttachmentRow,
    Event,
    ItemRow,
    NoteRow,
    PartyRow,
    UserRow,
    read_events,
)
from support_cli import CliRunner

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_AGREEMENT = REPO / "examples" / "agreements" / "jpn-kor-gsomia-2016.toml"
AGREEMENT_ID = "JPN-KOR-GSOMIA-2016"
_DB_FILES = ("accord.db", "accord.db-wal", "accord.db-shm", "accord.db-journal")
_TABLES = (PartyRow, AgreementRow, AgreementSignatureRow, NoteRow, UserRow, ItemRow, AttachmentRow)


# Each person's password (at least 12 characters), set by `accord user passwd` in the federation.
PASSWORDS = {
    "sato": "sato's launch-day passphrase",
    "suzuki": "suzuki's release passphrase",
    "kim": "kim's early-warning passphrase",
}
# The variables a command reads; never taken from the environment the tests run in.
_OUTER: dict[str, str | None] = {"ACCORD_HOME": None, "ACCORD_TOKEN": None, "ACCORD_PASSWORD": None}
# Cheap argon2id for in-process runs (the subprocess tests run `accord` with RFC 9106's).
SETTINGS = CliSettings(password_hashing=UNSAFE_FAST_PASSWORD_HASHING)


def as_user(name: str) -> dict[str, str]:
    """The environment in which ``--as NAME`` authenticates: NAME's password in ACCORD_PASSWORD."""
    return {"ACCORD_PASSWORD": PASSWORDS[name]}


class Cli:
    """``accord`` in-process. ``home`` adds ``--home``; ``stdin`` is what is typed at a prompt.

    The environment never leaks in: ACCORD_HOME, ACCORD_TOKEN and ACCORD_PASSWORD are unset
    unless ``env`` sets them.
    """

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(
        self,
        *args: str | Path,
        home: Path | None = None,
        env: Mapping[str, str | None] | None = None,
        stdin: str | None = None,
    ) -> Result:
        argv = [str(a) for a in args]
        if home is not None:
            argv += ["--home", str(home)]
        return self.runner.invoke(
            app, argv, input=stdin, env={**_OUTER, **(env or {})}, catch_exceptions=False, obj=SETTINGS
        )

    def ok(
        self, *args: str | Path, home: Path | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        """Run a command that must succeed."""
        result = self(*args, home=home, env=env)
        assert result.exit_code == 0, (
            f"accord {' '.join(map(str, args))} exited {result.exit_code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
        return result

    def json(
        self, *args: str | Path, home: Path | None = None, env: Mapping[str, str | None] | None = None
    ) -> object:
        """Run a command with ``--json`` and parse its standard output."""
        return json.loads(self.ok(*args, "--json", home=home, env=env).stdout)


@dataclass(frozen=True)
class Fed:
    """Two nodes set up by commands, under ``root``."""

    root: Path
    jpn: Path
    kor: Path
    agreement: Path
    jpn_note: Path
    kor_note: Path
    jpn_item: str


def build_federation(cli: Cli, root: Path) -> Fed:
    """Two nodes under the Japan–ROK GSOMIA, in force, with analysts, a JPN officer (passwords
    in :data:`PASSWORDS`) and one JPN report."""
    jpn, kor = root / "jpn", root / "kor"
    agreement = root / EXAMPLE_AGREEMENT.name
    shutil.copyfile(EXAMPLE_AGREEMENT, agreement)
    cli.ok("init", jpn, "--party", "JPN", "--node-id", "jpn-mod")
    cli.ok("init", kor, "--party", "KOR", "--node-id", "kor-mnd")
    for home, party in ((jpn, "JPN"), (kor, "KOR")):
        cli.ok("identity", "export", "--out", root / f"{party}.card.json", home=home)
    cli.ok("party", "add", root / "KOR.card.json", home=jpn)
    cli.ok("party", "add", root / "JPN.card.json", home=kor)
    sigs = {p: root / f"{p}.sig.json" for p in ("JPN", "KOR")}
    cli.ok("agreement", "sign", agreement, "--out", sigs["JPN"], home=jpn)
    cli.ok("agreement", "sign", agreement, "--out", sigs["KOR"], home=kor)
    for home in (jpn, kor):
        cli.ok(
            "agreement",
            "import",
            agreement,
            "--signature",
            sigs["JPN"],
            "--signature",
            sigs["KOR"],
            home=home,
        )
    notes = {p: root / f"{p}.eif.json" for p in ("JPN", "KOR")}
    for home, party in ((jpn, "JPN"), (kor, "KOR")):
        cli.ok(
            "agreement", "note", "issue", AGREEMENT_ID, "--kind", "entry-into-force",
            "--date", "2016-11-23", "--out", notes[party], home=home,
        )  # fmt: skip
    cli.ok("agreement", "note", "import", notes["KOR"], home=jpn)
    cli.ok("agreement", "note", "import", notes["JPN"], home=kor)
    cli.ok(
        "user",
        "add",
        "sato",
        "--role",
        "analyst",
        "--clearance",
        "極秘",
        "--ntk",
        "DPRK-MISSILE,DPRK-IMAGERY",
        home=jpn,
    )
    cli.ok(
        "user",
        "add",
        "kim",
        "--role",
        "analyst",
        "--clearance",
        "군사Ⅱ급비밀",
        "--ntk",
        "DPRK-MISSILE",
        home=kor,
    )
    # The officer who releases JPN's items (analysts write and read; DESIGN.md §2).
    cli.ok(
        "user", "add", "suzuki", "--role", "officer", "--clearance", "極秘",
        "--ntk", "DPRK-MISSILE,DPRK-IMAGERY", home=jpn,
    )  # fmt: skip
    for home, name in ((jpn, "sato"), (jpn, "suzuki"), (kor, "kim")):
        cli.ok("user", "passwd", name, home=home, env=as_user(name))
    item = cli.json(
        "item", "create", "--as", "sato", "--kind", "report", "--title", "Launch assessment",
        "--purpose", "Assessment of DPRK missile activity", "--body", "Assessment follows.",
        "--classification", "秘", "--rel", "KOR", "--ntk", "DPRK-MISSILE",
        "--agreement", AGREEMENT_ID, home=jpn, env=as_user("sato"),
    )  # fmt: skip
    assert isinstance(item, dict)
    return Fed(root, jpn, kor, agreement, notes["JPN"], notes["KOR"], str(item["id"]))


def journal(home: Path) -> list[Event]:
    """Every journal event of the node at ``home``."""
    node = Node.open(home)
    try:
        with node.ctx.db.transaction() as session:
            return list(read_events(session))
    finally:
        node.close()


def row_counts(home: Path) -> dict[str, int]:
    """How many rows each table other than the journal holds."""
    node = Node.open(home)
    try:
        with node.ctx.db.transaction() as session:
            return {
                t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in _TABLES
            }
    finally:
        node.close()


def files_under(root: Path) -> set[str]:
    """Relative paths of the files under ``root``, without the database files (the journal grows)."""
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.name not in _DB_FILES}

"""``accord oversight report|verify|compare|pdf`` from the command line, over the three-month JPN–KOR mix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import Result

from accord.cli import app
from accord.cli._common import CliSettings
from accord.node import UNSAFE_FAST_PASSWORD_HASHING, Node
from accord.oversight import OversightReport
from support_cli import CliRunner
from support_oversight import FIRST_DAY, LAST_DAY, Federated, exchange_mix, leave_out_one_sent

PASSWORD = "an officer's oversight passphrase"


class _Run:
    """``accord`` in-process, its nodes on the federation's clock."""

    def __init__(self, fed: Federated) -> None:
        self.runner = CliRunner()
        self.settings = CliSettings(
            password_hashing=UNSAFE_FAST_PASSWORD_HASHING, clock=lambda: fed.clock.now
        )

    def __call__(self, *args: str | Path, home: Path | None = None) -> Result:
        argv = [str(a) for a in args] + (["--home", str(home)] if home is not None else [])
        env = {"ACCORD_HOME": None, "ACCORD_TOKEN": None, "ACCORD_PASSWORD": PASSWORD}
        return self.runner.invoke(app, argv, env=env, catch_exceptions=False, obj=self.settings)


def _home(node: Node) -> Path:
    return node.ctx.home.root


@pytest.fixture
def made(federation: Federated, tmp_path: Path) -> tuple[_Run, dict[str, Path]]:
    """The mix exchanged, both reports written by `accord oversight report`, both cards exported."""
    exchange_mix(federation)
    federation.jpn.accounts.set_password("sato", PASSWORD, actor="authority")
    federation.kor.accounts.set_password("kim", PASSWORD, actor="authority")
    run = _Run(federation)
    files: dict[str, Path] = {}
    for node, officer, lang in ((federation.jpn, "sato", "ja"), (federation.kor, "kim", "ko")):
        party = node.config.party
        files[party] = tmp_path / f"{party}.report.json"
        files[f"{party}.card"] = tmp_path / f"{party}.card.json"
        files[f"{party}.card"].write_text(node.parties.own_card().to_json(), encoding="utf-8")
        result = run(
            "oversight", "report", "--agreement", "JPN-KOR-GSOMIA-2016", "--from", FIRST_DAY.isoformat(),
            "--to", LAST_DAY.isoformat(), "--out", files[party], "--lang", lang, "--as", officer,
            home=_home(node),
        )  # fmt: skip
        assert result.exit_code == 0, result.stdout + result.stderr
        assert f"Wrote the report of JPN-KOR-GSOMIA-2016, {FIRST_DAY} to {LAST_DAY}" in result.stdout
    return run, files


def test_report_verify_and_compare_from_the_command_line(made: tuple[_Run, dict[str, Path]]) -> None:
    run, files = made
    cards = ["--card", files["JPN.card"], "--card", files["KOR.card"]]
    for party, label in (("JPN", "KORへ送付した項目"), ("KOR", "JPN에서 받은 항목")):
        result = run("oversight", "verify", files[party], *cards, "--agreement", "JPN-KOR-GSOMIA-2016")
        assert result.exit_code == 0, result.stdout + result.stderr
        assert result.stdout.count("Verified: the report of " + party) == 1
        assert label in result.stdout
    as_json = run("oversight", "verify", files["JPN"], *cards, "--json")
    assert json.loads(as_json.stdout)["countersigned_by"] == ["kor-mnd"]
    same = run("oversight", "compare", files["JPN"], files["KOR"])
    assert same.exit_code == 0, same.stdout + same.stderr
    assert "No discrepancy" in same.stdout


def test_verify_names_the_first_figure_that_fails_and_never_says_verified(
    made: tuple[_Run, dict[str, Path]], tmp_path: Path
) -> None:
    run, files = made
    data = json.loads(files["JPN"].read_text(encoding="utf-8"))
    for figure in data["months"][1]["figures"]:
        if figure["figure"] == "sent|KOR":
            figure["count"] = 7
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("oversight", "verify", tampered, "--card", files["JPN.card"], "--card", files["KOR.card"])
    assert result.exit_code == 6
    assert "error: 2026-12 sent|KOR: counts 7 but commits to 1 leaves" in result.stderr
    assert "Verified" not in result.stdout + result.stderr
    assert result.stdout == ""
    # The card of another node where the partner's should be.
    wrong = run("oversight", "verify", files["JPN"], "--card", files["JPN.card"], "--card", files["JPN.card"])
    assert wrong.exit_code == 6
    assert "no partner's card" in wrong.stderr


def test_compare_shows_every_discrepancy_of_a_report_that_left_an_exchange_out(
    made: tuple[_Run, dict[str, Path]], federation: Federated, tmp_path: Path
) -> None:
    run, files = made
    kor = OversightReport.parse(files["KOR"].read_text(encoding="utf-8"))
    lying = leave_out_one_sent(federation.kor, kor, "2027-01", "JPN")
    path = tmp_path / "KOR.lying.json"
    path.write_text(lying.to_json(), encoding="utf-8")
    verified = run("oversight", "verify", path, "--card", files["JPN.card"], "--card", files["KOR.card"])
    assert verified.exit_code == 0, verified.stderr
    result = run("oversight", "compare", files["JPN"], path, "--json")
    assert result.exit_code == 6
    found = json.loads(result.stdout)["discrepancies"]
    assert {
        "month": "2027-01",
        "figure": "received|KOR",
        "count": 2,
        "mirror": "sent|JPN",
        "mirror_count": 1,
    } in found
    assert {
        "month": "period",
        "figure": "received|KOR",
        "count": 3,
        "mirror": "sent|JPN",
        "mirror_count": 2,
    } in found
    assert "discrepancies between the two reports" in result.stderr


def test_report_refusals_exit_with_their_reason(
    made: tuple[_Run, dict[str, Path]], federation: Federated, tmp_path: Path
) -> None:
    run, _ = made
    out = tmp_path / "x.json"
    argv = ["oversight", "report", "--agreement", "JPN-KOR-GSOMIA-2016", "--from", "2027-01-01", "--out", out]
    future = run(*argv, "--to", "2027-12-31", "--as", "sato", home=_home(federation.jpn))
    assert future.exit_code == 3
    assert "the period has not ended" in future.stderr
    bad_day = run(*argv, "--to", "31/01/2027", "--as", "sato", home=_home(federation.jpn))
    assert bad_day.exit_code == 3
    assert "--to is a date such as 2026-01-31" in bad_day.stderr
    assert not out.exists()


@pytest.mark.slow  # 6-10 s of CPU: started first (conftest), never last alone
def test_pdf_prints_each_report_in_its_language(made: tuple[_Run, dict[str, Path]], tmp_path: Path) -> None:
    run, files = made
    for party, label in (("JPN", "KORへ送付した項目"), ("KOR", "JPN에서 받은 항목")):
        out = tmp_path / f"{party}.pdf"
        result = run("oversight", "pdf", files[party], "--out", out)
        assert result.exit_code == 0, result.stdout + result.stderr
        assert out.read_bytes().startswith(b"%PDF-")
        reader = PdfReader(out)
        text = "".join(page.extract_text().replace("\x00", "") for page in reader.pages)
        assert "".join(label.split()) in "".join(text.split())
    not_a_report = run("oversight", "pdf", files["JPN.card"], "--out", tmp_path / "card.pdf")
    assert not_a_report.exit_code == 3
    assert not (tmp_path / "card.pdf").exists()

"""The accountability commands end to end: copy, translate, destroy, certificate, holdings, reconcile."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import Cli, Fed, as_user


def test_copy_translate_destroy_and_the_register(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    officer = {"home": fed.jpn, "env": as_user("suzuki")}
    item = fed.jpn_item
    copies = cli.json("copy", item, "--count", "2", "--as", "suzuki", "--json", **officer)
    assert [c["label"] for c in copies] == ["copy 1 of 2", "copy 2 of 2"]  # type: ignore[index]
    text = tmp_path / "ko.txt"
    text.write_text("평가가 이어진다.", encoding="utf-8")
    made = cli.json("translate", item, "--file", text, "--lang", "ko", "--as", "suzuki", "--json", **officer)
    assert isinstance(made, dict)
    shown = cli.ok("translation", str(made["id"]), "--as", "suzuki", **officer)
    assert "평가가 이어진다." in shown.stdout
    held = cli.json("holdings", "list", "--as", "suzuki", "--json", **officer)
    assert isinstance(held, list)
    (line,) = [h for h in held if h["item_id"] == item]
    assert len(line["copies"]) == 2
    assert line["translations"][0]["lang"] == "ko"
    cert = tmp_path / "cert.json"
    done = cli.ok(
        "destroy",
        item,
        "--method",
        "crypto-erase",
        "--witness",
        "sato",
        "--out",
        cert,
        "--as",
        "suzuki",
        **officer,
    )
    assert "certificate destruction-" in done.stdout
    assert json.loads(cert.read_text(encoding="utf-8"))["witness"] == "sato"
    again = cli.ok("certificate", item, "--as", "suzuki", **officer)
    assert json.loads(again.stdout) == json.loads(cert.read_text(encoding="utf-8"))
    record = cli.json("dissemination", item, "--as", "suzuki", "--json", **officer)
    assert isinstance(record, dict)
    assert record["originated_here"] is True
    assert record["certificates"][0]["direction"] == "issued"


def test_a_summary_and_its_reconciliation(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    cli.ok("holdings", "summary", "--for", "KOR", "--out", summary, "--as", "suzuki", home=fed.jpn,
           env=as_user("suzuki"))  # fmt: skip
    cli.ok("user", "add", "park", "--role", "officer", "--clearance", "군사Ⅱ급비밀", home=fed.kor)
    cli.ok("user", "passwd", "park", home=fed.kor, env={"ACCORD_PASSWORD": "park's long passphrase"})
    env = {"ACCORD_PASSWORD": "park's long passphrase"}
    result = cli.json(
        "reconcile", "JPN", "--summary", summary, "--as", "park", "--json", home=fed.kor, env=env
    )
    assert isinstance(result, dict)
    assert result["differences"] == []
    assert result["items_compared"] == 0
    refused = cli("reconcile", "USA", "--summary", summary, "--as", "park", home=fed.kor, env=env)
    assert refused.exit_code != 0
    assert "made by JPN, not by USA" in refused.stdout + refused.stderr


def test_reconcile_exits_non_zero_and_names_the_item_of_each_difference(
    cli: Cli, fed: Fed, tmp_path: Path
) -> None:
    # JPN sends its item to KOR; KOR has not received it yet when it makes its summary: our
    # record says "provided, no receipt", the summary does not hold it.
    cli.ok("send", fed.jpn_item, "--to", "KOR", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki"))
    cli.ok("user", "add", "park", "--role", "officer", "--clearance", "군사Ⅱ급비밀", home=fed.kor)
    park = {"ACCORD_PASSWORD": "park's long passphrase"}
    cli.ok("user", "passwd", "park", home=fed.kor, env=park)
    summary = tmp_path / "kor-holdings.json"
    cli.ok("holdings", "summary", "--for", "JPN", "--out", summary, "--as", "park", home=fed.kor, env=park)
    officer = {"home": fed.jpn, "env": as_user("suzuki")}
    text = cli("reconcile", "KOR", "--summary", summary, "--as", "suzuki", **officer)
    assert text.exit_code == 5  # the two records disagree (docs/errors.md)
    lines = [line.strip() for line in text.stdout.splitlines() if line.startswith("  ")]
    assert sorted(line.split(":")[0] for line in lines) == [
        f"missing-receipt {fed.jpn_item}",
        f"recorded-not-held {fed.jpn_item}",
    ]
    assert all(fed.jpn_item in line.split(":", 1)[1] for line in lines)  # the words name it too
    assert text.stderr.startswith("error: 2 difference(s) between ")
    as_json = cli("reconcile", "KOR", "--summary", summary, "--as", "suzuki", "--json", **officer)
    assert as_json.exit_code == 5
    found = json.loads(as_json.stdout)
    assert {d["item_id"] for d in found["differences"]} == {fed.jpn_item}

"""Two nodes, JPN and KOR, set up and used through the ``accord`` commands alone.

The flow an officer follows on the day the Japan–ROK GSOMIA enters into force: create the
nodes, exchange identity cards, sign the agreement at both sides, import it with both
signatures, exchange the entry-into-force notes, add analysts, create a FLASH
missile-launch report and an imagery item, and read them back with their markings.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from cli_support import AGREEMENT_ID, EXAMPLE_AGREEMENT, PASSWORDS, Cli, Fed, as_user, journal

KOR_SECRET_BANNER = "군사Ⅱ급비밀 (GUNSA 2-GEUP BIMIL) // SECRET"
JPN_EQUIVALENT = "極秘 // 韓国提供 (PROVIDED BY KOR: 군사Ⅱ급비밀)"


@dataclass(frozen=True)
class Flow:
    """Where the flow's two nodes and files live."""

    tmp: Path

    @property
    def jpn(self) -> Path:
        return self.tmp / "jpn"

    @property
    def kor(self) -> Path:
        return self.tmp / "kor"

    @property
    def agreement(self) -> Path:
        return self.tmp / EXAMPLE_AGREEMENT.name


def test_two_nodes_by_commands_only(cli: Cli, tmp_path: Path) -> None:
    f = Flow(tmp_path)
    shutil.copyfile(EXAMPLE_AGREEMENT, f.agreement)
    _nodes_and_cards(cli, f)
    _agreement_in_force(cli, f)
    _people(cli, f)
    flash, banner = _kor_items(cli, f)
    _jpn_imagery(cli, f)
    _labels(cli, f, flash, banner)
    _listings(cli, f)
    _termination_notice(cli, f)
    _journals(cli, f)


def _nodes_and_cards(cli: Cli, f: Flow) -> None:
    """Nodes and identity cards."""
    jpn, kor, tmp_path = f.jpn, f.kor, f.tmp
    made = cli.json("init", jpn, "--party", "JPN", "--node-id", "jpn-mod")
    assert isinstance(made, dict)
    assert made["node_id"] == "jpn-mod"
    assert made["party"] == "JPN"
    assert made["fingerprint"].startswith("sha256:")
    out = cli.ok("init", kor, "--party", "KOR", "--node-id", "kor-mnd").stdout
    assert "Created node kor-mnd for KOR" in out
    cli.ok("identity", "export", "--out", tmp_path / "jpn.card.json", home=jpn)
    # ACCORD_HOME selects the node as well as --home does.
    cli.ok("identity", "export", "--out", tmp_path / "kor.card.json", env={"ACCORD_HOME": str(kor)})
    card = json.loads((tmp_path / "jpn.card.json").read_text(encoding="utf-8"))
    assert card["node_id"] == "jpn-mod"
    printed = json.loads(cli.ok("identity", "export", home=jpn).stdout)
    # ML-DSA signing is hedged (randomised), so only the signed fields are compared.
    assert {k: v for k, v in printed.items() if k != "signature"} == {
        k: v for k, v in card.items() if k != "signature"
    }

    pinned = cli.json("party", "add", tmp_path / "kor.card.json", home=jpn)
    assert pinned == {**pinned, "node_id": "kor-mnd", "party": "KOR", "new": True}
    cli.ok("party", "add", tmp_path / "jpn.card.json", home=kor)
    again = cli.ok("party", "add", tmp_path / "jpn.card.json", home=kor).stdout
    assert again.startswith("Already pinned: JPN node jpn-mod")


def _agreement_in_force(cli: Cli, f: Flow) -> None:
    """The agreement: signed at both sides, imported with both signatures."""
    jpn, kor, agreement, tmp_path = f.jpn, f.kor, f.agreement, f.tmp
    for home, party in ((jpn, "JPN"), (kor, "KOR")):
        signed = cli.ok("agreement", "sign", agreement, "--out", tmp_path / f"{party}.sig", home=home).stdout
        assert signed.startswith(f"{party} signed {AGREEMENT_ID}")
    for home in (jpn, kor):
        imported = cli.json(
            "agreement", "import", agreement,
            "--signature", tmp_path / "JPN.sig", "--signature", tmp_path / "KOR.sig", home=home,
        )  # fmt: skip
        assert imported == {"agreement_id": AGREEMENT_ID, "new": True, "parties": ["JPN", "KOR"]}

    # Entry into force (Art. 21): each party notifies, the other records the note.
    for home, party in ((jpn, "JPN"), (kor, "KOR")):
        cli.ok(
            "agreement", "note", "issue", AGREEMENT_ID, "--kind", "entry-into-force",
            "--date", "2016-11-23", "--out", tmp_path / f"{party}.eif.json", home=home,
        )  # fmt: skip
    recorded = cli.ok("agreement", "note", "import", tmp_path / "KOR.eif.json", home=jpn).stdout
    assert recorded.startswith(f"Recorded entry-into-force by KOR on 2016-11-23 for {AGREEMENT_ID}")
    cli.ok("agreement", "note", "import", tmp_path / "JPN.eif.json", home=kor)
    status = cli.json("agreement", "status", AGREEMENT_ID, "--at", "2019-06-01", home=jpn)
    assert isinstance(status, dict)
    assert status["state"] == "in force"
    assert status["in_force_since"] == "2016-11-23"
    assert status["next_renewal"] == "2019-11-23"
    assert status["new_exchange_allowed"] is True
    today = cli.json("agreement", "status", AGREEMENT_ID, home=kor)
    assert isinstance(today, dict)
    assert today["state"] == "in force"


def _people(cli: Cli, f: Flow) -> None:
    """People."""
    jpn, kor = f.jpn, f.kor
    sato = cli.json(
        "user", "add", "sato", "--role", "analyst", "--clearance", "極秘",
        "--ntk", "DPRK-MISSILE,DPRK-IMAGERY", home=jpn,
    )  # fmt: skip
    assert isinstance(sato, dict)
    assert sato["name"] == "sato"
    added = cli.ok(
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
    ).stdout
    assert "Added analyst kim (KOR), cleared 군사Ⅱ급비밀 (SECRET)" in added
    # A person proves who they are before the node acts for them (`--as` below).
    for home, name in ((jpn, "sato"), (kor, "kim")):
        done = cli.ok("user", "passwd", name, home=home, env=as_user(name)).stdout
        assert done == f"Password of {name} set.\n"
        assert PASSWORDS[name] not in done


def _kor_items(cli: Cli, f: Flow) -> tuple[str, str]:
    """Items at KOR: a ROUTINE report first, then a FLASH missile launch."""
    kor = f.kor
    cli.ok(
        "item", "create", "--as", "kim", "--kind", "report", "--title", "Weekly summary",
        "--purpose", "Assessment", "--classification", "군사Ⅱ급비밀", "--rel", "JPN",
        "--ntk", "DPRK-MISSILE", "--agreement", AGREEMENT_ID, home=kor, env=as_user("kim"),
    )  # fmt: skip
    created = cli.ok(
        "item", "create", "--as", "kim", "--kind", "missile-launch",
        "--title", "DPRK ballistic missile launch", "--purpose", "Early warning (Art. 6)",
        "--field", "detection_time=2023-04-13T07:22:00Z", "--field", "launch_area=39.2,125.7",
        "--field", "count=1", "--precedence", "FLASH", "--classification", "군사Ⅱ급비밀",
        "--rel", "JPN", "--ntk", "DPRK-MISSILE", "--control", "NO-THIRD-PARTY",
        "--agreement", AGREEMENT_ID, home=kor, env=as_user("kim"),
    ).stdout  # fmt: skip
    assert created.splitlines()[0].startswith(KOR_SECRET_BANNER)
    listing = cli.json("item", "list", "--as", "kim", home=kor, env=as_user("kim"))
    assert isinstance(listing, dict)
    assert listing["damaged"] == []
    listed = listing["items"]
    assert [i["precedence"] for i in listed] == ["FLASH", "ROUTINE"]
    flash = listed[0]["id"]
    assert listed[0]["kind"] == "missile-launch"
    assert listing["more"] is False
    _pages(cli, f, [i["id"] for i in listed])

    shown = cli.json("item", "show", flash, "--as", "kim", home=kor, env=as_user("kim"))
    assert isinstance(shown, dict)
    assert shown["banners"][0].startswith(KOR_SECRET_BANNER)
    assert "NO THIRD-PARTY RELEASE" in shown["banners"][0]
    assert shown["content"]["fields"] == {
        "detection_time": "2023-04-13T07:22:00Z",
        "launch_area": [39.2, 125.7],
        "count": 1,
    }
    assert shown["binding"] == {"signer": "kor-mnd", "verified": True}
    (equivalent,) = shown["equivalents"]
    assert equivalent["party"] == "JPN"
    assert equivalent["level"] == "極秘"
    assert equivalent["banner"].startswith(JPN_EQUIVALENT)
    text = cli.ok("item", "show", flash, "--as", "kim", home=kor, env=as_user("kim")).stdout
    assert text.splitlines()[0].startswith(KOR_SECRET_BANNER)
    assert text.splitlines()[-1].startswith(KOR_SECRET_BANNER)  # banner at top and bottom
    assert f"at JPN under {AGREEMENT_ID}: {JPN_EQUIVALENT}" in text
    return flash, shown["banners"][0]


def _pages(cli: Cli, f: Flow, ids: list[str]) -> None:
    """``item list`` shows one page (--limit, --offset), says which of how many readable items it
    showed and how to reach the next; --all shows all; bad paging is refused with a reason."""
    kim = {"home": f.kor, "env": as_user("kim")}
    first = cli.json("item", "list", "--as", "kim", "--limit", "1", **kim)
    assert isinstance(first, dict)
    assert ([i["id"] for i in first["items"]], first["more"], first["total"]) == (ids[:1], True, 2)
    assert (first["offset"], first["limit"]) == (0, 1)
    second = cli.json("item", "list", "--as", "kim", "--limit", "1", "--offset", "1", **kim)
    assert isinstance(second, dict)
    assert ([i["id"] for i in second["items"]], second["more"], second["total"]) == (ids[1:], False, 2)
    every = cli.json("item", "list", "--as", "kim", "--all", **kim)
    assert isinstance(every, dict)
    assert ([i["id"] for i in every["items"]], every["total"], every["limit"]) == (ids, 2, None)
    table = cli.ok("item", "list", "--as", "kim", "--limit", "1", **kim).stdout
    assert "FLASH" in table  # the first page: the FLASH report, not the ROUTINE one
    assert "ROUTINE" not in table
    assert table.splitlines()[-1] == "showing 1–1 of 2 readable; --all or --offset 1 for more"
    assert cli.ok("item", "list", "--as", "kim", **kim).stdout.splitlines()[-1] == "showing 1–2 of 2 readable"
    last = cli.ok("item", "list", "--as", "kim", "--offset", "1", **kim).stdout
    assert last.splitlines()[-1] == "showing 2–2 of 2 readable"
    past = cli.ok("item", "list", "--as", "kim", "--offset", "5", **kim).stdout
    assert past.splitlines()[-1] == "showing none of 2 readable (--offset 5 is past the last)"
    for bad, says in (
        (["--limit", "0"], "--limit"),
        (["--limit", "-3"], "--limit"),
        (["--offset", "-1"], "--offset"),
        (["--limit", "ten"], "--limit"),
        (["--limit", "1", "--all"], "--limit and --all cannot be used together"),
    ):
        refused = cli("item", "list", "--as", "kim", *bad, **kim)
        assert refused.exit_code == 2, bad
        assert says in refused.output, (bad, refused.output)
        assert refused.stdout == ""  # nothing listed


def _jpn_imagery(cli: Cli, f: Flow) -> None:
    """An imagery item at JPN with an attachment, decrypted back to a file."""
    jpn, tmp_path = f.jpn, f.tmp
    image = tmp_path / "sunan.pgm"
    image.write_bytes(b"P5\n4 2\n255\n" + bytes(range(8)))
    cli.ok(
        "item", "create", "--as", "sato", "--kind", "imagery", "--title", "Sunan airfield",
        "--purpose", "Assessment", "--classification", "秘", "--rel", "KOR", "--ntk", "DPRK-IMAGERY",
        "--field", "acquisition_time=2023-04-13T08:00:00Z", "--field", "sensor=IGS optical",
        "--field", "footprint=39.1,125.6;39.1,125.8;39.3,125.8", "--attach", image,
        "--agreement", AGREEMENT_ID, home=jpn, env=as_user("sato"),
    )  # fmt: skip
    (imagery,) = cli.json("item", "list", "--as", "sato", home=jpn, env=as_user("sato"))["items"]  # type: ignore[index]
    restored = tmp_path / "restored.pgm"
    wrote = cli.ok(
        "item", "attachment", imagery["id"], "0", "--as", "sato", "--out", restored,
        home=jpn, env=as_user("sato"),
    ).stdout  # fmt: skip
    assert "SHA-384 verified" in wrote
    assert restored.read_bytes() == image.read_bytes()
    assert not restored.with_name("restored.pgm.part").exists()
    jpn_view = cli.json("item", "show", imagery["id"], "--as", "sato", home=jpn, env=as_user("sato"))
    assert isinstance(jpn_view, dict)
    assert jpn_view["banners"][0].startswith("秘 (HI) // CONFIDENTIAL")
    assert jpn_view["equivalents"][0]["banner"].startswith("군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘)")


def _labels(cli: Cli, f: Flow, flash: str, banner: str) -> None:
    """Labels: as STANAG 4774 XML and canonical JSON, each checked back by `label show`."""
    kor, tmp_path = f.kor, f.tmp
    xml = cli.ok("item", "label", flash, "--as", "kim", "--xml", home=kor, env=as_user("kim")).stdout
    assert "<slab:Classification>군사Ⅱ급비밀</slab:Classification>" in xml
    label_json = cli.ok("item", "label", flash, "--as", "kim", home=kor, env=as_user("kim")).stdout
    assert json.loads(label_json)["classification"] == "군사Ⅱ급비밀"
    (tmp_path / "label.xml").write_text(xml, encoding="utf-8")
    (tmp_path / "label.json").write_text(label_json, encoding="utf-8")
    from_xml = cli.ok("label", "show", tmp_path / "label.xml").stdout.strip()
    from_json = cli.ok("label", "show", tmp_path / "label.json").stdout.strip()
    assert from_xml == from_json == banner
    assert json.loads(cli.ok("label", "show", tmp_path / "label.xml", "--json").stdout) == json.loads(
        label_json
    )
    assert cli.ok("label", "show", tmp_path / "label.json", "--xml").stdout == xml


def _listings(cli: Cli, f: Flow) -> None:
    """Listings."""
    jpn, kor = f.jpn, f.kor
    assert "kor-mnd" in cli.ok("party", "list", home=jpn).stdout
    parties = cli.json("party", "list", home=jpn)
    assert [(p["party"], p["node_id"]) for p in parties] == [("KOR", "kor-mnd")]  # type: ignore[index, union-attr]
    users = cli.json("user", "list", home=jpn)
    assert [u["name"] for u in users] == ["sato"]  # type: ignore[index, union-attr]
    assert "sato" in cli.ok("user", "list", home=jpn).stdout
    agreements = cli.json("agreement", "list", home=kor)
    assert agreements == [
        {"id": AGREEMENT_ID, "parties": ["JPN", "KOR"], "state": "in force", "title": agreements[0]["title"]}  # type: ignore[index]
    ]
    assert AGREEMENT_ID in cli.ok("agreement", "list", home=kor).stdout


def _termination_notice(cli: Cli, f: Flow) -> None:
    """2019: KOR gives notice of termination; JPN records it."""
    jpn, kor, tmp_path = f.jpn, f.kor, f.tmp
    cli.ok(
        "agreement", "note", "issue", AGREEMENT_ID, "--kind", "termination-notice",
        "--date", "2019-08-23", "--out", tmp_path / "KOR.notice.json", home=kor,
    )  # fmt: skip
    cli.ok("agreement", "note", "import", tmp_path / "KOR.notice.json", home=jpn)
    at = cli.ok("agreement", "status", AGREEMENT_ID, "--at", "2019-09-01", home=jpn).stdout
    assert at.startswith(f"{AGREEMENT_ID}: ")
    assert "notice given by KOR on 2019-08-23" in at
    assert "terminates 2019-11-23 00:00 Asia/Seoul" in at
    notice = cli.json("agreement", "status", AGREEMENT_ID, "--at", "2019-09-01", home=jpn)
    assert isinstance(notice, dict)
    assert notice["terminates_on"] == "2019-11-23"
    assert notice["protection_continues"] is True
    notes = cli.json("agreement", "note", "list", AGREEMENT_ID, home=jpn)
    assert isinstance(notes, list)
    # By date, then in the order this node recorded them (its own note first).
    assert [(n["party"], n["kind"], n["date"]) for n in notes] == [
        ("JPN", "entry-into-force", "2016-11-23"),
        ("KOR", "entry-into-force", "2016-11-23"),
        ("KOR", "termination-notice", "2019-08-23"),
    ]
    assert "termination-notice" in cli.ok("agreement", "note", "list", AGREEMENT_ID, home=jpn).stdout


def _journals(cli: Cli, f: Flow) -> None:
    """Every step above left an "ok" row in each node's journal and nothing was refused."""
    jpn, kor = f.jpn, f.kor
    for home in (jpn, kor):
        events = journal(home)
        assert events[0].action == "node.init"
        assert {e.outcome for e in events} == {"ok"}
    actions = {e.action for e in journal(kor)}
    assert {
        "agreement.sign",
        "agreement.import",
        "agreement.note",
        "user.add",
        "user.passwd",
        "user.login",
        "item.create",
        "item.read",
    } <= actions
    for home, name in ((jpn, "sato"), (kor, "kim")):
        logins = [e for e in journal(home) if e.action == "user.login"]
        assert {e.actor for e in logins} == {name}
        assert PASSWORDS[name] not in "\n".join(str(dict(e.detail)) for e in journal(home))


def test_imports_are_idempotent(cli: Cli, fed: Fed) -> None:
    again = cli.json(
        "agreement", "import", fed.agreement,
        "--signature", fed.root / "JPN.sig.json", "--signature", fed.root / "KOR.sig.json", home=fed.jpn,
    )  # fmt: skip
    assert again == {"agreement_id": AGREEMENT_ID, "new": False, "parties": ["JPN", "KOR"]}
    out = cli.ok("agreement", "note", "import", fed.kor_note, home=fed.jpn).stdout
    assert out.startswith("Already recorded: entry-into-force by KOR")


def test_default_signature_files_next_to_the_agreement(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    # Without --out and --signature, signatures go to and come from FILE.PARTY.sig.json.
    text = fed.agreement.read_text(encoding="utf-8").replace(AGREEMENT_ID, "JPN-KOR-GSOMIA-TEST")
    folder = tmp_path / "exchange"
    folder.mkdir()
    file = folder / "test.toml"
    file.write_text(text, encoding="utf-8")
    cli.ok("agreement", "sign", file, home=fed.jpn)
    cli.ok("agreement", "sign", file, home=fed.kor)
    assert sorted(p.name for p in folder.iterdir()) == [
        "test.toml",
        "test.toml.JPN.sig.json",
        "test.toml.KOR.sig.json",
    ]
    assert cli.json("agreement", "import", file, home=fed.kor) == {
        "agreement_id": "JPN-KOR-GSOMIA-TEST",
        "new": True,
        "parties": ["JPN", "KOR"],
    }

"""Compromise and loss across three nodes (GSOMIA Art. 17): KOR reports, JPN (the originator) is told.

In process, with the loopback transport of support_trio: every check on both sides runs.
JPN provides a report to KOR under the Japan–ROK GSOMIA; KOR's officer reports it lost;
the notice travels FLASH; JPN records the case; KOR closes it and JPN receives the report.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from accord.canonical import format_time
from accord.cli import app
from accord.crypto import SigningKeys
from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import UNSIGNED, CompromisedItem, CompromiseNotice, CompromiseReport, new_case_id
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import JournalFilter, LabelRequest, NewItem, NewUser, Node, SearchFilters
from accord.node.core import Act
from accord.node.transfer import Outgoing
from accord.store import (
    CompromiseCaseRow,
    CompromiseItemRow,
    CompromisePartyRow,
    ItemRow,
    OutboxRow,
    QuarantineRow,
    read_events,
)
from support_cli import CliRunner
from support_trio import Trio

DIGEST = "a" * 96
AT = "2026-11-25T09:00:00Z"


def _provided(trio: Trio, title: str = "KN-23 launch assessment") -> str:
    """A JPN report provided to KOR and received there."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, title, "Trajectory and impact.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.ROUTINE,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


def _cases(node: Node) -> list[CompromiseCaseRow]:
    with node.ctx.db.transaction(read_only=True) as session:
        return list(session.scalars(select(CompromiseCaseRow)))


def _quarantined(node: Node) -> list[str]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [r.reason for r in session.scalars(select(QuarantineRow))]


def _events(node: Node, action: str) -> list[dict[str, object]]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [
            {"item_id": e.item_id, "outcome": e.outcome, "actor": e.actor, **e.detail}
            for e in read_events(session, action=action)
        ]


# --- the signed formats ---------------------------------------------------------------------


def _notice(keys: SigningKeys, **changes: object) -> CompromiseNotice:
    fields: dict[str, object] = {
        "case_id": "case-" + "1" * 32,
        "reporting_node": "kor-mnd",
        "reporting_party": "KOR",
        "originator_node": "jpn-mod",
        "originator_party": "JPN",
        "items": (CompromisedItem("jpn-item-0001", DIGEST), CompromisedItem("jpn-item-0002", DIGEST)),
        "actual": False,
        "circumstances": "A laptop left\nin a taxi.",
        "reported_by": "kim",
        "reported_at": AT,
    }
    fields.update(changes)
    return CompromiseNotice(**fields, signature=UNSIGNED).signed_with(keys)  # type: ignore[arg-type]


def _report(keys: SigningKeys) -> CompromiseReport:
    return CompromiseReport(
        case_id="case-" + "1" * 32,
        reporting_node="kor-mnd",
        originator_node="jpn-mod",
        findings="The laptop was recovered; the disk was encrypted.",
        measures="Laptops no longer leave the registry.",
        closed_by="kim",
        closed_at=AT,
        signature=UNSIGNED,
    ).signed_with(keys)


@pytest.fixture(scope="module")
def keys() -> SigningKeys:
    return SigningKeys.generate()


def test_notice_round_trip_and_signature(keys: SigningKeys) -> None:
    notice = _notice(keys)
    again = CompromiseNotice.parse(notice.to_bytes())
    assert again == notice
    again.verify(keys.public())
    assert again.item_ids == ["jpn-item-0001", "jpn-item-0002"]
    with pytest.raises(VerificationFailed):
        again.verify(SigningKeys.generate().public())


def test_report_round_trip_and_signature(keys: SigningKeys) -> None:
    report = _report(keys)
    again = CompromiseReport.parse(report.to_bytes())
    assert again == report
    again.verify(keys.public())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("circumstances", "Nothing happened.", id="circumstances changed"),
        pytest.param("actual", True, id="possible turned actual"),
        pytest.param("reporting_node", "usa-dod", id="another reporter"),
        pytest.param("items", [{"item_id": "jpn-item-0001", "content_sha384": DIGEST}], id="an item dropped"),
    ],
)
def test_a_tampered_notice_does_not_verify(keys: SigningKeys, field: str, value: object) -> None:
    data = json.loads(_notice(keys).to_bytes())
    data[field] = value
    tampered = CompromiseNotice.parse(json.dumps(data))
    with pytest.raises(VerificationFailed):
        tampered.verify(keys.public())


def test_a_tampered_report_does_not_verify(keys: SigningKeys) -> None:
    data = json.loads(_report(keys).to_bytes())
    data["measures"] = "None."
    with pytest.raises(VerificationFailed):
        CompromiseReport.parse(json.dumps(data)).verify(keys.public())


def test_a_notice_signature_is_not_a_report_signature(keys: SigningKeys) -> None:
    notice = _notice(keys)
    with pytest.raises(VerificationFailed):
        keys.public().verify("compromise-report", notice.statement(), notice.signature)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"case_id": "case-XYZ"}, "case id", id="bad case id"),
        pytest.param({"circumstances": "  "}, "must not be empty", id="empty circumstances"),
        pytest.param({"circumstances": "lost \u202e in taxi"}, "U\\+202E", id="bidi override"),
        pytest.param({"circumstances": "x" * 4001}, "longer than", id="too long"),
        pytest.param({"items": ()}, "1 to", id="no items"),
        pytest.param(
            {"items": (CompromisedItem("jpn-b-item", DIGEST), CompromisedItem("jpn-a-item", DIGEST))},
            "sorted",
            id="unsorted items",
        ),
        pytest.param({"originator_node": "kor-mnd"}, "does not notify itself", id="to itself"),
        pytest.param({"reported_at": "2026-11-25 09:00"}, "reported_at", id="non-canonical time"),
        pytest.param({"reporting_party": "kor"}, "party code", id="bad party"),
    ],
)
def test_invalid_notices_are_refused(keys: SigningKeys, changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        _notice(keys, **changes)


def test_parse_refuses_unknown_and_missing_keys(keys: SigningKeys) -> None:
    data = json.loads(_notice(keys).to_bytes())
    with pytest.raises(InvalidInput, match="unknown"):
        CompromiseNotice.parse(json.dumps({**data, "extra": 1}))
    del data["circumstances"]
    with pytest.raises(InvalidInput, match="missing"):
        CompromiseNotice.parse(json.dumps(data))


# --- across nodes ---------------------------------------------------------------------------


def test_the_originator_is_told_at_once_flash_and_then_gets_the_report(trio: Trio) -> None:
    item = _provided(trio)
    case = trio.kor.compromise.report(
        [item], actual=True, circumstances="Printed copy missing from the registry safe.", actor="kim"
    )
    assert (case.status, case.direction, case.items, case.originators) == (
        "open",
        "out",
        (item,),
        ("jpn-mod",),
    )
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        (sent,) = session.scalars(select(OutboxRow).where(OutboxRow.peer == "jpn-mod")).all()
        assert (sent.precedence, sent.lane) == ("FLASH", "flash")
        assert session.get_one(ItemRow, item).status == "compromised"
    trio.deliver(trio.kor)
    (seen,) = trio.jpn.compromise.listing(actor="sato")
    assert (seen.id, seen.direction, seen.status, seen.actual) == (case.id, "in", "open", True)
    assert (seen.reporting_node, seen.opened_by, seen.items) == ("kor-mnd", "kim", (item,))
    assert seen.circumstances == "Printed copy missing from the registry safe."
    (received,) = _events(trio.jpn, "compromise.notice.received")
    assert received["precedence"] == "FLASH"
    assert received["item_id"] == item
    assert received["case_id"] == case.id
    # The originator's own record of the item is unchanged: its copy was not compromised.
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert session.get_one(ItemRow, item).status == "held"

    closed = trio.kor.compromise.close(
        case.id, findings="Shredded without record.", measures="Two-person destruction rule.", actor="kim"
    )
    assert closed.status == "closed"
    trio.deliver(trio.kor)
    (seen,) = trio.jpn.compromise.listing(actor="sato", status="closed")
    assert (seen.status, seen.findings, seen.measures, seen.closed_by) == (
        "closed",
        "Shredded without record.",
        "Two-person destruction rule.",
        "kim",
    )
    assert _events(trio.jpn, "compromise.report.received")[0]["case_id"] == case.id
    assert trio.kor.delivery.outbox() == []  # both receipted
    with pytest.raises(Conflict, match="already closed"):
        trio.kor.compromise.close(case.id, findings="x", measures="y", actor="kim")


def test_one_notice_per_originator_and_none_for_own_items(trio: Trio) -> None:
    first, second = _provided(trio, "First"), _provided(trio, "Second")
    own = trio.kor.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KOR own", "Own.", "DPRK-MISSILE"),
            LabelRequest("군사Ⅲ급비밀", ["JPN"], ["DPRK-MISSILE"]),
            Precedence.ROUTINE,
        ),
        actor="kim",
    )
    case = trio.kor.compromise.report(
        [first, own.id, second], actual=False, circumstances="Possible.", actor="kim"
    )
    assert case.originators == ("jpn-mod",)
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        (party,) = session.scalars(select(CompromisePartyRow)).all()
    notice = CompromiseNotice.parse(party.notice_json)
    assert notice.item_ids == sorted([first, second])
    trio.deliver(trio.kor)
    (seen,) = trio.jpn.compromise.listing(actor="sato")
    assert set(seen.items) == {first, second}


def test_an_unknown_item_is_refused_and_nothing_is_created(trio: Trio) -> None:
    item = _provided(trio)
    missing = "jpn-" + "0" * 32
    with pytest.raises(NotFound, match=f"no item '{missing}' at this node"):
        trio.kor.compromise.report([item, missing], actual=True, circumstances="Lost.", actor="kim")
    assert _cases(trio.kor) == []
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(OutboxRow)) == 0
        assert session.scalar(select(func.count()).select_from(CompromiseItemRow)) == 0
        assert session.get_one(ItemRow, item).status == "held"
    (refused,) = _events(trio.kor, "compromise.report")
    assert refused["outcome"] == "refused"
    assert refused["error"] == "NotFound"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        pytest.param({"circumstances": " "}, InvalidInput, "must not be empty", id="no circumstances"),
        pytest.param({"item_ids": []}, InvalidInput, "at least one item", id="no items"),
        pytest.param({"actor": "suzuki"}, PolicyDenied, "security officer", id="an analyst"),
    ],
)
def test_bad_reports_are_refused_and_journalled(
    trio: Trio, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    item = _provided(trio)
    call: dict[str, object] = {"item_ids": [item], "actual": True, "circumstances": "Lost.", "actor": "sato"}
    call.update(kwargs)
    with pytest.raises(error, match=message):
        trio.jpn.compromise.report(**call)  # type: ignore[arg-type]
    assert _cases(trio.jpn) == []
    assert [e["outcome"] for e in _events(trio.jpn, "compromise.report")] == ["refused"]


def _inject(sender: Node, agreement_id: str, message: CompromiseNotice | CompromiseReport, item: str) -> None:
    """Put ``message`` for JPN in ``sender``'s outbox, as a compromised or misbehaving node would."""
    kind = "compromise-notice" if isinstance(message, CompromiseNotice) else "compromise-report"
    with sender.ctx.db.transaction() as session:
        sender.sending.enqueue(
            session,
            Outgoing(
                kind=kind,
                card=sender.parties.card(session, "jpn-mod"),
                agreement=sender.agreements.get_in(session, agreement_id),
                precedence=Precedence.FLASH,
                item_id=item,
                payload=message.to_bytes(),
            ),
            Act("kim", sender.ctx.now()),
        )


def test_a_forged_notice_is_quarantined_at_the_originator(trio: Trio) -> None:
    """KOR sends a notice signed with USA's keys: JPN checks KOR's pinned keys and refuses it."""
    item = _provided(trio)
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        digest = session.get_one(ItemRow, item).content_sha384
    forged = _notice(
        trio.usa.ctx.keys, items=(CompromisedItem(item, digest),), reported_at=format_time(trio.kor.ctx.now())
    )
    _inject(trio.kor, "JPN-KOR-GSOMIA-2016", forged, item)
    trio.deliver(trio.kor)
    assert _cases(trio.jpn) == []
    assert any(r.startswith("VerificationFailed") for r in _quarantined(trio.jpn))


def test_a_notice_for_another_originator_is_refused_before_its_signature_is_checked(trio: Trio) -> None:
    """Authenticate in order: the author named is the sender, the notice is for us, then its signature."""
    item = _provided(trio)
    forged = _notice(
        trio.usa.ctx.keys,
        originator_node="usa-dod",
        items=(CompromisedItem(item, DIGEST),),
        reported_at=format_time(trio.kor.ctx.now()),
    )
    _inject(trio.kor, "JPN-KOR-GSOMIA-2016", forged, item)
    trio.deliver(trio.kor)
    assert _cases(trio.jpn) == []
    (reason,) = _quarantined(trio.jpn)
    assert reason.startswith("PolicyDenied")
    assert reason.endswith("the compromise notice is for usa-dod, not this node")


def test_a_notice_about_an_item_never_provided_to_the_sender_is_quarantined(trio: Trio) -> None:
    item = _provided(trio)  # provided to KOR only
    notice = _notice(
        trio.usa.ctx.keys,
        reporting_node="usa-dod",
        reporting_party="USA",
        items=(CompromisedItem(item, DIGEST),),
        reported_at=format_time(trio.usa.ctx.now()),
    )
    _inject(trio.usa, "USA-JPN-GSOMIA-2007", notice, item)
    trio.deliver(trio.usa)
    assert _cases(trio.jpn) == []
    assert any("never provided to usa-dod" in r for r in _quarantined(trio.jpn))


def test_a_notice_about_an_item_the_receiver_did_not_originate_is_quarantined(trio: Trio) -> None:
    _provided(trio)
    notice = _notice(
        trio.kor.ctx.keys,
        items=(CompromisedItem("kor-nothing-0001", DIGEST),),
        reported_at=format_time(trio.kor.ctx.now()),
    )
    _inject(trio.kor, "JPN-KOR-GSOMIA-2016", notice, "kor-nothing-0001")
    trio.deliver(trio.kor)
    assert _cases(trio.jpn) == []
    assert any("did not originate" in r for r in _quarantined(trio.jpn))


def test_a_report_for_a_case_never_notified_is_quarantined(trio: Trio) -> None:
    item = _provided(trio)
    report = CompromiseReport(
        case_id=new_case_id(),
        reporting_node="kor-mnd",
        originator_node="jpn-mod",
        findings="x",
        measures="y",
        closed_by="kim",
        closed_at=format_time(trio.kor.ctx.now()),
        signature=UNSIGNED,
    ).signed_with(trio.kor.ctx.keys)
    _inject(trio.kor, "JPN-KOR-GSOMIA-2016", report, item)
    trio.deliver(trio.kor)
    assert any("was not told of" in r for r in _quarantined(trio.jpn))


def test_exposure_lists_readers_permitted_people_and_sends(trio: Trio) -> None:
    item = _provided(trio)
    trio.kor.users.add(
        NewUser("park", role="analyst", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.users.add(
        NewUser("lee", role="analyst", clearance="대외비", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.items.show(item, actor="park")
    trio.kor.items.inbox(actor="kim")
    at_kor = trio.kor.compromise.exposure(item, actor="kim")
    assert [(r["who"], r["action"]) for r in at_kor.readers] == [("park", "item.read")]
    assert [(r["who"], r["action"]) for r in at_kor.listed] == [("kim", "item.inbox")]
    assert {p["user"] for p in at_kor.permitted} == {"kim", "park"}  # lee's clearance is too low
    assert at_kor.received_from == "jpn-mod"
    assert at_kor.sends == []
    assert at_kor.seqs == sorted(int(str(e["seq"])) for e in (*at_kor.readers, *at_kor.listed))

    at_jpn = trio.jpn.compromise.exposure(item, actor="sato", proofs=True)
    (sent,) = at_jpn.sends
    assert (sent["to"], sent["party"], sent["status"]) == ("kor-mnd", "KOR", "receipted")
    assert sent["receipted_at"] is not None
    assert {p["user"] for p in at_jpn.permitted} == {"sato", "suzuki"}
    # With proofs: each cited event comes with the ledger's inclusion proof of it.
    assert set(at_jpn.proofs) == set(at_jpn.seqs)
    for seq, proof in at_jpn.proofs.items():
        assert json.loads(str(proof["leaf"]))["seq"] == seq
    assert _events(trio.jpn, "compromise.exposure")[-1]["outcome"] == "ok"


def test_exposure_and_cases_are_withheld_like_missing_items(trio: Trio) -> None:
    item = _provided(trio)
    trio.kor.users.add(
        NewUser("choi", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-SIGINT"]), actor="authority"
    )
    case = trio.kor.compromise.report([item], actual=True, circumstances="Lost.", actor="kim")
    with pytest.raises(NotFound, match=f"no item '{item}' at this node"):
        trio.kor.compromise.exposure(item, actor="choi")
    assert trio.kor.compromise.listing(actor="choi") == []
    with pytest.raises(NotFound, match="no compromise case"):
        trio.kor.compromise.close(case.id, findings="x", measures="y", actor="choi")


# --- the command line -------------------------------------------------------------------------


def test_cli_report_list_exposure_close(trio: Trio) -> None:
    # The CLI opens the nodes with the real clock: bring the test clock to it.
    trio.clock.now = datetime.now(UTC)  # type: ignore[attr-defined]
    item = _provided(trio)
    secrets = {"kim": "kim's early-warning passphrase", "sato": "sato's launch-day passphrase"}
    trio.kor.accounts.set_password("kim", secrets["kim"], actor="authority")
    trio.jpn.accounts.set_password("sato", secrets["sato"], actor="authority")
    runner = CliRunner()

    def accord(node: Node, who: str, *args: str) -> object:
        env = {"ACCORD_HOME": None, "ACCORD_TOKEN": None, "ACCORD_PASSWORD": secrets[who]}
        argv = [*args, "--as", who, "--json", "--home", str(node.ctx.home.root)]
        result = runner.invoke(app, argv, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def deliver() -> None:
        trio.clock.now = datetime.now(UTC)  # type: ignore[attr-defined]  # past the CLI's envelopes
        trio.deliver(trio.kor)

    opened = accord(
        trio.kor, "kim", "compromise", "report", item, "--possible", "--circumstances", "Seen on a screen."
    )
    assert isinstance(opened, dict)
    assert (opened["actual"], opened["originators"]) == (False, ["jpn-mod"])
    found = accord(trio.kor, "kim", "compromise", "exposure", item)
    assert isinstance(found, dict)
    assert found["received_from"] == "jpn-mod"
    deliver()
    (seen,) = accord(trio.jpn, "sato", "compromise", "list")  # type: ignore[misc]
    assert (seen["id"], seen["status"]) == (opened["id"], "open")
    accord(
        trio.kor,
        "kim",
        "compromise",
        "close",
        str(opened["id"]),
        "--findings",
        "Glare.",
        "--measures",
        "Screens.",
    )
    deliver()
    (seen,) = accord(trio.jpn, "sato", "compromise", "list", "--status", "closed")  # type: ignore[misc]
    assert (seen["findings"], seen["measures"]) == ("Glare.", "Screens.")


def test_exposure_and_the_journal_count_a_search_that_showed_the_item(trio: Trio) -> None:
    """A search's result page shows the title and a snippet: who saw it there could have seen it
    (Art. 17), and ``journal list --item`` finds that search, as it finds a listing that showed it.
    A search that only counted the item (not on its page) showed nothing of it."""
    item = _provided(trio, title="Hwasong apogee")
    trio.clock.advance(minutes=1)  # type: ignore[attr-defined]
    newer = _provided(trio, title="Hwasong photographs")
    trio.kor.users.add(
        NewUser("park", role="analyst", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.users.add(
        NewUser("han", role="analyst", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    shown = trio.kor.items.search.search("apogee", actor="park", filters=SearchFilters())
    assert [h.view.id for h in shown.hits] == [item]
    counted = trio.kor.items.search.search("hwasong", actor="han", filters=SearchFilters(), limit=1)
    assert ([h.view.id for h in counted.hits], counted.total) == ([newer], 2)
    trio.kor.items.inbox(actor="kim")

    at_kor = trio.kor.compromise.exposure(item, actor="kim")
    assert [(r["who"], r["action"]) for r in at_kor.listed] == [
        ("park", "item.search"),
        ("kim", "item.inbox"),
    ]
    assert at_kor.seqs == sorted(int(str(e["seq"])) for e in at_kor.listed)

    def about(item_id: str, action: str | None = None) -> list[tuple[str, str]]:
        where = JournalFilter(item_id=item_id, action=action)
        page = trio.kor.journal.listing(actor="kim", where=where, limit=1000)
        return [(e.actor, e.action) for e in page.events]

    assert about(item, "item.search") == [("park", "item.search")]
    assert about(newer, "item.search") == [("han", "item.search")]
    assert ("kim", "item.inbox") in about(item)


def test_search_from_takes_the_node_id_a_result_shows(trio: Trio) -> None:
    """``from`` in a result is the node an item came from: ``--from`` takes it, as the party."""
    item = _provided(trio, title="Hwasong apogee")
    search = trio.kor.items.search
    (hit,) = search.search("apogee", actor="kim", filters=SearchFilters()).hits
    node = str(hit.to_dict()["from"])
    assert node == "jpn-mod"
    for typed in (node, node.upper(), "JPN"):
        assert search.matching_ids(
            "apogee", actor="kim", filters=SearchFilters(from_party=typed), limit=5
        ) == (
            [item],
            1,
        )
    for typed in ("kor-mnd", "KOR"):  # this node's own id and party: none of its items match
        assert search.matching_ids(
            "apogee", actor="kim", filters=SearchFilters(from_party=typed), limit=5
        ) == (
            [],
            0,
        )
    assert set(search.filter_refusals(SearchFilters(from_party="xyz-mod"))) == {"from"}

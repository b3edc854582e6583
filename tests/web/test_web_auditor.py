"""The auditor's pages in process: journal with filters and paging, ledger, witnesses, alarms."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

import pytest
from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.errors import StorageError
from accord.exchange import CHECKPOINT_PURPOSE, CheckpointStatement, SignedCheckpoint
from accord.items import Precedence
from accord.ledger import Checkpoint
from accord.node import NewUser, Node
from accord.node.audit import VerifyReport
from accord.node.core import Act
from accord.node.transfer import Outgoing
from accord.node.transfer._control import NO_ITEM
from support_federation import Loopback


def _auditor(console: ConsoleWorld) -> ConsoleClient:
    """``choi``, KOR's auditor, signed in."""
    console.kor.users.add(NewUser("choi", role="auditor", clearance="대외비", ntk=[]), actor="authority")
    console.kor.accounts.set_password("choi", PASSWORD, actor="authority")
    client = console.client()
    assert client.sign_in("choi").status_code == 200
    return client


def _deliver(sender: Node, receiver: Node) -> None:
    for peer, lane in sender.delivery.peers_with_pending():
        sender.delivery.deliver_once(peer, lane, Loopback(receiver))


def _fork(console: ConsoleWorld) -> int:
    """JPN shows KOR two roots for one size: KOR raises a fork alarm; its id."""
    jpn, kor = console.jpn, console.kor
    held = jpn.ledger.seal() or jpn.ledger.latest_checkpoint()
    assert held is not None
    jpn.witness.publish()
    _deliver(jpn, kor)
    cp = held.checkpoint
    forged = Checkpoint("jpn-mod", cp.size, b"\x09" * 32, cp.timestamp)
    signed = SignedCheckpoint(forged, jpn.ctx.keys.sign(CHECKPOINT_PURPOSE, forged.statement()))
    statement = CheckpointStatement(signed.checkpoint, signed.signature, cp.size, ())
    now = jpn.ctx.now()
    with jpn.ctx.db.transaction() as session:
        jpn.sending.enqueue(
            session,
            Outgoing(
                kind="checkpoint",
                card=jpn.parties.card(session, "kor-mnd"),
                agreement=jpn.agreements.any_in_force_with(session, "KOR", now),
                precedence=Precedence.ROUTINE,
                item_id=NO_ITEM,
                payload=statement.to_bytes(),
            ),
            Act("test", now),
        )
    _deliver(jpn, kor)
    [alarm] = kor.witness.alarms()
    return int(str(alarm["id"]))


def _seqs(page: str) -> list[int]:
    return [int(seq) for seq in re.findall(r'<a href="/audit/journal/(\d+)">', page)]


def test_the_auditor_reads_the_journal_filtered_and_by_pages(console: ConsoleWorld) -> None:
    choi = _auditor(console)
    page = choi.get("/audit/journal?action=user.*")
    assert page.status_code == 200
    assert 'href="/audit/journal"' in page.text  # the auditor's own links
    assert 'href="/authority/users"' not in page.text
    rows = page.text.split("<tbody>")[1]
    assert "user.add" in rows
    assert "item.create" not in rows
    first_page = choi.get("/audit/journal?limit=5").text
    first = _seqs(first_page)
    assert len(first) == 5
    more = re.search(r'href="/audit/journal(\?[^"]+)" rel="next"', first_page)
    assert more is not None
    assert f"after={first[-1]}" in more[1]
    assert "limit=5" in more[1]
    second = _seqs(choi.get("/audit/journal" + more[1].replace("&amp;", "&")).text)
    assert second[0] > first[-1]
    refusals = choi.get("/audit/journal?refusals=true").text.split("<tbody>")[1]
    assert "item.create" not in refusals
    event = choi.get(f"/audit/journal/{first[0]}")
    assert event.status_code == 200
    shown = console.kor.journal.show(first[0], actor="choi")
    assert shown.action in event.text
    assert all(key in event.text.split('class="detail"')[1] for key in shown.detail)
    assert choi.get("/audit/journal/999999").status_code == 404


def test_a_bad_filter_is_shown_beside_the_filters(console: ConsoleWorld) -> None:
    choi = _auditor(console)
    refused = choi.get("/audit/journal?since=yesterday")
    assert refused.status_code == 400
    assert "yesterday" in refused.text.split('role="search"')[1].split("</form>")[0]
    assert "a page holds 1 to 1000 events" in choi.get("/audit/journal?limit=5000").text
    assert choi.get("/audit/journal?after=x").status_code == 400  # malformed: refused, journalled
    last = console.kor.journal.listing(actor="choi", after=0, limit=1000).events
    assert [e.action for e in last if e.outcome == "refused"][-1] == "console.malformed"


def test_an_analyst_is_refused_the_journal_and_the_ledger(console: ConsoleWorld) -> None:
    lee = console.client()
    lee.sign_in("lee")
    for path in (
        "/audit/journal",
        "/audit/ledger",
        "/audit/ledger/verify",
        "/audit/witnesses",
        "/audit/alarms",
    ):
        refused = lee.get(path)
        assert refused.status_code == 403, path
        assert "the analyst role may not" in refused.text, path


def _verified(console: ConsoleWorld) -> list[tuple[str, str]]:
    events = console.kor.journal.listing(actor="choi", after=0, limit=1000).events
    return [(e.actor, e.outcome) for e in events if e.action == "ledger.verify"]


def test_the_ledger_is_verified_from_its_page(console: ConsoleWorld) -> None:
    choi = _auditor(console)
    console.kor.ledger.seal()
    page = choi.get("/audit/ledger")
    assert page.status_code == 200
    assert str(console.kor.ledger.size()) in page.text
    assert "<progress" not in page.text  # nothing runs yet
    started = choi.post("/audit/ledger/verify", data={"csrf": choi.csrf("/audit/ledger")})
    assert started.status_code == 200
    assert started.url.path == "/audit/ledger"  # the page follows the run (POST, then GET)
    assert 'id="verify-result"' in started.text
    assert choi.app.state.console.ledger_run.wait(60)
    done = choi.get("/audit/ledger/verify", headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert "Ledger intact" in done.text
    assert "Verified by choi." in done.text
    assert "hx-trigger" not in done.text  # done: the page stops asking
    assert "<h1>" not in done.text  # a fragment
    assert "Ledger intact" in choi.get("/audit/ledger").text  # the last run stays on the page
    assert _verified(console) == [("choi", "ok")]
    assert choi.post("/audit/ledger/verify", data={"csrf": "forged"}).status_code == 403
    assert _verified(console) == [("choi", "ok")]


def test_a_running_verification_shows_its_progress_and_is_not_started_twice(
    console: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    choi = _auditor(console)
    gate = threading.Event()
    verify = console.kor.ledger.verify

    def held(*, actor: str, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
        # The node's own verification, once the test has seen it part-way (3 of 10 leaves).
        assert progress is not None
        progress(3, 10)
        assert gate.wait(60)
        return verify(actor=actor, progress=progress)

    monkeypatch.setattr(console.kor.ledger, "verify", held)
    token = choi.csrf("/audit/ledger")
    page = choi.post("/audit/ledger/verify", data={"csrf": token}).text
    assert 'hx-get="/audit/ledger/verify" hx-trigger="every 1s"' in page
    try:
        for _ in range(500):
            fragment = choi.get("/audit/ledger/verify", headers={"HX-Request": "true"}).text
            if 'value="3"' in fragment:
                break
            time.sleep(0.01)
        assert '<progress id="verify-progress" max="10" value="3"' in fragment
        assert "3 of 10 leaves checked" in fragment
        assert 'hx-trigger="every 1s"' in fragment  # it asks again
        assert "started by choi" in fragment
        again = choi.post("/audit/ledger/verify", data={"csrf": token})  # follows the run
        assert 'value="3"' in again.text
    finally:
        gate.set()
    assert choi.app.state.console.ledger_run.wait(60)
    assert "Ledger intact" in choi.get("/audit/ledger/verify").text
    assert _verified(console) == [("choi", "ok")]  # one run, journalled once


def test_a_verification_that_cannot_finish_says_so(
    console: ConsoleWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    choi = _auditor(console)

    def broken(*, actor: str, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
        raise StorageError("the database is unreachable")

    monkeypatch.setattr(console.kor.ledger, "verify", broken)
    choi.post("/audit/ledger/verify", data={"csrf": choi.csrf("/audit/ledger")})
    assert choi.app.state.console.ledger_run.wait(60)
    fragment = choi.get("/audit/ledger/verify").text
    assert "The verification started by choi could not finish: the database is unreachable" in fragment
    assert 'role="alert"' in fragment
    assert "hx-trigger" not in fragment
    monkeypatch.undo()  # the next run is the node's own again
    choi.post("/audit/ledger/verify", data={"csrf": choi.csrf("/audit/ledger")})
    assert choi.app.state.console.ledger_run.wait(60)
    assert "Ledger intact" in choi.get("/audit/ledger/verify").text


def test_witnesses_show_the_partner_and_its_countersignatures(console: ConsoleWorld) -> None:
    choi = _auditor(console)
    page = choi.get("/audit/witnesses")
    assert page.status_code == 200
    assert "jpn-mod" in page.text


def test_an_officer_acknowledges_an_alarm_and_an_auditor_may_not(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    alarm_id = _fork(console)
    choi = _auditor(console)
    page = choi.get("/audit/alarms").text
    assert f'id="alarm-{alarm_id}"' in page
    assert f'action="/audit/alarms/{alarm_id}/ack"' not in page  # the auditor decides nothing
    assert page.count('<pre class="detail">') == 2  # the held and the presented checkpoints
    assert "0909090909" in page  # the forged root
    refused = choi.post(f"/audit/alarms/{alarm_id}/ack", data={"csrf": choi.csrf(), "finding": "seen"})
    assert refused.status_code == 403
    assert "the auditor role may not" in refused.text
    assert f'action="/audit/alarms/{alarm_id}/ack"' in signed_in.get("/audit/alarms").text
    bad = signed_in.post(f"/audit/alarms/{alarm_id}/ack", data={"csrf": signed_in.csrf(), "finding": " "})
    assert bad.status_code == 400
    assert "a finding is 1 to" in bad.text
    done = signed_in.post(
        f"/audit/alarms/{alarm_id}/ack", data={"csrf": signed_in.csrf(), "finding": "JPN restored a backup."}
    )
    assert done.status_code == 200
    assert "JPN restored a backup." in done.text
    assert console.kor.witness.alarms()[0]["status"] == "acknowledged"
    missing = signed_in.post("/audit/alarms/999/ack", data={"csrf": signed_in.csrf(), "finding": "x"})
    assert missing.status_code == 404


def test_a_forged_acknowledgement_changes_nothing(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    alarm_id = _fork(console)
    forged = signed_in.post(f"/audit/alarms/{alarm_id}/ack", data={"csrf": "forged", "finding": "x"})
    assert forged.status_code == 403
    malformed = signed_in.post(f"/audit/alarms/{alarm_id}/ack", data={"csrf": signed_in.csrf()})
    assert malformed.status_code == 400
    assert console.kor.witness.alarms()[0]["status"] == "open"

"""The sender re-checks the agreement when an envelope leaves (issue 10 item 16, Art. 21).

An envelope queued while the agreement was in force is held, not sent, once the agreement
has terminated: visible in the outbox with the reason, journalled, never deleted. Messages
about CMI already held (here a destruction certificate) still go, by the receiver's own rule.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from support_node import FederationLike, events

from accord.agreements import NoteKind
from accord.errors import NotFound
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, Node, NoteDraft
from support_federation import Loopback

TERMINATED = datetime(2027, 11, 22, 15, 30, tzinfo=UTC)  # 2027-11-23 00:30 in Seoul


def _item(node: Node, actor: str, level: str, rel: list[str]) -> str:
    return node.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "report", "text", "Assessment"),
            LabelRequest(level, rel, ["DPRK-MISSILE"]),
            Precedence.ROUTINE,
        ),
        actor=actor,
    ).id


def _deliver(sender: Node, receiver: Node) -> int:
    sent = 0
    for peer, lane in sender.delivery.peers_with_pending():
        sent += sender.delivery.deliver_once(peer, lane, Loopback(receiver)).sent
    return sent


def _terminate(federation: FederationLike) -> None:
    """KOR gives notice today (2026-11-25): the agreement ends 2027-11-23 00:00 Asia/Seoul."""
    notice = federation.kor.agreements.issue_note(
        federation.agreement_id,
        NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2026, 11, 25)),
        actor="authority",
    )
    federation.jpn.agreements.import_note(notice.to_json(), actor="authority")
    federation.clock.now = TERMINATED


def test_an_envelope_queued_before_termination_is_held_not_sent(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = _item(jpn, "sato", "秘", ["KOR"])
    [queued] = jpn.sending.send(item, to="KOR", actor="sato")
    _terminate(federation)
    assert _deliver(jpn, kor) == 0
    [entry] = jpn.delivery.outbox()
    assert (entry.message_id, entry.status) == (queued.message_id, "held")
    assert entry.last_error == (
        "held: JPN-KOR-GSOMIA-2016 is terminated on 2027-11-23 in Asia/Seoul: "
        "nothing new travels under it (Art. 21)"
    )
    held = [e for e in events(jpn) if e.action == "outbox.held"]
    assert [(e.outcome, e.item_id, e.detail["message_id"]) for e in held] == [
        ("refused", item, queued.message_id)
    ]
    # Nothing reached the receiver, and nothing was deleted.
    assert kor.receiving.quarantine() == []
    assert kor.items.inbox(actor="kim").views == []
    assert [e.message_id for e in jpn.delivery.outbox(include_done=True)] == [queued.message_id]
    # Held once: later attempts neither send it nor journal it again.
    assert _deliver(jpn, kor) == 0
    assert len([e for e in events(jpn) if e.action == "outbox.held"]) == 1


def test_a_bundle_does_not_carry_what_may_no_longer_go(federation: FederationLike, tmp_path: Path) -> None:
    jpn = federation.jpn
    jpn.sending.send(_item(jpn, "sato", "秘", ["KOR"]), to="KOR", actor="sato")
    _terminate(federation)
    with pytest.raises(NotFound, match="nothing is pending"):
        jpn.bundles.export(to="KOR", path=tmp_path / "out.accord", actor="sato")
    assert [e.status for e in jpn.delivery.outbox()] == ["held"]


def test_a_destruction_certificate_still_goes_after_termination(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    item = _item(jpn, "sato", "秘", ["KOR"])
    jpn.sending.send(item, to="KOR", actor="sato")
    assert _deliver(jpn, kor) == 1  # received while in force
    kor_item = _item(kor, "kim", "군사Ⅲ급비밀", ["JPN"])
    [kor_release] = kor.sending.send(kor_item, to="JPN", actor="kim")  # queued while in force
    _terminate(federation)
    kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    # Protection survives termination (Art. 21): the certificate goes; the new release is held.
    assert _deliver(kor, jpn) == 1
    statuses = {e.message_id: e.status for e in kor.delivery.outbox(include_done=True)}
    assert statuses.pop(kor_release.message_id) == "held"
    assert set(statuses.values()) == {"receipted"}
    assert jpn.receiving.quarantine() == []

"""A consent request is accepted only from a node the item itself was provided to, not one that only received
a notice about it (Art. 6; regression)."""

from __future__ import annotations

from sqlalchemy import select
from test_node_consent import _ask_and_approve, _jpn_report

from accord.store import ConsentRow


def _pending_at_jpn(trio):
    with trio.jpn.ctx.db.transaction(read_only=True) as s:
        return [
            r.holder_party
            for r in s.scalars(
                select(ConsentRow).where(ConsentRow.direction == "in", ConsentRow.status == "pending")
            )
        ]


def test_consent_request_from_a_node_only_sent_a_notice(trio):
    item = _jpn_report(trio)
    _ask_and_approve(trio, item)  # KOR asks for USA; JPN approves
    trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver(trio.kor)
    # Before any JPN -> USA envelope, USA's own request is refused ("never provided").
    trio.usa.consents.request(item, to="KOR", purpose="probe 1", actor="smith")
    trio.deliver(trio.usa)
    assert "USA" not in _pending_at_jpn(trio)
    # JPN downgrades: the notice goes to USA (a consented third party) -> an outbox row (item, usa-dod).
    trio.jpn.notices.downgrade(item, to="秘", reason="r", actor="sato")
    trio.deliver(trio.jpn)
    trio.usa.consents.request(item, to="KOR", purpose="probe 2", actor="smith")
    trio.deliver(trio.usa)
    assert "USA" not in _pending_at_jpn(trio), (
        "JPN accepted a consent request from a node it never provided the item to"
    )

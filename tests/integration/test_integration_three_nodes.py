"""JPN, KOR and USA served on 127.0.0.1 over mutual TLS: consent, TISA relay, revocation, downgrade.

Each node runs its real peer server and delivery worker (``accord serve``'s parts); nothing
is called across nodes except through the network. Agreements: Japan–ROK GSOMIA, US–Japan
GSOMIA, US–ROK and TISA, all in force.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from accord.cli._serve import running
from accord.errors import PolicyDenied, TransportError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import (
    NO_ITEM,
    ConsentGrant,
    DeliveryWorker,
    LabelRequest,
    NewItem,
    NewNode,
    NewUser,
    Node,
    example_agreement,
    federate,
)
from accord.store import ConsentRow, DestructionRow, ItemRow

pytestmark = pytest.mark.slow


def _ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Served:
    def __init__(self, nodes: dict[str, Node], workers: list[DeliveryWorker]) -> None:
        self.nodes = nodes
        self.workers = workers

    def settle(self, *, strict: bool = True) -> None:
        """Wake every worker and wait until nothing is pending anywhere (``strict``: nor rejected)."""
        for _ in range(3):
            for worker in self.workers:
                worker.wake()
            assert all(worker.wait_until_idle(120) for worker in self.workers), "delivery did not settle"
        # The ledger witnessing goes on in the background (it names no item).
        left = [e.to_dict() for n in self.nodes.values() for e in n.delivery.outbox() if e.item_id != NO_ITEM]
        if left and strict:
            raise TransportError(f"still pending: {left}")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    ports = _ports(3)
    nodes: dict[str, Node] = {}
    for (party, node_id), port in zip(
        (("JPN", "jpn-mod"), ("KOR", "kor-mnd"), ("USA", "usa-dod")), ports, strict=True
    ):
        nodes[party] = Node.init(
            tmp_path / party.lower(),
            NewNode(party=party, node_id=node_id, endpoint=f"https://127.0.0.1:{port}"),
        )
    jpn, kor, usa = nodes["JPN"], nodes["KOR"], nodes["USA"]
    federate([jpn, kor], example_agreement("jpn-kor-gsomia-2016.toml"), in_force_on=date(2016, 11, 23))
    federate([usa, jpn], example_agreement("usa-jpn-gsomia-2007.toml"), in_force_on=date(2007, 8, 10))
    federate([usa, kor], example_agreement("usa-kor-1987.toml"), in_force_on=date(1987, 9, 24))
    federate([usa, jpn, kor], example_agreement("tisa-2014.toml"), in_force_on=date(2014, 12, 29))
    topics = ["DPRK-MISSILE"]
    jpn.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=topics), actor="authority")
    kor.users.add(NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=topics), actor="authority")
    usa.users.add(NewUser("smith", role="officer", clearance="SECRET", ntk=topics), actor="authority")
    with ExitStack() as stack:
        workers = []
        for node, port in zip((jpn, kor, usa), ports, strict=True):
            _, worker = stack.enter_context(running(node, "127.0.0.1", port))
            workers.append(worker)
        yield Served(nodes, workers)
        # Every worker stops before any server does: none is left sending (the ledger
        # witnessing runs in the background) to a server that is going away.
        for worker in workers:
            worker.stop()
    for node in nodes.values():
        node.close()


def _report(node: Node, actor: str, rel: list[str], agreement: str) -> str:
    return node.items.create(
        NewItem(
            ItemContent(
                ItemKind.REPORT, "Hwasong-18 telemetry", "Stage separation at T+140 s.", "DPRK-MISSILE"
            ),
            LabelRequest("極秘", rel, ["DPRK-MISSILE"], agreement=agreement),
            Precedence.PRIORITY,
        ),
        actor=actor,
    ).id


def _consent(s: Served, holder: Node, actor: str, item: str, to: str) -> str:
    asked = holder.consents.request(item, to=to, purpose="Allied missile warning", actor=actor)
    s.settle()
    jpn = s.nodes["JPN"]
    assert [v.id for v in jpn.consents.listing(actor="sato", status="pending")] == [asked.id]
    approved = jpn.consents.approve(asked.id, actor="sato", grant=ConsentGrant(days=7))
    s.settle()
    (back,) = [v for v in holder.consents.listing(actor=actor) if v.id == asked.id]
    assert back.status == "approved"
    assert back.token_id == approved.token_id
    assert approved.token_id is not None
    return approved.token_id


def test_consent_flow_over_mutual_tls(served: Served) -> None:
    jpn, kor, usa = served.nodes["JPN"], served.nodes["KOR"], served.nodes["USA"]
    item = _report(jpn, "sato", ["KOR"], "JPN-KOR-GSOMIA-2016")
    jpn.sending.send(item, to="KOR", actor="sato")
    served.settle()
    with pytest.raises(PolicyDenied, match="prior written consent"):
        kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    token = _consent(served, kor, "kim", item, "USA")
    kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    served.settle()
    held = usa.items.show(item, actor="smith")
    assert held.received_from == "kor-mnd"
    assert held.banners[0].startswith("SECRET // PROVIDED BY JPN: 極秘")
    # Revocation reaches the holder and the third party; USA's nationals lose access.
    jpn.consents.revoke(token, reason="Source compromised", actor="sato")
    served.settle()
    for node in (kor, usa):
        with node.ctx.db.transaction(read_only=True) as session:
            row = session.scalar(select(ConsentRow).where(ConsentRow.token_id == token))
            assert row is not None
            assert row.status == "revoked"
    with usa.ctx.db.transaction(read_only=True) as session:
        assert session.get_one(ItemRow, item).status == "consent-revoked"
    assert usa.items.inbox(actor="smith").views == []
    # ... but the holding stays accounted for (Arts. 6, 16): listed, reported, destroyed and certified.
    (line,) = [h for h in usa.register.holdings(actor="smith") if h.item_id == item]
    assert line.status == "consent-revoked"
    summary = usa.register.summary("JPN", actor="smith")
    assert jpn.register.reconcile("USA", summary.to_bytes(), actor="sato").differences == []
    usa.users.add(
        NewUser("white", role="officer", clearance="SECRET", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    done = usa.custody.destroy(item, method="shredded", witness="white", actor="smith")
    served.settle()
    with jpn.ctx.db.transaction(read_only=True) as session:
        (received,) = session.scalars(select(DestructionRow).where(DestructionRow.item_id == item)).all()
        assert (received.id, received.holder_node) == (done.certificate.certificate_id, "usa-dod")


def test_tisa_relay_and_downgrade_over_mutual_tls(served: Served) -> None:
    jpn, kor, usa = served.nodes["JPN"], served.nodes["KOR"], served.nodes["USA"]
    item = _report(jpn, "sato", ["USA"], "USA-JPN-GSOMIA-2007")
    jpn.sending.send(item, to="USA", actor="sato")
    served.settle()
    _consent(served, usa, "smith", item, "KOR")
    usa.sending.send(item, to="KOR", actor="smith", agreement_id="TISA-2014")
    served.settle()
    assert kor.items.show(item, actor="kim").marking.for_scheme("KOR").classification == "군사Ⅱ급비밀"  # type: ignore[union-attr]
    # JPN downgrades: the notice goes to USA (sent) and to KOR (the third party it consented to).
    told = jpn.notices.downgrade(item, to="秘", reason="Partly public", actor="sato")
    assert sorted(told) == ["kor-mnd", "usa-dod"]
    served.settle()
    assert usa.items.show(item, actor="smith").marking.for_scheme("USA").classification == "CONFIDENTIAL"  # type: ignore[union-attr]
    assert kor.items.show(item, actor="kim").marking.for_scheme("KOR").classification == "군사Ⅲ급비밀"  # type: ignore[union-attr]


def test_forged_relay_is_refused_by_the_third_party(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    """KOR's node, compromised, skips its own consent check: USA still refuses the item."""
    jpn, kor, usa = served.nodes["JPN"], served.nodes["KOR"], served.nodes["USA"]
    item = _report(jpn, "sato", ["KOR"], "JPN-KOR-GSOMIA-2016")
    jpn.sending.send(item, to="KOR", actor="sato")
    served.settle()
    skip: Callable[..., None] = lambda *args, **kwargs: None  # noqa: E731
    monkeypatch.setattr(kor.sending._release, "consent_for", skip)
    monkeypatch.setattr(kor.access, "require_release", lambda *a, **k: _permit())
    kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    served.settle(strict=False)
    assert [e.status for e in kor.delivery.outbox() if e.item_id != NO_ITEM] == ["rejected"]
    with usa.ctx.db.transaction(read_only=True) as session:
        assert session.get(ItemRow, item) is None
    reasons = [q.reason for q in usa.receiving.quarantine()]
    assert any("without the originator's prior written consent" in r for r in reasons)


def _permit() -> object:
    from accord.policy import Decision

    return Decision(True, (), ("record-dissemination",), ())

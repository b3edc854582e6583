"""Three nodes for the consent and notice tests: JPN, KOR, USA, every agreement among them in force."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from accord.errors import TransportError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ConsentGrant, LabelRequest, NewItem, NewUser, Node, example_agreement, federate
from support_federation import Loopback, OpenGroup


@dataclass
class Trio:
    jpn: Node
    kor: Node
    usa: Node
    clock: object

    def node(self, node_id: str) -> Node:
        return {n.config.node_id: n for n in (self.jpn, self.kor, self.usa)}[node_id]

    def deliver(self, *senders: Node) -> None:
        """Deliver everything pending, until nothing moves."""
        for _ in range(4):
            moved = False
            for sender in senders or (self.jpn, self.kor, self.usa):
                for peer, lane in sender.delivery.peers_with_pending():
                    try:
                        sender.delivery.deliver_once(peer, lane, Loopback(self.node(peer)))
                    except TransportError:
                        continue
                    moved = True
            if not moved:
                return


def prepare_trio(make: Callable[[str, str], Node]) -> None:
    """JPN, KOR and USA nodes, every agreement among them in force, an officer at each."""
    jpn, kor, usa = make("JPN", "jpn-mod"), make("KOR", "kor-mnd"), make("USA", "usa-dod")
    federate([jpn, kor], example_agreement("jpn-kor-gsomia-2016.toml"), in_force_on=date(2016, 11, 23))
    federate([usa, jpn], example_agreement("usa-jpn-gsomia-2007.toml"), in_force_on=date(2007, 8, 10))
    federate([usa, kor], example_agreement("usa-kor-1987.toml"), in_force_on=date(1987, 9, 24))
    federate([usa, jpn, kor], example_agreement("tisa-2014.toml"), in_force_on=date(2014, 12, 29))
    topics = ["DPRK-MISSILE"]
    jpn.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=topics), actor="authority")
    jpn.users.add(NewUser("suzuki", role="analyst", clearance="極秘", ntk=topics), actor="authority")
    kor.users.add(NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=topics), actor="authority")
    usa.users.add(NewUser("smith", role="officer", clearance="SECRET", ntk=topics), actor="authority")


def build_trio(open_group: OpenGroup, clock: object) -> Trio:
    """Copies of the trio :func:`prepare_trio` made once per test process."""
    jpn, kor, usa = open_group("trio", prepare_trio)
    return Trio(jpn, kor, usa, clock)


def passed_on_to_usa(trio: Trio) -> tuple[str, str]:
    """A JPN report KOR's kim passed on to USA under the consent JPN's sato gave: (item, token id)."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory and impact.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    asked = trio.kor.consents.request(made.id, to="USA", purpose="Allied missile-defence cueing", actor="kim")
    trio.deliver(trio.kor)
    approved = trio.jpn.consents.approve(asked.id, actor="sato", grant=ConsentGrant(days=30))
    trio.deliver(trio.jpn)
    trio.kor.sending.send(made.id, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver()  # USA's signed receipt goes to JPN: JPN's record shows the item at USA
    assert approved.token_id is not None
    return made.id, approved.token_id

"""A served TAXII collection follows every change of an item's state that arrives from a partner (issue 13).

JPN, KOR and USA in process (``support_trio``: every check on both sides runs, over a loopback
transport). For each incoming act that changes a stored item (``STATE_CHANGES``: a disposal
request, a consent revocation, a holder's destruction certificate or compromise notice, a
downgrade or declassification), a node's TAXII views that had served and rendered the item:

* hold nothing of it once the message that changed it has been received — before any TAXII
  request (the after-commit purge: ``Node.on_item_state_changes``);
* then serve it as the node now decides: withheld (consent revoked), re-marked (downgraded),
  or as before where the node still lets its holder read it (a disposal request, until the
  holder returns or destroys it; the originator's own copy after a holder's destruction
  or compromise) — the same objects as a server started afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accord.interop._taxii_views import Collection, PageRequest, TaxiiViews
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ConsentGrant, LabelRequest, NewItem, NewUser, Node
from support_trio import Trio, build_trio

JPN_KOR = "JPN-KOR-GSOMIA-2016"


@pytest.fixture
def trio(open_group: Callable[..., list[Node]], clock: object) -> Trio:
    """JPN, KOR and USA under every agreement among them."""
    return build_trio(open_group, clock)


def _provided(trio: Trio, level: str = "秘") -> str:
    """A JPN report (DPRK-MISSILE) provided to KOR under the Japan–ROK GSOMIA."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory and impact.", "DPRK-MISSILE"),
            LabelRequest(level, ["KOR"], ["DPRK-MISSILE"], agreement=JPN_KOR),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


class Served:
    """One node's TAXII views of one agreement's collection, as one reader."""

    def __init__(self, node: Node, agreement: str, reader: str) -> None:
        self.node, self.reader = node, reader
        self.views = TaxiiViews(node)
        self.collection: Collection = next(c for c in self.views.collections() if c.agreement == agreement)

    def objects(self, views: TaxiiViews | None = None) -> dict[str, Any]:
        """The item objects (not the publisher's) of the reader's pages, by STIX id."""
        page = (views or self.views).page(self.collection, self.reader, PageRequest())
        return {o.id: o.obj for o in page.objects if o.obj["type"] in ("marking-definition", "report")}

    def reports(self) -> list[str]:
        return [o["name"] for o in self.objects().values() if o["type"] == "report"]

    def kept(self) -> set[str]:
        """The items whose renderings (decrypted content) the views keep in memory."""
        return self.views._rendered.item_ids()

    def as_a_fresh_server(self) -> bool:
        """Whether the running views serve what views started now would."""
        return self.objects() == self.objects(TaxiiViews(self.node))


def _served_and_kept(served: Served, item: str, title: str) -> None:
    assert title in served.reports()
    assert item in served.kept()


def test_a_disposal_request_received_drops_the_kept_rendering_then_destruction_ends_serving(
    trio: Trio,
) -> None:
    item = _provided(trio)
    kor = Served(trio.kor, JPN_KOR, "kim")
    _served_and_kept(kor, item, "KN-23 launch assessment")
    trio.jpn.disposal.request(item, holder="KOR", kind="destroy", reason="No longer needed", actor="sato")
    trio.deliver(trio.jpn)
    assert item not in kor.kept()  # at the commit of the request received, no TAXII request since
    # The holding is to be destroyed; until it is, its holder still reads it under the same rules.
    assert kor.reports() == ["KN-23 launch assessment"]
    assert kor.as_a_fresh_server()
    trio.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    assert item not in kor.kept()
    assert kor.reports() == []
    assert kor.objects() == {}


def _ask_and_approve(trio: Trio, item: str) -> str:
    asked = trio.kor.consents.request(item, to="USA", purpose="Allied cueing", actor="kim")
    trio.deliver(trio.kor)
    approved = trio.jpn.consents.approve(asked.id, actor="sato", grant=ConsentGrant(days=30))
    trio.deliver(trio.jpn)
    assert approved.token_id is not None
    return approved.token_id


def test_a_consent_revocation_received_ends_serving_at_the_third_party(trio: Trio) -> None:
    item = _provided(trio)
    token_id = _ask_and_approve(trio, item)
    trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver(trio.kor)
    usa = Served(trio.usa, "TISA-2014", "smith")  # its label at USA: under TISA
    _served_and_kept(usa, item, "KN-23 launch assessment")
    trio.jpn.consents.revoke(token_id, reason="Source compromised", actor="sato")
    trio.deliver(trio.jpn)
    assert item not in usa.kept()  # at the commit of the revocation received
    # Held under a consent now revoked: no longer released to USA's people (Art. 6).
    assert usa.reports() == []
    assert usa.objects() == {}
    assert usa.as_a_fresh_server()


@pytest.mark.parametrize("change", ["destruction", "compromise"])
def test_a_holders_destruction_or_compromise_received_at_the_originator_drops_the_kept_rendering(
    trio: Trio, change: str
) -> None:
    item = _provided(trio)
    jpn = Served(trio.jpn, JPN_KOR, "sato")
    _served_and_kept(jpn, item, "KN-23 launch assessment")
    if change == "destruction":
        trio.kor.users.add(
            NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
        )
        trio.kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    else:
        trio.kor.compromise.report(
            [item], actual=True, circumstances="Copy missing from the safe.", actor="kim"
        )
    trio.deliver(trio.kor)
    assert item not in jpn.kept()  # at the commit of the certificate or notice received
    # The originator's own copy was neither destroyed nor compromised: still served, as it is.
    assert jpn.reports() == ["KN-23 launch assessment"]
    assert jpn.as_a_fresh_server()


def test_a_downgrade_received_re_marks_the_served_item(trio: Trio) -> None:
    item = _provided(trio, "極秘")
    kor = Served(trio.kor, JPN_KOR, "kim")
    _served_and_kept(kor, item, "KN-23 launch assessment")
    before = kor.objects()
    trio.clock.advance(seconds=1)  # type: ignore[attr-defined]
    trio.jpn.notices.downgrade(item, to="秘", reason="Public in part", actor="sato")
    trio.deliver(trio.jpn)
    assert item not in kor.kept()  # at the commit of the notice received
    after = kor.objects()
    (report,) = [o for o in after.values() if o["type"] == "report"]
    (old,) = [o for o in before.values() if o["type"] == "report"]
    assert report["object_marking_refs"] != old["object_marking_refs"]
    assert all(ref in after for ref in report["object_marking_refs"])  # its new markings are served
    assert kor.as_a_fresh_server()


def test_a_declassification_received_drops_the_kept_rendering(trio: Trio) -> None:
    item = _provided(trio)
    kor = Served(trio.kor, JPN_KOR, "kim")
    _served_and_kept(kor, item, "KN-23 launch assessment")
    trio.jpn.notices.downgrade(item, to=None, declassify=True, reason="Public release", actor="sato")
    trio.deliver(trio.jpn)
    assert item not in kor.kept()  # at the commit of the notice received
    assert kor.reports() == ["KN-23 launch assessment"]
    assert kor.as_a_fresh_server()

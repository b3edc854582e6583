"""A declassification notice never revives a destroyed holding (Arts. 6, 16; regression)."""

from __future__ import annotations

from test_node_consent import _jpn_report

from accord.node import NewUser
from accord.store import ItemRow


def test_declassify_after_destruction(trio):
    item = _jpn_report(trio)
    trio.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    trio.deliver(trio.kor)
    trio.jpn.notices.downgrade(item, to=None, declassify=True, reason="public", actor="sato")
    trio.deliver(trio.jpn)
    with trio.kor.ctx.db.transaction(read_only=True) as s:
        status = s.get_one(ItemRow, item).status
    listing = trio.kor.items.listing(actor="kim")
    print(
        status,
        [d.id for d in listing.damaged],
        [h.to_dict().get("status") for h in trio.kor.register.holdings(actor="kim")],
    )
    assert status == "destroyed"

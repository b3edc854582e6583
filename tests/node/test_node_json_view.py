"""The JSON view of the node's result dataclasses (accord/json_view.py).

Every ``--json`` output and API body built on :class:`JsonView` or :func:`json_view` keeps its
keys in the order written here and its values as shown: the literal texts are what the
hand-written ``to_dict`` methods gave before they were replaced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from accord.items import Precedence
from accord.json_view import JsonView, json_ready, json_view
from accord.node.audit._journal import JournalPage
from accord.node.audit._verify_report import Finding, VerifyReport
from accord.node.custody._compromise_case import CaseView
from accord.node.custody._reconciliation import Difference, Reconciliation
from accord.node.holdings._item_types import Equivalent
from accord.node.registry._accounts import TokenInfo
from accord.node.transfer._bundles import BundleSummary
from accord.node.transfer._sealing import Sent


def _text(view: object) -> str:
    assert hasattr(view, "to_dict")
    return json.dumps(view.to_dict())


@dataclass(frozen=True)
class _Inner(JsonView):
    name: str


@dataclass(frozen=True)
class _Outer(JsonView):
    precedence: Precedence
    path: Path | None
    inner: _Inner
    many: tuple[_Inner, ...]
    pairs: tuple[tuple[int, int], ...]
    plain: dict[str, object]
    hidden: str = "x"


def test_json_ready_turns_enums_paths_tuples_and_nested_views_into_json_data() -> None:
    outer = _Outer(
        Precedence.FLASH, Path("bundles/b.accord"), _Inner("a"), (_Inner("b"),), ((1, 2),), {"k": (1,)}
    )

    assert json_view(outer, leave_out={"hidden"}) == {
        "precedence": "FLASH",
        "path": "bundles/b.accord",
        "inner": {"name": "a"},
        "many": [{"name": "b"}],
        "pairs": [[1, 2]],
        "plain": {"k": (1,)},  # a dict is taken as ready
    }
    assert list(outer.to_dict()) == ["precedence", "path", "inner", "many", "pairs", "plain", "hidden"]
    assert json_ready(None) is None
    assert json_ready("flash") == "flash"


def test_results_keep_their_json_text() -> None:
    finding = Finding(3, "altered", "leaf 3 differs")
    assert _text(finding) == '{"index": 3, "kind": "altered", "message": "leaf 3 differs"}'
    report = VerifyReport(4, 1, 0, findings=(finding,), count=1, consequences=(8,))
    shown = '{"index": 3, "kind": "altered", "message": "leaf 3 differs"}'
    assert _text(report) == (
        f'{{"ok": false, "leaves": 4, "checkpoints": 1, "unsealed": 0, "first": {shown}, '
        f'"findings": [{shown}], "count": 1, "consequences": [8]}}'
    )
    assert _text(Equivalent("KOR-JPN-1", "JPN", "GOKUHI", "GOKUHI", None)) == (
        '{"agreement_id": "KOR-JPN-1", "party": "JPN", "level": "GOKUHI", "banner": "GOKUHI", '
        '"refusal": null}'
    )
    token = TokenInfo("0123456789abcdef", "kim", "2026-12-01T00:00:00Z", "2027-03-01T00:00:00Z", False, None)
    assert _text(token) == (
        '{"id": "0123456789abcdef", "user": "kim", "created_at": "2026-12-01T00:00:00Z", '
        '"expires_at": "2027-03-01T00:00:00Z", "revoked": false, "last_used_at": null}'
    )
    sent = Sent("msg-1", "jpn-node", "JPN", "KOR-JPN-1", Precedence.PRIORITY, 7, digest="ab" * 48)
    assert _text(sent) == (
        '{"message_id": "msg-1", "peer": "jpn-node", "party": "JPN", "agreement_id": "KOR-JPN-1", '
        '"precedence": "PRIORITY", "seq": 7}'
    )


def test_bundle_summary_keeps_its_key_order_and_shows_the_return_bundle_as_text() -> None:
    summary = BundleSummary(
        "receipts", "jpn-node", envelopes=2, blobs=1, receipts=2, rejected=1, size=900, new=1
    )
    assert _text(summary) == (
        '{"kind": "receipts", "peer": "jpn-node", "envelopes": 2, "blobs": 1, "receipts": 2, "new": 1, '
        '"already_received": 0, "rejected": 1, "size": 900, "return_bundle": null}'
    )
    back = BundleSummary("transmission", "kor-node", return_bundle=Path("bundles/back.accord"))
    assert back.to_dict()["return_bundle"] == "bundles/back.accord"


def test_views_with_nested_results_and_tuples() -> None:
    reconciliation = Reconciliation("sum-1", "jpn-node", 2, [Difference("missing", "item-1", "not reported")])
    assert _text(reconciliation) == (
        '{"summary_id": "sum-1", "holder_node": "jpn-node", "items_compared": 2, "differences": '
        '[{"kind": "missing", "item_id": "item-1", "detail": "not reported"}]}'
    )
    case = CaseView(
        id="case-1",
        direction="out",
        reporting_node="kor-node",
        reporting_party="KOR",
        actual=True,
        circumstances="lost",
        opened_by="officer",
        opened_at="2026-12-01T00:00:00Z",
        received_at=None,
        status="open",
        items=("item-1", "item-2"),
        originators=("jpn-node",),
        findings=None,
        measures=None,
        closed_by=None,
        closed_at=None,
    )
    shown = case.to_dict()
    assert list(shown)[:3] == ["id", "direction", "reporting_node"]
    assert (shown["items"], shown["originators"]) == (["item-1", "item-2"], ["jpn-node"])
    assert _text(JournalPage(events=(), next_after=None)) == '{"events": [], "next_after": null}'


def test_a_field_left_out_must_exist() -> None:
    """A renamed field must not start showing because the name left out no longer matches."""
    sent = Sent("m-1", "KOR", "KOR", "JPN-KOR-2016", Precedence.ROUTINE, 1, "digest")
    with pytest.raises(ValueError, match=r"Sent has no field \['secret'\] to leave out"):
        json_view(sent, leave_out={"secret"})

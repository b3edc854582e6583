"""The disposal request (originator → holder, Arts. 15, 21) checks its peer text like every format."""

from __future__ import annotations

import re

import pytest

from accord.errors import InvalidInput
from accord.exchange import DisposalRequest

AT = "2026-11-25T09:00:00Z"


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u2066", "\u2069", "\u2028", "\x85", "\n"])
def test_a_disposal_request_refuses_bidirectional_and_control_characters_in_its_reason(mark: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(f"U+{ord(mark):04X}")):
        DisposalRequest("item-0001", "destroy", f"superseded{mark}by revision 2", "sato", AT)


def test_a_disposal_request_from_a_peer_with_a_bidi_override_is_refused() -> None:
    sent = (
        b'{"item_id":"item-0001","kind":"destroy","reason":"keep \\u202eyortsed",'
        b'"requested_at":"2026-11-25T09:00:00Z","requested_by":"sato"}'
    )
    with pytest.raises(InvalidInput, match=re.escape("U+202E")):
        DisposalRequest.parse(sent)


def test_a_disposal_request_holds_its_reason_nfc_normalised_and_stripped() -> None:
    request = DisposalRequest("item-0001", "return", "  Cafe\u0301 closed  ", "sato", AT)
    assert request.reason == "Café closed"
    assert DisposalRequest.parse(request.to_bytes()) == request
    assert "Cafe\u0301".encode() not in request.to_bytes()


@pytest.mark.parametrize(
    ("item_id", "requested_by", "requested_at", "message"),
    [
        ("Item 1", "sato", AT, "not a node or message id"),
        ("item-0001", "peer:usa-dod", AT, "not a user name"),
        ("item-0001", "sato", "2026-11-25T09:00:00", "time zone"),
        ("item-0001", "sato", "2026-11-25T18:00:00+09:00", "canonical form"),
    ],
)
def test_a_disposal_request_checks_its_item_requester_and_time(
    item_id: str, requested_by: str, requested_at: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        DisposalRequest(item_id, "destroy", "superseded", requested_by, requested_at)


def test_a_disposal_request_keeps_its_wire_bytes() -> None:
    request = DisposalRequest("item-0001", "destroy", "superseded", "sato", AT)
    assert request.to_bytes() == (
        b'{"item_id":"item-0001","kind":"destroy","reason":"superseded",'
        b'"requested_at":"2026-11-25T09:00:00Z","requested_by":"sato"}'
    )

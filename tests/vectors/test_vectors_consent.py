"""Known-answer vectors for consent and downgrade formats (tests/vectors/consent_vectors.json)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import generate_consent_vectors as gen

from accord.crypto import VerifyKeys
from accord.errors import VerificationFailed
from accord.exchange import (
    ConsentDecision,
    ConsentRequest,
    ConsentRevocation,
    ConsentToken,
    DowngradeNotice,
    ItemPayload,
)

COMMITTED = json.loads(gen.VECTORS_PATH.read_text(encoding="utf-8"))
ORIGINATOR = VerifyKeys.from_dict(COMMITTED["originator_public"])


def test_regeneration_matches_the_committed_vectors() -> None:
    # Everything but the ML-DSA halves is re-derived exactly from the committed ones.
    assert gen.regenerate_from(COMMITTED) == COMMITTED


Message = ConsentRequest | ConsentToken | ConsentDecision | ConsentRevocation | DowngradeNotice | ItemPayload
PARSERS: dict[str, Callable[[bytes], Message]] = {
    "request": ConsentRequest.parse,
    "token": ConsentToken.parse,
    "token_limited": ConsentToken.parse,
    "decision_approved": ConsentDecision.parse,
    "decision_denied": ConsentDecision.parse,
    "revocation": ConsentRevocation.parse,
    "downgrade": DowngradeNotice.parse,
    "declassify": DowngradeNotice.parse,
    "payload_with_consent": ItemPayload.parse,
}


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_committed_message_parses_back_to_its_exact_bytes(name: str) -> None:
    assert PARSERS[name](COMMITTED[name].encode()).to_bytes().decode() == COMMITTED[name]


def test_the_committed_signatures_verify_under_the_originator_keys() -> None:
    token = ConsentToken.parse(COMMITTED["token"])
    token.verify(ORIGINATOR)
    assert token.statement().decode() == COMMITTED["token_statement"]
    ConsentRevocation.parse(COMMITTED["revocation"]).verify(ORIGINATOR)
    DowngradeNotice.parse(COMMITTED["downgrade"]).verify(ORIGINATOR)
    DowngradeNotice.parse(COMMITTED["declassify"]).verify(ORIGINATOR)
    decision = ConsentDecision.parse(COMMITTED["decision_approved"])
    assert decision.token == token
    carried = ItemPayload.parse(COMMITTED["payload_with_consent"].encode()).consent
    assert carried == token


@pytest.mark.parametrize(
    ("name", "kind", "old", "new"),
    [
        pytest.param(
            "token", ConsentToken, '"third_party":"USA"', '"third_party":"CHN"', id="token-third-party"
        ),
        pytest.param("token", ConsentToken, "No further release.", "Further release.", id="token-condition"),
        pytest.param("revocation", ConsentRevocation, "cancelled", "postponed", id="revocation-reason"),
        pytest.param(
            "downgrade",
            DowngradeNotice,
            '"previous_classification":"極秘"',
            '"previous_classification":"機密"',
            id="downgrade-previous",
        ),
        pytest.param(
            "declassify",
            DowngradeNotice,
            "jpn-00000000000000000000000000000001",
            "jpn-00000000000000000000000000000003",
            id="declassify-item",
        ),
    ],
)
def test_a_tampered_committed_message_does_not_verify(
    name: str, kind: type[ConsentToken | ConsentRevocation | DowngradeNotice], old: str, new: str
) -> None:
    assert old in COMMITTED[name]
    tampered = kind.parse(COMMITTED[name].replace(old, new, 1))
    with pytest.raises(VerificationFailed):
        tampered.verify(ORIGINATOR)


def test_the_exchange_payload_without_consent_keeps_its_exact_bytes() -> None:
    # The consent field is optional: payloads without it are byte for byte as before.
    committed = json.loads(gen.EXCHANGE_VECTORS_PATH.read_text(encoding="utf-8"))["payload"]
    payload = ItemPayload.parse(committed.encode())
    assert payload.consent is None
    assert payload.to_bytes().decode() == committed


def test_the_committed_token_with_limits_verifies_and_carries_them() -> None:
    token = ConsentToken.parse(COMMITTED["token_limited"])
    token.verify(ORIGINATOR)
    assert token.statement().decode() == COMMITTED["token_limited_statement"]
    assert (token.limits.purpose_only, token.limits.no_onward_release, token.limits.destroy_by) == (
        True,
        True,
        "2023-06-30T00:00:00Z",
    )
    # The token without limits keeps the format it had before they existed.
    assert "limits" not in COMMITTED["token"]

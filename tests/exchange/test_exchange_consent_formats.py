"""Wire formats of originator consent and downgrade notices (GSOMIA Art. 6).

Round trips (Hypothesis), strict parsing, tampering and domain separation of every signed
type, the checks a consent token makes before a release, and the item payload that
carries a consent on an onward release.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accord.exchange
from accord.canonical import format_time, parse_time
from accord.crypto import DualSignature, SigningKeys, Suite, bind
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import (
    UNSIGNED,
    ConsentConditions,
    ConsentDecision,
    ConsentReceipt,
    ConsentRequest,
    ConsentRevocation,
    ConsentToken,
    DowngradeNotice,
    EnvelopeHeader,
    ItemPayload,
    new_consent_receipt_id,
    new_notice_id,
    new_request_id,
    new_token_id,
)
from accord.items import ItemContent, ItemKind, Precedence, binding_statement
from accord.markings import RELEASABLE_TO, Category, CategoryType, ConfidentialityLabel

KEYS = SigningKeys.generate()
OTHER = SigningKeys.generate()

ITEM = "jpn-0123456789abcdef0123456789abcdef"
DIGEST = "0c" * 48
REQUEST = "req-" + "1" * 32
TOKEN = "consent-" + "2" * 32
NOTICE = "notice-" + "3" * 32
ISSUED = "2026-11-25T09:00:00Z"
EXPIRES = "2026-12-25T09:00:00Z"

# Text as an officer types it, in any script: no control characters, line separators,
# surrogates, bidirectional overrides or non-characters (those are refused, see below).
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TEXT = st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=_BIDI + "\ufffe\uffff"),
    min_size=1,
    max_size=80,
).filter(lambda t: unicodedata.normalize("NFC", t).strip() != "")
NODE = st.from_regex(r"[a-z0-9][a-z0-9-]{2,30}", fullmatch=True)
PARTY = st.from_regex(r"[A-Z]{3}", fullmatch=True)
USER = st.from_regex(r"[a-z][a-z0-9._-]{1,20}", fullmatch=True)
DIGESTS = st.binary(min_size=48, max_size=48).map(bytes.hex)
MOMENTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))
TIMES = MOMENTS.map(format_time)
REQUEST_IDS = st.uuids().map(lambda u: f"req-{u.hex}")
TOKEN_IDS = st.uuids().map(lambda u: f"consent-{u.hex}")
NOTICE_IDS = st.uuids().map(lambda u: f"notice-{u.hex}")


def clean(text: str) -> str:
    """What a text field holds: NFC, stripped."""
    return unicodedata.normalize("NFC", text).strip()


# --- Builders of valid objects ---------------------------------------------------------


def a_request(**changes: Any) -> ConsentRequest:
    fields: dict[str, Any] = {
        "request_id": REQUEST,
        "item_id": ITEM,
        "content_sha384": DIGEST,
        "holder_party": "KOR",
        "holder_node": "kor-mnd",
        "third_party": "USA",
        "purpose": "Combined missile-warning picture",
        "requested_by": "kim",
        "requested_at": ISSUED,
    }
    return ConsentRequest(**(fields | changes))


def token_fields(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "token_id": TOKEN,
        "request_id": REQUEST,
        "item_id": ITEM,
        "content_sha384": DIGEST,
        "originator_party": "JPN",
        "originator_node": "jpn-mod",
        "holder_party": "KOR",
        "third_party": "USA",
        "purpose": "Combined missile-warning picture",
        "conditions": ("No further release.",),
        "issued_at": ISSUED,
        "expires_at": EXPIRES,
        "approved_by": "sato",
    }
    return fields | changes


def a_token(keys: SigningKeys = KEYS, **changes: Any) -> ConsentToken:
    return ConsentToken(**token_fields(**changes), signature=UNSIGNED).signed_with(keys)


def a_revocation(keys: SigningKeys = KEYS, **changes: Any) -> ConsentRevocation:
    fields: dict[str, Any] = {
        "token_id": TOKEN,
        "item_id": ITEM,
        "originator_node": "jpn-mod",
        "reason": "The exercise was cancelled.",
        "revoked_at": ISSUED,
    }
    return ConsentRevocation(**fields | changes, signature=UNSIGNED).signed_with(keys)


def a_notice(keys: SigningKeys = KEYS, **changes: Any) -> DowngradeNotice:
    fields: dict[str, Any] = {
        "notice_id": NOTICE,
        "item_id": ITEM,
        "originator_node": "jpn-mod",
        "originator_party": "JPN",
        "content_sha384": DIGEST,
        "previous_classification": "極秘",
        "new_classification": "秘",
        "declassified": False,
        "reason": "Announced publicly.",
        "issued_at": ISSUED,
    }
    return DowngradeNotice(**fields | changes, signature=UNSIGNED).signed_with(keys)


TOKEN_OBJ = a_token()
APPROVAL = ConsentDecision(REQUEST, True, TOKEN_OBJ, None, "sato", ISSUED)
REFUSAL = ConsentDecision(REQUEST, False, None, "Sources and methods.", "sato", ISSUED)


# --- Ids and exports -----------------------------------------------------------------------


def test_new_ids_have_their_forms_and_differ() -> None:
    assert re.fullmatch(r"req-[0-9a-f]{32}", new_request_id())
    assert re.fullmatch(r"consent-[0-9a-f]{32}", new_token_id())
    assert re.fullmatch(r"notice-[0-9a-f]{32}", new_notice_id())
    assert new_token_id() != new_token_id()
    a_request(request_id=new_request_id())
    a_token(token_id=new_token_id())
    a_notice(notice_id=new_notice_id())


def test_the_package_exports_the_consent_formats() -> None:
    for name in (
        "ConsentConditions",
        "ConsentDecision",
        "ConsentRequest",
        "ConsentRevocation",
        "ConsentToken",
        "DowngradeNotice",
        "new_notice_id",
        "new_request_id",
        "new_token_id",
    ):
        assert name in accord.exchange.__all__
        assert getattr(accord.exchange, name) is not None


@pytest.mark.parametrize(
    "kind", ["consent-request", "consent-decision", "consent-revocation", "consent-receipt", "downgrade"]
)
def test_envelope_headers_accept_the_consent_types(kind: str) -> None:
    header = EnvelopeHeader(
        type=kind,
        suite=Suite.DEFAULT,
        sender="jpn-mod",
        recipient="kor-mnd",
        message_id="msg-" + "0" * 32,
        agreement_id="JPN-KOR-GSOMIA-2016",
        precedence=Precedence.ROUTINE,
        created="2026-11-25T09:00:00.000000Z",
        seq=1,
    )
    assert EnvelopeHeader.parse(header.to_bytes()) == header


def test_envelope_headers_still_refuse_an_unknown_type() -> None:
    with pytest.raises(InvalidInput, match="unknown type"):
        EnvelopeHeader(
            type="consent",
            suite=Suite.DEFAULT,
            sender="jpn-mod",
            recipient="kor-mnd",
            message_id="msg-" + "0" * 32,
            agreement_id="JPN-KOR-GSOMIA-2016",
            precedence=Precedence.ROUTINE,
            created="2026-11-25T09:00:00.000000Z",
            seq=1,
        )


# --- Round trips ---------------------------------------------------------------------------


@st.composite
def requests(draw: st.DrawFn) -> tuple[ConsentRequest, str]:
    """A consent request, and its purpose as it was typed."""
    holder, third = draw(st.lists(PARTY, min_size=2, max_size=2, unique=True))
    purpose = draw(TEXT)
    request = ConsentRequest(
        request_id=draw(REQUEST_IDS),
        item_id=draw(NODE),
        content_sha384=draw(DIGESTS),
        holder_party=holder,
        holder_node=draw(NODE),
        third_party=third,
        purpose=purpose,
        requested_by=draw(USER),
        requested_at=draw(TIMES),
    )
    return request, purpose


@given(requests())
def test_a_request_round_trips(drawn: tuple[ConsentRequest, str]) -> None:
    request, purpose = drawn
    assert request.purpose == clean(purpose)
    assert ConsentRequest.parse(request.to_bytes()) == request
    assert ConsentRequest.parse(request.to_bytes()).to_bytes() == request.to_bytes()


@st.composite
def tokens(draw: st.DrawFn) -> ConsentToken:
    originator, holder, third = draw(st.lists(PARTY, min_size=3, max_size=3, unique=True))
    issued = draw(MOMENTS)
    lasting = draw(st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=3650)))
    return ConsentToken(
        token_id=draw(TOKEN_IDS),
        request_id=draw(REQUEST_IDS),
        item_id=draw(NODE),
        content_sha384=draw(DIGESTS),
        originator_party=originator,
        originator_node=draw(NODE),
        holder_party=holder,
        third_party=third,
        purpose=draw(TEXT),
        conditions=tuple(draw(st.lists(TEXT, max_size=4))),
        issued_at=format_time(issued),
        expires_at=format_time(issued + lasting),
        approved_by=draw(USER),
        signature=UNSIGNED,
    ).signed_with(KEYS)


@settings(max_examples=40, deadline=None)
@given(tokens())
def test_a_token_round_trips_and_verifies(token: ConsentToken) -> None:
    assert ConsentToken.parse(token.to_bytes()) == token
    assert ConsentToken.from_dict(json.loads(token.to_bytes())) == token
    ConsentToken.parse(token.to_bytes()).verify(KEYS.public())
    # It covers its own release for its whole life, and no longer.
    release = {
        "item_id": token.item_id,
        "content_sha384": token.content_sha384,
        "holder_party": token.holder_party,
        "third_party": token.third_party,
    }
    token.check(**release, now=parse_time(token.issued_at))
    token.check(**release, now=parse_time(token.expires_at) - timedelta(seconds=1))
    with pytest.raises(VerificationFailed, match="expired"):
        token.check(**release, now=parse_time(token.expires_at))


@settings(max_examples=40, deadline=None)
@given(tokens(), USER, TIMES, TEXT, st.booleans())
def test_a_decision_round_trips(token: ConsentToken, user: str, at: str, reason: str, approved: bool) -> None:
    if approved:
        decision = ConsentDecision(token.request_id, True, token, None, user, at)
    else:
        decision = ConsentDecision(token.request_id, False, None, reason, user, at)
        assert decision.reason == clean(reason)
    assert ConsentDecision.parse(decision.to_bytes()) == decision
    assert set(json.loads(decision.to_bytes())) == {
        "v",
        "request_id",
        "approved",
        "token",
        "reason",
        "decided_by",
        "decided_at",
    }


@settings(max_examples=40, deadline=None)
@given(token_id=TOKEN_IDS, item_id=NODE, node=NODE, reason=TEXT, at=TIMES)
def test_a_revocation_round_trips_and_verifies(
    token_id: str, item_id: str, node: str, reason: str, at: str
) -> None:
    revocation = ConsentRevocation(
        token_id=token_id,
        item_id=item_id,
        originator_node=node,
        reason=reason,
        revoked_at=at,
        signature=UNSIGNED,
    ).signed_with(KEYS)
    assert revocation.reason == clean(reason)
    parsed = ConsentRevocation.parse(revocation.to_bytes())
    assert parsed == revocation
    parsed.verify(KEYS.public())


@st.composite
def notices(draw: st.DrawFn) -> DowngradeNotice:
    """A signed downgrade notice: to another classification, or a declassification."""
    previous, lower = draw(st.lists(TEXT, min_size=2, max_size=2, unique_by=clean))
    declassified = draw(st.booleans())
    return DowngradeNotice(
        notice_id=draw(NOTICE_IDS),
        item_id=draw(NODE),
        originator_node=draw(NODE),
        originator_party=draw(PARTY),
        content_sha384=draw(DIGESTS),
        previous_classification=previous,
        new_classification=None if declassified else lower,
        declassified=declassified,
        reason=draw(TEXT),
        issued_at=draw(TIMES),
        signature=UNSIGNED,
    ).signed_with(KEYS)


@settings(max_examples=40, deadline=None)
@given(notices())
def test_a_downgrade_notice_round_trips_and_verifies(notice: DowngradeNotice) -> None:
    parsed = DowngradeNotice.parse(notice.to_bytes())
    assert parsed == notice
    parsed.verify(KEYS.public())


def test_text_is_held_normalised_and_stripped_so_it_is_what_is_signed() -> None:
    token = a_token(purpose="  Cafe\u0301 briefing \n".replace("\n", " "), conditions=(" e\u0301 ",))
    assert token.purpose == "Café briefing"
    assert token.conditions == ("é",)
    assert '"purpose":"Café briefing"' in token.statement().decode()
    token.verify(KEYS.public())


def test_text_of_exactly_500_characters_is_accepted() -> None:
    assert len(a_request(purpose="x" * 500).purpose) == 500
    with pytest.raises(InvalidInput, match="longer than 500"):
        a_request(purpose="x" * 501)


def test_conditions_may_be_empty_and_are_held_as_a_tuple() -> None:
    assert a_token(conditions=()).conditions == ()
    listed = ConsentToken(**token_fields(conditions=["a", "b"]), signature=UNSIGNED).signed_with(KEYS)
    assert listed.conditions == ("a", "b")
    assert ConsentToken.parse(listed.to_bytes()) == listed


# --- Strict parsing ------------------------------------------------------------------------

_DROP = object()


def mutate(data: bytes, **changes: object) -> bytes:
    obj = json.loads(data)
    for key, value in changes.items():
        if value is _DROP:
            del obj[key]
        else:
            obj[key] = value
    return json.dumps(obj, ensure_ascii=False).encode()


REQUEST_BYTES = a_request().to_bytes()
TOKEN_BYTES = TOKEN_OBJ.to_bytes()
APPROVAL_BYTES = APPROVAL.to_bytes()
REFUSAL_BYTES = REFUSAL.to_bytes()
REVOCATION_BYTES = a_revocation().to_bytes()
NOTICE_BYTES = a_notice().to_bytes()
OTHER_TOKEN = json.loads(a_token(request_id="req-" + "9" * 32).to_bytes())

Parser = Callable[[bytes], object]

REFUSED: list[Any] = [
    # consent request
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"extra": 1}, "unknown", id="request-unknown-key"),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"purpose": _DROP}, "missing", id="request-missing-key"
    ),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"v": _DROP}, "missing", id="request-no-version"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"v": 2}, "version", id="request-version-2"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"v": True}, "version", id="request-version-true"),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"request_id": "req-1"}, "request id", id="request-bad-id"
    ),
    pytest.param(
        ConsentRequest.parse,
        REQUEST_BYTES,
        {"request_id": "REQ-" + "1" * 32},
        "request id",
        id="request-upper-id",
    ),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"item_id": "../etc"}, "id", id="request-bad-item"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"item_id": 7}, "text", id="request-item-not-text"),
    pytest.param(
        ConsentRequest.parse,
        REQUEST_BYTES,
        {"content_sha384": "0C" * 48},
        "SHA-384",
        id="request-upper-digest",
    ),
    pytest.param(
        ConsentRequest.parse,
        REQUEST_BYTES,
        {"content_sha384": "0c" * 32},
        "SHA-384",
        id="request-short-digest",
    ),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"holder_party": "kor"}, "party", id="request-lower-party"
    ),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"third_party": "NATO"}, "party", id="request-4-letters"
    ),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"third_party": "KOR"}, "holder", id="request-to-holder"
    ),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"holder_node": "X"}, "id", id="request-bad-node"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"requested_by": "Kim"}, "user", id="request-bad-user"),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"purpose": "   "}, "empty", id="request-blank-purpose"
    ),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"purpose": ""}, "empty", id="request-empty-purpose"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"purpose": "a\nb"}, "control", id="request-newline"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"purpose": "a\x00b"}, "control", id="request-nul"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"purpose": "a\u202eb"}, "control", id="request-bidi"),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"purpose": "a\u2028b"}, "control", id="request-line-sep"
    ),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"purpose": "x" * 501}, "longer", id="request-long"),
    pytest.param(ConsentRequest.parse, REQUEST_BYTES, {"purpose": ["a"]}, "text", id="request-purpose-list"),
    pytest.param(
        ConsentRequest.parse,
        REQUEST_BYTES,
        {"requested_at": "2026-11-25T09:00:00+00:00"},
        "canonical",
        id="request-time-offset",
    ),
    pytest.param(
        ConsentRequest.parse,
        REQUEST_BYTES,
        {"requested_at": "2026-11-25T09:00:00.000000Z"},
        "canonical",
        id="request-time-micro",
    ),
    pytest.param(
        ConsentRequest.parse, REQUEST_BYTES, {"requested_at": "yesterday"}, "RFC 3339", id="request-time"
    ),
    pytest.param(
        ConsentRequest.parse,
        REQUEST_BYTES,
        {"requested_at": "2026-11-25T09:00:00"},
        "zone",
        id="request-naive",
    ),
    # consent token
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"extra": 1}, "unknown", id="token-unknown-key"),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"conditions": _DROP}, "missing", id="token-missing-key"),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"signature": _DROP}, "missing", id="token-no-signature"),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"token_id": "consent-1"}, "token id", id="token-bad-id"),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"token_id": NOTICE}, "token id", id="token-notice-id"),
    pytest.param(
        ConsentToken.parse, TOKEN_BYTES, {"content_sha384": "zz" * 48}, "SHA-384", id="token-bad-digest"
    ),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"originator_party": "JP"}, "party", id="token-bad-party"),
    pytest.param(
        ConsentToken.parse,
        TOKEN_BYTES,
        {"expires_at": "2026-11-25T08:59:59Z"},
        "not after",
        id="token-expires-first",
    ),
    pytest.param(
        ConsentToken.parse, TOKEN_BYTES, {"expires_at": ISSUED}, "not after", id="token-expires-at-issue"
    ),
    pytest.param(
        ConsentToken.parse, TOKEN_BYTES, {"holder_party": "JPN"}, "originator", id="token-holder-is-origin"
    ),
    pytest.param(
        ConsentToken.parse, TOKEN_BYTES, {"third_party": "KOR"}, "not a third", id="token-third-is-holder"
    ),
    pytest.param(
        ConsentToken.parse, TOKEN_BYTES, {"third_party": "JPN"}, "not a third", id="token-third-is-origin"
    ),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"conditions": "none"}, "list", id="token-conditions-text"),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"conditions": [1]}, "text", id="token-condition-number"),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"conditions": [" "]}, "empty", id="token-condition-blank"),
    pytest.param(
        ConsentToken.parse, TOKEN_BYTES, {"conditions": ["\t"]}, "control", id="token-condition-tab"
    ),
    pytest.param(
        ConsentToken.parse, TOKEN_BYTES, {"signature": {"ed25519": "AA"}}, "signature", id="token-bad-sig"
    ),
    pytest.param(ConsentToken.parse, TOKEN_BYTES, {"approved_by": ""}, "user", id="token-no-approver"),
    # consent decision
    pytest.param(
        ConsentDecision.parse, APPROVAL_BYTES, {"extra": None}, "unknown", id="decision-unknown-key"
    ),
    pytest.param(
        ConsentDecision.parse, APPROVAL_BYTES, {"reason": _DROP}, "missing", id="decision-missing-reason"
    ),
    pytest.param(
        ConsentDecision.parse, REFUSAL_BYTES, {"token": _DROP}, "missing", id="decision-missing-token"
    ),
    pytest.param(
        ConsentDecision.parse, APPROVAL_BYTES, {"token": None}, "token", id="approved-without-token"
    ),
    pytest.param(
        ConsentDecision.parse, APPROVAL_BYTES, {"reason": "ok"}, "no reason", id="approved-with-reason"
    ),
    pytest.param(
        ConsentDecision.parse, REFUSAL_BYTES, {"reason": None}, "reason", id="denied-without-reason"
    ),
    pytest.param(ConsentDecision.parse, REFUSAL_BYTES, {"reason": " "}, "empty", id="denied-blank-reason"),
    pytest.param(ConsentDecision.parse, REFUSAL_BYTES, {"reason": 3}, "text", id="denied-reason-number"),
    pytest.param(
        ConsentDecision.parse,
        REFUSAL_BYTES,
        {"token": json.loads(TOKEN_BYTES)},
        "no consent token",
        id="denied-with-token",
    ),
    pytest.param(
        ConsentDecision.parse, APPROVAL_BYTES, {"token": OTHER_TOKEN}, "answers", id="token-other-request"
    ),
    pytest.param(
        ConsentDecision.parse, APPROVAL_BYTES, {"approved": 1}, "true or false", id="approved-number"
    ),
    pytest.param(ConsentDecision.parse, APPROVAL_BYTES, {"token": "x"}, "object", id="decision-token-text"),
    pytest.param(ConsentDecision.parse, APPROVAL_BYTES, {"decided_by": "X"}, "user", id="decision-bad-user"),
    # consent revocation
    pytest.param(ConsentRevocation.parse, REVOCATION_BYTES, {"extra": 1}, "unknown", id="revocation-unknown"),
    pytest.param(
        ConsentRevocation.parse, REVOCATION_BYTES, {"reason": _DROP}, "missing", id="revocation-missing"
    ),
    pytest.param(
        ConsentRevocation.parse, REVOCATION_BYTES, {"token_id": REQUEST}, "token id", id="revocation-id"
    ),
    pytest.param(
        ConsentRevocation.parse, REVOCATION_BYTES, {"reason": ""}, "empty", id="revocation-no-reason"
    ),
    pytest.param(
        ConsentRevocation.parse, REVOCATION_BYTES, {"signature": None}, "object", id="revocation-sig"
    ),
    pytest.param(
        ConsentRevocation.parse,
        REVOCATION_BYTES,
        {"revoked_at": "2026-11-25"},
        "revoked_at: .* no time zone",
        id="revocation-date",
    ),
    # downgrade notice
    pytest.param(DowngradeNotice.parse, NOTICE_BYTES, {"extra": 1}, "unknown", id="downgrade-unknown"),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"declassified": _DROP}, "missing", id="downgrade-missing"
    ),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"notice_id": TOKEN}, "notice id", id="downgrade-bad-id"
    ),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"content_sha384": ""}, "SHA-384", id="downgrade-digest"
    ),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"originator_party": "jpn"}, "party", id="downgrade-bad-party"
    ),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"new_classification": "極秘"}, "already", id="downgrade-to-same"
    ),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"new_classification": None}, "declassify", id="downgrade-no-new"
    ),
    pytest.param(
        DowngradeNotice.parse,
        NOTICE_BYTES,
        {"declassified": True},
        "no new classification",
        id="declassified-new",
    ),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"declassified": "yes"}, "true or false", id="declassified-txt"
    ),
    pytest.param(
        DowngradeNotice.parse, NOTICE_BYTES, {"new_classification": 2}, "text", id="downgrade-new-number"
    ),
    pytest.param(
        DowngradeNotice.parse,
        NOTICE_BYTES,
        {"previous_classification": " "},
        "empty",
        id="downgrade-no-previous",
    ),
]


@pytest.mark.parametrize(("parse", "data", "changes", "message"), REFUSED)
def test_malformed_messages_are_refused(
    parse: Parser, data: bytes, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse(mutate(data, **changes))


@pytest.mark.parametrize(
    "parse",
    [
        ConsentRequest.parse,
        ConsentToken.parse,
        ConsentDecision.parse,
        ConsentRevocation.parse,
        DowngradeNotice.parse,
    ],
)
@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'"text"', b"\xff"], ids=repr)
def test_what_is_not_a_json_object_is_refused(parse: Parser, data: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse(data)


def test_token_from_dict_refuses_what_is_not_an_object() -> None:
    with pytest.raises(InvalidInput, match="object"):
        ConsentToken.from_dict(["token"])


def test_construction_checks_as_parsing_does() -> None:
    with pytest.raises(InvalidInput, match="holder"):
        a_request(third_party="KOR")
    with pytest.raises(InvalidInput, match="not after"):
        a_token(expires_at=ISSUED)
    with pytest.raises(InvalidInput, match="text"):
        a_token(conditions=("ok", None))
    with pytest.raises(InvalidInput, match="list"):
        a_token(conditions="No further release.")
    with pytest.raises(InvalidInput, match="answers"):
        ConsentDecision("req-" + "9" * 32, True, TOKEN_OBJ, None, "sato", ISSUED)
    with pytest.raises(InvalidInput, match="signature"):
        ConsentRevocation(TOKEN, ITEM, "jpn-mod", "r", ISSUED, "sig")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no new classification"):
        a_notice(declassified=True)
    assert a_notice(declassified=True, new_classification=None).declassified


# --- Tampering and domain separation -------------------------------------------------------

TOKEN_TAMPER = {
    "token_id": "consent-" + "f" * 32,
    "request_id": "req-" + "f" * 32,
    "item_id": "jpn-ffffffffffffffffffffffffffffffff",
    "content_sha384": "ff" * 48,
    "originator_party": "CHN",
    "originator_node": "jpn-mod2",
    "holder_party": "AUS",
    "third_party": "GBR",
    "purpose": "Any purpose at all",
    "conditions": (),
    "issued_at": "2026-11-24T09:00:00Z",
    "expires_at": "2036-12-25T09:00:00Z",
    "approved_by": "mallory",
}
REVOCATION_TAMPER = {
    "token_id": "consent-" + "f" * 32,
    "item_id": "jpn-ffffffffffffffffffffffffffffffff",
    "originator_node": "kor-mnd",
    "reason": "Another reason",
    "revoked_at": "2026-11-26T09:00:00Z",
}
NOTICE_TAMPER = {
    "notice_id": "notice-" + "f" * 32,
    "item_id": "jpn-ffffffffffffffffffffffffffffffff",
    "originator_node": "kor-mnd",
    "originator_party": "KOR",
    "content_sha384": "ff" * 48,
    "previous_classification": "機密",
    "new_classification": "取扱注意",
    "reason": "Another reason",
    "issued_at": "2026-11-26T09:00:00Z",
}
SIGNED = [
    pytest.param(TOKEN_OBJ, "consent", field, value, id=f"token-{field}")
    for field, value in TOKEN_TAMPER.items()
]
SIGNED += [
    pytest.param(a_revocation(), "consent-revocation", field, value, id=f"revocation-{field}")
    for field, value in REVOCATION_TAMPER.items()
]
SIGNED += [
    pytest.param(a_notice(), "downgrade", field, value, id=f"downgrade-{field}")
    for field, value in NOTICE_TAMPER.items()
]


@pytest.mark.parametrize(("signed", "purpose", "field", "value"), SIGNED)
def test_changing_any_signed_field_breaks_the_signature(
    signed: Any, purpose: str, field: str, value: object
) -> None:
    signed.verify(KEYS.public())
    tampered = dataclasses.replace(signed, **{field: value})
    assert getattr(tampered, field) != getattr(signed, field)
    with pytest.raises(VerificationFailed):
        tampered.verify(KEYS.public())
    # ... and the change survives the wire: the receiver sees the same failure.
    with pytest.raises(VerificationFailed):
        type(signed).parse(tampered.to_bytes()).verify(KEYS.public())


def test_declassifying_a_downgrade_breaks_its_signature() -> None:
    notice = a_notice()
    with pytest.raises(VerificationFailed):
        dataclasses.replace(notice, new_classification=None, declassified=True).verify(KEYS.public())


SIGNED_OBJECTS = [
    pytest.param(TOKEN_OBJ, "consent", id="token"),
    pytest.param(a_revocation(), "consent-revocation", id="revocation"),
    pytest.param(a_notice(), "downgrade", id="downgrade"),
    pytest.param(a_notice(new_classification=None, declassified=True), "downgrade", id="declassify"),
]


@pytest.mark.parametrize(("signed", "purpose"), SIGNED_OBJECTS)
def test_another_nodes_keys_do_not_verify(signed: Any, purpose: str) -> None:
    with pytest.raises(VerificationFailed):
        signed.verify(OTHER.public())
    forged = dataclasses.replace(signed, signature=OTHER.sign(purpose, signed.statement()))
    with pytest.raises(VerificationFailed):
        forged.verify(KEYS.public())
    forged.verify(OTHER.public())  # the forger's own keys, which a holder does not pin for the originator


PURPOSES = ("consent", "consent-revocation", "downgrade", "transmission", "receipts", "binding")
CROSSED = [
    pytest.param(param.values[0], other, id=f"{param.id}-as-{other}")
    for param in SIGNED_OBJECTS
    for other in PURPOSES
    if other != param.values[1]
]


@pytest.mark.parametrize(("signed", "other_purpose"), CROSSED)
def test_a_signature_for_another_purpose_does_not_verify(signed: Any, other_purpose: str) -> None:
    # Domain separation: the same statement signed by the same keys for another purpose.
    crossed = dataclasses.replace(signed, signature=KEYS.sign(other_purpose, signed.statement()))
    with pytest.raises(VerificationFailed):
        crossed.verify(KEYS.public())


def test_a_consent_signature_does_not_verify_as_a_revocation() -> None:
    token = TOKEN_OBJ
    revocation = a_revocation()
    with pytest.raises(VerificationFailed):
        KEYS.public().verify("consent-revocation", token.statement(), token.signature)
    with pytest.raises(VerificationFailed):
        dataclasses.replace(revocation, signature=token.signature).verify(KEYS.public())


def test_each_statement_names_its_type_and_version() -> None:
    assert json.loads(TOKEN_OBJ.statement())["type"] == "accord-consent"
    assert json.loads(a_revocation().statement())["type"] == "accord-consent-revocation"
    assert json.loads(a_notice().statement())["type"] == "accord-downgrade"
    for signed in (TOKEN_OBJ, a_revocation(), a_notice()):
        statement = json.loads(signed.statement())
        assert statement["v"] == accord.exchange.FORMAT_VERSION
        assert "signature" not in statement


@pytest.mark.parametrize("half", ["ed25519", "mldsa65"])
def test_both_halves_of_the_signature_are_required(half: str) -> None:
    wire = json.loads(TOKEN_BYTES)
    wire["signature"][half] = DualSignature(bytes(64), bytes(3309)).to_dict()[half]
    with pytest.raises(VerificationFailed):
        ConsentToken.parse(json.dumps(wire)).verify(KEYS.public())


# --- ConsentToken.check ----------------------------------------------------------------------

RELEASE = {"item_id": ITEM, "content_sha384": DIGEST, "holder_party": "KOR", "third_party": "USA"}
NOW = parse_time(ISSUED) + timedelta(days=1)


def test_a_token_covers_its_own_release() -> None:
    TOKEN_OBJ.check(**RELEASE, now=NOW)
    TOKEN_OBJ.check(**RELEASE, now=parse_time(ISSUED))
    TOKEN_OBJ.check(**RELEASE, now=parse_time(EXPIRES) - timedelta(microseconds=1))
    # The same moment in Tokyo time is the same moment.
    TOKEN_OBJ.check(**RELEASE, now=NOW.astimezone(timezone(timedelta(hours=9))))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"item_id": "jpn-" + "f" * 32}, f"is for item {ITEM}, not jpn-f", id="another-item"),
        pytest.param(
            {"content_sha384": "ff" * 48}, "has changed since the originator consented", id="item-changed"
        ),
        pytest.param({"holder_party": "AUS"}, "was given to KOR, not AUS", id="another-holder"),
        pytest.param(
            {"third_party": "GBR"}, "allows release to USA only, not to GBR", id="another-third-party"
        ),
        pytest.param(
            {"now": parse_time(ISSUED) - timedelta(seconds=1)}, f"not valid before {ISSUED}", id="early"
        ),
        pytest.param({"now": parse_time(EXPIRES)}, f"expired at {EXPIRES}", id="exactly-at-expiry"),
        pytest.param(
            {"now": parse_time(EXPIRES) + timedelta(days=400)}, f"expired at {EXPIRES}", id="long-expired"
        ),
    ],
)
def test_a_token_does_not_cover_another_release(changes: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {**RELEASE, "now": NOW, **changes}
    with pytest.raises(VerificationFailed, match=message) as caught:
        TOKEN_OBJ.check(**arguments)
    assert TOKEN in str(caught.value)
    assert "Art. 6" in str(caught.value)


def test_check_refuses_a_clock_without_a_time_zone() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        TOKEN_OBJ.check(**RELEASE, now=datetime(2026, 11, 26, 9, 0))


# --- The item payload of an onward release ---------------------------------------------------


def a_payload(consent: ConsentToken | None = None) -> ItemPayload:
    label = ConfidentialityLabel(
        policy="JPN",
        classification="秘",
        originator_id="jpn-mod",
        creation_time=datetime(2026, 11, 25, 9, 0, tzinfo=UTC),
        categories=(Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("JPN", "KOR")),),
        agreement="JPN-KOR-GSOMIA-2016",
    )
    content = ItemContent(ItemKind.REPORT, "Launch report", "One SRBM eastward.", "Early warning")
    statement = binding_statement(
        item_id=ITEM, originator_node="jpn-mod", label=label, content_sha384=content.sha384(), attachments=[]
    )
    return ItemPayload(
        item_id=ITEM,
        originator_node="jpn-mod",
        originator_party="JPN",
        label=label,
        binding=bind(KEYS, "jpn-mod", statement),
        content=content,
        attachments=(),
        consent=consent,
    )


def test_a_payload_without_consent_has_no_consent_key() -> None:
    payload = a_payload()
    assert "consent" not in json.loads(payload.to_bytes())
    assert ItemPayload.parse(payload.to_bytes()) == payload


def test_a_payload_carries_the_consent_of_an_onward_release() -> None:
    payload = a_payload()
    token = a_token(content_sha384=payload.content.sha384())
    relayed = dataclasses.replace(payload, consent=token)
    assert json.loads(relayed.to_bytes())["consent"] == token.to_dict()
    parsed = ItemPayload.parse(relayed.to_bytes())
    assert parsed == relayed
    assert parsed.consent is not None
    parsed.consent.verify(KEYS.public())
    parsed.consent.check(
        item_id=parsed.item_id,
        content_sha384=parsed.content.sha384(),
        holder_party="KOR",
        third_party="USA",
        now=NOW,
    )
    # Without the consent the payload is byte for byte the one it was before.
    assert dataclasses.replace(parsed, consent=None).to_bytes() == payload.to_bytes()


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"item_id": "jpn-" + "f" * 32}, id="another-item"),
        pytest.param({"originator_node": "jpn-other"}, id="another-originator-node"),
        pytest.param({"originator_party": "CHN", "third_party": "USA"}, id="another-originator-party"),
    ],
)
def test_a_payload_refuses_a_consent_for_another_item_or_originator(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="not for this item"):
        a_payload(a_token(**changes))
    with pytest.raises(InvalidInput, match="not for this item"):
        ItemPayload.parse(mutate(a_payload().to_bytes(), consent=a_token(**changes).to_dict()))


@pytest.mark.parametrize(
    ("consent", "message"),
    [
        pytest.param(None, "object", id="null"),
        pytest.param("token", "object", id="text"),
        pytest.param({"token_id": TOKEN}, "missing", id="incomplete"),
    ],
)
def test_a_payload_refuses_a_malformed_consent(consent: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ItemPayload.parse(mutate(a_payload().to_bytes(), consent=consent))


# --- Enforced conditions (limits) ------------------------------------------------------


def test_a_token_without_limits_has_no_limits_key() -> None:
    token = a_token()
    assert "limits" not in json.loads(token.to_bytes())
    assert "limits" not in json.loads(token.statement())


def test_limits_are_signed_and_round_trip() -> None:
    limits = ConsentConditions(purpose_only=True, no_onward_release=True, destroy_by="2026-12-01T00:00:00Z")
    token = a_token(limits=limits)
    token.verify(KEYS.public())
    again = ConsentToken.parse(token.to_bytes())
    assert again == token
    assert again.limits == limits
    assert json.loads(token.statement())["limits"] == limits.to_dict()
    # A limit taken off (or changed) no longer verifies: the limits are part of what is signed.
    with pytest.raises(VerificationFailed):
        dataclasses.replace(token, limits=ConsentConditions(purpose_only=True)).verify(KEYS.public())


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        pytest.param(
            {"purpose_only": False, "no_onward_release": False, "destroy_by": None},
            "sets no condition",
            id="empty",
        ),
        pytest.param(
            {"purpose_only": 1, "no_onward_release": False, "destroy_by": None},
            "true or false",
            id="not-bool",
        ),
        pytest.param({"purpose_only": True, "no_onward_release": False}, "destroy_by", id="missing-key"),
        pytest.param(
            {"purpose_only": True, "no_onward_release": False, "destroy_by": "tomorrow"},
            "destroy_by",
            id="bad-time",
        ),
        pytest.param("purpose-only", "must be an object", id="not-object"),
    ],
)
def test_malformed_limits_are_refused(limits: object, message: str) -> None:
    obj = json.loads(a_token().to_bytes())
    obj["limits"] = limits
    with pytest.raises(InvalidInput, match=message):
        ConsentToken.parse(json.dumps(obj))


def test_destroy_by_must_come_after_the_consent_is_issued() -> None:
    with pytest.raises(InvalidInput, match="destroy by"):
        a_token(limits=ConsentConditions(destroy_by=ISSUED))


# --- consent receipts (third party → originator) ----------------------------------------


def a_consent_receipt(keys: SigningKeys, **changes: str) -> ConsentReceipt:
    fields = {
        "receipt_id": "received-" + "a" * 32,
        "token_id": "consent-" + "b" * 32,
        "item_id": "jpn-" + "0" * 32,
        "content_sha384": "c" * 96,
        "originator_node": "jpn-mod",
        "holder_party": "KOR",
        "holder_node": "kor-mnd",
        "third_party": "USA",
        "third_party_node": "usa-dod",
        "message_id": "msg-" + "d" * 32,
        "received_at": "2026-11-25T09:00:00Z",
        **changes,
    }
    return ConsentReceipt(**fields, signature=UNSIGNED).signed_with(keys)


def test_a_consent_receipt_round_trips_and_verifies() -> None:
    keys = SigningKeys.generate()
    receipt = a_consent_receipt(keys)
    parsed = ConsentReceipt.parse(receipt.to_bytes())
    assert parsed == receipt
    parsed.verify(keys.public())
    assert json.loads(receipt.statement())["type"] == "accord-consent-receipt"
    assert new_consent_receipt_id().startswith("received-")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("receipt_id", "received-" + "e" * 32),
        ("token_id", "consent-" + "e" * 32),
        ("item_id", "jpn-" + "1" * 32),
        ("content_sha384", "1" * 96),
        ("originator_node", "usa-dod"),
        ("holder_party", "JPN"),
        ("holder_node", "jpn-mod"),
        ("third_party", "CAN"),
        ("third_party_node", "can-dnd"),
        ("message_id", "msg-" + "1" * 32),
        ("received_at", "2026-11-25T09:00:01Z"),
    ],
)
def test_any_changed_consent_receipt_field_fails_verification(name: str, value: str) -> None:
    keys = SigningKeys.generate()
    receipt = a_consent_receipt(keys)
    with pytest.raises(VerificationFailed):
        dataclasses.replace(receipt, **{name: value}).verify(keys.public())  # type: ignore[arg-type]


def test_a_consent_receipt_signature_is_not_a_certificate_or_revocation_signature() -> None:
    keys = SigningKeys.generate()
    receipt = a_consent_receipt(keys)
    with pytest.raises(VerificationFailed):
        keys.public().verify("destruction-certificate", receipt.statement(), receipt.signature)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        pytest.param(lambda d: d.pop("token_id"), "missing", id="missing-key"),
        pytest.param(lambda d: d.update(extra=1), "unknown", id="unknown-key"),
        pytest.param(lambda d: d.update(v=2), "version", id="version"),
        pytest.param(lambda d: d.update(token_id="req-" + "0" * 32), "consent token id", id="bad-token-id"),
        pytest.param(lambda d: d.update(receipt_id="x"), "consent receipt id", id="bad-receipt-id"),
        pytest.param(lambda d: d.update(content_sha384="ab"), "SHA-384", id="bad-digest"),
        pytest.param(lambda d: d.update(third_party="usa"), "party code", id="bad-party"),
        pytest.param(lambda d: d.update(third_party="KOR"), "cannot be the holder", id="holder-is-third"),
        pytest.param(lambda d: d.update(received_at="2026-11-25 09:00"), "received_at", id="bad-time"),
        pytest.param(lambda d: d.update(message_id=7), "must be text", id="not-text"),
    ],
)
def test_malformed_consent_receipts_are_refused(
    mutate: Callable[[dict[str, Any]], object], message: str
) -> None:
    data = json.loads(a_consent_receipt(SigningKeys.generate()).to_bytes())
    mutate(data)
    with pytest.raises(InvalidInput, match=message):
        ConsentReceipt.parse(json.dumps(data))

"""The user API in process (httpx.ASGITransport): bearer tokens, invisible denied items, release."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest

from accord.api import create_user_app
from accord.errors import InvalidInput
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, Node, SearchFilters, search_day

MISSING = "jpn-" + "0" * 32


def _call(node: Node, method: str, path: str, token: str | None = None, **kw: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_user_app(node))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kw.pop("headers", {}))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.request(method, path, headers=headers, **kw)

    return asyncio.run(go())


def _token(node: Node, name: str) -> str:
    return node.accounts.issue_token(name, days=1, actor="authority")[1]


def _item(node: Node, level: str, rel: list[str]) -> str:
    return node.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, f"report {level}", "text", "Assessment"),
            LabelRequest(level, rel, ["DPRK-MISSILE"]),
            Precedence.ROUTINE,
        ),
        actor="sato",
    ).id


def test_requests_need_a_valid_token(federation: Any) -> None:
    jpn = federation.jpn
    assert _call(jpn, "GET", "/api/v1/me").status_code == 401
    assert _call(jpn, "GET", "/api/v1/me", token="acc_nope_nope").json() == {"error": "unauthorized"}
    me = _call(jpn, "GET", "/api/v1/me", token=_token(jpn, "sato"))
    assert me.status_code == 200
    assert me.json()["name"] == "sato"


def test_a_denied_item_looks_like_a_missing_one(federation: Any) -> None:
    jpn = federation.jpn
    jpn.users.add(NewUser("suzuki", role="analyst", clearance="秘", ntk=["DPRK-MISSILE"]), actor="authority")
    secret = _item(jpn, "極秘", ["KOR"])
    token = _token(jpn, "suzuki")
    denied = _call(jpn, "GET", f"/api/v1/items/{secret}", token=token)
    missing = _call(jpn, "GET", f"/api/v1/items/{MISSING}", token=token)
    assert denied.status_code == missing.status_code == 404
    assert denied.json() == {"error": "NotFound", "reason": f"no item {secret!r} at this node"}
    assert missing.json() == {
        "error": "NotFound",
        "reason": "no item 'jpn-00000000000000000000000000000000' at this node",
    }
    # The same body as the release of a missing or withheld item (docs/errors.md: one shape).
    for probed in (secret, "jpn-00000000000000000000000000000000"):
        sent = _call(jpn, "POST", f"/api/v1/items/{probed}/send", token=token, json={"to": "KOR"})
        got = _call(jpn, "GET", f"/api/v1/items/{probed}", token=token)
        assert (sent.status_code, sent.json()) == (got.status_code, got.json())
    shown = _call(jpn, "GET", f"/api/v1/items/{secret}", token=_token(jpn, "sato"))
    assert shown.status_code == 200
    assert shown.json()["banners"][0].startswith("極秘 (GOKUHI) // SECRET")


def test_release_and_outbox(federation: Any) -> None:
    jpn = federation.jpn
    item = _item(jpn, "秘", ["KOR"])
    sent = _call(jpn, "POST", f"/api/v1/items/{item}/send", token=_token(jpn, "sato"), json={"to": "KOR"})
    assert sent.status_code == 200, sent.text
    assert sent.json()[0]["party"] == "KOR"
    refused = _call(jpn, "POST", f"/api/v1/items/{item}/send", token=_token(jpn, "sato"), json={"to": "USA"})
    assert refused.status_code in (403, 404)
    assert "reason" in refused.json()
    jpn.users.add(NewUser("ito", role="analyst", clearance="秘", ntk=[]), actor="authority")
    assert _call(jpn, "GET", "/api/v1/outbox", token=_token(jpn, "ito")).status_code == 403
    # The outbox shows only what the officer may read: tanaka lacks the need to know.
    jpn.users.add(NewUser("tanaka", role="officer", clearance="機密", ntk=[]), actor="authority")
    outbox = _call(jpn, "GET", "/api/v1/outbox", token=_token(jpn, "tanaka"))
    assert outbox.json() == []
    jpn.users.add(NewUser("mori", role="officer", clearance="機密", ntk=["DPRK-MISSILE"]), actor="authority")
    outbox = _call(jpn, "GET", "/api/v1/outbox", token=_token(jpn, "mori"))
    assert [e["item_id"] for e in outbox.json()] == [item]


def test_the_item_list_pages_what_the_user_may_read_and_counts_nothing_withheld(federation: Any) -> None:
    jpn = federation.jpn
    jpn.users.add(NewUser("suzuki", role="analyst", clearance="秘", ntk=["DPRK-MISSILE"]), actor="authority")
    readable = [_item(jpn, "秘", ["KOR"]) for _ in range(3)]
    _item(jpn, "極秘", ["KOR"])  # above suzuki's clearance: in no page and no total
    token = _token(jpn, "suzuki")
    first = _call(jpn, "GET", "/api/v1/items", token=token, params={"limit": 2})
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["total"], body["more"], body["offset"], body["limit"]) == (3, True, 0, 2)
    assert len(body["items"]) == 2
    assert body["items"][0]["banner"].startswith("秘 (HI) // CONFIDENTIAL")
    rest = _call(jpn, "GET", "/api/v1/items", token=token, params={"limit": 2, "offset": 2}).json()
    assert (len(rest["items"]), rest["more"], rest["total"]) == (1, False, 3)
    # The two pages together: each readable item once, the withheld one in neither.
    assert sorted(i["id"] for i in [*body["items"], *rest["items"]]) == sorted(readable)
    # The same listing as the node's (and so as `accord item list --json`) for the same page.
    assert body["items"] == jpn.items.listing(actor="suzuki", limit=2).to_dict()["items"]
    assert _call(jpn, "GET", "/api/v1/items").status_code == 401


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"limit": "many"},
        {"offset": 2**63 - 1},
        {"offset": 99999999999999999999999},
    ],
    ids=[
        "limit-zero",
        "limit-over-cap",
        "negative-offset",
        "limit-not-a-number",
        "offset-at-sqlite-max",
        "offset-beyond-64-bits",
    ],
)
def test_a_bad_item_list_page_is_400(federation: Any, params: dict[str, object]) -> None:
    jpn = federation.jpn
    refused = _call(jpn, "GET", "/api/v1/items", token=_token(jpn, "sato"), params=params)
    assert refused.status_code == 400
    assert refused.json()["error"] == "InvalidInput"


@pytest.mark.parametrize("path", ["/api/openapi.json"])
def test_the_api_is_documented(federation: Any, path: str) -> None:
    doc = _call(federation.jpn, "GET", path).json()
    routes = {"/api/v1/me", "/api/v1/inbox", "/api/v1/items", "/api/v1/items/{item_id}", "/api/v1/outbox"}
    assert routes <= set(doc["paths"])


@pytest.mark.parametrize(
    ("body", "where"),
    [
        pytest.param(b'{"to": "KOR",', "body", id="malformed-json"),
        pytest.param(b'{"precedence": "FLASH"}', "body.to", id="missing-field"),
        pytest.param(b'["KOR"]', "body", id="not-an-object"),
    ],
)
def test_malformed_input_is_400_with_the_documented_body(federation: Any, body: bytes, where: str) -> None:
    jpn = federation.jpn
    item = _item(jpn, "秘", ["KOR"])
    answer = _call(
        jpn,
        "POST",
        f"/api/v1/items/{item}/send",
        token=_token(jpn, "sato"),
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"error", "reason"}
    assert answer.json()["error"] == "InvalidInput"
    assert answer.json()["reason"].startswith(f"malformed request: {where}")
    assert '"to": "KOR",' not in answer.text  # the input is not echoed back


def test_an_oversized_request_body_is_refused_before_it_is_read(federation: Any) -> None:
    jpn = federation.jpn
    item = _item(jpn, "秘", ["KOR"])
    token = _token(jpn, "sato")
    padded = '{"to": "KOR", "pad": "' + "x" * (64 * 1024) + '"}'
    declared = _call(jpn, "POST", f"/api/v1/items/{item}/send", token=token, content=padded)
    assert declared.status_code == 413
    assert declared.json() == {"error": "InvalidInput", "reason": "a request body is limited to 64 KiB"}

    async def chunks() -> Any:  # no Content-Length: sent chunked, refused once past the cap
        for _ in range(100):
            yield b"x" * 1024

    chunked = _call(jpn, "POST", f"/api/v1/items/{item}/send", token=token, content=chunks())
    assert chunked.status_code == 413
    assert jpn.delivery.outbox() == []  # nothing was released
    small = _call(jpn, "POST", f"/api/v1/items/{item}/send", token=token, json={"to": "KOR"})
    assert small.status_code == 200, small.text


def test_a_role_refusal_cites_the_users_documentation_not_the_design_notes(federation: Any) -> None:
    """The 403 body sends the person refused to docs/policy.md, which users have (DESIGN.md they do not)."""
    jpn = federation.jpn
    jpn.users.add(NewUser("ito", role="analyst", clearance="秘", ntk=["DPRK-MISSILE"]), actor="authority")
    item = _item(jpn, "秘", ["KOR"])
    token = _token(jpn, "ito")
    refused = _call(jpn, "POST", f"/api/v1/items/{item}/send", token=token, json={"to": "KOR"})
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"].endswith(
        "denied: the analyst role may not release items (docs/policy.md, role table; Art. 7)"
    )
    outbox = _call(jpn, "GET", "/api/v1/outbox", token=token)
    assert outbox.status_code == 403
    assert "DESIGN.md" not in outbox.text


def test_search_reads_a_bare_date_as_the_cli_and_console_do(federation: Any, clock: Any) -> None:
    """``until=DAY`` includes DAY and ``since=DAY`` starts it (search_day, shared by all three);
    a full time stays exact."""
    jpn = federation.jpn
    clock.now = clock.now.replace(hour=15, minute=0, second=0, microsecond=0)
    _item(jpn, "秘", ["KOR"])
    token = _token(jpn, "sato")
    day = clock.now.date().isoformat()
    before = (clock.now.date() - timedelta(days=1)).isoformat()

    def api(**params: str) -> int:
        answer = _call(jpn, "GET", "/api/v1/search", token=token, params={"q": "report", **params})
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    def node(**params: str) -> int:  # what the CLI and the console pass to the node
        bounds = {
            "since": search_day(params["since"], "since") if "since" in params else None,
            "until": search_day(params["until"], "until", days_after=1) if "until" in params else None,
        }
        return jpn.items.search.search("report", actor="sato", filters=SearchFilters(**bounds)).total

    for params, expected in [
        ({"until": day}, 1),
        ({"since": day}, 1),
        ({"since": day, "until": day}, 1),
        ({"until": before}, 0),
        ({"until": f"{day}T14:59:59Z"}, 0),
        ({"until": f"{day}T15:00:01Z"}, 1),
        ({"since": f"{day}T15:00:01"}, 0),
        ({"until": f"{day}T16:00:01+09:00"}, 0),
    ]:
        assert api(**params) == node(**params) == expected, params
    bad = _call(jpn, "GET", "/api/v1/search", token=token, params={"q": "report", "until": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["reason"] == "until wants a date such as 2026-11-25, not 'yesterday'"


def test_search_refuses_a_query_that_is_not_utf8_in_the_cli_words(federation: Any) -> None:
    jpn = federation.jpn
    answer = _call(jpn, "GET", "/api/v1/search?q=%FF%FE", token=_token(jpn, "sato"))
    assert answer.status_code == 400
    assert answer.json() == {"error": "InvalidInput", "reason": "the search query is not valid UTF-8 text"}
    with pytest.raises(InvalidInput, match="not valid UTF-8") as cli:
        jpn.items.search.search("\udcff\udcfe", actor="sato", filters=SearchFilters())  # argv's surrogates
    assert str(cli.value) == answer.json()["reason"]


@pytest.mark.parametrize(
    "until", ["9999-12-31", "0001-01-01T00:00:00+01:00"], ids=["last-day", "before-year-1"]
)
def test_a_search_day_that_overflows_is_400_not_500(federation: Any, until: str) -> None:
    jpn = federation.jpn
    params = {"q": "report", "until": until}
    refused = _call(jpn, "GET", "/api/v1/search", token=_token(jpn, "sato"), params=params)
    assert refused.status_code == 400
    assert refused.json()["error"] == "InvalidInput"

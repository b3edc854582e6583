"""The importers' own body caps on the user API port; 64 KiB for every other route (issue 13).

Each importer route takes a body as large as its CLI command reads from a file: a valid body
padded to exactly the cap is imported, one byte more is refused with 413 — declared or
streamed without a length — with a clear reason, journalled, nothing stored. TAXII refusals
are TAXII's (its media type), and the API root advertises the real cap.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from support_misp import EVENT_FILE, MAP_FILE, last_refusal

from accord.cli._serve import user_app
from accord.interop import MAX_MISP_BYTES, MAX_STIX_BYTES, TAXII_MEDIA_TYPE, StixExchange
from accord.limits import (
    IMPORTER_BODY_CAPS,
    MAX_BINDING_XML_BYTES,
    MAX_DOCUMENT_BYTES,
    MAX_MISP_BODY_BYTES,
    MAX_STANAG4778_BODY_BYTES,
    MAX_STIX_BODY_BYTES,
    MAX_TAXII_BODY_BYTES,
    MAX_USER_API_BODY_BYTES,
    user_api_body_cap,
)
from accord.node import Node
from accord.store import ItemRow, JournalRow

PASSWORD = "correct horse battery staple"
TAXII_OBJECTS = "/taxii2/api/collections/{}/objects/"


def _call(
    node: Node, route: str, body: bytes, *, headers: dict[str, str], streamed: bool = False
) -> httpx.Response:
    """``route`` is ``"POST /path"``; a ``streamed`` body is sent in pieces without a length."""
    method, path = route.split(" ", 1)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=user_app(node))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            content = chunks() if streamed else body
            return await client.request(method, path, headers=headers, content=content)

    return asyncio.run(go())


def _bearer(node: Node) -> dict[str, str]:
    return {"Authorization": f"Bearer {node.accounts.issue_token('sato', days=1, actor='authority')[1]}"}


def _basic(node: Node) -> dict[str, str]:
    node.accounts.set_password("sato", PASSWORD, actor="authority")
    pair = base64.b64encode(f"sato:{PASSWORD}".encode()).decode()
    return {"Authorization": f"Basic {pair}", "Content-Type": TAXII_MEDIA_TYPE, "Accept": TAXII_MEDIA_TYPE}


def _padded(body: bytes, size: int) -> bytes:
    """``body`` with whitespace after it, to exactly ``size`` bytes (JSON and XML allow it)."""
    assert len(body) <= size
    return body + b" " * (size - len(body))


def _items(node: Node) -> int:
    with node.ctx.db.transaction(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(ItemRow)) or 0


def _stix(node: Node, item: str) -> bytes:
    return json.dumps(StixExchange(node).export([item], actor="sato")).encode()


def _misp() -> bytes:
    request = {
        "classification_map": MAP_FILE.read_text(encoding="utf-8"),
        "events": json.loads(EVENT_FILE.read_text(encoding="utf-8")),
    }
    return json.dumps(request, ensure_ascii=False).encode()


def test_the_caps_are_the_cli_limits() -> None:
    # Each importer route takes what its command reads from a file; the MISP route carries
    # the classification map beside the events.
    assert MAX_STIX_BODY_BYTES == MAX_STIX_BYTES == 4 * 2**20
    assert MAX_TAXII_BODY_BYTES == MAX_STIX_BYTES
    assert MAX_MISP_BODY_BYTES == MAX_MISP_BYTES + MAX_DOCUMENT_BYTES
    assert MAX_STANAG4778_BODY_BYTES == MAX_BINDING_XML_BYTES
    assert MAX_USER_API_BODY_BYTES == 64 * 1024
    assert user_api_body_cap("POST", "/api/v1/stix").limit == MAX_STIX_BODY_BYTES
    assert user_api_body_cap("POST", "/taxii2/api/collections/x/objects/").limit == MAX_TAXII_BODY_BYTES
    # Every other route, method or path (a GET, a neighbour, a longer path) keeps 64 KiB.
    for method, path in (
        ("GET", "/api/v1/stix"),
        ("POST", "/api/v1/stix/x"),
        ("POST", "/api/v1/items/x/send"),
        ("POST", "/taxii2/api/collections/x/objects/y/"),
        ("POST", "/api/v1/stixx"),
    ):
        assert user_api_body_cap(method, path).limit == MAX_USER_API_BODY_BYTES, path
    assert len(IMPORTER_BODY_CAPS) == 4


def _collection_path(federation: Any, headers: dict[str, str]) -> str:
    answer = _call(federation.jpn, "GET /taxii2/api/collections/", b"", headers=headers)
    assert answer.status_code == 200, answer.text
    wanted = f"Agreement {federation.agreement_id}"
    found = next(c["id"] for c in answer.json()["collections"] if c["title"] == wanted)
    return TAXII_OBJECTS.format(found)


@pytest.mark.parametrize("door", ["stix", "misp", "stanag4778", "taxii"])
def test_just_under_and_just_over_each_cap(federation: Any, jpn_item: str, door: str) -> None:
    jpn = federation.jpn
    headers = _bearer(jpn)
    if door == "stix":
        path, body, cap, created = "/api/v1/stix", _stix(jpn, jpn_item), MAX_STIX_BODY_BYTES, 201
    elif door == "misp":
        path, body, cap, created = "/api/v1/misp", _misp(), MAX_MISP_BODY_BYTES, 201
    elif door == "stanag4778":
        body = jpn.items.binding_4778(jpn_item, actor="sato")
        path, cap, created = "/api/v1/stanag4778", MAX_STANAG4778_BODY_BYTES, 201
    else:
        headers = _basic(jpn)
        path = _collection_path(federation, headers)
        objects = json.loads(_stix(jpn, jpn_item))["objects"]
        body, cap, created = json.dumps({"objects": objects}).encode(), MAX_TAXII_BODY_BYTES, 202
    before = _items(jpn)
    # One byte over: refused before a byte of it is parsed, declared or streamed.
    for streamed in (False, True):
        over = _call(jpn, f"POST {path}", _padded(body, cap + 1), headers=headers, streamed=streamed)
        assert over.status_code == 413, (streamed, over.text)
        assert over.headers["connection"] == "close"
        reason = over.json()["description" if door == "taxii" else "reason"]
        assert reason.endswith(f"is limited to {cap // 2**20} MiB"), reason
        if door == "taxii":
            assert over.headers["content-type"] == TAXII_MEDIA_TYPE
        assert _items(jpn) == before
        action, outcome, detail = last_refusal(jpn)
        assert (action, outcome, detail["path"]) == ("api.oversized", "refused", path)
        if door == "taxii":  # HTTP Basic: the name claimed, as no password is checked for a 413
            assert detail["as"] == "sato"
        assert "is limited to" in str(detail["reason"])
    # Exactly the cap: read, parsed and imported.
    under = _call(jpn, f"POST {path}", _padded(body, cap), headers=headers)
    assert under.status_code == created, under.text[:500]
    if door == "taxii":
        assert under.json()["success_count"] == len(json.loads(body)["objects"])
    assert _items(jpn) == before + 1


def test_every_other_route_keeps_64_kib(federation: Any, jpn_item: str) -> None:
    jpn = federation.jpn
    headers = {**_bearer(jpn), "Content-Type": "application/json"}
    path = f"/api/v1/items/{jpn_item}/send"
    send = json.dumps({"to": "XXX"}).encode()
    over = _call(jpn, f"POST {path}", _padded(send, MAX_USER_API_BODY_BYTES + 1), headers=headers)
    assert over.status_code == 413
    assert over.json() == {"error": "InvalidInput", "reason": "a request body is limited to 64 KiB"}
    assert last_refusal(jpn)[0] == "api.oversized"
    under = _call(jpn, f"POST {path}", _padded(send, MAX_USER_API_BODY_BYTES), headers=headers)
    assert under.status_code != 413  # read and answered by the route (an unknown party)
    # A TAXII route other than the objects POST: 64 KiB, refused in TAXII's media type.
    taxii = _basic(jpn)
    big = _call(jpn, "POST /taxii2/api/", b" " * (MAX_USER_API_BODY_BYTES + 1), headers=taxii)
    assert big.status_code == 413
    assert big.headers["content-type"] == TAXII_MEDIA_TYPE
    assert big.json()["http_status"] == "413"


def test_the_api_root_advertises_the_real_cap(federation: Any) -> None:
    answer = _call(federation.jpn, "GET /taxii2/api/", b"", headers=_basic(federation.jpn))
    assert answer.status_code == 200, answer.text
    assert answer.json()["max_content_length"] == MAX_TAXII_BODY_BYTES


def test_an_oversized_body_is_journalled_as_its_sender(federation: Any) -> None:
    # Who sent it is journalled when the bearer token is valid; "unknown" otherwise.
    jpn = federation.jpn
    over = b" " * (MAX_STIX_BODY_BYTES + 1)
    assert _call(jpn, "POST /api/v1/stix", over, headers=_bearer(jpn)).status_code == 413
    assert last_refusal(jpn)[:2] == ("api.oversized", "refused")
    anonymous = _call(jpn, "POST /api/v1/stix", over, headers={"Authorization": "Bearer nope"})
    assert anonymous.status_code == 413
    with jpn.ctx.db.transaction(read_only=True) as session:
        last = session.scalars(select(JournalRow).order_by(JournalRow.seq.desc()).limit(1)).one()
    assert (last.actor, last.action, last.outcome) == ("unknown", "api.oversized", "refused")
    assert json.loads(last.detail_json)["path"] == "/api/v1/stix"

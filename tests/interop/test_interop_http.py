"""STIX, STANAG 4778 and MISP over HTTP: the user API port's ``/api/v1/`` routes (issue 13).

The app is the one ``accord serve`` composes (:func:`accord.cli._serve.user_app`): the routes
answer as their CLI commands do, with the user API's refusals.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from support_interop import make_kor_launch
from support_misp import EVENT_FILE, MAP_FILE, last_refusal

from accord.cli._serve import user_app
from accord.interop import create_interop_router
from accord.limits import MAX_STIX_BODY_BYTES
from accord.node import Node

MISSING = "jpn-" + "0" * 32


def _token(node: Node, name: str) -> str:
    return node.accounts.issue_token(name, days=1, actor="authority")[1]


def _call(node: Node, method: str, path: str, *, token: str | None, body: bytes = b"") -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=user_app(node))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
            return await client.request(method, path, headers=headers, content=body or None)

    return asyncio.run(go())


def _items(node: Node) -> int:
    return len(node.items.all())


def test_the_routes_are_the_five_documented(federation: Any) -> None:
    routes = {
        (method, route.path)
        for route in create_interop_router(federation.jpn).routes
        if isinstance(route, APIRoute)
        for method in route.methods
    }
    assert routes == {
        ("GET", "/api/v1/items/{item_id}/stix"),
        ("POST", "/api/v1/stix"),
        ("GET", "/api/v1/items/{item_id}/stanag4778"),
        ("POST", "/api/v1/stanag4778"),
        ("POST", "/api/v1/misp"),
    }


def test_stix_export_and_import_over_http(federation: Any, jpn_item: str) -> None:
    jpn = federation.jpn
    token = _token(jpn, "sato")
    exported = _call(jpn, "GET", f"/api/v1/items/{jpn_item}/stix", token=token)
    assert exported.status_code == 200, exported.text
    bundle = exported.json()
    assert bundle["type"] == "bundle"
    before = _items(jpn)
    imported = _call(jpn, "POST", "/api/v1/stix", token=token, body=json.dumps(bundle).encode())
    assert imported.status_code == 201, imported.text
    [created] = imported.json()["created"]
    assert created != jpn_item
    assert _items(jpn) == before + 1
    assert (
        jpn.items.show(created, actor="sato").content.title
        == jpn.items.show(jpn_item, actor="sato").content.title
    )
    again = _call(jpn, "POST", "/api/v1/stix", token=token, body=json.dumps(bundle).encode())
    assert again.status_code == 409, again.text
    assert f"is item {created}" in again.json()["reason"]
    assert _items(jpn) == before + 1


def test_stanag_4778_within_the_party_is_imported_over_http(federation: Any, jpn_item: str) -> None:
    jpn = federation.jpn
    token = _token(jpn, "sato")
    exported = _call(jpn, "GET", f"/api/v1/items/{jpn_item}/stanag4778", token=token)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/xml")
    before = _items(jpn)
    imported = _call(jpn, "POST", "/api/v1/stanag4778", token=token, body=exported.content)
    assert imported.status_code == 201, imported.text
    [created] = imported.json()["created"]
    assert any("極秘" in banner for banner in jpn.items.show(created, actor="sato").banners)
    assert _items(jpn) == before + 1


def test_stanag_4778_of_a_partners_item_is_refused_over_http(federation: Any, jpn_item: str) -> None:
    jpn, kor = federation.jpn, federation.kor
    exported = _call(jpn, "GET", f"/api/v1/items/{jpn_item}/stanag4778", token=_token(jpn, "sato"))
    before = _items(kor)
    refused = _call(kor, "POST", "/api/v1/stanag4778", token=_token(kor, "kim"), body=exported.content)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "PolicyDenied"
    assert "signed by a node of JPN" in refused.json()["reason"]
    assert _items(kor) == before


@pytest.mark.parametrize("path", ["/api/v1/items/{item}/stix", "/api/v1/items/{item}/stanag4778"])
def test_a_withheld_item_answers_as_a_missing_one(federation: Any, jpn_item: str, path: str) -> None:
    kor = federation.kor
    held = make_kor_launch(kor, federation.agreement_id)
    lee = _token(kor, "lee")  # 대외비: may not read a 군사Ⅱ급비밀 item
    denied = _call(kor, "GET", path.format(item=held), token=lee)
    missing = _call(kor, "GET", path.format(item=MISSING), token=lee)
    assert denied.status_code == missing.status_code == 404
    assert denied.json()["error"] == missing.json()["error"] == "NotFound"
    # The same words, but for the id asked about: nothing of the item itself.
    assert denied.json()["reason"].replace(held, "ID") == missing.json()["reason"].replace(MISSING, "ID")


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_no_valid_token_is_401_and_changes_nothing(federation: Any, jpn_item: str, token: str | None) -> None:
    jpn = federation.jpn
    before = _items(jpn)
    for method, path, body in (
        ("GET", f"/api/v1/items/{jpn_item}/stix", b""),
        ("POST", "/api/v1/stix", b"{}"),
        ("GET", f"/api/v1/items/{jpn_item}/stanag4778", b""),
        ("POST", "/api/v1/stanag4778", b"<x/>"),
        ("POST", "/api/v1/misp", b"{}"),
    ):
        answer = _call(jpn, method, path, token=token, body=body)
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json() == {"error": "unauthorized"}
        assert answer.headers["www-authenticate"] == "Bearer"
    assert _items(jpn) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/stix", b"{not json"),
        ("/api/v1/stix", b'{"type": "bundle", "id": "bundle--x", "objects": []}'),
        ("/api/v1/stix", b"\xff\xfe"),
        ("/api/v1/stanag4778", b"<not-a-binding/>"),
        ("/api/v1/stanag4778", b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'),
        ("/api/v1/stanag4778", b"\xff"),
        ("/api/v1/misp", b"[]"),
        ("/api/v1/misp", b'{"events": {}}'),
        ("/api/v1/misp", b'{"classification_map": "version = 1", "events": {"Event": {"info": "x"}}}'),
        ("/api/v1/misp", b"\xff"),
    ],
)
def test_a_bad_body_is_a_clear_refusal_and_stores_nothing(federation: Any, path: str, body: bytes) -> None:
    jpn = federation.jpn
    before = _items(jpn)
    answer = _call(jpn, "POST", path, token=_token(jpn, "sato"), body=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "InvalidInput"
    assert answer.json()["reason"]
    assert _items(jpn) == before


def test_an_oversized_body_is_refused_before_it_is_read(federation: Any) -> None:
    jpn = federation.jpn
    before = _items(jpn)
    answer = _call(
        jpn, "POST", "/api/v1/stix", token=_token(jpn, "sato"), body=b" " * (MAX_STIX_BODY_BYTES + 1)
    )
    assert answer.status_code == 413
    assert _items(jpn) == before


def test_misp_import_over_http(federation: Any) -> None:
    jpn = federation.jpn
    token = _token(jpn, "sato")
    request = {
        "classification_map": MAP_FILE.read_text(encoding="utf-8"),
        "events": json.loads(EVENT_FILE.read_text(encoding="utf-8")),
    }
    imported = _call(jpn, "POST", "/api/v1/misp", token=token, body=json.dumps(request).encode())
    assert imported.status_code == 201, imported.text
    [created] = imported.json()["created"]
    shown = jpn.items.show(created, actor="sato")
    assert shown.marking.originator.classification == "極秘"
    assert shown.content.fields["count"] == 2
    before = _items(jpn)
    request["events"]["Event"]["Tag"] = [{"name": "tlp:amber"}]
    refused = _call(jpn, "POST", "/api/v1/misp", token=token, body=json.dumps(request).encode())
    assert refused.status_code == 400, refused.text
    assert "no tag of the classification map" in refused.json()["reason"]
    assert _items(jpn) == before
    assert last_refusal(jpn)[:2] == ("misp.import", "refused")

"""``Authorization: bearer <token>`` in any case of the scheme (RFC 7235 §2.1), on every route that reads one.

The app is the one ``accord serve`` composes: the user API, the TAXII server and the
importers' routes. Before, the user API alone answered 401 to "bearer" in lower case.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from accord.cli._serve import user_app
from accord.node import Node

MISSING = "jpn-" + "0" * 32


def _get(node: Node, path: str, authorization: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=user_app(node))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            return await client.get(path, headers={"Authorization": authorization})

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/api/v1/me", 200, id="user-api"),
        pytest.param("/taxii2/", 200, id="taxii"),
        pytest.param(f"/api/v1/items/{MISSING}/stix", 404, id="importers"),  # past the token: not 401
    ],
)
def test_the_bearer_scheme_is_matched_in_any_case(federation: Any, path: str, status: int) -> None:
    jpn = federation.jpn
    token = jpn.accounts.issue_token("sato", days=1, actor="authority")[1]
    for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
        assert _get(jpn, path, f"{scheme} {token}").status_code == status, scheme
        # Still a token, and a valid one, is needed whatever the case.
        assert _get(jpn, path, f"{scheme} acc_nope_nope").status_code == 401, scheme
        assert _get(jpn, path, f"{scheme} ").status_code == 401, scheme
    assert _get(jpn, path, f"Bearer{token}").status_code == 401

"""``accord serve`` puts the user API and the web console on one port, loopback unless TLS (ADR 0006)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from accord.cli._serve import UserApiServer, user_and_console_app
from accord.errors import InvalidInput
from accord.node import Node


def _get(app: object, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.get(path)

    return asyncio.run(go())


def test_api_paths_go_to_the_json_api_and_the_rest_to_the_console(make_node: Callable[..., Node]) -> None:
    app = user_and_console_app(make_node("KOR"), secure_cookies=False)
    api = _get(app, "/api/v1/me")
    assert api.status_code == 401
    assert api.json() == {"error": "unauthorized"}
    page = _get(app, "/login")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"
    assert "x-frame-options" not in api.headers  # the API's responses are its own


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::"])  # noqa: S104 - the refusal is the test
def test_a_network_address_without_tls_is_refused(make_node: Callable[..., Node], host: str) -> None:
    with pytest.raises(InvalidInput, match="--tls-cert"):
        UserApiServer(make_node("KOR"), 0, host=host)


def test_loopback_tls_and_the_explicit_unsafe_flag_are_accepted(
    make_node: Callable[..., Node], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    node = make_node("KOR")
    assert UserApiServer(node, 0).scheme == "http"
    assert UserApiServer(node, 0, host="::1").scheme == "http"
    tls = (node.ctx.home.tls_cert, node.ctx.home.tls_key)
    assert UserApiServer(node, 0, host="0.0.0.0", tls=tls).scheme == "https"  # noqa: S104
    UserApiServer(node, 0, host="10.1.2.3", unsafe_plain_http=True)
    assert "UNSAFE" in caplog.text

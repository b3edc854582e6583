"""Helpers of the console tests (imported by name, so collection order never matters)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from accord.node import Node
from support_federation import Loopback

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf" value="([^"]+)"')
LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')


class ConsoleClient:
    """A browser-like client of one console app, in process: cookies kept, redirects followed."""

    def __init__(
        self, app: Any, *, base_url: str = "http://127.0.0.1", follow_redirects: bool = True
    ) -> None:
        self.app = app
        self.base_url = base_url
        self.follow_redirects = follow_redirects
        self.cookies = httpx.Cookies()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request through ``httpx.ASGITransport`` (application errors become 500s)."""

        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(
                transport=transport,
                base_url=self.base_url,
                cookies=self.cookies,
                follow_redirects=kwargs.pop("follow_redirects", self.follow_redirects),
            ) as client:
                response = await client.request(method, path, **kwargs)
                self.cookies = client.cookies
                return response

        # In a thread of its own: a test worker that ran the browser tests may hold Playwright's
        # event loop in this thread.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, go()).result()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def close(self) -> None:
        self.cookies.clear()

    def sign_in(self, user: str, password: str = PASSWORD) -> httpx.Response:
        """Post the sign-in form as a browser would (its login token from the page)."""
        page = self.get("/login")
        token = LOGIN_TOKEN.search(page.text)
        assert token is not None
        return self.post("/login", data={"user": user, "password": password, "login_token": token[1]})

    def csrf(self, path: str = "/inbox") -> str:
        """The session's CSRF token, read from a page's form."""
        found = TOKEN.search(self.get(path).text)
        assert found is not None
        return found[1]


@dataclass
class ConsoleWorld:
    federation: Any
    kor: Node
    jpn: Node
    report: str
    client: Callable[..., ConsoleClient]


def deliver_to_kor(federation: Any, item_id: str) -> None:
    """Send ``item_id`` from JPN to KOR (sato releases it) and deliver it in process."""
    jpn, kor = federation.jpn, federation.kor
    jpn.sending.send(item_id, to="KOR", actor="sato")
    for peer, lane in jpn.delivery.peers_with_pending():
        jpn.delivery.deliver_once(peer, lane, Loopback(kor))

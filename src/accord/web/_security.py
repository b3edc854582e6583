"""What every console response carries, and what no console request may be (issue 11, ADR 0006).

* :class:`SecurityHeaders` — a strict Content-Security-Policy (only this origin's files: no
  inline script or style, no framing, forms post only here), ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer``, ``nosniff``, and ``Cache-Control: no-store`` on every
  response, so no page with classified information is kept by the browser;
* :class:`BodyCap` — a request body over the cap is refused with 413 before it is parsed
  (declared length) or as soon as it passes the cap (chunked), and the connection closed;
* :class:`ServerTiming` — ``Server-Timing: app;dur=…``, the milliseconds the console took
  before its response began (the page rendered, the node's work done): what ``bench/console.py``
  and a browser's developer tools read as the server's share of a page's time. A client can
  measure the whole round trip anyway; the header tells no more than that.
"""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONTENT_SECURITY_POLICY", "HEADERS", "BodyCap", "SecurityHeaders", "ServerTiming"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("ascii")),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
_NAMES = frozenset(name for name, _ in HEADERS)


Headers = list[tuple[bytes, bytes]]
"""A response's headers as ASGI gives them: (lower-case name, value) pairs."""


class _ResponseStart(ABC):
    """Rewrites the headers of every HTTP response as it starts; the rest passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; rewrite the headers of its response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewrite = self.rewriter()

        async def rewritten(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": rewrite(message.get("headers", []))}
            await send(message)

        await self.app(scope, receive, rewritten)

    @abstractmethod
    def rewriter(self) -> Callable[[Headers], Headers]:
        """For one request, taken as it begins: what its response's headers become."""


class SecurityHeaders(_ResponseStart):
    """Sets :data:`HEADERS` on every HTTP response, replacing any the application set."""

    def rewriter(self) -> Callable[[Headers], Headers]:
        """The application's headers but those of :data:`HEADERS`, then :data:`HEADERS`."""
        return _secured


def _secured(headers: Headers) -> Headers:
    return [*((k, v) for k, v in headers if k.lower() not in _NAMES), *HEADERS]


class ServerTiming(_ResponseStart):
    """Adds ``Server-Timing: app;dur=<ms>`` to every HTTP response: the time until it began."""

    def rewriter(self) -> Callable[[Headers], Headers]:
        """The application's headers and ``Server-Timing``, timed from now."""
        start = time.perf_counter()

        def timed(headers: Headers) -> Headers:
            took = f"app;dur={(time.perf_counter() - start) * 1000:.1f}".encode("ascii")
            return [*headers, (b"server-timing", took)]

        return timed


class _TooLarge(Exception):
    pass


Refused = Callable[[Scope], Awaitable[None]]
"""Told of each request refused for its size (to journal it)."""


class BodyCap:
    """Refuses a request body over ``cap`` bytes with 413 (the page says why), in bounded memory."""

    def __init__(self, app: ASGIApp, cap: int, on_refused: Refused | None = None) -> None:
        """Wrap ``app``; ``on_refused`` is told of every refusal."""
        self.app = app
        self.cap = cap
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request unless its body is over the cap."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.cap):
            await self._refuse(scope, send)
            return
        seen = 0
        started = over = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.cap:
                    over = True
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if over:
                return  # whatever the application answers to the interrupted body (a 500) is dropped
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted, watched)
        if over and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if self.on_refused is not None:
            await self.on_refused(scope)
        body = f"413: a request to the console is limited to {self.cap // (1024 * 1024)} MiB\n".encode()
        # Connection: close, so that an unread body is never parsed as the next request.
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

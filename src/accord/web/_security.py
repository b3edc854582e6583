"""What every console response carries, and what no console request may be (issue 11, ADR 0006).

* :class:`SecurityHeaders` — a strict Content-Security-Policy (only this origin's files: no
  inline script or style, no framing, forms post only here), ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer``, ``nosniff``, and ``Cache-Control: no-store`` on every
  response, so no page with classified information is kept by the browser;
* :class:`BodyCap` — a request body over the cap is refused with 413 before it is parsed
  (declared length) or as soon as it passes the cap (chunked), and the connection closed
  (:class:`accord.asgi.StreamedBodyCap`, the user API's rule counted as the console reads);
* :class:`ServerTiming` — ``Server-Timing: app;dur=…``, the milliseconds the console took
  before its response began (the page rendered, the node's work done): what ``bench/console.py``
  and a browser's developer tools read as the server's share of a page's time. A client can
  measure the whole round trip anyway; the header tells no more than that.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Awaitable, Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.asgi import HttpMiddleware, StreamedBodyCap
from accord.limits import BodyCap as Cap

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


class _ResponseStart(HttpMiddleware):
    """Rewrites the headers of every HTTP response as it starts; the rest passes untouched."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; rewrite the headers of its response start."""
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


Refused = Callable[[Scope], Awaitable[None]]
"""Told of each request refused for its size (to journal it)."""


class BodyCap(StreamedBodyCap):
    """Refuses a request body over ``cap`` bytes with 413 (the page says why), in bounded memory."""

    def __init__(self, app: ASGIApp, cap: int, on_refused: Refused | None = None) -> None:
        """Wrap ``app``; ``on_refused`` is told of every refusal."""
        super().__init__(app)
        self._cap = Cap("*", ".*", cap, "a request to the console")
        self.on_refused = on_refused

    def cap(self, scope: Scope) -> Cap:
        """The console's one cap, whatever the request."""
        return self._cap

    async def refusal(self, scope: Scope, cap: Cap) -> Response:
        """A plain-text page saying the cap, after telling ``on_refused``."""
        if self.on_refused is not None:
            await self.on_refused(scope)
        text = f"413: {cap.what} is limited to {cap.limit // (1024 * 1024)} MiB\n"
        return Response(text.encode(), 413, media_type="text/plain; charset=utf-8")

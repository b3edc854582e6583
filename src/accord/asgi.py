"""ASGI plumbing that more than one interface shares: the layer below the user API and the console.

``accord.api`` and ``accord.web`` may not import each other (the layers contract), so what both
do to a raw request lives here, once:

* :class:`HttpMiddleware` — a middleware that sees HTTP requests only (lifespan and other
  scopes pass through untouched);
* :class:`BodyCap` — a request body over its cap is refused with 413 and the connection closed:
  a declared ``Content-Length`` over the cap (or not a number) before any of the body is read, a
  body sent without one (chunked) as soon as it passes the cap. Two ways of counting:
  :class:`BufferedBodyCap` reads the whole body before the application sees any of it (the user
  API: bodies of kilobytes, a refusal never reaches a route), :class:`StreamedBodyCap` counts it
  as the application reads (the console: attachments of up to 64 MiB, never held twice).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.limits import BodyCap as Cap

__all__ = ["BodyCap", "BufferedBodyCap", "HttpMiddleware", "StreamedBodyCap"]


class HttpMiddleware(ABC):
    """Wraps an ASGI application; an HTTP request goes to :meth:`http`, any other scope straight through."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the scope: an HTTP request through :meth:`http`."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    @abstractmethod
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request (``self.app`` serves it underneath)."""


class BodyCap(HttpMiddleware):
    """Refuses a request body over its cap with 413 in bounded memory; subclasses say the cap and answer."""

    @abstractmethod
    def cap(self, scope: Scope) -> Cap:
        """The cap on the body of this request."""

    @abstractmethod
    async def refusal(self, scope: Scope, cap: Cap) -> Response:
        """What a request over ``cap`` is answered (journal it here); sent with ``Connection: close``."""

    @abstractmethod
    async def counted(self, scope: Scope, receive: Receive, send: Send, cap: Cap) -> None:
        """Serve a request whose declared length (if any) is within ``cap``, refusing it past the cap."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request unless its body is over the cap."""
        cap = self.cap(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap.limit):
            await self.refuse(scope, receive, send, cap)
            return
        await self.counted(scope, receive, send, cap)

    async def refuse(self, scope: Scope, receive: Receive, send: Send, cap: Cap) -> None:
        """Answer :meth:`refusal`."""
        response = await self.refusal(scope, cap)
        # Connection: close, so that an unread body is never parsed as the next request.
        response.headers["connection"] = "close"
        await response(scope, receive, send)


class BufferedBodyCap(BodyCap):
    """Reads the whole body, at most its cap, before the application sees any of it."""

    async def counted(self, scope: Scope, receive: Receive, send: Send, cap: Cap) -> None:
        """Read the body; refuse it past the cap, or hand it to the application unchanged."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay({"type": "http.disconnect"}, receive), send)
                return
            body += message.get("body", b"")
            if len(body) > cap.limit:
                await self.refuse(scope, receive, send, cap)
                return
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": bytes(body), "more_body": False}
        await self.app(scope, _replay(whole, receive), send)


class _TooLarge(Exception):
    pass


class StreamedBodyCap(BodyCap):
    """Counts the body as the application reads it; past the cap, interrupts it and refuses."""

    async def counted(self, scope: Scope, receive: Receive, send: Send, cap: Cap) -> None:
        """Serve the request, its body counted as it is read."""
        seen = 0
        started = over = False

        async def counting() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap.limit:
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
            await self.app(scope, counting, watched)
        if over and not started:
            await self.refuse(scope, receive, send, cap)


def _replay(first: Message, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return first

    return replayed

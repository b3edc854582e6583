"""accord.asgi: the body cap the user API and the console share, on a bare ASGI application."""

from __future__ import annotations

import asyncio

import pytest
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send

from accord.asgi import BodyCap, BufferedBodyCap, HttpMiddleware, StreamedBodyCap
from accord.limits import BodyCap as Cap

_CAP = 10


class _Echo:
    """Reads the whole body and answers it; remembers what it was given."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.bodies.append(body)
        await PlainTextResponse(body.decode())(scope, receive, send)


def _capped(kind: type[BodyCap], app: _Echo) -> BodyCap:
    class Capped(kind):  # type: ignore[valid-type,misc]
        def cap(self, scope: Scope) -> Cap:
            return Cap("*", ".*", _CAP, "a test body")

        async def refusal(self, scope: Scope, cap: Cap) -> Response:
            return PlainTextResponse(f"{cap.what} is limited to {cap.limit}", 413)

    capped: BodyCap = Capped(app)
    return capped


def _serve(
    middleware: HttpMiddleware, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> list[Message]:
    scope: Scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


def _status(sent: list[Message]) -> tuple[int, dict[bytes, bytes], bytes]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


KINDS = pytest.mark.parametrize("kind", [BufferedBodyCap, StreamedBodyCap], ids=["buffered", "streamed"])


@KINDS
@pytest.mark.parametrize(
    "declared", [b"11", b"1e3", b"-1", b""], ids=["over", "exponent", "negative", "empty"]
)
def test_a_declared_length_over_the_cap_or_not_a_number_is_refused_unread(
    kind: type[BodyCap], declared: bytes
) -> None:
    app = _Echo()
    status, headers, body = _status(_serve(_capped(kind, app), [b"x"], [(b"content-length", declared)]))
    assert (status, headers[b"connection"], body) == (413, b"close", b"a test body is limited to 10")
    assert app.bodies == []


@KINDS
def test_a_chunked_body_past_the_cap_is_refused_and_the_connection_closed(kind: type[BodyCap]) -> None:
    app = _Echo()
    sent = _serve(_capped(kind, app), [b"12345", b"67890", b"1"], [])
    status, headers, _ = _status(sent)
    assert (status, headers[b"connection"]) == (413, b"close")
    assert (
        len([m for m in sent if m["type"] == "http.response.start"]) == 1
    )  # the application's answer is dropped


@KINDS
def test_a_body_within_the_cap_reaches_the_application_unchanged(kind: type[BodyCap]) -> None:
    app = _Echo()
    status, headers, body = _status(
        _serve(_capped(kind, app), [b"12345", b"67890"], [(b"content-length", b"10")])
    )
    assert (status, body, app.bodies) == (200, b"1234567890", [b"1234567890"])
    assert b"connection" not in headers


def test_the_buffered_cap_never_lets_the_application_see_an_oversized_body() -> None:
    app = _Echo()
    _serve(_capped(BufferedBodyCap, app), [b"12345", b"67890", b"1"], [])
    assert app.bodies == []


def test_a_scope_other_than_http_passes_straight_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    class Refusing(HttpMiddleware):
        async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
            raise AssertionError("not an HTTP request")

    async def nothing() -> Message:
        return {"type": "lifespan.startup"}

    async def ignore(message: Message) -> None:
        pass

    asyncio.run(Refusing(app)({"type": "lifespan"}, nothing, ignore))
    assert seen == ["lifespan"]

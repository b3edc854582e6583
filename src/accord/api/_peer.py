"""The peer API: what one node's delivery worker calls on another node.

The routes translate HTTP to calls on a :class:`PeerHandler` (implemented by the node) and
back. Invariants:

* toward the peer every failure is opaque: the body is one of ``{"error": "rejected"}``,
  ``{"error": "unavailable"}``, ``{"error": "internal"}``; the reason never leaves the node
  (the node journals it). The status is :func:`accord.api._statuses.peer_status`'s, the
  only place that decides it;
* memory is bounded: a transmission is read with a hard cap (413 as soon as the declared or
  the received length passes it), a blob is streamed to the handler in pieces of at most
  :data:`MAX_PIECE_BYTES` through a bounded buffer, so the server never holds a whole blob;
* handlers are synchronous and run in worker threads, never on the event loop.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Protocol, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

from accord.api._statuses import peer_status
from accord.asgi import HttpMiddleware
from accord.errors import InvalidInput

__all__ = ["MAX_PIECE_BYTES", "PeerHandler", "create_peer_app"]

_log = logging.getLogger("accord.api")

MAX_PIECE_BYTES = 1024 * 1024
"""The largest piece of a blob upload handed to :meth:`PeerHandler.receive_blob`."""

_PIECE_TARGET = 256 * 1024  # small network reads are coalesced up to this size
_QUEUE_PIECES = 4  # pieces buffered between the network and the handler thread

# Blob ids name files at the receiver: letters, digits and "_.:-", not starting with a dot.
_BLOB_ID = re.compile(r"[A-Za-z0-9_:-][A-Za-z0-9_.:-]{0,199}")

_T = TypeVar("_T")


class PeerHandler(Protocol):
    """What the peer API needs from the node; every method is synchronous.

    Each method may raise :class:`~accord.errors.AccordError`; the API answers the peer with
    an opaque error and never the message.
    """

    def receive_transmission(self, body: bytes) -> bytes:
        """Accept one transmission (the raw request body) and return the JSON response body."""
        ...

    def blob_status(self, blob_id: str) -> int:
        """Return how many bytes of blob ``blob_id`` have been received so far."""
        ...

    def receive_blob(self, blob_id: str, offset: int, total: int, pieces: Iterator[bytes]) -> int:
        """Append ``pieces`` (consumed by the handler) at ``offset``; return the new size."""
        ...

    def health(self) -> dict[str, object]:
        """Return a JSON-serialisable health document."""
        ...


def create_peer_app(handler: PeerHandler, *, max_transmission_bytes: int = 64 * 1024 * 1024) -> FastAPI:
    """Build the peer API application around a handler.

    Args:
        handler: The node's implementation of :class:`PeerHandler`.
        max_transmission_bytes: The largest transmission body accepted; larger ones are
            answered 413 without being read into memory.

    Returns:
        The ASGI application (serve it over mutual TLS with :class:`accord.api.PeerServer`).

    Raises:
        InvalidInput: If ``max_transmission_bytes`` is not a positive integer.
    """
    if (
        isinstance(max_transmission_bytes, bool)
        or not isinstance(max_transmission_bytes, int)
        or max_transmission_bytes <= 0
    ):
        raise InvalidInput("max_transmission_bytes must be a positive integer")

    app = FastAPI(title="Accord peer API", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(_OpaqueErrors)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation_exception)

    @app.post("/peer/v1/transmissions")
    async def post_transmission(request: Request) -> Response:
        body = await _read_capped(request, max_transmission_bytes)
        if body is None:
            return _error_response(413)
        answer = await _in_thread(handler.receive_transmission, body)
        return Response(content=answer, media_type="application/json")

    @app.get("/peer/v1/blobs/{blob_id}")
    async def get_blob_status(blob_id: str) -> Response:
        received = await _in_thread(handler.blob_status, _check_blob_id(blob_id))
        return JSONResponse({"received": received})

    @app.put("/peer/v1/blobs/{blob_id}")
    async def put_blob(blob_id: str, offset: int, total: int, request: Request) -> Response:
        _check_blob_id(blob_id)
        if offset < 0 or total < 0 or offset > total:
            raise InvalidInput("blob offset and total out of range")
        received = await _stream_to_handler(request, handler, blob_id, offset, total)
        return JSONResponse({"received": received})

    @app.get("/peer/v1/health")
    async def get_health() -> Response:
        return JSONResponse(await _in_thread(handler.health))

    return app


_ERROR_BODIES = {400: "rejected", 413: "rejected", 503: "unavailable", 500: "internal"}


def _error_response(status: int) -> JSONResponse:
    word = _ERROR_BODIES.get(status, "rejected" if 400 <= status < 500 else "internal")
    # Connection: close, so that an unread request body is never parsed as the next request.
    return JSONResponse({"error": word}, status_code=status, headers={"connection": "close"})


class _OpaqueErrors(HttpMiddleware):
    """Answer any exception escaping a route with an opaque body; log what is not the peer's fault."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            status = peer_status(exc)
            if status == 500:
                _log.exception("peer API: unexpected error on %s %s", scope.get("method"), scope.get("path"))
            else:
                # The node journals the reason; here only the family, for the operator's log.
                level = logging.WARNING if status == 503 else logging.INFO
                _log.log(level, "peer API: %s -> %d (%s)", scope.get("path"), status, type(exc).__name__)
            if started:
                raise
            await _error_response(status)(scope, receive, send)


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
    return _error_response(status)


async def _validation_exception(request: Request, exc: Exception) -> Response:
    # FastAPI's default 422 echoes the input back; the peer gets the opaque answer.
    return _error_response(400)


async def _in_thread(function: Callable[..., _T], *args: object) -> _T:
    return await anyio.to_thread.run_sync(function, *args)


def _check_blob_id(blob_id: str) -> str:
    if _BLOB_ID.fullmatch(blob_id) is None:
        raise InvalidInput("malformed blob id")
    return blob_id


async def _read_capped(request: Request, cap: int) -> bytes | None:
    """Read the body, or return None as soon as it is known to exceed ``cap`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise InvalidInput("malformed Content-Length")
        if int(declared) > cap:
            return None
    buffer = bytearray()
    try:
        async for chunk in request.stream():
            if len(buffer) + len(chunk) > cap:
                return None
            buffer += chunk
    except ClientDisconnect as exc:
        raise InvalidInput("the transmission was truncated") from exc
    return bytes(buffer)


async def _pieces(request: Request) -> AsyncIterator[bytes]:
    """Yield the request body regrouped in pieces of ``_PIECE_TARGET``..``MAX_PIECE_BYTES`` bytes."""
    pending = bytearray()
    async for chunk in request.stream():
        view = memoryview(chunk)
        while len(view) > MAX_PIECE_BYTES:
            if pending:
                yield bytes(pending)
                pending.clear()
            yield bytes(view[:MAX_PIECE_BYTES])
            view = view[MAX_PIECE_BYTES:]
        if len(pending) + len(view) > MAX_PIECE_BYTES:
            yield bytes(pending)
            pending.clear()
        pending += view
        if len(pending) >= _PIECE_TARGET:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)


async def _stream_to_handler(
    request: Request, handler: PeerHandler, blob_id: str, offset: int, total: int
) -> int:
    """Feed the request body to ``handler.receive_blob`` running in a worker thread.

    The event loop pumps the body into a bounded in-memory stream; the handler's thread pulls
    from it through ``anyio.from_thread``. When the buffer is full the pump waits, the
    transport stops reading, and TCP flow control slows the sender: memory stays at about
    ``_QUEUE_PIECES`` pieces whatever the blob's size.
    """
    send_stream, receive_stream = anyio.create_memory_object_stream[bytes](max_buffer_size=_QUEUE_PIECES)
    limit = total - offset
    outcome = {"complete": False, "overflow": False}

    async def pump() -> None:
        async with send_stream:
            sent = 0
            try:
                async for piece in _pieces(request):
                    sent += len(piece)
                    if sent > limit:
                        outcome["overflow"] = True
                        return
                    await send_stream.send(piece)
            except (ClientDisconnect, anyio.BrokenResourceError, anyio.ClosedResourceError):
                return
            outcome["complete"] = True

    def pull() -> Iterator[bytes]:
        while True:
            try:
                piece = anyio.from_thread.run(receive_stream.receive)
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                if outcome["overflow"]:
                    raise InvalidInput("the upload is longer than its declared total") from None
                if not outcome["complete"]:
                    raise InvalidInput("the upload was truncated") from None
                return
            yield piece

    received = 0
    failure: Exception | None = None
    async with anyio.create_task_group() as group:
        group.start_soon(pump)
        try:
            with receive_stream:
                received = await anyio.to_thread.run_sync(
                    handler.receive_blob, blob_id, offset, total, pull()
                )
        except Exception as exc:  # noqa: BLE001 - re-raised below, outside the task group
            # Inside the task group it would come out wrapped in an ExceptionGroup.
            failure = exc
        finally:
            # Stop the pump if the handler returned or failed before the end of the body.
            group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return received

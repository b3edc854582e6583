"""The user API: what analysts and officers (and their scripts) use, behind a bearer token.

Every request authenticates with ``Authorization: Bearer <token>`` (``accord user token``).
Items a user may not read are invisible: a denied item and a missing one both answer 404
with the same body, so nobody can probe what exists (issue 4, "Bad input"). Refusals a
user may see (why a release is refused) carry the reason, in words an officer understands.
Served by ``accord serve`` on 127.0.0.1 (``--api-port``); OpenAPI at ``/api/openapi.json``
and the interactive documentation at ``/api/docs``.
"""

import base64
import contextlib
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Scope

from accord.api._statuses import user_status
from accord.asgi import BufferedBodyCap
from accord.errors import AccordError, InvalidInput, NotFound, PolicyDenied
from accord.items import ItemKind, Precedence
from accord.limits import BodyCap, user_api_body_cap
from accord.node import Node, SearchFilters, User, search_day

# No ``from __future__ import annotations`` here: FastAPI reads the endpoint annotations at
# run time, and the ``Me`` dependency alias is local to create_user_app.

__all__ = ["LIST_PAGE", "LIST_PAGE_MAX", "create_user_app"]

LIST_PAGE = 50
"""Items ``GET /api/v1/items`` answers when no ``limit`` is given (as ``accord item list``)."""
LIST_PAGE_MAX = 1000
"""The largest ``limit`` it takes: each listed item is opened and verified; page with ``offset``."""

_TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"  # as accord.interop's TAXII routes answer


def _bearer_token(authorization: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None.

    The scheme is matched in any case (RFC 7235 §2.1: "bearer", "BEARER" are "Bearer"),
    as the TAXII and importer routes already do.
    """
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class _Unauthorized(Exception):
    pass


class SendRequest(BaseModel):
    """A release of an item to a partner party."""

    to: str
    precedence: str | None = None
    agreement: str | None = None


class SearchQuery(BaseModel):
    """The query string of a search: the terms, the filters on stored columns, how many results."""

    q: str
    kind: str | None = None
    precedence: str | None = None
    party: str | None = Field(default=None, alias="from")
    since: str | None = Field(default=None, max_length=64)
    until: str | None = Field(default=None, max_length=64)
    classification: str | None = None
    limit: int = 20

    def filters(self) -> SearchFilters:
        """The node's filters: a bare date is a whole day (``until`` includes it), as the CLI and
        the console read it (:func:`~accord.node.search_day`); a full time is exact (without a
        zone, UTC).

        Raises:
            InvalidInput: an unknown kind or precedence, or a bad date.
        """
        return SearchFilters(
            kind=ItemKind.parse(self.kind) if self.kind else None,
            precedence=Precedence.parse(self.precedence) if self.precedence else None,
            from_party=self.party,
            since=search_day(self.since, "since") if self.since else None,
            until=search_day(self.until, "until", days_after=1) if self.until else None,
            classification=self.classification,
        )


def create_user_app(node: Node) -> FastAPI:
    """The user API of ``node``."""
    app = FastAPI(
        title="Accord user API",
        version="1",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.add_middleware(_BodyCap, node=node)

    def current_user(authorization: Annotated[str | None, Header()] = None) -> User:
        token = _bearer_token(authorization or "")
        if token is None:
            raise _Unauthorized
        try:
            return node.accounts.authenticate_token(token)
        except PolicyDenied as exc:
            raise _Unauthorized from exc

    Me = Annotated[User, Depends(current_user)]  # noqa: N806 (a type alias, named like one)

    @app.exception_handler(_Unauthorized)
    def _unauthorized(_request: Request, _exc: _Unauthorized) -> JSONResponse:
        return JSONResponse(
            {"error": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(AccordError)
    def _refused(_request: Request, exc: AccordError) -> JSONResponse:
        # A withheld item answers as a missing one, down to the error's name.
        name = "NotFound" if isinstance(exc, NotFound) else type(exc).__name__
        return JSONResponse({"error": name, "reason": str(exc)}, status_code=user_status(exc))

    @app.exception_handler(RequestValidationError)
    def _malformed(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default is 422 with the input echoed back; docs/errors.md promises 400 and
        # the same body as every other refusal. Where and what, never the input itself.
        return JSONResponse({"error": "InvalidInput", "reason": _malformed_reason(exc)}, status_code=400)

    @app.get("/api/v1/me", summary="The authenticated user")
    def me(user: Me) -> dict[str, object]:
        return user.to_dict()

    @app.get("/api/v1/inbox", summary="Received items this user may read, FLASH first")
    def inbox(user: Me) -> list[dict[str, object]]:
        return [v.summary() for v in node.items.inbox(actor=user.name).views]

    @app.get("/api/v1/items", summary="The items this user may read, FLASH first, a page at a time")
    def items(
        user: Me,
        limit: Annotated[int, Query(ge=1, le=LIST_PAGE_MAX)] = LIST_PAGE,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, object]:
        # As ``accord item list --json``: the decision point filters before the page and the
        # total (a withheld item is in neither); only the page's items are opened and verified.
        listing = node.items.listing(actor=user.name, limit=limit, offset=offset)
        return {**listing.to_dict(), "offset": offset, "limit": limit}

    @app.get("/api/v1/search", summary="Search the items this user may read, newest first, with the total")
    def search(request: Request, user: Me, query: Annotated[SearchQuery, Query()]) -> dict[str, object]:
        _check_utf8(request)
        # Enforced before the count (withheld items change no total); one journal event.
        return node.items.search.search(
            query.q, actor=user.name, filters=query.filters(), limit=query.limit
        ).to_dict()

    @app.get("/api/v1/items/{item_id}", summary="One item, after the read check (404 if denied or missing)")
    def item(item_id: str, user: Me) -> dict[str, object]:
        # A withheld item is a NotFound with a missing one's words: answered alike, in the body
        # every route gives a missing item (the send, the exporters), ``{"error": "NotFound", …}``.
        return node.items.show(item_id, actor=user.name).to_dict()

    @app.get("/api/v1/outbox", summary="Envelopes not yet receipted (officers and authorities)")
    def outbox(user: Me) -> list[dict[str, object]]:
        return [e.to_dict() for e in node.desk.outbox(actor=user.name)]

    @app.post("/api/v1/items/{item_id}/send", summary="Release an item to a partner party")
    def send(item_id: str, request: SendRequest, user: Me) -> list[dict[str, object]]:
        # An item the user may not read is refused exactly as a missing one (Withheld is a
        # NotFound with the same message); other refusals carry their reasons.
        precedence = Precedence.parse(request.precedence) if request.precedence else None
        sent = node.sending.send(
            item_id, to=request.to, actor=user.name, precedence=precedence, agreement_id=request.agreement
        )
        return [s.to_dict() for s in sent]

    return app


def _check_utf8(request: Request) -> None:
    """Refuse a query string whose escapes are not UTF-8, in the CLI's words.

    Starlette decodes ``%FF%FE`` to U+FFFD replacement characters, which would be searched
    (and answered "no word to search for") instead of refused as what they are.

    Raises:
        InvalidInput: some parameter is not valid UTF-8.
    """
    raw = request.scope.get("query_string", b"").decode("latin-1")
    try:
        parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the search query is not valid UTF-8 text") from exc


def _malformed_reason(exc: RequestValidationError) -> str:
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return "malformed request: " + "; ".join(problems)


class _BodyCap(BufferedBodyCap):
    """Reads a request's body before the application does, at most its cap, or answers 413.

    The cap is :func:`accord.limits.user_api_body_cap`'s: 64 KiB, or an importer's own. A
    declared ``Content-Length`` above it is refused before any of the body is read; a body
    sent without one (chunked) is refused as soon as it passes the cap. Every refusal is
    journalled (``api.oversized``, as the person whose bearer token the request carries, or
    ``unknown`` with the name an HTTP Basic request claims: no password is checked for a
    refusal). What was read is handed to the application unchanged.
    """

    def __init__(self, app: ASGIApp, node: Node) -> None:
        super().__init__(app)
        self.node = node

    def cap(self, scope: Scope) -> BodyCap:
        return user_api_body_cap(scope["method"], scope["path"])

    async def refusal(self, scope: Scope, cap: BodyCap) -> Response:
        path = str(scope["path"])
        reason = f"{cap.what} is limited to {_size(cap.limit)}"
        await run_in_threadpool(self._journal, scope, path, InvalidInput(reason))
        if path.startswith("/taxii2/"):  # TAXII errors are TAXII's, in its media type
            body = {"title": "Payload Too Large", "description": reason, "http_status": "413"}
            return JSONResponse(body, 413, media_type=_TAXII_MEDIA_TYPE)
        return JSONResponse({"error": "InvalidInput", "reason": reason}, 413)

    def _journal(self, scope: Scope, path: str, refusal: InvalidInput) -> None:
        # The body is not read: who sent it is the bearer token's owner, if it is valid.
        header = Request(scope).headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        actor = "unknown"
        detail = {"method": scope["method"], "path": path[:200]}
        bearer = _bearer_token(header)
        if bearer is not None:
            with contextlib.suppress(PolicyDenied):
                actor = self.node.accounts.authenticate_token(bearer).name
        elif scheme.lower() == "basic":  # TAXII: the name claimed, unverified (no password check here)
            with contextlib.suppress(ValueError):
                detail["as"] = base64.b64decode(token.strip(), validate=True).decode().partition(":")[0][:64]
        self.node.ctx.journal_refusal(actor, "api.oversized", refusal, detail=detail)


def _size(limit: int) -> str:
    mib = 1024 * 1024
    return f"{limit // mib} MiB" if limit % mib == 0 else f"{limit // 1024} KiB"

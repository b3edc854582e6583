"""The exporters and importers over HTTP, on the user API's port under ``/api/v1/`` (issue 13).

:func:`create_interop_router` is composed into the user API app by ``accord serve``, beside
the TAXII 2.1 router. Each route does what its CLI command does, with the same checks, as
the person whose bearer token (``accord user token``) the request carries:

==========================================  =====================================
``GET /api/v1/items/{id}/stix``             ``accord stix export ID``
``POST /api/v1/stix`` (a bundle)            ``accord stix import FILE``
``GET /api/v1/items/{id}/stanag4778``       ``accord item export-4778 ID``
``POST /api/v1/stanag4778`` (a document)    ``accord item import-4778 FILE``
``POST /api/v1/misp`` (map and events)      ``accord misp import FILE --classification-map MAP``
==========================================  =====================================

Refusals are the user API's (the app's handlers): ``{"error": …, "reason": …}`` with its
statuses, 404 alike for a withheld and a missing item, 401 without a valid token, 409 for a
MISP event imported already. Bodies are capped before they are read, each importer's as large as
its command reads from a file (:data:`accord.limits.IMPORTER_BODY_CAPS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.errors import PolicyDenied
from accord.interop._misp import MispImport
from accord.interop._stanag4778 import Stanag4778Exchange
from accord.interop._stix import StixExchange
from accord.node import ItemView, Node, User

__all__ = ["create_interop_router"]

_XML = "application/xml"


class _Unauthenticated(Exception):
    """No bearer token, or one the node does not accept."""


def _bearer(node: Node, request: Request) -> User:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _Unauthenticated
    try:
        return node.accounts.authenticate_token(token.strip())
    except PolicyDenied as exc:
        raise _Unauthenticated from exc


def _created(views: list[ItemView]) -> JSONResponse:
    return JSONResponse({"created": [v.id for v in views]}, status_code=201)


def create_interop_router(node: Node) -> APIRouter:
    """The STIX, STANAG 4778 and MISP routes of ``node`` (see the module's table)."""
    stix, stanag = StixExchange(node), Stanag4778Exchange(node)
    router = APIRouter(prefix="/api/v1", tags=["interoperability"])

    def route(handler: Callable[[Request, User, bytes], Response]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            try:
                # argon2id-free token check and the node's services block: off the event loop.
                user = await run_in_threadpool(_bearer, node, request)
            except _Unauthenticated:
                return JSONResponse(
                    {"error": "unauthorized"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
                )
            body = await request.body() if request.method == "POST" else b""
            return await run_in_threadpool(handler, request, user, body)

        endpoint.__name__ = handler.__name__
        return endpoint

    def stix_export(request: Request, user: User, _body: bytes) -> Response:
        return JSONResponse(stix.export([request.path_params["item_id"]], actor=user.name))

    def stix_import(_request: Request, user: User, body: bytes) -> Response:
        return _created(stix.import_bundle(body, actor=user.name))

    def stanag_export(request: Request, user: User, _body: bytes) -> Response:
        return Response(stanag.export(request.path_params["item_id"], actor=user.name), media_type=_XML)

    def stanag_import(_request: Request, user: User, body: bytes) -> Response:
        return _created([stanag.import_binding(body, actor=user.name)])

    def misp_import(_request: Request, user: User, body: bytes) -> Response:
        return _created(MispImport(node).import_request(body, actor=user.name))

    for path, method, handler, summary in (
        ("/items/{item_id}/stix", "GET", stix_export, "One item as a STIX 2.1 bundle, as accord stix export"),
        ("/stix", "POST", stix_import, "Import a STIX 2.1 bundle: every item created, or none"),
        ("/items/{item_id}/stanag4778", "GET", stanag_export, "One item as a signed STANAG 4778 binding"),
        ("/stanag4778", "POST", stanag_import, "Import a STANAG 4778 binding signed by a pinned partner"),
        ("/misp", "POST", misp_import, "Import MISP events labelled through a classification map, or none"),
    ):
        router.add_api_route(path, route(handler), methods=[method], summary=summary)
    return router

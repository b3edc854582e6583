"""The TAXII 2.1 server at ``/taxii2/``, on the user API port, with the same accounts (issue 13).

:func:`create_taxii_router` is composed into the user API app by ``accord serve``. Every
request authenticates with HTTP Basic (the node's accounts: argon2id and lockout, as
``--as`` at the CLI) or ``Authorization: Bearer`` (``accord user token``); every response,
errors included, is ``application/taxii+json;version=2.1``; another ``Accept`` is 406, a
POST of another type 415. What a person receives is filtered by the decision point before
any paging (:class:`~accord.interop._taxii_views.TaxiiViews`); a POST goes through
:class:`~accord.interop.StixExchange`, the same checks as ``accord stix import``.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from accord.errors import AccordError, InvalidInput, NotFound, PolicyDenied
from accord.interop._stix import StixExchange
from accord.interop._stix_check import load_json
from accord.interop._taxii_views import Collection, Page, PageRequest, StoredObject, TaxiiViews, taxii_time
from accord.limits import MAX_TAXII_BODY_BYTES
from accord.node import Node, User

__all__ = ["TAXII_MEDIA_TYPE", "create_taxii_router"]

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
_ACCEPTED = {"application/taxii+json;version=2.1", "application/taxii+json", "*/*", "application/*"}
_WRITERS = ("analyst", "officer")
_MAX_STATUSES = 1000


class _Refusal(Exception):
    def __init__(self, status: int, title: str, description: str) -> None:
        super().__init__(description)
        self.status, self.title, self.description = status, title, description


def _respond(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return _respond_text(json.dumps(body, ensure_ascii=False), status, headers)


def _respond_text(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status_code=status, media_type=TAXII_MEDIA_TYPE, headers=headers)


def _error(status: int, title: str, description: str) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="accord", Bearer'} if status == 401 else None
    return _respond({"title": title, "description": description, "http_status": str(status)}, status, headers)


def _accepts(request: Request) -> bool:
    accept = request.headers.get("accept")
    if not accept:
        return True
    for part in accept.split(","):
        media = part.split(";q=")[0].replace(" ", "").lower()
        if media in _ACCEPTED:
            return True
    return False


class _Server:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.views = TaxiiViews(node)
        self.stix = StixExchange(node)
        self.statuses: dict[str, dict[str, object]] = {}
        self.lock = threading.Lock()

    def user(self, request: Request) -> User:
        header = request.headers.get("authorization", "")
        scheme, _, credentials = header.partition(" ")
        try:
            if scheme.lower() == "bearer":
                return self.node.accounts.authenticate_token(credentials.strip())
            if scheme.lower() == "basic":
                name, sep, password = (
                    base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
                )
                if sep:
                    return self.node.accounts.authenticate(name, password)
        except (PolicyDenied, binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise _Refusal(401, "Unauthorized", "wrong user name, password or token") from exc
        raise _Refusal(401, "Unauthorized", "HTTP Basic or a bearer token is required")

    def page(self, request: Request, collection: Collection, user: User) -> Page:
        params = request.query_params
        match = {k[6:-1]: v for k, v in params.items() if k.startswith("match[") and k.endswith("]")}
        raw_limit = params.get("limit")
        if raw_limit is not None and not raw_limit.isdigit():
            raise InvalidInput("limit must be a positive whole number")
        asked = PageRequest(
            added_after=params.get("added_after"),
            match=match,
            limit=None if raw_limit is None else int(raw_limit),
            next_token=params.get("next"),
        )
        return self.views.page(collection, user.name, asked)

    def add(self, request_body: bytes, user: User) -> dict[str, object]:
        try:
            # Bounded as a STIX bundle: size, depth, UTF-8, no repeated key.
            envelope = load_json(request_body, "TAXII envelope")
            if not isinstance(envelope, dict) or not isinstance(envelope.get("objects"), list):
                raise InvalidInput("a TAXII envelope needs an objects list")
        except AccordError as exc:
            self.stix.journal_refusal(user.name, exc, detail={"bytes": len(request_body), "taxii": True})
            raise
        objects = envelope["objects"]
        bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
        ids = [str(o.get("id")) for o in objects if isinstance(o, dict)]
        now = taxii_time(datetime.now(UTC))
        status: dict[str, object] = {
            "id": str(uuid.uuid4()),
            "status": "complete",
            "request_timestamp": now,
            "total_count": len(ids),
        }
        try:
            self.stix.import_parsed(bundle, actor=user.name, size=len(request_body))
        except AccordError as exc:
            status.update(
                success_count=0,
                failure_count=len(ids),
                pending_count=0,
                failures=[{"id": i, "version": "", "message": str(exc)} for i in ids],
            )
        else:
            status.update(
                success_count=len(ids),
                failure_count=0,
                pending_count=0,
                successes=[{"id": i} for i in ids],
            )
        with self.lock:
            if len(self.statuses) >= _MAX_STATUSES:
                self.statuses.pop(next(iter(self.statuses)))
            self.statuses[str(status["id"])] = {**status, "owner": user.name}
        return status

    # --- endpoints (request, authenticated user, body) -----------------------------------

    def status(self, request: Request, user: User, _body: bytes) -> Response:
        """A status this user's POST created."""
        found = self.statuses.get(request.path_params["status_id"])
        if found is None or found["owner"] != user.name:
            raise NotFound("no such status")
        return _respond({k: v for k, v in found.items() if k != "owner"})

    def collections(self, _request: Request, user: User, _body: bytes) -> Response:
        """Every collection."""
        can_write = user.role.value in _WRITERS
        return _respond({"collections": [c.to_dict(can_write=can_write) for c in self.views.collections()]})

    def collection(self, request: Request, user: User, _body: bytes) -> Response:
        """One collection."""
        found = self.views.collection(request.path_params["collection_id"])
        return _respond(found.to_dict(can_write=user.role.value in _WRITERS))

    def objects(self, request: Request, user: User, _body: bytes) -> Response:
        """A page of a collection's objects that this user may read."""
        found = self.views.collection(request.path_params["collection_id"])
        page = self.page(request, found, user)
        # The envelope with each object's JSON as the page kept it (rendered once per item version).
        head = json.dumps(_envelope(page, []), ensure_ascii=False)
        if page.objects:
            head = head[:-1] + ', "objects": [' + ", ".join(o.json() for o in page.objects) + "]}"
        return _respond_text(head, headers=_objects_headers(page.objects))

    def add_objects(self, request: Request, user: User, body: bytes) -> Response:
        """Add objects: the items of the envelope, all or none (the status says which)."""
        self.views.collection(request.path_params["collection_id"])
        content_type = request.headers.get("content-type", "").replace(" ", "").lower()
        if content_type != TAXII_MEDIA_TYPE:
            return _error(415, "Unsupported Media Type", f"POST {TAXII_MEDIA_TYPE}")
        if user.role.value not in _WRITERS:
            raise PolicyDenied(f"{user.name} has the role {user.role.value}; analysts and officers add items")
        return _respond(self.add(body, user), status=202)

    def by_id(self, request: Request, user: User, _body: bytes) -> Response:
        """One object, if this user may read it."""
        chosen = self._chosen(request, user)
        return _respond({"more": False, "objects": [o.obj for o in chosen]}, headers=_objects_headers(chosen))

    def object_versions(self, request: Request, user: User, _body: bytes) -> Response:
        """An object's versions (one: items are not versioned in STIX)."""
        return _respond({"more": False, "versions": [o.version for o in self._chosen(request, user)]})

    def manifest(self, request: Request, user: User, _body: bytes) -> Response:
        """A page of the manifest of what this user may read."""
        found = self.views.collection(request.path_params["collection_id"])
        page = self.page(request, found, user)
        records: list[object] = [o.manifest() for o in page.objects]
        return _respond(_envelope(page, records), headers=_objects_headers(page.objects))

    def _chosen(self, request: Request, user: User) -> list[StoredObject]:
        found = self.views.collection(request.path_params["collection_id"])
        wanted = request.path_params["object_id"]
        chosen = self.views.by_id(found, user.name, wanted)
        if not chosen:
            raise NotFound("no such object")
        return chosen


def _objects_headers(objects: list[StoredObject]) -> dict[str, str]:
    if not objects:
        return {}
    return {
        "X-TAXII-Date-Added-First": taxii_time(objects[0].date_added),
        "X-TAXII-Date-Added-Last": taxii_time(objects[-1].date_added),
    }


def _envelope(page: Page, records: list[object]) -> dict[str, object]:
    body: dict[str, object] = {"more": page.more}
    if page.next is not None:
        body["next"] = page.next
    if records:
        body["objects"] = records
    return body


def create_taxii_router(node: Node) -> APIRouter:
    """The TAXII 2.1 routes of ``node`` under ``/taxii2/`` (one API root, ``/taxii2/api/``)."""
    server = _Server(node)
    router = APIRouter(prefix="/taxii2", include_in_schema=False)

    def taxii(handler: Callable[..., Response]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            if not _accepts(request):
                return _error(406, "Not Acceptable", f"this server answers {TAXII_MEDIA_TYPE}")
            try:
                # The node's services block (argon2id, the database): off the event loop.
                user = await run_in_threadpool(server.user, request)
                body = await request.body() if request.method == "POST" else b""
                return await run_in_threadpool(handler, request, user, body)
            except _Refusal as refusal:
                return _error(refusal.status, refusal.title, refusal.description)
            except NotFound as exc:
                return _error(404, "Not Found", str(exc) if "collection" in str(exc) else "not found")
            except PolicyDenied as exc:
                return _error(403, "Forbidden", str(exc))
            except AccordError as exc:
                return _error(400, "Bad Request", str(exc))

        endpoint.__name__ = handler.__name__
        return endpoint

    collection = "/api/collections/{collection_id}"
    for path, method, handler in (
        ("/", "GET", _discovery(server)),
        ("/api/", "GET", _api_root(server)),
        ("/api/status/{status_id}/", "GET", server.status),
        ("/api/collections/", "GET", server.collections),
        (f"{collection}/", "GET", server.collection),
        (f"{collection}/objects/", "GET", server.objects),
        (f"{collection}/objects/", "POST", server.add_objects),
        (f"{collection}/objects/{{object_id}}/", "GET", server.by_id),
        (f"{collection}/objects/{{object_id}}/versions/", "GET", server.object_versions),
        (f"{collection}/manifest/", "GET", server.manifest),
    ):
        router.add_api_route(path, taxii(handler), methods=[method])
    return router


def _discovery(server: _Server) -> Callable[[Request, User, bytes], Response]:
    config = server.node.config

    def discovery(request: Request, _user: User, _body: bytes) -> Response:
        root = str(request.base_url).rstrip("/") + "/taxii2/api/"
        return _respond(
            {
                "title": f"Accord node {config.node_id} ({config.party})",
                "description": "Items this person may read, marked with ACS 3.0 and national markings",
                "default": root,
                "api_roots": [root],
            }
        )

    return discovery


def _api_root(server: _Server) -> Callable[[Request, User, bytes], Response]:
    party = server.node.config.party

    def api_root(_request: Request, _user: User, _body: bytes) -> Response:
        return _respond(
            {
                "title": f"Accord {party}",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": MAX_TAXII_BODY_BYTES,
            }
        )

    return api_root

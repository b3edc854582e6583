"""The console application: routes, static files, refusals, headers (issue 11, ADR 0006)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Scope

from accord.limits import MAX_CONSOLE_BODY_BYTES
from accord.node import Node
from accord.web import (
    _analyst,
    _auditor,
    _auth,
    _authority,
    _custody_pages,
    _dashboard,
    _officer,
    _oversight_compare,
    _oversight_page,
    _search_page,
)
from accord.web._console import Console, ConsoleSettings, install_error_pages
from accord.web._security import BodyCap, SecurityHeaders, ServerTiming

__all__ = ["STATIC_DIR", "create_console_app"]

STATIC_DIR = Path(__file__).parent / "static"


class _ConsoleApp(FastAPI):
    """FastAPI with the console's headers, timing and body cap *outside* its error handling.

    So that a 500 page carries the headers too, and a body over the cap is a 413 whatever
    the route was doing with it.
    """

    body_cap: int = MAX_CONSOLE_BODY_BYTES

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(
            ServerTiming(BodyCap(super().build_middleware_stack(), self.body_cap, self._journal_oversized))
        )

    async def _journal_oversized(self, scope: Scope) -> None:
        console: Console = self.state.console
        request = Request(scope)
        who = await run_in_threadpool(console.who_or_none, request)
        reason = f"a body over {self.body_cap // (1024 * 1024)} MiB to {request.url.path[:100]}"
        await run_in_threadpool(console.refuse, who.name if who else "unknown", "console.oversized", reason)


def create_console_app(node: Node, settings: ConsoleSettings) -> FastAPI:
    """The web console of ``node`` (serve it beside the user API: ``accord serve``).

    Args:
        node: The open node; every page calls its services as the signed-in person.
        settings: How it is served (``secure_cookies`` when over TLS).

    Returns:
        The ASGI application: pages under ``/``, its files under ``/static``.
    """
    app = _ConsoleApp(title="Accord console", docs_url=None, redoc_url=None, openapi_url=None)
    console = Console(node, settings)
    app.state.console = console
    install_error_pages(app, console)
    app.include_router(_auth.router)
    app.include_router(_analyst.router)
    app.include_router(_authority.router)
    app.include_router(_auditor.router)
    app.include_router(_custody_pages.router)
    app.include_router(_officer.router)
    app.include_router(_oversight_page.router)
    app.include_router(_oversight_compare.router)
    app.include_router(_search_page.router)
    app.include_router(_dashboard.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app

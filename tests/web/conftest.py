"""Fixtures of the console tests.

* ``console`` — the JPN–KOR federation (tests/conftest.py) with passwords for KOR's ``kim``
  (officer, 군사Ⅱ급비밀) and ``lee`` (analyst, 대외비), a FLASH report from JPN received at KOR,
  and a :class:`ConsoleClient` factory on KOR's console, in process (``httpx.ASGITransport``);
* ``signed_in`` — such a client signed in as ``kim``;
* ``browser`` (per module), ``page_in`` and ``shots`` — for the browser tests: headless
  Chromium, a page in a fresh context for a locale (a Content-Security-Policy violation the
  browser reports fails the test), and the folder the screenshots are kept in (``ACCORD_SCREENSHOTS``,
  else ``<pytest basetemp>/console-screenshots``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from support_browser import chromium_path
from support_web import PASSWORD, ConsoleClient, ConsoleWorld, deliver_to_kor

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node
from accord.store import ItemRow
from accord.web import ConsoleSettings, create_console_app


def _console_state(jpn: Node, kor: Node, agreement_id: str) -> None:
    """Passwords for ``kim`` and ``lee``, and a FLASH report from JPN received at KOR."""
    for name in ("kim", "lee"):
        kor.accounts.set_password(name, PASSWORD, actor="authority")
    report = jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Hwasong launch-site survey", "Two TELs seen.", "Assessment"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement=agreement_id),
            Precedence.FLASH,
        ),
        actor="sato",
    ).id
    deliver_to_kor(SimpleNamespace(jpn=jpn, kor=kor), report)


@pytest.fixture
def console(federation_then: Callable[[str, Any], Any]) -> Iterator[ConsoleWorld]:
    # Made once per test process and copied per test (tests/conftest.py, ``federation_then``):
    # creating and delivering the report in every test cost most of its CPU.
    federation = federation_then("console", _console_state)
    jpn, kor = federation.jpn, federation.kor
    with jpn.ctx.db.transaction(read_only=True) as session:
        (report,) = session.scalars(select(ItemRow.id)).all()
    clients: list[ConsoleClient] = []

    def client(**settings: Any) -> ConsoleClient:
        app = create_console_app(kor, ConsoleSettings(secure_cookies=settings.pop("secure", False)))
        made = ConsoleClient(app, **settings)
        clients.append(made)
        return made

    yield ConsoleWorld(federation, kor, jpn, report, client)
    for made in clients:
        made.close()


@pytest.fixture
def signed_in(console: ConsoleWorld) -> ConsoleClient:
    client = console.client()
    assert client.sign_in("kim").status_code == 200
    return client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # One browser for each browser-test module on each worker. Not session-wide: while
    # Playwright's sync API is open it runs an event loop in this thread, and tests of other
    # modules that call asyncio.run() (the API's in-process tests) must not run under it.
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("ACCORD_SCREENSHOTS")
    return Path(chosen) if chosen else tmp_path_factory.getbasetemp() / "console-screenshots"


@pytest.fixture
def page_in(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []
    violations: list[str] = []

    def open_page(locale: str) -> Any:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert violations == [], "the browser reported Content-Security-Policy violations"

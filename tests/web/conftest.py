"""Fixtures of the console tests.

* ``console`` — the JPN–KOR federation (tests/conftest.py) with passwords for KOR's ``kim``
  (officer, 군사Ⅱ급비밀) and ``lee`` (analyst, 대외비), a FLASH report from JPN received at KOR,
  and a :class:`ConsoleClient` factory on KOR's console, in process (``httpx.ASGITransport``);
* ``signed_in`` — such a client signed in as ``kim``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support_web import PASSWORD, ConsoleClient, ConsoleWorld, deliver_to_kor

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem
from accord.web import ConsoleSettings, create_console_app


@pytest.fixture
def console(federation: Any) -> Iterator[ConsoleWorld]:
    jpn, kor = federation.jpn, federation.kor
    for name in ("kim", "lee"):
        kor.accounts.set_password(name, PASSWORD, actor="authority")
    report = jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Hwasong launch-site survey", "Two TELs seen.", "Assessment"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement=federation.agreement_id),
            Precedence.FLASH,
        ),
        actor="sato",
    ).id
    deliver_to_kor(federation, report)
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

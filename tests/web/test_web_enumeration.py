"""Every console route is classified, and none shows an item the policy denies (issue 11).

The routes are read from the app itself: a new route fails ``test_every_route_is_classified``
until it is listed here with a request that probes it. Each probe is made by ``lee`` (KOR analyst,
대외비, no need to know), whom the decision point denies the FLASH 極秘 report: no page may
show its id or title, and a route that names an item answers exactly as for a missing one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi.routing import APIRoute
from support_web import ConsoleClient, ConsoleWorld

from accord.node import Node
from accord.web import ConsoleSettings, create_console_app

MISSING = "jpn-" + "0" * 32
OVERSIGHT = {"agreement": "JPN-KOR-GSOMIA-2016", "from": "2026-01-01", "to": "2026-01-31", "lang": "ko"}
# (method, path) -> (path to call with {item}, form fields or None)
ROUTES: dict[tuple[str, str], tuple[str, dict[str, str] | None]] = {
    ("GET", "/"): ("/", None),
    ("GET", "/login"): ("/login", None),
    ("POST", "/login"): ("/login", {"user": "lee", "password": "wrong", "login_token": "x"}),
    ("POST", "/logout"): ("/logout", {"csrf": "{csrf}"}),
    ("POST", "/settings/language"): ("/settings/language", {"csrf": "{csrf}", "lang": "en"}),
    ("GET", "/inbox"): ("/inbox", None),
    ("GET", "/inbox/rows"): ("/inbox/rows", None),
    ("GET", "/items"): ("/items", None),
    ("GET", "/items/rows"): ("/items/rows?page=1", None),
    ("GET", "/items/new"): ("/items/new?kind=missile-launch", None),
    ("POST", "/items/new"): ("/items/new", {"csrf": "{csrf}", "kind": "report"}),
    ("GET", "/items/{item_id}"): ("/items/{item}", None),
    ("GET", "/items/{item_id}/attachments/{position}"): ("/items/{item}/attachments/0", None),
    ("POST", "/items/{item_id}/release"): (
        "/items/{item}/release",
        {"csrf": "{csrf}", "to": "USA", "purpose": "p"},
    ),
    ("GET", "/authority/users"): ("/authority/users", None),
    ("POST", "/authority/users/{name}/clearance"): (
        "/authority/users/lee/clearance",
        {"csrf": "{csrf}", "level": "군사Ⅰ급비밀"},
    ),
    ("POST", "/authority/tokens/{token_id}/revoke"): ("/authority/tokens/x/revoke", {"csrf": "{csrf}"}),
    ("GET", "/authority/partners"): ("/authority/partners", None),
    ("GET", "/authority/agreements"): ("/authority/agreements", None),
    ("GET", "/authority/agreements/{agreement_id}"): ("/authority/agreements/JPN-KOR-GSOMIA-2016", None),
    ("GET", "/authority/keys"): ("/authority/keys", None),
    ("GET", "/audit/journal"): ("/audit/journal?action=item.*", None),
    ("GET", "/audit/journal/{seq}"): ("/audit/journal/1", None),
    ("GET", "/audit/ledger"): ("/audit/ledger", None),
    ("POST", "/audit/ledger/verify"): ("/audit/ledger/verify", {"csrf": "{csrf}"}),
    ("GET", "/audit/ledger/verify"): ("/audit/ledger/verify", None),
    ("GET", "/audit/witnesses"): ("/audit/witnesses", None),
    ("GET", "/audit/alarms"): ("/audit/alarms", None),
    ("POST", "/audit/alarms/{alarm_id}/ack"): ("/audit/alarms/1/ack", {"csrf": "{csrf}", "finding": "x"}),
    ("GET", "/dashboard"): ("/dashboard?days=7", None),
    ("GET", "/holdings"): ("/holdings", None),
    ("POST", "/holdings/summary"): ("/holdings/summary", {"csrf": "{csrf}", "party": "JPN"}),
    ("GET", "/holdings/{item_id}"): ("/holdings/{item}", None),
    ("POST", "/holdings/{item_id}/copy"): ("/holdings/{item}/copy", {"csrf": "{csrf}", "count": "1"}),
    ("POST", "/holdings/{item_id}/translate"): (
        "/holdings/{item}/translate",
        {"csrf": "{csrf}", "lang": "en", "text": "t"},
    ),
    ("POST", "/holdings/{item_id}/destroy"): (
        "/holdings/{item}/destroy",
        {"csrf": "{csrf}", "method": "m", "witness": "kim"},
    ),
    ("POST", "/holdings/{item_id}/disposal"): (
        "/holdings/{item}/disposal",
        {"csrf": "{csrf}", "holder": "KOR", "kind": "destroy", "reason": "r"},
    ),
    ("GET", "/holdings/{item_id}/certificate"): ("/holdings/{item}/certificate", None),
    ("GET", "/holdings/{item_id}/dissemination"): ("/holdings/{item}/dissemination", None),
    ("GET", "/holdings/{item_id}/exposure"): ("/holdings/{item}/exposure", None),
    ("GET", "/translations/{translation_id}"): ("/translations/{item}", None),
    ("GET", "/reconcile"): ("/reconcile", None),
    ("POST", "/reconcile"): ("/reconcile", {"csrf": "{csrf}", "party": "JPN"}),
    ("GET", "/compromise"): ("/compromise", None),
    ("POST", "/compromise"): (
        "/compromise",
        {"csrf": "{csrf}", "items": "x", "actual": "possible", "circumstances": "c"},
    ),
    ("GET", "/compromise/{case_id}"): ("/compromise/case-x", None),
    ("POST", "/compromise/{case_id}/close"): (
        "/compromise/case-x/close",
        {"csrf": "{csrf}", "findings": "f", "measures": "m"},
    ),
    ("GET", "/send"): ("/send", None),
    ("POST", "/send"): ("/send", {"csrf": "{csrf}", "items": MISSING, "to": "JPN"}),
    ("GET", "/outbox"): ("/outbox?done=true", None),
    ("GET", "/outbox/rows"): ("/outbox/rows?done=true", None),
    ("GET", "/items/{item_id}/receipts"): ("/items/{item}/receipts", None),
    ("GET", "/quarantine"): ("/quarantine", None),
    ("GET", "/consents"): ("/consents", None),
    ("POST", "/consents/{request_id}/approve"): ("/consents/c-1/approve", {"csrf": "{csrf}", "days": "30"}),
    ("POST", "/consents/{request_id}/deny"): ("/consents/c-1/deny", {"csrf": "{csrf}", "reason": "r"}),
    ("POST", "/consents/tokens/{token_id}/revoke"): (
        "/consents/tokens/t-1/revoke",
        {"csrf": "{csrf}", "reason": "r"},
    ),
    ("GET", "/search"): ("/search?q=Hwasong+launch*&kind=report&precedence=FLASH&from=JPN&limit=200", None),
    ("GET", "/oversight"): ("/oversight", None),
    ("POST", "/oversight"): ("/oversight", {"csrf": "{csrf}", **OVERSIGHT}),
    ("POST", "/oversight/file"): ("/oversight/file", {"csrf": "{csrf}", **OVERSIGHT, "format": "pdf"}),
    ("GET", "/oversight/verify"): ("/oversight/verify", None),
    ("POST", "/oversight/verify"): ("/oversight/verify", {"csrf": "{csrf}", "as": "page"}),
    ("GET", "/oversight/compare"): ("/oversight/compare", None),
    ("POST", "/oversight/compare"): ("/oversight/compare", {"csrf": "{csrf}"}),
    ("GET", "/items/{item_id}/downgrade"): ("/items/{item}/downgrade", None),
    ("POST", "/items/{item_id}/downgrade"): (
        "/items/{item}/downgrade",
        {"csrf": "{csrf}", "declassify": "true", "reason": "r"},
    ),
}
NAMES_AN_ITEM = {path for path, _ in ROUTES.values() if "{item}" in path}
NOT_ROUTES = {"/static"}  # the mounted static files: no item, no session


def _routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)  # an included router, kept as such
        yield from _routes(included.routes) if included is not None else (route,)


def test_every_route_is_classified(make_node: Callable[..., Node]) -> None:
    app = create_console_app(make_node("KOR"), ConsoleSettings(secure_cookies=False))
    found = set()
    for route in _routes(app.routes):
        if isinstance(route, APIRoute):
            found |= {(method, route.path) for method in route.methods}
        else:
            assert getattr(route, "path", None) in NOT_ROUTES, f"unclassified route {route}"
    assert found == set(ROUTES), "classify every console route in test_web_enumeration.py"


def _call(client: ConsoleClient, method: str, path: str, form: dict[str, str] | None, csrf: str) -> str:
    data = {k: v.replace("{csrf}", csrf) for k, v in (form or {}).items()}
    response = client.request(method, path, data=data) if method == "POST" else client.get(path)
    return f"{response.status_code}\n{response.text}"


def test_no_route_reveals_a_denied_item(console: ConsoleWorld) -> None:
    title = "Hwasong launch-site survey"
    kim = console.client()
    kim.sign_in("kim")
    assert title in kim.get(f"/items/{console.report}").text  # kim may: the probe is meaningful
    lee = console.client()
    lee.sign_in("lee")
    for (method, _), (path, form) in sorted(ROUTES.items()):
        if path == "/logout":
            continue  # probed last: it ends the session
        csrf = lee.csrf()
        denied = _call(lee, method, path.format(item=console.report), form, csrf)
        assert title not in denied, path
        if path in NAMES_AN_ITEM:
            missing = _call(lee, method, path.format(item=MISSING), form, csrf)
            assert denied.split("\n")[0] == "404", path
            assert denied.replace(console.report, "ID") == missing.replace(MISSING, "ID"), path
        else:
            assert console.report not in denied, path
    assert _call(lee, "POST", "/logout", {"csrf": "{csrf}"}, lee.csrf()).startswith("200")

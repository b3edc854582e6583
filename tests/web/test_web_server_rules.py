"""The console's server rules, in process: headers, sessions, CSRF, refusals, 404s (issue 11)."""

from __future__ import annotations

import re

from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.store import read_events
from accord.web._security import CONTENT_SECURITY_POLICY

HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}


def _refusals(world: ConsoleWorld, action: str) -> list[dict[str, object]]:
    with world.kor.ctx.db.transaction(read_only=True) as session:
        return [e.detail for e in read_events(session) if e.action == action and e.outcome == "refused"]


def _item_count(world: ConsoleWorld) -> int:
    return len(world.kor.items.all())


def test_every_response_carries_the_security_headers(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    anonymous = console.client()
    responses = [
        anonymous.get("/login"),
        anonymous.get("/static/console.css"),
        anonymous.get("/no/such/page"),
        signed_in.get("/inbox"),
        signed_in.get(f"/items/{console.report}"),
        signed_in.get("/items/new"),
        signed_in.get("/inbox/rows"),
        signed_in.post("/logout", data={"csrf": "forged"}),
        signed_in.post("/items/new", content=b"x" * 10, headers={"content-length": str(65 * 1024 * 1024)}),
    ]
    for response in responses:
        for name, value in HEADERS.items():
            assert response.headers.get(name) == value, (response.request.url, name)
    assert [r.status_code for r in responses] == [200, 200, 404, 200, 200, 200, 200, 403, 413]


def test_every_response_says_how_long_it_took(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    # What bench/console.py reads as the server's time: one "app" metric in milliseconds.
    for response in (console.client().get("/login"), signed_in.get("/inbox"), signed_in.get("/no/such")):
        timing = re.fullmatch(r"app;dur=(\d+\.\d)", response.headers.get("server-timing", ""))
        assert timing is not None, response.request.url
        assert 0 < float(timing[1]) < 60_000


def test_no_template_has_inline_script_style_or_handler() -> None:
    from accord.web import STATIC_DIR

    templates = STATIC_DIR.parent / "templates"
    for path in templates.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert "<style" not in text, path.name
        assert not re.search(r"\sstyle=", text), path.name
        assert not re.search(r"\son[a-z]+=", text), path.name
        assert not re.search(r"hx-on|javascript:", text), path.name


def test_pages_need_a_session(console: ConsoleWorld) -> None:
    anonymous = console.client(follow_redirects=False)
    for path in ("/", "/inbox", f"/items/{console.report}", "/items/new"):
        response = anonymous.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/login"
    fragment = anonymous.get("/inbox/rows", headers={"HX-Request": "true"})
    assert fragment.status_code == 401
    assert fragment.headers["hx-redirect"] == "/login"


def test_sign_in_sets_a_strict_http_only_cookie_and_sign_out_ends_it(console: ConsoleWorld) -> None:
    client = console.client(follow_redirects=False)
    response = client.sign_in("kim")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "accord_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback; see the TLS test below
    token = client.csrf()
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/inbox").headers["location"] == "/login"


def test_over_tls_the_cookie_is_secure(console: ConsoleWorld) -> None:
    client = console.client(secure=True, follow_redirects=False, base_url="https://127.0.0.1")
    assert "Secure" in client.sign_in("kim").headers["set-cookie"]


def test_a_wrong_password_is_refused_in_the_cli_words_and_locks_the_account(console: ConsoleWorld) -> None:
    client = console.client()
    for _ in range(5):
        refused = client.sign_in("lee", "not the password")
        assert refused.status_code == 401
        assert "wrong user name or password" in refused.text
    locked = client.sign_in("lee", PASSWORD)
    assert "account locked until" in locked.text
    assert len(_refusals(console, "user.login")) == 6


def test_a_sign_in_without_its_login_token_is_refused_and_journalled(console: ConsoleWorld) -> None:
    client = console.client(follow_redirects=False)
    response = client.post("/login", data={"user": "kim", "password": PASSWORD, "login_token": "forged"})
    assert response.status_code == 403
    assert "accord_session" not in response.headers.get("set-cookie", "")
    assert _refusals(console, "console.csrf")


def test_a_forged_form_changes_nothing_and_is_journalled(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    before = _item_count(console)
    form = {"csrf": "forged", "kind": "report", "title": "t", "classification": "대외비", "purpose": "p"}
    assert signed_in.post("/items/new", data=form).status_code == 403
    assert signed_in.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert signed_in.post("/settings/language", data={"csrf": "forged", "lang": "ja"}).status_code == 403
    assert _item_count(console) == before
    assert signed_in.get("/inbox").status_code == 200  # still signed in
    assert len(_refusals(console, "console.csrf")) == 3


def test_malformed_and_oversized_posts_are_refused(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    before = _item_count(console)
    token = signed_in.csrf()
    # A missing field, a wrong kind, a body over the cap: each refused, nothing created.
    assert signed_in.post("/logout", data={}).status_code == 400
    assert signed_in.post("/items/new", data={"csrf": token, "kind": "poem"}).status_code == 400
    huge = signed_in.post("/items/new", files={"attachments": ("big.bin", b"0" * (64 * 1024 * 1024 + 1))})
    assert huge.status_code == 413
    assert _item_count(console) == before
    assert _refusals(console, "console.malformed")
    assert [d["reason"] for d in _refusals(console, "console.oversized")] == [
        "a body over 64 MiB to /items/new"
    ]


def test_an_idle_session_ends(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    clock = console.federation.clock
    clock.advance(minutes=14)
    assert signed_in.get("/inbox").status_code == 200
    clock.advance(minutes=15, seconds=1)
    ended = signed_in.get("/inbox")
    assert ended.url.path == "/login"
    assert "Your session has ended" in ended.text


def test_a_withheld_item_is_the_missing_item_page(console: ConsoleWorld) -> None:
    # lee (analyst, 대외비, no need to know) may not read the 極秘 report.
    client = console.client()
    client.sign_in("lee")
    inbox = client.get("/inbox")
    assert "Hwasong" not in inbox.text
    assert console.report not in inbox.text
    assert "Nothing has been received that you may read." in inbox.text
    assert "평문 (UNCLASSIFIED)" in inbox.text  # nothing shown: the unclassified banner
    missing_id = "jpn-" + "0" * 32
    withheld = client.get(f"/items/{console.report}")
    missing = client.get(f"/items/{missing_id}")
    assert withheld.status_code == missing.status_code == 404
    # Word for word (the path echoed in the language form is the caller's own).
    assert withheld.text.replace(console.report, "ID") == missing.text.replace(missing_id, "ID")
    assert "Hwasong" not in withheld.text
    attachment = client.get(f"/items/{console.report}/attachments/0")
    assert attachment.status_code == 404


def test_the_language_is_the_setting_else_accept_language(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    korean = signed_in.get("/inbox", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert '<html lang="ko">' in korean.text
    assert "수신함" in korean.text
    token = signed_in.csrf()
    signed_in.post("/settings/language", data={"csrf": token, "lang": "ja", "back": "//evil.example/"})
    japanese = signed_in.get("/inbox", headers={"Accept-Language": "ko"})
    assert '<html lang="ja">' in japanese.text
    assert "受信箱" in japanese.text
    # Markings stay in their native script whatever the language.
    assert "군사Ⅱ급비밀" in japanese.text
    assert "極秘" in japanese.text
    login = console.client().get("/login", headers={"Accept-Language": "ja"})
    assert "ログイン" in login.text

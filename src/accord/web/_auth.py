"""Signing in and out of the console, and the person's language (issue 11, ADR 0006).

The password is checked by the node's account service, as at the CLI and the user API
(argon2id, five failures lock the account for fifteen minutes, every attempt journalled);
the console adds nothing to it. Before anyone signs in there is no session to hold a CSRF
token, so the sign-in form uses a double-submit token: a random ``HttpOnly``,
``SameSite=Strict`` cookie that the form must echo.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from accord.errors import InvalidInput, PolicyDenied
from accord.web._console import LOGIN_COOKIE, SESSION_COOKIE, Con, Console, CsrfRefused, Me, Screen, Token
from accord.web._i18n import LANGUAGES

__all__ = ["router"]

router = APIRouter()
"""``/``, ``/login``, ``/logout`` and ``/settings/language``."""

_MAX_NAME = 64
_MAX_PASSWORD = 1024


def _login_page(
    console: Console, request: Request, *, error: str | None = None, status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    context = {"login_token": token, "error": error, "ended": request.query_params.get("ended") == "1"}
    response = console.page(request, None, Screen("login.html", context), status_code=status)
    secure = console.settings.secure_cookies
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/login")
    return response


@router.get("/")
def home(_who: Me) -> RedirectResponse:
    """To the inbox (or, without a session, to the sign-in page)."""
    return RedirectResponse("/inbox", status_code=303)


@router.get("/login")
def login_form(request: Request, console: Con) -> Response:
    """The sign-in page, with a fresh login token (cookie and form)."""
    return _login_page(console, request)


@router.post("/login")
def login(
    request: Request,
    console: Con,
    user: Annotated[str, Form(max_length=_MAX_NAME)],
    password: Annotated[str, Form(max_length=_MAX_PASSWORD)],
    login_token: Token,
) -> Response:
    """Check the password at the node and open a session (the refusal in the CLI's words)."""
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode("utf-8"), login_token.encode("utf-8")):
        console.refuse(user, "console.csrf", "a sign-in form without its login token")
        raise CsrfRefused
    try:
        session_id, _ = console.node.sessions.open(user, password)
    except PolicyDenied as exc:
        # The account service journalled it; its words never tell who exists.
        return _login_page(console, request, error=str(exc), status=401)
    response = RedirectResponse("/inbox", status_code=303)
    secure = console.settings.secure_cookies
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict", secure=secure, path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, console: Con, who: Me, csrf: Token) -> Response:
    """End the session at the node and drop the cookie."""
    console.check_csrf(who, csrf, "signing out")
    console.node.sessions.close(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/settings/language")
def language(
    console: Con,
    who: Me,
    csrf: Token,
    lang: Annotated[str, Form(max_length=16)],
    back: Annotated[str, Form(max_length=256)] = "/inbox",
) -> Response:
    """Keep the person's console language at the node, then back to the page they were on."""
    console.check_csrf(who, csrf, "the language setting")
    if lang not in LANGUAGES:
        raise InvalidInput(f"the console speaks {', '.join(LANGUAGES)}, not {lang!r}")
    console.node.sessions.set_language(who.name, lang)
    # Back to a page of this console only (never an open redirect).
    local = back.startswith("/") and not back.startswith("//") and "\\" not in back
    return RedirectResponse(back if local else "/inbox", status_code=303)

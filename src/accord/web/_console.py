"""The console's frame: who is signed in, the page around every view, the refusals (issue 11).

:class:`Console` is what every route module receives: the node, the templates in each language,
and the helpers every page uses —

* :meth:`Console.who` (a FastAPI dependency): the person behind the session cookie, resumed
  at the node (``node.sessions``; an ended session sends the browser to the sign-in page);
* :meth:`Console.page`: renders a :class:`Screen` (a template, its values, the markings it
  displays) inside ``base.html`` with the **banner** of what the page shows — the route passes
  the markings, ``accord.markings.page_banner`` decides the level (never a template);
* :meth:`Console.check_csrf`: a form's token against the session's, or a refusal journalled
  as ``console.csrf`` that changes nothing.

Refusals map to pages in one place (:func:`install_error_pages`): a withheld item and a
missing one are the same 404 page (GSOMIA Art. 7: nobody learns what exists).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException

from accord.errors import AccordError, NotFound, PolicyDenied
from accord.markings import Marking, page_banner
from accord.node import EXCHANGE_ROLES, ConsoleSession, Node
from accord.policy import ROLE_ACTIONS, Action, Duty
from accord.web._i18n import LANGUAGES, N_, choose_language, local_time, translations
from accord.web._ledger_run import LedgerRun

__all__ = [
    "LOGIN_COOKIE",
    "SESSION_COOKIE",
    "Con",
    "Console",
    "ConsoleSettings",
    "Me",
    "PostedForm",
    "Screen",
    "Token",
    "Who",
    "as_download",
    "current_console",
    "current_who",
    "install_error_pages",
    "posted_form",
    "refusal_status",
]

_log = logging.getLogger("accord.web")

SESSION_COOKIE = "accord_session"
LOGIN_COOKIE = "accord_login"


@dataclass(frozen=True)
class ConsoleSettings:
    """How the console is served.

    Attributes:
        secure_cookies: Served over TLS: cookies get ``Secure`` (required whenever the console
            is reachable from another host).
        poll_seconds: How often the inbox asks for new arrivals (htmx polling).
        inbox_page: Items on a page of the inbox. Each is opened and verified when shown,
            so a page's time grows with it (about 2 ms an item: ``bench/console.py``).
    """

    secure_cookies: bool
    poll_seconds: int = 15
    inbox_page: int = 50


@dataclass(frozen=True)
class Who:
    """The signed-in person of one request."""

    session: ConsoleSession
    language: str

    @property
    def name(self) -> str:
        """The user name, the actor of every service call."""
        return self.session.user.name

    @property
    def role(self) -> str:
        """The user's role (for the navigation only; the node decides what they may do)."""
        return self.session.user.role.value

    @property
    def sees_exchange(self) -> bool:
        """Whether the node shows this person the outbox, receipts, quarantine and consents.

        For the navigation only: the node refuses the others (``EXCHANGE_ROLES``).
        """
        return self.role in EXCHANGE_ROLES

    @property
    def may_read(self) -> bool:
        """Whether the decision point lets this person's role read items at all (the search box).

        For the navigation only: the node decides each item, and filters every search.
        """
        return Action.READ in ROLE_ACTIONS.get(self.role, frozenset())

    @property
    def may_release(self) -> bool:
        """Whether the decision point lets this person's role release items at all.

        For the navigation only: the node decides each release.
        """
        return Action.RELEASE in ROLE_ACTIONS.get(self.role, frozenset())

    @property
    def keeps_custody(self) -> bool:
        """Whether the decision point gives this person's role the custody acts (numbered
        copies, translation, destruction: Arts. 9–16), so an item's page links to its custody.

        For the navigation only: the node decides each act.
        """
        return Action.COPY in ROLE_ACTIONS.get(self.role, frozenset())


@dataclass(frozen=True)
class Screen:
    """What a page shows: a template, the values it renders, and the markings of what it displays.

    The markings decide the page's banner (:meth:`Console.page`), never the template.
    """

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    markings: Iterable[Marking] = ()

    @classmethod
    def form(
        cls,
        template: str,
        choices: Mapping[str, Any],
        values: Mapping[str, object],
        error: str | None,
        markings: Iterable[Marking] = (),
    ) -> Screen:
        """A form's page: its ``choices``, what was typed (``values``, empty for a new form) and
        the node's refusal of it (``error``, shown above the form by the ``post_form`` macro)."""
        return cls(template, {**choices, "values": values, "error": error}, markings)


class SignInFirst(Exception):
    """No live session: the browser goes to the sign-in page."""

    def __init__(self, ended: bool) -> None:
        super().__init__("sign in first")
        self.ended = ended


MAX_TOKEN_CHARS = 128
"""The longest CSRF or login token a form may carry (the console's are far shorter)."""
Token = Annotated[str, Form(max_length=MAX_TOKEN_CHARS)]
"""A form field that carries a token (CSRF or login), bounded."""


class PostedForm(BaseModel):
    """What every form a console page posts carries: its session's CSRF token, bounded
    (:meth:`Console.check_csrf` compares it)."""

    csrf: str = Field(max_length=MAX_TOKEN_CHARS)


class CsrfRefused(Exception):
    """A form's token did not match its session's (or the login cookie's)."""


class Malformed(Exception):
    """A form that cannot be what the console sent (wrong fields or types)."""


async def posted_form(request: Request, *, max_files: int, max_fields: int) -> FormData:
    """The form ``request`` posts (multipart or urlencoded), parsed within these limits.

    Raises:
        Malformed: any parser failure (multipart syntax, a limit passed); the console's
            handler journals it (ADR 0006).
    """
    try:
        return await request.form(max_files=max_files, max_fields=max_fields)
    except Exception as exc:  # any parser failure (multipart, limits) is a malformed form
        raise Malformed from exc


class Console:
    """The node, the templates, and the helpers every console page uses."""

    def __init__(self, node: Node, settings: ConsoleSettings) -> None:
        """Serve ``node`` with ``settings``."""
        self.node = node
        self.settings = settings
        self.ledger_run = LedgerRun(node)
        """The ledger verification the auditor's page starts and follows (one at a time)."""
        self._environments = {language: self._environment(language) for language in LANGUAGES}

    def _environment(self, language: str) -> Environment:
        env = Environment(
            loader=PackageLoader("accord.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
        env.filters["local_time"] = partial(local_time, language=language)
        return env

    # --- who ----------------------------------------------------------------------------

    def who(self, request: Request) -> Who:
        """The person behind the request's session cookie (a FastAPI dependency).

        Raises:
            SignInFirst: no cookie, or its session has ended (idle, signed out, unknown).
        """
        session_id = request.cookies.get(SESSION_COOKIE)
        if not session_id:
            raise SignInFirst(ended=False)
        try:
            session = self.node.sessions.resume(session_id)
        except PolicyDenied as exc:
            raise SignInFirst(ended=True) from exc
        language = choose_language(session.language, request.headers.get("accept-language"))
        return Who(session, language)

    def who_or_none(self, request: Request) -> Who | None:
        """The signed-in person, or None (for pages shown to anyone, and refusals)."""
        try:
            return self.who(request)
        except SignInFirst:
            return None

    def language_of(self, request: Request) -> str:
        """The language for a page shown before anyone signs in."""
        return choose_language(None, request.headers.get("accept-language"))

    def check_csrf(self, who: Who, token: str, what: str) -> None:
        """Refuse a form whose token is not the session's (compared in constant time).

        Raises:
            CsrfRefused: journalled as ``console.csrf``; nothing was changed.
        """
        if not hmac.compare_digest(token.encode("utf-8"), who.session.csrf_token.encode("utf-8")):
            self.refuse(who.name, "console.csrf", f"a form for {what} without its session's token")
            raise CsrfRefused

    def refuse(self, actor: str, action: str, reason: str) -> None:
        """Journal a refused request (a forged or malformed form), never its content."""
        self.node.ctx.journal_refusal(actor[:64], action, PolicyDenied(reason))

    def require_duty(self, who: Who, duty: Duty, refusal: str, what: str) -> None:
        """Ask the node's decision point whether ``who`` may do ``duty`` before showing ``what``.

        Raises:
            PolicyDenied: it denies (journalled as ``refusal``, e.g. ``console.records``).
        """
        try:
            self.node.access.require_duty(who.session.user, duty)
        except PolicyDenied as exc:
            self.refuse(who.name, refusal, f"{what}: {exc}")
            raise

    # --- pages --------------------------------------------------------------------------

    def duties(self, who: Who) -> frozenset[str]:
        """The duties the node's decision point lets ``who`` do (``read-journal``, …), for the
        navigation and the forms shown; the node decides again on every action."""
        allowed = set()
        for duty in Duty:
            try:
                self.node.access.require_duty(who.session.user, duty)
            except PolicyDenied:
                continue
            allowed.add(duty.value)
        return frozenset(allowed)

    def gettext(self, language: str, message: str) -> str:
        """``message`` in ``language``."""
        return translations(language).gettext(message)

    def acted(
        self,
        request: Request,
        who: Who,
        act: Callable[[], object],
        shown: Callable[[str], Screen],
        *,
        then: str,
    ) -> Response:
        """Do ``act`` (a form's change), then send the browser to ``then`` (303: a reload does not
        post the form again); a refusal is the page ``shown`` with the node's refusal in its
        words, under :func:`refusal_status`.

        Raises:
            NotFound: passed on, never shown beside a form: every missing or withheld thing
                gets the one 404 page (Art. 7: nobody learns what exists).
        """
        try:
            act()
        except NotFound:
            raise
        except AccordError as exc:
            return self.page(request, who, shown(str(exc)), status_code=refusal_status(exc))
        return RedirectResponse(then, status_code=303)

    def page(
        self, request: Request, who: Who | None, screen: Screen, *, status_code: int = 200
    ) -> HTMLResponse:
        """Render ``screen`` for ``who`` with the banner of the markings it displays."""
        lang = who.language if who is not None else self.language_of(request)
        env = self._environments[lang]
        banner = page_banner(list(screen.markings), self.node.config.scheme)
        html = env.get_template(screen.template).render(
            **screen.context,
            lang=lang,
            languages=LANGUAGES,
            who=who,
            csrf=who.session.csrf_token if who is not None else "",
            duties=self.duties(who) if who is not None else frozenset(),
            banner=banner,
            node=self.node.config,
            path=request.url.path,
            poll_seconds=self.settings.poll_seconds,
        )
        return HTMLResponse(html, status_code=status_code)


def as_download(data: bytes, media: str, name: str) -> Response:
    """``data`` as a file the browser saves as ``name`` (a name the node made: ids, codes, days)."""
    disposition = f'attachment; filename="{name}"'
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


def refusal_status(exc: AccordError) -> int:
    """The status of a page that shows the node's refusal: 403 when a policy denies, else 400."""
    return 403 if isinstance(exc, PolicyDenied) else 400


def install_error_pages(app: FastAPI, console: Console) -> None:
    """Map every refusal to its page: the one place console statuses are chosen."""

    def simple(request: Request, template: str, status: int, **context: object) -> HTMLResponse:
        who = console.who_or_none(request)
        return console.page(request, who, Screen(template, context), status_code=status)

    @app.exception_handler(SignInFirst)
    def _sign_in(request: Request, exc: SignInFirst) -> Response:
        target = "/login?ended=1" if exc.ended else "/login"
        if request.headers.get("hx-request"):
            # htmx follows HX-Redirect with a full page load (a fragment must not become a page).
            response: Response = Response(status_code=401, headers={"HX-Redirect": target})
        else:
            response = RedirectResponse(target, status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(CsrfRefused)
    def _forged(request: Request, _exc: CsrfRefused) -> HTMLResponse:
        return simple(request, "refused.html", 403, reason=N_("The form was not sent by this console."))

    @app.exception_handler(Malformed)
    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, _exc: Exception) -> HTMLResponse:
        # Refused before any service is called, and journalled: a forged or broken post.
        who = console.who_or_none(request)
        console.refuse(who.name if who else "unknown", "console.malformed", f"malformed {request.url.path}")
        reason = N_("The form is malformed.")
        return console.page(request, who, Screen("refused.html", {"reason": reason}), status_code=400)

    @app.exception_handler(NotFound)
    def _not_found(request: Request, _exc: NotFound) -> HTMLResponse:
        # A Withheld item is a NotFound: the same page, word for word, as a missing one.
        return simple(request, "not_found.html", 404)

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        if exc.status_code == 404:
            return simple(request, "not_found.html", 404)
        return simple(request, "refused.html", exc.status_code, reason=N_("The request was refused."))

    @app.exception_handler(AccordError)
    def _refused(request: Request, exc: AccordError) -> HTMLResponse:
        # Refusals a person may see carry the node's reason, in the CLI's words.
        return simple(request, "refused.html", refusal_status(exc), reason=str(exc), untranslated=True)


def current_console(request: Request) -> Console:
    """The :class:`Console` of the application serving ``request`` (a FastAPI dependency)."""
    console: Console = request.app.state.console
    return console


def current_who(request: Request) -> Who:
    """The signed-in person (a FastAPI dependency; see :meth:`Console.who`).

    Raises:
        SignInFirst: no live session.
    """
    return current_console(request).who(request)


Con = Annotated[Console, Depends(current_console)]
"""A route parameter: the console (its node, templates and helpers)."""
Me = Annotated[Who, Depends(current_who)]
"""A route parameter: the signed-in person; a route that takes it needs a session."""

"""The web console: server-rendered pages for the people who use a node (issue 11, ADR 0006).

A sibling of :mod:`accord.api` under :mod:`accord.cli`: it calls only :mod:`accord.node` (and the
pure layers), never a database session or a key. ``accord serve`` serves it on the user API's
port — ``/api/…`` stays the JSON API, every other path is the console.

* :func:`create_console_app` — the application, with :class:`ConsoleSettings`;
* sign-in with the node's accounts, server-side sessions, CSRF tokens (``_auth``, ``_console``);
* strict headers and a body cap on every response and request (``_security``);
* the analyst's pages (``_analyst``); banners from :func:`accord.markings.page_banner`;
* the search box and result page (``_search_page``), over ``node.items.search``;
* the oversight report, charted and printable, and its verification (``_oversight_page``), the
  comparison of the two parties' reports (``_oversight_compare``);
* English, Korean and Japanese (``_i18n``, ``locale/``).
"""

from accord.web._app import STATIC_DIR, create_console_app
from accord.web._console import ConsoleSettings
from accord.web._i18n import LANGUAGES

__all__ = ["LANGUAGES", "STATIC_DIR", "ConsoleSettings", "create_console_app"]

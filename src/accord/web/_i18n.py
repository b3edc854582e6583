"""Languages of the console: gettext catalogs (Babel), negotiation, local times (issue 11).

The catalogs live in ``locale/<lang>/LC_MESSAGES/console.po`` beside this module, compiled to
``console.mo`` and committed (the package installs with no build step); a test compiles each
``.po`` again and compares, and checks that every message is translated in every language.
One Jinja2 environment per language has its translations installed once, so no state is shared
between requests. Markings are never translated: they stay in their native script (Art. 4).
"""

from __future__ import annotations

import gettext
from datetime import datetime
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.core import UnknownLocaleError

from accord.canonical import parse_time
from accord.errors import InvalidInput
from accord.node import CONSOLE_LANGUAGES

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "choose_language",
    "local_time",
    "translations",
]

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "console"
LANGUAGES = CONSOLE_LANGUAGES
"""The console's languages: those the node keeps as a person's setting."""
DEFAULT_LANGUAGE = "en"
_MAX_ACCEPT = 512


def N_(message: str) -> str:  # noqa: N802 (gettext's conventional name for a deferred message)
    """Mark ``message`` for extraction (``pybabel extract -k N_``); it is translated where shown."""
    return message


@cache
def translations(language: str) -> gettext.GNUTranslations:
    """The compiled catalog of ``language`` (one of :data:`LANGUAGES`)."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as handle:
        return gettext.GNUTranslations(handle)


def choose_language(setting: str | None, accept_language: str | None) -> str:
    """The person's setting if any, else the best match of ``Accept-Language``, else English."""
    if setting in LANGUAGES:
        return setting
    wanted = []
    for part in (accept_language or "")[:_MAX_ACCEPT].split(","):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and weight > 0:
            wanted.append((weight, tag.replace("_", "-")))
    preferred = [tag for _, tag in sorted(wanted, key=lambda pair: -pair[0])]
    try:
        found = negotiate_locale(preferred, list(LANGUAGES), sep="-")
    except (UnknownLocaleError, ValueError):
        found = None
    return found if found in LANGUAGES else DEFAULT_LANGUAGE


def local_time(stamp: str | None, language: str) -> str:
    """An RFC 3339 time as the node's local time with its UTC offset, e.g. ``2026-11-25 18:00 +0900``.

    The date is written the same way in every language (ISO 8601 order); the weekday in the
    language. An unreadable stamp is shown as it is.
    """
    if not stamp:
        return ""
    try:
        moment = parse_time(stamp)
    except InvalidInput:
        return stamp
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M} {local:%z} ({_weekday(local, language)})"


def _weekday(moment: datetime, language: str) -> str:
    days = Locale.parse(language).days["format"]["abbreviated"]
    return str(days[moment.weekday()])

"""The console's message catalogs: every message translated in en, ko and ja; the .mo files current."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from accord.web import LANGUAGES
from accord.web._i18n import LOCALE_DIR, choose_language, local_time

WEB = LOCALE_DIR.parent


def _catalog(language: str) -> object:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "console.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _extracted() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {
        "templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    }
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(WEB), method_map, options, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}  # type: ignore[attr-defined]
    assert ids == _extracted(), "run pybabel extract/update (docs/console.md) and translate"
    for message in catalog:  # type: ignore[attr-defined]
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"{language}: {message.id!r} is not translated"
            assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(language))  # type: ignore[arg-type]
    committed = Path(LOCALE_DIR / language / "LC_MESSAGES" / "console.mo").read_bytes()
    assert compiled.getvalue() == committed, "run pybabel compile -d src/accord/web/locale -D console"


@pytest.mark.parametrize(
    ("setting", "header", "chosen"),
    [
        (None, "ko-KR,ko;q=0.9,en;q=0.5", "ko"),
        (None, "en;q=0.2, ja", "ja"),
        (None, "fr-FR", "en"),
        (None, None, "en"),
        (None, "ja;q=0", "en"),
        ("ko", "ja", "ko"),
        (None, "x" * 10_000, "en"),
    ],
)
def test_the_language_is_chosen(setting: str | None, header: str | None, chosen: str) -> None:
    assert choose_language(setting, header) == chosen


def test_times_are_local_with_their_offset() -> None:
    shown = local_time("2026-11-25T09:00:00Z", "ko")
    assert shown.startswith("2026-11-25 ") or shown.startswith("2026-11-2")
    assert " +" in shown or " -" in shown
    assert local_time("not a time", "en") == "not a time"

"""Chromium for the console's browser tests: where it is, axe-core, screenshots (issue 11).

Debian's ``chromium`` is driven by Playwright through ``executable_path`` (Playwright's own
browser download is not used). Without a Chromium the browser tests skip with the reason,
unless ``CI`` is set: then a missing browser is a failure (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
BLOCKING = ("serious", "critical")


def chromium_path() -> str:
    """The Chromium to drive, or a skip (a failure under CI) saying why there is none."""
    wanted = os.environ.get("ACCORD_CHROMIUM")
    found = wanted or next((c for c in CANDIDATES if Path(c).is_file()), None) or shutil.which("chromium")
    if found and Path(found).is_file():
        return found
    reason = "no Chromium found (apt-get install chromium fonts-noto-cjk, or set ACCORD_CHROMIUM)"
    if os.environ.get("CI"):
        pytest.fail(f"browser tests under CI: {reason}")
    pytest.skip(reason)


def check_accessibility(page: Any, name: str) -> None:
    """Run axe-core on the page; fail on any serious or critical violation.

    The script is evaluated through the DevTools protocol, not injected as a ``<script>``: the
    page's Content-Security-Policy stays as strict in the test as in use.
    """
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    violations = [v for v in json.loads(result) if v.get("impact") in BLOCKING]
    summary = [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s)" for v in violations]
    assert not violations, f"axe-core on {name}:\n" + "\n".join(summary)


def screenshot(page: Any, folder: Path, name: str) -> Path:
    """Save a full-page screenshot of ``page`` as ``folder/name.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^\w.-]+", "-", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def visit(page: Any, url: str, shots: Path, name: str) -> Any:
    """Open ``url``, check it with axe-core, keep its screenshot; return the response."""
    response = page.goto(url)
    check_accessibility(page, name)
    screenshot(page, shots, name)
    return response


def sign_in(page: Any, url: str, user: str, password: str) -> None:
    """Sign in on the console at ``url`` through its form, as a person would."""
    page.goto(url + "/login")
    page.fill("#user", user)
    page.fill("#password", password)
    page.click("form.form button[type=submit]")

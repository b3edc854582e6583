"""Make the label strategies of ``tests/markings`` importable from the item tests."""

from __future__ import annotations

import sys
from pathlib import Path

_MARKINGS_TESTS = str(Path(__file__).resolve().parents[1] / "markings")
if _MARKINGS_TESTS not in sys.path:
    sys.path.insert(0, _MARKINGS_TESTS)

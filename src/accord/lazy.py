"""Exports imported on first use (PEP 562), for the packages a short command need not load whole.

``accord item list`` and ``accord --help`` end before most of the node is needed; a package
whose ``__init__`` imported every export would load it all (bench/RESULTS.md, "Start-up",
session 15). Such a package lists its exports by module and sets
``__getattr__ = exports_from(__name__, {"Name": "package.module", ...})``; its
``TYPE_CHECKING`` imports keep the names visible to type checkers.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["exports_from"]


def exports_from(package: str, exports: Mapping[str, str]) -> Callable[[str], object]:
    """The module ``__getattr__`` of ``package``: each name of ``exports`` imported from its module
    when first asked for, then kept in the package's namespace (asked for once)."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> object:  # noqa: N807 - the hook's name, PEP 562
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__

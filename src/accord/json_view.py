"""The JSON view of a result dataclass: one rule for its ``to_dict``.

A result (a node's report, a listed token, a holdings line, an oversight mismatch …) is a
frozen dataclass; its JSON view is every field in the order the class declares it, each value
made JSON-ready by :func:`json_ready`. A result whose view is just that subclasses
:class:`JsonView`; one that shows more (a property) or less, or renames a key, says so in its
own ``to_dict`` around :func:`json_view`. It sits in the bottom layer, beside
:mod:`accord.canonical`, so that every layer above (exchange, store, oversight, node) keeps the
one rule.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from enum import Enum
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from dataclasses import Field

    from _typeshed import DataclassInstance

__all__ = ["JsonView", "json_ready", "json_view"]


_PLAIN = (str, int, float, bool, type(None), dict)


def json_ready(value: object) -> object:
    """``value`` as JSON-ready data.

    An enum gives its value, a path its text, a tuple or list a list of its members (each
    made ready), and anything with a ``to_dict`` (a nested view, a marking) its ``to_dict()``;
    anything else (text, numbers, ``None``, a dict already ready) is itself.
    """
    # Plain values first, and ``to_dict`` looked up rather than a runtime-checkable protocol
    # tested: listings turn thousands of these into JSON (an isinstance check against a
    # protocol costs tens of microseconds a value).
    if isinstance(value, _PLAIN) and not isinstance(value, Enum):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, tuple | list):
        return [json_ready(member) for member in value]
    to_dict = getattr(value, "to_dict", None)
    return to_dict() if callable(to_dict) else value


def json_view(view: DataclassInstance, *, leave_out: Collection[str] = ()) -> dict[str, object]:
    """Every field of ``view`` but those named in ``leave_out``, in declaration order, JSON-ready.

    Raises:
        ValueError: ``leave_out`` names a field ``view`` does not have (a renamed field must
            not start showing because the name left out no longer matches).
    """
    names = [f.name for f in fields(view)]
    if stray := set(leave_out).difference(names):
        raise ValueError(f"{type(view).__name__} has no field {sorted(stray)} to leave out")
    return {name: json_ready(getattr(view, name)) for name in names if name not in leave_out}


class JsonView:
    """The base of a result dataclass whose JSON view is :func:`json_view` of all its fields."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view: every field, in declaration order (:func:`json_ready`)."""
        return json_view(self)

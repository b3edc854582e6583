"""What every repository of ``store`` is: the SQL of its tables, on the caller's session.

A repository reads and writes rows within the caller's unit of work (the caller opens the
transaction and commits it) and decides nothing: the rules of the agreement stay in
``accord.node``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

__all__ = ["Repository"]


class Repository:
    """The SQL of some tables, read and written within one session."""

    def __init__(self, session: Session) -> None:
        """Work within ``session`` (the caller's unit of work)."""
        self._session = session

"""FLASH first inside one process: routine checking steps aside while FLASH is received.

A receiving process checks a transmission in Python (HPKE, ML-DSA and Ed25519 bindings,
parsing): CPU-bound work that shares the interpreter lock with every other request. A FLASH
transmission arriving while a 200-envelope ROUTINE batch is being checked used to wait for
its share of that lock for the whole batch (the tail of ``bench/flash_under_load.py``,
issue 14). :class:`UrgentWork` counts the FLASH transmissions being received; the ROUTINE
check loop asks :meth:`UrgentWork.step_aside` between envelopes and waits, holding no
lock, until they are stored. The wait is bounded so a stream of FLASH cannot starve
routine traffic for ever; nothing is skipped, only postponed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["UrgentWork"]

_MAX_STEP_ASIDE = 2.0
"""Seconds routine work waits at most at one step for FLASH work to finish."""


class UrgentWork:
    """How many FLASH transmissions this process is receiving; routine work waits for none."""

    def __init__(self, max_wait: float = _MAX_STEP_ASIDE) -> None:
        """Count nothing yet; routine work waits at most ``max_wait`` seconds per step."""
        self._changed = threading.Condition()
        self._count = 0
        self._max_wait = max_wait

    @contextmanager
    def running(self) -> Iterator[None]:
        """Mark FLASH work in progress for the duration of the block."""
        with self._changed:
            self._count += 1
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                self._changed.notify_all()

    @property
    def pending(self) -> bool:
        """Whether FLASH work is in progress (a cheap read, no lock)."""
        return self._count > 0

    def step_aside(self) -> bool:
        """Wait, if FLASH work is in progress, until there is none (or the bound has passed).

        Returns whether routine work had to wait.
        """
        if not self._count:
            return False
        with self._changed:
            self._changed.wait_for(lambda: self._count == 0, timeout=self._max_wait)
        return True

    def wait_pending(self, timeout: float) -> bool:
        """Wait until FLASH work is in progress (for tests and tools); return whether it is."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count > 0, timeout=timeout)

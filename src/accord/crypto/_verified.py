"""A bounded memory of dual signatures that verified, keyed by the exact bytes checked.

Verifying a dual signature (Ed25519 and ML-DSA-65) is a deterministic function of the
public keys, the domain (purpose or note), the message and the two signature halves: the
same bytes under the same keys give the same answer every time. A listing verifies the
binding of every row it shows on every request (``bench/console.py``: 50 bindings, a fifth
of the inbox page's CPU), although the rows rarely change; this remembers the successes.

Invariants:

* The key is the exact bytes — both public keys, the domain, the message, both signature
  halves — compared in full on a hit (a dict's equality, not a digest of them), so a
  changed byte anywhere is a miss and is verified afresh.
* Only successes are remembered; a failure is raised every time it is asked.
* Nothing else is remembered: the caller still rebuilds and compares the statement, parses
  and checks everything around the signature (``verify_binding``, the stored-row checks).
* Bounded (:data:`VERIFIED_LIMIT` entries, least recently used out first), process-wide
  (the answer depends on the bytes only, never on a node's database), thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Final

__all__ = ["VERIFIED_LIMIT", "VerifiedSignatures", "verified_signatures"]

VERIFIED_LIMIT: Final = 2048
"""Entries kept (about 6 KiB each: an ML-DSA-65 signature is 3,309 bytes): ~12 MiB at most."""

Key = tuple[bytes, bytes, bytes, bytes, bytes, bytes]
"""(Ed25519 key, ML-DSA-65 key, domain, message, Ed25519 signature, ML-DSA-65 signature)."""


class VerifiedSignatures:
    """The successes of :meth:`VerifyKeys.verify` and ``verify_note``, least recently used out first."""

    def __init__(self, limit: int = VERIFIED_LIMIT) -> None:
        """Remember at most ``limit`` successes."""
        self._limit = limit
        self._seen: OrderedDict[Key, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Key) -> bool:
        """Whether exactly these bytes verified before (and are still remembered)."""
        with self._lock:
            if key not in self._seen:
                return False
            self._seen.move_to_end(key)
            return True

    def __len__(self) -> int:
        """How many successes are remembered."""
        with self._lock:
            return len(self._seen)

    def add(self, key: Key) -> None:
        """Remember that exactly these bytes verified (call only after both halves did)."""
        with self._lock:
            self._seen[key] = None
            self._seen.move_to_end(key)
            while len(self._seen) > self._limit:
                self._seen.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (tests, and a key compromise if ever wanted)."""
        with self._lock:
            self._seen.clear()


verified_signatures: Final = VerifiedSignatures()
"""The process's memory of verified signatures (used by :class:`~accord.crypto.VerifyKeys`)."""

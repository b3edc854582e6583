"""A naive reference of RFC 9162 §2.1, written straight from the RFC's text, for the ledger tests.

Recursive, list-slicing, no storage, and independent of :mod:`accord.ledger` (it uses
:mod:`hashlib` directly), so that the tests compare the store-based tree with the
definitions themselves:

* §2.1.1  MTH({}) = SHA-256(); MTH({d(0)}) = SHA-256(0x00 || d(0));
  MTH(D_n) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of two < n;
* §2.1.3.1 PATH(0, {d(0)}) = {}; PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n]) if m < k,
  PATH(m - k, D[k:n]) : MTH(D[0:k]) if m >= k;
* §2.1.4.1 PROOF(m, D_n) = SUBPROOF(m, D_n, true); SUBPROOF(m, D_m, true) = {};
  SUBPROOF(m, D_m, false) = {MTH(D_m)}; for m < n, SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
  if m <= k, SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k]) if m > k.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["largest_power_of_two_below", "ref_mth", "ref_path", "ref_proof", "ref_subproof"]


def largest_power_of_two_below(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    """MTH(D_n) of RFC 9162 §2.1.1 over raw leaf data."""
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = largest_power_of_two_below(n)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D_n) of RFC 9162 §2.1.3.1."""
    n = len(d)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D_n, b) of RFC 9162 §2.1.4.1."""
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = largest_power_of_two_below(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D_n) = SUBPROOF(m, D_n, true) of RFC 9162 §2.1.4.1 (0 < m <= n)."""
    return ref_subproof(m, d, True)

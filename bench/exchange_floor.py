"""Exchange floor: the CPU the protocol's cryptography costs per item, and the rate it allows here.

Run: .venv/bin/python -m bench.exchange_floor [--count N] [--quick]

Issue 14 asks for 2,000 items/s from first send to last receipt, both nodes on this machine.
This benchmark answers whether that is possible here with the checks the design requires, by
measurement, not by estimate:

1. JPN and KOR are made in one process (``bench._common.make_federation``) and JPN creates
   ``--count`` 4 KiB reports beforehand (not measured).
2. Every call of the cryptographic operations the exchange performs is timed in CPU time of
   the calling thread (``time.thread_time_ns``, exclusive of nested timed calls): dual
   signatures made and checked (Ed25519 + ML-DSA-65, with the purpose that says what was
   signed), HPKE seal and open (ML-KEM-768 + X25519), AES-256-GCM seal and open (content,
   keys), keyed tokens and derived keys (HMAC-SHA-256).
3. JPN sends them all to KOR (``send_many``) and delivers in process until every receipt is
   stored (``Loopback``: no HTTP, no TLS; what the served path adds comes on top).
4. Each primitive is also measured alone (best of several runs) for reference.

It prints, per item (both nodes together): the CPU of each operation, the cryptography in
all, the rest of the process, and the rate the cryptography alone allows on the cores this
machine has (``os.cpu_count()``) if nothing else cost anything. When that ceiling is below
the target, the target cannot be reached on this machine without dropping a check the
design requires (which issue 14 forbids).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import threading
import time
import types
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from accord.crypto import (
    HpkeKeyPair,
    SigningKeys,
    Suite,
    VerifyKeys,
    _aead,
    _keyed,
    _keys,
    _signing,
    _verified,
    hpke_seal_with,
    new_data_key,
    seal,
)
from accord.exchange import EnvelopeHeader, ItemPayload, Transmission
from bench._common import Loopback, create_reports, held_items, make_federation

TARGET_RATE = 2000.0
VALIDATION = "[peer input] "
ITEM_BYTES = 4096


class CryptoClock:
    """CPU time (this thread's, exclusive of nested timed calls) and calls, per operation."""

    def __init__(self) -> None:
        self.nanos: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._undo: list[Callable[[], None]] = []

    def _timed(self, name: Callable[..., str], func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            stack: list[int] = self._local.__dict__.setdefault("stack", [])
            stack.append(0)  # CPU of nested timed calls, subtracted from this one
            began = time.thread_time_ns()
            try:
                return func(*args, **kwargs)
            finally:
                spent = time.thread_time_ns() - began
                nested = stack.pop()
                if stack:
                    stack[-1] += spent
                label = name(*args, **kwargs)
                with self._lock:
                    self.nanos[label] += spent - nested
                    self.calls[label] += 1

        return timed

    def method(self, cls: type, attr: str, name: Callable[..., str]) -> None:
        """Time ``cls.attr`` for every instance."""
        original = cls.__dict__[attr]
        setattr(cls, attr, self._timed(name, original))
        self._undo.append(lambda: setattr(cls, attr, original))

    def classmethod(self, cls: type, attr: str, name: str) -> None:
        """Time the class method ``cls.attr``."""
        original = cls.__dict__[attr]
        setattr(cls, attr, classmethod(self._timed(lambda *_a, **_k: name, original.__func__)))
        self._undo.append(lambda: setattr(cls, attr, original))

    def function(self, func: Callable[..., Any], name: str) -> None:
        """Time ``func`` wherever a loaded module holds it (``from x import f`` copies included)."""
        timed = self._timed(lambda *_a, **_k: name, func)
        for module in list(sys.modules.values()):
            if not isinstance(module, types.ModuleType):
                continue
            for attr, value in list(vars(module).items()):
                if value is func:
                    setattr(module, attr, timed)
                    self._undo.append(functools.partial(setattr, module, attr, func))

    def undo_with(self, step: Callable[[], None]) -> None:
        """Run ``step`` when undoing."""
        self._undo.append(step)

    def undo(self) -> None:
        """Put every original back."""
        for step in reversed(self._undo):
            step()
        self._undo.clear()


class _Forgetful:
    """A verified-signature cache that remembers nothing (see :func:`instrument`)."""

    def __contains__(self, _key: object) -> bool:
        return False

    def add(self, _key: object) -> None:
        """Forget at once."""


def instrument() -> CryptoClock:
    """Time the exchange's cryptographic operations (see the module docstring).

    The process-wide cache of verified signatures (``crypto/_verified.py``) is switched off
    meanwhile: here both nodes share one process, so KOR would find the bindings JPN verified
    and be spared its own verification, which a node of its own never is.
    """
    clock = CryptoClock()
    original = _verified.verified_signatures
    setattr(_signing, "verified_signatures", _Forgetful())  # noqa: B010 - the name VerifyKeys reads
    clock.undo_with(lambda: setattr(_signing, "verified_signatures", original))
    clock.method(SigningKeys, "sign", lambda _self, purpose, _msg: f"sign Ed25519+ML-DSA-65 ({purpose})")
    clock.method(VerifyKeys, "verify", lambda _self, purpose, *_a: f"verify Ed25519+ML-DSA-65 ({purpose})")
    clock.function(_keys.hpke_seal, "HPKE seal (ML-KEM-768+X25519)")
    clock.function(_keys.hpke_decrypt, "HPKE open (ML-KEM-768+X25519)")
    clock.function(_aead._seal_raw, "AES-256-GCM seal")
    clock.function(_aead._open_raw, "AES-256-GCM open")
    clock.function(_keyed.keyed_tokens, "HMAC-SHA-256 keyed tokens")
    clock.function(_keyed.derive_key, "HMAC-SHA-256 derived key")
    # Not cryptography, but as required: every envelope from a peer is parsed and validated
    # strictly (label, binding, content: NFC, controls, lengths) before anything is kept.
    clock.classmethod(EnvelopeHeader, "parse", VALIDATION + "envelope header parsed and validated")
    clock.classmethod(ItemPayload, "parse", VALIDATION + "item payload parsed and validated")
    clock.classmethod(Transmission, "parse", VALIDATION + "transmission parsed and validated")
    return clock


def exchange(root: Path, count: int) -> tuple[CryptoClock, float, float]:
    """Send ``count`` reports JPN → KOR in process; the clock, process CPU and wall seconds."""
    fed = make_federation(root)
    try:
        ids, _ = create_reports(fed.jpn, count, size=ITEM_BYTES)
        clock = instrument()
        try:
            cpu, wall = time.process_time(), time.perf_counter()
            for start in range(0, count, 200):
                fed.jpn.sending.send_many(ids[start : start + 200], to="KOR", actor="sato")
            link = Loopback(fed.kor)
            for peer, lane in fed.jpn.delivery.peers_with_pending():
                while (result := fed.jpn.delivery.deliver_once(peer, lane, link)).sent:
                    if result.error:
                        raise SystemExit(f"delivery failed: {result.error}")
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        finally:
            clock.undo()
        held = held_items(fed.kor, "jpn-mod", ids)
        if held < count:
            raise SystemExit(f"INCOMPLETE: {held}/{count} held at KOR")
        return clock, cpu, wall
    finally:
        fed.close()


def best_micros(func: Callable[[], object], repeat: int, runs: int = 5) -> float:
    """The best of ``runs`` mean CPU times of ``func`` over ``repeat`` calls, in µs."""
    best = float("inf")
    for _ in range(runs):
        began = time.thread_time_ns()
        for _ in range(repeat):
            func()
        best = min(best, (time.thread_time_ns() - began) / repeat / 1000)
    return best


def primitives(quick: bool) -> dict[str, float]:
    """Each primitive alone on realistic input (a 4 KiB payload, a ~1 KiB statement)."""
    repeat = 50 if quick else 300
    signer, hpke = SigningKeys.generate(), HpkeKeyPair.generate()
    public = signer.public()
    statement, payload = os.urandom(1024), os.urandom(ITEM_BYTES + 2048)
    signature = signer.sign("binding", statement)
    sealed = hpke_seal_with_default(hpke, payload)
    key = new_data_key()
    content = seal(key, payload, b"aad")

    def verify() -> None:  # the cache would answer every verification but the first
        _verified.verified_signatures.clear()
        public.verify("binding", statement, signature)

    return {
        "sign Ed25519+ML-DSA-65": best_micros(lambda: signer.sign("binding", statement), repeat),
        "verify Ed25519+ML-DSA-65 (uncached)": best_micros(verify, repeat),
        "HPKE seal, 6 KiB": best_micros(lambda: hpke_seal_with_default(hpke, payload), repeat),
        "HPKE open, 6 KiB": best_micros(lambda: hpke.open(sealed, b"info"), repeat),
        "AES-256-GCM seal, 6 KiB": best_micros(lambda: seal(key, payload, b"aad"), repeat * 10),
        "AES-256-GCM open, 6 KiB": best_micros(lambda: _aead.open_sealed(key, content, b"aad"), repeat * 10),
    }


def hpke_seal_with_default(hpke: HpkeKeyPair, payload: bytes) -> bytes:
    """HPKE-seal ``payload`` to ``hpke`` with the default suite."""
    return hpke_seal_with(Suite.DEFAULT, hpke.public_bytes(), payload, b"info")


def report(clock: CryptoClock, count: int, cpu: float, wall: float, alone: dict[str, float]) -> bool:
    """Print the figures; True when the target is within the ceiling of the required work."""
    cores = os.cpu_count() or 1
    cpu_ms = cpu * 1000 / count
    print(f"\n{count} items of {ITEM_BYTES} B, JPN → KOR in one process, every receipt stored")
    print(
        f"  wall {wall:.2f} s ({count / wall:,.0f} items/s); process CPU {cpu:.2f} s ({cpu_ms:.3f} ms/item)"
    )
    print("\n  required work per item (both nodes), by operation, CPU of the calling thread:")
    for label in sorted(clock.nanos, key=clock.nanos.__getitem__, reverse=True):
        per_item = clock.nanos[label] / 1e6 / count
        print(f"    {per_item:7.3f} ms  {clock.calls[label] / count:6.2f} calls/item  {label}")
    crypto = sum(n for label, n in clock.nanos.items() if not label.startswith(VALIDATION)) / 1e6 / count
    required = sum(clock.nanos.values()) / 1e6 / count
    print(f"    {crypto:7.3f} ms  cryptography in all ({crypto / cpu_ms:.0%} of the process CPU)")
    print(f"    {required:7.3f} ms  with the validation of peer input ({required / cpu_ms:.0%})")
    print("\n  each primitive alone (best of 5, CPU µs per call):")
    for label, micros in alone.items():
        print(f"    {micros:9.1f} µs  {label}")
    # The fewest CPU µs the heavy operations could take: calls per item × their best alone.
    heavy = {
        "verify Ed25519+ML-DSA-65 (uncached)": "verify Ed25519+ML-DSA-65 (binding)",
        "HPKE seal, 6 KiB": "HPKE seal (ML-KEM-768+X25519)",
        "HPKE open, 6 KiB": "HPKE open (ML-KEM-768+X25519)",
    }
    best = sum(alone[a] * clock.calls[c] / count for a, c in heavy.items()) / 1000
    print(f"\n  ceilings on {cores} cores shared by both nodes, counting nothing but:")
    ceilings = {
        "the cryptography as measured in the exchange": cores * 1000 / crypto,
        "the same with the validation of peer input": cores * 1000 / required,
        "binding verification and HPKE at their best alone": cores * 1000 / best,
    }
    for what, ceiling in ceilings.items():
        print(f"    {ceiling:7,.0f} items/s  {what}")
    met = ceilings["the same with the validation of peer input"] >= TARGET_RATE
    verdict = "within that ceiling" if met else "NOT reachable on this machine with the required checks"
    print(f"  target {TARGET_RATE:,.0f} items/s: {verdict}")
    return met


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="items to exchange (default 2,000)")
    parser.add_argument("--quick", action="store_true", help="200 items and shorter primitive runs")
    args = parser.parse_args(argv)
    count = 200 if args.quick else args.count
    with tempfile.TemporaryDirectory(prefix="accord-bench-floor-") as tmp:
        clock, cpu, wall = exchange(Path(tmp), count)
    report(clock, count, cpu, wall, primitives(args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

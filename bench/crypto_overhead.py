"""Crypto overhead: sealing and opening one 4 KiB envelope versus the primitives it uses.

Run: .venv/bin/python -m bench.crypto_overhead [--quick]

Envelope: ``accord.crypto.seal_envelope`` + ``open_envelope`` + ``envelope_digest`` on a real
header (``EnvelopeHeader.to_bytes()``, the default suite ML-KEM-768+X25519 / HKDF-SHA256 /
AES-256-GCM) and a 4 KiB payload. Primitives, measured in the same run on the same bytes:
``hpke_seal_with`` + ``HpkeKeyPair.open`` with the same ``info`` bytes, plus one SHA-384 over
the same input as the digest. The ratio of the two is the envelope layer's overhead.

For information (no target): the full per-envelope path as sending and receiving run it —
header construction and canonical encoding, ``ItemPayload.to_bytes()``, seal, digest; then
``EnvelopeHeader.parse``, open, ``ItemPayload.parse`` (label, binding and content validated) —
against the same primitives, and the CNSA 2.0 suite (ML-KEM-1024+P-384).

Target (issue 3): envelope / primitives <= 1.5x.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from accord.crypto import (
    ENVELOPE_INFO_PREFIX,
    HpkeCnsaKeyPair,
    HpkeKeyPair,
    SigningKeys,
    Suite,
    bind,
    envelope_digest,
    hpke_open_with,
    hpke_seal_with,
    open_envelope,
    seal_envelope,
)
from accord.exchange import EnvelopeHeader, ItemPayload
from accord.items import Precedence, binding_statement
from accord.markings import NEED_TO_KNOW, RELEASABLE_TO, Category, CategoryType, ConfidentialityLabel
from bench._common import report_content

TARGET_RATIO = 1.5
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def per_op(func: Callable[[], object], repeat: int, runs: int = 7) -> float:
    """Median microseconds per call over ``runs`` runs of ``repeat`` calls."""
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(repeat):
            func()
        results.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(results)


def header(suite: Suite, seq: int = 1) -> EnvelopeHeader:
    """A header like the ones ``send`` writes."""
    return EnvelopeHeader(
        type="item",
        suite=suite,
        sender="jpn-mod",
        recipient="kor-mnd",
        message_id="msg-5f0c2b8e9a7d4c1e8b3a6f2d0e9c7b1a",
        agreement_id="JPN-KOR-GSOMIA-2016",
        precedence=Precedence.ROUTINE,
        created="2026-11-25T09:00:00.000000Z",
        seq=seq,
    )


def item_payload() -> ItemPayload:
    """An item payload with a 4 KiB body, a real label and a real binding."""
    label = ConfidentialityLabel(
        policy="JPN",
        classification="秘",
        originator_id="jpn-mod",
        creation_time=NOW,
        categories=(
            Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("JPN", "KOR")),
            Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, ("DPRK-MISSILE",)),
        ),
        agreement="JPN-KOR-GSOMIA-2016",
    )
    content = report_content(1)
    item_id = "jpn-0123456789abcdef0123456789abcdef"
    statement = binding_statement(
        item_id=item_id,
        originator_node="jpn-mod",
        label=label,
        content_sha384=content.sha384(),
        attachments=[],
    )
    binding = bind(SigningKeys.generate(), "jpn-mod", statement)
    return ItemPayload(item_id, "jpn-mod", "JPN", label, binding, content, ())


def compare(suite: Suite, keys: HpkeKeyPair | HpkeCnsaKeyPair, repeat: int) -> tuple[float, float, float]:
    """(envelope µs, primitives µs, full path µs) for one seal + open of a 4 KiB payload."""
    public = keys.public_bytes()
    head = header(suite).to_bytes()
    payload = b"\x5a" * 4096
    info = ENVELOPE_INFO_PREFIX + suite.value.encode("ascii") + b"\x00" + head
    sealed = seal_envelope(suite, public, head, payload)
    assert open_envelope(suite, keys, head, sealed) == payload
    digest_input = b"accord-envelope-digest-v1\x00" + len(head).to_bytes(8, "big") + head + sealed

    def envelope() -> None:
        ciphertext = seal_envelope(suite, public, head, payload)
        envelope_digest(head, ciphertext)
        open_envelope(suite, keys, head, ciphertext)

    def primitives() -> None:
        ciphertext = hpke_seal_with(suite, public, payload, info)
        hashlib.sha384(digest_input).digest()
        hpke_open_with(suite, keys, ciphertext, info)

    item = item_payload()

    def full_path() -> None:
        head_bytes = header(suite, 7).to_bytes()
        ciphertext = seal_envelope(suite, public, head_bytes, item.to_bytes())
        envelope_digest(head_bytes, ciphertext)
        parsed = EnvelopeHeader.parse(head_bytes)
        ItemPayload.parse(open_envelope(parsed.suite, keys, head_bytes, ciphertext))

    # Interleave the measurements so that drift (frequency, other load) hits all alike.
    env, prim, full = [], [], []
    for _ in range(3):
        env.append(per_op(envelope, repeat))
        prim.append(per_op(primitives, repeat))
        full.append(per_op(full_path, max(1, repeat // 2)))
    return min(env), min(prim), min(full)


def encoding_costs(repeat: int) -> tuple[float, float]:
    """(µs for ItemPayload.to_bytes(), µs for ItemPayload.parse()) of the 4 KiB report payload."""
    item = item_payload()
    data = item.to_bytes()
    return per_op(item.to_bytes, repeat), per_op(lambda: ItemPayload.parse(data), repeat)


def main(argv: list[str] | None = None) -> int:
    """Print the figures and the ratio; exit 1 if the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(argv)
    repeat = 100 if args.quick else 1000
    print("== crypto overhead: one 4 KiB envelope, seal + digest + open ==")
    ok = True
    for suite, keys in ((Suite.DEFAULT, HpkeKeyPair.generate()), (Suite.CNSA2, HpkeCnsaKeyPair.generate())):
        env, prim, full = compare(suite, keys, repeat)
        ratio = env / prim
        print(
            f"{suite.value}: envelope {env:8.1f} µs ({1e6 / env:,.0f}/s), primitives {prim:8.1f} µs, "
            f"full path with header and payload encoding/parsing {full:8.1f} µs ({full / prim:.2f}x)"
        )
        met = ratio <= TARGET_RATIO
        if suite is Suite.DEFAULT:
            ok = met
        print(
            f"RESULT {suite.value} envelope/primitives = {ratio:.3f}x (target <= {TARGET_RATIO}x): "
            f"{'met' if met else 'MISSED'}"
        )
    encode_us, parse_us = encoding_costs(repeat)
    print(
        f"of the full path: ItemPayload.to_bytes {encode_us:.1f} µs, ItemPayload.parse {parse_us:.1f} µs "
        f"({len(item_payload().to_bytes()):,} B payload)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

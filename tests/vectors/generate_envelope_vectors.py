"""Generate ``envelope_vectors.json``: known-answer vectors for ``accord.crypto`` envelopes.

Run from the repository root::

    .venv/bin/python tests/vectors/generate_envelope_vectors.py

Every input is fixed here: the key seeds of both suites (ML-KEM seeds through
``from_seed_bytes``, the X25519 private key, the P-384 private scalar), the header and
the payloads. Keys, public keys, HPKE ``info`` strings, ciphertext lengths and the
digest vectors are therefore reproducible byte for byte. HPKE encapsulation is
randomised inside pyca/cryptography (no injectable randomness), so each envelope's
``ciphertext`` and its ``envelope_digest`` (listed in ``RANDOMISED``) change on every
regeneration; the tests check instead that the committed ciphertext **opens** under the
key pair rebuilt from the seeds, to the committed payload, and that the committed digest
is ``envelope_digest`` of the committed header and ciphertext
(``tests/vectors/test_vectors_envelope.py``). See ``README.md`` beside this file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from accord.crypto import (
    ENVELOPE_INFO_PREFIX,
    HpkeCnsaKeyPair,
    HpkeKeyPair,
    Suite,
    b64e,
    envelope_digest,
    seal_envelope,
    sha384_hex,
)

VECTORS_PATH = Path(__file__).with_name("envelope_vectors.json")

# Fields of each entry of "envelopes" whose committed value comes from randomised HPKE.
RANDOMISED: frozenset[str] = frozenset({"ciphertext", "envelope_digest"})

MLKEM768_SEED = bytes(range(0x10, 0x50))  # 64 bytes, FIPS 203 d || z
X25519_KEY = bytes(range(0x50, 0x70))  # 32 bytes
MLKEM1024_SEED = bytes(range(0x70, 0xB0))  # 64 bytes, FIPS 203 d || z
P384_SCALAR = bytes(range(0x01, 0x31))  # 48 bytes big-endian, well below the group order

ENC_LENGTH = {Suite.DEFAULT: 1120, Suite.CNSA2: 1665}
TAG_LENGTH = 16

# An illustrative header: Accord's envelope layer treats the header as opaque bytes; the
# exchange layer defines the real fields. Canonical JSON, sorted keys, no spaces.
HEADER = json.dumps(
    {
        "agreement": "JPN-KOR-GSOMIA-2016",
        "created": "2026-11-25T09:00:00Z",
        "format": "accord-envelope/1",
        "message": "KOR-2026-1125-0001",
        "precedence": "FLASH",
        "recipient": "jpn-mod",
        "sender": "kor-mnd",
        "seq": 1,
    },
    sort_keys=True,
    separators=(",", ":"),
).encode("ascii")

PAYLOADS = {
    "flash-report": "FLASH: 발사 탐지 / 発射探知 — missile launch detected 38.9N 125.7E 09:00Z".encode(),
    "empty": b"",
}

DIGEST_CIPHERTEXT = bytes(range(256))


def default_private_bytes() -> bytes:
    """The private-key JSON of the fixed default-suite key pair."""
    doc = {"format": "accord-hpke-keys/1", "mlkem768_seed": b64e(MLKEM768_SEED), "x25519": b64e(X25519_KEY)}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")


def cnsa_private_bytes() -> bytes:
    """The private-key JSON of the fixed CNSA 2.0 key pair."""
    doc = {
        "format": "accord-hpke-cnsa-keys/1",
        "mlkem1024_seed": b64e(MLKEM1024_SEED),
        "p384": b64e(P384_SCALAR),
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")


def key_pairs() -> dict[Suite, HpkeKeyPair | HpkeCnsaKeyPair]:
    """Both fixed key pairs, by suite."""
    return {
        Suite.DEFAULT: HpkeKeyPair.from_private_bytes(default_private_bytes()),
        Suite.CNSA2: HpkeCnsaKeyPair.from_private_bytes(cnsa_private_bytes()),
    }


def _keys() -> dict[str, Any]:
    pairs = key_pairs()
    default, cnsa = pairs[Suite.DEFAULT], pairs[Suite.CNSA2]
    return {
        Suite.DEFAULT.name: {
            "mlkem768_seed": MLKEM768_SEED.hex(),
            "x25519_private": X25519_KEY.hex(),
            "private_bytes": default.to_private_bytes().decode("ascii"),
            "public_bytes": default.public_bytes().hex(),
            "public_bytes_sha384": sha384_hex(default.public_bytes()),
            "public_layout": "ML-KEM-768 encapsulation key (1184) || X25519 public key (32)",
        },
        Suite.CNSA2.name: {
            "mlkem1024_seed": MLKEM1024_SEED.hex(),
            "p384_private_scalar": P384_SCALAR.hex(),
            "private_bytes": cnsa.to_private_bytes().decode("ascii"),
            "public_bytes": cnsa.public_bytes().hex(),
            "public_bytes_sha384": sha384_hex(cnsa.public_bytes()),
            "public_layout": "ML-KEM-1024 encapsulation key (1568) || P-384 uncompressed point (97)",
        },
    }


def _envelopes() -> list[dict[str, Any]]:
    pairs = key_pairs()
    out = []
    for suite in Suite:
        for name, payload in PAYLOADS.items():
            ciphertext = seal_envelope(suite, pairs[suite].public_bytes(), HEADER, payload)
            out.append(
                {
                    "name": f"{suite.name.lower()}-{name}",
                    "suite": suite.value,
                    "keys": suite.name,
                    "header_hex": HEADER.hex(),
                    "payload_hex": payload.hex(),
                    "info_hex": (ENVELOPE_INFO_PREFIX + suite.value.encode("ascii") + b"\x00" + HEADER).hex(),
                    "ciphertext_length": ENC_LENGTH[suite] + len(payload) + TAG_LENGTH,
                    "ciphertext": b64e(ciphertext),
                    "envelope_digest": envelope_digest(HEADER, ciphertext),
                }
            )
    return out


def _digest_case(name: str, header: bytes, ciphertext: bytes) -> dict[str, str]:
    digest_input = b"accord-envelope-digest-v1\x00" + len(header).to_bytes(8, "big") + header + ciphertext
    return {
        "name": name,
        "header_hex": header.hex(),
        "ciphertext_hex": ciphertext.hex(),
        "digest_input_hex": digest_input.hex(),
        "digest": envelope_digest(header, ciphertext),
    }


def _digests() -> list[dict[str, str]]:
    # The last two cases hold the same concatenated bytes split at another point: their
    # digests must differ (the length prefix makes the digest unambiguous).
    return [
        _digest_case("empty", b"", b""),
        _digest_case("header-and-ciphertext", HEADER, DIGEST_CIPHERTEXT),
        _digest_case("boundary-at-16", DIGEST_CIPHERTEXT[:16], DIGEST_CIPHERTEXT[16:]),
        _digest_case("boundary-at-17", DIGEST_CIPHERTEXT[:17], DIGEST_CIPHERTEXT[17:]),
    ]


def build_vectors() -> dict[str, Any]:
    """Compute every vector from the fixed inputs above."""
    return {
        "comment": "Generated by tests/vectors/generate_envelope_vectors.py; see tests/vectors/README.md.",
        "envelope_info_prefix_hex": ENVELOPE_INFO_PREFIX.hex(),
        "suites": {suite.name: suite.value for suite in Suite},
        "keys": _keys(),
        "envelopes": _envelopes(),
        "digests": _digests(),
    }


def render(vectors: dict[str, Any]) -> str:
    """Serialise vectors the way the committed file is written."""
    return json.dumps(vectors, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    """Write ``envelope_vectors.json`` next to this script."""
    VECTORS_PATH.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {VECTORS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

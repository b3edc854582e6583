"""Generate ``crypto_vectors.json``: known-answer vectors for what ``accord.crypto`` composes.

Run from the repository root::

    .venv/bin/python tests/vectors/generate_crypto_vectors.py

Every input is fixed here (seeds, keys, nonces, nonce prefixes, plaintexts), so every
output is reproducible byte for byte, except the values listed in ``RANDOMISED``:
ML-DSA-65 signing and HPKE encapsulation are randomised inside pyca/cryptography, so
those committed values are checked by verifying/opening them, not by equality
(``tests/crypto/test_crypto_vectors.py``). See ``README.md`` beside this file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from accord.crypto import (
    CHUNK_SIZE,
    HpkeKeyPair,
    SigningKeys,
    StreamEncryptor,
    b64e,
    bind,
    hpke_seal,
    sha384_hex,
)
from accord.crypto._aead import _seal_with_nonce, _wrap_with_nonce

VECTORS_PATH = Path(__file__).with_name("crypto_vectors.json")

# (section, field) pairs whose committed value comes from a randomised algorithm.
RANDOMISED: frozenset[tuple[str, str]] = frozenset(
    {
        ("signing", "mldsa65_signature"),
        ("binding", "mldsa65_signature"),
        ("hpke", "ciphertext"),
    }
)

ED25519_SEED = bytes(range(0x00, 0x20))
MLDSA65_SEED = bytes(range(0x20, 0x40))
MLKEM768_SEED = bytes(range(0x40, 0x80))
X25519_KEY = bytes(range(0x80, 0xA0))
DATA_KEY = bytes(range(0xA0, 0xC0))
KEK = bytes(range(0xC0, 0xE0))
STREAM_KEY = bytes(range(0xE0, 0x100))
PATTERN = bytes(range(256))


def _pattern(length: int) -> bytes:
    return (PATTERN * (length // len(PATTERN) + 1))[:length]


def _signing() -> dict[str, Any]:
    keys = SigningKeys.from_seeds(ED25519_SEED, MLDSA65_SEED)
    message = b'{"item":"JPN-2024-0001","level":"hi"}'
    sig = keys.sign("binding", message)
    public = keys.public()
    return {
        "ed25519_seed": ED25519_SEED.hex(),
        "mldsa65_seed": MLDSA65_SEED.hex(),
        "private_bytes": keys.to_private_bytes().decode("ascii"),
        "ed25519_public": public.ed25519.hex(),
        "mldsa65_public_sha384": sha384_hex(public.mldsa65),
        "verify_keys": public.to_dict(),
        "fingerprint": public.fingerprint(),
        "purpose": "binding",
        "message": message.hex(),
        "ed25519_signed_bytes": (b"accord-v1\x00binding\x00" + message).hex(),
        "mldsa65_context": b"accord-v1:binding".hex(),
        "ed25519_signature": sig.ed25519.hex(),
        "mldsa65_signature": b64e(sig.mldsa65),
    }


def _binding() -> dict[str, Any]:
    keys = SigningKeys.from_seeds(ED25519_SEED, MLDSA65_SEED)
    statement = b'{"digests":{"body":"sha384:00"},"label":{"classification":"hi","policy":"JPN"}}'
    binding = bind(keys, "jpn-node-1", statement)
    return {
        "signer": binding.signer,
        "statement": statement.hex(),
        "ed25519_signature": binding.signature.ed25519.hex(),
        "mldsa65_signature": b64e(binding.signature.mldsa65),
    }


def _seal() -> list[dict[str, str]]:
    cases = [
        (bytes(12), b"", b""),
        (bytes(range(12)), b"classified military information", b"item:JPN-2024-0001"),
        (b"\xff" * 12, _pattern(300), b"\x00\x01"),
    ]
    return [
        {
            "key": DATA_KEY.hex(),
            "nonce": nonce.hex(),
            "aad": aad.hex(),
            "plaintext": plaintext.hex(),
            "sealed": _seal_with_nonce(DATA_KEY, plaintext, aad, nonce).hex(),
        }
        for nonce, plaintext, aad in cases
    ]


def _wrap() -> dict[str, str]:
    nonce = bytes(range(100, 112))
    aad = b"item:JPN-2024-0001"
    return {
        "kek": KEK.hex(),
        "key": DATA_KEY.hex(),
        "nonce": nonce.hex(),
        "aad": aad.hex(),
        "wrapped": _wrap_with_nonce(KEK, DATA_KEY, aad, nonce).hex(),
    }


def _hpke() -> dict[str, str]:
    private = json.dumps(
        {"format": "accord-hpke-keys/1", "mlkem768_seed": b64e(MLKEM768_SEED), "x25519": b64e(X25519_KEY)},
        sort_keys=True,
        separators=(",", ":"),
    ).encode("ascii")
    pair = HpkeKeyPair.from_private_bytes(private)
    info = b"accord-v1:envelope"
    plaintext = b"FLASH: launch detected"
    return {
        "private_bytes": pair.to_private_bytes().decode("ascii"),
        "public_bytes_sha384": sha384_hex(pair.public_bytes()),
        "x25519_public": pair.public_bytes()[-32:].hex(),
        "info": info.hex(),
        "plaintext": plaintext.hex(),
        "ciphertext": b64e(hpke_seal(pair.public_bytes(), plaintext, info)),
    }


def _stream_case(prefix: bytes, aad: bytes, length: int) -> dict[str, Any]:
    plaintext = _pattern(length)
    encryptor = StreamEncryptor(STREAM_KEY, aad, nonce_prefix=prefix)
    pieces = [plaintext[i : i + CHUNK_SIZE] for i in range(0, len(plaintext), CHUNK_SIZE)] or [b""]
    chunks = []
    for index, piece in enumerate(pieces):
        sealed = encryptor.encrypt_chunk(piece, last=index == len(pieces) - 1)
        chunk: dict[str, Any] = {"length": len(sealed), "sha384": sha384_hex(sealed)}
        if len(sealed) <= 4096:
            chunk["hex"] = sealed.hex()
        chunks.append(chunk)
    return {
        "key": STREAM_KEY.hex(),
        "nonce_prefix": prefix.hex(),
        "aad": aad.hex(),
        "plaintext": "bytes(range(256)) repeated, truncated to plaintext_length",
        "plaintext_length": length,
        "header": encryptor.header.hex(),
        "chunks": chunks,
    }


def _stream() -> list[dict[str, Any]]:
    return [
        _stream_case(bytes(7), b"", 0),
        _stream_case(bytes(range(1, 8)), b"attachment:imagery-1", 5),
        _stream_case(b"\xaa" * 7, b"attachment:imagery-2", CHUNK_SIZE + 5),
    ]


def build_vectors() -> dict[str, Any]:
    """Compute every vector from the fixed inputs above."""
    return {
        "comment": "Generated by tests/vectors/generate_crypto_vectors.py; see tests/vectors/README.md.",
        "encoding": {
            "sha384_abc": sha384_hex(b"abc"),
            "b64e": {data.hex(): b64e(data) for data in (b"", b"\xfb", b"\xfb\xff", b"\xfb\xff\xbf")},
        },
        "signing": _signing(),
        "binding": _binding(),
        "seal": _seal(),
        "wrap": _wrap(),
        "hpke": _hpke(),
        "stream": _stream(),
    }


def render(vectors: dict[str, Any]) -> str:
    """Serialise vectors the way the committed file is written."""
    return json.dumps(vectors, indent=2, sort_keys=True) + "\n"


def main() -> int:
    """Write ``crypto_vectors.json`` next to this script."""
    VECTORS_PATH.write_text(render(build_vectors()), encoding="utf-8")
    print(f"wrote {VECTORS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

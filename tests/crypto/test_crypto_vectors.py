"""Known-answer vectors: the committed file must match a fresh regeneration.

Deterministic outputs (Ed25519, key derivation, seal/wrap with injected nonces, stream
chunks with injected prefixes) must match byte for byte. ML-DSA-65 signatures and HPKE
ciphertexts are randomised inside pyca/cryptography, so for those the committed value
must verify/open under the regenerated keys instead.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accord.crypto import (
    DualSignature,
    HpkeKeyPair,
    SigningKeys,
    StreamDecryptor,
    b64d,
    open_sealed,
    unwrap_key,
)

VECTORS_DIR = Path(__file__).resolve().parents[1] / "vectors"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_crypto_vectors", VECTORS_DIR / "generate_crypto_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
COMMITTED: dict[str, Any] = json.loads((VECTORS_DIR / "crypto_vectors.json").read_text(encoding="utf-8"))


def _strip_randomised(vectors: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(vectors))
    for section, field in GEN.RANDOMISED:
        out[section].pop(field)
    return out


def test_regeneration_matches_committed_file() -> None:
    fresh = GEN.build_vectors()
    assert _strip_randomised(fresh) == _strip_randomised(COMMITTED)


def test_committed_file_is_rendered_canonically() -> None:
    text = (VECTORS_DIR / "crypto_vectors.json").read_text(encoding="utf-8")
    assert GEN.render(COMMITTED) == text


def _keys() -> SigningKeys:
    v = COMMITTED["signing"]
    return SigningKeys.from_seeds(bytes.fromhex(v["ed25519_seed"]), bytes.fromhex(v["mldsa65_seed"]))


def test_committed_signature_verifies() -> None:
    v = COMMITTED["signing"]
    sig = DualSignature(bytes.fromhex(v["ed25519_signature"]), b64d(v["mldsa65_signature"]))
    _keys().public().verify(v["purpose"], bytes.fromhex(v["message"]), sig)
    assert SigningKeys.from_private_bytes(v["private_bytes"].encode()).public() == _keys().public()


def test_committed_binding_signature_verifies() -> None:
    v = COMMITTED["binding"]
    sig = DualSignature(bytes.fromhex(v["ed25519_signature"]), b64d(v["mldsa65_signature"]))
    _keys().public().verify("binding", bytes.fromhex(v["statement"]), sig)


def test_ed25519_half_is_plain_rfc8032_over_the_domain_separated_message() -> None:
    v = COMMITTED["signing"]
    raw = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["ed25519_seed"]))
    assert raw.sign(bytes.fromhex(v["ed25519_signed_bytes"])).hex() == v["ed25519_signature"]


def test_committed_hpke_ciphertext_opens() -> None:
    v = COMMITTED["hpke"]
    pair = HpkeKeyPair.from_private_bytes(v["private_bytes"].encode())
    assert pair.open(b64d(v["ciphertext"]), bytes.fromhex(v["info"])) == bytes.fromhex(v["plaintext"])


@pytest.mark.parametrize("index", range(3))
def test_committed_sealed_values_open(index: int) -> None:
    v = COMMITTED["seal"][index]
    key, aad = bytes.fromhex(v["key"]), bytes.fromhex(v["aad"])
    assert open_sealed(key, bytes.fromhex(v["sealed"]), aad) == bytes.fromhex(v["plaintext"])


def test_committed_wrapped_key_unwraps() -> None:
    v = COMMITTED["wrap"]
    wrapped = bytes.fromhex(v["wrapped"])
    assert unwrap_key(bytes.fromhex(v["kek"]), wrapped, bytes.fromhex(v["aad"])).hex() == v["key"]


@pytest.mark.parametrize("index", [0, 1])
def test_committed_small_streams_open(index: int) -> None:
    v = COMMITTED["stream"][index]
    dec = StreamDecryptor(bytes.fromhex(v["key"]), bytes.fromhex(v["aad"]), bytes.fromhex(v["header"]))
    out = b"".join(dec.decrypt_chunk(bytes.fromhex(c["hex"])) for c in v["chunks"])
    dec.finish()
    assert out == GEN._pattern(v["plaintext_length"])


def test_rfc8032_test1_with_pyca_directly() -> None:
    v = json.loads((VECTORS_DIR / "rfc8032_ed25519_test1.json").read_text(encoding="utf-8"))
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["secret_key"]))
    assert key.public_key().public_bytes_raw().hex() == v["public_key"]
    assert key.sign(bytes.fromhex(v["message"])).hex() == v["signature"]
    key.public_key().verify(bytes.fromhex(v["signature"]), bytes.fromhex(v["message"]))


def test_rfc8032_seed_gives_rfc8032_public_key_through_signing_keys() -> None:
    v = json.loads((VECTORS_DIR / "rfc8032_ed25519_test1.json").read_text(encoding="utf-8"))
    keys = SigningKeys.from_seeds(bytes.fromhex(v["secret_key"]), bytes(32))
    assert keys.public().ed25519.hex() == v["public_key"]
    # Accord never signs the bare message: the domain-separated signature differs from RFC 8032's.
    assert keys.sign("note", b"").ed25519.hex() != v["signature"]

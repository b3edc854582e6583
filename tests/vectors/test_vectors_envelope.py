"""Known-answer vectors for envelopes: the committed file must match a fresh regeneration.

Keys (from fixed seeds), public keys, ``info`` strings, lengths and digest vectors must
match byte for byte. HPKE encapsulation is randomised inside pyca/cryptography, so each
committed envelope ciphertext must instead open under the key pair rebuilt from the
seeds, and its committed digest must be ``envelope_digest`` of the committed parts.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, mlkem, x25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.crypto import (
    HpkeCnsaKeyPair,
    HpkeKeyPair,
    Suite,
    b64d,
    envelope_digest,
    hpke_open_with,
    open_envelope,
)
from accord.errors import VerificationFailed

VECTORS_DIR = Path(__file__).resolve().parent
VECTORS_FILE = VECTORS_DIR / "envelope_vectors.json"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_envelope_vectors", VECTORS_DIR / "generate_envelope_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
COMMITTED: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
ENVELOPES = {v["name"]: v for v in COMMITTED["envelopes"]}


def _strip_randomised(vectors: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(vectors))
    for envelope in out["envelopes"]:
        for field in GEN.RANDOMISED:
            envelope.pop(field)
    return out


def _pair(v: dict[str, Any]) -> HpkeKeyPair | HpkeCnsaKeyPair:
    private = COMMITTED["keys"][v["keys"]]["private_bytes"].encode()
    if Suite.parse(v["suite"]) is Suite.CNSA2:
        return HpkeCnsaKeyPair.from_private_bytes(private)
    return HpkeKeyPair.from_private_bytes(private)


def test_regeneration_matches_committed_file() -> None:
    assert _strip_randomised(GEN.build_vectors()) == _strip_randomised(COMMITTED)


def test_committed_file_is_rendered_canonically() -> None:
    assert GEN.render(COMMITTED) == VECTORS_FILE.read_text(encoding="utf-8")


def test_every_suite_and_payload_is_covered() -> None:
    assert set(ENVELOPES) == {f"{s.name.lower()}-{p}" for s in Suite for p in GEN.PAYLOADS}
    assert COMMITTED["suites"] == {s.name: s.value for s in Suite}


def test_default_public_key_from_seeds_with_pyca_directly() -> None:
    # The documented composite encoding, rebuilt without accord.crypto.
    v = COMMITTED["keys"]["DEFAULT"]
    kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(bytes.fromhex(v["mlkem768_seed"]))
    dh = x25519.X25519PrivateKey.from_private_bytes(bytes.fromhex(v["x25519_private"]))
    public = kem.public_key().public_bytes_raw() + dh.public_key().public_bytes_raw()
    assert public.hex() == v["public_bytes"]
    assert HpkeKeyPair.from_private_bytes(v["private_bytes"].encode()).public_bytes() == public


def test_cnsa_public_key_from_seeds_with_pyca_directly() -> None:
    v = COMMITTED["keys"]["CNSA2"]
    kem = mlkem.MLKEM1024PrivateKey.from_seed_bytes(bytes.fromhex(v["mlkem1024_seed"]))
    dh = ec.derive_private_key(int(v["p384_private_scalar"], 16), ec.SECP384R1())
    point = dh.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    public = kem.public_key().public_bytes_raw() + point
    assert public.hex() == v["public_bytes"]
    assert HpkeCnsaKeyPair.from_private_bytes(v["private_bytes"].encode()).public_bytes() == public


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_committed_envelope_opens_to_committed_payload(name: str) -> None:
    v = ENVELOPES[name]
    suite, header, ciphertext = Suite.parse(v["suite"]), bytes.fromhex(v["header_hex"]), b64d(v["ciphertext"])
    assert len(ciphertext) == v["ciphertext_length"]
    assert open_envelope(suite, _pair(v), header, ciphertext) == bytes.fromhex(v["payload_hex"])
    # The same through plain HPKE with the committed info string.
    assert hpke_open_with(suite, _pair(v), ciphertext, bytes.fromhex(v["info_hex"])) == bytes.fromhex(
        v["payload_hex"]
    )


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_committed_envelope_digest(name: str) -> None:
    v = ENVELOPES[name]
    assert envelope_digest(bytes.fromhex(v["header_hex"]), b64d(v["ciphertext"])) == v["envelope_digest"]


@pytest.mark.parametrize("name", sorted(ENVELOPES))
@pytest.mark.parametrize("part", ["header", "enc", "aead"])
def test_committed_envelope_tampered_does_not_open(name: str, part: str) -> None:
    v = ENVELOPES[name]
    header, ciphertext = bytearray.fromhex(v["header_hex"]), bytearray(b64d(v["ciphertext"]))
    if part == "header":
        header[0] ^= 0x01
    else:
        ciphertext[0 if part == "enc" else -1] ^= 0x01
    with pytest.raises(VerificationFailed):
        open_envelope(Suite.parse(v["suite"]), _pair(v), bytes(header), bytes(ciphertext))


@pytest.mark.parametrize(
    "index", range(len(COMMITTED["digests"])), ids=lambda i: COMMITTED["digests"][i]["name"]
)
def test_committed_digest_vectors(index: int) -> None:
    v = COMMITTED["digests"][index]
    header, ciphertext = bytes.fromhex(v["header_hex"]), bytes.fromhex(v["ciphertext_hex"])
    assert envelope_digest(header, ciphertext) == v["digest"]
    assert hashlib.sha384(bytes.fromhex(v["digest_input_hex"])).hexdigest() == v["digest"]


def test_moved_boundary_vectors_differ() -> None:
    by_name = {v["name"]: v for v in COMMITTED["digests"]}
    a, b = by_name["boundary-at-16"], by_name["boundary-at-17"]
    assert a["header_hex"] + a["ciphertext_hex"] == b["header_hex"] + b["ciphertext_hex"]
    assert a["digest"] != b["digest"]

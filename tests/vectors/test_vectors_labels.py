"""Known-answer vectors for Accord's own formats: labels, item content, binding statement.

The committed ``label_vectors.json`` must equal a fresh in-memory regeneration, byte for
byte, except the ML-DSA-65 signature (pyca signs ML-DSA-65 in hedged, randomised mode),
which must instead verify. Flipping any one byte of the label, of a digest or of either
signature half must make ``verify_binding`` fail.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from accord.crypto import Binding, DualSignature, SigningKeys, VerifyKeys, b64d, verify_binding
from accord.errors import VerificationFailed
from accord.items import AttachmentRef, ItemContent, binding_statement
from accord.markings import ConfidentialityLabel, from_xml, to_xml

VECTORS_DIR = Path(__file__).resolve().parent
VECTORS_FILE = VECTORS_DIR / "label_vectors.json"


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_label_vectors", VECTORS_DIR / "generate_label_vectors.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _load_generator()
COMMITTED: dict[str, Any] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
LABEL_NAMES = ["jpn", "kor", "usa"]


def _strip_randomised(vectors: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(vectors))
    for section, field in GEN.RANDOMISED:
        out[section].pop(field)
    return out


# --- regeneration ----------------------------------------------------------------------


def test_regeneration_matches_committed_file() -> None:
    fresh = GEN.build_vectors()
    assert _strip_randomised(fresh) == _strip_randomised(COMMITTED)


def test_only_the_mldsa_signature_is_randomised() -> None:
    assert {("binding", "mldsa65_signature")} == GEN.RANDOMISED
    fresh = GEN.build_vectors()
    # Ed25519 is deterministic (RFC 8032): the committed signature is reproduced exactly.
    assert fresh["binding"]["ed25519_signature"] == COMMITTED["binding"]["ed25519_signature"]


def test_committed_file_is_rendered_canonically() -> None:
    assert GEN.render(COMMITTED) == VECTORS_FILE.read_text(encoding="utf-8")


# --- labels ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", LABEL_NAMES)
def test_label_text_hex_and_digest_agree(name: str) -> None:
    v = COMMITTED["labels"][name]
    data = bytes.fromhex(v["canonical_hex"])
    assert data.decode("utf-8") == v["canonical_text"]
    assert hashlib.sha384(data).hexdigest() == v["sha384"]


@pytest.mark.parametrize("name", LABEL_NAMES)
def test_label_json_and_xml_parse_back_to_the_same_label(name: str) -> None:
    v = COMMITTED["labels"][name]
    from_json = ConfidentialityLabel.from_json(bytes.fromhex(v["canonical_hex"]))
    assert from_json == GEN.labels()[name]
    assert from_json.canonical_bytes().hex() == v["canonical_hex"]
    from_stanag = from_xml(v["stanag4774_xml"])
    assert from_stanag == from_json
    assert to_xml(from_stanag) == v["stanag4774_xml"]


def test_labels_keep_native_scripts_readable() -> None:
    assert '"classification":"秘"' in COMMITTED["labels"]["jpn"]["canonical_text"]
    assert '"classification":"군사Ⅱ급비밀"' in COMMITTED["labels"]["kor"]["canonical_text"]
    assert (
        "<slab:Classification>군사Ⅱ급비밀</slab:Classification>"
        in COMMITTED["labels"]["kor"]["stanag4774_xml"]
    )
    assert (
        "<slab:PrivacyMark>LIMITED DISTRIBUTION</slab:PrivacyMark>"
        in COMMITTED["labels"]["usa"]["stanag4774_xml"]
    )


# --- content and statement ---------------------------------------------------------------


def test_content_round_trips_and_digest_agrees() -> None:
    v = COMMITTED["content"]
    data = bytes.fromhex(v["canonical_hex"])
    assert data.decode("utf-8") == v["canonical_text"]
    assert hashlib.sha384(data).hexdigest() == v["sha384"]
    content = ItemContent.from_dict(json.loads(data))
    assert content == GEN.content()
    assert content.sha384() == v["sha384"]


def _attachments() -> tuple[AttachmentRef, ...]:
    refs = []
    for a in COMMITTED["attachments"]:
        data = bytes.fromhex(a["data_hex"])
        assert len(data) == a["size"]
        assert hashlib.sha384(data).hexdigest() == a["sha384"]
        refs.append(AttachmentRef(a["name"], a["media_type"], a["size"], a["sha384"]))
    return tuple(refs)


def _label() -> ConfidentialityLabel:
    return ConfidentialityLabel.from_json(bytes.fromhex(COMMITTED["labels"]["jpn"]["canonical_hex"]))


def _statement(
    label: ConfidentialityLabel | None = None,
    content_sha384: str | None = None,
    attachments: tuple[AttachmentRef, ...] | None = None,
) -> bytes:
    v = COMMITTED["binding"]
    return binding_statement(
        item_id=v["item_id"],
        originator_node=v["originator_node"],
        label=label if label is not None else _label(),
        content_sha384=content_sha384 if content_sha384 is not None else COMMITTED["content"]["sha384"],
        attachments=attachments if attachments is not None else _attachments(),
    )


def test_statement_is_rebuilt_from_the_committed_parts() -> None:
    v = COMMITTED["binding"]
    statement = bytes.fromhex(v["statement_hex"])
    assert statement.decode("utf-8") == v["statement_text"]
    assert _statement() == statement
    # The label is embedded byte for byte.
    assert bytes.fromhex(COMMITTED["labels"]["jpn"]["canonical_hex"]) in statement


# --- the committed binding ---------------------------------------------------------------


def _keys() -> VerifyKeys:
    return VerifyKeys.from_dict(COMMITTED["binding"]["verify_keys"])


def _binding(
    statement: bytes | None = None, ed25519: bytes | None = None, mldsa65: bytes | None = None
) -> Binding:
    v = COMMITTED["binding"]
    return Binding(
        statement=statement if statement is not None else bytes.fromhex(v["statement_hex"]),
        signer=v["signer"],
        signature=DualSignature(
            ed25519 if ed25519 is not None else bytes.fromhex(v["ed25519_signature"]),
            mldsa65 if mldsa65 is not None else b64d(v["mldsa65_signature"]),
        ),
    )


def test_verify_keys_derive_from_the_fixed_seeds() -> None:
    v = COMMITTED["inputs"]
    keys = SigningKeys.from_seeds(bytes.fromhex(v["ed25519_seed"]), bytes.fromhex(v["mldsa65_seed"]))
    assert keys.public() == _keys()


def test_committed_binding_verifies() -> None:
    verify_binding(_binding(), _keys(), _statement())


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def _must_fail(binding: Binding, expected: bytes) -> None:
    with pytest.raises(VerificationFailed):
        verify_binding(binding, _keys(), expected)


def test_flipping_any_byte_of_the_label_fails() -> None:
    label_bytes = bytes.fromhex(COMMITTED["labels"]["jpn"]["canonical_hex"])
    statement = bytes.fromhex(COMMITTED["binding"]["statement_hex"])
    start = statement.index(label_bytes)
    for index in range(len(label_bytes)):
        tampered_label = _flip(label_bytes, index)
        tampered = statement[:start] + tampered_label + statement[start + len(label_bytes) :]
        # A verifier holding the altered label rebuilds another statement ...
        _must_fail(_binding(), tampered)
        # ... and altering the signed statement with it does not help: the signature fails.
        _must_fail(_binding(statement=tampered), tampered)


def test_a_tampered_label_that_still_parses_fails() -> None:
    # 秘 → 極秘 (a higher level) or one more releasable party: a valid label, a failed binding.
    label = _label()
    raised = json.loads(label.canonical_bytes())
    raised["classification"] = "極秘"
    wider = json.loads(label.canonical_bytes())
    wider["categories"][2]["values"].append("USA")
    for data in (raised, wider):
        expected = _statement(label=ConfidentialityLabel.from_dict(data))
        _must_fail(_binding(), expected)
        _must_fail(_binding(statement=expected), expected)


def _digest_cases() -> list[Any]:
    cases = [pytest.param("content", -1, id="content-digest")]
    cases += [pytest.param("attachment", i, id=f"attachment-{i}-digest") for i in range(2)]
    return cases


@pytest.mark.parametrize(("what", "which"), _digest_cases())
@pytest.mark.parametrize("byte", [0, 23, 47], ids=["first-byte", "middle-byte", "last-byte"])
def test_flipping_one_byte_of_a_digest_fails(what: str, which: int, byte: int) -> None:
    def flipped(hex_digest: str) -> str:
        return _flip(bytes.fromhex(hex_digest), byte).hex()

    if what == "content":
        expected = _statement(content_sha384=flipped(COMMITTED["content"]["sha384"]))
    else:
        refs = list(_attachments())
        ref = refs[which]
        refs[which] = AttachmentRef(ref.name, ref.media_type, ref.size, flipped(ref.sha384))
        expected = _statement(attachments=tuple(refs))
    assert expected != _statement()
    _must_fail(_binding(), expected)
    _must_fail(_binding(statement=expected), expected)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param("size", id="attachment-size"),
        pytest.param("name", id="attachment-name"),
        pytest.param("order", id="attachment-order"),
        pytest.param("drop", id="attachment-dropped"),
    ],
)
def test_altering_the_attachment_list_fails(change: str) -> None:
    first, second = _attachments()
    refs = {
        "size": (AttachmentRef(first.name, first.media_type, first.size + 1, first.sha384), second),
        "name": (AttachmentRef("other.csv", first.media_type, first.size, first.sha384), second),
        "order": (second, first),
        "drop": (first,),
    }[change]
    expected = _statement(attachments=refs)
    _must_fail(_binding(), expected)
    _must_fail(_binding(statement=expected), expected)


def _signature_cases() -> list[Any]:
    ed = len(bytes.fromhex(COMMITTED["binding"]["ed25519_signature"]))
    ml = len(b64d(COMMITTED["binding"]["mldsa65_signature"]))
    return [
        pytest.param(half, index, id=f"{half}-byte-{index}")
        for half, length in (("ed25519", ed), ("mldsa65", ml))
        for index in (0, length // 2, length - 1)
    ]


@pytest.mark.parametrize(("half", "index"), _signature_cases())
def test_flipping_one_byte_of_either_signature_fails(half: str, index: int) -> None:
    v = COMMITTED["binding"]
    if half == "ed25519":
        binding = _binding(ed25519=_flip(bytes.fromhex(v["ed25519_signature"]), index))
    else:
        binding = _binding(mldsa65=_flip(b64d(v["mldsa65_signature"]), index))
    with pytest.raises(VerificationFailed, match="signature"):
        verify_binding(binding, _keys(), _statement())


def test_another_nodes_keys_do_not_verify() -> None:
    other = SigningKeys.from_seeds(bytes(32), bytes(32)).public()
    with pytest.raises(VerificationFailed):
        verify_binding(_binding(), other, _statement())

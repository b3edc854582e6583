"""The STANAG 4778 binding codec: round trips, and structure-aware fuzzing of what it reads (issue 13).

The fuzzing takes a signed document, parses it, applies mutations that know the binding's
structure (drop, repeat, swap, rename or re-namespace an element; change an attribute, a text,
an ``Id``; insert a foreign element, a comment, a DTD, deep nesting; flip a bit in a digest,
a signature or the data), and then byte-level damage. The invariant: every mutated document is
refused with one of the two documented errors and a message that begins "STANAG 4778
binding refused" — or, if it is accepted, it gives back exactly the item that was signed (a
whitespace change outside the signed elements is harmless). Each case tried is recorded as a
Hypothesis event (``pytest --hypothesis-show-statistics`` lists them) and tallied in
``TRIED``; ``test_every_mutation_was_tried_and_refused`` checks the tally.
"""

from __future__ import annotations

import base64
import copy
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm
from signxml.verifier import XMLVerifier

from accord.crypto import SigningKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import BoundItem, read_binding, write_binding
from accord.exchange._stanag4778 import C14N, MAX_DEPTH, SHA384
from accord.items import ItemContent, ItemKind, Precedence
from accord.markings import Category, CategoryType, ConfidentialityLabel, Marking

KEYS = SigningKeys.from_seeds(bytes(32), bytes(range(32)))
LIMIT = 1 << 20
CREATED = datetime(2026, 11, 25, 6, 12, tzinfo=UTC)


def _label(classification: str = "極秘", ntk: tuple[str, ...] = ("DPRK-MISSILE",)) -> ConfidentialityLabel:
    return ConfidentialityLabel(
        "JPN",
        classification,
        "jpn-mod",
        CREATED,
        (
            Category("Releasable To", CategoryType.PERMISSIVE, ("KOR",)),
            Category("Need To Know", CategoryType.RESTRICTIVE, ntk),
        ),
        agreement="JPN-KOR-GSOMIA-2016",
    )


ITEM = BoundItem(
    Marking(_label()), ItemContent(ItemKind.REPORT, "Launch", "Two SRBMs.", "Assessment"), Precedence.FLASH
)
DOCUMENT = write_binding(ITEM, signer="jpn-mod", keys=KEYS)


def _accept(data: bytes) -> BoundItem:
    return read_binding(data, limit=LIMIT).verify(KEYS.public())


def test_round_trip() -> None:
    assert _accept(DOCUMENT) == ITEM
    assert read_binding(DOCUMENT, limit=LIMIT).signer == "jpn-mod"


def test_the_algorithm_uris_are_signxmls() -> None:
    assert CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value == C14N
    assert DigestAlgorithm.SHA384.value == SHA384


def test_the_signature_passes_the_w3c_schema_and_signxml_computes_the_same_digests() -> None:
    # An independent XML-DSig implementation resolves each reference and applies its transform;
    # it must find the digests we signed (signxml cannot check eddsa-ed25519 itself: ADR 0008).
    root = etree.fromstring(DOCUMENT)
    ns = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    signature = root.find("ds:Signature", ns)
    verifier = XMLVerifier()
    verifier.validate_schema(signature)
    for reference in signature.findall("ds:SignedInfo/ds:Reference", ns):
        payload = verifier._resolve_reference(root, reference)
        transforms = reference.find("ds:Transforms", ns)
        c14n = verifier._apply_transforms(payload, transforms_node=transforms, signature=signature)
        digest = verifier._get_digest(c14n, DigestAlgorithm(SHA384))
        assert base64.b64encode(digest).decode() == reference.find("ds:DigestValue", ns).text


def test_a_bare_ed25519_verifier_checks_the_signature_value() -> None:
    # What a strict XML-DSig (RFC 9231 eddsa-ed25519) verifier does, with lxml and pyca only.
    root = etree.fromstring(DOCUMENT)
    ns = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    signed_info = etree.tostring(root.find("ds:Signature/ds:SignedInfo", ns), method="c14n", exclusive=True)
    value = base64.b64decode(root.find("ds:Signature/ds:SignatureValue", ns).text)
    Ed25519PublicKey.from_public_bytes(KEYS.public().ed25519).verify(value, signed_info)


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=60)


@given(
    title=_TEXT.filter(str.strip),
    body=st.text(st.characters(codec="utf-8"), max_size=200),
    classification=st.sampled_from(["極秘", "秘", "特定秘密"]),
    ntk=st.lists(
        st.from_regex(r"[A-Z][A-Z0-9]{0,7}(-[A-Z0-9]{1,7})?", fullmatch=True),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    precedence=st.sampled_from(list(Precedence)),
)
@settings(max_examples=25, deadline=None)
def test_round_trip_of_any_item(
    title: str, body: str, classification: str, ntk: list[str], precedence: Precedence
) -> None:
    item = BoundItem(
        Marking(_label(classification, tuple(ntk))),
        ItemContent(ItemKind.REPORT, title.strip(), body, "Assessment"),
        precedence,
    )
    assert _accept(write_binding(item, signer="jpn-mod", keys=KEYS)) == item


# --- structure-aware mutations ------------------------------------------------------------

Mutation = Callable[[Any, st.DataObject], None]
TRIED: Counter[tuple[str, str]] = Counter()


def _elements(root: Any) -> list[Any]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def _pick(root: Any, data: st.DataObject, *, leaf: bool | None = None, not_root: bool = True) -> Any:
    pool = [el for el in _elements(root) if not (not_root and el is root)]
    if leaf is not None:
        pool = [el for el in pool if (len(el) == 0) == leaf] or pool
    return data.draw(st.sampled_from(pool), label="element")


def _drop(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data)
    el.getparent().remove(el)


def _repeat(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data)
    el.addnext(copy.deepcopy(el))


def _swap(root: Any, data: st.DataObject) -> None:
    parents = [el for el in _elements(root) if len(el) >= 2]
    parent = data.draw(st.sampled_from(parents), label="parent")
    i = data.draw(st.integers(0, len(parent) - 2), label="index")
    first = parent[i]
    parent.remove(first)
    parent.insert(i + 1, first)


def _rename(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data, not_root=False)
    name = etree.QName(el)
    ns = f"{{{name.namespace}}}" if name.namespace else ""
    tags = [f"{ns}X{name.localname}", f"{{urn:evil}}{name.localname}", name.localname]
    el.tag = data.draw(st.sampled_from(tags), label="tag")


def _attribute(root: Any, data: st.DataObject) -> None:
    candidates = [el for el in _elements(root) if el.attrib]
    el = data.draw(st.sampled_from(candidates), label="element")
    name = data.draw(st.sampled_from(sorted(el.attrib)), label="attribute")
    el.set(
        name,
        data.draw(st.sampled_from(["", "#metadata", "#other", "http://example.invalid/x", C14N]), label="v"),
    )


def _text(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data, leaf=True)
    el.text = data.draw(
        st.sampled_from(["", "秘", "機密", "KOR", "AAAA", "not base64!", "x" * 100]), label="text"
    )


def _add_id(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data, not_root=False)
    name = data.draw(
        st.sampled_from(["Id", "ID", "id", "{http://www.w3.org/XML/1998/namespace}id"]), label="name"
    )
    el.set(name, data.draw(st.sampled_from(["data", "metadata", "binding", "signature", "x"]), label="id"))


def _foreign(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data, not_root=False)
    extra = etree.SubElement(el, data.draw(st.sampled_from(["{urn:evil}Extra", el.tag]), label="tag"))
    extra.text = "extra"


def _comment(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data, not_root=False)
    el.append(
        data.draw(st.sampled_from([etree.Comment("c"), etree.ProcessingInstruction("pi", "x")]), label="node")
    )


def _deep(root: Any, data: st.DataObject) -> None:
    el = _pick(root, data, not_root=False)
    for _ in range(data.draw(st.integers(MAX_DEPTH - 6, MAX_DEPTH + 4), label="depth")):
        el = etree.SubElement(el, "{urn:evil}d")


def _flip(root: Any, data: st.DataObject) -> None:
    local = data.draw(st.sampled_from(["DigestValue", "SignatureValue", "DataObject", "Ed25519", "MLDSA65"]))
    found = [el for el in _elements(root) if el.tag.endswith("}" + local)]
    if not found:  # an earlier mutation dropped or renamed it
        return
    el = data.draw(st.sampled_from(found), label="element")
    try:
        raw = bytearray(base64.b64decode(el.text or "", validate=True))
    except ValueError:  # an earlier mutation changed the text
        return
    if not raw:
        return
    raw[data.draw(st.integers(0, len(raw) - 1), label="byte")] ^= 1 << data.draw(
        st.integers(0, 7), label="bit"
    )
    el.text = base64.b64encode(bytes(raw)).decode()


MUTATIONS: dict[str, Mutation] = {
    "drop": _drop,
    "repeat": _repeat,
    "swap": _swap,
    "rename": _rename,
    "attribute": _attribute,
    "text": _text,
    "add Id": _add_id,
    "foreign element": _foreign,
    "comment or PI": _comment,
    "deep nesting": _deep,
    "bit flip": _flip,
}


def _outcome(data: bytes) -> str:
    try:
        accepted = _accept(data)
    except (InvalidInput, VerificationFailed) as exc:
        assert str(exc).startswith("STANAG 4778 binding refused"), exc  # noqa: PT017 (a fuzzing oracle)
        return f"refused: {type(exc).__name__}"
    assert accepted == ITEM  # accepted only as what was signed
    return "accepted as signed"


@given(data=st.data(), rounds=st.integers(1, 3))
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_structure_aware_mutations_are_refused(data: st.DataObject, rounds: int) -> None:
    root = etree.fromstring(DOCUMENT)
    names = [data.draw(st.sampled_from(sorted(MUTATIONS)), label="mutation") for _ in range(rounds)]
    for name in names:
        MUTATIONS[name](root, data)
    mutated = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    outcome = _outcome(mutated)
    note(mutated.decode("utf-8", "replace")[:2000])
    for name in names:
        TRIED[name, outcome] += 1
    event(f"{'+'.join(names)} → {outcome}")


@given(
    position=st.integers(0, len(DOCUMENT) - 1),
    damage=st.sampled_from(["flip", "delete", "insert", "truncate"]),
    byte=st.binary(min_size=1, max_size=1),
)
@settings(max_examples=150, deadline=None)
def test_byte_damage_is_refused(position: int, damage: str, byte: bytes) -> None:
    doc = DOCUMENT
    changed = {
        "flip": doc[:position] + bytes([doc[position] ^ byte[0] or 1]) + doc[position + 1 :],
        "delete": doc[:position] + doc[position + 1 :],
        "insert": doc[:position] + byte + doc[position:],
        "truncate": doc[:position],
    }[damage]
    outcome = _outcome(changed)
    TRIED[f"bytes: {damage}", outcome] += 1
    event(f"bytes {damage} → {outcome}")


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        pytest.param(
            DOCUMENT.replace(b"<mb:Metadata ", b"<!-- c --><mb:Metadata "), "comments", id="comment"
        ),
        pytest.param(
            b"<?xml version='1.0'?>\n<!DOCTYPE a>" + DOCUMENT[DOCUMENT.index(b"\n") + 1 :], "DTD", id="dtd"
        ),
        pytest.param(DOCUMENT + b"\x80", "not UTF-8", id="trailing invalid byte"),
        pytest.param(DOCUMENT.replace(b'Id="data"', b'Id="data" ID="data"'), "Id", id="second Id attribute"),
        # Found by the fuzzing: an unknown declared encoding escaped as a bare LookupError.
        pytest.param(DOCUMENT.replace(b"UTF-8", b"TTF-8", 1), "unknown encoding", id="unknown encoding"),
        # Found by the fuzzing: non-ASCII text in a base64 field escaped as a bare ValueError.
        pytest.param(
            DOCUMENT.replace(b"<ds:DigestValue>", "<ds:DigestValue>秘".encode(), 1),
            "not base64",
            id="non-ASCII DigestValue",
        ),
    ],
)
def test_named_regressions(document: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        _accept(document)


def test_every_mutation_was_tried_and_refused() -> None:
    # Runs after the fuzzing tests in this module (pytest keeps file order; -p no:randomly).
    if not TRIED:
        pytest.skip("run with the fuzzing tests of this module")
    for name in [*MUTATIONS, "bytes: flip", "bytes: delete", "bytes: insert", "bytes: truncate"]:
        refused = sum(
            n for (tried, outcome), n in TRIED.items() if tried == name and outcome.startswith("refused")
        )
        assert refused > 0, f"{name}: {dict(TRIED)}"

"""An item as a STANAG 4778 binding: its STANAG 4774 labels and its data under one XML Signature (issue 13).

The document (ADatP-4778 metadata binding, namespace ``mb``; the choices are recorded in
``docs/adr/0008-xml-signature-binding.md``, the format in ``docs/stanag4778.md``)::

    <mb:MetadataBindingContainer>
      <mb:MetadataBinding Id="binding">
        <mb:Metadata Id="metadata">
          <slab:originatorConfidentialityLabel>…</slab:originatorConfidentialityLabel>
          <slab:alternativeConfidentialityLabel>…</slab:alternativeConfidentialityLabel>   (0..n)
        </mb:Metadata>
        <mb:DataReference URI="#data" xmime:contentType="application/vnd.accord.item+json"/>
      </mb:MetadataBinding>
      <accord:DataObject Id="data" encoding="base64">…</accord:DataObject>
      <ds:Signature Id="signature">        XML-DSig: references #metadata, #data, #binding
        …  exclusive C14N, SHA-384 digests, eddsa-ed25519 (RFC 9231) over the canonical SignedInfo
        <ds:KeyInfo><ds:KeyName>NODE-ID</ds:KeyName></ds:KeyInfo>
      </ds:Signature>
      <accord:DualSignature Purpose="stanag-4778">   Ed25519 + ML-DSA-65 over the same SignedInfo
    </mb:MetadataBindingContainer>

Reading is strict, in this order: size, UTF-8, the defusedxml gate (no DTD, no entity, no
external reference; nesting at most :data:`MAX_DEPTH`), a hardened lxml parse (no network,
no entity resolution), the exact structure above (no comment, no processing instruction, no
other ``Id``: a signature-wrapping attack needs a second element of the same ``Id``), the W3C
schema of ``ds:Signature`` (signxml's copy, local), then — once the caller has found the
signer's *pinned* keys — both signatures over SignedInfo, then each reference's digest, and
only then are the labels and the data decoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
from dataclasses import dataclass
from typing import Any, Final
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException
from lxml import etree

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import AccordError, InvalidInput, VerificationFailed
from accord.items import ItemContent, Precedence
from accord.markings import ConfidentialityLabel, Marking, from_xml, to_xml

__all__ = [
    "BINDING_NAMESPACE",
    "BINDING_PURPOSE_4778",
    "DATA_MEDIA_TYPE",
    "EDDSA_ED25519",
    "MAX_DEPTH",
    "BindingDocument",
    "BoundItem",
    "read_binding",
    "write_binding",
]

BINDING_NAMESPACE: Final = "urn:nato:stanag:4778:bindinginformation:1:0"
"""The ADatP-4778 binding information namespace."""
SLAB_NS: Final = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
XMIME_NS: Final = "http://www.w3.org/2005/05/xmlmime"
ACCORD_NS: Final = "urn:accord:stanag4778:1"
EDDSA_ED25519: Final = "http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"
"""The XML-DSig signature method of RFC 9231 §2.3.1 (signxml 5.2 does not offer it)."""
C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
"""Exclusive XML Canonicalization 1.0 (signxml's ``EXCLUSIVE_XML_CANONICALIZATION_1_0``)."""
SHA384: Final = "http://www.w3.org/2001/04/xmldsig-more#sha384"
"""SHA-384 (RFC 6931 §2.1.3; signxml's ``DigestAlgorithm.SHA384``)."""
DATA_MEDIA_TYPE: Final = "application/vnd.accord.item+json"
"""The data object: the item's content and precedence as canonical JSON."""
BINDING_PURPOSE_4778: Final = "stanag-4778"
"""The purpose of Accord's dual signature over the canonical SignedInfo."""
MAX_DEPTH: Final = 12
"""The deepest element nesting read (a binding needs 7)."""

_IDS: Final = ("metadata", "data", "binding")  # the references, in SignedInfo order
_ID_ATTRS: Final = frozenset({"Id", "ID", "id", "{http://www.w3.org/XML/1998/namespace}id"})
_NSMAP: Final = {
    "mb": BINDING_NAMESPACE,
    "slab": SLAB_NS,
    "ds": DS_NS,
    "xmime": XMIME_NS,
    "accord": ACCORD_NS,
}


def _mb(name: str) -> str:
    return f"{{{BINDING_NAMESPACE}}}{name}"


def _ds(name: str) -> str:
    return f"{{{DS_NS}}}{name}"


def _ac(name: str) -> str:
    return f"{{{ACCORD_NS}}}{name}"


_ORIGINATOR: Final = f"{{{SLAB_NS}}}originatorConfidentialityLabel"
_ALTERNATIVE: Final = f"{{{SLAB_NS}}}alternativeConfidentialityLabel"
_CONTENT_TYPE: Final = f"{{{XMIME_NS}}}contentType"


def _refuse(reason: str) -> InvalidInput:
    return InvalidInput(f"STANAG 4778 binding refused: {reason}")


def _c14n(element: Any) -> bytes:
    # A same-document reference "#id" selects the element without comments (XML-DSig §4.4.3.3),
    # then the exclusive C14N transform (the only one named) serialises it.
    out: bytes = etree.tostring(element, method="c14n", exclusive=True, with_comments=False)
    return out


def _digest(element: Any) -> bytes:
    return hashlib.sha384(_c14n(element)).digest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class BoundItem:
    """What a binding carries: the item's marking, content and precedence."""

    marking: Marking
    content: ItemContent
    precedence: Precedence

    def data(self) -> bytes:
        """The data object: ``{"content": …, "precedence": …, "v": 1}`` as canonical JSON."""
        return canonical_json(
            {"v": 1, "content": self.content.to_dict(), "precedence": self.precedence.value}
        )


def _label_element(label: ConfidentialityLabel, tag: str) -> Any:
    element = etree.fromstring(to_xml(label).encode("utf-8"))
    element.tag = tag
    return element


def write_binding(item: BoundItem, *, signer: str, keys: SigningKeys) -> bytes:
    """The signed STANAG 4778 binding document of ``item``, as UTF-8 XML.

    Args:
        item: The marking, content and precedence.
        signer: This node's id, written as the signature's ``ds:KeyName``.
        keys: This node's signing keys.

    Returns:
        The document; :func:`read_binding` and :meth:`BindingDocument.verify` give ``item`` back.
    """
    E = etree.SubElement  # noqa: N806 (a builder's short name)
    root = etree.Element(_mb("MetadataBindingContainer"), nsmap=_NSMAP)
    binding = E(root, _mb("MetadataBinding"), Id="binding")
    metadata = E(binding, _mb("Metadata"), Id="metadata")
    metadata.append(_label_element(item.marking.originator, _ORIGINATOR))
    for alternative in item.marking.alternatives:
        metadata.append(_label_element(alternative, _ALTERNATIVE))
    E(binding, _mb("DataReference"), {"URI": "#data", _CONTENT_TYPE: DATA_MEDIA_TYPE})
    data = E(root, _ac("DataObject"), Id="data", encoding="base64")
    data.text = _b64(item.data())
    signature = E(root, _ds("Signature"), Id="signature")
    signed_info = E(signature, _ds("SignedInfo"))
    E(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N)
    E(signed_info, _ds("SignatureMethod"), Algorithm=EDDSA_ED25519)
    digest_values = []
    for ref_id in _IDS:
        reference = E(signed_info, _ds("Reference"), URI=f"#{ref_id}")
        E(E(reference, _ds("Transforms")), _ds("Transform"), Algorithm=C14N)
        E(reference, _ds("DigestMethod"), Algorithm=SHA384)
        digest_values.append(E(reference, _ds("DigestValue")))
    value = E(signature, _ds("SignatureValue"))
    E(E(signature, _ds("KeyInfo")), _ds("KeyName")).text = signer
    dual = E(root, _ac("DualSignature"), Purpose=BINDING_PURPOSE_4778)
    ed_value, ml_value = E(dual, _ac("Ed25519")), E(dual, _ac("MLDSA65"))
    # Indent first: whitespace inside a signed element is part of what its digest covers.
    etree.indent(root, space="  ")
    for ref_id, digest_value in zip(_IDS, digest_values, strict=True):
        digest_value.text = _b64(_digest(_by_id(root, ref_id)))
    signed = _c14n(signed_info)
    value.text = _b64(keys.sign_xmldsig(signed))
    pair = keys.sign(BINDING_PURPOSE_4778, signed)
    ed_value.text, ml_value.text = _b64(pair.ed25519), _b64(pair.mldsa65)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out + b"\n"


def _by_id(root: Any, ref_id: str) -> Any:
    found = [el for el in root.iter() if el.get("Id") == ref_id]
    return found[0]


@dataclass(frozen=True)
class BindingDocument:
    """A binding document whose structure was checked, not yet its signatures.

    Attributes:
        signer: The node id named by ``ds:KeyName``; the caller finds its pinned keys.
    """

    signer: str
    _signed_info: bytes
    _signature_value: bytes
    _dual: DualSignature
    _claimed: tuple[bytes, ...]
    _actual: tuple[bytes, ...]
    _labels: tuple[bytes, ...]
    _data: bytes

    def verify(self, keys: VerifyKeys) -> BoundItem:
        """Check both signatures with the signer's pinned ``keys``, then every digest; decode.

        Raises:
            VerificationFailed: a signature does not verify, or the label, the data or the
                binding does not match its signed digest (the reason names which).
            InvalidInput: the verified labels or data are malformed (a signer's bug).
        """
        try:
            keys.verify_xmldsig(self._signed_info, self._signature_value)
            keys.verify(BINDING_PURPOSE_4778, self._signed_info, self._dual)
        except (VerificationFailed, InvalidInput) as exc:
            raise VerificationFailed(
                f"STANAG 4778 binding refused: its signature does not verify against the pinned keys "
                f"of node {self.signer}"
            ) from exc
        what = {"metadata": "the label", "data": "the data object", "binding": "the label-to-data binding"}
        for ref_id, claimed, actual in zip(_IDS, self._claimed, self._actual, strict=True):
            if not hmac.compare_digest(claimed, actual):
                raise VerificationFailed(
                    f"STANAG 4778 binding refused: {what[ref_id]} does not match the signed digest "
                    f"(reference #{ref_id}); label and data must stay as the signer bound them"
                )
        return self._decode()

    def _decode(self) -> BoundItem:
        try:
            labels = [from_xml(text) for text in self._labels]
            marking = Marking(labels[0], tuple(labels[1:]))
            doc = loads_object(self._data, "the 4778 data object")
            if set(doc) != {"v", "content", "precedence"} or doc["v"] != 1:
                raise _refuse("the data object is not an Accord item (v 1: content, precedence)")
            content, precedence = doc["content"], doc["precedence"]
            if not isinstance(content, dict) or not isinstance(precedence, str):
                raise _refuse("the data object's content or precedence has the wrong type")
            return BoundItem(marking, ItemContent.from_dict(content), Precedence(precedence))
        except ValueError as exc:
            raise _refuse(f"the data object is malformed: {exc}") from exc
        except AccordError as exc:
            if str(exc).startswith("STANAG 4778"):
                raise
            raise _refuse(str(exc)) from exc


def _gate(data: bytes) -> None:
    """Refuse DTDs, entities and external references, and deep nesting, before building a tree."""
    depth = 0
    try:
        for event, _ in DefusedET.iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        ):
            depth += 1 if event == "start" else -1
            if depth > MAX_DEPTH:
                raise _refuse(f"elements are nested more than {MAX_DEPTH} deep")
    except DefusedXmlException as exc:
        raise _refuse("XML with a DTD, an entity or an external reference is refused") from exc
    except ParseError as exc:
        raise _refuse(f"malformed XML: {exc}") from exc
    except LookupError as exc:  # an unknown encoding declared (found by the fuzzing test)
        raise _refuse(f"the document declares an unknown encoding: {exc}") from exc


_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
)


def _parse(data: bytes, limit: int) -> Any:
    if not isinstance(data, bytes):
        raise _refuse("the document must be bytes")
    if len(data) > limit:
        raise _refuse(f"the document is larger than {limit:,} bytes")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refuse(f"the document is not UTF-8 (byte {exc.start})") from exc
    _gate(data)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _PARSER))
    except etree.XMLSyntaxError as exc:
        raise _refuse(f"malformed XML: {exc}") from exc
    info = tree.docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise _refuse("XML with a DTD is refused")
    if (info.encoding or "UTF-8").upper() != "UTF-8":
        raise _refuse(f"the document declares the encoding {info.encoding}; only UTF-8 is read")
    root = tree.getroot()
    for node in root.iter():
        if not isinstance(node.tag, str):
            raise _refuse("comments, processing instructions and entities are refused")
    return root


def _children(element: Any, expected: tuple[str, ...], what: str) -> list[Any]:
    found = list(element)
    if tuple(child.tag for child in found) != expected:
        names = ", ".join(name.split("}")[-1] for name in expected)
        raise _refuse(f"{what} must hold exactly: {names}")
    return found


def _text(element: Any, what: str) -> str:
    text = element.text
    if len(element) or not isinstance(text, str) or not text.strip():
        raise _refuse(f"{what} must hold text only")
    return text.strip()


def _base64(element: Any, what: str) -> bytes:
    try:
        return base64.b64decode(_text(element, what), validate=True)
    except ValueError as exc:  # binascii.Error, or non-ASCII text (found by the fuzzing test)
        raise _refuse(f"{what} is not base64") from exc


def _check_ids(root: Any, expected: dict[str, Any]) -> None:
    seen: list[tuple[Any, str]] = [
        (element, value)
        for element in root.iter()
        for name, value in element.attrib.items()
        if name in _ID_ATTRS
    ]
    placed = sorted(value for _, value in seen)
    if placed != sorted(expected) or any(expected[value] is not element for element, value in seen):
        raise _refuse("unexpected or repeated Id attributes (only binding, metadata, data and signature)")


def _check_algorithm(element: Any, algorithm: str, what: str) -> None:
    if element.get("Algorithm") != algorithm or len(element):
        raise _refuse(f"{what} must be {algorithm}")


def _signed_digests(signed_info: Any) -> tuple[bytes, ...]:
    tags = (_ds("CanonicalizationMethod"), _ds("SignatureMethod")) + (_ds("Reference"),) * len(_IDS)
    c14n_method, method, *references = _children(signed_info, tags, "ds:SignedInfo")
    _check_algorithm(c14n_method, C14N, "the canonicalisation method")
    _check_algorithm(method, EDDSA_ED25519, "the signature method")
    claimed = []
    for ref_id, reference in zip(_IDS, references, strict=True):
        if reference.get("URI") != f"#{ref_id}" or set(reference.attrib) != {"URI"}:
            raise _refuse(f"the references must be #{', #'.join(_IDS)}, in that order")
        tags = (_ds("Transforms"), _ds("DigestMethod"), _ds("DigestValue"))
        transforms, digest_method, digest_value = _children(reference, tags, "ds:Reference")
        (transform,) = _children(transforms, (_ds("Transform"),), "ds:Transforms")
        _check_algorithm(transform, C14N, "the reference transform")
        _check_algorithm(digest_method, SHA384, "the digest method")
        claimed.append(_base64(digest_value, "a DigestValue"))
    return tuple(claimed)


def _dual_signature(element: Any) -> DualSignature:
    if element.get("Purpose") != BINDING_PURPOSE_4778 or set(element.attrib) != {"Purpose"}:
        raise _refuse(f"accord:DualSignature must name the purpose {BINDING_PURPOSE_4778}")
    ed, ml = _children(element, (_ac("Ed25519"), _ac("MLDSA65")), "accord:DualSignature")
    try:
        return DualSignature(_base64(ed, "accord:Ed25519"), _base64(ml, "accord:MLDSA65"))
    except InvalidInput as exc:
        raise _refuse(f"accord:DualSignature is malformed: {exc}") from exc


def read_binding(data: bytes, *, limit: int) -> BindingDocument:
    """Parse and check a binding document's structure (module docstring); signatures come later.

    Args:
        data: The document's bytes.
        limit: The most bytes read.

    Returns:
        The document, to :meth:`~BindingDocument.verify` with its signer's pinned keys.

    Raises:
        InvalidInput: the document is too large, not UTF-8, malformed, declares a DTD or an
            entity, is nested too deep, or breaks the structure (unsigned, another signature
            method, other references, an unexpected element or ``Id``).
    """
    root = _parse(data, limit)
    if root.tag != _mb("MetadataBindingContainer"):
        raise _refuse(
            f"the root element must be mb:MetadataBindingContainer in namespace {BINDING_NAMESPACE}"
        )
    if not any(child.tag == _ds("Signature") for child in root):
        raise _refuse("the document is unsigned (no ds:Signature)")
    tags = (_mb("MetadataBinding"), _ac("DataObject"), _ds("Signature"), _ac("DualSignature"))
    binding, data_object, signature, dual = _children(root, tags, "mb:MetadataBindingContainer")
    metadata, reference = _children(binding, (_mb("Metadata"), _mb("DataReference")), "mb:MetadataBinding")
    labels = list(metadata)
    if not labels or labels[0].tag != _ORIGINATOR or any(label.tag != _ALTERNATIVE for label in labels[1:]):
        raise _refuse("mb:Metadata must hold one originatorConfidentialityLabel, then alternative labels")
    if dict(reference.attrib) != {"URI": "#data", _CONTENT_TYPE: DATA_MEDIA_TYPE} or len(reference):
        raise _refuse(f"mb:DataReference must point at #data, of type {DATA_MEDIA_TYPE}")
    if data_object.get("encoding") != "base64":
        raise _refuse("accord:DataObject must be base64")
    _check_ids(root, {"binding": binding, "metadata": metadata, "data": data_object, "signature": signature})
    # signxml (and its W3C schemas) load on the first import, never for `accord --help`.
    from signxml.verifier import XMLVerifier  # noqa: PLC0415

    try:
        XMLVerifier().validate_schema(signature)  # type: ignore[no-untyped-call]
    except etree.DocumentInvalid as exc:
        raise _refuse(f"ds:Signature breaks the XML-DSig schema: {exc}") from exc
    parts = (_ds("SignedInfo"), _ds("SignatureValue"), _ds("KeyInfo"))
    signed_info, value, key_info = _children(signature, parts, "ds:Signature")
    (key_name,) = _children(key_info, (_ds("KeyName"),), "ds:KeyInfo")
    claimed = _signed_digests(signed_info)
    elements = {"metadata": metadata, "data": data_object, "binding": binding}
    return BindingDocument(
        signer=_text(key_name, "ds:KeyName"),
        _signed_info=_c14n(signed_info),
        _signature_value=_base64(value, "ds:SignatureValue"),
        _dual=_dual_signature(dual),
        _claimed=claimed,
        _actual=tuple(_digest(elements[ref_id]) for ref_id in _IDS),
        _labels=tuple(etree.tostring(label, encoding="UTF-8") for label in labels),
        _data=_base64(data_object, "accord:DataObject"),
    )

"""The STANAG 4774 XML form of a confidentiality label (ADatP-4774, namespace 1:0).

Export writes ``slab:originatorConfidentialityLabel``::

    <slab:originatorConfidentialityLabel xmlns:slab="urn:nato:stanag:4774:confidentialitymetadatalabel:1:0">
      <slab:ConfidentialityInformation>
        <slab:PolicyIdentifier URI="urn:accord:agreement:ID">JPN</slab:PolicyIdentifier>
        <slab:Classification>秘</slab:Classification>
        <slab:PrivacyMark>…</slab:PrivacyMark>
        <slab:Category TagName="Releasable To" Type="PERMISSIVE">
          <slab:GenericValue>KOR</slab:GenericValue>
        </slab:Category>
      </slab:ConfidentialityInformation>
      <slab:OriginatorID IDType="uniformResourceIdentifier">jpn-mod-1</slab:OriginatorID>
      <slab:CreationDateTime>2024-01-15T10:00:00Z</slab:CreationDateTime>
      <slab:ReviewDateTime>2034-01-15T10:00:00Z</slab:ReviewDateTime>
    </slab:originatorConfidentialityLabel>

Import parses with defusedxml and refuses any DTD or entity declaration: labels come from
partners and files, and an entity expansion ("billion laughs") or an external entity must
never be resolved. Import accepts ``alternativeConfidentialityLabel`` roots too.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from accord.errors import LabelError
from accord.markings._category import Category, CategoryType, format_time, parse_time
from accord.markings._label import ConfidentialityLabel

__all__ = ["NAMESPACE", "from_xml", "to_xml"]

NAMESPACE = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"
"""The STANAG 4774 confidentiality metadata label namespace."""

_AGREEMENT_URI = "urn:accord:agreement:"
_ROOTS = ("originatorConfidentialityLabel", "alternativeConfidentialityLabel")
_ATTR_ESCAPES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _text(value: str) -> str:
    return escape(value)


def _attr(value: str) -> str:
    return quoteattr(value, _ATTR_ESCAPES)


def to_xml(label: ConfidentialityLabel) -> str:
    """Exports a label as a STANAG 4774 ``originatorConfidentialityLabel`` document.

    Args:
        label: The label.

    Returns:
        The XML text, with an XML declaration; :func:`from_xml` returns an equal label.
    """
    policy_attr = f" URI={_attr(_AGREEMENT_URI + label.agreement)}" if label.agreement is not None else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<slab:originatorConfidentialityLabel xmlns:slab="{NAMESPACE}">',
        "  <slab:ConfidentialityInformation>",
        f"    <slab:PolicyIdentifier{policy_attr}>{_text(label.policy)}</slab:PolicyIdentifier>",
        f"    <slab:Classification>{_text(label.classification)}</slab:Classification>",
    ]
    if label.privacy_mark is not None:
        lines.append(f"    <slab:PrivacyMark>{_text(label.privacy_mark)}</slab:PrivacyMark>")
    for cat in label.categories:
        lines.append(f"    <slab:Category TagName={_attr(cat.tag_name)} Type={_attr(cat.type.value)}>")
        lines.extend(f"      <slab:GenericValue>{_text(v)}</slab:GenericValue>" for v in cat.values)
        lines.append("    </slab:Category>")
    lines.append("  </slab:ConfidentialityInformation>")
    originator = _text(label.originator_id)
    lines.append(f'  <slab:OriginatorID IDType="uniformResourceIdentifier">{originator}</slab:OriginatorID>')
    lines.append(f"  <slab:CreationDateTime>{format_time(label.creation_time)}</slab:CreationDateTime>")
    if label.review_time is not None:
        lines.append(f"  <slab:ReviewDateTime>{format_time(label.review_time)}</slab:ReviewDateTime>")
    lines.append("</slab:originatorConfidentialityLabel>")
    return "\n".join(lines) + "\n"


def _parse(data: str | bytes) -> Any:
    if not isinstance(data, str | bytes):
        raise LabelError(f"XML must be text or bytes, got {type(data).__name__}")
    try:
        return DefusedET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise LabelError("XML with a DTD or entities is refused") from exc
    except (ParseError, ValueError) as exc:
        raise LabelError(f"malformed XML label: {exc}") from exc


def _only(parent: Any, name: str, *, required: bool) -> Any:
    found = parent.findall(_q(name))
    if len(found) > 1:
        raise LabelError(f"the XML label has {len(found)} {name} elements; at most one is allowed")
    if not found:
        if required:
            raise LabelError(f"the XML label lacks the {name} element")
        return None
    return found[0]


def _content(elem: Any, name: str) -> str:
    if len(elem):
        raise LabelError(f"the XML label's {name} element must hold text only")
    text = elem.text
    if not isinstance(text, str) or not text:
        raise LabelError(f"the XML label's {name} element is empty")
    return text


def _category(elem: Any) -> Category:
    tag = elem.get("TagName")
    type_text = elem.get("Type")
    if tag is None or type_text is None:
        raise LabelError("an XML Category needs the TagName and Type attributes")
    try:
        type_ = CategoryType(type_text)
    except ValueError as exc:
        raise LabelError(f"XML Category {tag!r} has the unknown Type {type_text!r}") from exc
    values: list[str] = []
    for child in elem:
        if child.tag != _q("GenericValue"):
            raise LabelError(f"XML Category {tag!r} holds an unsupported element {child.tag!r}")
        values.append(_content(child, "GenericValue"))
    return Category(tag, type_, tuple(values))


def from_xml(data: str | bytes) -> ConfidentialityLabel:
    """Imports a STANAG 4774 confidentiality label.

    Args:
        data: The XML document, as text or bytes.

    Returns:
        The label. The agreement is read from a PolicyIdentifier URI of the form
        ``urn:accord:agreement:<id>``; other URIs are ignored.

    Raises:
        LabelError: The XML is malformed, declares a DTD or entities, is not in the
            STANAG 4774 namespace, lacks a required element, or the label is invalid.
    """
    root = _parse(data)
    if root.tag not in tuple(_q(name) for name in _ROOTS):
        raise LabelError(
            f"not a STANAG 4774 label: the root element is {root.tag!r}, expected "
            f"originatorConfidentialityLabel in namespace {NAMESPACE}"
        )
    info = _only(root, "ConfidentialityInformation", required=True)
    policy_elem = _only(info, "PolicyIdentifier", required=True)
    uri = policy_elem.get("URI")
    agreement = uri[len(_AGREEMENT_URI) :] if uri and uri.startswith(_AGREEMENT_URI) else None
    privacy = _only(info, "PrivacyMark", required=False)
    originator = _only(root, "OriginatorID", required=True)
    review = _only(root, "ReviewDateTime", required=False)
    created = _content(_only(root, "CreationDateTime", required=True), "CreationDateTime")
    review_time = None if review is None else parse_time(_content(review, "ReviewDateTime"), "ReviewDateTime")
    return ConfidentialityLabel(
        policy=_content(policy_elem, "PolicyIdentifier").strip(),
        classification=_content(_only(info, "Classification", required=True), "Classification"),
        originator_id=_content(originator, "OriginatorID"),
        creation_time=parse_time(created, "CreationDateTime"),
        categories=tuple(_category(elem) for elem in info.findall(_q("Category"))),
        privacy_mark=None if privacy is None else _content(privacy, "PrivacyMark"),
        review_time=review_time,
        agreement=agreement,
    )

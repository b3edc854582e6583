"""STANAG 4778 between federated nodes: JPN exports, KOR verifies against JPN's pinned keys (issue 13).

A binding whose label, data or signature was changed, whose signer is not pinned, or which is
unsigned, mis-encoded, malformed, nested too deep, too large or declares a DTD is refused with
its reason, journalled, and stores nothing. A verified binding of a partner's item (signed by a
node of another party, or its originator's label in another scheme) is refused too: imported, it
would become the importer's own item, without its originator's controls (Art. 6).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest
from support_interop import make_kor_launch

from accord.crypto import SigningKeys
from accord.errors import AccordError, InvalidInput, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import BoundItem, read_binding, write_binding
from accord.interop import Stanag4778Exchange
from accord.limits import MAX_BINDING_XML_BYTES
from accord.markings import Issuance, derive_alternative
from accord.node import JournalFilter, Node

ACTION = "stanag4778.import"


OFFICERS = {"JPN": "sato", "KOR": "kim"}


def _refusals(node: Node, actor: str) -> list[Any]:
    officer = OFFICERS[node.config.party]
    listing = node.journal.listing(actor=officer, where=JournalFilter(refusals=True), limit=1000)
    return [e for e in listing.events if e.action == ACTION and e.actor == actor]


def _refused(
    node: Node, actor: str, data: bytes, reason: str, error: type[AccordError] = AccordError
) -> None:
    before, journalled = len(node.items.all()), len(_refusals(node, actor))
    with pytest.raises(error) as refused:
        Stanag4778Exchange(node).import_binding(data, actor=actor)
    assert reason.lower() in str(refused.value).lower(), refused.value
    assert len(node.items.all()) == before
    assert len(_refusals(node, actor)) == journalled + 1


def test_round_trip_within_one_party(federation: Any, jpn_item: str) -> None:
    # A node's own item, exported and imported again at a node of its party (here, itself):
    # the national systems of one party, information the party originated.
    document = Stanag4778Exchange(federation.jpn).export(jpn_item, actor="sato")
    assert document.startswith(b"<?xml")
    assert "極秘".encode() in document
    created = Stanag4778Exchange(federation.jpn).import_binding(document, actor="sato")
    original = federation.jpn.items.show(jpn_item, actor="sato")
    assert created.id != jpn_item
    assert created.content == original.content
    assert created.precedence == original.precedence
    assert created.marking.originator.policy == "JPN"
    assert created.marking.originator.classification == "極秘"
    assert created.marking.originator.need_to_know == original.marking.originator.need_to_know
    assert created.marking.originator.originator_controls == original.marking.originator.originator_controls


def test_a_partners_item_is_refused_not_made_the_importers_own(federation: Any, jpn_item: str) -> None:
    # JPN's item imported at KOR would become KOR's (KOR could declassify it, and it would
    # leave KOR's register of what it holds for JPN): refused, pointing to the exchange.
    document = Stanag4778Exchange(federation.jpn).export(jpn_item, actor="sato")
    _refused(federation.kor, "kim", document, "signed by a node of JPN, not of this node's party KOR",
             PolicyDenied)  # fmt: skip
    with pytest.raises(PolicyDenied, match=r"accord send\) or an offline bundle"):
        Stanag4778Exchange(federation.kor).import_binding(document, actor="kim")


def test_a_partners_item_signed_by_this_party_is_refused(federation: Any, jpn_item: str) -> None:
    # A node of KOR that holds JPN's item (its originator's label JPN's, with KOR's equivalent)
    # signs a binding of it: still JPN's information, refused whoever signed it.
    view = federation.jpn.items.show(jpn_item, actor="sato")
    kor = federation.kor
    level = kor.agreements.get(federation.agreement_id).translate(view.marking.originator, "KOR")
    issued = Issuance(kor.config.node_id, kor.ctx.now(), federation.agreement_id)
    alternative = derive_alternative(view.marking.originator, level, provided_by="JPN", issued=issued)
    marking = view.marking.with_alternative(alternative)
    signed = write_binding(
        BoundItem(marking, view.content, view.precedence), signer=kor.config.node_id, keys=kor.ctx.keys
    )
    _refused(kor, "kim", signed, "is a partner's item: its originator's label is in scheme JPN", PolicyDenied)


def test_a_strict_reader_finds_the_xml_signature(federation: Any, jpn_item: str) -> None:
    document = Stanag4778Exchange(federation.jpn).export(jpn_item, actor="sato")
    assert b'Algorithm="http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519"' in document
    assert b"<ds:KeyName>jpn-mod</ds:KeyName>" in document
    signer = read_binding(document, limit=MAX_BINDING_XML_BYTES).signer
    assert signer == "jpn-mod"


def _swap_text(old: bytes, new: bytes) -> Callable[[bytes], bytes]:
    return lambda doc: doc.replace(old, new, 1)


def _flip_base64(tag: bytes) -> Callable[[bytes], bytes]:
    def edit(doc: bytes) -> bytes:
        match = re.search(rb"<" + tag + rb"[^>]*>([^<]+)<", doc)
        assert match is not None
        raw = bytearray(base64.b64decode(match.group(1)))
        raw[len(raw) // 2] ^= 0x01
        return doc[: match.start(1)] + base64.b64encode(bytes(raw)) + doc[match.end(1) :]

    return edit


TAMPER: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "label: classification lowered": (_swap_text("極秘".encode(), "秘".encode()), "the label does not match"),
    "label: need-to-know dropped": (
        _swap_text(b"<slab:GenericValue>DPRK-MISSILE</slab:GenericValue>", b""),
        "the label does not match",
    ),
    "data: a byte changed": (_flip_base64(b"accord:DataObject"), "the data object does not match"),
    "data reference re-pointed": (
        _swap_text(
            b'xmime:contentType="application/vnd.accord.item+json"', b'xmime:contentType="text/plain"'
        ),
        "DataReference must point",
    ),
    "signature value: a byte changed": (_flip_base64(b"ds:SignatureValue"), "does not verify"),
    "dual signature: a byte changed": (_flip_base64(b"accord:MLDSA65"), "does not verify"),
    "digest value: a byte changed": (_flip_base64(b"ds:DigestValue"), "does not verify"),
    "signer renamed to the importer": (
        _swap_text(b"<ds:KeyName>jpn-mod</ds:KeyName>", b"<ds:KeyName>kor-mnd</ds:KeyName>"),
        "does not verify",
    ),
    "signer not pinned": (
        _swap_text(b"<ds:KeyName>jpn-mod</ds:KeyName>", b"<ds:KeyName>usa-dod</ds:KeyName>"),
        "not a pinned partner",
    ),
    "unsigned": (
        lambda doc: re.sub(rb"<ds:Signature .*</accord:DualSignature>", b"", doc, flags=re.S),
        "unsigned",
    ),
    "other signature method": (
        _swap_text(b"xmldsig-more#eddsa-ed25519", b"xmldsig-more#rsa-sha256"),
        "signature method",
    ),
    "a second element with the data's Id": (
        _swap_text(b"</mb:MetadataBinding>", b'<mb:Metadata Id="data"/></mb:MetadataBinding>'),
        "must hold exactly",
    ),
}


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_tampered_binding_is_refused_with_reason(federation: Any, jpn_item: str, case: str) -> None:
    document = Stanag4778Exchange(federation.jpn).export(jpn_item, actor="sato")
    edit, reason = TAMPER[case]
    changed = edit(document)
    assert changed != document
    _refused(federation.kor, "kim", changed, reason)


def test_a_signer_with_other_keys_is_refused(federation: Any, jpn_item: str) -> None:
    view = federation.jpn.items.show(jpn_item, actor="sato")
    forged = write_binding(
        BoundItem(view.marking, view.content, view.precedence), signer="jpn-mod", keys=SigningKeys.generate()
    )
    _refused(federation.kor, "kim", forged, "does not verify against the pinned keys of node jpn-mod",
             VerificationFailed)  # fmt: skip


def test_an_unpinned_signer_is_refused(federation: Any, jpn_item: str) -> None:
    view = federation.jpn.items.show(jpn_item, actor="sato")
    stranger = write_binding(
        BoundItem(view.marking, view.content, view.precedence), signer="usa-dod", keys=SigningKeys.generate()
    )
    _refused(federation.kor, "kim", stranger, "'usa-dod' is not a pinned partner", VerificationFailed)


def test_an_importer_without_the_clearance_is_refused(federation: Any) -> None:
    kor_item = make_kor_launch(federation.kor, federation.agreement_id)
    document = Stanag4778Exchange(federation.kor).export(kor_item, actor="kim")
    _refused(federation.kor, "lee", document, "clearance")


def test_export_of_an_item_the_reader_may_not_read_is_not_found(federation: Any, jpn_item: str) -> None:
    with pytest.raises(NotFound):
        Stanag4778Exchange(federation.kor).export(jpn_item, actor="kim")


_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>\n<x>&a;</x>'
_EXTERNAL = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>'
_LAUGHS = b'<!DOCTYPE l [<!ENTITY a "x"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>'


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(_DTD, "DTD", id="DTD with an entity"),
        pytest.param(_EXTERNAL, "DTD", id="external entity"),
        pytest.param(_LAUGHS, "DTD", id="entity expansion"),
        pytest.param(b'<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>', "DTD", id="external DTD"),
        pytest.param(b"\xff\xfe<\x00x\x00/\x00>\x00", "not UTF-8", id="UTF-16"),
        pytest.param(b"<x>\xc3\x28</x>", "not UTF-8", id="invalid UTF-8"),
        pytest.param(b'<?xml version="1.0" encoding="ISO-8859-1"?><x/>', "encoding", id="latin-1 declared"),
        pytest.param(b"<x", "malformed", id="malformed"),
        pytest.param(b"<a>" * 13 + b"</a>" * 13, "nested more than 12", id="deeply nested"),
        pytest.param(b"<a>" * 100_000 + b"</a>" * 100_000, "nested more than 12", id="very deeply nested"),
        pytest.param(b" " * (MAX_BINDING_XML_BYTES + 1), "larger than", id="oversized"),
        pytest.param(b"<x/>", "root element", id="another root"),
        pytest.param(
            b'<mb:MetadataBindingContainer xmlns:mb="urn:nato:stanag:4778:bindinginformation:1:0"/>',
            "unsigned",
            id="empty container",
        ),
    ],
)
def test_bad_input_is_refused_and_journalled(federation: Any, data: bytes, reason: str) -> None:
    _refused(federation.kor, "kim", data, reason, InvalidInput)

"""Identity cards: what a node tells its partners about itself, self-signed.

A card names the party and node, carries the node's public keys (Ed25519 + ML-DSA-65 for
signatures, ML-KEM-768+X25519 for HPKE), its TLS certificate and that certificate's
fingerprint, and its peer endpoint. The self-signature proves the card was made by the
holder of the signing keys; *trust* comes from the designated security authority pinning
the card (``accord party add``) after checking the fingerprint out of band.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from accord.canonical import canonical_json, loads_object
from accord.crypto import (
    DualSignature,
    SigningKeys,
    Suite,
    VerifyKeys,
    b64d,
    b64e,
    certificate_fingerprint,
)
from accord.errors import InvalidInput, VerificationFailed
from accord.markings import is_party_code

__all__ = ["CARD_FORMAT", "IdentityCard", "endpoint_address"]

CARD_FORMAT = "accord-identity/1"


def endpoint_address(endpoint: str) -> tuple[str, int]:
    """Host and port of a peer endpoint, ``https://host:port`` with no path, query or user.

    The one rule for an endpoint: ``accord init`` checks it, a card is valid only with one
    (``identity export``, ``party add``), and ``accord serve`` listens on it.

    Raises:
        InvalidInput: not such a URL.
    """
    parts = urlsplit(endpoint)
    try:
        port = parts.port
    except ValueError:  # a port that is no number, or out of 0-65535
        port = None
    extra = parts.path.strip("/") or parts.query or parts.fragment or parts.username is not None
    if parts.scheme != "https" or not parts.hostname or port is None or extra:
        raise InvalidInput(f"endpoint {endpoint[:200]!r} must be https://host:port")
    return parts.hostname, port


@dataclass(frozen=True)
class IdentityCard:
    """A node's public identity, valid from construction (signature verified on parse)."""

    party: str
    node_id: str
    scheme: str
    endpoint: str
    signing_keys: VerifyKeys
    hpke_public_key: bytes
    hpke_cnsa_public_key: bytes
    tls_certificate_pem: str
    tls_fingerprint: str
    created: str
    signature: DualSignature

    def body(self) -> dict[str, object]:
        """The signed part of the card."""
        return {
            "format": CARD_FORMAT,
            "party": self.party,
            "node_id": self.node_id,
            "scheme": self.scheme,
            "endpoint": self.endpoint,
            "signing_keys": self.signing_keys.to_dict(),
            "hpke": {
                Suite.DEFAULT.value: b64e(self.hpke_public_key),
                Suite.CNSA2.value: b64e(self.hpke_cnsa_public_key),
            },
            "tls": {"certificate": self.tls_certificate_pem, "fingerprint": self.tls_fingerprint},
            "created": self.created,
        }

    def to_dict(self) -> dict[str, object]:
        """The card as JSON-ready data, signature included."""
        return {**self.body(), "signature": self.signature.to_dict()}

    def to_json(self) -> str:
        """The card file's text."""
        return canonical_json(self.to_dict()).decode("utf-8")

    def hpke_public(self, suite: Suite) -> bytes:
        """The HPKE public key to seal envelopes to under ``suite``."""
        return self.hpke_cnsa_public_key if suite is Suite.CNSA2 else self.hpke_public_key

    @property
    def fingerprint(self) -> str:
        """The signing-key fingerprint an officer reads out when pinning."""
        return self.signing_keys.fingerprint()

    def signed_with(self, keys: SigningKeys) -> IdentityCard:
        """This card, made with an unsigned placeholder, self-signed with ``keys``.

        Raises:
            InvalidInput: the card's signing keys are not ``keys``, or its TLS fingerprint is not
                its certificate's.
        """
        if self.signing_keys.fingerprint() != keys.public().fingerprint():
            raise InvalidInput("identity card: its signing keys must be the keys that sign it")
        if certificate_fingerprint(self.tls_certificate_pem.encode("ascii")) != self.tls_fingerprint:
            raise InvalidInput("identity card: TLS certificate does not match its fingerprint")
        return replace(self, signature=keys.sign("identity", canonical_json(self.body())))

    @classmethod
    def parse(cls, text: str | bytes) -> IdentityCard:
        """Parse a card and verify its self-signature and certificate fingerprint.

        Raises:
            InvalidInput: the card is malformed.
            VerificationFailed: the self-signature or the fingerprint does not match.
        """
        data = loads_object(text, "identity card")
        try:
            card = cls._from_dict(data)
        except (KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput(f"identity card is missing or mistypes a field: {exc}") from exc
        try:
            card.signing_keys.verify("identity", canonical_json(card.body()), card.signature)
        except VerificationFailed as exc:
            raise VerificationFailed(f"identity card of {card.node_id}: {exc}") from exc
        actual = certificate_fingerprint(card.tls_certificate_pem.encode("ascii"))
        if actual != card.tls_fingerprint:
            raise VerificationFailed("identity card: TLS certificate does not match its fingerprint")
        return card

    @classmethod
    def _from_dict(cls, data: Mapping[str, object]) -> IdentityCard:
        expected = {
            "format",
            "party",
            "node_id",
            "scheme",
            "endpoint",
            "signing_keys",
            "hpke",
            "tls",
            "created",
            "signature",
        }
        if set(data) != expected:
            raise InvalidInput(f"identity card fields must be {sorted(expected)}")
        if data["format"] != CARD_FORMAT:
            raise InvalidInput(f"identity card format must be {CARD_FORMAT!r}")
        hpke, tls, keys, sig = data["hpke"], data["tls"], data["signing_keys"], data["signature"]
        if not (isinstance(hpke, dict) and isinstance(tls, dict) and isinstance(keys, dict)):
            raise InvalidInput("identity card: hpke, tls and signing_keys must be objects")
        if not isinstance(sig, dict):
            raise InvalidInput("identity card: signature must be an object")
        suites = {suite.value for suite in Suite}
        if set(hpke) != suites or not all(isinstance(v, str) for v in hpke.values()):
            raise InvalidInput(f"identity card: hpke must give a public key for each of {sorted(suites)}")
        strings = {k: data[k] for k in ("party", "node_id", "scheme", "endpoint", "created")}
        if not all(isinstance(v, str) for v in strings.values()):
            raise InvalidInput("identity card: party, node_id, scheme, endpoint, created must be text")
        if not is_party_code(str(strings["party"])):
            raise InvalidInput(f"identity card: {strings['party']!r} is not a party code")
        return cls(
            party=str(strings["party"]),
            node_id=str(strings["node_id"]),
            scheme=str(strings["scheme"]),
            endpoint=str(strings["endpoint"]),
            signing_keys=VerifyKeys.from_dict(keys),
            hpke_public_key=b64d(str(hpke[Suite.DEFAULT.value])),
            hpke_cnsa_public_key=b64d(str(hpke[Suite.CNSA2.value])),
            tls_certificate_pem=str(tls["certificate"]),
            tls_fingerprint=str(tls["fingerprint"]),
            created=str(strings["created"]),
            signature=DualSignature.from_dict(sig),
        )

"""Synthetic oversight reports for the pure tests: a Merkle tree in memory, fixed keys, no node.

:func:`build` makes the report a node of ``party`` would make of a period in which it sent
(or received) one item per entry of ``spec`` (month -> the precedences of its items), with
other events between them in the ledger; the checkpoint is signed by the reporter's keys
and countersigned by its partner's. :func:`card` makes the public identity card of either.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from accord.crypto import SigningKeys, generate_tls_identity
from accord.exchange import CHECKPOINT_PURPOSE, UNSIGNED, Countersignature, IdentityCard, SignedCheckpoint
from accord.ledger import Checkpoint, MemoryHashStore, MerkleTree, leaf_hash
from accord.oversight import Figure, LeafCommitment, MonthFigures, OversightReport, months_of

FIRST = date(2026, 1, 1)
LAST = date(2026, 3, 31)
AGREEMENT = "JPN-KOR-GSOMIA-2016"
LEVEL = "秘 = 군사Ⅲ급비밀"
NODES = {"JPN": "jpn-mod", "KOR": "kor-mnd"}
PARTNER = {"JPN": "KOR", "KOR": "JPN"}
MADE = "2026-04-02T09:00:00Z"


@functools.cache
def keys(party: str) -> SigningKeys:
    """The fixed signing keys of ``party``'s node."""
    seed = bytes([1 if party == "JPN" else 2]) * 32
    return SigningKeys.from_seeds(seed, seed)


@functools.cache
def card(party: str, *, claimed: str | None = None) -> str:
    """The self-signed identity card of ``party``'s node (claiming party ``claimed``, if given)."""
    node_id = NODES[party]
    tls = generate_tls_identity(node_id, now=datetime(2026, 1, 1, tzinfo=UTC))
    made = IdentityCard(
        party=claimed or party,
        node_id=node_id,
        scheme=claimed or party,
        endpoint="https://127.0.0.1:8443",
        signing_keys=keys(party).public(),
        hpke_public_key=bytes(32),
        hpke_cnsa_public_key=bytes(32),
        tls_certificate_pem=tls.cert_pem.decode("ascii"),
        tls_fingerprint=tls.fingerprint,
        created="2026-01-01T00:00:00Z",
        signature=UNSIGNED,
    )
    return made.signed_with(keys(party)).to_json()


def cards() -> list[str]:
    """Both parties' cards."""
    return [card("JPN"), card("KOR")]


@dataclass(frozen=True)
class Ledger:
    """A node's ledger in memory: the tree and each leaf's data."""

    tree: MerkleTree
    data: list[bytes]

    def add(self, data: bytes) -> int:
        self.data.append(data)
        return self.tree.append(data)


def build(
    spec: Mapping[str, Sequence[str]],
    *,
    party: str = "JPN",
    family: str = "sent",
    checkpoint_time: str = "2026-04-01T00:00:05Z",
) -> OversightReport:
    """The report ``party``'s node makes when each month of ``spec`` saw one item per precedence listed."""
    ledger = Ledger(MerkleTree(MemoryHashStore()), [])
    partner = PARTNER[party]
    base = f"{family}|{partner}"
    months: list[MonthFigures] = []
    for month in months_of(FIRST, LAST):
        counted: dict[str, list[int]] = {base: []}
        for n, precedence in enumerate(spec.get(month, ())):
            ledger.add(f"{party} other event {month} {n}".encode())
            leaf = ledger.add(f"{party} {family} {month} {n} {precedence}".encode())
            for name in (
                base,
                f"{base}|precedence|{precedence}",
                f"{base}|kind|report",
                f"{base}|level|{LEVEL}",
            ):
                counted.setdefault(name, []).append(leaf)
        figures = tuple(Figure(name, len(leaves), tuple(leaves)) for name, leaves in counted.items())
        months.append(MonthFigures(month, figures))
    ledger.add(f"{party} ledger.publish".encode())
    size = ledger.tree.size()
    checkpoint = Checkpoint(NODES[party], size, ledger.tree.root(size), checkpoint_time)
    signed = SignedCheckpoint(checkpoint, keys(party).sign(CHECKPOINT_PURPOSE, checkpoint.statement()))
    counter = Countersignature.make(
        keys(partner), witness=NODES[partner], checkpoint=checkpoint, signed_at=checkpoint_time
    )
    indices = sorted({leaf for month in months for figure in month.figures for leaf in figure.leaves})
    leaves = tuple(
        LeafCommitment(i, leaf_hash(ledger.data[i]), tuple(ledger.tree.inclusion_proof(i, size)))
        for i in indices
    )
    return OversightReport(
        agreement=AGREEMENT,
        party=party,
        node=NODES[party],
        first_day=FIRST.isoformat(),
        last_day=LAST.isoformat(),
        made_at=MADE,
        lang="en",
        levels=(LEVEL,),
        checkpoint=signed,
        countersignatures=(counter,),
        months=tuple(months),
        leaves=leaves,
    ).signed_with(keys(party))

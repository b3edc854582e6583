"""Verifying the ledger: recompute everything from the journal and report the first difference.

:func:`verify_ledger` reads, in chunks of 65,536 leaves, the journal rows by leaf number,
the stored tree nodes and the checkpoints, and

1. recomputes each leaf hash from its row (:func:`~accord.store.leaf_data`, RFC 9162
   §2.1.1) and compares it with the stored leaf hash;
2. rebuilds every perfect subtree from the recomputed leaves and compares it with the
   stored node;
3. checks every checkpoint: well formed, of this node, its dual signature, and its root
   against the root recomputed from the journal at its size.

Each difference is a :class:`~accord.node.audit._verify_report.Finding` at the first leaf
index it concerns, of one kind:

* ``altered`` — a row's content differs from the leaf sealed for it; or, when the rows and
  nodes were rewritten together so that they agree, a signed root no longer matches: then
  the finding is at the start of the span between the last matching checkpoint and it;
* ``deleted`` — a leaf number no row holds (a sealed row was removed), or the rows after a
  removed one were renumbered to close the gap;
* ``inserted`` — two rows hold one leaf; a leaf no signed checkpoint covers; rows
  renumbered to make room for a new one; on SQLite, a row that is out of ``seq`` order
  (SQLite gives ``seq`` in commit order and rows are sealed in that order, so a row sealed
  after a later ``seq``, or still unsealed below a sealed one, was added afterwards);
* ``reordered`` — rows that exchanged leaf numbers (each holds the hash sealed for another);
* ``node`` — a stored tree node altered or missing while the journal still gives the
  signed roots;
* ``checkpoint`` — a checkpoint that is malformed, of another node, or whose signature does
  not verify; reported at the first leaf it added (the previous checkpoint's size).

What this cannot see alone: rows deleted from the end of the journal together with their
nodes and checkpoints, or rows added before any seal. Partners keep the checkpoints they
were given, which catches the first (a consistency proof from an old checkpoint fails).
"""

from __future__ import annotations

import bisect
import hashlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.canonical import loads_object
from accord.crypto import DualSignature, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import CHECKPOINT_PURPOSE
from accord.ledger import Checkpoint, leaf_hash, node_hash
from accord.node.audit._verify_report import KINDS, Finding, VerifyReport
from accord.store import JournalRow, LedgerCheckpointRow, LedgerNodeRow, SealedRow, SqlHashStore, sealed_rows

__all__ = ["verify_ledger"]

_CHUNK = 1 << 16
_MAX_FINDINGS = 1_000
_MAX_MISMATCHES = 100_000
_MISSING = hashlib.sha256(b"accord: no leaf here").digest()


@dataclass
class _Mismatch:
    recomputed: bytes
    stored: bytes
    seq: int


@dataclass
class _State:
    """What the pass over the leaves accumulates."""

    findings: list[Finding] = field(default_factory=list)
    count: int = 0
    # Leaf ranges with a leaf-level finding, disjoint and ascending: [starts[i], ends[i]). The
    # tree nodes and signed roots over them differ as a consequence, not as findings of their own.
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    # A range held by nothing was skipped: the rebuild's right edge no longer stands for the
    # leaves before it, so signed roots are not compared after it.
    skipped: bool = False
    mismatches: dict[int, _Mismatch] = field(default_factory=dict)
    frontier: list[bytes] = field(default_factory=list)
    sizes: array[int] = field(default_factory=lambda: array("q"))  # verified checkpoints
    root_ok: bytearray = field(default_factory=bytearray)
    rewritten: list[tuple[int, int]] = field(default_factory=list)
    consequences: list[int] = field(default_factory=list)
    previous_size: int = 0
    checkpoints: int = 0
    last_intact_seq: int | None = None
    strict_order: bool = False

    def add(self, index: int, kind: str, message: str, *, leaf: bool = False) -> None:
        self.count += 1
        self.findings.append(Finding(index, kind, message))
        if len(self.findings) > 2 * _MAX_FINDINGS:
            self.findings = _ordered(self.findings)[:_MAX_FINDINGS]
        if leaf:
            self.problem(index)

    def problem(self, start: int, end: int | None = None) -> None:
        """Mark leaves [start, end) (one leaf by default); called in ascending order of ``start``."""
        end = start + 1 if end is None else end
        if self.starts and start <= self.ends[-1]:
            self.ends[-1] = max(self.ends[-1], end)
        else:
            self.starts.append(start)
            self.ends.append(end)

    def problem_in(self, lo: int, hi: int) -> bool:
        at = bisect.bisect_left(self.starts, hi) - 1
        return at >= 0 and self.ends[at] > lo


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    # Stable: at one index and kind, the finding made first (the more specific) stays first.
    return sorted(findings, key=lambda f: (f.index, KINDS.index(f.kind)))


def _root(frontier: Sequence[bytes], size: int) -> bytes:
    """MTH of the first ``size`` leaves from the right-edge subtrees (RFC 9162 §2.1.1)."""
    parts = [frontier[level] for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
    root = parts.pop()
    while parts:
        root = node_hash(parts.pop(), root)
    return root


def verify_ledger(
    session: Session,
    *,
    keys: VerifyKeys,
    origin: str,
    strict_order: bool,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Recompute the ledger from the journal in ``session``'s snapshot (see the module docstring).

    ``strict_order``: the backend gives ``seq`` in commit order (SQLite), so ``seq`` order
    among sealed and unsealed rows is checked too.
    """
    store = SqlHashStore(session)
    stored_size = store.size()
    signed_size = int(session.execute(select(func.max(LedgerCheckpointRow.size))).scalar() or 0)
    highest, lowest = session.execute(select(func.max(JournalRow.leaf), func.min(JournalRow.leaf))).one()
    total = max(stored_size, signed_size, 0 if highest is None else int(highest) + 1)
    state = _State(strict_order=strict_order)
    ledger = _Ledger(store, stored_size, signed_size, keys, origin)
    if lowest is not None and lowest < 0:
        state.add(0, "inserted", f"a journal row holds the negative leaf number {lowest}", leaf=True)
    lo = 0
    while lo < total:
        hi = min(lo + _CHUNK, total)
        if not _held(session, lo, hi):
            lo = _skip(session, state, lo, _next_held(session, hi, total), signed_size)
            continue
        hi = _chunk(session, ledger, state, lo, hi)
        if progress is not None:
            progress(hi, total)
        lo = hi
    unsealed = int(session.execute(select(func.count()).where(JournalRow.leaf.is_(None))).scalar() or 0)
    if strict_order and unsealed:
        _unsealed_below(session, state)
    _stray_nodes(session, state, stored_size)
    _classify(state)
    _rewritten(state)
    findings = _ordered(state.findings)[:_MAX_FINDINGS]
    return VerifyReport(
        total, state.checkpoints, unsealed, tuple(findings), state.count, tuple(state.consequences)
    )


def _held(session: Session, lo: int, hi: int) -> bool:
    """Whether a journal row, a stored leaf hash or a checkpoint falls in the leaves [lo, hi)."""
    queries = (
        select(JournalRow.seq).where(JournalRow.leaf >= lo, JournalRow.leaf < hi),
        select(LedgerNodeRow.idx).where(
            LedgerNodeRow.level == 0, LedgerNodeRow.idx >= lo, LedgerNodeRow.idx < hi
        ),
        select(LedgerCheckpointRow.size).where(LedgerCheckpointRow.size > lo, LedgerCheckpointRow.size <= hi),
    )
    # The first chunk is always read: it also holds a checkpoint of size 0, if any.
    return lo == 0 or any(session.execute(query.limit(1)).first() is not None for query in queries)


def _next_held(session: Session, start: int, total: int) -> int:
    """The first leaf index from ``start`` on that something holds (a checkpoint of size s: s - 1)."""
    found = [
        session.execute(select(func.min(JournalRow.leaf)).where(JournalRow.leaf >= start)).scalar(),
        session.execute(
            select(func.min(LedgerNodeRow.idx)).where(LedgerNodeRow.level == 0, LedgerNodeRow.idx >= start)
        ).scalar(),
    ]
    size = session.execute(
        select(func.min(LedgerCheckpointRow.size)).where(LedgerCheckpointRow.size > start)
    ).scalar()
    found.append(None if size is None else size - 1)
    return min([int(f) for f in found if f is not None] + [total])


def _skip(session: Session, state: _State, lo: int, resume: int, signed_size: int) -> int:
    """Report the leaves [lo, resume) that nothing holds once; return ``resume``."""
    # Nothing holds these leaves (or a forged number lies far beyond the rest): report the
    # whole range once and go on where something is, rather than leaf by leaf.
    # Only signed leaves can have been deleted; a gap beyond them ends at something added
    # there (a stray row or tree node), which is reported where it is.
    if lo < signed_size:
        last = min(resume, signed_size) - 1
        state.add(lo, "deleted", f"leaves {lo}–{last}: no journal row and no ledger node hold them")
    state.problem(lo, resume)
    state.skipped = True
    return resume


@dataclass(frozen=True)
class _Ledger:
    """The ledger under verification: its stored tree, its sizes, and whose checkpoints it holds."""

    store: SqlHashStore
    stored_size: int
    signed_size: int
    keys: VerifyKeys
    origin: str


def _chunk(session: Session, ledger: _Ledger, state: _State, lo: int, hi: int) -> int:
    """Check leaves from ``lo`` up to ``hi`` at most; return where it stopped."""
    rows = sealed_rows(session, lo, hi)
    stored = ledger.store.level_range(0, lo, hi)
    checkpoints = _checkpoint_rows(session, lo, hi)
    # Read leaf by leaf only as far as something holds; a stretch held by nothing is skipped
    # as a whole by the caller.
    hi = max([lo + 1, *(r.leaf + 1 for r in rows[-1:]), *(i + 1 for i in stored), *checkpoints])
    if lo == 0 and 0 in checkpoints:
        _checkpoint(state, checkpoints[0], keys=ledger.keys, origin=ledger.origin)
    built: dict[int, dict[int, bytes]] = {}
    position = 0
    frontier = state.frontier
    for index in range(lo, hi):
        here: list[SealedRow] = []
        while position < len(rows) and rows[position].leaf == index:
            here.append(rows[position])
            position += 1
        digest = _leaf(state, index, here, stored.get(index), ledger.signed_size)
        # Rebuild: the completed perfect subtrees above this leaf (RFC 9162 §2.1.1).
        level, node, at = 0, digest, index
        while at & 1:
            node = node_hash(frontier[level], node)
            level += 1
            at >>= 1
            built.setdefault(level, {})[at] = node
        if level == len(frontier):
            frontier.append(node)
        else:
            frontier[level] = node
        if index + 1 in checkpoints:
            _checkpoint(state, checkpoints[index + 1], keys=ledger.keys, origin=ledger.origin)
    _compare_nodes(ledger.store, state, built, ledger.stored_size)
    return hi


def _compare_nodes(
    store: SqlHashStore, state: _State, built: dict[int, dict[int, bytes]], stored_size: int
) -> None:
    """Compare the inner nodes a chunk rebuilt, by ``built[level][index]``, with the stored ones."""
    for level, nodes in sorted(built.items()):
        first, last = min(nodes), max(nodes)
        held = store.level_range(level, first, last + 1)
        for at, node in nodes.items():
            start, end = at << level, (at + 1) << level
            if end > stored_size or state.problem_in(start, end):
                continue  # beyond the stored tree, or a consequence of a leaf-level finding
            found = held.get(at)
            if found is None:
                state.add(
                    start, "node", f"ledger node ({level}, {at}) over leaves {start}–{end - 1} is missing"
                )
            elif found != node:
                state.add(
                    start,
                    "node",
                    f"ledger node ({level}, {at}) over leaves {start}–{end - 1} was altered: "
                    "the journal rows under it are intact",
                )


def _leaf(state: _State, index: int, here: list[SealedRow], stored: bytes | None, signed_size: int) -> bytes:
    """Check one leaf index; return the hash the rebuild continues with."""
    if not here:
        if index >= signed_size:
            if stored is not None:
                state.add(
                    index,
                    "node",
                    f"ledger node (0, {index}) lies beyond the last signed checkpoint ({signed_size} "
                    "leaves) and no journal row holds it: a tree node was added",
                    leaf=True,
                )
            # Beyond the ledger and held by no row: never a leaf, and no tree node over it is due.
            state.problem(index)
            return _MISSING
        state.add(index, "deleted", "no journal row holds this leaf: a sealed row was deleted", leaf=True)
        return stored if stored is not None else _MISSING
    hashes = [leaf_hash(row.data) for row in here]
    pick = hashes.index(stored) if stored in hashes else 0
    row, digest = here[pick], hashes[pick]
    if len(here) > 1:
        seqs = ", ".join(str(r.seq) for r in here)
        state.add(index, "inserted", f"{len(here)} journal rows hold this leaf (seq {seqs})", leaf=True)
    if stored is None:
        if index >= signed_size:
            state.add(
                index,
                "inserted",
                f"journal seq {row.seq} claims this leaf, which the ledger does not hold and no signed "
                "checkpoint covers",
                leaf=True,
            )
        else:
            state.add(index, "node", f"ledger node (0, {index}) is missing", leaf=True)
        return digest
    if digest != stored:
        if len(state.mismatches) < _MAX_MISMATCHES:
            state.mismatches[index] = _Mismatch(digest, stored, row.seq)
        else:
            state.add(index, "altered", f"journal row seq {row.seq} differs from the leaf sealed for it")
        state.problem(index)
        return digest
    if index >= signed_size:
        state.add(
            index,
            "inserted",
            f"journal seq {row.seq} claims this leaf, beyond the last signed checkpoint "
            f"({signed_size} leaves)",
            leaf=True,
        )
    elif state.strict_order and state.last_intact_seq is not None and row.seq <= state.last_intact_seq:
        state.add(
            index,
            "inserted",
            f"journal seq {row.seq} was sealed after seq {state.last_intact_seq}: "
            "the row was added to the journal out of order",
            leaf=True,
        )
    state.last_intact_seq = row.seq if state.last_intact_seq is None else max(row.seq, state.last_intact_seq)
    return digest


def _checkpoint_rows(session: Session, lo: int, hi: int) -> dict[int, LedgerCheckpointRow]:
    """The checkpoints whose size is in ``(lo, hi]`` (``[0, hi]`` for the first chunk), by size."""
    low = LedgerCheckpointRow.size > lo if lo else LedgerCheckpointRow.size >= 0
    rows = session.scalars(select(LedgerCheckpointRow).where(low, LedgerCheckpointRow.size <= hi))
    return {row.size: row for row in rows}


def _checkpoint(state: _State, row: LedgerCheckpointRow, *, keys: VerifyKeys, origin: str) -> None:
    """Check one checkpoint, when the rebuild has reached its size."""
    state.checkpoints += 1
    first, state.previous_size = state.previous_size, row.size
    where = f"the checkpoint of {row.size} leaves"
    try:
        checkpoint = Checkpoint(row.origin, row.size, bytes.fromhex(row.root), row.time)
        signature = DualSignature.from_dict(loads_object(row.signature_json, "a checkpoint signature"))
    except (InvalidInput, ValueError, TypeError) as exc:
        state.add(first, "checkpoint", f"{where} is malformed: {exc}")
        return
    if checkpoint.origin != origin:
        state.add(first, "checkpoint", f"{where} names the node {checkpoint.origin!r}, not {origin!r}")
        return
    try:
        keys.verify(CHECKPOINT_PURPOSE, checkpoint.statement(), signature)
    except VerificationFailed:
        state.add(first, "checkpoint", f"{where}: its signature does not verify with this node's keys")
        return
    if state.skipped:
        return  # the rebuild skipped a range: its roots say nothing past it
    matches = row.size == 0 or checkpoint.root == _root(state.frontier, row.size)
    state.sizes.append(row.size)
    state.root_ok.append(matches)
    if not matches:
        state.rewritten.append((first, row.size))


def _unsealed_below(session: Session, state: _State) -> None:
    lowest = session.execute(select(func.min(JournalRow.seq)).where(JournalRow.leaf.is_(None))).scalar()
    sealed = session.execute(select(func.max(JournalRow.seq)).where(JournalRow.leaf.is_not(None))).scalar()
    if lowest is None or sealed is None or lowest > sealed:
        return
    index = int(
        session.execute(
            select(func.count()).where(JournalRow.leaf.is_not(None), JournalRow.seq < lowest)
        ).scalar()
        or 0
    )
    state.add(
        index,
        "inserted",
        f"journal row seq {lowest} is not sealed although seq {sealed} is: rows commit and are sealed "
        "in seq order, so it was added afterwards",
    )


def _classify(state: _State) -> None:
    """Name each leaf whose row hashes otherwise than its sealed leaf."""
    mismatches = state.mismatches
    by_stored = {m.stored: index for index, m in mismatches.items()}
    for index, m in mismatches.items():
        covering = bisect.bisect_right(state.sizes, index)
        nxt = mismatches.get(index + 1)
        other = by_stored.get(m.recomputed)
        if covering < len(state.sizes) and state.root_ok[covering]:
            state.add(
                index,
                "node",
                f"ledger node (0, {index}) was altered: journal row seq {m.seq} still gives the signed root "
                f"of {state.sizes[covering]} leaves",
            )
        elif other is not None and other != index and mismatches[other].recomputed == m.stored:
            state.add(
                index,
                "reordered",
                f"leaves {index} and {other} were swapped (journal seq {m.seq} and {mismatches[other].seq})",
            )
        elif nxt is not None and m.recomputed == nxt.stored:
            state.add(
                index,
                "deleted",
                f"the row sealed as leaf {index} was deleted and the rows after it renumbered "
                f"(journal seq {m.seq} was sealed as leaf {index + 1})",
            )
        elif nxt is not None and nxt.recomputed == m.stored:
            state.add(
                index,
                "inserted",
                f"journal seq {m.seq} was put in here and the rows after it renumbered",
            )
        elif other is not None and other != index:
            state.add(index, "reordered", f"journal seq {m.seq} is the row sealed as leaf {other}")
        else:
            state.add(
                index,
                "altered",
                f"journal row seq {m.seq} was altered: it no longer hashes to the leaf sealed for it",
            )


def _stray_nodes(session: Session, state: _State, stored_size: int) -> None:
    """Inner tree nodes over leaves beyond the stored tree: no seal wrote them (leaves: :func:`_leaf`)."""
    levels = session.scalars(select(LedgerNodeRow.level).where(LedgerNodeRow.level > 0).distinct()).all()
    for level in sorted(levels):
        # Node (level, i) covers leaves [i·2^level, (i+1)·2^level): it exists once they all do.
        beyond = session.execute(
            select(func.min(LedgerNodeRow.idx)).where(
                LedgerNodeRow.level == level, LedgerNodeRow.idx >= stored_size >> level
            )
        ).scalar()
        if beyond is None:
            continue
        start = int(beyond) << level
        state.add(
            max(start, stored_size),
            "node",
            f"ledger node ({level}, {beyond}) over leaves {start}–{start + (1 << level) - 1} lies beyond the "
            f"tree of {stored_size} leaves: no seal wrote it, a tree node was added",
        )


def _rewritten(state: _State) -> None:
    """Signed roots the journal no longer gives, where no leaf-level finding explains it.

    A leaf-level finding below a checkpoint's span changes the root recomputed for it and for
    every later checkpoint: those are its consequences (:attr:`VerifyReport.consequences`),
    not findings of their own — one altered row is one finding, not one per later checkpoint.
    """
    for first, size in state.rewritten:
        if state.problem_in(0, first):
            state.consequences.append(size)
        elif not state.problem_in(first, size):
            state.add(
                first,
                "altered",
                f"leaves {first}–{size - 1} no longer give the signed root of {size} leaves: "
                "the journal and the ledger's nodes were rewritten to agree",
            )

"""Bringing nodes into one agreement, and the example agreements shipped with Accord (Art. 21).

:func:`federate` does, for nodes on one machine, what the parties' authorities do on theirs:
pin each other's identity cards (:func:`pin_each_other`), sign the agreement's text, import
it with every party's signature, and exchange the notes of entry into force (Art. 21,
:func:`bring_into_force`). ``accord demo`` builds its federation with these, and so do the
benchmarks and the tests; every step goes through the same services an officer's commands
use, so nothing is skipped.

:func:`example_agreement` reads one of the example agreement files shipped in
``accord.agreements`` (``docs/agreements.md`` lists them).
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from datetime import date

from accord.agreements import NoteKind
from accord.exchange import IdentityCard
from accord.node._node import Node
from accord.node.registry._agreement_notes import NoteDraft

__all__ = ["bring_into_force", "example_agreement", "federate", "pin_each_other"]


def example_agreement(name: str) -> str:
    """The text of a shipped example agreement (``src/accord/agreements/examples/NAME``).

    Raises:
        FileNotFoundError: no example of that name is shipped.
    """
    return (importlib.resources.files("accord.agreements") / "examples" / name).read_text(encoding="utf-8")


def federate(nodes: Sequence[Node], agreement_text: str, *, in_force_on: date) -> str:
    """Bring nodes of different parties into one agreement, as their authorities would.

    Every node pins every other's identity card (:func:`pin_each_other`), then the
    agreement enters into force among them (:func:`bring_into_force`). In real life each
    step is an officer's act on a separate machine.

    Returns:
        The agreement's id.

    Raises:
        AccordError: any step is refused (see the step's own errors).
    """
    pin_each_other(nodes)
    return bring_into_force(nodes, agreement_text, in_force_on=in_force_on)


def pin_each_other(nodes: Sequence[Node]) -> list[tuple[Node, IdentityCard]]:
    """Every node pins every other's identity card; each node with a card it pinned, in order.

    Raises:
        AccordError: a card is refused (see ``PartyService.add``).
    """
    pinned: list[tuple[Node, IdentityCard]] = []
    for here in nodes:
        for there in nodes:
            if here is not there:
                card, _ = here.parties.add(there.parties.own_card().to_json(), actor="authority")
                pinned.append((here, card))
    return pinned


def bring_into_force(nodes: Sequence[Node], agreement_text: str, *, in_force_on: date) -> str:
    """Every node signs the agreement's text and imports it with all the signatures; each gives
    its note of entry into force dated ``in_force_on``, which the others import (Art. 21).

    The nodes have pinned each other's cards (:func:`pin_each_other`).

    Returns:
        The agreement's id.

    Raises:
        AccordError: any step is refused (see the step's own errors).
    """
    signatures = [n.agreements.sign(agreement_text, actor="authority").to_json() for n in nodes]
    agreement_id = ""
    for n in nodes:
        agreement, _ = n.agreements.import_(agreement_text, signatures, actor="authority")
        agreement_id = agreement.id
    for n in nodes:
        note = n.agreements.issue_note(
            agreement_id,
            NoteDraft(
                NoteKind.ENTRY_INTO_FORCE,
                on=in_force_on,
                text="Internal procedures for entry into force are complete (Art. 21).",
            ),
            actor="authority",
        )
        for other in nodes:
            if other is not n:
                other.agreements.import_note(note.to_json(), actor="authority")
    return agreement_id

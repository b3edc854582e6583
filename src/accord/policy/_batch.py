"""Many decisions for one person, one action and one context: :class:`Decider`, :func:`decide_many`.

An inbox listing asks the same question about thousands of items, and the items carry
few distinct labels. :class:`Decider` answers each distinct question once with
:func:`~accord.policy.decide` and hands the same (immutable) :class:`Decision` to every
item that asks it again: per item, a look-up by marking object, else reading the item's
memo key and a look-up by content (``bench/policy.py`` measures both).

Invariants:
    * ``Decider(s, a, c).decide(r) == decide(s, a, r, c)`` for every resource, reasons,
      rule ids and obligations included (``tests/policy/test_policy_batch.py``);
    * what an item's decision depends on is exactly its *memo key*: the originator's
      label and the label in the reader's scheme (scheme, level, and every category's tag
      and values: Releasable To, Need To Know, the controls), the purpose of provision,
      the originating party, the holding party and the consents it arrived with (their terms). Not the item
      id, not a label's creation time, issuer or privacy mark, not the alternatives in
      other schemes. Two items equal on the key get the same decision from
      :func:`~accord.policy.decide`, because it reads nothing else;
    * pure like :func:`~accord.policy.decide`: the memo only remembers answers.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable

from accord.markings import Marking
from accord.policy._model import Action, ConsentTerms, Context, Decision, Resource, Subject
from accord.policy._rules import decide

__all__ = ["Decider", "decide_many"]

_ByMarking = dict[tuple[int, str, str, str, tuple[ConsentTerms, ...]], tuple[Marking, Decision]]

_category = operator.attrgetter("tag_name", "values")
"""A category's (tag, values), read in C: no Python frame per category, and tuples of
strings hash in C where a Category's dataclass hash would run Python code."""


class Decider:
    """Decides ``action`` by ``subject`` under ``context`` for many resources, each question once.

    Build one per listing (or per batch of requests that share subject, action and
    context) and drop it afterwards; it is not meant to be shared between threads.

    Two memos, both exact:

    * by content: the memo key of every item (module docstring) to its decision; a
      listing built from database rows, where every item has label objects of its own,
      is answered here after one decision per distinct question;
    * by marking object (its ``id``, with the purpose, both parties and the consents'
      terms): the marking
      object that brought each new question is remembered, so when items share parsed
      label objects the following ones are answered without reading their labels. The
      memo holds those markings (as many as there are distinct questions), so their
      ids cannot be given to other objects while remembered.

    Example::

        decider = Decider(subject, Action.READ, context)
        shown = [r for r, d in zip(items, decider.decide_many(items)) if d.permit]
    """

    __slots__ = ("_action", "_by_content", "_by_marking", "_context", "_reader", "_subject")

    def __init__(self, subject: Subject, action: Action, context: Context) -> None:
        """Prepare to decide ``action`` by ``subject`` under ``context``.

        Args:
            subject: Who asks.
            action: What they ask to do, the same for every resource.
            context: The time, agreement, status, target and consent, the same for every
                resource.
        """
        self._subject = subject
        self._action = action
        self._context = context
        self._reader = subject.clearance.scheme
        self._by_marking: _ByMarking = {}
        self._by_content: dict[tuple[object, ...], Decision] = {}

    @property
    def subject(self) -> Subject:
        """Who asks."""
        return self._subject

    @property
    def action(self) -> Action:
        """What they ask to do."""
        return self._action

    @property
    def context(self) -> Context:
        """The context of every decision."""
        return self._context

    def decide(self, resource: Resource) -> Decision:
        """Decides one resource: exactly ``decide(subject, action, resource, context)``.

        Args:
            resource: The item.

        Returns:
            The decision, the same object for resources that ask the same question.
        """
        return self.decide_many((resource,))[0]

    def decide_many(self, resources: Iterable[Resource]) -> list[Decision]:
        """Decides every resource, in order.

        Args:
            resources: The items.

        Returns:
            One decision per resource: ``[decide(subject, action, r, context) for r in
            resources]``, denial reasons included.
        """
        # One loop with everything inlined: this is the hot path of an inbox listing,
        # where a function call per item costs a tenth of the time.
        by_marking = self._by_marking
        by_content = self._by_content
        reader = self._reader
        out: list[Decision] = []
        append = out.append
        for resource in resources:
            marking = resource.marking
            purpose, origin, held = resource.purpose, resource.originator_party, resource.held_party
            consents = resource.consents
            key = (id(marking), purpose, origin, held, consents)
            hit = by_marking.get(key)
            if hit is not None:
                append(hit[1])
                continue
            # The memo key: all that decide() reads of the item (module docstring). The
            # originator's scheme tells the two forms apart; in the second, the first
            # element after the originator's (tag, values) pairs is not a pair: the level
            # of the label in the reader's scheme (as Marking.for_scheme finds it), or None.
            original = marking.originator
            policy = original.policy
            content: tuple[object, ...] = (
                purpose,
                origin,
                held,
                consents,
                policy,
                original.classification,
                *map(_category, original.categories),
            )
            if policy != reader:
                for own in marking.alternatives:
                    if own.policy == reader:
                        content = (*content, own.classification, *map(_category, own.categories))
                        break
                else:
                    content = (*content, None)
            decision = by_content.get(content)
            if decision is None:
                decision = by_content[content] = decide(self._subject, self._action, resource, self._context)
                # Remember the marking object that brought a new question: when items share
                # parsed labels, its next items are answered by id. Remembering every
                # marking would cost more than it saves when each item has its own
                # (memory and collector work for every row), and the memo stays as small
                # as the set of distinct questions. Holding the marking keeps its id from
                # being given to another object meanwhile.
                by_marking[key] = (marking, decision)
            append(decision)
        return out


def decide_many(
    subject: Subject, action: Action, resources: Iterable[Resource], context: Context
) -> list[Decision]:
    """Decides ``action`` by ``subject`` on every resource under one context.

    Args:
        subject: Who asks.
        action: What they ask to do.
        resources: The items, e.g. an inbox listing.
        context: The time, the agreement and its status, the target party and consent.

    Returns:
        ``[decide(subject, action, r, context) for r in resources]``, each distinct
        question decided once (see :class:`Decider`). Never raises for well-typed input.
    """
    return Decider(subject, action, context).decide_many(resources)

"""The policy decision point: who may do what with an item, and why (GSOMIA Arts. 4, 6, 7, 21).

A mechanism layer: pure, no I/O, no clock (the caller passes ``now``). It imports only
:mod:`accord.markings`, :mod:`accord.agreements` and :mod:`accord.errors`.
:func:`decide` returns a :class:`Decision` with the reasons of every failing rule; it
never raises, and only the enforcement point turns a denial into
:class:`~accord.errors.PolicyDenied`. See ``docs/policy.md`` for the rule and role tables.

* :mod:`._model` — :class:`Action`, :class:`Duty`, :class:`Subject`, :class:`Resource`,
  :class:`Context`, :class:`ConsentTerms`, :class:`Decision`;
* :mod:`._rules` — :data:`RULES`, :data:`ROLE_ACTIONS`, :data:`ROLE_DUTIES`,
  :data:`OBLIGATIONS`, :func:`decide` and :func:`decide_duty` (the node's own records:
  the journal, ledger alarms; decided by the role alone);
* :mod:`._scope` — :func:`may_mark` and :func:`may_travel` (of a :class:`Passage`): may a label be marked, or
  travel, under an agreement to a party now (Arts. 4, 6, 21) — the one answer that
  creation, sending, relaying and receiving all ask;
* :mod:`._batch` — :class:`Decider` and :func:`decide_many`: one subject, action and
  context, many items (an inbox listing), each distinct question decided once.
"""

from __future__ import annotations

from accord.policy._batch import Decider, decide_many
from accord.policy._model import Action, ConsentTerms, Context, Decision, Duty, Resource, Subject
from accord.policy._rules import OBLIGATIONS, ROLE_ACTIONS, ROLE_DUTIES, RULES, decide, decide_duty
from accord.policy._scope import SCOPE_RULES, Passage, may_mark, may_travel

__all__ = [
    "OBLIGATIONS",
    "ROLE_ACTIONS",
    "ROLE_DUTIES",
    "RULES",
    "SCOPE_RULES",
    "Action",
    "ConsentTerms",
    "Context",
    "Decider",
    "Decision",
    "Duty",
    "Passage",
    "Resource",
    "Subject",
    "decide",
    "decide_duty",
    "decide_many",
    "may_mark",
    "may_travel",
]

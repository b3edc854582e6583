"""The one exception tree of Accord.

Every error Accord raises on purpose derives from :class:`AccordError`. Foreign
exceptions (cryptography, SQLAlchemy, tomllib, XML parsers) are translated at the
boundary with ``raise ... from``. The CLI maps families to exit codes in one place
(``accord.cli``); the HTTP layer will map them to statuses in one place.

::

    AccordError
    ├── InvalidInput              malformed file, unknown scheme/level, bad field
    │   ├── LabelError            a confidentiality label that breaks STANAG 4774 rules
    │   ├── AgreementFormatError  an agreement TOML file that is malformed or inconsistent
    │   └── ItemError             an item whose kind, fields or attachments are wrong
    ├── VerificationFailed        a signature, binding or digest that does not verify
    ├── PolicyDenied              a request the rules refuse (with the reason)
    │   └── TranslationRefused    a level with no equivalent under an agreement
    ├── AgreementStateError       the agreement is not in a state that allows this
    ├── NotFound                  no such node, party, agreement, user or item
    ├── Conflict                  it already exists (a node home, a user, a party)
    ├── IntegrityError            the stored record was altered (journal, bindings)
    ├── StorageError              the database or blob store failed
    └── TransportError            a peer could not be reached or answered badly

A message quotes what it was given (an id, a name, a path), and that can be anything a
caller typed or sent: ``str()`` of every error clips a run without spaces longer than
:data:`MAX_QUOTED` characters to its start and end around an ellipsis, so a 100,000-character
id does not come back in full on the terminal, in an API body, a console page or the journal.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "MAX_QUOTED",
    "AccordError",
    "AgreementFormatError",
    "AgreementStateError",
    "Conflict",
    "IntegrityError",
    "InvalidInput",
    "ItemError",
    "LabelError",
    "NotFound",
    "PolicyDenied",
    "StorageError",
    "TranslationRefused",
    "TransportError",
    "VerificationFailed",
    "Withheld",
]


MAX_QUOTED: Final = 200
"""The longest run without spaces a message shows whole: longer than any id, digest or path
Accord makes (an item id is 36 characters, a SHA-384 digest 96)."""

_LONG_RUN = re.compile(rf"\S{{{MAX_QUOTED + 1},}}")


def _clipped(run: re.Match[str]) -> str:
    text = run.group()
    # The start says what it was, the end keeps a closing quote or a file's extension.
    return f"{text[:64]}…{text[-16:]}"


class AccordError(Exception):
    """Root of every error Accord raises on purpose.

    The message is one line an officer can read: it names the problem and, where a rule
    of an agreement is involved, the article. What it quotes is clipped (:data:`MAX_QUOTED`).
    """

    def __str__(self) -> str:
        """The message, any run without spaces longer than :data:`MAX_QUOTED` clipped with an ellipsis."""
        return _LONG_RUN.sub(_clipped, super().__str__())


class InvalidInput(AccordError):
    """Input that cannot be parsed or that breaks a format rule."""


class LabelError(InvalidInput):
    """A confidentiality label that is malformed or inconsistent (STANAG 4774)."""


class AgreementFormatError(InvalidInput):
    """An agreement file that is malformed or internally inconsistent."""


class ItemError(InvalidInput):
    """An item whose kind, typed fields, body or attachments are wrong."""


class VerificationFailed(AccordError):
    """A signature, binding or digest that does not verify."""


class PolicyDenied(AccordError):
    """A request refused by a rule; the message says which rule and why."""


class TranslationRefused(PolicyDenied):
    """A classification with no equivalent under an agreement (GSOMIA Art. 4)."""


class AgreementStateError(AccordError):
    """The agreement's lifecycle state does not allow the request (GSOMIA Art. 21)."""


class NotFound(AccordError):
    """No such node, party, agreement, note, user or item."""


class Withheld(NotFound):
    """The policy denies reading an item, so the person is told it does not exist.

    Answering "denied" would tell someone probing that the item exists (issue 4, bad
    input). The message is the not-found message; :attr:`reason` holds the decision point's
    reasons, which go to the journal only.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        """Carry the public ``message`` and the journalled ``reason``."""
        super().__init__(message)
        self.reason = reason


class Conflict(AccordError):
    """The thing already exists and will not be overwritten."""


class IntegrityError(AccordError):
    """A stored record no longer matches what was written (tampering or damage)."""


class StorageError(AccordError):
    """The database or the blob store failed."""


class TransportError(AccordError):
    """A peer could not be reached or answered in a way we cannot use."""

"""Security agreements: the model, the TOML loader and the Art. 21 lifecycle.

Pure domain code: no I/O and no clock. The caller passes the TOML text of an agreement
and the instant (an aware datetime) or calendar date it asks about; an instant is turned
into the parties' date in the agreement's time zone (``time_zone``, read from the IANA tz
database with :mod:`zoneinfo`). See ``docs/agreements.md`` for the file format.

* :func:`load_agreement` parses and checks an agreement file into an :class:`Agreement`,
  whose :meth:`Agreement.translate` applies the equivalence table (Japan–ROK GSOMIA Art. 4);
* :class:`Note` is a party's written notification; :func:`check_note` says whether it may
  follow the notes already recorded and :func:`status` replays them to a :class:`Status`
  on a date (Art. 21: entry into force, automatic renewal, termination notice, its
  suspension and withdrawal, amendment; protection surviving termination).
"""

from __future__ import annotations

from accord.agreements._lifecycle import State, Status, check_note, notice_rule, status
from accord.agreements._loader import agreement_digest, load_agreement
from accord.agreements._model import Agreement, EquivalenceRow, Party, RelayRule
from accord.agreements._notes import Note, NoteKind

__all__ = [
    "Agreement",
    "EquivalenceRow",
    "Note",
    "NoteKind",
    "Party",
    "RelayRule",
    "State",
    "Status",
    "agreement_digest",
    "check_note",
    "load_agreement",
    "notice_rule",
    "status",
]

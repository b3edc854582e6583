"""The lifecycle of an agreement: a state machine driven by notes and dates (Art. 21).

Japan–ROK GSOMIA Art. 21: the agreement enters into force on the date of the later of the
notifications that internal procedures are complete; it remains in force for one year and
is extended automatically every year unless a party notifies the other in writing, 90 days
in advance, of its intention to terminate; it is amended by mutual written consent; and
the protection of CMI exchanged continues after termination.

States: DRAFT → IN_FORCE ⇄ NOTICE_GIVEN → TERMINATED, with NOTICE_SUSPENDED for a notice
whose effect is suspended (ROK, 2019-11-22) until it is withdrawn (ROK, 2023-03-21).

Invariants this module keeps (pure: the caller passes the notes and the instant or date):

* every date is a calendar date in the agreement's time zone (``Agreement.time_zone``):
  an instant ``at`` is converted to the parties' date before any rule is applied, so a
  termination on 2019-11-23 takes effect at 00:00 in Seoul and Tokyo, not at 09:00;
* notes are applied in date order, and only those dated on or before ``at``;
* a term ends on an anniversary of entry into force (29 February → 28 February);
* a termination notice given on D ends the agreement at 00:00 on the first term end A with
  D <= A − notice period, so on A itself the agreement is already TERMINATED; a notice
  given after the deadline of the next term end is *late* and takes effect a term later,
  and the status says so;
* a suspended notice never takes effect; the agreement keeps renewing;
* withdrawing only the suspension reinstates the notice as if given on the withdrawal date;
* without automatic renewal the agreement ends at the end of its first term;
* after termination no new exchange is allowed, and protection continues when the
  agreement says so.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from accord.agreements._model import Agreement
from accord.agreements._notes import DIGEST, Note, NoteKind
from accord.errors import AgreementStateError

__all__ = ["State", "Status", "anniversary", "check_note", "notice_rule", "status"]


class State(enum.Enum):
    """Where an agreement stands on a given date (Art. 21)."""

    DRAFT = "draft"
    IN_FORCE = "in force"
    NOTICE_GIVEN = "notice given"
    NOTICE_SUSPENDED = "notice suspended"
    TERMINATED = "terminated"


_EXCHANGE_STATES = frozenset({State.IN_FORCE, State.NOTICE_GIVEN, State.NOTICE_SUSPENDED})


def anniversary(start: dt.date, years: int) -> dt.date:
    """``start`` plus ``years`` years; 29 February falls on 28 February in common years.

    Args:
        start: The first day (for example the date of entry into force).
        years: How many years later.

    Returns:
        The anniversary.
    """
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return dt.date(start.year + years, 2, 28)


def _term_end_after(agreement: Agreement, since: dt.date, after: dt.date) -> dt.date:
    """The first end of a term (an anniversary of ``since``) strictly after ``after``."""
    term = agreement.term_years
    k = max(1, (after.year - since.year) // term)
    end = anniversary(since, k * term)
    while end <= after:
        k += 1
        end = anniversary(since, k * term)
    return end


def _missed(agreement: Agreement, since: dt.date, given: dt.date, effect: dt.date) -> dt.date | None:
    """The term end a notice given on ``given`` was too late for, if it takes effect later."""
    if not agreement.automatic_renewal:
        return None
    first = _term_end_after(agreement, since, given)
    return first if effect > first else None


def _takes_effect(agreement: Agreement, since: dt.date, given: dt.date) -> dt.date:
    """When a termination notice given on ``given`` ends the agreement (Art. 21)."""
    if not agreement.automatic_renewal:
        # No renewal: the agreement ends with its first term whatever the notice says.
        return anniversary(since, agreement.term_years)
    # Art. 21: notice "90 days in advance": the term end A must satisfy given <= A - 90.
    slack = max(agreement.notice_period_days - 1, 0)
    return _term_end_after(agreement, since, given + dt.timedelta(days=slack))


@dataclass(frozen=True)
class Status:
    """The state of an agreement on a date, with the dates an officer needs.

    Attributes:
        state: The lifecycle state on ``at``.
        at: The date asked about.
        in_force_since: The date of entry into force (the later notification), if any.
        next_renewal: The next automatic extension (strictly after ``at``), if the
            agreement will renew then.
        notice_deadline: The last day a termination notice can be given to end the
            agreement at ``next_renewal``.
        terminates_on: When a pending notice (or the end of a non-renewing term) ends the
            agreement, or the date it ended.
        pending_notice: The termination notice that is pending, or that ended the agreement.
        suspended_notice: The termination notice whose effect is suspended.
        amendments: Digests of amendments every party has consented to by ``at``.
        protection_continues: Whether CMI held stays protected (always, when the agreement
            says protection survives termination).
        new_exchange_allowed: Whether new CMI may be provided (only while in force).
        time_zone: The agreement's time zone: every date above is a calendar date there.
        notice_rule: How the notice deadline is counted (Art. 21), in words.
        missed_term_end: For a pending notice given after the deadline of the term end
            that followed it, that term end (the notice takes effect a term later).
    """

    state: State
    at: dt.date
    in_force_since: dt.date | None
    next_renewal: dt.date | None
    notice_deadline: dt.date | None
    terminates_on: dt.date | None
    pending_notice: Note | None
    suspended_notice: Note | None
    amendments: tuple[str, ...]
    protection_continues: bool
    new_exchange_allowed: bool
    time_zone: str
    notice_rule: str
    missed_term_end: dt.date | None

    @property
    def day(self) -> str:
        """The date asked about and its zone, for an officer: ``2019-11-23 in Asia/Seoul``."""
        return f"{self.at.isoformat()} in {self.time_zone}"

    @property
    def late_notice_warning(self) -> str | None:
        """Why a pending notice ends the agreement a term later than the next term end, if so.

        Returns:
            A sentence for the officer, or None when no pending notice is late.
        """
        notice, missed = self.pending_notice, self.missed_term_end
        if self.state is not State.NOTICE_GIVEN or notice is None or missed is None:
            return None
        ends = self.terminates_on.isoformat() if self.terminates_on else "a term later"
        return (
            f"the termination notice by {notice.party} dated {notice.date.isoformat()} is after the "
            f"deadline for {missed.isoformat()}: the agreement renews then and terminates {ends} "
            f"({self.notice_rule})"
        )

    def summary(self) -> str:
        """One line for an officer, for example ``in force since 2016-11-23; ...``.

        Returns:
            The summary.
        """
        parts: list[str] = []
        if self.state is State.DRAFT:
            parts.append("draft: not in force until every party has notified entry into force (Art. 21)")
        elif self.in_force_since is not None:
            parts.append(f"in force since {self.in_force_since.isoformat()}")
        notice = self.pending_notice
        zone = self.time_zone
        if self.state is State.NOTICE_GIVEN and notice is not None and self.terminates_on is not None:
            late = (
                f", after the deadline for {self.missed_term_end.isoformat()}"
                if self.missed_term_end is not None
                else ""
            )
            parts.append(
                f"notice given by {notice.party} on {notice.date.isoformat()}{late}: "
                f"terminates {self.terminates_on.isoformat()} 00:00 {zone}"
            )
        if self.state is State.NOTICE_SUSPENDED and self.suspended_notice is not None:
            s = self.suspended_notice
            parts.append(f"notice given by {s.party} on {s.date.isoformat()} is suspended")
        if self.state in (State.IN_FORCE, State.NOTICE_SUSPENDED):
            if self.next_renewal is not None and self.notice_deadline is not None:
                parts.append(
                    f"renews {self.next_renewal.isoformat()} unless notice is given by "
                    f"{self.notice_deadline.isoformat()} ({self.notice_rule})"
                )
            elif self.terminates_on is not None:
                parts.append(f"ends {self.terminates_on.isoformat()} (no automatic renewal)")
        if self.state is State.TERMINATED and self.terminates_on is not None:
            ended = f"terminated on {self.terminates_on.isoformat()} 00:00 {zone}"
            if notice is not None:
                ended += f" (notice given by {notice.party} on {notice.date.isoformat()})"
            parts.append(ended + "; no new exchange")
        if self.amendments:
            parts.append(f"{len(self.amendments)} amendment(s) agreed")
        if self.state is not State.DRAFT:
            parts.append(
                "protection continues after termination (Art. 21)"
                if self.protection_continues
                else "protection ends with the agreement"
            )
        parts.append(f"dates are calendar days in {zone}")
        return "; ".join(parts)


@dataclass
class _Replay:
    """Mutable state while notes are replayed in order; never leaves this module."""

    agreement: Agreement
    seen: set[str] = field(default_factory=set)
    last: dt.date | None = None
    notified: dict[str, dt.date] = field(default_factory=dict)
    in_force_since: dt.date | None = None
    pending: Note | None = None
    terminates_on: dt.date | None = None
    missed: dt.date | None = None
    suspended: Note | None = None
    suspension: Note | None = None
    terminated_on: dt.date | None = None
    terminated_by: Note | None = None
    consents: dict[str, set[str]] = field(default_factory=dict)
    amendments: list[str] = field(default_factory=list)

    def advance(self, to: dt.date) -> None:
        """Let time pass up to 00:00 on ``to``: a due notice or a last term takes effect."""
        if self.in_force_since is None or self.terminated_on is not None:
            return
        if self.pending is not None and self.terminates_on is not None and self.terminates_on <= to:
            self.terminated_on, self.terminated_by = self.terminates_on, self.pending
            return
        if not self.agreement.automatic_renewal:
            end = anniversary(self.in_force_since, self.agreement.term_years)
            if end <= to:
                self.terminated_on = end

    def state(self) -> State:
        if self.terminated_on is not None:
            return State.TERMINATED
        if self.in_force_since is None:
            return State.DRAFT
        if self.pending is not None:
            return State.NOTICE_GIVEN
        if self.suspended is not None:
            return State.NOTICE_SUSPENDED
        return State.IN_FORCE

    def reject(self, note: Note, problem: str) -> AgreementStateError:
        return AgreementStateError(
            f"{note.kind.value} by {note.party} on {note.date.isoformat()} for {self.agreement.id}: {problem}"
        )

    def apply(self, note: Note) -> None:
        """Check that ``note`` may follow the notes applied so far, then apply it."""
        a = self.agreement
        if note.agreement_id != a.id:
            raise self.reject(note, f"the note is about agreement {note.agreement_id}")
        if note.party not in a.party_codes:
            raise self.reject(note, f"{note.party} is not a party to the agreement")
        if note.id in self.seen:
            raise self.reject(note, f"duplicate of note {note.id}")
        if self.last is not None and note.date < self.last:
            raise self.reject(note, f"dated before the last note ({self.last.isoformat()})")
        if note.date < a.signed_on:
            raise self.reject(note, f"dated before the signature ({a.signed_on.isoformat()})")
        if note.kind is not NoteKind.AMENDMENT and note.amendment_digest is not None:
            raise self.reject(note, "only an amendment carries an amendment digest")
        if note.kind not in (NoteKind.SUSPEND_NOTICE, NoteKind.WITHDRAW_NOTICE) and note.refers_to:
            raise self.reject(note, "only a suspension or a withdrawal refers to earlier notes")
        self.advance(note.date)
        if self.terminated_on is not None:
            raise self.reject(note, f"the agreement terminated on {self.terminated_on.isoformat()}")
        handler = {
            NoteKind.ENTRY_INTO_FORCE: self._entry_into_force,
            NoteKind.TERMINATION_NOTICE: self._termination,
            NoteKind.SUSPEND_NOTICE: self._suspend,
            NoteKind.WITHDRAW_NOTICE: self._withdraw,
            NoteKind.AMENDMENT: self._amendment,
        }[note.kind]
        handler(note)
        self.seen.add(note.id)
        self.last = note.date

    def _entry_into_force(self, note: Note) -> None:
        if note.party in self.notified:
            raise self.reject(
                note, f"{note.party} already notified entry into force on {self.notified[note.party]}"
            )
        self.notified[note.party] = note.date
        # Art. 21: in force on the date of the later of the notifications.
        if set(self.notified) == set(self.agreement.party_codes):
            self.in_force_since = note.date

    def _termination(self, note: Note) -> None:
        since = self.in_force_since
        if since is None:
            raise self.reject(note, "the agreement is not in force")
        if self.pending is not None:
            raise self.reject(
                note, f"a termination notice by {self.pending.party} ({self.pending.id}) is already pending"
            )
        self.pending = note
        self.terminates_on = _takes_effect(self.agreement, since, note.date)
        self.missed = _missed(self.agreement, since, note.date, self.terminates_on)

    def _suspend(self, note: Note) -> None:
        pending = self.pending
        if pending is None:
            raise self.reject(note, "there is no pending termination notice to suspend")
        if self.suspended is not None:
            raise self.reject(note, f"the notice {self.suspended.id} is already suspended")
        if note.refers_to != (pending.id,):
            raise self.reject(note, f"must refer to the pending termination notice {pending.id} only")
        if note.party != pending.party:
            raise self.reject(note, f"only {pending.party}, which gave the notice, can suspend it")
        self.suspended, self.suspension = pending, note
        self.pending = self.terminates_on = self.missed = None

    def _withdraw(self, note: Note) -> None:
        known = {n.id: n for n in (self.pending, self.suspended, self.suspension) if n is not None}
        if not known:
            raise self.reject(note, "there is no termination notice or suspension to withdraw")
        if not note.refers_to:
            raise self.reject(note, "must refer to the notice and/or suspension it withdraws")
        for ref in note.refers_to:
            if ref not in known:
                raise self.reject(note, f"{ref} is not a pending or suspended notice, nor a suspension")
            if known[ref].party != note.party:
                raise self.reject(note, f"only {known[ref].party} can withdraw its note {ref}")
        refs = set(note.refers_to)
        pending, suspended, suspension = self.pending, self.suspended, self.suspension
        drop_pending = pending is not None and pending.id in refs
        # Withdrawing a notice withdraws its suspension with it (ROK, 2023-03-21).
        drop_suspended = suspended is not None and suspended.id in refs
        drop_suspension = drop_suspended or (suspension is not None and suspension.id in refs)
        # Withdrawing only the suspension revives the notice, as if given on this date.
        revive = drop_suspension and not drop_suspended
        if revive and pending is not None and not drop_pending:
            raise self.reject(note, "cannot revive a suspended notice while another notice is pending")
        if drop_pending:
            self.pending = self.terminates_on = self.missed = None
        if drop_suspension:
            self.suspended = self.suspension = None
        if revive and suspended is not None and self.in_force_since is not None:
            self.pending = suspended
            self.terminates_on = _takes_effect(self.agreement, self.in_force_since, note.date)
            self.missed = _missed(self.agreement, self.in_force_since, note.date, self.terminates_on)

    def _amendment(self, note: Note) -> None:
        digest = note.amendment_digest
        if digest is None:
            raise self.reject(note, "an amendment must carry the digest of the amended text")
        if not DIGEST.fullmatch(digest):
            raise self.reject(note, "the amendment digest must be 96 lowercase hex digits (SHA-384)")
        if digest in self.amendments:
            raise self.reject(note, f"amendment {digest[:16]}… is already agreed by every party")
        consented = self.consents.setdefault(digest, set())
        if note.party in consented:
            raise self.reject(note, f"{note.party} already consented to amendment {digest[:16]}…")
        consented.add(note.party)
        # Art. 21: amended by mutual written consent, i.e. once every party has consented.
        if consented == set(self.agreement.party_codes):
            self.amendments.append(digest)


def _replay(agreement: Agreement, notes: Iterable[Note]) -> _Replay:
    replay = _Replay(agreement)
    for note in notes:
        replay.apply(note)
    return replay


def check_note(agreement: Agreement, notes: Sequence[Note], note: Note) -> None:
    """Check that ``note`` can follow ``notes`` under the agreement's Art. 21 lifecycle.

    Args:
        agreement: The agreement.
        notes: The notes already recorded, in the order they were recorded.
        note: The new note.

    Raises:
        AgreementStateError: If ``notes`` are themselves inconsistent, or the new note names
            another agreement or a non-party, repeats an earlier note, is dated before the
            last note or the signature, notifies entry into force twice for one party,
            gives notice when the agreement is not in force or a notice is pending,
            suspends or withdraws something that is not pending, refers to the wrong note,
            comes after termination, or is an amendment without a digest.
    """
    replay = _replay(agreement, notes)
    replay.apply(note)


def notice_rule(agreement: Agreement) -> str:
    """How the deadline for a termination notice is counted under ``agreement`` (Art. 21).

    Args:
        agreement: The agreement.

    Returns:
        The rule in words, naming the agreement's time zone.
    """
    if not agreement.automatic_renewal:
        return (
            f"no automatic renewal: the agreement ends at the end of its first term "
            f"(calendar days in {agreement.time_zone}, Art. 21)"
        )
    n = agreement.notice_period_days
    return (
        f"Art. 21: a notice given on day D ends the agreement at 00:00 on the first anniversary A "
        f"of entry into force with D ≤ A − {n} days, counted in calendar days in "
        f"{agreement.time_zone}; a later notice takes effect a term later"
    )


def status(agreement: Agreement, notes: Iterable[Note], at: dt.datetime | dt.date) -> Status:
    """The agreement's status at ``at``, from its notes (Art. 21).

    Args:
        agreement: The agreement.
        notes: Its notes, in any order; they are applied in date order (notes of the same
            date in the order given), and only those dated on or before the day asked about.
        at: The instant asked about (the caller's clock, an aware datetime), converted to
            the parties' calendar date in the agreement's time zone; or that calendar date
            itself.

    Returns:
        The status on the agreement's calendar date.

    Raises:
        AgreementStateError: If the notes do not form a valid history (see
            :func:`check_note`).
        InvalidInput: If ``at`` is a naive datetime.
    """
    if isinstance(at, dt.datetime):
        at = agreement.local_date(at)
    applied = sorted((n for n in notes if n.date <= at), key=lambda n: n.date)
    r = _replay(agreement, applied)
    r.advance(at)
    state = r.state()
    next_renewal: dt.date | None = None
    deadline: dt.date | None = None
    terminates_on: dt.date | None = None
    pending: Note | None = None
    suspended: Note | None = None
    since = r.in_force_since
    if state is State.TERMINATED:
        terminates_on, pending = r.terminated_on, r.terminated_by
    elif since is not None:
        pending, suspended = r.pending, r.suspended
        if agreement.automatic_renewal:
            next_renewal = _term_end_after(agreement, since, at)
            if r.terminates_on is not None and next_renewal >= r.terminates_on:
                next_renewal = None  # the pending notice ends the agreement first
            elif pending is None:
                deadline = next_renewal - dt.timedelta(days=agreement.notice_period_days)
        terminates_on = r.terminates_on or (
            None if agreement.automatic_renewal else anniversary(since, agreement.term_years)
        )
    return Status(
        state=state,
        at=at,
        in_force_since=since,
        next_renewal=next_renewal,
        notice_deadline=deadline,
        terminates_on=terminates_on,
        pending_notice=pending,
        suspended_notice=suspended,
        amendments=tuple(r.amendments),
        protection_continues=agreement.protection_survives_termination or state is not State.TERMINATED,
        new_exchange_allowed=state in _EXCHANGE_STATES,
        time_zone=agreement.time_zone,
        notice_rule=notice_rule(agreement),
        missed_term_end=r.missed if state is State.NOTICE_GIVEN else None,
    )

"""A routine send checks and seals without SQLite's write lock and takes it only to write (issue 14).

FLASH work waits for the write lock behind whatever routine transaction holds it; a routine send
used to hold it through all its release checks (~10 ms of CPU), now only through its writes.
What it read must still be what is current when it writes: if another writer got in between, the
send is done again holding the lock throughout (``Database.transaction(optimistic=True)``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select
from support_exchange_adversarial import FederationLike, outbox_rows, report

from accord.items import Direction, Precedence
from accord.store import Database, JournalRow, NewEvent, SequenceRepository, append_event

KOR = "kor-mnd"


def _optimistic_reads(args: tuple[Any, ...]) -> bool:
    """Whether an ``after_cursor_execute`` is a read of an optimistic transaction."""
    connection, _, statement = args[:3]
    optimistic = connection.get_execution_options().get("accord_optimistic", False)
    return optimistic and statement.lstrip().startswith("SELECT")


def _overtake(other: Database) -> None:
    """Commit a write to JPN's database from elsewhere, as a FLASH send's seal would."""
    with other.transaction() as session:
        SequenceRepository(session).advance(KOR, Direction.OUT)


def _send_reads(args: tuple[Any, ...]) -> bool:
    """Whether an ``after_cursor_execute`` is a read of a transaction that may write (not the
    send's look at the precedence, which reads in a snapshot of its own)."""
    connection, _, statement = args[:3]
    read_only = connection.get_execution_options().get("accord_read_only", False)
    return not read_only and statement.lstrip().startswith("SELECT")


@pytest.fixture
def other(federation: FederationLike) -> Iterator[Database]:
    """JPN's database through a pool of its own, as another process (a serving node) has it."""
    db = Database(federation.jpn.ctx.db.engine.url.render_as_string(hide_password=False))
    yield db
    db.dispose()


def _sends(federation: FederationLike) -> list[tuple[str, str]]:
    with federation.jpn.ctx.db.transaction(read_only=True) as session:
        rows = session.execute(
            select(JournalRow.action, JournalRow.outcome).where(JournalRow.action == "item.send")
        )
        return [(action, outcome) for action, outcome in rows]


def test_a_routine_send_reads_while_another_writer_holds_the_lock(
    federation: FederationLike, other: Database
) -> None:
    jpn = federation.jpn
    item = report(jpn)
    holding, read_meanwhile = threading.Event(), threading.Event()
    sender, saw = threading.get_ident(), []

    def on_statement(*args: Any) -> None:
        if holding.is_set() and threading.get_ident() == sender and _send_reads(args):
            read_meanwhile.set()

    def hold() -> None:
        with other.transaction() as session:
            append_event(session, NewEvent(at=jpn.ctx.now(), actor="routine", action="x", outcome="ok"))
            holding.set()
            # An ordinary transaction's BEGIN IMMEDIATE would wait for this one to end.
            saw.append(read_meanwhile.wait(5))

    event.listen(jpn.ctx.db.engine, "after_cursor_execute", on_statement)
    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        sent = jpn.sending.send(item, to="KOR", actor="sato")
    finally:
        holder.join()
        event.remove(jpn.ctx.db.engine, "after_cursor_execute", on_statement)
    assert saw == [True]  # the checks ran while the other writer held the lock
    assert [(r.message_id, r.seq) for r in outbox_rows(jpn)] == [(sent[0].message_id, 1)]
    assert _sends(federation) == [("item.send", "ok")]  # the contended try left no refusal


def test_a_routine_send_that_another_writer_overtook_uses_the_current_sequence(
    federation: FederationLike, other: Database
) -> None:
    jpn = federation.jpn
    first, second = report(jpn), report(jpn, Precedence.ROUTINE, title="second")
    jpn.sending.send(first, to="KOR", actor="sato")  # seq 1
    overtaken = threading.Event()

    def on_statement(*args: Any) -> None:
        if not overtaken.is_set() and _send_reads(args):
            overtaken.set()
            _overtake(other)  # commits after the send's first read

    event.listen(jpn.ctx.db.engine, "after_cursor_execute", on_statement)
    try:
        sent = jpn.sending.send(second, to="KOR", actor="sato")
    finally:
        event.remove(jpn.ctx.db.engine, "after_cursor_execute", on_statement)
    assert overtaken.is_set()
    assert sent[0].seq == 3  # not 2, which the stale read would have given again
    assert [r.seq for r in outbox_rows(jpn)] == [1, 3]
    assert _sends(federation) == [("item.send", "ok"), ("item.send", "ok")]


def test_a_routine_send_overtaken_at_every_try_without_the_lock_is_sent_holding_it(
    federation: FederationLike, other: Database
) -> None:
    jpn = federation.jpn
    item = report(jpn)
    tries: list[bool] = []  # True while a try has not read yet

    def on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("accord_optimistic", False):
            tries.append(True)

    def on_statement(*args: Any) -> None:
        if _optimistic_reads(args) and tries[-1]:
            tries[-1] = False  # its first read
            _overtake(other)

    event.listen(jpn.ctx.db.engine, "begin", on_begin)
    event.listen(jpn.ctx.db.engine, "after_cursor_execute", on_statement)
    try:
        sent = jpn.sending.send(item, to="KOR", actor="sato")
    finally:
        event.remove(jpn.ctx.db.engine, "after_cursor_execute", on_statement)
        event.remove(jpn.ctx.db.engine, "begin", on_begin)
    assert len(tries) >= 2  # tried more than once without the lock, then with it
    assert sent[0].seq == len(tries) + 1  # after every number taken meanwhile, none reused
    assert [r.seq for r in outbox_rows(jpn)] == [sent[0].seq]
    assert _sends(federation) == [("item.send", "ok")]

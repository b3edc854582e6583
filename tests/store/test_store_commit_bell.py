"""The commit bell: a FLASH commit in one process wakes the serving processes of the node at once.

Another process is played by a second :class:`Database` on the same SQLite file: it shares
nothing with the first but the file and the bell's folder, as ``accord send`` beside
``accord serve`` does. Nothing here waits for a poll: the waits are for the bell only, with
timeouts far beyond what a working bell needs (a failure is a missing ring, never a slow one).
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from accord.store import Database, sqlite_url
from accord.store._commit_bell import CommitBell

LONG = 30.0  # seconds: what a ring must beat (it takes well under a millisecond)


def _stale(folder: Path, name: str) -> Path:
    """A socket file whose process died (``kill -9``): bound once, no socket holds it now."""
    folder.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)  # a short address for any folder (Linux)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as dead:
            dead.bind(f"/proc/self/fd/{fd}/{name}")
    finally:
        os.close(fd)
    return folder / name


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    """Two databases on one SQLite file and one bell folder: the server's, and another process's."""
    url = sqlite_url(tmp_path / "node.db")
    serving, other = Database(url, bell=tmp_path / "run"), Database(url, bell=tmp_path / "run")
    with other.transaction() as session:
        session.execute(text("CREATE TABLE t (x INTEGER)"))
    yield serving, other
    other.dispose()
    serving.dispose()


def _commit(db: Database, *, flash: bool) -> None:
    with db.transaction() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        Database.queued(session, flash=flash)


def test_a_flash_commit_of_another_process_wakes_the_waiting_one(pair: tuple[Database, Database]) -> None:
    serving, other = pair
    rung = threading.Event()
    answer = serving.answer_bell(rung.set)
    assert answer is not None
    seen = serving.commits(rings=True)
    _commit(other, flash=True)
    assert serving.wait_for_commit(seen, LONG, rings=True) == seen + 1  # the FLASH lane's wait: woken
    assert rung.wait(LONG)
    assert serving.queued_commits() == 1  # the idle supervisor's wait ends too
    assert serving.commits() == seen  # the other lanes' waits do not: they see it at their poll


def test_only_flash_rings_and_a_process_does_not_ring_itself(tmp_path: Path) -> None:
    bell = CommitBell(tmp_path / "run")
    rings: list[int] = []
    answer = bell.answer(lambda: rings.append(1))
    try:
        assert bell.ring(besides=answer.name) == 0  # its own commits wake it in process
        assert bell.ring() == 1
    finally:
        answer.close()
        bell.close()
    url = sqlite_url(tmp_path / "node.db")
    serving, other = Database(url, bell=tmp_path / "run"), Database(url, bell=tmp_path / "run")
    try:
        with other.transaction() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
        rung = threading.Semaphore(0)
        assert serving.answer_bell(rung.release) is not None
        _commit(other, flash=False)  # a ROUTINE envelope: the poll sees it, no ring
        _commit(other, flash=True)
        assert rung.acquire(timeout=LONG)
        assert serving.queued_commits() == 1  # one ring: the FLASH commit's
        assert not rung.acquire(timeout=0.2)
    finally:
        other.dispose()
        serving.dispose()


def test_the_folder_and_socket_are_private_and_the_socket_goes_with_its_process(tmp_path: Path) -> None:
    bell = CommitBell(tmp_path / "run")
    answer = bell.answer(lambda: None)
    socket_file = tmp_path / "run" / answer.name
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o700
    assert stat.S_ISSOCK(socket_file.stat().st_mode)
    assert stat.S_IMODE(socket_file.stat().st_mode) == 0o600
    second = bell.answer(lambda: None)  # a second worker, or the restarted one: a name of its own
    assert second.name != answer.name
    answer.close()
    second.close()
    assert list((tmp_path / "run").iterdir()) == []


def test_stale_sockets_are_removed_and_never_fail_a_ring(
    pair: tuple[Database, Database], tmp_path: Path
) -> None:
    serving, other = pair
    folder = tmp_path / "run"
    dead = _stale(folder, "4242-deadbeef.sock")
    _commit(other, flash=True)  # nobody answers: the send goes on, the dead socket is removed
    assert not dead.exists()
    dead = _stale(folder, "4243-deadbeef.sock")
    rung = threading.Event()
    answer = serving.answer_bell(rung.set)
    assert answer is not None
    assert not dead.exists()  # swept when a process starts answering
    assert [p.name for p in folder.iterdir()] == [answer.name]
    answer.close()
    _commit(other, flash=True)  # the folder is empty now
    assert not rung.is_set()


def test_a_missing_folder_rings_nobody(tmp_path: Path) -> None:
    assert CommitBell(tmp_path / "nowhere").ring() == 0


def test_a_folder_deeper_than_a_socket_address_allows(tmp_path: Path) -> None:
    folder = tmp_path / ("d" * 60) / ("e" * 60) / "run"
    folder.parent.mkdir(parents=True)
    bell = CommitBell(folder)
    rung = threading.Event()
    answer = bell.answer(rung.set)
    try:
        assert len(str(folder / answer.name)) > 108  # beyond sun_path
        assert bell.ring() == 1
        assert rung.wait(LONG)
        _stale(folder, "4244-deadbeef.sock")
        assert bell.sweep() == 1
    finally:
        answer.close()
        bell.close()
    assert list(folder.iterdir()) == []


def test_a_ring_that_cannot_make_its_socket_does_not_fail_the_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rung after the commit: a sandbox without AF_UNIX (or no file descriptor left) must not
    turn a committed FLASH send into an error its sender would repeat."""
    folder = tmp_path / "run"
    _stale(folder, "1-dead.sock")

    def refused(*_: object, **__: object) -> socket.socket:
        raise OSError(97, "Address family not supported by protocol")

    monkeypatch.setattr("accord.store._commit_bell.socket.socket", refused)
    assert CommitBell(folder).ring() == 0


def test_a_home_named_in_hangul_is_measured_in_bytes() -> None:
    """sun_path counts bytes: 25 Hangul syllables are 75 of them (a short folder in characters,
    too long in bytes for a socket address unless reached through /proc/self/fd)."""
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        folder = base / ("국방부정보본부" * 4)[:25] / "run"
        folder.parent.mkdir()
        assert len(str(folder)) + 40 <= 108 < len(os.fsencode(folder)) + 21
        rung = threading.Event()
        answer, ringer = CommitBell(folder).answer(rung.set), CommitBell(folder)
        try:
            assert ringer.ring() == 1
            assert rung.wait(LONG)
        finally:
            ringer.close()
            answer.close()
    finally:
        shutil.rmtree(base)


def test_a_link_planted_as_the_folder_is_refused_and_foreign_files_are_left(tmp_path: Path) -> None:
    """The folder is not followed (a link is refused, its target never chmodded), and a file that
    only ends in .sock is neither rung nor removed as stale."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o755)
    (elsewhere / "notes.sock").write_text("not a socket")
    (tmp_path / "run").symlink_to(elsewhere)
    with pytest.raises(OSError, match="is not a folder of this user's"):
        CommitBell(tmp_path / "run").answer(lambda: None)
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o755
    folder = tmp_path / "run2"
    folder.mkdir(mode=0o700)
    (folder / "notes.sock").write_text("not a socket")
    bell = CommitBell(folder)
    try:
        assert bell.ring() == 0
        assert bell.sweep() == 0
    finally:
        bell.close()
    assert (folder / "notes.sock").read_text() == "not a socket"

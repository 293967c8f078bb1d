"""The unit of work on SQLite: it takes the write lock before its first statement, so a
writer waits its turn instead of failing on a lock upgrade, and a lock held past the
busy timeout is `Busy` (try again), never a conflict."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from engine.db import make_engine, make_sessionmaker, normalise_url
from engine.db.unit_of_work import in_transaction
from engine.errors import Busy
from engine.models import LoginAttempt
from tests.factories.database import START


@pytest.fixture
def sqlite_path(db: Engine, database_url: str) -> str:
    url = normalise_url(database_url)
    if not url.startswith("sqlite:///"):
        pytest.skip("the write lock taken up front is SQLite's")
    return url.removeprefix("sqlite:///")


@pytest.fixture
def other(sqlite_path: str) -> Iterator[sqlite3.Connection]:
    """Another process's connection to the same database file."""
    connection = sqlite3.connect(sqlite_path, isolation_level=None, timeout=0)
    yield connection
    if connection.in_transaction:
        connection.execute("ROLLBACK")
    connection.close()


def attempts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LoginAttempt)) or 0


def test_a_unit_of_work_holds_the_write_lock_before_it_writes_anything(
    session: Session, other: sqlite3.Connection
) -> None:
    def work() -> None:
        attempts(session)  # only a read so far
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        # Readers are never blocked by it (WAL).
        assert other.execute("SELECT count(*) FROM login_attempt").fetchone() == (0,)

    in_transaction(session, work)
    other.execute("BEGIN IMMEDIATE")  # released at commit


def test_a_write_after_reading_stale_data_does_not_fail_on_the_lock_upgrade(
    session: Session, other: sqlite3.Connection
) -> None:
    """A deferred transaction that read before another writer committed cannot upgrade to
    a writer ("database is locked" at once, whatever the busy timeout): the unit of work
    ends that read snapshot first, and its work sees the other writer's row."""
    assert attempts(session) == 0  # a read transaction is now open on an old snapshot
    other.execute("INSERT INTO login_attempt (key, at) VALUES ('user:x', '2026-01-05 09:00')")

    def work() -> int:
        session.add(LoginAttempt(key="user:y", at=START))
        session.flush()
        return attempts(session)

    assert in_transaction(session, work) == 2


def test_a_lock_held_past_the_busy_timeout_is_busy_and_nothing_is_saved(
    database_url: str, sqlite_path: str, other: sqlite3.Connection
) -> None:
    impatient = make_engine(database_url, sqlite_busy_seconds=0.1)
    try:
        with make_sessionmaker(impatient)() as session:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(Busy):
                in_transaction(session, lambda: session.add(LoginAttempt(key="k", at=START)))
            other.execute("ROLLBACK")
            assert attempts(session) == 0
            in_transaction(session, lambda: session.add(LoginAttempt(key="k", at=START)))
            assert attempts(session) == 1
    finally:
        impatient.dispose()


def test_a_unit_of_work_refuses_changes_made_before_it_began(
    session: Session, sqlite_path: str
) -> None:
    """They would be rolled back with the read snapshot and silently lost."""
    session.add(LoginAttempt(key="k", at=START))
    with pytest.raises(RuntimeError, match="outside"):
        in_transaction(session, lambda: None)
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM login_attempt")).scalar() == 0

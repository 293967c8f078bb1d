"""The scheduler beside busy web workers on SQLite: a tick that finds the database locked
past its wait saves nothing half-way, and the next tick does what was due."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import versions
from engine.audit import Actor
from engine.db import make_engine, make_sessionmaker, normalise_url
from engine.db.context import Services
from engine.errors import Busy
from engine.models import Case
from tests.factories.database import START
from tests.factories.scheduler import (
    SCHED_PERMIT,
    complete,
    fresh,
    open_case,
    run_tick,
    staff,
)

EXPIRY = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def sqlite_path(db: Engine, database_url: str) -> str:
    url = normalise_url(database_url)
    if not url.startswith("sqlite:///"):
        pytest.skip("the database lock and its busy timeout are SQLite's")
    return url.removeprefix("sqlite:///")


@pytest.fixture
def impatient_sessions(database_url: str, sqlite_path: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url, sqlite_busy_seconds=0.1)
    yield make_sessionmaker(engine)
    engine.dispose()


def parked_permit_case(session: Session, services: Services) -> Case:
    """A case whose residence permit expires on 1 June: its timer is due then."""
    versions.deploy_files(
        session, {SCHED_PERMIT.name: SCHED_PERMIT.read_bytes()}, START, Actor.system()
    )
    session.commit()
    case = open_case(session, services, staff(session, "anna", "se-roks"), "sched_permit")
    officer = staff(session, "migration", "se-migration")
    fields = {"permit_type": "temporary_victim", "valid_until": "2026-06-01", "reason": "final"}
    complete(session, services, officer, case, "residence_decision", granted=True, **fields)
    return case


def test_a_tick_that_meets_a_long_lock_is_busy_and_the_next_tick_fires_the_case(
    session: Session,
    services: Services,
    impatient_sessions: sessionmaker[Session],
    sqlite_path: str,
) -> None:
    case = parked_permit_case(session, services)
    other = sqlite3.connect(sqlite_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a long write elsewhere
    try:
        with pytest.raises(Busy):
            run_tick(impatient_sessions, services, EXPIRY)
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert fresh(session).get(Case, case.id).next_timer_at is not None  # still due
    assert run_tick(impatient_sessions, services, EXPIRY).timers == [case.reference]

"""One hostile expression no longer stops the network's scheduler: the case whose
gateway would loop for ever fails on its budget, and the tick goes on to every other
case's timers and reminders. The harness, not the engine, bounds the wait."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from engine import versions
from engine.audit import Actor
from engine.db import make_sessionmaker
from tests.factories.database import DATA, START
from tests.factories.scheduler import open_case, run_tick, staff

HOSTILE = DATA / "hostile_gateway_after_timer.bpmn"


@contextmanager
def within(seconds: int = 20) -> Iterator[None]:
    def interrupt(signum: int, frame: Any) -> None:
        raise AssertionError(f"the tick was still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db)


@pytest.fixture
def hostile_process(session: Session) -> None:
    versions.deploy_files(session, {HOSTILE.name: HOSTILE.read_bytes()}, START, Actor.system())
    session.commit()


def test_a_gateway_that_would_never_finish_does_not_stop_the_tick(
    session, sessions, services, hostile_process
):
    coordinator = staff(session, "coordinator", "se-roks")
    hostile = open_case(session, services, coordinator, process_id="hostile_gateway")
    ordinary = open_case(session, services, coordinator)

    with within():
        report = run_tick(sessions, services, START + timedelta(seconds=2))
        again = run_tick(sessions, services, START + timedelta(seconds=3))

    [failure] = [s for s in report.skipped if s.startswith(hostile.reference)]
    assert "'spin'" in failure and "loop steps" in failure
    # Quarantined by the first tick, so the second does not spend its budget on it again.
    assert [q.split(":")[0] for q in report.quarantined] == [hostile.reference]
    assert not [s for s in again.skipped if s.startswith(hostile.reference)]
    assert f"{ordinary.reference} immediate_safety P1D before" in report.reminders

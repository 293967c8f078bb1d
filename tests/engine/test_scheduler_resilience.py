"""The scheduler's rules that only show with real diagrams and real failures: one reminder
when several lead times of a task have passed, and a case that cannot be loaded does not
stop the tick for every other case."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import versions
from engine.audit import Actor
from engine.case import transactions
from engine.db import make_sessionmaker
from engine.models import Case, Reminder
from tests.factories.database import START
from tests.factories.scheduler import (
    SCHED_PERMIT,
    START_DATA,
    complete,
    fresh,
    notifications_to,
    open_case,
    open_task,
    run_tick,
    staff,
)


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db)


def test_when_two_lead_times_of_a_task_have_passed_only_the_nearest_is_sent(
    session, sessions, services
):
    # The real journey: immediate_safety is due in 24 hours, reminded 12 and 4 hours before.
    coordinator = staff(session, "coordinator", "se-roks")
    case = transactions.open_case(session, services, coordinator, START_DATA)
    task = open_task(session, case, "immediate_safety")
    assert task.reminders == ["PT12H", "PT4H"]

    report = run_tick(sessions, services, START + timedelta(hours=21))  # both have passed

    # (the coordinator's non-punishment check is due the same day: only this task counts)
    assert [r for r in report.reminders if "immediate_safety" in r] == [
        f"{case.reference} immediate_safety PT4H before"
    ]
    assert report.cancelled == 2
    (notice,) = [
        n for n in notifications_to(session, "se-roks", "reminder") if n.task_id == task.id
    ]
    assert notice.message == f"'Ensure immediate safety' is due in 3 hours ({case.reference})"
    farther = (
        fresh(session)
        .scalars(select(Reminder).where(Reminder.task_id == task.id, Reminder.lead == "PT12H"))
        .one()
    )
    assert farther.sent_at is None and farther.cancelled_at is not None


def test_a_case_whose_state_cannot_be_read_does_not_stop_the_others_timers_or_reminders(
    session, sessions, services, caplog
):
    versions.deploy_files(
        session, {"sched_permit.bpmn": SCHED_PERMIT.read_bytes()}, START, Actor.system()
    )
    session.commit()
    coordinator = staff(session, "coordinator", "se-roks")
    migration = staff(session, "migration", "se-migration")
    broken, sound = (open_case(session, services, coordinator, "sched_permit") for _ in range(2))
    for case in (broken, sound):
        complete(
            session,
            services,
            migration,
            case,
            "residence_decision",
            granted=True,
            permit_type="temporary_victim",
            valid_until="2026-06-01",
            reason="final",
        )
    session.execute(update(Case).where(Case.id == broken.id).values(state=b"not a ciphertext"))
    session.commit()

    with caplog.at_level(logging.ERROR):
        report = run_tick(sessions, services, START.replace(month=6, day=1, hour=0))

    assert report.timers == [sound.reference]
    assert [line.split(" ")[0] for line in report.skipped] == [broken.reference]
    assert broken.reference in caplog.text
    assert open_task(session, sound, "apply_residence_permit").state == "open"
    reminded = {n.case_id for n in notifications_to(session, "se-roks", "reminder")}
    assert sound.id in reminded

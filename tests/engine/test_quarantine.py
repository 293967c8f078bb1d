"""A scheduler that always finishes: a case the tick cannot run is quarantined once, the
administrators and its coordinator are told, later ticks leave it alone while the other
cases' timers fire, and releasing it lets the next tick run it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from engine import versions
from engine.accounts import users
from engine.audit import Actor
from engine.db import make_sessionmaker
from engine.errors import Conflict
from engine.models import AuditEvent, Case, CaseTeamMember, Notification, OutboxMail, User
from engine.schedule.quarantine import quarantined_cases, release
from tests.factories.database import START
from tests.factories.scheduler import SCHED_PERMIT, complete, fresh, open_case, run_tick, staff

JUNE = START.replace(month=6, day=1, hour=0)
ADMIN = Actor(user_id=None, organisation_id=None, username="admin-anna")


@pytest.fixture
def sessions(db: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(db)


@pytest.fixture
def two_waiting_cases(session, services) -> tuple[Case, Case]:
    """Two cases whose permit-expiry timer is due on 1 June, the first one unreadable."""
    versions.deploy_files(
        session, {"sched_permit.bpmn": SCHED_PERMIT.read_bytes()}, START, Actor.system()
    )
    session.commit()
    coordinator = staff(session, "coordinator", "se-roks", "roks@example.org")
    migration = staff(session, "migration", "se-migration")
    administrator(session, "admin-anna", "anna@example.org")
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
    return broken, sound


def administrator(session: Session, username: str, email: str) -> None:
    # In another organisation than the case's: she is told, yet sees nothing of the case.
    user = users.create_user(session, username, "no-rosa", None, START, True)
    user.email = email
    session.commit()


def corrupt(session: Session, case: Case) -> bytes:
    state = fresh(session).scalar(select(Case.state).where(Case.id == case.id))
    session.execute(update(Case).where(Case.id == case.id).values(state=b"not a ciphertext"))
    session.commit()
    assert state is not None
    return state


def test_a_failing_case_is_quarantined_once_and_later_ticks_leave_it_alone(
    session, sessions, services, two_waiting_cases
):
    broken, sound = two_waiting_cases
    corrupt(session, broken)

    first = run_tick(sessions, services, JUNE)
    later = run_tick(sessions, services, JUNE + timedelta(minutes=1))

    assert first.timers == [sound.reference]
    assert [q.split(":")[0] for q in first.quarantined] == [broken.reference]
    assert f"quarantined {broken.reference}: " in "\n".join(first.lines())
    assert "1 case(s) quarantined" in first.summary()
    assert later.quarantined == [] and later.skipped == [] and later.timers == []
    [held] = quarantined_cases(fresh(session))
    assert (held.reference, held.process_id, held.at) == (broken.reference, "sched_permit", JUNE)


def test_the_administrators_and_the_coordinator_are_told_without_case_data(
    session, sessions, services, two_waiting_cases
):
    broken, _ = two_waiting_cases
    corrupt(session, broken)

    run_tick(sessions, services, JUNE)

    coordinator = fresh(session).scalar(
        select(CaseTeamMember.organisation_id).where(
            CaseTeamMember.case_id == broken.id, CaseTeamMember.role == "coordinator"
        )
    )
    alerts = session.scalars(
        select(Notification).where(Notification.kind == "quarantine").order_by(Notification.id)
    )
    anna = session.scalars(select(User).where(User.username == "admin-anna")).one()
    assert [(n.case_id, n.organisation_id, n.user_id) for n in alerts] == [
        (broken.id, coordinator, None),  # the coordinating organisation
        (broken.id, anna.organisation_id, anna.id),  # Anna alone, not her organisation
    ]
    mails = session.scalars(
        select(OutboxMail).where(OutboxMail.subject.contains(broken.reference))
    ).all()
    assert "anna@example.org" in [m.recipient for m in mails]
    assert all("Ljudmila" not in m.body for m in mails)


def test_releasing_a_quarantined_case_lets_the_next_tick_run_it_again(
    session, sessions, services, two_waiting_cases
):
    broken, _ = two_waiting_cases
    state = corrupt(session, broken)
    run_tick(sessions, services, JUNE)
    session.execute(update(Case).where(Case.id == broken.id).values(state=state))  # repaired
    session.commit()

    release(fresh(session), broken.reference, JUNE + timedelta(hours=1), ADMIN)
    session.commit()
    after = run_tick(sessions, services, JUNE + timedelta(hours=2))

    assert after.timers == [broken.reference]
    assert quarantined_cases(fresh(session)) == []
    released = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.released")).one()
    assert released.case_id == broken.id


def test_releasing_a_case_that_is_not_quarantined_is_refused(session, two_waiting_cases):
    _, sound = two_waiting_cases

    with pytest.raises(Conflict, match="not quarantined"):
        release(session, sound.reference, JUNE, ADMIN)


def test_a_database_error_is_retried_next_tick_not_quarantined(
    session, sessions, services, two_waiting_cases, monkeypatch
):
    broken, sound = two_waiting_cases

    def disk_full(*args: object) -> None:
        raise OperationalError("UPDATE case_file", {}, Exception("disk I/O error"))

    with monkeypatch.context() as patched:
        patched.setattr("engine.schedule.scheduler.save_workflow", disk_full)
        failing = run_tick(sessions, services, JUNE)
    retried = run_tick(sessions, services, JUNE + timedelta(minutes=1))

    assert failing.quarantined == [] and len(failing.skipped) == 2
    assert sorted(retried.timers) == sorted([broken.reference, sound.reference])
